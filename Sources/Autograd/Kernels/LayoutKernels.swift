/// Copies that rearrange elements: gathers through per-dim index tables (roll,
/// repeat), reversed views (flip), block copies (pad) and triangles (tril, triu).
enum LayoutKernels {
    /// `out[i₀, …, iₖ] = x[tables₀[i₀] + … + tablesₖ[iₖ]]`, where each table holds
    /// element offsets into `x` (index times stride) for every index of `out`'s dim.
    /// `out` is contiguous; the tables have `out`'s sizes.
    static func gather<T: TensorElement>(_ x: Tensor, offsets tables: [[Int]], into out: Tensor, as _: T.Type) {
        let p = x.pointer(T.self), o = out.pointer(T.self)
        let shape = out.shape
        guard let last = tables.last else {
            o.pointee = p.pointee
            return
        }
        if shape.contains(0) { return }
        let rank = shape.count, rowLength = shape[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var base = tables.dropLast().reduce(0) { $0 + $1[0] }
        var written = 0
        last.withUnsafeBufferPointer { row in
            while true {
                let source = p + base, destination = o + written
                for j in 0..<rowLength { destination[j] = source[row[j]] }
                written &+= rowLength
                // Odometer over the outer dims, updating the base offset by table differences.
                var d = rank - 2
                while d >= 0 {
                    base &-= tables[d][index[d]]
                    index[d] &+= 1
                    if index[d] < shape[d] {
                        base &+= tables[d][index[d]]
                        break
                    }
                    index[d] = 0
                    base &+= tables[d][0]
                    d -= 1
                }
                if d < 0 { return }
            }
        }
    }

    /// A view of `x` reading `dims` backwards (negative strides), for a copy to read from.
    static func reversedView(_ x: Tensor, dims: [Int]) -> Tensor {
        var strides = x.strides, offset = x.offset
        for d in Set(dims) where x.shape[d] > 0 {
            offset += (x.shape[d] - 1) * strides[d]
            strides[d] = -strides[d]
        }
        return Tensor(storage: x.storage, shape: x.shape, strides: strides, offset: offset, dtype: x.dtype)
    }

    /// Fills `out` with `value` and copies the part of `x` that the before/after
    /// widths keep (negative widths crop) into its place.
    static func pad(_ x: Tensor, widths: [(before: Int, after: Int)], value: Double, into out: Tensor) {
        StridedLoops.fill(out, with: value)
        var sourceOffset = x.offset, targetOffset = out.offset
        var kept = x.shape
        for d in x.shape.indices {
            let (before, after) = widths[d]
            let skip = Swift.max(0, -before)
            kept[d] = Swift.max(0, x.shape[d] - skip - Swift.max(0, -after))
            sourceOffset += skip * x.strides[d]
            targetOffset += Swift.max(0, before) * out.strides[d]
        }
        guard !kept.contains(0) else { return }
        let source = Tensor(storage: x.storage, shape: kept, strides: x.strides, offset: sourceOffset, dtype: x.dtype)
        let target = Tensor(storage: out.storage, shape: kept, strides: out.strides, offset: targetOffset, dtype: out.dtype)
        StridedLoops.copy(from: source, into: target)
    }

    /// The lower (`lower`) or upper triangle of each matrix in the last two dims of
    /// the contiguous `x`, relative to `diagonal`; zeros elsewhere.
    static func triangle<T: TensorElement>(_ x: Tensor, lower: Bool, diagonal: Int, into out: Tensor, as _: T.Type) {
        let rows = x.shape[x.rank - 2], columns = x.shape[x.rank - 1]
        let matrices = rows * columns == 0 ? 0 : x.scalarCount / (rows * columns)
        let p = x.pointer(T.self), o = out.pointer(T.self)
        let zero = T(converting: 0)
        // Clamped to where it still changes the result, so `r + diagonal` cannot overflow.
        let diagonal = Swift.min(Swift.max(diagonal, -rows - 1), columns + 1)
        for m in 0..<matrices {
            for r in 0..<rows {
                let at = (m &* rows &+ r) &* columns
                // Row r keeps columns c with c - r <= diagonal (lower) or c - r >= diagonal (upper).
                let boundary = Swift.min(Swift.max(r + diagonal + (lower ? 1 : 0), 0), columns)
                let (copied, zeroed) = lower ? (0..<boundary, boundary..<columns) : (boundary..<columns, 0..<boundary)
                (o + at + copied.lowerBound).update(from: p + at + copied.lowerBound, count: copied.count)
                (o + at + zeroed.lowerBound).update(repeating: zero, count: zeroed.count)
            }
        }
    }
}
