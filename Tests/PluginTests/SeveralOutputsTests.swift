import Conformance
import Foundation
import Testing
@testable import Autograd
import TestSupport

/// Plugin ops with several outputs (`"outputs"`): the kernel fills `out0`, `out1`,
/// ..., and a gradient reads `grad_out0`, `grad_out1`, ...
@Suite("Plugin ops with several outputs")
struct SeveralOutputsTests {
    static let source = """
        #include <math.h>
        #include <stdint.h>
        void so_sincos(const double *x, double *s, double *c, int64_t n) {
            for (int64_t i = 0; i < n; i++) { s[i] = sin(x[i]); c[i] = cos(x[i]); }
        }
        /* The largest element and its index; of no elements, -inf (max's identity) at index -1. */
        void so_max(const double *x, double *value, int64_t *index, int64_t n) {
            int64_t best = n > 0 ? 0 : -1;
            for (int64_t i = 1; i < n; i++) if (x[i] > x[best]) best = i;
            *value = best >= 0 ? x[best] : -INFINITY;
            *index = best;
        }
        /* Accumulates into a zeroed gradient: the upstream gradient of the value, at its index. */
        void so_max_grad(const double *grad_value, const int64_t *index, double *gx) {
            if (*index >= 0) gx[*index] += *grad_value;
        }
        """

    static let ops = [
        #"""
        {"name": "so.sincos", "inputs": ["x"], "outputs": [{"shape": "x"}, {"shape": "x"}],
         "forward": {"float64": {"symbol": "so_sincos", "args": ["ptr:x", "ptr:out0", "ptr:out1", "i64:numel(x)"]}},
         "backward": {"x": "grad_out0 * cos(x) - grad_out1 * sin(x)"}}
        """#,
        #"""
        {"name": "so.max", "inputs": [{"name": "x", "ndim": 1}], "outputs": [{"shape": []}, {"shape": [], "dtype": "int64"}],
         "forward": {"float64": {"symbol": "so_max", "args": ["ptr:x", "ptr:out0", "ptr:out1", "i64:numel(x)"]}},
         "backward": {"x": {"float64": {"symbol": "so_max_grad", "init_out": "zeros",
                                        "args": ["ptr:grad_out0", "ptr:out1", "ptr:grad_x"]}}}}
        """#,
    ]

    static let plugin = PluginFixture(name: "severaloutputs", source: source, abiMinor: 2)
    static let registry = plugin.registry(loading: ops)

    @Test("each output is filled, and the gradient reads each output's upstream gradient")
    func sincos() throws {
        let x = Tensor([0.5, -1.0, 2.0], dtype: .float64, requiresGrad: true)
        let outputs = try Self.registry.callOutputs("so.sincos", [x])
        #expect(outputs.count == 2)
        expectClose(outputs[0], sin(x.detach()), atol: 1e-15, rtol: 0)
        expectClose(outputs[1], cos(x.detach()), atol: 1e-15, rtol: 0)
        let g = try grad(of: [(2 * outputs[0] + 3 * outputs[1]).sum()], wrt: [x], createGraph: true)[0]!
        expectClose(g, 2 * cos(x.detach()) - 3 * sin(x.detach()), atol: 1e-15, rtol: 0)
        let h = try grad(of: [g.sum()], wrt: [x])[0]!
        expectClose(h, -2 * sin(x.detach()) - 3 * cos(x.detach()), atol: 1e-14, rtol: 0)
    }

    @Test("an int64 output has its dtype and no gradient; a C gradient reads it")
    func max() throws {
        let x = Tensor([1.0, 5.0, -2.0, 3.0], dtype: .float64, requiresGrad: true)
        let outputs = try Self.registry.callOutputs("so.max", [x])
        expectClose(outputs[0], Tensor(shape: [], scalars: [5.0], dtype: .float64), atol: 0, rtol: 0)
        #expect(outputs[1].dtype == .int64 && outputs[1].scalars == [1] && !outputs[1].requiresGrad)
        try (3 * outputs[0]).backward()
        expectClose(x.grad, Tensor([0.0, 3, 0, 0], dtype: .float64), atol: 0, rtol: 0)
    }

    @Test("kernel-check passes both ops, forward mode of the formula op included", arguments: ["so.sincos", "so.max"])
    func kernelCheck(op: String) throws {
        var configuration = KernelCheck.Configuration()
        configuration.checks.subtract([.crashIsolation, .large])
        // so.max's gradient is a C kernel of an op that is not elementwise: no forward-mode rule follows from it.
        if op == "so.max" { configuration.checks.subtract([.forwardMode, .secondOrder]) }
        configuration.dtypes = [.float64]
        let report = try KernelCheck(op: op, registry: Self.registry, configuration: configuration).run()
        #expect(report.failures.isEmpty, "\(report.text())")
        #expect(report.result(op: op, check: .gradient)?.status == .pass, "\(report.text())")
        if op == "so.sincos" {
            #expect(report.result(op: op, check: .forwardMode)?.status == .pass, "\(report.text())")
            #expect(report.result(op: op, check: .secondOrder)?.status == .pass, "\(report.text())")
        }
    }

    @Test("outputs declared or used wrongly are refused at load", arguments: [
        (#""outputs": [{"shape": "x"}, {"shape": "x"}]"#, #""outputs": [{"shape": "x"}]"#, ["'outputs' lists two or more"]),
        (#""outputs": [{"shape": "x"}, {"shape": "x"}]"#, #""output": {"shape": "x"}, "outputs": [{"shape": "x"}, {"shape": "x"}]"#,
         ["'output' (one) or 'outputs' (several), not both"]),
        (#""ptr:x", "ptr:out0", "ptr:out1", "i64:numel(x)""#, #""ptr:x", "ptr:out0", "ptr:x", "i64:numel(x)""#,
         ["no argument is ptr:out1"]),
        (#""grad_out0 * cos(x) - grad_out1 * sin(x)""#, #""grad_out * cos(x)""#, ["reads 'grad_out'", "out0, out1 or grad_out0, grad_out1"]),
        (#"{"name": "so.sincos", "inputs": ["x"]"#, #"{"name": "so.sincos", "inputs": ["out2"]"#, ["cannot name an input"]),
        (#"{"shape": [], "dtype": "int64"}"#, #"{"shape": [], "dtype": "float32"}"#, ["expected int64 or bool, got 'float32'"]),
    ] as [(String, String, [String])])
    func refused(old: String, new: String, mentions: [String]) throws {
        let text = Self.plugin.manifest(Self.ops)
        #expect(text.contains(old), "the manifest has no '\(old)'")
        let path = try TemporaryFiles.write(text.replacingOccurrences(of: old, with: new), to: "bad-outputs.json")
        try expectLoadFails(path, mentioning: mentions + [path])
    }
}
