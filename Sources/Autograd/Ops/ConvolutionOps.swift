/// conv1d, conv2d and conv_transpose2d over [N, C, *spatial] (or unbatched
/// [C, *spatial]), lowered to the packed GEMM by Kernels/Convolution.swift.
///
/// Every gradient of a convolution is again a convolution: the input gradient of
/// conv2d is conv_transpose2d of the upstream gradient, that of conv_transpose2d is
/// conv2d, and both weight gradients are `conv2d_weight_backward`, whose own
/// gradients are conv2d and conv_transpose2d. So the rules differentiate to any
/// order. conv1d's gradients run as those of a conv2d of height 1.
extension OpHandle {
    static let conv1d = OpHandle("conv1d")
    static let conv2d = OpHandle("conv2d")
    static let convTranspose2d = OpHandle("conv_transpose2d")
}

extension BuiltinOps {
    static let convolutionAttributes = [
        AttributeSpec("stride", .ints, default: [1]), AttributeSpec("padding", .ints, default: [0]),
        AttributeSpec("dilation", .ints, default: [1]), AttributeSpec("groups", .int, default: 1),
    ]

    static let transposedConvolutionAttributes = [
        AttributeSpec("stride", .ints, default: [1]), AttributeSpec("padding", .ints, default: [0]),
        AttributeSpec("output_padding", .ints, default: [0]), AttributeSpec("groups", .int, default: 1),
        AttributeSpec("dilation", .ints, default: [1]),
    ]

    static let convolutions: [OpDefinition] = [
        convolution(rank: 1),
        convolution(rank: 2),
        OpDefinition(
            name: "conv_transpose2d", inputs: ["input", "weight", .optional("bias")],
            attributes: transposedConvolutionAttributes,
            outputShape: ShapeRule { ctx in
                try transposedConvolutionGeometry(ctx.shapes[0], ctx.shapes[1], ctx.isGiven(2) ? ctx.shapes[2] : nil,
                                                  ctx.attributes).outputShape
            },
            forward: .floating(TransposedConvolutionKernel.self), saves: .otherInputs,
            gradFnName: "ConvolutionBackward0", jvp: .rule(convolutionTangent), backward: transposedConvolutionBackward),
    ]

    private static func convolution(rank: Int) -> OpDefinition {
        OpDefinition(
            name: "conv\(rank)d", inputs: ["input", "weight", .optional("bias")], attributes: convolutionAttributes,
            outputShape: ShapeRule { ctx in
                try convolutionGeometry(op: ctx.op, rank: rank, ctx.shapes[0], ctx.shapes[1],
                                        ctx.isGiven(2) ? ctx.shapes[2] : nil, ctx.attributes).outputShape
            },
            forward: .floating(ConvolutionKernel.self), saves: .otherInputs, gradFnName: "ConvolutionBackward0",
            jvp: .rule(convolutionTangent)) { ctx in try convolutionBackward(ctx, rank: rank) }
    }

    /// conv1d's or conv2d's geometry from its shapes and attributes, or the registry's error.
    static func convolutionGeometry(
        op: String, rank: Int, _ input: [Int], _ weight: [Int], _ bias: [Int]?, _ attributes: Attributes
    ) throws -> ConvolutionGeometry {
        do throws(GeometryError) {
            return try ConvolutionGeometry(
                op: op, spatialRank: rank, input: input, weight: weight, bias: bias,
                stride: attributes.ints("stride") ?? [1], padding: attributes.ints("padding") ?? [0],
                dilation: attributes.ints("dilation") ?? [1], groups: attributes.int("groups"))
        } catch {
            throw error.registryError
        }
    }

    static func transposedConvolutionGeometry(
        _ input: [Int], _ weight: [Int], _ bias: [Int]?, _ attributes: Attributes
    ) throws -> TransposedConvolutionGeometry {
        do throws(GeometryError) {
            return try TransposedConvolutionGeometry(
                input: input, weight: weight, bias: bias, stride: attributes.ints("stride") ?? [1],
                padding: attributes.ints("padding") ?? [0], outputPadding: attributes.ints("output_padding") ?? [0],
                dilation: attributes.ints("dilation") ?? [1], groups: attributes.int("groups"))
        } catch {
            throw error.registryError
        }
    }

    /// conv1d's and conv2d's gradients: conv_transpose2d of the upstream gradient for the
    /// input, `conv2d_weight_backward` for the weight, the upstream summed per channel for the bias.
    static func convolutionBackward(_ ctx: BackwardContext, rank: Int) throws -> [Tensor?] {
        let g = ctx.gradOutput, shapes = ctx.inputShapes
        let planar = PlanarConvolution(try convolutionGeometry(op: ctx.op, rank: rank, shapes[0], shapes[1], nil,
                                                               ctx.attributes))
        var grads: [Tensor?] = [nil, nil, nil]
        if ctx.needsInputGrad[0] {
            grads[0] = try planar.inputGradient(planar.lift(g), weight: planar.liftWeight(ctx.inputs[1])).reshaped(shapes[0])
        }
        if ctx.needsInputGrad[1] {
            grads[1] = try planar.weightGradient(input: planar.lift(ctx.inputs[0]), grad: planar.lift(g)).reshaped(shapes[1])
        }
        if ctx.needsInputGrad[2] { grads[2] = perChannelSum(g, spatialRank: rank) }
        return grads
    }

    /// conv_transpose2d's gradients: conv2d of the upstream gradient for the input (it is
    /// the adjoint), `conv2d_weight_backward` with the roles of input and gradient swapped
    /// for the weight, the upstream summed per channel for the bias.
    static func transposedConvolutionBackward(_ ctx: BackwardContext) throws -> [Tensor?] {
        let g = ctx.gradOutput, shapes = ctx.inputShapes
        let geometry = try transposedConvolutionGeometry(shapes[0], shapes[1], nil, ctx.attributes)
        let planar = PlanarConvolution(geometry.convolution)
        var grads: [Tensor?] = [nil, nil, nil]
        if ctx.needsInputGrad[0] {
            let x = try planar.convolution(planar.lift(g), weight: ctx.inputs[1], outputSize: geometry.convolution.output)
            grads[0] = x.reshaped(shapes[0])
        }
        if ctx.needsInputGrad[1] {
            // The transposed convolution is the adjoint convolution's input gradient, so its
            // weight gradient is that convolution's, with this op's input as the upstream.
            grads[1] = try planar.weightGradient(input: planar.lift(g), grad: planar.lift(ctx.inputs[0])).reshaped(shapes[1])
        }
        if ctx.needsInputGrad[2] { grads[2] = perChannelSum(g, spatialRank: 2) }
        return grads
    }

    /// The tangent of a convolution, bilinear in input and weight and affine in the
    /// bias: `op(ẋ, w) + op(x, ẇ) + ḃ`.
    static func convolutionTangent(_ ctx: ForwardContext) throws -> [Tensor?] {
        let attributes = ctx.attributes.dictionary
        var total: Tensor?
        func add(_ term: Tensor) { total = total.map { $0 + term } ?? term }
        if let tx = ctx.tangents[0] { add(try ctx.op.call([tx, ctx.inputs[1]], attributes: attributes)) }
        if let tw = ctx.tangents[1] { add(try ctx.op.call([ctx.inputs[0], tw], attributes: attributes)) }
        if ctx.tangents.count > 2, let tb = ctx.tangents[2] {
            let shape = ctx.output.shape, spatialRank = ctx.inputs[1].rank - 2
            let perChannel = tb.reshaped([tb.scalarCount] + Array(repeating: 1, count: spatialRank))
            add(total == nil ? perChannel.expanded(to: shape).contiguous() : perChannel)
        }
        return [total]
    }

    /// `g` summed over every dim but the channels (the bias gradient of a convolution).
    static func perChannelSum(_ g: Tensor, spatialRank: Int) -> Tensor {
        let channelDim = g.rank - spatialRank - 1
        return g.sum(dims: (0..<g.rank).filter { $0 != channelDim })
    }

    /// The weight gradient of conv2d, `Σ_n grad[n] ⋆ input[n]` per group, over batched
    /// 4-d tensors; an op so that the weight gradient differentiates again. Its output
    /// size is `grad`'s, which may be smaller than the convolution's natural size: the
    /// weight gradient of conv_transpose2d with an output padding uses it so.
    static let convolutionWeightBackward = Op(OpDefinition(
        name: "conv2d_weight_backward", inputs: ["input", "grad"],
        attributes: convolutionAttributes + [AttributeSpec("kernel_size", .ints)],
        outputShape: ShapeRule { ctx in try weightBackwardGeometry(ctx.shapes[0], ctx.shapes[1], ctx.attributes).weightShape },
        forward: .floating(ConvolutionWeightBackwardKernel.self), saves: .otherInputs,
        jvp: .rule { ctx in
            var total: Tensor?
            let attributes = ctx.attributes.dictionary
            if let tx = ctx.tangents[0] { total = try ctx.op.call([tx, ctx.inputs[1]], attributes: attributes) }
            if let tg = ctx.tangents[1] {
                let term = try ctx.op.call([ctx.inputs[0], tg], attributes: attributes)
                total = total.map { $0 + term } ?? term
            }
            return [total]
        },
        backward: { ctx in
            let (x, g, upstream) = (ctx.inputs.optional(0), ctx.inputs.optional(1), ctx.gradOutput)
            let planar = PlanarConvolution(try weightBackwardGeometry(ctx.inputShapes[0], ctx.inputShapes[1], ctx.attributes))
            return [
                try g.flatMap { ctx.needsInputGrad[0] ? try planar.inputGradient($0, weight: upstream) : nil },
                try x.flatMap { ctx.needsInputGrad[1] ? try planar.convolution($0, weight: upstream, outputSize: planar.geometry.output) : nil },
            ]
        }))

    /// The geometry of `conv2d_weight_backward`: input [N, C_in, H, W], grad [N, C_out, H_out, W_out].
    static func weightBackwardGeometry(_ input: [Int], _ grad: [Int], _ attributes: Attributes) throws -> ConvolutionGeometry {
        let op = "conv2d_weight_backward"
        let groups = attributes.int("groups")
        guard input.count == 4, grad.count == 4, input[0] == grad[0], groups > 0,
              input[1] % groups == 0, grad[1] % groups == 0 else {
            throw AutogradError(.shape, """
                \(op): expected input [N, C_in, H, W] and grad [N, C_out, H_out, W_out] with channels divisible by \
                groups=\(groups); got input \(Shape.describe(input)), grad \(Shape.describe(grad))
                """)
        }
        let kernelSize = attributes.ints("kernel_size") ?? []
        do throws(GeometryError) {
            let geometry = ConvolutionGeometry(
                batch: input[0], inChannels: input[1], outChannels: grad[1], groups: groups,
                input: Spatial2D(input[2], input[3]),
                kernel: try Spatial2D(kernelSize, attribute: "kernel_size", op: op, rank: 2, neutral: 1),
                stride: try Spatial2D(attributes.ints("stride") ?? [1], attribute: "stride", op: op, rank: 2, neutral: 1),
                padding: try Spatial2D(attributes.ints("padding") ?? [0], attribute: "padding", op: op, rank: 2, neutral: 0),
                dilation: try Spatial2D(attributes.ints("dilation") ?? [1], attribute: "dilation", op: op, rank: 2, neutral: 1),
                output: Spatial2D(grad[2], grad[3]))
            let natural = ConvolutionGeometry(
                batch: 1, inChannels: 1, outChannels: 1, input: geometry.input, kernel: geometry.kernel,
                stride: geometry.stride, padding: geometry.padding, dilation: geometry.dilation).output
            guard geometry.kernel.height > 0, geometry.kernel.width > 0, geometry.stride.height > 0, geometry.stride.width > 0,
                  geometry.dilation.height > 0, geometry.dilation.width > 0, geometry.padding.height >= 0,
                  geometry.padding.width >= 0, grad[2] <= natural.height, grad[3] <= natural.width else {
                throw GeometryError(op: op, attribute: nil, message: """
                    grad \(Shape.describe(grad)) does not fit a convolution of input \(Shape.describe(input)) with \
                    kernel_size=\(kernelSize), stride=\(geometry.stride), padding=\(geometry.padding), dilation=\(geometry.dilation)
                    """)
            }
            return geometry
        } catch {
            throw error.registryError
        }
    }
}

/// A convolution seen as 2-d and batched, the form its gradients are computed in: a
/// conv1d is a conv2d of height 1, an unbatched input a batch of one.
struct PlanarConvolution {
    let geometry: ConvolutionGeometry

    init(_ geometry: ConvolutionGeometry) { self.geometry = geometry }

    /// `t` ([N, C, *spatial] or [C, *spatial], C any channel count) as [N, C, H, W].
    func lift(_ t: Tensor) -> Tensor {
        let channels = t.shape[geometry.isBatched ? 1 : 0]
        let spatial = geometry.spatialRank == 1 ? [1, t.shape[t.rank - 1]] : Array(t.shape.suffix(2))
        return t.reshaped([geometry.batch, channels] + spatial)
    }

    /// A weight [C_out, C_in / groups, *kernel] as 4-d.
    func liftWeight(_ w: Tensor) -> Tensor {
        geometry.spatialRank == 1 ? w.unsqueezed(dim: 2) : w
    }

    private var common: [String: AttributeValue] {
        ["stride": .ints([geometry.stride.height, geometry.stride.width]),
         "padding": .ints([geometry.padding.height, geometry.padding.width]),
         "dilation": .ints([geometry.dilation.height, geometry.dilation.width]),
         "groups": .int(geometry.groups)]
    }

    /// The convolution's input gradient for upstream `g` [N, C_out, H_out, W_out]: the
    /// transposed convolution, with the output padding that restores the input's size.
    func inputGradient(_ g: Tensor, weight: Tensor) throws -> Tensor {
        let (s, p, d, k) = (geometry.stride, geometry.padding, geometry.dilation, geometry.kernel)
        let outputPadding = [
            geometry.input.height - ((g.shape[2] - 1) * s.height - 2 * p.height + d.height * (k.height - 1) + 1),
            geometry.input.width - ((g.shape[3] - 1) * s.width - 2 * p.width + d.width * (k.width - 1) + 1),
        ]
        var attributes = common
        attributes["output_padding"] = .ints(outputPadding)
        return try OpHandle.convTranspose2d.op().call([g, weight], attributes: attributes)
    }

    /// The weight gradient for input `x` and upstream `g`, both 4-d.
    func weightGradient(input x: Tensor, grad g: Tensor) throws -> Tensor {
        var attributes = common
        attributes["kernel_size"] = .ints([geometry.kernel.height, geometry.kernel.width])
        return try BuiltinOps.convolutionWeightBackward.call([x, g], attributes: attributes)
    }

    /// conv2d of `x` with `weight` (4-d), cut to `outputSize` where the natural size is larger.
    func convolution(_ x: Tensor, weight: Tensor, outputSize: Spatial2D) throws -> Tensor {
        var y = try OpHandle.conv2d.op().call([x, weight], attributes: common)
        if y.shape[2] > outputSize.height { y = y.sliced(dim: 2, end: outputSize.height) }
        if y.shape[3] > outputSize.width { y = y.sliced(dim: 3, end: outputSize.width) }
        return y
    }
}

extension GeometryError {
    /// This error as the registry reports it: an attribute error when an attribute is at fault, else a shape error.
    var registryError: AutogradError {
        AutogradError(attribute == nil ? .shape : .attribute, description)
    }
}

enum ConvolutionKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0].contiguousData(), w = ctx.inputs[1].contiguousData()
        let b = ctx.inputs.optional(2)?.contiguousData()
        let g = try BuiltinOps.convolutionGeometry(op: ctx.op, rank: w.rank - 2, x.shape, w.shape, b?.shape, ctx.attributes)
        let out = try ctx.makeOutput()
        let y = out.pointer(T.self)
        if g.patchSize == 0 {
            // No input channels: the sums are empty, the output is the bias.
            y.update(repeating: 0, count: out.scalarCount)
            if let b {
                ConvolutionKernels.addPerChannel(b.pointer(T.self), to: y, batch: g.batch, channels: g.outChannels,
                                                 plane: g.output.area)
            }
            return out
        }
        ConvolutionKernels.forward(g, input: x.pointer(T.self), weight: w.pointer(T.self), bias: b?.pointer(T.self), output: y)
        return out
    }
}

enum TransposedConvolutionKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0].contiguousData(), w = ctx.inputs[1].contiguousData()
        let b = ctx.inputs.optional(2)?.contiguousData()
        let g = try BuiltinOps.transposedConvolutionGeometry(x.shape, w.shape, b?.shape, ctx.attributes)
        let out = try ctx.makeOutput()
        TransposedConvolutionKernels.forward(g, input: x.pointer(T.self), weight: w.pointer(T.self), bias: b?.pointer(T.self),
                                             output: out.pointer(T.self))
        return out
    }
}

enum ConvolutionWeightBackwardKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0].contiguousData(), g = ctx.inputs[1].contiguousData()
        let geometry = try BuiltinOps.weightBackwardGeometry(x.shape, g.shape, ctx.attributes)
        let out = try ctx.makeOutput()
        ConvolutionKernels.backwardWeight(geometry, input: x.pointer(T.self), gradOutput: g.pointer(T.self),
                                          gradWeight: out.pointer(T.self))
        return out
    }
}

/// The 1-d convolution of `input` [N, C_in, L] (or [C_in, L]) with `weight`
/// [C_out, C_in / groups, K], plus `bias` [C_out] (`torch.nn.functional.conv1d`).
///
/// The output length is `⌊(L + 2·padding − dilation·(K − 1) − 1) / stride⌋ + 1`.
public func conv1d(
    _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
    groups: Int = 1
) -> Tensor {
    dispatch(.conv1d, [input, weight, bias], [
        "stride": .ints([stride]), "padding": .ints([padding]), "dilation": .ints([dilation]), "groups": .int(groups),
    ])
}

/// The 2-d convolution (cross-correlation, as PyTorch's) of `input` [N, C_in, H, W]
/// (or [C_in, H, W]) with `weight` [C_out, C_in / groups, kH, kW], plus `bias` [C_out]
/// (`torch.nn.functional.conv2d`).
///
/// ```swift
/// let y = conv2d(x, weight: w, bias: b, padding: 1)   // F.conv2d(x, w, b, padding=1)
/// ```
///
/// Each output size is `⌊(in + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1`.
public func conv2d(
    _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: IntOrPair = 1, padding: IntOrPair = 0,
    dilation: IntOrPair = 1, groups: Int = 1
) -> Tensor {
    dispatch(.conv2d, [input, weight, bias], [
        "stride": .ints(stride.values), "padding": .ints(padding.values), "dilation": .ints(dilation.values),
        "groups": .int(groups),
    ])
}

/// The 2-d transposed convolution of `input` [N, C_in, H, W] (or [C_in, H, W]) with
/// `weight` [C_in, C_out / groups, kH, kW], plus `bias` [C_out]
/// (`torch.nn.functional.conv_transpose2d`): the input gradient of the matching conv2d.
///
/// Each output size is `(in − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1`.
public func convTranspose2d(
    _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: IntOrPair = 1, padding: IntOrPair = 0,
    outputPadding: IntOrPair = 0, groups: Int = 1, dilation: IntOrPair = 1
) -> Tensor {
    dispatch(.convTranspose2d, [input, weight, bias], [
        "stride": .ints(stride.values), "padding": .ints(padding.values), "output_padding": .ints(outputPadding.values),
        "groups": .int(groups), "dilation": .ints(dilation.values),
    ])
}
