/// The Kullback-Leibler divergence of a target distribution from log-probabilities,
/// as `torch.nn.KLDivLoss`. See `klDiv(_:_:reduction:logTarget:)`.
///
/// The input holds log-probabilities; the target probabilities, or with
/// `logTarget: true` log-probabilities. `reduction: .batchMean` gives the
/// divergence per sample; the default, `.mean`, is PyTorch's (an average over
/// every element).
///
/// ```swift
/// let criterion = KLDivLoss(reduction: .batchMean)   // nn.KLDivLoss(reduction="batchmean")
/// let loss = criterion(logSoftmax(student, dim: 1), softmax(teacher, dim: 1))
/// ```
public struct KLDivLoss: Sendable {
    public var reduction: KLDivReduction
    /// Whether the target holds log-probabilities.
    public var logTarget: Bool

    public init(reduction: KLDivReduction = .mean, logTarget: Bool = false) {
        self.reduction = reduction
        self.logTarget = logTarget
    }

    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        klDiv(input, target, reduction: reduction, logTarget: logTarget)
    }
}
