import Conformance
import Foundation
import Testing
@testable import Autograd
import TestSupport

/// Plugin ops with a list input (`{"name": "xs", "list": true}`): the kernel gets an
/// array of data pointers (`ptr:xs`), the list's length (`len(xs)`) and each
/// tensor's element count (`ptr:numels(xs)`), and a gradient kernel fills an array
/// of gradient buffers (`ptr:grad_xs`). Their forward-mode rules are declared
/// formulas (`"jvp"`), over the inputs and their tangents (`xs_t`, `s_t`).
@Suite("Plugin ops with a list input")
struct ListInputTests {
    static let source = """
        #include <stdint.h>
        /* The tensors of xs one after another. */
        void ls_cat(const double *const *xs, const int64_t *numels, int64_t n, double *out) {
            for (int64_t k = 0, o = 0; k < n; k++)
                for (int64_t i = 0; i < numels[k]; i++) out[o++] = xs[k][i];
        }
        /* Each tensor's gradient is its piece of grad_out. */
        void ls_cat_grad(const double *grad_out, const int64_t *numels, int64_t n, double *const *grads) {
            for (int64_t k = 0, o = 0; k < n; k++)
                for (int64_t i = 0; i < numels[k]; i++) grads[k][i] = grad_out[o++];
        }
        /* s * (xs[0] + xs[1] + ...), of tensors of one shape: a status of 1 for any other. */
        int ls_scaled_sum(const double *const *xs, const int64_t *numels, int64_t n, const double *s, double *out) {
            for (int64_t k = 0; k < n; k++) if (numels[k] != numels[0]) return 1;
            for (int64_t i = 0; i < numels[0]; i++) {
                double total = 0;
                for (int64_t k = 0; k < n; k++) total += xs[k][i];
                out[i] = *s * total;
            }
            return 0;
        }
        void ls_scaled_sum_grad_xs(const double *s, const double *grad_out, int64_t count, int64_t n, double *const *grads) {
            for (int64_t k = 0; k < n; k++)
                for (int64_t i = 0; i < count; i++) grads[k][i] = *s * grad_out[i];
        }
        void ls_scaled_sum_grad_s(const double *const *xs, const double *grad_out, int64_t count, int64_t n, double *grad_s) {
            double total = 0;
            for (int64_t k = 0; k < n; k++)
                for (int64_t i = 0; i < count; i++) total += xs[k][i] * grad_out[i];
            *grad_s = total;
        }
        """

    static let ops = [
        #"""
        {"name": "ls.cat", "inputs": [{"name": "xs", "list": true, "ndim": 1}], "output": {"shape": ["numel(xs)"]},
         "forward": {"float64": {"symbol": "ls_cat", "args": ["ptr:xs", "ptr:numels(xs)", "i64:len(xs)", "ptr:out"]}},
         "backward": {"xs": {"float64": {"symbol": "ls_cat_grad",
                                         "args": ["ptr:grad_out", "ptr:numels(xs)", "i64:len(xs)", "ptr:grad_xs"]}}},
         "jvp": "cat(xs_t, dim=0)", "reference": "cat(xs, dim=0)"}
        """#,
        #"""
        {"name": "ls.scaled_sum", "inputs": [{"name": "xs", "list": true}, {"name": "s", "ndim": 0}],
         "forward": {"float64": {"symbol": "ls_scaled_sum", "returns": "i32",
                                 "args": ["ptr:xs", "ptr:numels(xs)", "i64:len(xs)", "ptr:s", "ptr:out"]}},
         "backward": {
           "xs": {"float64": {"symbol": "ls_scaled_sum_grad_xs", "args": ["ptr:s", "ptr:grad_out", "i64:numel(out)", "i64:len(xs)", "ptr:grad_xs"]}},
           "s": {"float64": {"symbol": "ls_scaled_sum_grad_s", "args": ["ptr:xs", "ptr:grad_out", "i64:numel(out)", "i64:len(xs)", "ptr:grad_s"]}}},
         "jvp": "s_t * sum(stack(xs), dims=[0]) + s * sum(stack(xs_t), dims=[0])",
         "reference": "s * sum(stack(xs), dims=[0])"}
        """#,
    ]

    static let plugin = PluginFixture(name: "listinputs", source: source, abiMinor: 3)
    static let registry = plugin.registry(loading: ops)

    @Test("a list of any length reaches the kernel as pointers, lengths and a count; each tensor gets its gradient")
    func concatenation() throws {
        let a = Tensor([1.0, 2.0], dtype: .float64, requiresGrad: true)
        let b = Tensor([3.0], dtype: .float64, requiresGrad: true)
        let c = Tensor([4.0, 5.0, 6.0], dtype: .float64, requiresGrad: true)
        let out = try Self.registry.call("ls.cat", [a, b, c])
        #expect(out.shape == [6] && out.scalars == [1, 2, 3, 4, 5, 6])
        try (out * Tensor([1.0, 2, 3, 4, 5, 6], dtype: .float64)).sum().backward()
        #expect(a.grad?.scalars == [1, 2] && b.grad?.scalars == [3] && c.grad?.scalars == [4, 5, 6])
    }

    @Test("an input after the list is found past all of the list's tensors")
    func inputAfterTheList() throws {
        let xs = [Tensor([1.0, 2.0], dtype: .float64, requiresGrad: true), Tensor([10.0, 20.0], dtype: .float64, requiresGrad: true)]
        let s = Tensor(shape: [], scalars: [0.5], dtype: .float64, requiresGrad: true)
        let out = try Self.registry.call("ls.scaled_sum", xs + [s])
        #expect(out.scalars == [5.5, 11])
        try out.sum().backward()
        #expect(xs[0].grad?.scalars == [0.5, 0.5] && xs[1].grad?.scalars == [0.5, 0.5])
        #expect(s.grad?.scalars == [33])
        // The kernel's own refusal of tensors of different lengths is an error naming the op.
        #expect(throws: AutogradError.self) {
            try Self.registry.call("ls.scaled_sum", [Tensor([1.0], dtype: .float64), Tensor([1.0, 2], dtype: .float64), s])
        }
    }

    @Test("a declared jvp formula is the op's forward-mode rule, with a zero tangent for an input that has none")
    func declaredForwardMode() throws {
        let xs = [Tensor([1.0, 2.0], dtype: .float64), Tensor([10.0, 20.0], dtype: .float64)]
        let s = Tensor(shape: [], scalars: [0.5], dtype: .float64)
        let f: ([Tensor]) throws -> [Tensor] = { try [Self.registry.call("ls.scaled_sum", $0)] }
        let (_, both) = try jvp(f, primals: xs + [s], tangents: [Tensor([1.0, 0], dtype: .float64), Tensor([0.0, 1], dtype: .float64),
                                                                 Tensor(shape: [], scalars: [2.0], dtype: .float64)])
        // s·(t0 + t1) + s_t·(x0 + x1) = 0.5·[1, 1] + 2·[11, 22]
        #expect(both[0]?.scalars == [22.5, 44.5])
        let (_, onlyS) = try jvp({ try f(xs + [$0[0]]) }, primals: [s], tangents: [Tensor(shape: [], scalars: [1.0], dtype: .float64)])
        #expect(onlyS[0]?.scalars == [11, 22])
    }

    @Test("kernel-check passes both ops", arguments: ["ls.cat", "ls.scaled_sum"])
    func kernelCheck(op: String) throws {
        var configuration = KernelCheck.Configuration()
        // A C gradient is first order only: second order checks that asking for more is a clear error.
        configuration.checks.subtract([.crashIsolation, .large])
        configuration.dtypes = [.float64]
        let report = try KernelCheck(op: op, registry: Self.registry, configuration: configuration).run()
        #expect(report.failures.isEmpty, "\(report.text())")
        for check in [ConformanceCheck.samples, .forward, .gradient, .forwardMode, .guardBytes] {
            #expect(report.results.first { $0.check == check }?.status == .pass, "\(check): \(report.text())")
        }
    }

    @Test("list inputs declared or used wrongly are refused at load", arguments: [
        (#"{"name": "s", "ndim": 0}"#, #"{"name": "s", "list": true}"#, ["at most one input can be a list"]),
        (#"{"name": "xs", "list": true, "ndim": 1}"#, #"{"name": "xs", "list": true, "optional": true}"#,
         ["a list input cannot be optional"]),
        (#""ptr:xs", "ptr:numels(xs)", "i64:len(xs)", "ptr:out"]"#, #""ptr:xs", "ptr:numels(xs)", "i64:len(out)", "ptr:out"]"#,
         ["len(out)", "a list input"]),
        (#""ptr:xs", "ptr:numels(xs)", "i64:len(xs)", "ptr:out"]"#, #""ptr:xs", "ptr:numels(out)", "i64:len(xs)", "ptr:out"]"#,
         ["numels(out)", "a list input"]),
        (#""s": {"float64": {"symbol": "ls_scaled_sum_grad_s", "args": ["ptr:xs", "ptr:grad_out", "i64:numel(out)", "i64:len(xs)", "ptr:grad_s"]}}"#,
         #""s": "sum(grad_out)""#, ["a list input's gradients come from a kernel"]),
        (#""jvp": "cat(xs_t, dim=0)""#, #""jvp": "cat(ys_t, dim=0)""#, ["reads 'ys_t'", "a tangent (xs_t)"]),
        (#""jvp": "cat(xs_t, dim=0)""#, #""jvp": "cat(xs_t, dim=0), xs_t""#, ["one tangent per floating output (1)"]),
        (#""jvp": "cat(xs_t, dim=0)""#, #""jvp": "concat(xs_t)""#, ["calls 'concat'"]),
    ] as [(String, String, [String])])
    func refused(old: String, new: String, mentions: [String]) throws {
        let text = Self.plugin.manifest(Self.ops)
        #expect(text.contains(old), "the manifest has no '\(old)'")
        let path = try TemporaryFiles.write(text.replacingOccurrences(of: old, with: new), to: "bad-lists.json")
        try expectLoadFails(path, mentioning: mentions)
    }

    @Test("an input named as another's tangent is refused: the jvp formula could not tell them apart")
    func tangentNameClash() throws {
        // ls.scaled_sum, its scalar input renamed from `s` to `xs_t`, the tangent name of `xs`.
        let clash = #"""
            {"name": "ls.clash", "inputs": [{"name": "xs", "list": true}, {"name": "xs_t", "ndim": 0}],
             "forward": {"float64": {"symbol": "ls_scaled_sum", "returns": "i32",
                                     "args": ["ptr:xs", "ptr:numels(xs)", "i64:len(xs)", "ptr:xs_t", "ptr:out"]}},
             "jvp": "xs_t * sum(stack(xs), dims=[0])"}
            """#
        let path = try TemporaryFiles.write(Self.plugin.manifest([clash]), to: "clashing-tangent.json")
        try expectLoadFails(path, mentioning: ["'xs_t' names both an input and the tangent of another in the jvp formula"])
        // The same op with the input named `s` loads: the refusal is the clash, not the rest of the entry.
        let fine = Self.plugin.manifest([clash.replacingOccurrences(of: "xs_t", with: "s")])
        try OpRegistry.withBuiltins().loadPlugin(at: try TemporaryFiles.write(fine, to: "no-clash.json"))
    }
}
