/// The forward passes of layer, group and batch normalisation over contiguous buffers:
/// `y = (x − mean) · rstd · weight + bias` with `rstd = 1 / sqrt(variance + eps)`, the
/// statistics taken in Double in two passes (mean, then the centred sum of squares) so
/// float32 inputs lose nothing to cancellation.
///
/// Rows (or channels) are independent; large inputs are split across threads by row
/// with results unchanged.
enum NormalizationKernels {
    /// The mean and the biased variance of `count` elements at `x`, two-pass.
    @inline(__always)
    static func moments<T: TensorScalar>(_ x: UnsafePointer<T>, count: Int) -> (mean: Double, variance: Double) {
        guard count > 0 else { return (.nan, .nan) }
        let mean = ReductionKernels.sum(x, count: count) / Double(count)
        var squares = 0.0
        for i in 0..<count {
            let d = Double(x[i]) - mean
            squares += d * d
        }
        return (mean, squares / Double(count))
    }

    /// Layer norm: each of `rows` contiguous rows of `count` elements normalised over
    /// itself, then scaled by `weight[j]` and shifted by `bias[j]` (j the position in the row).
    static func layerNorm<T: TensorScalar>(
        _ x: UnsafePointer<T>, rows: Int, count: Int, weight: UnsafePointer<T>?, bias: UnsafePointer<T>?, eps: Double,
        output: UnsafeMutablePointer<T>
    ) {
        Parallel.forEachPlane(rows, work: rows &* count, threads: nil) { r in
            let row = x + r &* count, out = output + r &* count
            let (mean, variance) = moments(row, count: count)
            let m = T(mean), rstd = T(1 / (variance + eps).squareRoot())
            switch (weight, bias) {
            case let (w?, b?): for j in 0..<count { out[j] = (row[j] - m) * rstd * w[j] + b[j] }
            case let (w?, nil): for j in 0..<count { out[j] = (row[j] - m) * rstd * w[j] }
            case let (nil, b?): for j in 0..<count { out[j] = (row[j] - m) * rstd + b[j] }
            case (nil, nil): for j in 0..<count { out[j] = (row[j] - m) * rstd }
            }
        }
    }

    /// Group norm over x [batch, channels, plane]: each (image, group) of
    /// `channels / groups` channels normalised over itself, then each channel scaled and shifted.
    static func groupNorm<T: TensorScalar>(
        _ x: UnsafePointer<T>, batch: Int, channels: Int, plane: Int, groups: Int, weight: UnsafePointer<T>?,
        bias: UnsafePointer<T>?, eps: Double, output: UnsafeMutablePointer<T>
    ) {
        let perGroup = channels / groups, count = perGroup &* plane
        Parallel.forEachPlane(batch &* groups, work: batch &* channels &* plane, threads: nil) { r in
            let start = r &* count
            let (mean, variance) = moments(x + start, count: count)
            let rstd = 1 / (variance + eps).squareRoot()
            for k in 0..<perGroup {
                let c = (r % groups) &* perGroup &+ k
                // (x − mean) · scale + bias, not x · scale + shift: no cancellation in float32.
                let m = T(mean), scale = T(rstd * (weight.map { Double($0[c]) } ?? 1))
                let shift = bias.map { $0[c] } ?? 0
                let offset = start &+ k &* plane
                let from = x + offset, to = output + offset
                for i in 0..<plane { to[i] = (from[i] - m) * scale + shift }
            }
        }
    }

    /// Batch-norm statistics of x [batch, channels, plane]: per channel the mean and the
    /// biased variance over the batch and the plane.
    static func channelMoments<T: TensorScalar>(
        _ x: UnsafePointer<T>, batch: Int, channels: Int, plane: Int,
        mean: UnsafeMutablePointer<Double>, variance: UnsafeMutablePointer<Double>
    ) {
        let count = Double(batch &* plane)
        Parallel.forEachPlane(channels, work: batch &* channels &* plane, threads: nil) { c in
            var total = 0.0
            for n in 0..<batch { total += ReductionKernels.sum(x + (n &* channels &+ c) &* plane, count: plane) }
            let m = total / count
            var squares = 0.0
            for n in 0..<batch {
                let row = x + (n &* channels &+ c) &* plane
                for i in 0..<plane {
                    let d = Double(row[i]) - m
                    squares += d * d
                }
            }
            mean[c] = m
            variance[c] = squares / count
        }
    }

    /// `y[n, c, i] = (x[n, c, i] − mean[c]) · rstd[c] · weight[c] + bias[c]`, rstd from the variance and eps.
    static func batchNorm<T: TensorScalar>(
        _ x: UnsafePointer<T>, batch: Int, channels: Int, plane: Int, mean: UnsafePointer<Double>,
        variance: UnsafePointer<Double>, weight: UnsafePointer<T>?, bias: UnsafePointer<T>?, eps: Double,
        output: UnsafeMutablePointer<T>
    ) {
        Parallel.forEachPlane(channels, work: batch &* channels &* plane, threads: nil) { c in
            let rstd = 1 / (variance[c] + eps).squareRoot()
            let m = T(mean[c]), scale = T(rstd * (weight.map { Double($0[c]) } ?? 1))
            let shift = bias.map { $0[c] } ?? 0
            for n in 0..<batch {
                let offset = (n &* channels &+ c) &* plane
                let from = x + offset, to = output + offset
                for i in 0..<plane { to[i] = (from[i] - m) * scale + shift }
            }
        }
    }
}
