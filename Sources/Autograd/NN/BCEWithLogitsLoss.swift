/// Binary cross-entropy on logits, as `torch.nn.BCEWithLogitsLoss`.
///
/// Per element, with `z` the logit, `y` the target probability, `w` the weight and
/// `p` the positive weight:
///
/// ```
/// loss = -w · (p · y · log σ(z) + (1 - y) · log σ(-z))
/// ```
///
/// Computed from the logits with PyTorch's formula, so large logits neither
/// overflow nor lose the gradient (`σ(z) - y` for `p = 1`). See
/// `binaryCrossEntropyWithLogits(_:_:weight:posWeight:reduction:)`.
///
/// ```swift
/// let criterion = BCEWithLogitsLoss(posWeight: Tensor([3.0]))   // nn.BCEWithLogitsLoss(pos_weight=...)
/// let loss = criterion(model(x), labels)
/// ```
public struct BCEWithLogitsLoss: @unchecked Sendable {
    /// A weight per element (broadcasting to the input's shape), or nil.
    public var weight: Tensor?
    /// How the per-element losses combine: `.mean` (the default), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    public var reduction: LossReduction
    /// A weight of the positive term, per class along the last dims (PyTorch's `pos_weight`), or nil.
    public var posWeight: Tensor?

    /// A binary cross-entropy loss on logits.
    ///
    /// - Parameters:
    ///   - weight: a weight per element, broadcasting to the input's shape; nil (the default) for none.
    ///   - reduction: `.mean` (the default), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    ///   - posWeight: a weight of the positive term, broadcasting along the last dims (PyTorch's `pos_weight`); nil for none.
    public init(weight: Tensor? = nil, reduction: LossReduction = .mean, posWeight: Tensor? = nil) {
        self.weight = weight
        self.reduction = reduction
        self.posWeight = posWeight
    }

    /// The loss of `logits` against `target` probabilities of the same shape.
    ///
    /// - Parameters:
    ///   - logits: unnormalised scores, before any sigmoid.
    ///   - target: target probabilities in [0, 1], of the logits' shape.
    /// - Returns: a 0-d tensor, or the per-element losses with `.unreduced`.
    public func callAsFunction(_ logits: Tensor, _ target: Tensor) -> Tensor {
        binaryCrossEntropyWithLogits(logits, target, weight: weight, posWeight: posWeight, reduction: reduction)
    }
}
