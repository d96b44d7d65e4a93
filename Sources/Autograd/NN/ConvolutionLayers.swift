/// The uniform initialisation PyTorch gives convolutions and linear layers: the
/// weight from `kaiming_uniform_(a: sqrt(5))`, which is uniform in `[-k, k)` with
/// `k = 1 / sqrt(fanIn)`, and the bias uniform in the same range.
enum LayerInitialization {
    static func uniform(_ shape: [Int], bound: Double, dtype: DType, using generator: inout RandomGenerator) -> Tensor {
        let values = (0..<Shape.count(shape)).map { _ in (2 * generator.nextUniform() - 1) * bound }
        return Tensor(shape: shape, scalars: values, dtype: dtype, requiresGrad: true)
    }

    /// `1 / sqrt(fanIn)`, or 0 for no inputs.
    static func bound(fanIn: Int) -> Double {
        fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
    }

    /// A generator seeded by one draw from the default generator.
    static func fromDefault() -> RandomGenerator {
        RandomGenerator.withDefault { g in RandomGenerator(seed: g.next()) }
    }

    static func check(_ layer: String, channels inChannels: Int, _ outChannels: Int, groups: Int) {
        precondition(groups > 0, "\(layer): groups must be positive, got \(groups)")
        precondition(inChannels % groups == 0, "\(layer): inChannels (\(inChannels)) must be divisible by groups (\(groups))")
        precondition(outChannels % groups == 0, "\(layer): outChannels (\(outChannels)) must be divisible by groups (\(groups))")
    }
}

/// A 1-d convolution over [N, C_in, L] (or [C_in, L]), as `torch.nn.Conv1d`.
///
/// `weight` is `[outChannels, inChannels / groups, kernelSize]` and `bias`
/// `[outChannels]`, both uniform in `[-k, k)` with `k = 1 / sqrt(inChannels / groups · kernelSize)`,
/// as PyTorch initialises them (from this library's generator, so the numbers differ).
public final class Conv1d: Module, TrainingModeStoring {
    /// The weight, `[outChannels, inChannels / groups, kernelSize]`.
    public let weight: Tensor
    /// The bias, `[outChannels]`; nil for a layer made with `bias: false`.
    public let bias: Tensor?
    /// The step between applications of the kernel.
    public let stride: Int
    /// The implicit zero padding on both ends.
    public let padding: Int
    /// The spacing between the kernel's elements.
    public let dilation: Int
    /// The number of blocked connections from input to output channels; divides both channel counts.
    public let groups: Int
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true

    /// A layer initialised from `generator`.
    ///
    /// - Parameters:
    ///   - inChannels: the number of input channels.
    ///   - outChannels: the number of output channels.
    ///   - kernelSize: the kernel size.
    ///   - stride: the step between applications of the kernel (default 1).
    ///   - padding: the zero padding on both ends (default 0).
    ///   - dilation: the spacing between the kernel's elements (default 1).
    ///   - groups: the number of blocked connections; divides both channel counts (default 1).
    ///   - bias: whether the layer has a bias (default true).
    ///   - dtype: the parameters' dtype (default float32).
    ///   - generator: the generator to draw the initial values from.
    public init(
        _ inChannels: Int, _ outChannels: Int, _ kernelSize: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
        groups: Int = 1, bias: Bool = true, dtype: DType = .float32, using generator: inout RandomGenerator
    ) {
        LayerInitialization.check("Conv1d", channels: inChannels, outChannels, groups: groups)
        let bound = LayerInitialization.bound(fanIn: inChannels / groups * kernelSize)
        weight = LayerInitialization.uniform([outChannels, inChannels / groups, kernelSize], bound: bound, dtype: dtype,
                                             using: &generator)
        self.bias = bias ? LayerInitialization.uniform([outChannels], bound: bound, dtype: dtype, using: &generator) : nil
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
    }

    /// A layer initialised from the default generator.
    ///
    /// - Parameters:
    ///   - inChannels: the number of input channels.
    ///   - outChannels: the number of output channels.
    ///   - kernelSize: the kernel size.
    ///   - stride: the step between applications of the kernel (default 1).
    ///   - padding: the zero padding on both ends (default 0).
    ///   - dilation: the spacing between the kernel's elements (default 1).
    ///   - groups: the number of blocked connections; divides both channel counts (default 1).
    ///   - bias: whether the layer has a bias (default true).
    ///   - dtype: the parameters' dtype (default float32).
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, _ kernelSize: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
        groups: Int = 1, bias: Bool = true, dtype: DType = .float32
    ) {
        var generator = LayerInitialization.fromDefault()
        self.init(inChannels, outChannels, kernelSize, stride: stride, padding: padding, dilation: dilation, groups: groups,
                  bias: bias, dtype: dtype, using: &generator)
    }

    /// Convolves `input`, `[N, inChannels, L]` or `[inChannels, L]`, with `weight` and adds `bias`.
    public func forward(_ input: Tensor) -> Tensor {
        conv1d(input, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// A 2-d convolution over [N, C_in, H, W] (or [C_in, H, W]), as `torch.nn.Conv2d`.
///
/// ```swift
/// Conv2d(1, 16, 3, padding: 1)   // nn.Conv2d(1, 16, 3, padding=1)
/// ```
///
/// `weight` is `[outChannels, inChannels / groups, kH, kW]` and `bias` `[outChannels]`,
/// both uniform in `[-k, k)` with `k = 1 / sqrt(inChannels / groups · kH · kW)`, as
/// PyTorch initialises them (from this library's generator, so the numbers differ).
public final class Conv2d: Module, TrainingModeStoring {
    /// The weight, `[outChannels, inChannels / groups, kH, kW]`.
    public let weight: Tensor
    /// The bias, `[outChannels]`; nil for a layer made with `bias: false`.
    public let bias: Tensor?
    /// The step between applications of the kernel.
    public let stride: IntOrPair
    /// The implicit zero padding on each side.
    public let padding: IntOrPair
    /// The spacing between the kernel's elements.
    public let dilation: IntOrPair
    /// The number of blocked connections from input to output channels; divides both channel counts.
    public let groups: Int
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true

    /// A layer initialised from `generator`.
    ///
    /// - Parameters:
    ///   - inChannels: the number of input channels.
    ///   - outChannels: the number of output channels.
    ///   - kernelSize: the kernel size, one size or `(kH, kW)`.
    ///   - stride: the step between applications of the kernel (default 1).
    ///   - padding: the zero padding on each side (default 0).
    ///   - dilation: the spacing between the kernel's elements (default 1).
    ///   - groups: the number of blocked connections; divides both channel counts (default 1).
    ///   - bias: whether the layer has a bias (default true).
    ///   - dtype: the parameters' dtype (default float32).
    ///   - generator: the generator to draw the initial values from.
    public init(
        _ inChannels: Int, _ outChannels: Int, _ kernelSize: IntOrPair, stride: IntOrPair = 1, padding: IntOrPair = 0,
        dilation: IntOrPair = 1, groups: Int = 1, bias: Bool = true, dtype: DType = .float32,
        using generator: inout RandomGenerator
    ) {
        LayerInitialization.check("Conv2d", channels: inChannels, outChannels, groups: groups)
        let bound = LayerInitialization.bound(fanIn: inChannels / groups * kernelSize.first * kernelSize.second)
        weight = LayerInitialization.uniform([outChannels, inChannels / groups] + kernelSize.values, bound: bound,
                                             dtype: dtype, using: &generator)
        self.bias = bias ? LayerInitialization.uniform([outChannels], bound: bound, dtype: dtype, using: &generator) : nil
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
    }

    /// A layer initialised from the default generator.
    ///
    /// - Parameters:
    ///   - inChannels: the number of input channels.
    ///   - outChannels: the number of output channels.
    ///   - kernelSize: the kernel size, one size or `(kH, kW)`.
    ///   - stride: the step between applications of the kernel (default 1).
    ///   - padding: the zero padding on each side (default 0).
    ///   - dilation: the spacing between the kernel's elements (default 1).
    ///   - groups: the number of blocked connections; divides both channel counts (default 1).
    ///   - bias: whether the layer has a bias (default true).
    ///   - dtype: the parameters' dtype (default float32).
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, _ kernelSize: IntOrPair, stride: IntOrPair = 1, padding: IntOrPair = 0,
        dilation: IntOrPair = 1, groups: Int = 1, bias: Bool = true, dtype: DType = .float32
    ) {
        var generator = LayerInitialization.fromDefault()
        self.init(inChannels, outChannels, kernelSize, stride: stride, padding: padding, dilation: dilation, groups: groups,
                  bias: bias, dtype: dtype, using: &generator)
    }

    /// Convolves `input`, `[N, inChannels, H, W]` or `[inChannels, H, W]`, with `weight` and adds `bias`.
    public func forward(_ input: Tensor) -> Tensor {
        conv2d(input, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// A 2-d transposed convolution over [N, C_in, H, W] (or [C_in, H, W]), as `torch.nn.ConvTranspose2d`.
///
/// `weight` is `[inChannels, outChannels / groups, kH, kW]` and `bias` `[outChannels]`,
/// both uniform in `[-k, k)` with `k = 1 / sqrt(outChannels / groups · kH · kW)` (PyTorch
/// takes the fan-in from the weight's second dim).
public final class ConvTranspose2d: Module, TrainingModeStoring {
    /// The weight, `[inChannels, outChannels / groups, kH, kW]`.
    public let weight: Tensor
    /// The bias, `[outChannels]`; nil for a layer made with `bias: false`.
    public let bias: Tensor?
    /// The step between applications of the kernel.
    public let stride: IntOrPair
    /// The implicit zero padding on each side.
    public let padding: IntOrPair
    /// Extra size added to one side of the output (PyTorch's `output_padding`).
    public let outputPadding: IntOrPair
    /// The number of blocked connections from input to output channels; divides both channel counts.
    public let groups: Int
    /// The spacing between the kernel's elements.
    public let dilation: IntOrPair
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true

    /// A layer initialised from `generator`.
    ///
    /// - Parameters:
    ///   - inChannels: the number of input channels.
    ///   - outChannels: the number of output channels.
    ///   - kernelSize: the kernel size, one size or `(kH, kW)`.
    ///   - stride: the step between applications of the kernel (default 1).
    ///   - padding: `dilation · (kernelSize - 1) - padding` zero padding is added to each side of the input (default 0).
    ///   - outputPadding: extra size added to one side of the output (default 0).
    ///   - groups: the number of blocked connections; divides both channel counts (default 1).
    ///   - bias: whether the layer has a bias (default true).
    ///   - dilation: the spacing between the kernel's elements (default 1).
    ///   - dtype: the parameters' dtype (default float32).
    ///   - generator: the generator to draw the initial values from.
    public init(
        _ inChannels: Int, _ outChannels: Int, _ kernelSize: IntOrPair, stride: IntOrPair = 1, padding: IntOrPair = 0,
        outputPadding: IntOrPair = 0, groups: Int = 1, bias: Bool = true, dilation: IntOrPair = 1,
        dtype: DType = .float32, using generator: inout RandomGenerator
    ) {
        LayerInitialization.check("ConvTranspose2d", channels: inChannels, outChannels, groups: groups)
        let bound = LayerInitialization.bound(fanIn: outChannels / groups * kernelSize.first * kernelSize.second)
        weight = LayerInitialization.uniform([inChannels, outChannels / groups] + kernelSize.values, bound: bound,
                                             dtype: dtype, using: &generator)
        self.bias = bias ? LayerInitialization.uniform([outChannels], bound: bound, dtype: dtype, using: &generator) : nil
        (self.stride, self.padding, self.outputPadding) = (stride, padding, outputPadding)
        (self.groups, self.dilation) = (groups, dilation)
    }

    /// A layer initialised from the default generator.
    ///
    /// - Parameters:
    ///   - inChannels: the number of input channels.
    ///   - outChannels: the number of output channels.
    ///   - kernelSize: the kernel size, one size or `(kH, kW)`.
    ///   - stride: the step between applications of the kernel (default 1).
    ///   - padding: `dilation · (kernelSize - 1) - padding` zero padding is added to each side of the input (default 0).
    ///   - outputPadding: extra size added to one side of the output (default 0).
    ///   - groups: the number of blocked connections; divides both channel counts (default 1).
    ///   - bias: whether the layer has a bias (default true).
    ///   - dilation: the spacing between the kernel's elements (default 1).
    ///   - dtype: the parameters' dtype (default float32).
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, _ kernelSize: IntOrPair, stride: IntOrPair = 1, padding: IntOrPair = 0,
        outputPadding: IntOrPair = 0, groups: Int = 1, bias: Bool = true, dilation: IntOrPair = 1,
        dtype: DType = .float32
    ) {
        var generator = LayerInitialization.fromDefault()
        self.init(inChannels, outChannels, kernelSize, stride: stride, padding: padding, outputPadding: outputPadding,
                  groups: groups, bias: bias, dilation: dilation, dtype: dtype, using: &generator)
    }

    /// Applies the transposed convolution to `input`, `[N, inChannels, H, W]` or `[inChannels, H, W]`, and adds `bias`.
    public func forward(_ input: Tensor) -> Tensor {
        convTranspose2d(input, weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding,
                        groups: groups, dilation: dilation)
    }
}
