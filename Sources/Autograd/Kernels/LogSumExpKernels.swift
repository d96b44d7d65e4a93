/// logsumexp's loops over contiguous float32 rows, eight lanes at a time with
/// `FastMath.exp`: the row fold of the forward, and `g · exp(x - r)` of the backward.
enum LogSumExpKernels {
    /// The maximum of `count` contiguous floats and `Σ exp(x - shift(maximum))`
    /// (see `LogSumExpReduction`); the sum adds up in Double block by block.
    static func row(_ p: UnsafePointer<Float>, count n: Int) -> (maximum: Float, sum: Float) {
        let raw = UnsafeRawPointer(p)
        var m8 = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i &+ 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            m8.replace(with: v, where: v .> m8)
            i &+= 8
        }
        // NaN is skipped here; it reaches the sum through exp.
        var m = m8.max()
        while i < n {
            m = p[i] > m ? p[i] : m
            i &+= 1
        }
        let c = LogSumExpReduction<Float>.shift(m)
        var total = 0.0
        i = 0
        while i < n {
            let end = Swift.min(i &+ 4096, n)
            var s8 = SIMD8<Float>(repeating: 0)
            while i &+ 8 <= end {
                s8 += FastMath.exp(raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self) - c)
                i &+= 8
            }
            var s = s8.sum()
            while i < end {
                s += FastMath.exp(p[i] - c)
                i &+= 1
            }
            total += Double(s)
        }
        return (m, Float(total))
    }

    /// `out = g · exp(x - r)`, with g, x and r views broadcast to out's shape (out
    /// contiguous); rows split across cores. Rows of contiguous x with g and r
    /// constant along them (logsumexp over the last dim) run eight lanes at a time.
    static func weighted<T: TensorScalar>(_ g: Tensor, _ x: Tensor, _ r: Tensor, into out: Tensor, as _: T.Type) {
        let count = out.scalarCount
        guard count > 0 else { return }
        let shape = out.rank == 0 ? [1] : out.shape
        let n = shape[shape.count - 1], rows = count / n
        let outer = Array(shape.dropLast())
        func strides(_ t: Tensor) -> [Int] { t.rank == 0 ? [0] : t.strides }
        let (sg, sx, sr) = (strides(g), strides(x), strides(r))
        let (pg, px, pr, po) = (g.pointer(T.self), x.pointer(T.self), r.pointer(T.self), out.pointer(T.self))
        let pieces = Swift.min(rows, Parallel.chunks(for: count))
        let step = (rows + pieces - 1) / pieces
        Parallel.forEach(pieces) { piece in
            for row in (piece * step)..<Swift.min(rows, (piece + 1) * step) {
                var rest = row, og = 0, ox = 0, or = 0
                for d in stride(from: outer.count - 1, through: 0, by: -1) {
                    let i = rest % outer[d]
                    rest /= outer[d]
                    og &+= i &* sg[d]
                    ox &+= i &* sx[d]
                    or &+= i &* sr[d]
                }
                let (gs, xs, rs) = (sg[sg.count - 1], sx[sx.count - 1], sr[sr.count - 1])
                let target = po + row &* n
                if T.self == Float.self && xs == 1 && gs == 0 && rs == 0 {
                    weightedRow(pg[og], UnsafeRawPointer(px + ox), pr[or], UnsafeMutableRawPointer(target), count: n)
                } else {
                    for i in 0..<n { target[i] = pg[og &+ i &* gs] * FastMath.exp(px[ox &+ i &* xs] - pr[or &+ i &* rs]) }
                }
            }
        }
    }

    @inline(__always)
    private static func weightedRow<T: TensorScalar>(_ g: T, _ x: UnsafeRawPointer, _ r: T, _ out: UnsafeMutableRawPointer,
                                                     count n: Int) {
        let (gv, rv) = (unsafeBitCast(g, to: Float.self), unsafeBitCast(r, to: Float.self))
        var i = 0
        while i &+ 8 <= n {
            let v = FastMath.exp(x.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self) - rv) * gv
            out.storeBytes(of: v, toByteOffset: i &* 4, as: SIMD8<Float>.self)
            i &+= 8
        }
        while i < n {
            out.storeBytes(of: gv * FastMath.exp(x.load(fromByteOffset: i &* 4, as: Float.self) - rv), toByteOffset: i &* 4, as: Float.self)
            i &+= 1
        }
    }
}

enum LogSumExpBackwardKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let out = try ctx.makeOutput()
        LogSumExpKernels.weighted(ctx.inputs[0], ctx.inputs[1], ctx.inputs[2], into: out, as: T.self)
        return out
    }
}
