/// The sizes of a 2-d pooling window sliding over [N, C, H, W] (or unbatched [C, H, W]):
/// what `max_pool2d` and `avg_pool2d` loop over. Each of the N·C planes is pooled alone.
///
/// `init(maxPool2d:...)` and `init(avgPool2d:...)` are the shape rules of the two ops:
/// they validate as PyTorch does and throw a `GeometryError` naming the op, the shapes and
/// the attribute.
struct PoolingGeometry: Equatable, Sendable {
    var batch: Int
    var channels: Int
    var input: Spatial2D
    var kernel: Spatial2D
    var stride: Spatial2D
    var padding: Spatial2D
    var dilation: Spatial2D
    var output: Spatial2D
    var isBatched: Bool

    var planes: Int { batch &* channels }
    var inputShape: [Int] { (isBatched ? [batch] : []) + [channels, input.height, input.width] }
    var outputShape: [Int] { (isBatched ? [batch] : []) + [channels, output.height, output.width] }

    /// A geometry from sizes already known to be valid (tests).
    init(
        batch: Int, channels: Int, input: Spatial2D, kernel: Spatial2D, stride: Spatial2D? = nil,
        padding: Spatial2D = Spatial2D(0, 0), dilation: Spatial2D = Spatial2D(1, 1), ceilMode: Bool = false,
        isBatched: Bool = true
    ) {
        let stride = stride ?? kernel
        self.batch = batch
        self.channels = channels
        self.input = input
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.isBatched = isBatched
        output = Spatial2D(
            Self.outputLength(input.height, kernel.height, stride.height, padding.height, dilation.height, ceilMode: ceilMode),
            Self.outputLength(input.width, kernel.width, stride.width, padding.width, dilation.width, ceilMode: ceilMode))
    }

    /// PyTorch's `pooling_output_shape`: `⌊(in + 2·pad − dil·(k − 1) − 1 [+ stride − 1 if ceil]) / stride⌋ + 1`,
    /// and in ceil mode one less if the last window would start past the input and its left padding.
    static func outputLength(_ size: Int, _ kernel: Int, _ stride: Int, _ padding: Int, _ dilation: Int, ceilMode: Bool) -> Int {
        var length = Spatial2D.floorDivide(
            size + 2 * padding - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0), stride) + 1
        if ceilMode && (length - 1) * stride >= size + padding { length -= 1 }
        return length
    }

    /// Validates `max_pool2d`'s input [N, C, H, W] or [C, H, W] and attributes. An empty
    /// `stride` means the kernel size, as in PyTorch.
    init(
        maxPool2d input: [Int], kernelSize: [Int], stride: [Int], padding: [Int], dilation: [Int], ceilMode: Bool
    ) throws(GeometryError) {
        try self.init(op: "max_pool2d", input: input, kernelSize: kernelSize, stride: stride, padding: padding,
                      dilation: dilation, ceilMode: ceilMode)
    }

    /// Validates `avg_pool2d`'s input [N, C, H, W] or [C, H, W] and attributes. An empty
    /// `stride` means the kernel size, as in PyTorch.
    init(avgPool2d input: [Int], kernelSize: [Int], stride: [Int], padding: [Int], ceilMode: Bool) throws(GeometryError) {
        try self.init(op: "avg_pool2d", input: input, kernelSize: kernelSize, stride: stride, padding: padding,
                      dilation: [1], ceilMode: ceilMode)
    }

    private init(
        op: String, input: [Int], kernelSize: [Int], stride: [Int], padding: [Int], dilation: [Int], ceilMode: Bool
    ) throws(GeometryError) {
        let kernel = try Spatial2D(kernelSize, attribute: "kernel_size", op: op, rank: 2, neutral: 1)
        let stride = try Spatial2D(stride, attribute: "stride", op: op, rank: 2, neutral: 1, default: kernelSize)
        let padding = try Spatial2D(padding, attribute: "padding", op: op, rank: 2, neutral: 0)
        let dilation = try Spatial2D(dilation, attribute: "dilation", op: op, rank: 2, neutral: 1)
        guard input.count == 3 || input.count == 4, !input.dropFirst(input.count - 3).contains(0) else {
            throw GeometryError(op: op, attribute: nil, message:
                "expected a 3-d [C, H, W] or 4-d [N, C, H, W] input with non-zero C, H and W, but got input of size \(input)")
        }
        guard kernel.height > 0 && kernel.width > 0 else {
            throw GeometryError(op: op, attribute: "kernel_size", message: "kernel size should be greater than zero, but got kernel_size=\(kernelSize)")
        }
        guard stride.height > 0 && stride.width > 0 else {
            throw GeometryError(op: op, attribute: "stride", message: "stride should be greater than zero, but got stride=\(stride.dims(rank: 2))")
        }
        guard dilation.height > 0 && dilation.width > 0 else {
            throw GeometryError(op: op, attribute: "dilation", message: "dilation should be greater than zero, but got dilation=\(dilation.dims(rank: 2))")
        }
        guard padding.height >= 0 && padding.width >= 0 else {
            throw GeometryError(op: op, attribute: "padding", message: "pad must be non-negative, but got padding=\(padding.dims(rank: 2))")
        }
        guard padding.height <= kernel.height / 2 && padding.width <= kernel.width / 2 else {
            throw GeometryError(op: op, attribute: "padding", message:
                "pad should be smaller than or equal to half of kernel size, but got padding=\(padding.dims(rank: 2)), kernel_size=\(kernel.dims(rank: 2))")
        }
        let batched = input.count == 4
        let x = batched ? input : [1] + input
        self.init(batch: x[0], channels: x[1], input: Spatial2D(x[2], x[3]), kernel: kernel, stride: stride,
                  padding: padding, dilation: dilation, ceilMode: ceilMode, isBatched: batched)
        guard output.height >= 1 && output.width >= 1 else {
            throw GeometryError(op: op, attribute: nil, message:
                "given input size (\(channels)x\(self.input.height)x\(self.input.width)), calculated output size "
                + "(\(channels)x\(output.height)x\(output.width)) is too small (kernel_size=\(kernel.dims(rank: 2)), "
                + "stride=\(stride.dims(rank: 2)), padding=\(padding.dims(rank: 2)), dilation=\(dilation.dims(rank: 2)))")
        }
    }
}

/// The sizes of `adaptive_avg_pool2d` over [N, C, H, W] (or [C, H, W]): output cell
/// (i, j) averages input rows [⌊i·H/H_out⌋, ⌈(i+1)·H/H_out⌉) and the columns likewise.
struct AdaptivePoolingGeometry: Equatable, Sendable {
    var batch: Int
    var channels: Int
    var input: Spatial2D
    var output: Spatial2D
    var isBatched: Bool

    var planes: Int { batch &* channels }
    var inputShape: [Int] { (isBatched ? [batch] : []) + [channels, input.height, input.width] }
    var outputShape: [Int] { (isBatched ? [batch] : []) + [channels, output.height, output.width] }

    init(batch: Int, channels: Int, input: Spatial2D, output: Spatial2D, isBatched: Bool = true) {
        self.batch = batch
        self.channels = channels
        self.input = input
        self.output = output
        self.isBatched = isBatched
    }

    /// Validates `adaptive_avg_pool2d`'s input [N, C, H, W] or [C, H, W] (C and N may be 0,
    /// H and W may not) and `output_size` (one value or two; a zero gives an empty output,
    /// as in PyTorch).
    init(adaptiveAvgPool2d input: [Int], outputSize: [Int]) throws(GeometryError) {
        let op = "adaptive_avg_pool2d"
        let size = try Spatial2D(outputSize, attribute: "output_size", op: op, rank: 2, neutral: 1)
        guard input.count == 3 || input.count == 4 else {
            throw GeometryError(op: op, attribute: nil, message: "expected a 3-d or 4-d input, but got input of size \(input)")
        }
        guard !input.suffix(2).contains(0) else {
            throw GeometryError(op: op, attribute: nil, message:
                "expected input to have non-zero height and width, but got input of size \(input)")
        }
        guard size.height >= 0 && size.width >= 0 else {
            throw GeometryError(op: op, attribute: "output_size", message:
                "elements of output_size must be greater than or equal to 0, but got output_size=\(outputSize)")
        }
        let batched = input.count == 4
        let x = batched ? input : [1] + input
        self.init(batch: x[0], channels: x[1], input: Spatial2D(x[2], x[3]), output: size, isBatched: batched)
    }

    /// The input range [start, end) that output index `i` of `outputLength` averages.
    @inline(__always)
    static func window(_ i: Int, inputLength: Int, outputLength: Int) -> (start: Int, end: Int) {
        ((i &* inputLength) / outputLength, ((i &+ 1) &* inputLength &+ outputLength &- 1) / outputLength)
    }
}
