/// Reductions over contiguous rows, with multiple accumulators so the loops vectorise.
enum ReductionKernels {
    /// The sum of `n` contiguous elements, in blocks whose partial sums add up in
    /// Double: float32 sums of millions of elements stay accurate.
    @inline(__always)
    static func sum<T: TensorScalar>(_ p: UnsafePointer<T>, count n: Int) -> Double {
        let block = 4096
        var total = 0.0
        var start = 0
        while start < n {
            let end = Swift.min(start &+ block, n)
            var a0 = T.zero, a1 = T.zero, a2 = T.zero, a3 = T.zero
            var i = start
            while i &+ 4 <= end {
                a0 += p[i]; a1 += p[i &+ 1]; a2 += p[i &+ 2]; a3 += p[i &+ 3]
                i &+= 4
            }
            while i < end { a0 += p[i]; i &+= 1 }
            total += Double((a0 + a1) + (a2 + a3))
            start = end
        }
        return total
    }

    /// Sums `x` over `dims` into the contiguous `out`, whose element count is that of
    /// `x` with the reduced dims set to 1.
    static func sum<T: TensorNumeric>(_ x: Tensor, dims: Set<Int>, into out: Tensor, as _: T.Type) {
        let o = out.pointer(T.self)
        o.update(repeating: T.zeroValue, count: out.scalarCount)
        if x.scalarCount == 0 { return }
        if dims.count >= x.rank {
            let source = x.contiguousData()
            let p = source.pointer(T.self)
            // One partial sum per chunk, added in chunk order: the result does not depend on timing.
            let n = source.scalarCount, pieces = Parallel.chunks(for: n)
            let step = (n + pieces - 1) / pieces
            var partials = [T](repeating: T.zeroValue, count: pieces)
            partials.withUnsafeMutableBufferPointer { partial in
                let slots = partial.baseAddress!
                Parallel.forEach(pieces) { i in
                    let start = i * step
                    slots[i] = T.contiguousSum(p + start, count: Swift.max(0, Swift.min(n, start + step) - start))
                }
            }
            o.pointee = partials.reduce(T.zeroValue, T.wrappingAdd)
            return
        }
        let keptShape = x.shape.enumerated().map { dims.contains($0.offset) ? 1 : $0.element }
        var outStrides = Shape.contiguousStrides(keptShape)
        for d in dims { outStrides[d] = 0 }
        let px = x.pointer(T.self)
        let sx = x.strides.last!, so = outStrides.last!
        StridedLoops.forEachRow(shape: x.shape, strides: [x.strides, outStrides]) { offsets, count in
            let rx = px + offsets[0], ro = o + offsets[1]
            if so == 0 {
                if sx == 1 {
                    ro.pointee = T.wrappingAdd(ro.pointee, T.contiguousSum(rx, count: count))
                } else {
                    var acc = T.zeroValue
                    for i in 0..<count { acc = T.wrappingAdd(acc, rx[i &* sx]) }
                    ro.pointee = T.wrappingAdd(ro.pointee, acc)
                }
            } else if sx == 1 && so == 1 {
                for i in 0..<count { ro[i] = T.wrappingAdd(ro[i], rx[i]) }
            } else {
                for i in 0..<count { ro[i &* so] = T.wrappingAdd(ro[i &* so], rx[i &* sx]) }
            }
        }
    }

    /// Splits a contiguous shape around `dim` into (outer, size, inner) for loops along one dim.
    static func split(_ shape: [Int], around dim: Int) -> (outer: Int, size: Int, inner: Int) {
        if shape.isEmpty { return (1, 1, 1) }
        return (Shape.count(Array(shape[..<dim])), shape[dim], Shape.count(Array(shape[(dim + 1)...])))
    }

    /// Softmax (or log-softmax) along `dim`, stable: the row maximum is subtracted first.
    static func softmax<T: TensorScalar>(_ x: Tensor, dim: Int, log: Bool, into out: Tensor, as _: T.Type) {
        let source = x.contiguousData()
        let (outer, n, inner) = split(x.shape, around: dim)
        let p = source.pointer(T.self), o = out.pointer(T.self)
        for a in 0..<outer {
            for c in 0..<inner {
                let base = a &* n &* inner &+ c
                var m = -T.infinity
                for k in 0..<n { m = Swift.max(m, p[base &+ k &* inner]) }
                if m == -T.infinity { m = 0 }
                var total = T.zero
                for k in 0..<n {
                    let e = T.exp(p[base &+ k &* inner] - m)
                    total += e
                    if !log { o[base &+ k &* inner] = e }
                }
                if log {
                    let shift = m + T.log(total)
                    for k in 0..<n { o[base &+ k &* inner] = p[base &+ k &* inner] - shift }
                } else {
                    let scale = 1 / total
                    for k in 0..<n { o[base &+ k &* inner] *= scale }
                }
            }
        }
    }
}
