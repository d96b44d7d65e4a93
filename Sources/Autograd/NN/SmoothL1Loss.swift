/// A squared error below `beta` and an absolute one above, as `torch.nn.SmoothL1Loss`
/// (default `beta` 1). See `smoothL1Loss(_:_:reduction:beta:)`.
///
/// ```swift
/// let criterion = SmoothL1Loss(beta: 0.5)   // nn.SmoothL1Loss(beta=0.5)
/// ```
public struct SmoothL1Loss: Sendable {
    /// How the per-element losses combine: `.mean` (the default), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    public var reduction: LossReduction
    /// Where the loss turns from squared to absolute; non-negative.
    public var beta: Double

    /// A smooth L1 loss.
    ///
    /// - Parameters:
    ///   - reduction: `.mean` (the default), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    ///   - beta: where the loss turns from squared to absolute; non-negative (default 1).
    public init(reduction: LossReduction = .mean, beta: Double = 1) {
        self.reduction = reduction
        self.beta = beta
    }

    /// The loss of `input` against `target`, of the same shape.
    ///
    /// - Parameters:
    ///   - input: the prediction.
    ///   - target: the target, of the input's shape.
    /// - Returns: a 0-d tensor, or the per-element losses with `.unreduced`.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        smoothL1Loss(input, target, reduction: reduction, beta: beta)
    }
}
