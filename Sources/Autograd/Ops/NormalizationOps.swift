/// layer_norm, group_norm and batch_norm: `(x − mean) / sqrt(var + eps) · weight + bias`
/// with the statistics over the last dims (layer), over groups of channels per image
/// (group), or per channel over the batch (batch; or the running statistics in eval).
///
/// The forward passes are kernels (Kernels/NormalizationKernels.swift). The backward
/// and forward-mode rules are one formula written with tensor ops, so they
/// differentiate again: with x̂ = (x − mean) · rstd over the reduced dims,
/// `∂L/∂x = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂))` for ĝ = g · weight, a Jacobian that
/// is symmetric, so the tangent of x̂ is the same expression of the input's tangent.
extension OpHandle {
    static let layerNorm = OpHandle("layer_norm")
    static let groupNorm = OpHandle("group_norm")
    static let batchNorm = OpHandle("batch_norm")
}

extension BuiltinOps {
    static let epsAttribute = AttributeSpec("eps", .double, default: 1e-5)

    static let normalization: [OpDefinition] = [
        OpDefinition(
            name: "layer_norm", inputs: ["input", .optional("weight"), .optional("bias")],
            attributes: [AttributeSpec("normalized_shape", .ints), epsAttribute],
            outputShape: layerNormShape, forward: .floating(LayerNormKernel.self), gradFnName: "NativeLayerNormBackward0",
            jvp: .rule { ctx in [try NormalizationFrame(layerNorm: ctx.inputs[0], ctx.attributes).tangent(ctx)] },
            backward: { ctx in try NormalizationFrame(layerNorm: ctx.inputs[0], ctx.attributes).backward(ctx) }),
        OpDefinition(
            name: "group_norm", inputs: ["input", .optional("weight"), .optional("bias")],
            attributes: [AttributeSpec("num_groups", .int), epsAttribute],
            outputShape: groupNormShape, forward: .floating(GroupNormKernel.self), gradFnName: "NativeGroupNormBackward0",
            jvp: .rule { ctx in [try NormalizationFrame(groupNorm: ctx.inputs[0], ctx.attributes).tangent(ctx)] },
            backward: { ctx in try NormalizationFrame(groupNorm: ctx.inputs[0], ctx.attributes).backward(ctx) }),
        OpDefinition(
            name: "batch_norm",
            inputs: ["input", runningStatistic("running_mean"), runningStatistic("running_var"),
                     .optional("weight"), .optional("bias")],
            attributes: [AttributeSpec("training", .bool, default: false), AttributeSpec("momentum", .double, default: 0.1),
                         epsAttribute],
            outputShape: batchNormShape, forward: .decomposition(batchNorm)),
    ]

    /// A running statistic of batch_norm: taken as given (it is updated in place, so it
    /// is not converted to the op's dtype), never differentiated.
    private static func runningStatistic(_ name: String) -> OpInput {
        OpInput(name, dtypes: .any, optional: true, differentiable: false)
    }

    static let layerNormShape = ShapeRule { ctx in
        let x = ctx.shapes[0], normalized = ctx.attributes.ints("normalized_shape") ?? []
        guard normalized.count <= x.count, Array(x.suffix(normalized.count)) == normalized else {
            throw ctx.error("input of shape [*, \(normalized.map(String.init).joined(separator: ", "))] for normalized_shape=\(Shape.describe(normalized))")
        }
        for i in [1, 2] where ctx.isGiven(i) && ctx.shapes[i] != normalized {
            throw ctx.error("\(ctx.inputNames[i]) of normalized_shape \(Shape.describe(normalized))")
        }
        return x
    }

    static let groupNormShape = ShapeRule { ctx in
        let x = ctx.shapes[0], groups = ctx.attributes.int("num_groups")
        guard x.count >= 2 else { throw ctx.error("input [N, C, *] of at least 2 dims") }
        guard groups > 0, x[1] % groups == 0 else {
            throw ctx.error("a number of channels (\(x[1])) divisible by num_groups=\(groups)")
        }
        for i in [1, 2] where ctx.isGiven(i) && ctx.shapes[i] != [x[1]] {
            throw ctx.error("\(ctx.inputNames[i]) of shape [\(x[1])], one per channel")
        }
        return x
    }

    static let batchNormShape = ShapeRule { ctx in
        let x = ctx.shapes[0]
        guard x.count >= 2 else { throw ctx.error("input [N, C, *] of at least 2 dims") }
        for i in 1...4 where ctx.isGiven(i) && ctx.shapes[i] != [x[1]] {
            throw ctx.error("\(ctx.inputNames[i]) of shape [\(x[1])], one per channel")
        }
        for i in [1, 2] where ctx.isGiven(i) && !ctx.dtypes[i]!.isFloatingPoint {
            throw AutogradError(.dtype, "\(ctx.op): \(ctx.inputNames[i]) must be floating-point, got \(ctx.dtypes[i]!)")
        }
        if ctx.attributes.bool("training") {
            guard Shape.count(x) / Swift.max(x[1], 1) > 1 || Shape.count(x) == 0 else {
                throw ctx.error("more than 1 value per channel when training")
            }
        } else if !ctx.isGiven(1) || !ctx.isGiven(2) {
            throw ctx.error("running_mean and running_var in evaluation mode (training: false)")
        }
        return x
    }

    /// batch_norm: in training, the batch statistics normalise (`native_batch_norm`) and
    /// the running ones move towards them in place, the variance unbiased; in eval, the
    /// running statistics normalise, as an affine map per channel.
    private static func batchNorm(_ ctx: KernelContext) throws -> Tensor {
        let x = ctx.inputs[0], weight = ctx.inputs.optional(3), bias = ctx.inputs.optional(4)
        let (runningMean, runningVar) = (ctx.inputs.optional(1), ctx.inputs.optional(2))
        let eps = ctx.attributes.double("eps"), channels = x.shape[1]
        if ctx.attributes.bool("training") {
            let outputs = try nativeBatchNorm.callOutputs([x, weight, bias], attributes: ["eps": .double(eps)])
            let momentum = ctx.attributes.double("momentum")
            let count = Double(x.scalarCount / Swift.max(channels, 1))
            if let runningMean { try updateRunningStatistic(runningMean, toward: outputs[1], momentum: momentum, scale: 1, op: ctx.op) }
            if let runningVar {
                try updateRunningStatistic(runningVar, toward: outputs[2], momentum: momentum, scale: count / (count - 1), op: ctx.op)
            }
            return outputs[0]
        }
        let shape = [channels] + Array(repeating: 1, count: x.rank - 2)
        var scale = rsqrt(runningVar!.detach().converted(to: x.dtype) + eps)
        if let weight { scale = scale * weight }
        var y = (x - runningMean!.detach().converted(to: x.dtype).reshaped(shape)) * scale.reshaped(shape)
        if let bias { y = y + bias.reshaped(shape) }
        return y
    }

    /// `running ← (1 − momentum) · running + momentum · scale · batch`, in place, as PyTorch's batch_norm.
    private static func updateRunningStatistic(
        _ running: Tensor, toward batch: Tensor, momentum: Double, scale: Double, op: String
    ) throws {
        guard !running.storage.isReadOnly, !running.requiresGrad else {
            throw AutogradError(.inPlace, "\(op): a running statistic is updated in place, so it must be a writable tensor that does not require grad")
        }
        let updated = zip(running.scalars, batch.scalars).map { (1 - momentum) * $0 + momentum * scale * $1 }
        running.assignConverting(from: Tensor(shape: running.shape, scalars: updated, dtype: .float64))
    }

    /// Batch normalisation by the batch's statistics: outputs the normalised input, and
    /// per channel the mean and the biased variance it used (for the running statistics).
    static let nativeBatchNorm = Op(OpDefinition(
        name: "native_batch_norm", inputs: ["input", .optional("weight"), .optional("bias")], attributes: [epsAttribute],
        outputs: ["output", "mean", "variance"],
        outputShape: ShapeRule.outputs { ctx in [ctx.shapes[0], [ctx.shapes[0][1]], [ctx.shapes[0][1]]] },
        forward: .floatingOutputs(NativeBatchNormKernel.self), gradFnName: "NativeBatchNormBackward0",
        jvp: .rule { ctx in [try NormalizationFrame(batchNorm: ctx.inputs[0], ctx.attributes).tangent(ctx), nil, nil] },
        backward: { ctx in try NormalizationFrame(batchNorm: ctx.inputs[0], ctx.attributes).backward(ctx) }))
}

/// How a normalisation views its input: the shape the statistics are taken in
/// (`grouped`, reduced over `dims`), and how weight and bias broadcast against the
/// input (`parameterShape`) and gather their gradients (summed over `parameterDims`).
/// Its rules take the input, weight and bias as inputs 0, 1 and 2.
struct NormalizationFrame {
    let inputShape: [Int]
    let grouped: [Int]
    let dims: [Int]
    let parameterShape: [Int]
    let parameterDims: [Int]
    let eps: Double

    init(layerNorm x: Tensor, _ attributes: Attributes) {
        let k = (attributes.ints("normalized_shape") ?? []).count
        inputShape = x.shape
        grouped = x.shape
        dims = Array((x.rank - k)..<x.rank)
        parameterShape = Array(x.shape.suffix(k))
        parameterDims = Array(0..<(x.rank - k))
        eps = attributes.double("eps")
    }

    init(groupNorm x: Tensor, _ attributes: Attributes) {
        let groups = attributes.int("num_groups")
        inputShape = x.shape
        grouped = [x.shape[0], groups, x.shape[1] / groups * Shape.count(Array(x.shape.dropFirst(2)))]
        dims = [2]
        parameterShape = [x.shape[1]] + Array(repeating: 1, count: x.rank - 2)
        parameterDims = (0..<x.rank).filter { $0 != 1 }
        eps = attributes.double("eps")
    }

    init(batchNorm x: Tensor, _ attributes: Attributes) {
        inputShape = x.shape
        grouped = x.shape
        dims = (0..<x.rank).filter { $0 != 1 }
        parameterShape = [x.shape[1]] + Array(repeating: 1, count: x.rank - 2)
        parameterDims = dims
        eps = attributes.double("eps")
    }

    /// x̂ (in the grouped shape) and rstd (kept dims), recomputed with ops.
    func normalize(_ x: Tensor) -> (xhat: Tensor, rstd: Tensor) {
        let centered = x.reshaped(grouped) - x.reshaped(grouped).mean(dims: dims, keepdim: true)
        let rstd = rsqrt((centered * centered).mean(dims: dims, keepdim: true) + eps)
        return (centered * rstd, rstd)
    }

    /// The gradient through x̂ for upstream `g` of the input's shape (or, the Jacobian
    /// being symmetric, the tangent of x̂ for the input's tangent `g`).
    func throughNormalization(_ g: Tensor, xhat: Tensor, rstd: Tensor) -> Tensor {
        let grouped = g.reshaped(self.grouped)
        let projected = grouped - grouped.mean(dims: dims, keepdim: true)
            - xhat * (grouped * xhat).mean(dims: dims, keepdim: true)
        return (rstd * projected).reshaped(inputShape)
    }

    /// `t` summed to a parameter's shape `shape`.
    func parameterGradient(_ t: Tensor, shape: [Int]) -> Tensor {
        (parameterDims.isEmpty ? t : t.sum(dims: parameterDims)).reshaped(shape)
    }

    func backward(_ ctx: BackwardContext) throws -> [Tensor?] {
        let x = ctx.inputs[0], weight = ctx.inputs.optional(1), g = ctx.gradOutput(0)
        let (xhat, rstd) = normalize(x)
        var grads: [Tensor?] = Array(repeating: nil, count: ctx.needsInputGrad.count)
        if ctx.needsInputGrad[0] {
            let upstream = weight.map { g * $0.reshaped(parameterShape) } ?? g
            grads[0] = throughNormalization(upstream, xhat: xhat, rstd: rstd)
        }
        if ctx.needsInputGrad[1] { grads[1] = parameterGradient(g * xhat.reshaped(inputShape), shape: ctx.inputShapes[1]) }
        if ctx.needsInputGrad[2] { grads[2] = parameterGradient(g, shape: ctx.inputShapes[2]) }
        return grads
    }

    func tangent(_ ctx: ForwardContext) throws -> Tensor? {
        let x = ctx.inputs[0], weight = ctx.inputs.optional(1)
        let (xhat, rstd) = normalize(x)
        var total: Tensor?
        func add(_ term: Tensor) { total = total.map { $0 + term } ?? term }
        if let tx = ctx.tangents[0] {
            let t = throughNormalization(tx, xhat: xhat, rstd: rstd)
            add(weight.map { t * $0.reshaped(parameterShape) } ?? t)
        }
        if ctx.tangents.count > 1, let tw = ctx.tangents[1] { add(xhat.reshaped(inputShape) * tw.reshaped(parameterShape)) }
        if ctx.tangents.count > 2, let tb = ctx.tangents[2] {
            let perParameter = tb.reshaped(parameterShape)
            add(total == nil ? perParameter.expanded(to: inputShape).contiguous() : perParameter)
        }
        return total
    }
}

enum LayerNormKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0].contiguousData()
        let weight = ctx.inputs.optional(1)?.contiguousData(), bias = ctx.inputs.optional(2)?.contiguousData()
        let normalized = ctx.attributes.ints("normalized_shape") ?? []
        let count = Shape.count(normalized), rows = Shape.count(Array(x.shape.dropLast(normalized.count)))
        let out = try ctx.makeOutput()
        NormalizationKernels.layerNorm(x.pointer(T.self), rows: rows, count: count, weight: weight?.pointer(T.self),
                                       bias: bias?.pointer(T.self), eps: ctx.attributes.double("eps"),
                                       output: out.pointer(T.self))
        return out
    }
}

enum GroupNormKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0].contiguousData()
        let weight = ctx.inputs.optional(1)?.contiguousData(), bias = ctx.inputs.optional(2)?.contiguousData()
        let out = try ctx.makeOutput()
        NormalizationKernels.groupNorm(
            x.pointer(T.self), batch: x.shape[0], channels: x.shape[1], plane: Shape.count(Array(x.shape.dropFirst(2))),
            groups: ctx.attributes.int("num_groups"), weight: weight?.pointer(T.self), bias: bias?.pointer(T.self),
            eps: ctx.attributes.double("eps"), output: out.pointer(T.self))
        return out
    }
}

enum NativeBatchNormKernel: FloatingMultiOutputKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> [Tensor] {
        let x = ctx.inputs[0].contiguousData()
        let weight = ctx.inputs.optional(1)?.contiguousData(), bias = ctx.inputs.optional(2)?.contiguousData()
        let (batch, channels) = (x.shape[0], x.shape[1]), plane = Shape.count(Array(x.shape.dropFirst(2)))
        let out = try ctx.makeOutput(0), meanOut = try ctx.makeOutput(1), varianceOut = try ctx.makeOutput(2)
        var mean = [Double](repeating: 0, count: channels), variance = [Double](repeating: 0, count: channels)
        mean.withUnsafeMutableBufferPointer { m in
            variance.withUnsafeMutableBufferPointer { v in
                NormalizationKernels.channelMoments(x.pointer(T.self), batch: batch, channels: channels, plane: plane,
                                                    mean: m.baseAddress!, variance: v.baseAddress!)
                NormalizationKernels.batchNorm(
                    x.pointer(T.self), batch: batch, channels: channels, plane: plane, mean: m.baseAddress!,
                    variance: v.baseAddress!, weight: weight?.pointer(T.self), bias: bias?.pointer(T.self),
                    eps: ctx.attributes.double("eps"), output: out.pointer(T.self))
            }
        }
        let pm = meanOut.pointer(T.self), pv = varianceOut.pointer(T.self)
        for c in 0..<channels {
            pm[c] = T(mean[c])
            pv[c] = T(variance[c])
        }
        return [out, meanOut, varianceOut]
    }
}

/// Layer normalisation over the last dims, `normalizedShape` (`torch.nn.functional.layer_norm`):
/// `(x − mean) / sqrt(var + eps) · weight + bias`, the biased variance.
public func layerNorm(
    _ input: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5
) -> Tensor {
    dispatch(.layerNorm, [input, weight, bias], ["normalized_shape": .ints(normalizedShape), "eps": .double(eps)])
}

/// Group normalisation of `input` [N, C, *] (`torch.nn.functional.group_norm`): the C
/// channels split into `numGroups` groups, each normalised per image, then scaled and
/// shifted per channel by `weight` and `bias` [C].
public func groupNorm(
    _ input: Tensor, numGroups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5
) -> Tensor {
    dispatch(.groupNorm, [input, weight, bias], ["num_groups": .int(numGroups), "eps": .double(eps)])
}

/// Batch normalisation of `input` [N, C, *] per channel (`torch.nn.functional.batch_norm`).
///
/// In training the batch's statistics normalise, and `runningMean` and `runningVar`
/// (when given) move towards them in place by `momentum`, the variance unbiased; in
/// evaluation (`training: false`) the running statistics normalise.
public func batchNorm(
    _ input: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
    training: Bool = false, momentum: Double = 0.1, eps: Double = 1e-5
) -> Tensor {
    dispatch(.batchNorm, [input, runningMean, runningVar, weight, bias], [
        "training": .bool(training), "momentum": .double(momentum), "eps": .double(eps),
    ])
}
