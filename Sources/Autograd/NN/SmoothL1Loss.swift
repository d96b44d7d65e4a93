/// A squared error below `beta` and an absolute one above, as `torch.nn.SmoothL1Loss`
/// (default `beta` 1). See `smoothL1Loss(_:_:reduction:beta:)`.
///
/// ```swift
/// let criterion = SmoothL1Loss(beta: 0.5)   // nn.SmoothL1Loss(beta=0.5)
/// ```
public struct SmoothL1Loss: Sendable {
    public var reduction: LossReduction
    /// Where the loss turns from squared to absolute; non-negative.
    public var beta: Double

    public init(reduction: LossReduction = .mean, beta: Double = 1) {
        self.reduction = reduction
        self.beta = beta
    }

    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        smoothL1Loss(input, target, reduction: reduction, beta: beta)
    }
}
