import Conformance
import Foundation
import Testing
@testable import Autograd
import TestSupport

/// Index and mask inputs (`"dtype": "int64"`, `"bool"`), optional inputs (a null
/// pointer when omitted) and string attributes (`"type": "string"`, passed as
/// `const char *`) in a plugin manifest.
@Suite("int64, bool and optional inputs and string attributes in a manifest")
struct ManifestInputKindsTests {
    static let source = #"""
        #include <math.h>
        #include <stdint.h>
        #include <string.h>
        #include "autograd_plugin.h"

        static _Thread_local const char *message;
        AUTOGRAD_PLUGIN_EXPORT const char *autograd_plugin_last_error(void) { return message; }

        AUTOGRAD_PLUGIN_EXPORT int ik_pick(const double *x, const int64_t *idx, double *out, int64_t n, int64_t m) {
            for (int64_t i = 0; i < m; i++) {
                if (idx[i] < 0 || idx[i] >= n) { message = "ik.pick: an index is out of range"; return AUTOGRAD_PLUGIN_INVALID_ARGUMENT; }
                out[i] = x[idx[i]];
            }
            return AUTOGRAD_PLUGIN_OK;
        }
        /* Accumulates into a gradient the host has zeroed ("init_out": "zeros"). */
        AUTOGRAD_PLUGIN_EXPORT void ik_pick_grad(const double *g, const int64_t *idx, double *gx, int64_t m) {
            for (int64_t i = 0; i < m; i++) gx[idx[i]] += g[i];
        }
        AUTOGRAD_PLUGIN_EXPORT void ik_double_where(const double *x, const _Bool *mask, double *out, int64_t n) {
            for (int64_t i = 0; i < n; i++) out[i] = mask[i] ? 2 * x[i] : x[i];
        }
        AUTOGRAD_PLUGIN_EXPORT void ik_affine(const double *x, const double *w, const double *b, double *out, int64_t n) {
            for (int64_t i = 0; i < n; i++) out[i] = w[i] * x[i] + (b ? b[i] : 0);
        }
        AUTOGRAD_PLUGIN_EXPORT double ik_norm(const double *x, int64_t n, const char *ord) {
            double s = 0;
            int l1 = strcmp(ord, "l1") == 0;
            for (int64_t i = 0; i < n; i++) s += l1 ? fabs(x[i]) : x[i] * x[i];
            return l1 ? s : sqrt(s);
        }
        """#

    static let plugin = PluginFixture(name: "inputkinds", source: source, abiMinor: 2)
    static let registry = plugin.registry(loading: ops)

    static let ops = [
        #"""
        {"name": "ik.pick", "inputs": [{"name": "x", "ndim": 1}, {"name": "idx", "ndim": 1, "dtype": "int64"}],
         "output": {"shape": ["numel(idx)"]},
         "forward": {"float64": {"symbol": "ik_pick", "returns": "i32",
                                 "args": ["ptr:x", "ptr:idx", "ptr:out", "i64:numel(x)", "i64:numel(idx)"]}},
         "backward": {"x": {"float64": {"symbol": "ik_pick_grad", "init_out": "zeros",
                                        "args": ["ptr:grad_out", "ptr:idx", "ptr:grad_x", "i64:numel(idx)"]}}},
         "reference": "index_select(x, idx, dim=0)"}
        """#,
        #"""
        {"name": "ik.double_where", "inputs": ["x", {"name": "mask", "dtype": "bool"}], "elementwise": true,
         "forward": {"float64": {"symbol": "ik_double_where", "args": ["ptr:x", "ptr:mask", "ptr:out", "i64:numel(out)"]}},
         "backward": {"x": "grad_out * where(mask, 2, 1)"},
         "reference": "where(mask, 2 * x, x)"}
        """#,
        #"""
        {"name": "ik.affine", "inputs": [{"name": "x", "ndim": 1}, {"name": "w", "shape": "x"}, {"name": "b", "shape": "x", "optional": true}],
         "forward": {"float64": {"symbol": "ik_affine", "args": ["ptr:x", "ptr:w", "ptr:b", "ptr:out", "i64:numel(x)"]}},
         "backward": {"x": "grad_out * w", "w": "grad_out * x", "b": "grad_out"}}
        """#,
        #"""
        {"name": "ik.norm", "inputs": ["x"], "attributes": {"ord": {"type": "string", "values": ["l1", "l2"], "default": "l2"}},
         "output": {"shape": []},
         "forward": {"float64": {"symbol": "ik_norm", "returns": "f64", "args": ["ptr:x", "i64:numel(x)", "ptr:attr.ord"]}}}
        """#,
    ]

    @Test("an int64 input is passed as its data; its op has a gradient only for the floating input")
    func indices() throws {
        let x = Tensor([10.0, 20, 30, 40], dtype: .float64, requiresGrad: true)
        let idx = Tensor([3, 0, 3], dtype: .int64)
        let y = try Self.registry.call("ik.pick", [x, idx])
        expectClose(y, Tensor([40.0, 10, 40], dtype: .float64), atol: 0, rtol: 0)
        try (y * Tensor([1.0, 2, 3], dtype: .float64)).sum().backward()
        expectClose(x.grad, Tensor([2.0, 0, 0, 4], dtype: .float64), atol: 0, rtol: 0)
        #expect(try Self.registry.op(named: "ik.pick").definition.inputs[1].dtypes == .exactly(.int64))

        let error = try #require(throws: AutogradError.self) { try Self.registry.call("ik.pick", [x, Tensor([4], dtype: .int64)]) }
        #expect(error.message.contains("an index is out of range"), "\(error.message)")
    }

    @Test("a bool mask broadcasts with the floating input; kernel-check passes both ops", arguments: ["ik.pick", "ik.double_where"])
    func masks(op: String) throws {
        if op == "ik.double_where" {
            let x = Tensor(shape: [2, 2], scalars: [1.0, 2, 3, 4], dtype: .float64, requiresGrad: true)
            let mask = Tensor(shape: [2], scalars: [1.0, 0], dtype: .bool)
            let y = try Self.registry.call("ik.double_where", [x, mask])
            expectClose(y, Tensor(shape: [2, 2], scalars: [2.0, 2, 6, 4], dtype: .float64), atol: 0, rtol: 0)
            try y.sum().backward()
            expectClose(x.grad, Tensor(shape: [2, 2], scalars: [2.0, 1, 2, 1], dtype: .float64), atol: 0, rtol: 0)
        }
        var configuration = KernelCheck.Configuration()
        configuration.checks.subtract([.crashIsolation, .large])
        // ik.pick's gradient is a C kernel of an op that is not elementwise: no forward-mode rule follows from it.
        if op == "ik.pick" { configuration.checks.remove(.forwardMode) }
        configuration.dtypes = [.float64]
        let report = try KernelCheck(op: op, registry: Self.registry, configuration: configuration).run()
        #expect(report.failures.isEmpty, "\(report.text())")
        #expect(report.result(op: op, check: .gradient)?.status == .pass, "\(report.text())")
    }

    @Test("an omitted optional input is a null pointer to the kernel and gets no gradient")
    func optionalInput() throws {
        let x = Tensor([1.0, 2, 3], dtype: .float64, requiresGrad: true)
        let w = Tensor([2.0, -1, 0.5], dtype: .float64, requiresGrad: true)
        let b = Tensor([10.0, 20, 30], dtype: .float64, requiresGrad: true)
        let with = try Self.registry.call("ik.affine", [x, w, b])
        expectClose(with, Tensor([12.0, 18, 31.5], dtype: .float64), atol: 0, rtol: 0)
        try with.sum().backward()
        expectClose(b.grad, Tensor.ones([3], dtype: .float64), atol: 0, rtol: 0)
        x.grad = nil
        let without = try Self.registry.call("ik.affine", [x, w, nil])
        expectClose(without, Tensor([2.0, -2, 1.5], dtype: .float64), atol: 0, rtol: 0)
        try without.sum().backward()
        expectClose(x.grad, w.detach(), atol: 0, rtol: 0)

        var configuration = KernelCheck.Configuration()
        configuration.checks.subtract([.crashIsolation, .large])
        configuration.dtypes = [.float64]
        let report = try KernelCheck(op: "ik.affine", registry: Self.registry, configuration: configuration).run()
        #expect(report.failures.isEmpty, "\(report.text())")
    }

    @Test("a string attribute reaches C as a string, and one outside its values is refused")
    func stringAttribute() throws {
        let x = Tensor([3.0, -4], dtype: .float64)
        expectClose(try Self.registry.call("ik.norm", [x]), Tensor(shape: [], scalars: [5.0], dtype: .float64), atol: 0, rtol: 0)
        expectClose(try Self.registry.call("ik.norm", [x], attributes: ["ord": .string("l1")]),
                    Tensor(shape: [], scalars: [7.0], dtype: .float64), atol: 0, rtol: 0)
        let error = try #require(throws: AutogradError.self) { try Self.registry.call("ik.norm", [x], attributes: ["ord": .string("max")]) }
        #expect(error.message.contains("ik.norm") && error.message.contains(#"one of "l1", "l2""#), "\(error.message)")
    }

    @Test("an input or attribute kind used where it cannot be is refused at load", arguments: [
        (#""dtype": "int64"}"#, #""dtype": "float32"}"#, ["expected int64 or bool, got 'float32'"]),
        (#""ptr:attr.ord"]"#, #""i32:attr.ord"]"#, ["attribute 'ord' is a string; pass it as ptr:attr.ord"]),
        (#""ptr:x", "i64:numel(x)", "ptr:attr.ord"]"#, #""ptr:attr.x", "i64:numel(x)", "ptr:attr.ord"]"#, ["the op has no attribute 'x'"]),
        (#""backward": {"x": "grad_out * where(mask, 2, 1)"}"#, #""backward": {"mask": "grad_out"}"#, ["'mask' is a bool input: it has no gradient"]),
        (#""inputs": ["x", {"name": "mask", "dtype": "bool"}]"#, #""inputs": [{"name": "x", "dtype": "bool"}, {"name": "mask", "dtype": "bool"}]"#,
         ["an op needs a floating input"]),
        (#""values": ["l1", "l2"], "default": "l2"}"#, #""values": ["l1", "l2"], "default": "max"}"#, ["expected a default of type one of"]),
        (#""inputs": ["x", {"name": "mask", "dtype": "bool"}]"#, #""inputs": ["x", {"name": "mask", "dtype": "bool", "optional": true}]"#,
         ["'mask' is optional, but an elementwise op broadcasts every input"]),
        (#"[{"name": "x", "ndim": 1}, {"name": "w", "shape": "x"}, "#, #"[{"name": "x", "ndim": 1, "optional": true}, {"name": "w", "shape": "x"}, "#,
         ["the output would have the shape of 'x', which a call may omit"]),
    ] as [(String, String, [String])])
    func refused(old: String, new: String, mentions: [String]) throws {
        let text = Self.plugin.manifest(Self.ops)
        #expect(text.contains(old), "the manifest has no '\(old)'")
        let path = try TemporaryFiles.write(text.replacingOccurrences(of: old, with: new), to: "bad-kinds.json")
        try expectLoadFails(path, mentioning: mentions + [path])
    }
}
