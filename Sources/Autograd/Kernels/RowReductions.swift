/// A tensor's elements arranged for a reduction: `results` contiguous rows of
/// `count` elements, one row per result, numbered row-major over the kept dims
/// (whether or not they are kept with size 1).
struct ReductionLayout {
    let source: Tensor
    let results: Int
    let count: Int

    /// `x` arranged for a reduction over `dims` (all of them for a 0-d tensor).
    ///
    /// Contiguous data reduced over its last dims needs no copy. Reduced dims
    /// followed by kept ones are moved last by a tiled transpose, so every row is
    /// read contiguously (a fold down a column would touch a cache line per element);
    /// reduced dims apart from each other are moved behind the kept ones by a copy.
    init(_ x: Tensor, dims: Set<Int>) {
        let shape = x.shape
        let sorted = dims.sorted()
        guard x.rank > 0, let first = sorted.first, let last = sorted.last else {
            (source, results, count) = (x.contiguousData(), x.scalarCount, 1)
            return
        }
        if last - first + 1 == sorted.count {
            let outer = Shape.count(Array(shape[..<first])), n = Shape.count(Array(shape[first...last]))
            let inner = Shape.count(Array(shape[(last + 1)...]))
            let data = x.contiguousData()
            source = inner == 1 || n == 1 ? data : ReductionKernels.transposed(data, outer: outer, rows: n, columns: inner)
            (results, count) = (outer * inner, n)
            return
        }
        let kept = shape.indices.filter { !dims.contains($0) }
        let order = kept + sorted
        let moved = Tensor(storage: x.storage, shape: order.map { shape[$0] }, strides: order.map { x.strides[$0] },
                           offset: x.offset, dtype: x.dtype)
        (source, results, count) = (moved.contiguousData(), Shape.count(kept.map { shape[$0] }),
                                    Shape.count(sorted.map { shape[$0] }))
    }
}

/// A reduction of a row of elements to one result, written as a fold over any
/// stretch of the row and a combination of folds, so a long row can be split
/// across cores. Specialised per reduction and element type: no dynamic dispatch
/// in the loops.
protocol RowReduction {
    associatedtype Element: TensorNumeric
    associatedtype Partial
    /// The fold of the `count` contiguous elements at `p`, which begin at position
    /// `start` of their row (for reductions that report positions).
    func fold(_ p: UnsafePointer<Element>, count: Int, start: Int) -> Partial
    /// Two folds of adjacent stretches, `a` first.
    func combine(_ a: Partial, _ b: Partial) -> Partial
    /// Writes result `index` from the fold of its whole row of `count` elements.
    func finish(_ partial: Partial, count: Int, index: Int)
}

extension ReductionKernels {
    /// Runs `reduction` over every row of `layout`, splitting the work across cores
    /// when it is large: whole rows per core when there are enough of them, else
    /// stretches of each row, combined in order (so results do not depend on timing).
    static func reduce<R: RowReduction>(_ layout: ReductionLayout, _ reduction: R) {
        let results = layout.results, n = layout.count
        guard results > 0 else { return }
        let p = UnsafePointer(layout.source.pointer(R.Element.self))
        let pieces = Parallel.chunks(for: results &* n)
        if pieces <= 1 || results >= pieces {
            let step = (results + pieces - 1) / pieces
            Parallel.forEach(pieces) { piece in
                for index in (piece * step)..<Swift.min(results, (piece + 1) * step) {
                    reduction.finish(reduction.fold(p + index &* n, count: n, start: 0), count: n, index: index)
                }
            }
            return
        }
        let step = (n + pieces - 1) / pieces
        for index in 0..<results {
            let row = p + index &* n
            var partials = [R.Partial?](repeating: nil, count: pieces)
            partials.withUnsafeMutableBufferPointer { slots in
                Parallel.forEach(pieces) { piece in
                    let from = piece * step, to = Swift.min(n, from + step)
                    slots[piece] = reduction.fold(row + from, count: Swift.max(0, to - from), start: from)
                }
            }
            let total = partials.dropFirst().reduce(partials[0]!) { reduction.combine($0, $1!) }
            reduction.finish(total, count: n, index: index)
        }
    }

    /// Each of the `outer` matrices of `rows × columns` in the contiguous `x`,
    /// transposed into a new contiguous tensor, tile by tile so both sides are read
    /// and written a cache line at a time.
    static func transposed(_ x: Tensor, outer: Int, rows: Int, columns: Int) -> Tensor {
        let out = Tensor(uninitializedShape: [outer, columns, rows], dtype: x.dtype)
        func move<E>(_: E.Type) {
            let (p, o) = (UnsafeRawPointer(x.unsafeRawPointer).assumingMemoryBound(to: E.self),
                          out.unsafeRawPointer.assumingMemoryBound(to: E.self))
            // Work items are bands of `tile` rows of one matrix, so one large matrix splits across cores too.
            let tile = 32, matrix = rows &* columns, bands = (rows + tile - 1) / tile
            let pieces = Swift.min(outer &* bands, Parallel.chunks(for: outer &* matrix))
            let step = (outer &* bands + pieces - 1) / pieces
            Parallel.forEach(pieces) { piece in
                for item in (piece * step)..<Swift.min(outer &* bands, (piece + 1) * step) {
                    let a = item / bands, r0 = (item &- a &* bands) &* tile, r1 = Swift.min(r0 &+ tile, rows)
                    let (source, target) = (p + a &* matrix, o + a &* matrix)
                    for c0 in stride(from: 0, to: columns, by: tile) {
                        for c in c0..<Swift.min(c0 &+ tile, columns) {
                            let column = target + c &* rows
                            for r in r0..<r1 { column[r] = source[r &* columns &+ c] }
                        }
                    }
                }
            }
        }
        switch x.dtype.byteCount {
        case 1: move(UInt8.self)
        case 4: move(UInt32.self)
        default: move(UInt64.self)
        }
        return out
    }
}
