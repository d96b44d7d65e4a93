/// The absolute error between an input and a target, as `torch.nn.L1Loss`.
/// See `l1Loss(_:_:reduction:)`.
///
/// ```swift
/// let criterion = L1Loss()
/// let loss = criterion(model(x), y)   // mean of |prediction - target|
/// ```
public struct L1Loss: Sendable {
    public var reduction: LossReduction

    public init(reduction: LossReduction = .mean) {
        self.reduction = reduction
    }

    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        l1Loss(input, target, reduction: reduction)
    }
}
