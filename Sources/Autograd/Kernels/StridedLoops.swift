/// Loops over strided tensors, one innermost row at a time, so the per-element
/// work is a plain pointer walk the compiler can vectorise.
enum StridedLoops {
    /// Calls `body(offsets, count)` for each innermost row of the index space `shape`,
    /// where `offsets[k]` is where operand `k` (with `strides[k]`) starts that row.
    /// Rows have `shape.last` elements; operand `k` steps by `strides[k].last` along a row.
    @inline(__always)
    static func forEachRow(shape: [Int], strides: [[Int]], _ body: (UnsafeMutableBufferPointer<Int>, Int) -> Void) {
        let operands = strides.count
        let rank = shape.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: operands) { offsets in
            offsets.initialize(repeating: 0)
            if rank == 0 {
                body(offsets, 1)
                return
            }
            let rowLength = shape[rank - 1]
            if rowLength == 0 || shape.contains(0) { return }
            let outer = rank - 1
            withUnsafeTemporaryAllocation(of: Int.self, capacity: Swift.max(outer, 1)) { index in
                index.initialize(repeating: 0)
                while true {
                    body(offsets, rowLength)
                    // Odometer increment over the outer dims, updating offsets incrementally.
                    var d = outer - 1
                    while d >= 0 {
                        index[d] &+= 1
                        for k in 0..<operands { offsets[k] &+= strides[k][d] }
                        if index[d] < shape[d] { break }
                        for k in 0..<operands { offsets[k] &-= strides[k][d] &* shape[d] }
                        index[d] = 0
                        d -= 1
                    }
                    if d < 0 { return }
                }
            }
        }
    }

    /// Copies `source` into `destination` element by element; same shape, any strides.
    static func copy<T: TensorScalar>(from source: Tensor, into destination: Tensor, as _: T.Type) {
        let src = source.pointer(T.self)
        let dst = destination.pointer(T.self)
        if source.isContiguous && destination.isContiguous {
            dst.update(from: src, count: source.scalarCount)
            return
        }
        let strides = [source.strides, destination.strides]
        forEachRow(shape: source.shape, strides: strides) { offsets, count in
            let s = src + offsets[0], d = dst + offsets[1]
            let ss = source.strides.last ?? 0, ds = destination.strides.last ?? 0
            for i in 0..<count { d[i &* ds] = s[i &* ss] }
        }
    }

    /// Sets every element of `destination` to `value`.
    static func fill<T: TensorScalar>(_ destination: Tensor, with value: T) {
        let dst = destination.pointer(T.self)
        if destination.isContiguous {
            dst.update(repeating: value, count: destination.scalarCount)
            return
        }
        let ds = destination.strides.last ?? 0
        forEachRow(shape: destination.shape, strides: [destination.strides]) { offsets, count in
            let d = dst + offsets[0]
            for i in 0..<count { d[i &* ds] = value }
        }
    }
}
