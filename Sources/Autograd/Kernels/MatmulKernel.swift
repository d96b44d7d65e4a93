/// General matrix multiply on contiguous row-major buffers: `C = A · B` with
/// A [m, k], B [k, n]. Blocked over k and j so a panel of B stays in cache, with an
/// inner loop over contiguous rows of B and C that the compiler vectorises.
enum MatmulKernel {
    static func gemm<T: TensorScalar>(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        for i in 0..<m { (c + (i &* ldc)).update(repeating: 0, count: n) }
        if k == 0 { return }
        let kBlock = 256, nBlock = 512
        var j0 = 0
        while j0 < n {
            let jn = Swift.min(nBlock, n &- j0)
            var k0 = 0
            while k0 < k {
                let kn = Swift.min(kBlock, k &- k0)
                for i in 0..<m {
                    let crow = c + (i &* ldc &+ j0)
                    let arow = a + (i &* lda &+ k0)
                    var p = 0
                    // Four rows of B per pass: fewer loads and stores of C.
                    while p &+ 4 <= kn {
                        let a0 = arow[p], a1 = arow[p &+ 1], a2 = arow[p &+ 2], a3 = arow[p &+ 3]
                        let b0 = b + ((k0 &+ p) &* ldb &+ j0)
                        let b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb
                        for j in 0..<jn {
                            let low: T = a0 * b0[j] + a1 * b1[j]
                            let high: T = a2 * b2[j] + a3 * b3[j]
                            crow[j] += low + high
                        }
                        p &+= 4
                    }
                    while p < kn {
                        let av = arow[p]
                        let brow = b + ((k0 &+ p) &* ldb &+ j0)
                        for j in 0..<jn { crow[j] += av * brow[j] }
                        p &+= 1
                    }
                }
                k0 &+= kn
            }
            j0 &+= jn
        }
    }
}
