/// The absolute error between an input and a target, as `torch.nn.L1Loss`.
/// See `l1Loss(_:_:reduction:)`.
///
/// ```swift
/// let criterion = L1Loss()
/// let loss = criterion(model(x), y)   // mean of |prediction - target|
/// ```
public struct L1Loss: Sendable {
    /// How the per-element losses combine: `.mean` (the default), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    public var reduction: LossReduction

    /// An L1 loss.
    ///
    /// - Parameter reduction: `.mean` (the default), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    public init(reduction: LossReduction = .mean) {
        self.reduction = reduction
    }

    /// `|input - target|`, reduced.
    ///
    /// - Parameters:
    ///   - input: the prediction.
    ///   - target: the target, of the input's shape.
    /// - Returns: a 0-d tensor, or the per-element losses with `.unreduced`.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        l1Loss(input, target, reduction: reduction)
    }
}
