/// The negative log-likelihood of class indices under log-probabilities, as
/// `torch.nn.NLLLoss`: with `logSoftmax` before it, `CrossEntropyLoss`.
/// See `nllLoss(_:_:weight:ignoreIndex:reduction:)`.
///
/// ```swift
/// let criterion = NLLLoss()
/// let loss = criterion(logSoftmax(model(x), dim: 1), labels)   // labels: int64 [N]
/// ```
public struct NLLLoss: @unchecked Sendable {
    /// A weight per class, or nil for equal weights.
    public var weight: Tensor?
    /// A target value that contributes nothing (to the loss, its gradient or the mean's divisor).
    public var ignoreIndex: Int
    public var reduction: LossReduction

    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: LossReduction = .mean) {
        self.weight = weight
        self.ignoreIndex = ignoreIndex
        self.reduction = reduction
    }

    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        nllLoss(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
    }
}
