/// The cross-entropy of logits against targets, as `torch.nn.CrossEntropyLoss`.
///
/// `input` holds unnormalised scores `[N, C]` (or `[N, C, d...]`, or `[C]`); `target`
/// holds int64 class indices `[N]` (`[N, d...]`, `[]`), or class probabilities of the
/// input's shape. Per sample the loss is `-log(softmax(input)[target])`, weighted by
/// `weight[target]` when a weight is given; the default reduction averages over
/// samples (weighted, with class indices). Samples whose target is `ignoreIndex`
/// contribute nothing; `labelSmoothing` mixes the uniform distribution into the targets.
///
/// ```swift
/// let criterion = CrossEntropyLoss()
/// let loss = criterion(model(images), labels)   // labels: Tensor([3, 0, 7])
/// ```
public struct CrossEntropyLoss: @unchecked Sendable {
    /// A weight per class, or nil for equal weights.
    public var weight: Tensor?
    public var ignoreIndex: Int
    public var labelSmoothing: Double
    public var reduction: LossReduction

    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, labelSmoothing: Double = 0, reduction: LossReduction = .mean) {
        self.weight = weight
        self.ignoreIndex = ignoreIndex
        self.labelSmoothing = labelSmoothing
        self.reduction = reduction
    }

    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        crossEntropy(input, target, weight: weight, ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing,
                     reduction: reduction)
    }
}
