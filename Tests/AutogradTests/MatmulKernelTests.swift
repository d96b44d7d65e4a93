import CAutogradRuntime
import Testing
@testable import Autograd
import TestSupport

/// The GEMM kernel against a float64 triple loop: many shapes around the
/// micro-tile (6 × 16 float, 6 × 8 double) and cache-block edges, transposed
/// operands, padded leading dimensions, both micro-kernels, the threaded split,
/// and matmul on strided views.
@Suite("Matmul kernel")
struct MatmulKernelTests {
    static let sizes = [0, 1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33, 64, 65, 127, 129, 300]

    /// A reproducible sample of (m, n, k): every size in every position at least
    /// once, then random combinations, leaving out the few whose float64
    /// reference would take long in a debug build.
    static let shapes: [(m: Int, n: Int, k: Int)] = {
        var generator = RandomGenerator(seed: 7)
        var shapes = sizes.flatMap { s in [(s, 17, 33), (33, s, 17), (17, 33, s)] }
        while shapes.count < 160 {
            let pick = { sizes[Int(generator.nextUniform() * Double(sizes.count)) % sizes.count] }
            let shape = (pick(), pick(), pick())
            if shape.0 * shape.1 * shape.2 <= 1_500_000 { shapes.append(shape) }
        }
        return shapes
    }()

    enum Kernel: CaseIterable { case best, portable }

    @Test("float32 GEMM matches a float64 loop", arguments: Kernel.allCases)
    func float32(kernel: Kernel) {
        var generator = RandomGenerator(seed: 11)
        for (index, shape) in Self.shapes.enumerated() {
            checkGemm(Float.self, m: shape.m, n: shape.n, k: shape.k, transA: index % 2 == 1, transB: index % 4 >= 2,
                      padding: index % 3, kernel: kernel, generator: &generator)
        }
    }

    @Test("float64 GEMM matches a float64 loop", arguments: Kernel.allCases)
    func float64(kernel: Kernel) {
        var generator = RandomGenerator(seed: 12)
        for (index, shape) in Self.shapes.enumerated() {
            checkGemm(Double.self, m: shape.m, n: shape.n, k: shape.k, transA: index % 4 >= 2, transB: index % 2 == 1,
                      padding: (index + 1) % 3, kernel: kernel, generator: &generator)
        }
    }

    @Test("the CPU check picks AVX2 + FMA exactly when the CPU has them")
    func dispatch() throws {
        #if arch(x86_64) && os(Linux)
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ")) } ?? []
        #expect(autograd_gemm_uses_avx2() == (flags.contains("avx2") && flags.contains("fma")))
        #elseif !arch(x86_64)
        #expect(!autograd_gemm_uses_avx2())
        #endif
    }

    @Test("products split across threads by rows, by columns and through a batch")
    func threaded() {
        var generator = RandomGenerator(seed: 13)
        for (m, n, k, count) in [(129, 65, 33, 1), (7, 300, 65, 1), (17, 33, 65, 5), (5, 16, 31, 7), (1, 1, 1, 1)] {
            checkBatched(Float.self, m: m, n: n, k: k, count: count, transA: false, transB: false, generator: &generator)
            checkBatched(Double.self, m: m, n: n, k: k, count: count, transA: true, transB: true, generator: &generator)
        }
    }

    @Test("matmul reads transposed, padded, offset, expanded and batch-strided views correctly", arguments: [DType.float32, .float64])
    func views(dtype: DType) throws {
        var generator = RandomGenerator(seed: 14)
        let (m, k, n) = (37, 65, 33)
        let pool = Tensor.randn([40_000], dtype: dtype, using: &generator)
        func view(_ shape: [Int], _ strides: [Int], offset: Int = 3) -> Tensor {
            Tensor(storage: pool.storage, shape: shape, strides: strides, offset: offset, dtype: dtype)
        }
        let cases: [(String, Tensor, Tensor)] = [
            ("contiguous", view([m, k], [k, 1]), view([k, n], [n, 1], offset: 5000)),
            ("A transposed", view([m, k], [1, m]), view([k, n], [n, 1], offset: 5000)),
            ("B transposed", view([m, k], [k, 1]), view([k, n], [1, k], offset: 5000)),
            ("both transposed", view([m, k], [1, m]), view([k, n], [1, k], offset: 5000)),
            ("padded rows", view([m, k], [k + 3, 1]), view([k, n], [n + 5, 1], offset: 6000)),
            ("padded transposed", view([m, k], [1, m + 2]), view([k, n], [1, k + 7], offset: 6000)),
            ("no unit stride (copied)", view([m, k], [2 * k, 2]), view([k, n], [3, 3 * k], offset: 6000)),
            ("expanded", view([m, 1], [1, 0]).expanded(to: [m, k]), view([1, n], [0, 1], offset: 5000).expanded(to: [k, n])),
            ("batched, batch dims permuted", view([2, 3, m, k], [m * k, 2 * m * k, k, 1]),
             view([3, k, n], [k * n, 1, k], offset: 20_000)),
            ("batched, broadcast B", view([4, m, k], [m * k + 1, k, 1]), view([k, n], [1, k], offset: 20_000)),
            ("broadcast A against a batch", view([1, m, k], [0, 1, m]), view([2, k, n], [k * n, n, 1], offset: 20_000)),
            ("vector · matrix, vector strided", view([k], [m]), view([k, n], [1, k], offset: 5000)),
            ("matrix · vector, vector strided", view([m, k], [1, m]), view([k], [n], offset: 5000)),
            ("vector · vector", view([k], [2]), view([k], [1], offset: 5000)),
            ("large enough to split across threads", view([3, 100, 129], [129, 387, 1]), view([129, 120], [1, 129], offset: 3000)),
            ("k = 0", view([m, 0], [1, m]), view([0, n], [n, 1])),
            ("m = 0", view([0, k], [k, 1]), view([k, n], [n, 1])),
        ]
        #expect(2 * 3 * 100 * 129 * 120 >= MatmulKernel.parallelFlops, "one case must take the threaded path")
        for (name, a, b) in cases {
            let got = try OpRegistry.withBuiltins().call("matmul", [a, b])
            let (shape, want) = referenceMatmul(a, b)
            let tolerance = dtype == .float32 ? 1e-4 : 1e-11
            expectClose(got, shape: shape, want, atol: tolerance, rtol: tolerance, "\(dtype) \(name)")
        }
    }

    @Test("gradients of matmul (products with transposed views) match a float64 loop")
    func gradients() throws {
        var generator = RandomGenerator(seed: 15)
        let a = Tensor.randn([3, 29, 40], dtype: .float64, requiresGrad: true, using: &generator)
        let b = Tensor.randn([40, 21], dtype: .float64, requiresGrad: true, using: &generator)
        let g = Tensor.randn([3, 29, 21], dtype: .float64, using: &generator)
        try (matmul(a, b) * g).sum().backward()
        // grad a = g · bᵀ; grad b = Σ over the batch of aᵀ · g.
        let (gs, bs, as_) = (g.scalars, b.scalars, a.scalars)
        var gradA = [Double](repeating: 0, count: 3 * 29 * 40), gradB = [Double](repeating: 0, count: 40 * 21)
        for batch in 0..<3 {
            for i in 0..<29 {
                for j in 0..<21 {
                    let gv = gs[(batch * 29 + i) * 21 + j]
                    for p in 0..<40 {
                        gradA[(batch * 29 + i) * 40 + p] += gv * bs[p * 21 + j]
                        gradB[p * 21 + j] += as_[(batch * 29 + i) * 40 + p] * gv
                    }
                }
            }
        }
        expectClose(a.grad, shape: a.shape, gradA, atol: 1e-11, rtol: 1e-11, "grad a")
        expectClose(b.grad, shape: b.shape, gradB, atol: 1e-11, rtol: 1e-11, "grad b")
    }
}

// MARK: - Checks

/// Runs one product through the chosen kernel with leading dimensions `padding`
/// larger than needed, and checks every element of C against a float64 loop
/// within the worst-case bound for summing k products in T, (k + 2)·ε·Σ|a·b|,
/// and that the padding of C is untouched.
private func checkGemm<T: TensorScalar>(
    _: T.Type, m: Int, n: Int, k: Int, transA: Bool, transB: Bool, padding: Int,
    kernel: MatmulKernelTests.Kernel, generator: inout RandomGenerator
) {
    let (lda, ldb, ldc) = ((transA ? m : k) + padding, (transB ? k : n) + padding, n + padding)
    let a = (0..<((transA ? k : m) * lda)).map { _ in T(generator.nextUniform() * 2 - 1) }
    let b = (0..<((transB ? n : k) * ldb)).map { _ in T(generator.nextUniform() * 2 - 1) }
    let sentinel: T = 12345
    var c = [T](repeating: sentinel, count: m * ldc + 1)
    // C starts as NaN where the product goes: the kernel must overwrite it, not add to it.
    for i in 0..<m { for j in 0..<n { c[i * ldc + j] = .nan } }
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                let (a, b, c) = (pa.baseAddress!, pb.baseAddress!, pc.baseAddress!)
                switch kernel {
                case .best:
                    MatmulKernel.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
                case .portable:
                    portableGemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
                }
            }
        }
    }
    let what = "\(T.self) \(kernel) m=\(m) n=\(n) k=\(k) transA=\(transA) transB=\(transB) padding=\(padding)"
    var failures = 0
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0, magnitude = 0.0
            for p in 0..<k {
                let x = Double(transA ? a[p * lda + i] : a[i * lda + p])
                let y = Double(transB ? b[j * ldb + p] : b[p * ldb + j])
                sum += x * y
                magnitude += Swift.abs(x * y)
            }
            let got = Double(c[i * ldc + j])
            let bound = Double(k + 2) * Double(T.ulpOfOne) * magnitude
            if !(Swift.abs(got - sum) <= bound) {
                failures += 1
                if failures <= 3 { Issue.record("\(what): C[\(i), \(j)] = \(got), expected \(sum) ± \(bound)") }
            }
        }
        for j in n..<ldc where c[i * ldc + j] != sentinel {
            Issue.record("\(what): wrote C[\(i), \(j)] in the padding")
        }
    }
    #expect(c[m * ldc] == sentinel, "\(what): wrote past the end of C")
    #expect(failures == 0, "\(what): \(failures) wrong elements")
}

private func portableGemm<T: TensorScalar>(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int, c: UnsafeMutablePointer<T>, ldc: Int
) {
    if T.self == Float.self {
        autograd_sgemm_portable(transA, transB, m, n, k, UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda,
                                UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb,
                                UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc)
    } else {
        autograd_dgemm_portable(transA, transB, m, n, k, UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), lda,
                                UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), ldb,
                                UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), ldc)
    }
}

/// A batch of `count` products through `MatmulKernel.batched`, split into 1, 2
/// and 3 parts, each A and B a separate matrix of one buffer, against a float64 loop.
private func checkBatched<T: TensorScalar>(
    _: T.Type, m: Int, n: Int, k: Int, count: Int, transA: Bool, transB: Bool, generator: inout RandomGenerator
) {
    let a = (0..<(count * m * k)).map { _ in T(generator.nextUniform() * 2 - 1) }
    let b = (0..<(count * k * n)).map { _ in T(generator.nextUniform() * 2 - 1) }
    let results = [1, 2, 3].map { threads in
        var c = [T](repeating: .nan, count: count * m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    MatmulKernel.batched(
                        m: m, n: n, k: k,
                        a: MatrixOperand(base: pa.baseAddress!, offsets: (0..<count).map { $0 * m * k },
                                         ld: transA ? m : k, transposed: transA),
                        b: MatrixOperand(base: pb.baseAddress!, offsets: (0..<count).map { $0 * k * n },
                                         ld: transB ? k : n, transposed: transB),
                        c: pc.baseAddress!, threads: threads)
                }
            }
        }
        return (threads, c)
    }
    var want = [Double](repeating: 0, count: count * m * n)
    for batch in 0..<count {
        let (ab, bb) = (batch * m * k, batch * k * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    sum += Double(transA ? a[ab + p * m + i] : a[ab + i * k + p])
                        * Double(transB ? b[bb + j * k + p] : b[bb + p * n + j])
                }
                want[(batch * m + i) * n + j] = sum
            }
        }
    }
    let tolerance = T.self == Float.self ? 1e-4 : 1e-12
    for (threads, c) in results {
        expectClose(c.map { Double($0) }, want, atol: tolerance, rtol: tolerance,
                    "\(T.self) \(count)×[\(m), \(k)]·[\(k), \(n)] transA=\(transA) transB=\(transB) threads=\(threads)")
    }
}

/// torch.matmul in float64 on the tensors' values: 1-D operands lifted, batch dims broadcast.
private func referenceMatmul(_ a: Tensor, _ b: Tensor) -> (shape: [Int], values: [Double]) {
    let aShape = a.rank == 1 ? [1] + a.shape : a.shape, bShape = b.rank == 1 ? b.shape + [1] : b.shape
    let (m, k, n) = (aShape[aShape.count - 2], aShape[aShape.count - 1], bShape[bShape.count - 1])
    let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))
    let batch = Autograd.Shape.broadcast(aBatch, bBatch)!
    let (av, bv) = (a.scalars, b.scalars)
    func matrixIndex(_ flat: Int, _ shape: [Int]) -> Int {
        // The broadcast batch index `flat` mapped into a batch of `shape` (aligned right, 1s stretched).
        var rest = flat, index = 0, scale = 1
        for d in stride(from: batch.count - 1, through: 0, by: -1) {
            let coordinate = rest % batch[d]
            rest /= batch[d]
            let own = d - (batch.count - shape.count)
            if own >= 0 {
                if shape[own] != 1 { index += coordinate * scale }
                scale *= shape[own]
            }
        }
        return index
    }
    var values: [Double] = []
    for flat in 0..<Autograd.Shape.count(batch) {
        let (ai, bi) = (matrixIndex(flat, aBatch) * m * k, matrixIndex(flat, bBatch) * k * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += av[ai + i * k + p] * bv[bi + p * n + j] }
                values.append(sum)
            }
        }
    }
    var shape = batch
    if a.rank > 1 { shape.append(m) }
    if b.rank > 1 { shape.append(n) }
    return (shape, values)
}
