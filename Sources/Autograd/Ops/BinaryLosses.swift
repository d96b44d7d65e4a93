/// binary_cross_entropy and binary_cross_entropy_with_logits: the loss of
/// probabilities (or logits) against targets in [0, 1] of the same shape, with
/// optional weights broadcasting to it, reduced as PyTorch's `reduction` says.
/// Kernels, gradients and their clamps are PyTorch's.
extension BuiltinOps {
    static let binaryLosses: [OpDefinition] = [
        PointwiseLoss.definition(
            "binary_cross_entropy",
            inputs: ["input", "target", .optional("weight", differentiable: false)],
            attributes: [reductionAttribute], sameShape: true, forward: .floating(BinaryCrossEntropyKernel.self),
            reference: "mean(-weight * (target * log(input) + (1 - target) * log(1 - input)))"
        ) { inputs, _ in
            let (p, y, w) = (inputs[0], inputs[1], inputs.optional(2))
            // binary_cross_entropy_backward: (p - y) / max(p (1 - p), 1e-12); the
            // target's: -logit(p).
            var dp = (p - y) / clamp((1 - p) * p, min: 1e-12)
            var dy = -log(p / (1 - p))
            if let w {
                dp = dp * w
                dy = dy * w
            }
            return [dp, dy]
        },
        PointwiseLoss.definition(
            "binary_cross_entropy_with_logits",
            inputs: ["input", "target", .optional("weight", differentiable: false),
                     .optional("pos_weight", differentiable: false)],
            attributes: [reductionAttribute], sameShape: true, forward: .floating(BinaryCrossEntropyWithLogitsKernel.self),
            reference: """
                mean(weight * ((1 - target) * input + (1 + (pos_weight - 1) * target) * log(1 + exp(-input))))
                """
        ) { inputs, _ in
            let (x, y, w, positive) = (inputs[0], inputs[1], inputs.optional(2), inputs.optional(3))
            var dx: Tensor, dy: Tensor
            if let positive {
                // binary_cross_entropy_with_logits_backward and its target's, with pos_weight.
                let t = positive * y
                dx = (t + 1 - y) * sigmoid(x) - t
                dy = logSigmoid(-x) - logSigmoid(x) * positive
            } else {
                dx = sigmoid(x) - y
                dy = -x
            }
            if let w {
                dx = dx * w
                dy = dy * w
            }
            return [dx, dy]
        },
    ]
}

/// `-w (y · max(log p, -100) + (1 - y) · max(log(1 - p), -100))`, refusing
/// probabilities or targets outside [0, 1] as PyTorch does.
enum BinaryCrossEntropyKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let operands = PointwiseLoss.operands(ctx)
        return try withExtendedLifetime(operands) {
            let p = operands[0]!.pointer(T.self), y = operands[1]!.pointer(T.self)
            let w = operands[2]?.pointer(T.self)
            let floor = T(-100)
            return try PointwiseLoss.reduce(ctx, count: operands[0]!.scalarCount, as: T.self) { i in
                guard p[i] >= 0 && p[i] <= 1 else {
                    throw AutogradError(.kernel, "\(ctx.op): input \(p[i]) at position \(i) is not a probability in [0, 1]")
                }
                guard y[i] >= 0 && y[i] <= 1 else {
                    throw AutogradError(.kernel, "\(ctx.op): target \(y[i]) at position \(i) is not in [0, 1]")
                }
                let loss = (y[i] - 1) * Swift.max(T.log(onePlus: -p[i]), floor) - y[i] * Swift.max(T.log(p[i]), floor)
                return w.map { loss * $0[i] } ?? loss
            }
        }
    }
}

/// `w ((1 - y) x - l · log σ(x))` with `l = 1 + (pos_weight - 1) y` (1 without
/// pos_weight), `log σ(x) = min(x, 0) - log1p(exp(-|x|))`: PyTorch's formula, which
/// neither overflows nor loses the gradient for large logits.
enum BinaryCrossEntropyWithLogitsKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let operands = PointwiseLoss.operands(ctx)
        return try withExtendedLifetime(operands) {
            let x = operands[0]!.pointer(T.self), y = operands[1]!.pointer(T.self)
            let w = operands[2]?.pointer(T.self), positive = operands[3]?.pointer(T.self)
            return try PointwiseLoss.reduce(ctx, count: operands[0]!.scalarCount, as: T.self) { i in
                var logSigmoid = Swift.min(x[i], 0) - T.log(onePlus: T.exp(-x[i].magnitude))
                if let positive { logSigmoid *= (positive[i] - 1) * y[i] + 1 }
                let loss = (1 - y[i]) * x[i] - logSigmoid
                return w.map { loss * $0[i] } ?? loss
            }
        }
    }
}

extension OpHandle {
    static let binaryCrossEntropy = OpHandle("binary_cross_entropy")
    static let binaryCrossEntropyWithLogits = OpHandle("binary_cross_entropy_with_logits")
}

/// The binary cross-entropy of probabilities `input` against targets in [0, 1] of
/// the same shape (`torch.nn.functional.binary_cross_entropy`):
///
/// ```
/// loss = -weight · (target · log(input) + (1 - target) · log(1 - input))
/// ```
///
/// Each log is clamped at -100, as PyTorch's, so a probability of exactly 0 or 1
/// gives a finite loss. `weight` broadcasts to the input's shape. Values outside
/// [0, 1] are an error. Prefer `binaryCrossEntropyWithLogits` on logits: it is stabler.
public func binaryCrossEntropy(
    _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: LossReduction = .mean
) -> Tensor {
    dispatch(.binaryCrossEntropy, [input, target, weight], ["reduction": .string(reduction.rawValue)])
}

/// The binary cross-entropy of `sigmoid(input)` against targets of the same shape,
/// computed from the logits without forming the sigmoid
/// (`torch.nn.functional.binary_cross_entropy_with_logits`):
///
/// ```
/// loss = -weight · (posWeight · target · log σ(input) + (1 - target) · log(1 - σ(input)))
/// ```
///
/// `posWeight` weighs the positive term per class (it broadcasts along the last
/// dims, so `[C]` for inputs `[N, C]`); `weight` weighs each element.
public func binaryCrossEntropyWithLogits(
    _ input: Tensor, _ target: Tensor, weight: Tensor? = nil, posWeight: Tensor? = nil,
    reduction: LossReduction = .mean
) -> Tensor {
    dispatch(.binaryCrossEntropyWithLogits, [input, target, weight, posWeight],
             ["reduction": .string(reduction.rawValue)])
}
