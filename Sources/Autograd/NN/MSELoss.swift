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
        switch reduction {
        case .mean: mseLoss(prediction, target)
        case .sum, .none: reduction.apply((prediction - target) ** 2)
        }
    }
}
