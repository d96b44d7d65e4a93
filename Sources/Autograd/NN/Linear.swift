/// A fully connected layer: `y = x · weightᵀ + bias`, as `torch.nn.Linear`.
///
/// `weight` has shape `[outFeatures, inFeatures]` and `bias` `[outFeatures]`. Both
/// start as PyTorch initialises them: uniform in `[-k, k)` with `k = 1 / sqrt(inFeatures)`
/// (the bound that `kaiming_uniform_(a: sqrt(5))` gives for the weight). The draws
/// come from the generator you pass, or from the default one (see `manualSeed(_:)`),
/// so initialisation is repeatable; the numbers differ from PyTorch's, whose
/// generator is another.
///
/// ```swift
/// var generator = RandomGenerator(seed: 42)
/// let layer = Linear(64, 128, using: &generator)
/// let y = layer(Tensor.zeros([32, 64]))   // shape [32, 128]
/// ```
public final class Linear: Module, TrainingModeStoring {
    /// The weight, `[outFeatures, inFeatures]`.
    public let weight: Tensor
    /// The bias, `[outFeatures]`; nil for a layer made with `bias: false`.
    public let bias: Tensor?
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true

    /// The size of each input sample.
    public var inFeatures: Int { weight.shape[1] }
    /// The size of each output sample.
    public var outFeatures: Int { weight.shape[0] }

    /// A layer initialised from `generator`.
    ///
    /// - Parameters:
    ///   - inFeatures: the size of each input sample.
    ///   - outFeatures: the size of each output sample.
    ///   - bias: whether the layer has a bias (default true).
    ///   - dtype: the parameters' dtype (default float32).
    ///   - generator: the generator to draw the initial values from.
    public init(
        _ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType = .float32,
        generator: inout RandomGenerator
    ) {
        precondition(inFeatures >= 0 && outFeatures >= 0,
                     "Linear: feature counts must be non-negative, got \(inFeatures) and \(outFeatures)")
        let bound = inFeatures > 0 ? 1 / Double(inFeatures).squareRoot() : 0
        weight = Self.uniform([outFeatures, inFeatures], bound: bound, dtype: dtype, generator: &generator)
        self.bias = bias ? Self.uniform([outFeatures], bound: bound, dtype: dtype, generator: &generator) : nil
    }

    /// A layer initialised from `generator`: `init(_:_:bias:dtype:generator:)` spelled as the
    /// other layers take a generator (`Conv2d(1, 16, 3, using: &g)`).
    ///
    /// - Parameters:
    ///   - inFeatures: the size of each input sample.
    ///   - outFeatures: the size of each output sample.
    ///   - bias: whether the layer has a bias (default true).
    ///   - dtype: the parameters' dtype (default float32).
    ///   - generator: the generator to draw the initial values from.
    public convenience init(
        _ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType = .float32,
        using generator: inout RandomGenerator
    ) {
        self.init(inFeatures, outFeatures, bias: bias, dtype: dtype, generator: &generator)
    }

    /// A layer initialised from the default generator.
    ///
    /// - Parameters:
    ///   - inFeatures: the size of each input sample.
    ///   - outFeatures: the size of each output sample.
    ///   - bias: whether the layer has a bias (default true).
    ///   - dtype: the parameters' dtype (default float32).
    public convenience init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType = .float32) {
        var generator = RandomGenerator.withDefault { g in RandomGenerator(seed: g.next()) }
        self.init(inFeatures, outFeatures, bias: bias, dtype: dtype, generator: &generator)
    }

    /// A layer with the given parameters (which should require grad to be trained).
    ///
    /// - Parameters:
    ///   - weight: the weight, `[outFeatures, inFeatures]`.
    ///   - bias: the bias, `[outFeatures]`, or nil for none.
    public init(weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2, "Linear: weight must be [out, in], got \(weight.shape)")
        precondition(bias.map { $0.shape == [weight.shape[0]] } ?? true,
                     "Linear: bias must be [\(weight.shape[0])] for a weight of shape \(weight.shape), got \(bias!.shape)")
        self.weight = weight
        self.bias = bias
    }

    /// `input · weightᵀ + bias` over the last dim of `input`, `[..., inFeatures]`, giving `[..., outFeatures]`.
    public func forward(_ input: Tensor) -> Tensor {
        if let bias { return linear(input, weight: weight, bias: bias) }
        return matmul(input, weight.transposed(0, 1))
    }

    private static func uniform(_ shape: [Int], bound: Double, dtype: DType, generator: inout RandomGenerator) -> Tensor {
        let values = (0..<Shape.count(shape)).map { _ in (2 * generator.nextUniform() - 1) * bound }
        return Tensor(shape: shape, scalars: values, dtype: dtype, requiresGrad: true)
    }
}

extension Linear: CustomStringConvertible {
    /// The layer's sizes, as `Linear(inFeatures: 64, outFeatures: 128, bias: true)`.
    public var description: String {
        "Linear(inFeatures: \(inFeatures), outFeatures: \(outFeatures), bias: \(bias != nil))"
    }
}
