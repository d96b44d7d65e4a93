/// The squared error between a prediction and a target of the same shape, as `torch.nn.MSELoss`.
///
/// ```swift
/// let criterion = MSELoss()
/// let loss = criterion(model(x), y)   // mean of (prediction - target)²
/// ```
public struct MSELoss: Sendable {
    /// How the per-element losses combine: `.mean` (the default), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    public var reduction: LossReduction

    /// A mean-squared-error loss.
    ///
    /// - Parameter reduction: `.mean` (the default), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    public init(reduction: LossReduction = .mean) {
        self.reduction = reduction
    }

    /// `(prediction - target)²`, reduced.
    ///
    /// - Parameters:
    ///   - prediction: the prediction.
    ///   - target: the target, of the prediction's shape.
    /// - Returns: a 0-d tensor, or the per-element losses with `.unreduced`.
    public func callAsFunction(_ prediction: Tensor, _ target: Tensor) -> Tensor {
        mseLoss(prediction, target, reduction: reduction)
    }
}
