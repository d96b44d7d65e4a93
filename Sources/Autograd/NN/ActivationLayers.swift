/// `max(x, 0)` elementwise, as a layer (`torch.nn.ReLU`). See `relu(_:)`.
public final class ReLU: Module, TrainingModeStoring {
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true
    /// A ReLU layer (it has no parameters).
    public init() {}
    /// Applies `max(x, 0)` elementwise.
    public func forward(_ input: Tensor) -> Tensor { relu(input) }
}

/// The hyperbolic tangent elementwise, as a layer (`torch.nn.Tanh`). See `tanh(_:)`.
public final class Tanh: Module, TrainingModeStoring {
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true
    /// A tanh layer (it has no parameters).
    public init() {}
    /// Applies tanh elementwise.
    public func forward(_ input: Tensor) -> Tensor { tanh(input) }
}

/// `1 / (1 + exp(-x))` elementwise, as a layer (`torch.nn.Sigmoid`). See `sigmoid(_:)`.
public final class Sigmoid: Module, TrainingModeStoring {
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true
    /// A sigmoid layer (it has no parameters).
    public init() {}
    /// Applies the logistic sigmoid elementwise.
    public func forward(_ input: Tensor) -> Tensor { sigmoid(input) }
}

/// The Gaussian error linear unit, as a layer (`torch.nn.GELU`). See `gelu(_:approximate:)`.
///
/// ```swift
/// GELU()                       // nn.GELU()
/// GELU(approximate: .tanh)     // nn.GELU(approximate="tanh")
/// ```
public final class GELU: Module, TrainingModeStoring {
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true
    /// The formula: exact (PyTorch's `"none"`, the default) or the tanh approximation.
    public let approximate: GELUApproximation
    /// A GELU layer.
    ///
    /// - Parameter approximate: the formula; `.exact` (PyTorch's `approximate="none"`) by default.
    public init(approximate: GELUApproximation = .exact) { self.approximate = approximate }
    /// Applies GELU elementwise.
    public func forward(_ input: Tensor) -> Tensor { gelu(input, approximate: approximate) }
}

/// `x · sigmoid(x)`, as a layer (`torch.nn.SiLU`). See `silu(_:)`.
public final class SiLU: Module, TrainingModeStoring {
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true
    /// A SiLU layer (it has no parameters).
    public init() {}
    /// Applies `x · sigmoid(x)` elementwise.
    public func forward(_ input: Tensor) -> Tensor { silu(input) }
}

/// Leaky relu, as a layer (`torch.nn.LeakyReLU`, default slope 0.01). See `leakyRelu(_:negativeSlope:)`.
public final class LeakyReLU: Module, TrainingModeStoring {
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true
    /// The slope for negative inputs (PyTorch's `negative_slope`).
    public let negativeSlope: Double
    /// A leaky ReLU layer.
    ///
    /// - Parameter negativeSlope: the slope for negative inputs (PyTorch's `negative_slope`, default 0.01).
    public init(negativeSlope: Double = 0.01) { self.negativeSlope = negativeSlope }
    /// Applies `x` for `x >= 0` and `negativeSlope · x` otherwise, elementwise.
    public func forward(_ input: Tensor) -> Tensor { leakyRelu(input, negativeSlope: negativeSlope) }
}

/// The exponential linear unit, as a layer (`torch.nn.ELU`, default alpha 1). See `elu(_:alpha:)`.
public final class ELU: Module, TrainingModeStoring {
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true
    /// The value negative inputs approach, as `-alpha`.
    public let alpha: Double
    /// An ELU layer.
    ///
    /// - Parameter alpha: the scale of the negative part, `alpha · (exp(x) - 1)` (default 1).
    public init(alpha: Double = 1) { self.alpha = alpha }
    /// Applies ELU elementwise.
    public func forward(_ input: Tensor) -> Tensor { elu(input, alpha: alpha) }
}

/// A smooth relu, as a layer (`torch.nn.Softplus`, defaults beta 1 and threshold 20).
/// See `softplus(_:beta:threshold:)`.
public final class Softplus: Module, TrainingModeStoring {
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true
    /// The sharpness: `log(1 + exp(beta · x)) / beta`.
    public let beta: Double
    /// Above `beta · x > threshold` the layer returns `x` itself.
    public let threshold: Double
    /// A softplus layer.
    ///
    /// - Parameters:
    ///   - beta: the sharpness (default 1).
    ///   - threshold: above `beta · x > threshold` the layer returns `x` (default 20).
    public init(beta: Double = 1, threshold: Double = 20) {
        self.beta = beta
        self.threshold = threshold
    }
    /// Applies softplus elementwise.
    public func forward(_ input: Tensor) -> Tensor { softplus(input, beta: beta, threshold: threshold) }
}

/// Returns its input as it is, as a layer (`torch.nn.Identity`): a placeholder
/// where a model's definition expects a layer, such as an optional norm.
public final class Identity: Module, TrainingModeStoring {
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true
    /// An identity layer (it has no parameters).
    public init() {}
    /// Returns `input` unchanged.
    public func forward(_ input: Tensor) -> Tensor { input }
}
