/// Scales the gradients of `parameters` so their combined norm is at most `maxNorm`,
/// and returns the norm they had, as `torch.nn.utils.clip_grad_norm_`.
///
/// The norm is taken over all gradients together, as if concatenated into one
/// vector. When it exceeds `maxNorm`, every gradient is multiplied by
/// `maxNorm / (norm + 1e-6)`; otherwise they are left alone. Parameters without
/// a gradient are ignored. A non-finite norm is returned as it is (and, as in
/// PyTorch, turns the gradients to NaN): check the result to skip such a step.
///
/// ```swift
/// try loss.backward()
/// let norm = clipGradNorm(model.parameters(), maxNorm: 1.0)
/// optimizer.step()
/// ```
///
/// - Parameters:
///   - parameters: the tensors whose gradients are clipped; those without a gradient are skipped.
///   - maxNorm: the largest total norm the gradients may have after clipping.
///   - normType: the p of the p-norm, positive (default 2); `.infinity` for the largest absolute value.
/// - Returns: the total norm of the gradients before clipping.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Double, normType: Double = 2) -> Double {
    precondition(normType > 0, "clipGradNorm: normType must be positive, got \(normType)")
    var gradients: [Tensor] = []
    for p in parameters {
        guard let g = p.grad else { continue }
        // The loops below scale in place, which needs a buffer of the gradient's own.
        if !g.isContiguous || g.gradFn != nil { p.grad = g.contiguousData().detach() }
        gradients.append(p.grad!)
    }
    var accumulated = 0.0
    for g in gradients {
        let partial = GradientNorm.Accumulate(gradient: g, normType: normType).run(for: g.dtype, in: "clipGradNorm")
        accumulated = normType == .infinity ? Swift.max(accumulated, partial) : accumulated + partial
    }
    let total = normType == .infinity ? accumulated
        : normType == 2 ? accumulated.squareRoot() : Double.pow(accumulated, 1 / normType)
    let coefficient = maxNorm / (total + 1e-6)
    if coefficient < 1 || !total.isFinite {
        for g in gradients {
            GradientNorm.Scale(gradient: g, coefficient: coefficient).run(for: g.dtype, in: "clipGradNorm")
        }
    }
    return total
}

/// The loops of `clipGradNorm`, over contiguous gradient buffers.
enum GradientNorm {
    /// Σ|g|ᵖ for a finite p (Σg² for p = 2), or max|g| for p = ∞, in Double.
    struct Accumulate: FloatingPointLoop {
        let gradient: Tensor
        let normType: Double

        func run<T: TensorScalar>(as _: T.Type) -> Double {
            gradient.withUnsafeBufferPointer(as: T.self) { values in
                if normType == .infinity {
                    var largest = 0.0
                    for v in values {
                        let a = Double(Swift.abs(v))
                        if a > largest || a.isNaN { largest = a }
                    }
                    return largest
                }
                if normType == 2 {
                    var sum = 0.0
                    for v in values { sum += Double(v) * Double(v) }
                    return sum
                }
                var sum = 0.0
                for v in values { sum += Double.pow(Double(Swift.abs(v)), normType) }
                return sum
            }
        }
    }

    /// g = coefficient · g, in place.
    struct Scale: FloatingPointLoop {
        let gradient: Tensor
        let coefficient: Double

        func run<T: TensorScalar>(as _: T.Type) {
            let c = T(coefficient)
            gradient.withUnsafeMutableBufferPointer(as: T.self) { values in
                for i in values.indices { values[i] *= c }
            }
        }
    }
}
