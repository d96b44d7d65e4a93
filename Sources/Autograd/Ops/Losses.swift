/// mse_loss, nll_loss and cross_entropy, with PyTorch's `reduction` ("mean",
/// "sum" or "none"): one execution path per loss, whatever the reduction.
extension BuiltinOps {
    static let reductionAttribute = AttributeSpec("reduction", .oneOf("mean", "sum", "none"), default: "mean")

    static let losses: [OpDefinition] = [
        OpDefinition(name: "mse_loss", inputs: ["prediction", "target"], attributes: [reductionAttribute],
                     outputShape: lossShape(sameShape: true), forward: .floating(MSEKernel.self),
                     reference: "mean((prediction - target) ** 2)",
                     jvp: .rule { ctx in
                         let (p, t) = (ctx.inputs[0], ctx.inputs[1])
                         let perElement = 2 * (p - t) * (ctx.tangent(0) - ctx.tangent(1))
                         return [LossReduction(ctx.attributes).apply(perElement)]
                     }) { ctx in
            let (p, t) = (ctx.inputs[0], ctx.inputs[1])
            let reduction = LossReduction(ctx.attributes)
            var scale = ctx.gradOutput * 2
            if reduction == .mean { scale = scale / Double(Swift.max(p.scalarCount, 1)) }
            let d = (p - t) * scale
            return [ctx.needsInputGrad[0] ? d : nil, ctx.needsInputGrad[1] ? -d : nil]
        },
        OpDefinition(name: "nll_loss", inputs: ["input", .indices("target"), .optional("weight", differentiable: false)],
                     attributes: [reductionAttribute, AttributeSpec("ignore_index", .int, default: -100)],
                     outputShape: nllShape, forward: .floating(NLLKernel.self), jvp: .linear) { ctx in
            [nllBackward(ctx.gradOutput, input: ctx.inputShapes[0], target: ctx.inputs[1], weight: ctx.inputs.optional(2),
                         attributes: ctx.attributes), nil, nil]
        },
        OpDefinition(name: "cross_entropy", inputs: ["input", OpInput("target", dtypes: .any), .optional("weight", differentiable: false)],
                     attributes: [reductionAttribute, AttributeSpec("ignore_index", .int, default: -100),
                                  AttributeSpec("label_smoothing", .double, default: 0.0)],
                     outputShape: crossEntropyShape, forward: .decomposition(crossEntropy)),
    ]

    /// The shape of a loss: 0-d when reduced, else the (broadcast) input shape.
    static func lossShape(sameShape: Bool) -> ShapeRule {
        ShapeRule { ctx in
            if sameShape && ctx.shapes[0] != ctx.shapes[1] {
                throw ctx.error("input and target of the same shape")
            }
            return LossReduction(ctx.attributes) == .unreduced ? ctx.shapes[0] : []
        }
    }

    /// input [N, C, d...] (or [C]) and class indices [N, d...] (or []).
    static let nllShape = ShapeRule { ctx in
        let (input, target) = (ctx.shapes[0], ctx.shapes[1])
        guard !input.isEmpty, target == (input.count == 1 ? [] : [input[0]] + input.dropFirst(2)) else {
            throw ctx.error("input [N, C, d...] or [C] and target [N, d...] (or []) of class indices")
        }
        let classes = input.count == 1 ? input[0] : input[1]
        if ctx.isGiven(2) && ctx.shapes[2] != [classes] { throw ctx.error("weight [\(classes)], one per class") }
        return LossReduction(ctx.attributes) == .unreduced ? target : []
    }

    static let crossEntropyShape = ShapeRule { ctx in
        let (input, target) = (ctx.shapes[0], ctx.shapes[1])
        let classes = input.count == 1 ? input.first ?? 0 : input.count > 1 ? input[1] : 0
        if ctx.dtypes[1] == .int64 {
            return try nllShape.compute(ctx)[0]
        }
        guard !input.isEmpty, target == input else {
            throw ctx.error("input [N, C, d...] and target class indices (int64) or probabilities of the input's shape")
        }
        if ctx.isGiven(2) && ctx.shapes[2] != [classes] { throw ctx.error("weight [\(classes)], one per class") }
        let batch = input.count == 1 ? [] : [input[0]] + input.dropFirst(2)
        return LossReduction(ctx.attributes) == .unreduced ? batch : []
    }

    /// `cross_entropy` as PyTorch computes it: log-softmax over the class dim, then
    /// the negative log-likelihood of the targets (class indices or probabilities),
    /// with label smoothing mixing in the mean over classes.
    private static func crossEntropy(_ ctx: KernelContext) throws -> Tensor {
        let (input, target, weight) = (ctx.inputs[0], ctx.inputs[1], ctx.inputs.optional(2))
        let reduction = LossReduction(ctx.attributes)
        let smoothing = ctx.attributes.double("label_smoothing")
        let classDim = input.rank == 1 ? 0 : 1
        let classes = input.shape[classDim]
        let logp = logSoftmax(input, dim: classDim)
        // Per class, broadcast over the other dims: [C, 1, ...].
        let classWeights = weight.map { $0.reshaped([classes] + Array(repeating: 1, count: input.rank - classDim - 1)) }
        guard target.dtype == .int64 else {
            guard target.dtype.isFloatingPoint else {
                throw AutogradError(.dtype, "cross_entropy: target must be int64 class indices or floating-point probabilities, got \(target.dtype)")
            }
            var probabilities = target
            if smoothing > 0 { probabilities = probabilities * (1 - smoothing) + smoothing / Double(classes) }
            var perClass = logp * probabilities
            if let classWeights { perClass = perClass * classWeights }
            let losses = -perClass.sum(dims: [classDim])
            switch reduction {
            case .mean: return losses.sum() / Double(Swift.max(input.scalarCount / Swift.max(classes, 1), 1))
            case .sum: return losses.sum()
            case .unreduced: return losses
            }
        }
        let ignoreIndex = ctx.attributes.int("ignore_index")
        let nll = try OpHandle.nllLoss.op().call([logp, target, weight], attributes: [
            "reduction": .string(reduction.rawValue), "ignore_index": .int(ignoreIndex)])
        guard smoothing > 0 else { return nll }
        var perClass = logp
        if let classWeights { perClass = perClass * classWeights }
        let kept = (target .!= ignoreIndex).converted(to: input.dtype)
        let smooth = -perClass.sum(dims: [classDim]) * kept
        let smoothed: Tensor
        switch reduction {
        case .unreduced:
            smoothed = smooth
        case .sum:
            smoothed = smooth.sum()
        case .mean:
            if let weight {
                let safeTarget = which(target .== ignoreIndex, Tensor(0, dtype: .int64), target)
                let targetWeights = weight.indexSelect(dim: 0, index: safeTarget.reshaped([-1])) * kept.reshaped([-1])
                smoothed = smooth.sum() / targetWeights.sum()
            } else {
                smoothed = smooth.sum() / kept.sum()
            }
        }
        return nll * (1 - smoothing) + smoothed * (smoothing / Double(classes))
    }

    /// The gradient of `nll_loss` with respect to its input: `-w[t] · g` at each
    /// target's position (divided by the total weight for `mean`), zero elsewhere.
    /// Written with ops, so that it differentiates again.
    static func nllBackward(
        _ g: Tensor, input shape: [Int], target: Tensor, weight: Tensor?, attributes: Attributes
    ) -> Tensor {
        let classDim = shape.count == 1 ? 0 : 1, classes = shape[classDim]
        let ignoreIndex = attributes.int("ignore_index")
        let ignored = target .== ignoreIndex
        let safeTarget = which(ignored, Tensor(0, dtype: .int64), target)
        let kept = logicalNot(ignored).converted(to: g.dtype)
        var perElement = kept
        if let weight { perElement = perElement * weight.indexSelect(dim: 0, index: safeTarget.reshaped([-1])).reshaped(target.shape) }
        let reduction = LossReduction(attributes)
        var scale = -perElement
        switch reduction {
        case .mean: scale = scale * (g / perElement.sum())
        case .sum: scale = scale * g
        case .unreduced: scale = scale * g
        }
        // One-hot of the targets along the class dim: [N, d..., C] moved to [N, C, d...].
        var mask = oneHot(safeTarget, numClasses: classes).converted(to: g.dtype)
        if shape.count > 2 { mask = mask.movingAxis(from: -1, to: 1) }
        let scaleAlongClasses = shape.count == 1 ? scale : scale.unsqueezed(dim: 1)
        return mask * scaleAlongClasses
    }
}

enum MSEKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let p = ctx.inputs[0].contiguousData(), t = ctx.inputs[1].contiguousData()
        let pp = p.pointer(T.self), pt = t.pointer(T.self)
        let out = try ctx.makeOutput()
        let reduction = LossReduction(ctx.attributes)
        if reduction == .unreduced {
            let o = out.pointer(T.self)
            for i in 0..<p.scalarCount {
                let d = pp[i] - pt[i]
                o[i] = d * d
            }
            return out
        }
        var total = 0.0
        for i in 0..<p.scalarCount {
            let d = pp[i] - pt[i]
            total += Double(d * d)
        }
        out.pointer(T.self).pointee = T(reduction == .mean ? total / Double(p.scalarCount) : total)
        return out
    }
}

/// `-w[t] · input[n, t, d...]` per element, reduced.
enum NLLKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let input = ctx.inputs[0].contiguousData(), target = ctx.inputs[1].contiguousData()
        let weight = ctx.inputs.optional(2)?.contiguousData()
        let ignoreIndex = ctx.attributes.int("ignore_index")
        let reduction = LossReduction(ctx.attributes)
        let classDim = input.rank == 1 ? 0 : 1
        let classes = input.shape[classDim]
        let (outer, _, inner) = ReductionKernels.split(input.shape, around: classDim)
        let pi = input.pointer(T.self), pt = target.pointer(Int64.self), pw = weight?.pointer(T.self)
        let out = try ctx.makeOutput()
        let o = out.pointer(T.self)
        var total = 0.0, totalWeight = 0.0
        for n in 0..<outer {
            for d in 0..<inner {
                let i = n &* inner &+ d
                let t = pt[i]
                var loss = T.zero
                if t != ignoreIndex {
                    guard t >= 0 && t < classes else {
                        throw AutogradError(.kernel, "\(ctx.op): target \(t) at position \(i) is not a class index in 0..<\(classes)")
                    }
                    let w = pw.map { $0[Int(t)] } ?? 1
                    loss = -w * pi[(n &* classes &+ Int(t)) &* inner &+ d]
                    totalWeight += Double(w)
                }
                if reduction == .unreduced { o[i] = loss } else { total += Double(loss) }
            }
        }
        if reduction != .unreduced {
            // An all-ignored batch gives NaN (0 / 0) under mean, as in PyTorch.
            o.pointee = T(reduction == .mean ? total / totalWeight : total)
        }
        return out
    }
}

extension OpHandle {
    static let mseLoss = OpHandle("mse_loss")
    static let nllLoss = OpHandle("nll_loss")
    static let crossEntropy = OpHandle("cross_entropy")
}

/// The squared error between `prediction` and `target`, reduced as `reduction` says
/// (`torch.nn.functional.mse_loss`).
public func mseLoss(_ prediction: Tensor, _ target: Tensor, reduction: LossReduction = .mean) -> Tensor {
    dispatch(.mseLoss, [prediction, target], ["reduction": .string(reduction.rawValue)])
}

/// The negative log-likelihood of class indices `target` under log-probabilities
/// `input` [N, C, d...] (`torch.nn.functional.nll_loss`).
public func nllLoss(
    _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: LossReduction = .mean
) -> Tensor {
    dispatch(.nllLoss, [input, target, weight], ["reduction": .string(reduction.rawValue), "ignore_index": .int(ignoreIndex)])
}

/// The cross-entropy of logits `input` [N, C, d...] against `target`: int64 class
/// indices [N, d...], or probabilities of the input's shape (`torch.nn.functional.cross_entropy`).
public func crossEntropy(
    _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
    labelSmoothing: Double = 0, reduction: LossReduction = .mean
) -> Tensor {
    dispatch(.crossEntropy, [input, target, weight], [
        "reduction": .string(reduction.rawValue), "ignore_index": .int(ignoreIndex),
        "label_smoothing": .double(labelSmoothing),
    ])
}
