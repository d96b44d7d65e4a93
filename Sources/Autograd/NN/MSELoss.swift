/// The squared error between a prediction and a target of the same shape, as `torch.nn.MSELoss`.
///
/// ```swift
/// let criterion = MSELoss()
/// let loss = criterion(model(x), y)   // mean of (prediction - target)²
/// ```
public struct MSELoss: Sendable {
    public var reduction: LossReduction

    public init(reduction: LossReduction = .mean) {
        self.reduction = reduction
    }

    public func callAsFunction(_ prediction: Tensor, _ target: Tensor) -> Tensor {
        mseLoss(prediction, target, reduction: reduction)
    }
}
