import Autograd

extension OpDefinition {
    /// Random values for a call with inputs of `shapes` (nil: omitted), each in its
    /// spec's domain and dtype (a slot without a spec: real numbers).
    ///
    /// - Parameters:
    ///   - shapes: one shape per input slot; nil for an omitted input.
    ///   - specs: the slots' input specs (domain and dtype), where given.
    ///   - g: the random generator the values are drawn from.
    ///   - reachingBound: makes the last element of each index input the
    ///     largest index its domain allows, so a probe learns whether that bound is valid.
    func sampleValues(shapes: [[Int]?], specs: [InputSpec?], generator g: inout RandomGenerator,
                      reachingBound: Bool = false) -> [TensorValues?] {
        shapes.enumerated().map { i, shape in
            guard let shape else { return nil }
            let spec = specs[safe: i] ?? nil
            let domain = spec?.domain ?? .real
            let dtype = slotDType(i, count: shapes.count, spec: spec, running: .float64)
            let count = shape.reduce(1, *)
            var scalars = (0..<count).map { _ in domain.value(&g, shapes: shapes) }
            if !dtype.isFloatingPoint && !domain.isDiscrete {
                // An integer tensor in a continuous domain (a float op called with int64):
                // whole numbers of about the same spread.
                scalars = scalars.map { ($0 * 2).rounded() }
            }
            if reachingBound, count > 0, let bound = domain.indexBound(shapes: shapes) {
                scalars[count - 1] = Double(Swift.max(bound - 1, 0))
            }
            return TensorValues(shape: shape, scalars: scalars, dtype: dtype)
        }
    }
}
