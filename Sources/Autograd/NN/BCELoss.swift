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
    public var reduction: LossReduction

    public init(weight: Tensor? = nil, reduction: LossReduction = .mean) {
        self.weight = weight
        self.reduction = reduction
    }

    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        binaryCrossEntropy(input, target, weight: weight, reduction: reduction)
    }
}
