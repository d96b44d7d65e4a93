/// The cross-entropy of logits against class indices, as `torch.nn.CrossEntropyLoss`.
///
/// `logits` has shape `[N, C]` (unnormalised scores) and `target` shape `[N]`,
/// holding class indices `0..<C` stored as floats. Per sample the loss is
/// `-log(softmax(logits)[target])`; the default reduction averages over samples.
///
/// ```swift
/// let criterion = CrossEntropyLoss()
/// let loss = criterion(model(images), labels)
/// ```
public struct CrossEntropyLoss: Sendable {
    public var reduction: LossReduction

    public init(reduction: LossReduction = .mean) {
        self.reduction = reduction
    }

    public func callAsFunction(_ logits: Tensor, _ target: Tensor) -> Tensor {
        switch reduction {
        case .mean:
            return crossEntropy(logits, target)
        case .sum, .none:
            precondition(logits.rank == 2, "CrossEntropyLoss: logits must be [N, C], got \(Shape.describe(logits.shape))")
            let perSample = -(logSoftmax(logits, dim: 1) * oneHot(target, numClasses: logits.shape[1])).sum(dims: [1])
            return reduction.apply(perSample)
        }
    }
}
