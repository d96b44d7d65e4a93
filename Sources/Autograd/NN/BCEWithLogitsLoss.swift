/// Binary cross-entropy on logits, as `torch.nn.BCEWithLogitsLoss`.
///
/// Per element, with `z` the logit and `y` the target probability:
///
/// ```
/// loss = -(y · log σ(z) + (1 - y) · log σ(-z))
/// ```
///
/// Computed without forming `σ(z)`, so large logits neither overflow nor lose
/// the gradient. `log σ(-z)` and `log σ(z)` are the log-softmax of the pair
/// `(0, z)`; built that way the loss is one smooth composition of registry ops,
/// whose gradient is exactly `σ(z) - y` everywhere, including at `z = 0` (the
/// usual `relu(z) - z·y + log(1 + exp(-|z|))` has kinks there that autograd
/// would differentiate as if they were real).
public struct BCEWithLogitsLoss: Sendable {
    public var reduction: LossReduction

    public init(reduction: LossReduction = .mean) {
        self.reduction = reduction
    }

    public func callAsFunction(_ logits: Tensor, _ target: Tensor) -> Tensor {
        precondition(logits.shape == target.shape, """
            BCEWithLogitsLoss: logits and target must have the same shape, got \
            \(Shape.describe(logits.shape)) and \(Shape.describe(target.shape))
            """)
        let column = logits.shape + [1]
        let dtype = logits.dtype
        // (0, z) and the matching weights (1 - y, y) along a new last dim.
        let pair = logits.reshaped(column) * Tensor([0.0, 1.0], dtype: dtype)
        let weights = target.reshaped(column) * Tensor([-1.0, 1.0], dtype: dtype) + Tensor([1.0, 0.0], dtype: dtype)
        let perElement = -(logSoftmax(pair, dim: -1) * weights).sum(dims: [-1])
        return reduction.apply(perElement)
    }
}
