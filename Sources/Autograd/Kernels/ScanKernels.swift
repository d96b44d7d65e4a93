/// Running totals and products along one dim (cumsum, cumprod).
enum ScanKernels {
    /// `out[..., k, ...] = x[..., 0, ...] ∘ … ∘ x[..., k, ...]` along `dim`, with `∘`
    /// from `F`; `out` is contiguous with x's shape. Rows along the dim run one
    /// after another; when the dim is not the last, whole slices combine at once
    /// (a vectorisable loop over the dims after it).
    static func scan<T: TensorNumeric, F: NumericBinaryFunction>(_ x: Tensor, dim: Int, into out: Tensor, _: F.Type, as _: T.Type) {
        let source = x.contiguousData()
        let (outer, n, inner) = ReductionKernels.split(x.shape, around: dim)
        guard outer * n * inner > 0 else { return }
        let p = source.pointer(T.self), o = out.pointer(T.self)
        let pieces = Swift.min(outer, Parallel.chunks(for: outer * n * inner))
        let step = (outer + pieces - 1) / pieces
        Parallel.forEach(pieces) { piece in
            for a in (piece * step)..<Swift.min(outer, (piece + 1) * step) {
                let source = p + a &* n &* inner, target = o + a &* n &* inner
                if inner == 1 {
                    var total = source[0]
                    target[0] = total
                    for k in 1..<n {
                        total = F.apply(total, source[k])
                        target[k] = total
                    }
                } else {
                    target.update(from: source, count: inner)
                    for k in 1..<n {
                        let previous = target + (k &- 1) &* inner, row = source + k &* inner, next = target + k &* inner
                        for c in 0..<inner { next[c] = F.apply(previous[c], row[c]) }
                    }
                }
            }
        }
    }
}
