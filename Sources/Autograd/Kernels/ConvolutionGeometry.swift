/// The sizes of a convolution over a batch: what the convolution kernels loop over.
///
/// Buffers are contiguous: input [N, C_in, H, W], weight [C_out, C_in / groups, kH, kW],
/// bias [C_out], output [N, C_out, H_out, W_out]. A 1-d convolution ([N, C, L]) is the
/// same memory with height 1, so `spatialRank` only changes the shapes reported back.
///
/// `init(op:spatialRank:input:weight:bias:stride:padding:dilation:groups:)` is the
/// shape rule of `conv1d` and `conv2d`: it validates as PyTorch does and throws a
/// `GeometryError` naming the op, the shapes and the attribute.
struct ConvolutionGeometry: Equatable, Sendable {
    var batch: Int
    var inChannels: Int
    var outChannels: Int
    var groups: Int
    var input: Spatial2D
    var kernel: Spatial2D
    var stride: Spatial2D
    var padding: Spatial2D
    var dilation: Spatial2D
    var output: Spatial2D
    /// 1 or 2: how many spatial dims the op's tensors have.
    var spatialRank: Int
    /// Whether the op's input had a batch dim (PyTorch also takes unbatched [C, *spatial]).
    var isBatched: Bool

    /// A geometry from sizes already known to be valid (tests, and the transposed
    /// convolution). `output` defaults to the convolution's output size.
    init(
        batch: Int, inChannels: Int, outChannels: Int, groups: Int = 1, input: Spatial2D, kernel: Spatial2D,
        stride: Spatial2D = Spatial2D(1, 1), padding: Spatial2D = Spatial2D(0, 0), dilation: Spatial2D = Spatial2D(1, 1),
        output: Spatial2D? = nil, spatialRank: Int = 2, isBatched: Bool = true
    ) {
        self.batch = batch
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.groups = groups
        self.input = input
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.spatialRank = spatialRank
        self.isBatched = isBatched
        self.output = output ?? Spatial2D(
            Self.outputLength(input.height, kernel.height, stride.height, padding.height, dilation.height),
            Self.outputLength(input.width, kernel.width, stride.width, padding.width, dilation.width))
    }

    /// PyTorch's convolution output length, `⌊(in + 2·pad − dil·(k − 1) − 1) / stride⌋ + 1`.
    static func outputLength(_ size: Int, _ kernel: Int, _ stride: Int, _ padding: Int, _ dilation: Int) -> Int {
        Spatial2D.floorDivide(size + 2 * padding - dilation * (kernel - 1) - 1, stride) + 1
    }

    var inChannelsPerGroup: Int { inChannels / groups }
    var outChannelsPerGroup: Int { outChannels / groups }
    /// Values one output element reads per group, `C_in/groups · kH · kW`: the length of
    /// a weight row and the height of the im2col matrix.
    var patchSize: Int { inChannelsPerGroup &* kernel.area }
    /// Whether the im2col matrix is the input itself (1×1 kernel, stride 1, no padding).
    var isPointwise: Bool {
        kernel == Spatial2D(1, 1) && stride == Spatial2D(1, 1) && padding == Spatial2D(0, 0)
    }

    /// 2·N·C_out·H_out·W_out·patchSize: the work of the forward and of each gradient.
    var flops: Int { 2 &* batch &* outChannels &* output.area &* patchSize }

    var inputShape: [Int] { (isBatched ? [batch] : []) + [inChannels] + input.dims(rank: spatialRank) }
    var weightShape: [Int] { [outChannels, inChannelsPerGroup] + kernel.dims(rank: spatialRank) }
    var outputShape: [Int] { (isBatched ? [batch] : []) + [outChannels] + output.dims(rank: spatialRank) }
}

extension ConvolutionGeometry {
    /// Validates the shapes and attributes of `conv1d` (`spatialRank` 1) or `conv2d`
    /// (2), in PyTorch's order and words.
    ///
    /// - Parameters:
    ///   - input: [N, C_in, *spatial] or unbatched [C_in, *spatial].
    ///   - weight: [C_out, C_in / groups, *kernel].
    ///   - bias: [C_out], or nil.
    ///   - stride, padding, dilation: one value, or one per spatial dim.
    /// - Throws: `GeometryError` naming the op, the shapes and the attribute.
    init(
        op: String, spatialRank: Int, input: [Int], weight: [Int], bias: [Int]?,
        stride: [Int], padding: [Int], dilation: [Int], groups: Int
    ) throws(GeometryError) {
        let rank = spatialRank
        guard input.count == rank + 1 || input.count == rank + 2 else {
            throw GeometryError(op: op, attribute: nil, message:
                "expected \(rank + 1)-d (unbatched) or \(rank + 2)-d (batched) input, but got input of size \(input)")
        }
        guard weight.count == rank + 2 else {
            throw GeometryError(op: op, attribute: nil, message:
                "expected \(rank + 2)-d weight [out_channels, in_channels / groups, *kernel], but got weight of size \(weight)")
        }
        let stride = try Spatial2D(stride, attribute: "stride", op: op, rank: rank, neutral: 1)
        let padding = try Spatial2D(padding, attribute: "padding", op: op, rank: rank, neutral: 0)
        let dilation = try Spatial2D(dilation, attribute: "dilation", op: op, rank: rank, neutral: 1)
        guard stride.height > 0 && stride.width > 0 else {
            throw GeometryError(op: op, attribute: "stride", message: "non-positive stride is not supported, but got stride=\(stride.dims(rank: rank))")
        }
        guard padding.height >= 0 && padding.width >= 0 else {
            throw GeometryError(op: op, attribute: "padding", message: "negative padding is not supported, but got padding=\(padding.dims(rank: rank))")
        }
        guard dilation.height > 0 && dilation.width > 0 else {
            throw GeometryError(op: op, attribute: "dilation", message: "dilation should be greater than zero, but got dilation=\(dilation.dims(rank: rank))")
        }
        guard groups > 0 else {
            throw GeometryError(op: op, attribute: "groups", message: "non-positive groups is not supported, but got groups=\(groups)")
        }
        let batched = input.count == rank + 2
        let x = batched ? input : [1] + input
        let outChannels = weight[0]
        guard outChannels > 0 else {
            throw GeometryError(op: op, attribute: nil, message:
                "given groups=\(groups), expected weight to be at least 1 at dimension 0, but got weight of size \(weight) instead")
        }
        guard outChannels % groups == 0 else {
            throw GeometryError(op: op, attribute: "groups", message:
                "given groups=\(groups), expected weight to be divisible by \(groups) at dimension 0, but got weight of size \(weight) instead")
        }
        guard x[1] == weight[1] * groups else {
            throw GeometryError(op: op, attribute: nil, message:
                "given groups=\(groups), weight of size \(weight), expected input\(input) to have \(weight[1] * groups) channels, but got \(x[1]) channels instead")
        }
        if let bias, bias != [outChannels] {
            throw GeometryError(op: op, attribute: nil, message:
                "given weight of size \(weight), expected bias to be 1-dimensional with \(outChannels) elements, but got bias of size \(bias) instead")
        }
        guard !x.dropFirst(2).contains(0) else {
            throw GeometryError(op: op, attribute: nil, message:
                "only zero batch or zero channel inputs are supported, but got input of size \(input)")
        }
        let size = rank == 1 ? Spatial2D(1, x[2]) : Spatial2D(x[2], x[3])
        let kernel = rank == 1 ? Spatial2D(1, weight[2]) : Spatial2D(weight[2], weight[3])
        guard kernel.height > 0 && kernel.width > 0 else {
            throw GeometryError(op: op, attribute: nil, message: "kernel size should be greater than zero, but got weight of size \(weight)")
        }
        let padded = Spatial2D(size.height + 2 * padding.height, size.width + 2 * padding.width)
        let dilated = Spatial2D((kernel.height - 1) * dilation.height + 1, (kernel.width - 1) * dilation.width + 1)
        guard padded.height >= dilated.height && padded.width >= dilated.width else {
            throw GeometryError(op: op, attribute: nil, message:
                "calculated padded input size per channel: \(padded.text(rank: rank)). Kernel size: \(dilated.text(rank: rank)). "
                + "Kernel size can't be greater than actual input size (input \(input), weight \(weight), padding=\(padding.dims(rank: rank)), dilation=\(dilation.dims(rank: rank)))")
        }
        self.init(batch: x[0], inChannels: x[1], outChannels: outChannels, groups: groups, input: size, kernel: kernel,
                  stride: stride, padding: padding, dilation: dilation, spatialRank: rank, isBatched: batched)
    }
}
