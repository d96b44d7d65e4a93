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
    /// How the pointwise terms combine: `.mean` over elements (the default), `.batchMean` (the sum divided by the batch size), `.sum`, or `.unreduced`.
    public var reduction: KLDivReduction
    /// Whether the target holds log-probabilities.
    public var logTarget: Bool

    /// A KL-divergence loss.
    ///
    /// - Parameters:
    ///   - reduction: how the pointwise terms combine; `.mean` by default, as PyTorch's, though `.batchMean` gives the true divergence per sample.
    ///   - logTarget: whether the target holds log-probabilities (default false).
    public init(reduction: KLDivReduction = .mean, logTarget: Bool = false) {
        self.reduction = reduction
        self.logTarget = logTarget
    }

    /// The divergence of `target` from the distribution whose log-probabilities are `input`.
    ///
    /// - Parameters:
    ///   - input: log-probabilities, such as `logSoftmax`'s output.
    ///   - target: probabilities (log-probabilities with `logTarget`), of the input's shape.
    /// - Returns: a 0-d tensor, or the pointwise terms with `.unreduced`.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        klDiv(input, target, reduction: reduction, logTarget: logTarget)
    }
}
