/// The Huber loss, as `torch.nn.HuberLoss` (default `delta` 1): squared within
/// `delta` of the target, linear (with slope `delta`) beyond. See `huberLoss(_:_:reduction:delta:)`.
///
/// ```swift
/// let criterion = HuberLoss(delta: 2)   // nn.HuberLoss(delta=2.0)
/// ```
public struct HuberLoss: Sendable {
    public var reduction: LossReduction
    /// Where the loss turns from squared to linear; positive.
    public var delta: Double

    public init(reduction: LossReduction = .mean, delta: Double = 1) {
        self.reduction = reduction
        self.delta = delta
    }

    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        huberLoss(input, target, reduction: reduction, delta: delta)
    }
}
