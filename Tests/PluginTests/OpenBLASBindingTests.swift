import Foundation
import Testing
@testable import Autograd
import TestSupport

/// Whether this machine has the library the binding names (Debian: libopenblas0).
let openBLASIsInstalled: Bool = {
    guard let handle = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL) else { return false }
    dlclose(handle)
    return true
}()

@Suite("OpenBLAS binding")
struct OpenBLASBindingTests {
    /// The fallback: the built-in Swift kernels only.
    static let builtins = OpRegistry.withBuiltins()

    static func random(_ shape: [Int], _ dtype: DType, seed: UInt64, requiresGrad: Bool = false) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return Tensor.randn(shape, dtype: dtype, requiresGrad: requiresGrad, using: &generator)
    }

    static func tolerance(_ dtype: DType) -> Double { dtype == .float32 ? 1e-5 : 1e-12 }

    /// The binding's sidecar manifest in the source tree.
    static let manifest = PackagePaths.url("Plugins/OpenBLAS/openblas.json").path

    @Test("the shared registry binds OpenBLAS exactly when it is installed")
    func sharedRegistryUsesOpenBLAS() throws {
        let overrides = try OpRegistry.shared.op(named: "matmul").kernelOverrides
        #expect(overrides.count == (openBLASIsInstalled ? 2 : 0))
        #expect(overrides.allSatisfy { $0.source.contains("openblas.json") })
        #expect(Set(overrides.map(\.dtype)) == (openBLASIsInstalled ? [.float32, .float64] : []))
    }

    @Test("forward matches the built-in kernel", .enabled(if: openBLASIsInstalled),
          arguments: [DType.float32, .float64])
    func forward(dtype: DType) throws {
        let a = Self.random([37, 53], dtype, seed: 1), b = Self.random([53, 29], dtype, seed: 2)
        let cases: [(Tensor, Tensor)] = [
            (a, b),
            (a.transposed(0, 1).contiguous().transposed(0, 1), b),    // a transposed view
            (a, b.transposed(0, 1).contiguous().transposed(0, 1)),    // b transposed view
            (Self.random([1, 53], dtype, seed: 3), b),
            (a, Self.random([53, 1], dtype, seed: 4)),
            (Self.random([1, 53], dtype, seed: 10).expanded(to: [37, 53]), b),  // stride-0 rows: copied first
        ]
        for (x, y) in cases {
            let override = try #require(try OpRegistry.shared.op(named: "matmul").kernelOverrides.first { $0.dtype == dtype })
            #expect(override.condition([x, y], Attributes([:])))
            expectClose(matmul(x, y), try Self.builtins.call("matmul", [x, y]), atol: Self.tolerance(dtype), rtol: Self.tolerance(dtype))
        }
    }

    @Test("both gradients match the built-in kernel", .enabled(if: openBLASIsInstalled),
          arguments: [DType.float32, .float64])
    func gradients(dtype: DType) throws {
        let a = Self.random([19, 23], dtype, seed: 5, requiresGrad: true)
        let b = Self.random([23, 17], dtype, seed: 6, requiresGrad: true)
        let g = Self.random([19, 17], dtype, seed: 7)
        try (matmul(a, b) * g).sum().backward()
        // The backward's matmuls run on transposed views: OpenBLAS must take them as they are.
        let override = try #require(try OpRegistry.shared.op(named: "matmul").kernelOverrides.first { $0.dtype == dtype })
        #expect(override.condition([g, b.transposed(0, 1)], Attributes([:])))
        #expect(MatrixLayout(b.transposed(0, 1))?.isTransposed == true)
        let expectedA = try Self.builtins.call("matmul", [g, b.detach().transposed(0, 1).contiguous()])
        let expectedB = try Self.builtins.call("matmul", [a.detach().transposed(0, 1).contiguous(), g])
        expectClose(a.grad, expectedA, atol: Self.tolerance(dtype), rtol: Self.tolerance(dtype))
        expectClose(b.grad, expectedB, atol: Self.tolerance(dtype), rtol: Self.tolerance(dtype))
    }

    @Test("the sidecar file loads by path and gives the same kernels", .enabled(if: openBLASIsInstalled))
    func sidecarFile() throws {
        let registry = OpRegistry.withBuiltins()
        let plugin = try registry.loadPlugin(at: Self.manifest)
        #expect(plugin.library == "libopenblas.so.0")
        #expect(plugin.opNames.isEmpty)
        #expect(plugin.kernels == [.init(op: "matmul", dtype: .float32, condition: "2d"),
                                   .init(op: "matmul", dtype: .float64, condition: "2d")])
        let a = Self.random([8, 0], .float64, seed: 8), b = Self.random([0, 5], .float64, seed: 9)
        expectClose(try registry.call("matmul", [a, b]), Tensor.zeros([8, 5], dtype: .float64), atol: 0, rtol: 0)
    }

    @Test("without OpenBLAS the binding is skipped and the Swift kernel runs")
    func fallback() throws {
        let registry = OpRegistry.withBuiltins()
        let names = registry.opNames
        let manifest = try String(contentsOfFile: Self.manifest, encoding: .utf8)
            .replacingOccurrences(of: "libopenblas.so.0", with: "libopenblas-not-installed.so.0")
        #expect(registry.loadDefaultBinding(Array(manifest.utf8), name: "openblas.json (test)") == nil)
        #expect(try registry.op(named: "matmul").kernelOverrides.isEmpty)
        #expect(registry.opNames == names)
        let a = Tensor([[1.0, 2.0], [3.0, 4.0]], dtype: .float64), b = Tensor([[5.0], [6.0]], dtype: .float64)
        expectClose(try registry.call("matmul", [a, b]), Tensor([[17.0], [39.0]], dtype: .float64), atol: 0, rtol: 0)
    }
}
