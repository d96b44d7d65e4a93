/// `max(x, 0)` elementwise, as a layer (`torch.nn.ReLU`). See `relu(_:)`.
public final class ReLU: Module, TrainingModeStoring {
    public var isTraining = true
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { relu(input) }
}

/// The hyperbolic tangent elementwise, as a layer (`torch.nn.Tanh`). See `tanh(_:)`.
public final class Tanh: Module, TrainingModeStoring {
    public var isTraining = true
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { tanh(input) }
}

/// `1 / (1 + exp(-x))` elementwise, as a layer (`torch.nn.Sigmoid`). See `sigmoid(_:)`.
public final class Sigmoid: Module, TrainingModeStoring {
    public var isTraining = true
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor { sigmoid(input) }
}
