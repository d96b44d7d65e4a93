import Conformance
import Foundation
import Testing
@testable import Autograd
import TestSupport

/// Backward formulas in a manifest: gradients written over registered ops, so
/// that a plugin op is differentiable to any order and has a forward-mode rule.
@Suite("Backward formulas in a plugin manifest")
struct BackwardFormulaTests {
    /// C kernels with no derivative of their own: `fm_cube` (x³), `fm_dot` (a 0-d
    /// result) and `fm_scaled_exp` (exp(alpha·x), whose gradient reads the output).
    static let source = """
        #include <math.h>
        #include <stdint.h>
        void fm_cube_f64(const double *x, double *out, int64_t n) { for (int64_t i = 0; i < n; i++) out[i] = x[i] * x[i] * x[i]; }
        void fm_cube_f32(const float *x, float *out, int64_t n) { for (int64_t i = 0; i < n; i++) out[i] = x[i] * x[i] * x[i]; }
        void fm_dot(const double *x, const double *y, double *out, int64_t n) {
            double s = 0;
            for (int64_t i = 0; i < n; i++) s += x[i] * y[i];
            *out = s;
        }
        void fm_scaled_exp(const double *x, double *out, int64_t n, double alpha) { for (int64_t i = 0; i < n; i++) out[i] = exp(alpha * x[i]); }
        """

    static let ops = [
        #"""
        {"name": "fm.cube", "inputs": ["x"], "elementwise": true,
         "forward": {"float64": {"symbol": "fm_cube_f64", "args": ["ptr:x", "ptr:out", "i64:numel(x)"]},
                     "float32": {"symbol": "fm_cube_f32", "args": ["ptr:x", "ptr:out", "i64:numel(x)"]}},
         "backward": {"x": "3 * grad_out * x ** 2"}, "reference": "x ** 3"}
        """#,
        #"""
        {"name": "fm.dot", "inputs": [{"name": "x", "ndim": 1}, {"name": "y", "ndim": 1}], "output": {"shape": []},
         "forward": {"float64": {"symbol": "fm_dot", "args": ["ptr:x", "ptr:y", "ptr:out", "i64:numel(x)"]}},
         "backward": {"x": "grad_out * y", "y": "grad_out * x"}, "reference": "sum(x * y)"}
        """#,
        #"""
        {"name": "fm.scaled_exp", "inputs": ["x"], "attributes": {"alpha": {"type": "double", "default": 0.5}},
         "elementwise": true,
         "forward": {"float64": {"symbol": "fm_scaled_exp", "args": ["ptr:x", "ptr:out", "i64:numel(x)", "f64:attr.alpha"]}},
         "backward": {"x": "grad_out * alpha * out"}, "reference": "exp(alpha * x)"}
        """#,
    ]

    static let plugin = PluginFixture(name: "formulas", source: source, abiMinor: 1)
    static let registry = plugin.registry(loading: ops)

    @Test("first and second derivatives of an elementwise op come from its formula")
    func secondOrder() throws {
        let x = Tensor([-1.5, 0.5, 2.0], dtype: .float64, requiresGrad: true)
        let y = try Self.registry.call("fm.cube", [x])
        let g = try grad(of: [y.sum()], wrt: [x], createGraph: true)[0]!
        expectClose(g, Tensor([6.75, 0.75, 12.0], dtype: .float64), atol: 1e-12, rtol: 0)
        let h = try grad(of: [g.sum()], wrt: [x])[0]!
        expectClose(h, Tensor([-9.0, 3.0, 12.0], dtype: .float64), atol: 1e-12, rtol: 0)
    }

    @Test("the formula computes in the op's dtype", arguments: [DType.float32, .float64])
    func dtype(_ dtype: DType) throws {
        let x = Tensor([1.0, -2.0], dtype: dtype, requiresGrad: true)
        try Self.registry.call("fm.cube", [x]).sum().backward()
        let g = try #require(x.grad)
        #expect(g.dtype == dtype)
        expectClose(g, Tensor([3.0, 12.0], dtype: dtype), atol: 1e-6, rtol: 0)
    }

    @Test("an op that is not elementwise gets gradients, second derivatives and a forward-mode rule from its formulas")
    func dot() throws {
        let x = Tensor([1.0, 2.0, 3.0], dtype: .float64, requiresGrad: true)
        let y = Tensor([4.0, -5.0, 6.0], dtype: .float64, requiresGrad: true)
        let d = try Self.registry.call("fm.dot", [x, y])
        #expect(d.shape == [])
        expectClose(d, Tensor(shape: [], scalars: [12.0], dtype: .float64), atol: 0, rtol: 0)
        let (gx, gy) = try { let g = try grad(of: [d], wrt: [x, y], createGraph: true); return (g[0]!, g[1]!) }()
        expectClose(gx, y.detach(), atol: 0, rtol: 0)
        expectClose(gy, x.detach(), atol: 0, rtol: 0)
        // d²/dx dy of x·y is the identity: the gradient of sum(gx) with respect to y is ones.
        let mixed = try grad(of: [gx.sum()], wrt: [y])[0]!
        expectClose(mixed, Tensor.ones([3], dtype: .float64), atol: 0, rtol: 0)

        let tx = Tensor([1.0, 0.0, -1.0], dtype: .float64)
        let ty = Tensor([0.5, 0.5, 0.5], dtype: .float64)
        let (_, tangents) = try jvp({ [try Self.registry.call("fm.dot", $0)] }, primals: [x.detach(), y.detach()], tangents: [tx, ty])
        // ⟨tx, y⟩ + ⟨x, ty⟩ = (4 - 6) + 3.
        expectClose(tangents[0], Tensor(shape: [], scalars: [1.0], dtype: .float64), atol: 1e-12, rtol: 0)
    }

    @Test("kernel-check passes every op, its second order and forward mode included", arguments: ["fm.cube", "fm.dot", "fm.scaled_exp"])
    func kernelCheck(op: String) throws {
        var configuration = KernelCheck.Configuration()
        configuration.checks = [.samples, .forward, .gradient, .forwardMode, .secondOrder]
        configuration.dtypes = [.float64]
        let report = try KernelCheck(op: op, registry: Self.registry, configuration: configuration).run()
        #expect(report.failures.isEmpty, "\(report.text())")
        #expect(report.results.filter { $0.status == .pass }.count == configuration.checks.count, "\(report.text())")
        let secondOrder = try #require(report.result(op: op, check: .secondOrder))
        #expect(!secondOrder.message.contains("claims no higher order"), "\(secondOrder.message)")
    }

    @Test("a formula that does not parse, reads an unknown name, calls an unknown op or gives two gradients is refused at load", arguments: [
        ("3 * grad_out * (x ** 2", ["malformed backward formula"]),
        ("grad_out * z", ["reads 'z'", "not an input (x), an attribute, out or grad_out"]),
        ("grad_out * cubed(x)", ["calls 'cubed'", "not a registered op or an op of this manifest"]),
        ("grad_out, x", ["gives one gradient", "gives 2"]),
    ])
    func refused(formula: String, mentions: [String]) throws {
        let bad = Self.ops[0].replacingOccurrences(of: "3 * grad_out * x ** 2", with: formula)
        let path = try TemporaryFiles.write(Self.plugin.manifest([bad]), to: "bad-formula.json")
        try expectLoadFails(path, mentioning: mentions + [path, "op 'fm.cube'", "field 'ops[0].backward.x'"])
    }
}
