import Conformance
import Foundation
import Testing
@testable import Autograd
import TestSupport

/// `Plugins/Bindings`: libm's and OpenBLAS's functions bound as differentiable ops by
/// sidecar manifests alone: a map per element, a returned value, an in-place API.
/// (OpenBLAS is optional, as for the library: its ops are tested where it is installed.)
@Suite("Existing C libraries bound by sidecar manifests")
struct SidecarBindingTests {
    static let libm = PackagePaths.url("Plugins/Bindings/libm.json").path
    static let openBLAS = PackagePaths.url("Plugins/Bindings/openblas-level1.json").path
    static let ops = ["libm.erf", "libm.atan2"] + (openBLASIsInstalled ? ["blas.dot", "blas.scale"] : [])

    static let registry: OpRegistry = {
        let registry = OpRegistry.withBuiltins()
        do {
            try registry.loadPlugin(at: libm)
            if openBLASIsInstalled { try registry.loadPlugin(at: openBLAS) }
        } catch {
            fatalError("\(error)")
        }
        return registry
    }()

    @Test("each op gives the built-in ops' values and gradients", arguments: [DType.float32, .float64])
    func values(_ dtype: DType) throws {
        let r = Self.registry
        let x = Tensor([-2.0, -0.5, 0, 0.75, 3], dtype: dtype, requiresGrad: true)
        let y = Tensor([1.5, -1, 2, 0.25, -3], dtype: dtype, requiresGrad: true)
        let tolerance = dtype == .float32 ? 1e-6 : 1e-14
        let cases: [(String, [Tensor], [String: AttributeValue], (Tensor, Tensor) -> Tensor)] = [
            ("libm.erf", [x], [:], { x, _ in erf(x) }),
            ("libm.atan2", [y, x], [:], { x, y in atan2(y, x) }),
            ("blas.dot", [x, y], [:], { x, y in (x * y).sum() }),
            ("blas.scale", [x], ["alpha": .double(-1.5)], { x, _ in -1.5 * x }),
        ]
        for (op, inputs, attributes, builtIn) in cases where Self.ops.contains(op) {
            let got = try r.call(op, inputs, attributes: attributes)
            let gotGrads = try grad(of: [got.sum()], wrt: inputs)
            let want = builtIn(x, y)
            let wantGrads = try grad(of: [want.sum()], wrt: inputs)
            #expect(got.dtype == dtype && got.shape == want.shape, "\(op)")
            expectClose(got, want, atol: tolerance, rtol: tolerance, "\(op)")
            for (g, w) in zip(gotGrads, wantGrads) { expectClose(g, try #require(w), atol: tolerance, rtol: tolerance, "\(op) gradient") }
        }
    }

    @Test("a map broadcasts its inputs, as an elementwise op's kernel sees them")
    func mapBroadcasts() throws {
        let y = Tensor(shape: [2, 1], scalars: [1.0, -1.0], dtype: .float64)
        let x = Tensor([0.5, 2.0, -3.0], dtype: .float64)
        expectClose(try Self.registry.call("libm.atan2", [y, x]), atan2(y, x), atol: 1e-15, rtol: 0)
    }

    @Test("kernel-check passes every op, second order and forward mode included", arguments: ops)
    func kernelCheck(op: String) throws {
        var configuration = KernelCheck.Configuration()
        // In this process; and without the million-element rows, which CI's release kernel-check runs on these sidecars.
        configuration.checks.subtract([.crashIsolation, .large])
        let report = try KernelCheck(op: op, registry: Self.registry, configuration: configuration).run()
        #expect(report.failures.isEmpty, "\(report.text())")
        for check in [ConformanceCheck.gradient, .forwardMode, .secondOrder, .forward, .guardBytes, .threadSafety] {
            #expect(report.result(op: op, check: check)?.status == .pass, "\(op) \(check): \(report.text())")
        }
    }

    @Test("an input declared with another input's shape is checked before the kernel reads it", .enabled(if: openBLASIsInstalled))
    func shapeRule() throws {
        let error = try #require(throws: AutogradError.self) {
            try Self.registry.call("blas.dot", [Tensor.ones([3]), Tensor.ones([4])])
        }
        #expect(error.kind == .shape)
        for text in ["blas.dot", "input 'y' to have the shape of 'x' [3]", #""shape": "x""#] {
            #expect(error.message.contains(text), "'\(text)' missing from: \(error.message)")
        }
    }

    /// The OpenBLAS sidecar with its text edited by `replacing`.
    func editedOpenBLAS(_ replacing: [(String, String)]) throws -> String {
        var text = try String(contentsOfFile: Self.openBLAS, encoding: .utf8)
        for (old, new) in replacing {
            #expect(text.contains(old), "the sidecar has no '\(old)'")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return try TemporaryFiles.write(text, to: "openblas-edited.json")
    }

    @Test("a map, a returned value, init_out or a shape rule where it cannot apply is refused at load",
          .enabled(if: openBLASIsInstalled), arguments: [
        ([(#""symbol": "cblas_sdot", "returns": "f32","#, #""map": "cblas_sdot", "symbol": "cblas_sdot", "returns": "f32","#)],
         ["float32.map", "remove 'symbol'"]),
        ([(#"{"symbol": "cblas_sdot", "returns": "f32", "args": ["i32:numel(x)", "ptr:x", "i32:1", "ptr:y", "i32:1"]}"#,
           #"{"map": "erff"}"#)],
         ["float32.map", "elementwise op of one or two floating inputs"]),
        ([(#""output": {"shape": []},"#, #""output": {"shape": ["1"]},"#)],
         ["float32.returns", #"declare "output": {"shape": []}"#]),
        ([(#""init_out": "x", "args": ["i32:numel(x)", "f32"#, #""init_out": "z", "args": ["i32:numel(x)", "f32"#)],
         ["float32.init_out", "init_out names 'z'", "a tensor this call reads: x"]),
        ([(#""init_out": "x", "args": ["i32:numel(x)", "f32"#, #""init_out": "1x", "args": ["i32:numel(x)", "f32"#)],
         ["float32.init_out", "expected zeros or the name of a tensor"]),
        ([(#""shape": "x"}"#, #""shape": "y"}"#)], ["inputs[1]", "'shape' names 'y'; expected another input: x"]),
    ] as [([(String, String)], [String])])
    func refused(replacing: [(String, String)], mentions: [String]) throws {
        let path = try editedOpenBLAS(replacing)
        try expectLoadFails(path, mentioning: mentions + [path])
    }

    @Test("a backward kernel cannot return the op's value; init_out starts a gradient buffer", .enabled(if: openBLASIsInstalled))
    func backwardKernels() throws {
        // blas.scale's gradient as cblas_sscal on a copy of grad_out: alpha * grad_out.
        let kernel = #"{"float32": {"symbol": "cblas_sscal", "init_out": "grad_out", "args": ["i32:numel(x)", "f32:attr.alpha", "ptr:grad_x", "i32:1"]}, "float64": {"symbol": "cblas_dscal", "init_out": "grad_out", "args": ["i32:numel(x)", "f64:attr.alpha", "ptr:grad_x", "i32:1"]}}"#
        let path = try editedOpenBLAS([(#""backward": {"x": "grad_out * alpha"}"#, #""backward": {"x": \#(kernel)}"#)])
        let registry = OpRegistry.withBuiltins()
        try registry.loadPlugin(at: path)
        let x = Tensor([1.0, -2.0, 4.0], dtype: .float64, requiresGrad: true)
        try (registry.call("blas.scale", [x], attributes: ["alpha": 3.0]) * Tensor([1.0, 2.0, 3.0], dtype: .float64)).sum().backward()
        expectClose(x.grad, Tensor([3.0, 6.0, 9.0], dtype: .float64), atol: 0, rtol: 0)

        let returning = try editedOpenBLAS([(#""backward": {"x": "grad_out * alpha"}"#, #""backward": {"x": \#(kernel.replacingOccurrences(of: #""init_out": "grad_out","#, with: #""returns": "f64","#))}"#)])
        let error = try #require(throws: AutogradError.self) { try OpRegistry.withBuiltins().loadPlugin(at: returning) }
        #expect(error.message.contains("only the forward kernel of an op with one output returns the op's value"), "\(error.message)")
    }
}
