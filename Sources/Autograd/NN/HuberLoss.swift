/// The Huber loss, as `torch.nn.HuberLoss` (default `delta` 1): squared within
/// `delta` of the target, linear (with slope `delta`) beyond. See `huberLoss(_:_:reduction:delta:)`.
///
/// ```swift
/// let criterion = HuberLoss(delta: 2)   // nn.HuberLoss(delta=2.0)
/// ```
public struct HuberLoss: Sendable {
    /// How the per-element losses combine: `.mean` (the default), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    public var reduction: LossReduction
    /// Where the loss turns from squared to linear; positive.
    public var delta: Double

    /// A Huber loss.
    ///
    /// - Parameters:
    ///   - reduction: `.mean` (the default), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    ///   - delta: where the loss turns from squared to linear; positive (default 1).
    public init(reduction: LossReduction = .mean, delta: Double = 1) {
        self.reduction = reduction
        self.delta = delta
    }

    /// The loss of `input` against `target`, of the same shape.
    ///
    /// - Parameters:
    ///   - input: the prediction.
    ///   - target: the target, of the input's shape.
    /// - Returns: a 0-d tensor, or the per-element losses with `.unreduced`.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        huberLoss(input, target, reduction: reduction, delta: delta)
    }
}
