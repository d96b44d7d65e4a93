/// A tensor's elements arranged for a reduction: `outer × count × inner`, contiguous,
/// where each result reduces `count` elements `inner` apart. Results are numbered
/// `a · inner + c` (row-major over the kept dims, whether or not they are kept with size 1).
struct ReductionLayout {
    let source: Tensor
    let outer: Int
    let count: Int
    let inner: Int

    /// `x` arranged for a reduction over `dims` (all of them for a 0-d tensor).
    ///
    /// Reduced dims that are adjacent need no copy of contiguous data; others are
    /// moved behind the kept dims in a contiguous copy.
    init(_ x: Tensor, dims: Set<Int>) {
        let shape = x.shape
        let sorted = dims.sorted()
        guard x.rank > 0, let first = sorted.first, let last = sorted.last else {
            (source, outer, count, inner) = (x.contiguousData(), x.scalarCount, 1, 1)
            return
        }
        if last - first + 1 == sorted.count {
            source = x.contiguousData()
            outer = Shape.count(Array(shape[..<first]))
            count = Shape.count(Array(shape[first...last]))
            inner = Shape.count(Array(shape[(last + 1)...]))
            return
        }
        let kept = shape.indices.filter { !dims.contains($0) }
        let order = kept + sorted
        let moved = Tensor(storage: x.storage, shape: order.map { shape[$0] }, strides: order.map { x.strides[$0] },
                           offset: x.offset, dtype: x.dtype)
        (source, outer, count, inner) = (moved.contiguousData(), Shape.count(kept.map { shape[$0] }),
                                         Shape.count(sorted.map { shape[$0] }), 1)
    }

    /// The number of results.
    var results: Int { outer * inner }
}

/// A reduction of a row of elements to one result, written as a fold over any
/// stretch of the row and a combination of folds, so a long row can be split
/// across cores. Specialised per reduction and element type: no dynamic dispatch
/// in the loops.
protocol RowReduction {
    associatedtype Element: TensorNumeric
    associatedtype Partial
    /// The fold of `count` elements at `p`, `stride` apart, which begin at
    /// position `start` of their row (for reductions that report positions).
    func fold(_ p: UnsafePointer<Element>, count: Int, stride: Int, start: Int) -> Partial
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
        let results = layout.results, n = layout.count, inner = layout.inner
        guard results > 0 else { return }
        let p = UnsafePointer(layout.source.pointer(R.Element.self))
        let pieces = Parallel.chunks(for: results &* n)
        func row(_ index: Int) -> UnsafePointer<R.Element> {
            let a = index / inner, c = index &- a &* inner
            return p + (a &* n &* inner &+ c)
        }
        if pieces <= 1 || results >= pieces {
            let step = (results + pieces - 1) / pieces
            Parallel.forEach(pieces) { piece in
                for index in (piece * step)..<Swift.min(results, (piece + 1) * step) {
                    reduction.finish(reduction.fold(row(index), count: n, stride: inner, start: 0), count: n, index: index)
                }
            }
            return
        }
        let step = (n + pieces - 1) / pieces
        for index in 0..<results {
            let start = row(index)
            var partials = [R.Partial?](repeating: nil, count: pieces)
            partials.withUnsafeMutableBufferPointer { slots in
                Parallel.forEach(pieces) { piece in
                    let from = piece * step, to = Swift.min(n, from + step)
                    slots[piece] = reduction.fold(start + from &* inner, count: Swift.max(0, to - from), stride: inner, start: from)
                }
            }
            let total = partials.dropFirst().reduce(partials[0]!) { reduction.combine($0, $1!) }
            reduction.finish(total, count: n, index: index)
        }
    }
}
