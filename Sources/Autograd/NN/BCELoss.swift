/// Binary cross-entropy of probabilities against targets in [0, 1], as `torch.nn.BCELoss`.
///
/// `-w · (y · log p + (1 - y) · log(1 - p))` per element, each log clamped at -100.
/// See `binaryCrossEntropy(_:_:weight:reduction:)`; on logits, `BCEWithLogitsLoss`
/// is the stabler choice.
///
/// ```swift
/// let criterion = BCELoss()
/// let loss = criterion(sigmoid(model(x)), labels)
/// ```
public struct BCELoss: @unchecked Sendable {
    /// A weight per element (broadcasting to the input's shape), or nil.
    public var weight: Tensor?
    /// How the per-element losses combine: `.mean` (the default), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    public var reduction: LossReduction

    /// A binary cross-entropy loss.
    ///
    /// - Parameters:
    ///   - weight: a weight per element, broadcasting to the input's shape; nil (the default) for none.
    ///   - reduction: `.mean` (the default), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    public init(weight: Tensor? = nil, reduction: LossReduction = .mean) {
        self.weight = weight
        self.reduction = reduction
    }

    /// The loss of probabilities `input` against `target` (same shape, values in [0, 1]).
    ///
    /// - Parameters:
    ///   - input: probabilities, such as a sigmoid's output.
    ///   - target: target probabilities, of the input's shape.
    /// - Returns: a 0-d tensor, or the per-element losses with `.unreduced`.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        binaryCrossEntropy(input, target, weight: weight, reduction: reduction)
    }
}
