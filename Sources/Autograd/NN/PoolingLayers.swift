/// The maximum over each `kernelSize` window, as `torch.nn.MaxPool2d`. See `maxPool2d(_:kernelSize:stride:padding:dilation:ceilMode:)`.
///
/// ```swift
/// MaxPool2d(2)                 // nn.MaxPool2d(2): 2×2 windows, stride 2
/// ```
public final class MaxPool2d: Module, TrainingModeStoring {
    public let kernelSize: IntOrPair
    /// The step between windows; the kernel size when nil (PyTorch's default).
    public let stride: IntOrPair?
    public let padding: IntOrPair
    public let dilation: IntOrPair
    public let ceilMode: Bool
    public var isTraining = true

    public init(
        _ kernelSize: IntOrPair, stride: IntOrPair? = nil, padding: IntOrPair = 0, dilation: IntOrPair = 1,
        ceilMode: Bool = false
    ) {
        (self.kernelSize, self.stride, self.padding, self.dilation, self.ceilMode) =
            (kernelSize, stride, padding, dilation, ceilMode)
    }

    public func forward(_ input: Tensor) -> Tensor {
        maxPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
}

/// The mean over each `kernelSize` window, as `torch.nn.AvgPool2d`. See `avgPool2d(_:kernelSize:stride:padding:ceilMode:countIncludePad:)`.
public final class AvgPool2d: Module, TrainingModeStoring {
    public let kernelSize: IntOrPair
    /// The step between windows; the kernel size when nil (PyTorch's default).
    public let stride: IntOrPair?
    public let padding: IntOrPair
    public let ceilMode: Bool
    /// Whether the zero padding counts in each window's divisor.
    public let countIncludePad: Bool
    public var isTraining = true

    public init(
        _ kernelSize: IntOrPair, stride: IntOrPair? = nil, padding: IntOrPair = 0, ceilMode: Bool = false,
        countIncludePad: Bool = true
    ) {
        (self.kernelSize, self.stride, self.padding, self.ceilMode, self.countIncludePad) =
            (kernelSize, stride, padding, ceilMode, countIncludePad)
    }

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
    public let outputSize: IntOrPair
    public var isTraining = true

    public init(_ outputSize: IntOrPair) { self.outputSize = outputSize }

    public func forward(_ input: Tensor) -> Tensor { adaptiveAvgPool2d(input, outputSize: outputSize) }
}
