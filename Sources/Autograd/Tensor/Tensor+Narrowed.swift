extension Tensor {
    /// A view of `length` elements of dim `dim`, starting at `start`, sharing this
    /// tensor's storage: a sliced, generally non-contiguous, view.
    ///
    /// It records no history, so it is offered to the conformance tool (which
    /// builds strided leaf inputs with it) rather than as a differentiable op.
    ///
    /// - Precondition: `dim` names a dim, `start >= 0`, `length >= 0` and
    ///   `start + length` is at most the dim's size; this tensor does not require grad.
    @_spi(Conformance)
    public func narrowed(_ dim: Int, start: Int, length: Int) -> Tensor {
        precondition(!requiresGrad, "narrowed records no history; call it on a tensor that does not require grad")
        guard let d = Shape.normalize(dim: dim, rank: rank), rank > 0 else {
            preconditionFailure("narrowed: dim \(dim) out of range for shape \(Shape.describe(shape))")
        }
        precondition(start >= 0 && length >= 0 && start + length <= shape[d], """
            narrowed: elements \(start)..<\(start + length) of dim \(d) out of range for shape \(Shape.describe(shape))
            """)
        var newShape = shape
        newShape[d] = length
        return Tensor(storage: storage, shape: newShape, strides: strides,
                      offset: offset + start * strides[d], dtype: dtype)
    }
}
