/// The sizes of `conv_transpose2d`, held as the convolution it is the adjoint of.
///
/// A transposed convolution of x [N, C_in, H, W] with weight [C_in, C_out / groups, kH, kW]
/// is the input gradient of the convolution whose input is [N, C_out, H_out, W_out], whose
/// weight is that same buffer (read as [out_channels = C_in, C_out / groups, kH, kW]) and
/// whose output is [N, C_in, H, W]. So `convolution.output` is this op's input size,
/// `convolution.input` its output size, and the kernels are the convolution's.
struct TransposedConvolutionGeometry: Equatable, Sendable {
    var convolution: ConvolutionGeometry
    var outputPadding: Spatial2D

    var inputShape: [Int] { convolution.outputShape }
    var weightShape: [Int] { convolution.weightShape }
    var outputShape: [Int] { convolution.inputShape }
    /// C_out: the channels of this op's output and of its bias.
    var outChannels: Int { convolution.inChannels }

    /// PyTorch's transposed output length, `(in − 1)·stride − 2·pad + dil·(k − 1) + output_padding + 1`.
    static func outputLength(_ size: Int, _ kernel: Int, _ stride: Int, _ padding: Int, _ dilation: Int, _ outputPadding: Int) -> Int {
        (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1
    }

    /// A geometry from sizes already known to be valid (tests).
    init(
        batch: Int, inChannels: Int, outChannels: Int, groups: Int = 1, input: Spatial2D, kernel: Spatial2D,
        stride: Spatial2D = Spatial2D(1, 1), padding: Spatial2D = Spatial2D(0, 0),
        outputPadding: Spatial2D = Spatial2D(0, 0), dilation: Spatial2D = Spatial2D(1, 1), isBatched: Bool = true
    ) {
        let output = Spatial2D(
            Self.outputLength(input.height, kernel.height, stride.height, padding.height, dilation.height, outputPadding.height),
            Self.outputLength(input.width, kernel.width, stride.width, padding.width, dilation.width, outputPadding.width))
        convolution = ConvolutionGeometry(
            batch: batch, inChannels: outChannels, outChannels: inChannels, groups: groups, input: output, kernel: kernel,
            stride: stride, padding: padding, dilation: dilation, output: input, spatialRank: 2, isBatched: isBatched)
        self.outputPadding = outputPadding
    }

    /// Validates the shapes and attributes of `conv_transpose2d` in PyTorch's order and words.
    ///
    /// - Parameters:
    ///   - input: [N, C_in, H, W] or unbatched [C_in, H, W].
    ///   - weight: [C_in, C_out / groups, kH, kW].
    ///   - bias: [C_out], or nil.
    ///   - stride, padding, outputPadding, dilation: one value, or one per spatial dim.
    /// - Throws: `GeometryError` naming the op, the shapes and the attribute.
    init(
        op: String = "conv_transpose2d", input: [Int], weight: [Int], bias: [Int]?,
        stride: [Int], padding: [Int], outputPadding: [Int], dilation: [Int], groups: Int
    ) throws(GeometryError) {
        guard input.count == 3 || input.count == 4 else {
            throw GeometryError(op: op, attribute: nil, message:
                "expected 3-d (unbatched) or 4-d (batched) input, but got input of size \(input)")
        }
        guard weight.count == 4 else {
            throw GeometryError(op: op, attribute: nil, message:
                "expected 4-d weight [in_channels, out_channels / groups, kH, kW], but got weight of size \(weight)")
        }
        let stride = try Spatial2D(stride, attribute: "stride", op: op, rank: 2, neutral: 1)
        let padding = try Spatial2D(padding, attribute: "padding", op: op, rank: 2, neutral: 0)
        let outputPadding = try Spatial2D(outputPadding, attribute: "output_padding", op: op, rank: 2, neutral: 0)
        let dilation = try Spatial2D(dilation, attribute: "dilation", op: op, rank: 2, neutral: 1)
        guard stride.height > 0 && stride.width > 0 else {
            throw GeometryError(op: op, attribute: "stride", message: "non-positive stride is not supported, but got stride=\(stride.dims(rank: 2))")
        }
        guard padding.height >= 0 && padding.width >= 0 else {
            throw GeometryError(op: op, attribute: "padding", message: "negative padding is not supported, but got padding=\(padding.dims(rank: 2))")
        }
        guard outputPadding.height >= 0 && outputPadding.width >= 0 else {
            throw GeometryError(op: op, attribute: "output_padding", message:
                "negative output_padding is not supported, but got output_padding=\(outputPadding.dims(rank: 2))")
        }
        guard dilation.height > 0 && dilation.width > 0 else {
            throw GeometryError(op: op, attribute: "dilation", message: "dilation should be greater than zero, but got dilation=\(dilation.dims(rank: 2))")
        }
        guard groups > 0 else {
            throw GeometryError(op: op, attribute: "groups", message: "non-positive groups is not supported, but got groups=\(groups)")
        }
        // PyTorch's rule: each output_padding must be below its stride or its dilation.
        guard (outputPadding.height < stride.height || outputPadding.height < dilation.height)
            && (outputPadding.width < stride.width || outputPadding.width < dilation.width) else {
            throw GeometryError(op: op, attribute: "output_padding", message:
                "output padding must be smaller than either stride or dilation, but got output_padding=\(outputPadding.dims(rank: 2)), "
                + "stride=\(stride.dims(rank: 2)), dilation=\(dilation.dims(rank: 2))")
        }
        let batched = input.count == 4
        let x = batched ? input : [1] + input
        guard weight[0] % groups == 0 else {
            throw GeometryError(op: op, attribute: "groups", message:
                "given groups=\(groups), expected weight to be divisible by \(groups) at dimension 0, but got weight of size \(weight) instead")
        }
        guard x[1] == weight[0] else {
            throw GeometryError(op: op, attribute: nil, message:
                "given transposed=1, weight of size \(weight), expected input\(input) to have \(weight[0]) channels, but got \(x[1]) channels instead")
        }
        let outChannels = weight[1] * groups
        if let bias, bias != [outChannels] {
            throw GeometryError(op: op, attribute: nil, message:
                "given transposed=1, weight of size \(weight), expected bias to be 1-dimensional with \(outChannels) elements, but got bias of size \(bias) instead")
        }
        guard x[2] > 0 && x[3] > 0 else {
            throw GeometryError(op: op, attribute: nil, message:
                "only zero batch or zero channel inputs are supported, but got input of size \(input)")
        }
        let kernel = Spatial2D(weight[2], weight[3])
        guard kernel.height > 0 && kernel.width > 0 else {
            throw GeometryError(op: op, attribute: nil, message: "kernel size should be greater than zero, but got weight of size \(weight)")
        }
        self.init(batch: x[0], inChannels: x[1], outChannels: outChannels, groups: groups, input: Spatial2D(x[2], x[3]),
                  kernel: kernel, stride: stride, padding: padding, outputPadding: outputPadding, dilation: dilation,
                  isBatched: batched)
        let output = convolution.input
        guard output.height > 0 && output.width > 0 else {
            throw GeometryError(op: op, attribute: nil, message:
                "given input size per channel: \(convolution.output.text(rank: 2)). Calculated output size per channel: "
                + "\(output.text(rank: 2)). Output size is too small (input \(input), weight \(weight), stride=\(stride.dims(rank: 2)), "
                + "padding=\(padding.dims(rank: 2)), dilation=\(dilation.dims(rank: 2)))")
        }
    }
}
