/// mse_loss and cross_entropy: mean-reduced losses returning a 0-d tensor.
extension BuiltinOps {
    static let losses: [OpDefinition] = [
        OpDefinition(name: "mse_loss", inputs: ["prediction", "target"], outputShape: mseShape,
                     forward: mseKernels) { ctx in
            let (p, t, g) = (ctx.inputs[0], ctx.inputs[1], ctx.gradOutput)
            let d = (p - t) * (g * (2 / Double(Swift.max(p.scalarCount, 1))))
            return [ctx.needsInputGrad[0] ? d : nil, ctx.needsInputGrad[1] ? -d : nil]
        },
        OpDefinition(name: "cross_entropy", inputs: ["logits", "target"], outputShape: crossEntropyShape,
                     forward: crossEntropyKernels, nonDifferentiableInputs: ["target"],
                     gradFnName: "NllLossBackward0") { ctx in
            let (logits, target, g) = (ctx.inputs[0], ctx.inputs[1], ctx.gradOutput)
            let (n, classes) = (logits.shape[0], logits.shape[1])
            let probabilities = softmax(logits, dim: 1)
            return [(probabilities - oneHot(target, numClasses: classes)) * (g / Double(Swift.max(n, 1))), nil]
        },
    ]

    static let mseShape = ShapeRule { ctx in
        guard ctx.shapes[0] == ctx.shapes[1] else { throw ctx.error("prediction and target of the same shape") }
        return []
    }

    static let mseKernels: [DType: Kernel] = [
        .float32: { ctx in mse(ctx, Float.self) },
        .float64: { ctx in mse(ctx, Double.self) },
    ]

    private static func mse<T: TensorScalar>(_ ctx: KernelContext, _: T.Type) -> Tensor {
        let p = ctx.inputs[0].contiguousData(), t = ctx.inputs[1].contiguousData()
        let pp = p.pointer(T.self), pt = t.pointer(T.self)
        var total = 0.0
        for i in 0..<p.scalarCount {
            let d = pp[i] - pt[i]
            total += Double(d * d)
        }
        let out = ctx.makeOutput()
        out.pointer(T.self).pointee = T(total / Double(p.scalarCount))
        return out
    }

    static let crossEntropyShape = ShapeRule { ctx in
        let (logits, target) = (ctx.shapes[0], ctx.shapes[1])
        guard logits.count == 2, target == [logits[0]] else {
            throw ctx.error("logits [N, C] and target [N] of class indices")
        }
        return []
    }

    static let crossEntropyKernels: [DType: Kernel] = [
        .float32: { ctx in try crossEntropy(ctx, Float.self) },
        .float64: { ctx in try crossEntropy(ctx, Double.self) },
    ]

    private static func crossEntropy<T: TensorScalar>(_ ctx: KernelContext, _: T.Type) throws -> Tensor {
        let logits = ctx.inputs[0].contiguousData(), target = ctx.inputs[1].contiguousData()
        let (n, classes) = (logits.shape[0], logits.shape[1])
        let pl = logits.pointer(T.self), pt = target.pointer(T.self)
        var total = 0.0
        for row in 0..<n {
            let label = pt[row]
            guard label >= 0, label < T(classes), label == label.rounded() else {
                throw AutogradError(.kernel, "\(ctx.op): target \(label) at row \(row) is not a class index in 0..<\(classes)")
            }
            let r = pl + row * classes
            var m = -T.infinity
            for c in 0..<classes { m = Swift.max(m, r[c]) }
            var sum = T.zero
            for c in 0..<classes { sum += T.exp(r[c] - m) }
            total += Double(m + T.log(sum) - r[Int(label)])
        }
        let out = ctx.makeOutput()
        out.pointer(T.self).pointee = T(total / Double(n))
        return out
    }
}

/// The mean squared error between `prediction` and `target`.
public func mseLoss(_ prediction: Tensor, _ target: Tensor) -> Tensor { dispatch(.mseLoss, [prediction, target]) }

/// The mean cross-entropy of `logits` [N, C] against class indices `target` [N] (stored as floats).
public func crossEntropy(_ logits: Tensor, _ target: Tensor) -> Tensor { dispatch(.crossEntropy, [logits, target]) }
