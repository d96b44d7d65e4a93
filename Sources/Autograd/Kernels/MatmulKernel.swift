import CAutogradRuntime
import Foundation

/// One operand of a batch of matrix products: where each matrix starts and how
/// its elements are laid out. Row-major with leading dimension `ld`, or, when
/// `transposed`, the transpose of a row-major matrix (a `transposed(-1, -2)` view).
struct MatrixOperand<T: TensorScalar> {
    let base: UnsafePointer<T>
    /// Element offset of each matrix of the batch from `base`.
    let offsets: [Int]
    let ld: Int
    let transposed: Bool

    /// Where row `i` of op(A) starts, this operand being A (`asLeftFactor`), or column
    /// `i` of op(B): `i · ld` for a row of a row-major A or a column of a transposed B, else `i`.
    func offset(ofOuterIndex i: Int, asLeftFactor left: Bool) -> Int {
        left == transposed ? i : i &* ld
    }
}

/// General matrix multiply, `C = op(A) · op(B)`, with the packed, cache-blocked C
/// kernel of `CAutogradRuntime` (AVX2 + FMA where the CPU has it). This file decides
/// how a batch of products is split across cores.
enum MatmulKernel {
    /// Products of fewer floating-point operations (2·m·n·k over the batch) run on
    /// the calling thread. `DispatchQueue.concurrentPerform` over two threads costs
    /// about 11 µs even with no work (measured here, with the other core busy), so
    /// splitting pays only well above that: 8 MFLOP is about 70 µs of float32 work
    /// on one core (a 160 × 160 product).
    static let parallelFlops = 8_000_000

    /// Threads a large product is split into: `Parallel.cores` (one per core, or `AUTOGRAD_NUM_THREADS`).
    static var threadCount: Int { Parallel.cores }

    /// `C = op(A) · op(B)` for one matrix, on the calling thread. `c` is [m, n] with row stride `ldc`.
    static func gemm<T: TensorScalar>(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        if T.self == Float.self {
            autograd_sgemm(transA, transB, m, n, k, UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda,
                           UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb,
                           UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc)
        } else if T.self == Double.self {
            autograd_dgemm(transA, transB, m, n, k, UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), lda,
                           UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), ldb,
                           UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), ldc)
        } else {
            fatalError("matmul has no kernel for \(T.self)")
        }
    }

    /// `C[i] = op(A[i]) · op(B[i])` for each matrix of a batch; the results are
    /// [m, n] row-major, `m * n` elements apart from `c`.
    ///
    /// Batches of at least `parallelFlops` are split across `threadCount` threads
    /// into equal runs of output rows, counted through the whole batch, so that a
    /// batch of many small products and one large product both spread evenly. A
    /// single product with fewer rows than columns is split by columns instead.
    /// Tests pass `threads` to force a split of any size into that many parts.
    static func batched<T: TensorScalar>(
        m: Int, n: Int, k: Int, a: MatrixOperand<T>, b: MatrixOperand<T>, c: UnsafeMutablePointer<T>,
        threads: Int? = nil
    ) {
        let count = a.offsets.count
        precondition(b.offsets.count == count, "matmul: \(count) left factors but \(b.offsets.count) right ones")
        if count == 0 || m == 0 || n == 0 { return }
        let job = BatchedProduct(m: m, n: n, k: k, a: a, b: b, c: c)
        let parts = threads.map { Swift.max(1, $0) } ?? (2 &* m &* n &* k &* count < parallelFlops ? 1 : threadCount)
        if parts == 1 {
            for i in 0..<count { job.compute(i, rows: 0, m, cols: 0, n) }
            return
        }
        if count == 1 && n > m {
            // Column split, at multiples of 16 so that only the last part has a partial micro-tile.
            let cuts = [0] + (1..<parts).map { Swift.min(n, ($0 * n / parts + 8) / 16 * 16) } + [n]
            Parallel.forEach(parts) { part in
                if cuts[part] < cuts[part + 1] { job.compute(0, rows: 0, m, cols: cuts[part], cuts[part + 1]) }
            }
            return
        }
        // Row split through the batch; a cut inside a matrix falls on a multiple of 6 (the micro-tile height).
        let totalRows = count &* m
        var rowCuts = [0]
        for part in 1..<parts {
            let row = part * totalRows / parts, inMatrix = row % m
            rowCuts.append(Swift.max(rowCuts[part - 1], row - inMatrix + Swift.min(m, (inMatrix + 3) / 6 * 6)))
        }
        rowCuts.append(totalRows)
        let cuts = rowCuts
        Parallel.forEach(parts) { part in
            var row = cuts[part]
            let end = cuts[part + 1]
            while row < end {
                let i = row / m, r0 = row % m
                let r1 = Swift.min(m, r0 + (end - row))
                job.compute(i, rows: r0, r1, cols: 0, n)
                row += r1 - r0
            }
        }
    }
}

/// A batch of products shared by the threads that compute it. Unchecked
/// `Sendable`: the threads only read A and B and write disjoint blocks of C.
private struct BatchedProduct<T: TensorScalar>: @unchecked Sendable {
    let m: Int, n: Int, k: Int
    let a: MatrixOperand<T>, b: MatrixOperand<T>
    let c: UnsafeMutablePointer<T>

    /// Rows [row0, row1) and columns [col0, col1) of product `i`.
    func compute(_ i: Int, rows row0: Int, _ row1: Int, cols col0: Int, _ col1: Int) {
        MatmulKernel.gemm(
            transA: a.transposed, transB: b.transposed, m: row1 &- row0, n: col1 &- col0, k: k,
            a: a.base + (a.offsets[i] &+ a.offset(ofOuterIndex: row0, asLeftFactor: true)), lda: a.ld,
            b: b.base + (b.offsets[i] &+ b.offset(ofOuterIndex: col0, asLeftFactor: false)), ldb: b.ld,
            c: c + (i &* m &* n &+ row0 &* n &+ col0), ldc: n)
    }
}
