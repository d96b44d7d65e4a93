/// The maximum over each `kernelSize` window, as `torch.nn.MaxPool2d`. See `maxPool2d(_:kernelSize:stride:padding:dilation:ceilMode:)`.
///
/// ```swift
/// MaxPool2d(2)                 // nn.MaxPool2d(2): 2×2 windows, stride 2
/// ```
public final class MaxPool2d: Module, TrainingModeStoring {
    /// The size of each window (PyTorch's `kernel_size`).
    public let kernelSize: IntOrPair
    /// The step between windows; the kernel size when nil (PyTorch's default).
    public let stride: IntOrPair?
    /// The implicit padding with -inf on each side.
    public let padding: IntOrPair
    /// The spacing between a window's elements.
    public let dilation: IntOrPair
    /// Whether the output size rounds up rather than down (PyTorch's `ceil_mode`).
    public let ceilMode: Bool
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true

    /// A max-pooling layer with PyTorch's defaults.
    ///
    /// - Parameters:
    ///   - kernelSize: the size of each window, one size or `(h, w)`.
    ///   - stride: the step between windows; nil (the default) for `kernelSize`.
    ///   - padding: the -inf padding on each side (default 0).
    ///   - dilation: the spacing between a window's elements (default 1).
    ///   - ceilMode: round the output size up rather than down (default false).
    public init(
        _ kernelSize: IntOrPair, stride: IntOrPair? = nil, padding: IntOrPair = 0, dilation: IntOrPair = 1,
        ceilMode: Bool = false
    ) {
        (self.kernelSize, self.stride, self.padding, self.dilation, self.ceilMode) =
            (kernelSize, stride, padding, dilation, ceilMode)
    }

    /// The maximum over each window of each plane of `input`, `[N, C, H, W]` or `[C, H, W]`.
    public func forward(_ input: Tensor) -> Tensor {
        maxPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
}

/// The mean over each `kernelSize` window, as `torch.nn.AvgPool2d`. See `avgPool2d(_:kernelSize:stride:padding:ceilMode:countIncludePad:)`.
public final class AvgPool2d: Module, TrainingModeStoring {
    /// The size of each window (PyTorch's `kernel_size`).
    public let kernelSize: IntOrPair
    /// The step between windows; the kernel size when nil (PyTorch's default).
    public let stride: IntOrPair?
    /// The implicit zero padding on each side.
    public let padding: IntOrPair
    /// Whether the output size rounds up rather than down (PyTorch's `ceil_mode`).
    public let ceilMode: Bool
    /// Whether the zero padding counts in each window's divisor.
    public let countIncludePad: Bool
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true

    /// An average-pooling layer with PyTorch's defaults.
    ///
    /// - Parameters:
    ///   - kernelSize: the size of each window, one size or `(h, w)`.
    ///   - stride: the step between windows; nil (the default) for `kernelSize`.
    ///   - padding: the zero padding on each side (default 0).
    ///   - ceilMode: round the output size up rather than down (default false).
    ///   - countIncludePad: count the zero padding in each window's divisor (default true).
    public init(
        _ kernelSize: IntOrPair, stride: IntOrPair? = nil, padding: IntOrPair = 0, ceilMode: Bool = false,
        countIncludePad: Bool = true
    ) {
        (self.kernelSize, self.stride, self.padding, self.ceilMode, self.countIncludePad) =
            (kernelSize, stride, padding, ceilMode, countIncludePad)
    }

    /// The mean over each window of each plane of `input`, `[N, C, H, W]` or `[C, H, W]`.
    public func forward(_ input: Tensor) -> Tensor {
        avgPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                  countIncludePad: countIncludePad)
    }
}

/// The mean over windows chosen to give `outputSize` per plane, as `torch.nn.AdaptiveAvgPool2d`.
///
/// ```swift
/// AdaptiveAvgPool2d(1)         // nn.AdaptiveAvgPool2d(1): global average pooling
/// ```
public final class AdaptiveAvgPool2d: Module, TrainingModeStoring {
    /// The output's height and width (PyTorch's `output_size`).
    public let outputSize: IntOrPair
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true

    /// An adaptive average-pooling layer.
    ///
    /// - Parameter outputSize: the output's height and width, one size or `(h, w)`.
    public init(_ outputSize: IntOrPair) { self.outputSize = outputSize }

    /// Average-pools each plane of `input` to `outputSize`.
    public func forward(_ input: Tensor) -> Tensor { adaptiveAvgPool2d(input, outputSize: outputSize) }
}
