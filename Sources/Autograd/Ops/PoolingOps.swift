/// max_pool2d (and max_pool2d_with_indices), avg_pool2d and adaptive_avg_pool2d over
/// [N, C, H, W] (or unbatched [C, H, W]), run by Kernels/MaxPooling.swift and
/// Kernels/AveragePooling.swift.
///
/// Each pooling op is linear in its input given the window (and, for max pooling, the
/// argmax indices the forward found), so its gradient is an op of its own: a scatter of
/// the upstream gradient back to the windows, whose gradient in turn is the pooling
/// (or, for max pooling, a gather at the indices). The rules differentiate to any order.
extension OpHandle {
    static let maxPool2d = OpHandle("max_pool2d")
    static let maxPool2dWithIndices = OpHandle("max_pool2d_with_indices")
    static let avgPool2d = OpHandle("avg_pool2d")
    static let adaptiveAvgPool2d = OpHandle("adaptive_avg_pool2d")
}

extension BuiltinOps {
    static let maxPoolAttributes = [
        AttributeSpec("kernel_size", .ints), AttributeSpec("stride", .ints, default: .ints([])),
        AttributeSpec("padding", .ints, default: [0]), AttributeSpec("dilation", .ints, default: [1]),
        AttributeSpec("ceil_mode", .bool, default: false),
    ]

    static let avgPoolAttributes = [
        AttributeSpec("kernel_size", .ints), AttributeSpec("stride", .ints, default: .ints([])),
        AttributeSpec("padding", .ints, default: [0]), AttributeSpec("ceil_mode", .bool, default: false),
        AttributeSpec("count_include_pad", .bool, default: true),
    ]

    static let pooling: [OpDefinition] = [
        OpDefinition(
            name: "max_pool2d_with_indices", inputs: ["input"], attributes: maxPoolAttributes,
            outputs: ["output", .indices("indices")],
            outputShape: ShapeRule.outputs { ctx in
                let shape = try maxPoolGeometry(ctx.shapes[0], ctx.attributes, op: ctx.op).outputShape
                return [shape, shape]
            },
            forward: .floatingOutputs(MaxPoolKernel.self), saves: [.output], gradFnName: "MaxPool2DWithIndicesBackward0",
            jvp: .rule { ctx in [gatherAtPoolIndices(ctx.tangent(0), indices: ctx.outputs[1]), nil] },
            backward: { ctx in
                [try maxPoolBackward.call([ctx.gradOutput(0), ctx.output(1)],
                                          attributes: ["input_size": .ints(ctx.inputShapes[0])])]
            }),
        OpDefinition(
            name: "max_pool2d", inputs: ["input"], attributes: maxPoolAttributes,
            outputShape: ShapeRule { ctx in try maxPoolGeometry(ctx.shapes[0], ctx.attributes, op: ctx.op).outputShape },
            forward: .decomposition { ctx in
                try OpHandle.maxPool2dWithIndices.op().callOutputs([ctx.inputs[0]], attributes: ctx.attributes.dictionary)[0]
            }),
        OpDefinition(
            name: "avg_pool2d", inputs: ["input"], attributes: avgPoolAttributes,
            outputShape: ShapeRule { ctx in try avgPoolGeometry(ctx.shapes[0], ctx.attributes).outputShape },
            forward: .floating(AvgPoolKernel.self), saves: [], gradFnName: "AvgPool2DBackward0", jvp: .linear) { ctx in
            var attributes = ctx.attributes.dictionary
            attributes["input_size"] = .ints(ctx.inputShapes[0])
            return [try avgPoolBackward.call([ctx.gradOutput], attributes: attributes)]
        },
        OpDefinition(
            name: "adaptive_avg_pool2d", inputs: ["input"], attributes: [AttributeSpec("output_size", .ints)],
            outputShape: ShapeRule { ctx in try adaptivePoolGeometry(ctx.shapes[0], ctx.attributes).outputShape },
            forward: .floating(AdaptiveAvgPoolKernel.self), saves: [], gradFnName: "AdaptiveAvgPool2DBackward0",
            jvp: .linear) { ctx in
            [try adaptiveAvgPoolBackward.call([ctx.gradOutput], attributes: ["input_size": .ints(ctx.inputShapes[0])])]
        },
    ]

    /// max_pool2d's geometry, errors naming `op`: max_pool2d or max_pool2d_with_indices.
    static func maxPoolGeometry(_ input: [Int], _ attributes: Attributes, op: String) throws -> PoolingGeometry {
        do throws(GeometryError) {
            return try PoolingGeometry(
                maxPool2d: input, kernelSize: attributes.ints("kernel_size") ?? [], stride: attributes.ints("stride") ?? [],
                padding: attributes.ints("padding") ?? [0], dilation: attributes.ints("dilation") ?? [1],
                ceilMode: attributes.bool("ceil_mode"))
        } catch {
            throw GeometryError(op: op, attribute: error.attribute, message: error.message).registryError
        }
    }

    static func avgPoolGeometry(_ input: [Int], _ attributes: Attributes) throws -> PoolingGeometry {
        do throws(GeometryError) {
            return try PoolingGeometry(
                avgPool2d: input, kernelSize: attributes.ints("kernel_size") ?? [], stride: attributes.ints("stride") ?? [],
                padding: attributes.ints("padding") ?? [0], ceilMode: attributes.bool("ceil_mode"))
        } catch {
            throw error.registryError
        }
    }

    static func adaptivePoolGeometry(_ input: [Int], _ attributes: Attributes) throws -> AdaptivePoolingGeometry {
        do throws(GeometryError) {
            return try AdaptivePoolingGeometry(adaptiveAvgPool2d: input, outputSize: attributes.ints("output_size") ?? [])
        } catch {
            throw error.registryError
        }
    }

    /// `x` [.., H, W] read at each plane's flat `indices` [.., H_out, W_out]: max pooling
    /// applied to `x` with the windows' maxima already chosen.
    static func gatherAtPoolIndices(_ x: Tensor, indices: Tensor) -> Tensor {
        let planes = indices.shape.dropLast(2).reduce(1, *)
        let flatIndices = indices.reshaped([planes, -1])
        return x.reshaped([planes, -1]).gather(dim: 1, index: flatIndices).reshaped(indices.shape)
    }

    /// The input gradient of max pooling: each upstream element added at its window's
    /// argmax. Its own gradient reads the upstream back at those positions.
    static let maxPoolBackward = Op(OpDefinition(
        name: "max_pool2d_backward", inputs: ["grad", .indices("indices")],
        attributes: [AttributeSpec("input_size", .ints)],
        outputShape: ShapeRule { ctx in
            let input = ctx.attributes.ints("input_size") ?? []
            guard ctx.shapes[0] == ctx.shapes[1], input.count == 3 || input.count == 4, ctx.shapes[0].count == input.count,
                  ctx.shapes[0].dropLast(2).elementsEqual(input.dropLast(2)) else {
                throw ctx.error("grad and indices of one shape [N, C, H_out, W_out] matching input_size \(Shape.describe(input))")
            }
            return input
        },
        forward: .floating(MaxPoolBackwardKernel.self), saves: [.inputs], jvp: .linear,
        backward: { ctx in [gatherAtPoolIndices(ctx.gradOutput, indices: ctx.inputs[1]), nil] }))

    /// The input gradient of `avg_pool2d`: each upstream element shared over its window.
    /// Its own gradient is `avg_pool2d` of the upstream.
    static let avgPoolBackward = Op(OpDefinition(
        name: "avg_pool2d_backward", inputs: ["grad"],
        attributes: avgPoolAttributes + [AttributeSpec("input_size", .ints)],
        outputShape: ShapeRule { ctx in
            let input = ctx.attributes.ints("input_size") ?? []
            guard try avgPoolGeometry(input, ctx.attributes).outputShape == ctx.shapes[0] else {
                throw ctx.error("grad of avg_pool2d's output shape for an input of shape \(Shape.describe(input))")
            }
            return input
        },
        forward: .floating(AvgPoolBackwardKernel.self), saves: [], jvp: .linear,
        backward: { ctx in
            var attributes = ctx.attributes.dictionary
            attributes["input_size"] = nil
            return [try OpHandle.avgPool2d.op().call([ctx.gradOutput], attributes: attributes)]
        }))

    /// The input gradient of `adaptive_avg_pool2d`; its own gradient is the pooling of the upstream.
    static let adaptiveAvgPoolBackward = Op(OpDefinition(
        name: "adaptive_avg_pool2d_backward", inputs: ["grad"], attributes: [AttributeSpec("input_size", .ints)],
        outputShape: ShapeRule { ctx in
            let input = ctx.attributes.ints("input_size") ?? [], grad = ctx.shapes[0]
            guard grad.count == input.count, grad.count >= 2,
                  try adaptivePoolGeometry(input, Attributes(["output_size": .ints(Array(grad.suffix(2)))])).outputShape == grad else {
                throw ctx.error("grad [N, C, H_out, W_out] for an input of shape \(Shape.describe(input))")
            }
            return input
        },
        forward: .floating(AdaptiveAvgPoolBackwardKernel.self), saves: [], jvp: .linear,
        backward: { ctx in
            let size = Array(ctx.inputShapes[0].suffix(2))
            return [try OpHandle.adaptiveAvgPool2d.op().call([ctx.gradOutput], attributes: ["output_size": .ints(size)])]
        }))
}

enum MaxPoolKernel: FloatingMultiOutputKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> [Tensor] {
        let x = ctx.inputs[0].contiguousData()
        let g = try BuiltinOps.maxPoolGeometry(x.shape, ctx.attributes, op: ctx.op)
        let values = try ctx.makeOutput(0), indices = try ctx.makeOutput(1)
        MaxPoolingKernels.forward(g, input: x.pointer(T.self), output: values.pointer(T.self), indices: indices.pointer(Int64.self))
        return [values, indices]
    }
}

enum MaxPoolBackwardKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let grad = ctx.inputs[0].contiguousData(), indices = ctx.inputs[1].contiguousData()
        let out = try ctx.makeOutput()
        var g = PoolingGeometry(batch: 1, channels: out.shape.dropLast(2).reduce(1, *),
                                input: Spatial2D(out.shape[out.rank - 2], out.shape[out.rank - 1]), kernel: Spatial2D(1, 1))
        g.output = Spatial2D(grad.shape[grad.rank - 2], grad.shape[grad.rank - 1])
        // Indices come from the forward, but the op is callable with any: an index outside
        // its plane would be dropped silently by the kernel, so refuse it here.
        let planeIn = g.input.area, p = indices.pointer(Int64.self)
        for i in 0..<indices.scalarCount where p[i] < 0 || p[i] >= planeIn {
            throw AutogradError(.kernel, "\(ctx.op): index \(p[i]) at position \(i) is outside a plane of \(planeIn) elements")
        }
        MaxPoolingKernels.backward(g, gradOutput: grad.pointer(T.self), indices: p, gradInput: out.pointer(T.self))
        return out
    }
}

enum AvgPoolKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0].contiguousData()
        let g = try BuiltinOps.avgPoolGeometry(x.shape, ctx.attributes)
        let out = try ctx.makeOutput()
        AveragePoolingKernels.forward(g, countIncludePad: ctx.attributes.bool("count_include_pad"), input: x.pointer(T.self),
                                      output: out.pointer(T.self))
        return out
    }
}

enum AvgPoolBackwardKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let grad = ctx.inputs[0].contiguousData(), out = try ctx.makeOutput()
        let g = try BuiltinOps.avgPoolGeometry(out.shape, ctx.attributes)
        AveragePoolingKernels.backward(g, countIncludePad: ctx.attributes.bool("count_include_pad"),
                                       gradOutput: grad.pointer(T.self), gradInput: out.pointer(T.self))
        return out
    }
}

enum AdaptiveAvgPoolKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0].contiguousData()
        let g = try BuiltinOps.adaptivePoolGeometry(x.shape, ctx.attributes)
        let out = try ctx.makeOutput()
        AveragePoolingKernels.adaptiveForward(g, input: x.pointer(T.self), output: out.pointer(T.self))
        return out
    }
}

enum AdaptiveAvgPoolBackwardKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let grad = ctx.inputs[0].contiguousData(), out = try ctx.makeOutput()
        let g = try BuiltinOps.adaptivePoolGeometry(
            out.shape, Attributes(["output_size": .ints(Array(grad.shape.suffix(2)))]))
        AveragePoolingKernels.adaptiveBackward(g, gradOutput: grad.pointer(T.self), gradInput: out.pointer(T.self))
        return out
    }
}

/// The maximum of each `kernelSize` window of `input` [N, C, H, W] (or [C, H, W]),
/// sliding by `stride` (the kernel size when nil) over the input padded with −∞
/// (`torch.nn.functional.max_pool2d`). The gradient goes to each window's maximum.
public func maxPool2d(
    _ input: Tensor, kernelSize: IntOrPair, stride: IntOrPair? = nil, padding: IntOrPair = 0, dilation: IntOrPair = 1,
    ceilMode: Bool = false
) -> Tensor {
    dispatch(.maxPool2d, [input], BuiltinOps.poolAttributes(kernelSize, stride, padding, ceilMode).merging([
        "dilation": .ints(dilation.values)]) { $1 })
}

/// `maxPool2d` with the position of each maximum: the flat index `h · W + w` within
/// its plane, int64 (`torch.nn.functional.max_pool2d(..., return_indices=True)`).
public func maxPool2dWithIndices(
    _ input: Tensor, kernelSize: IntOrPair, stride: IntOrPair? = nil, padding: IntOrPair = 0, dilation: IntOrPair = 1,
    ceilMode: Bool = false
) -> (values: Tensor, indices: Tensor) {
    let outputs = dispatchOutputs(.maxPool2dWithIndices, [input], BuiltinOps.poolAttributes(
        kernelSize, stride, padding, ceilMode).merging(["dilation": .ints(dilation.values)]) { $1 })
    return (outputs[0], outputs[1])
}

/// The mean of each `kernelSize` window of `input` [N, C, H, W] (or [C, H, W]), sliding
/// by `stride` (the kernel size when nil) (`torch.nn.functional.avg_pool2d`).
///
/// With `countIncludePad` the zero padding counts in each window's divisor, as in PyTorch's default.
public func avgPool2d(
    _ input: Tensor, kernelSize: IntOrPair, stride: IntOrPair? = nil, padding: IntOrPair = 0, ceilMode: Bool = false,
    countIncludePad: Bool = true
) -> Tensor {
    dispatch(.avgPool2d, [input], BuiltinOps.poolAttributes(kernelSize, stride, padding, ceilMode).merging([
        "count_include_pad": .bool(countIncludePad)]) { $1 })
}

/// The mean over adaptive windows giving an output of `outputSize` per plane
/// (`torch.nn.functional.adaptive_avg_pool2d`): output cell (i, j) averages input rows
/// `⌊i·H/H_out⌋ ..< ⌈(i+1)·H/H_out⌉` and the columns likewise.
public func adaptiveAvgPool2d(_ input: Tensor, outputSize: IntOrPair) -> Tensor {
    dispatch(.adaptiveAvgPool2d, [input], ["output_size": .ints(outputSize.values)])
}

extension BuiltinOps {
    static func poolAttributes(
        _ kernelSize: IntOrPair, _ stride: IntOrPair?, _ padding: IntOrPair, _ ceilMode: Bool
    ) -> [String: AttributeValue] {
        ["kernel_size": .ints(kernelSize.values), "stride": .ints(stride?.values ?? []),
         "padding": .ints(padding.values), "ceil_mode": .bool(ceilMode)]
    }
}
