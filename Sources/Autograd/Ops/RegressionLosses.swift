/// l1_loss, smooth_l1_loss, huber_loss and kl_div: pointwise losses of an input
/// against a target (broadcasting together), reduced as PyTorch's `reduction` says.
/// Their kernels are PyTorch's formulas; their gradients PyTorch's, including at
/// the kinks (0 for `|x - y|` at 0).
extension BuiltinOps {
    static let regressionLosses: [OpDefinition] = [
        PointwiseLoss.definition(
            "l1_loss", inputs: ["input", "target"], attributes: [reductionAttribute],
            forward: .floating(L1LossKernel.self), reference: "mean(maximum(input - target, target - input))"
        ) { inputs, _ in
            let s = sign(inputs[0] - inputs[1])
            return [s, -s]
        },
        PointwiseLoss.definition(
            "smooth_l1_loss", inputs: ["input", "target"],
            attributes: [reductionAttribute, AttributeSpec("beta", .double, default: 1.0)],
            check: { ctx in
                let beta = ctx.attributes.double("beta")
                if !(beta >= 0) { throw AutogradError(.attribute, "\(ctx.op): beta must be non-negative, got \(beta)") }
            },
            forward: .floating(SmoothL1LossKernel.self),
            reference: """
                mean(where(lt(abs(input - target), beta), 0.5 * (input - target) ** 2 / beta, \
                abs(input - target) - 0.5 * beta))
                """
        ) { inputs, attributes in
            // smooth_l1_loss_backward: ±1 beyond ±beta, d / beta inside (l1's sign for beta 0).
            let d = inputs[0] - inputs[1], beta = attributes.double("beta")
            let p = beta == 0 ? sign(d) : which(d .< -beta, -1, which(d .> beta, 1, d / beta))
            return [p, -p]
        },
        PointwiseLoss.definition(
            "huber_loss", inputs: ["input", "target"],
            attributes: [reductionAttribute, AttributeSpec("delta", .double, default: 1.0)],
            check: { ctx in
                let delta = ctx.attributes.double("delta")
                if !(delta > 0) { throw AutogradError(.attribute, "\(ctx.op): delta must be positive, got \(delta)") }
            },
            forward: .floating(HuberLossKernel.self),
            reference: """
                mean(where(lt(abs(input - target), delta), 0.5 * (input - target) ** 2, \
                delta * (abs(input - target) - 0.5 * delta)))
                """
        ) { inputs, attributes in
            // huber_loss_backward: ±delta beyond ±delta, d inside.
            let d = inputs[0] - inputs[1], delta = attributes.double("delta")
            let p = which(d .< -delta, -delta, which(d .> delta, delta, d))
            return [p, -p]
        },
        PointwiseLoss.definition(
            "kl_div", inputs: ["input", "target"],
            attributes: [AttributeSpec("reduction", .oneOf("mean", "batchmean", "sum", "none"), default: "mean"),
                         AttributeSpec("log_target", .bool, default: false)],
            forward: .floating(KLDivKernel.self), reference: "mean(target * (log(target) - input))"
        ) { inputs, attributes in
            let (x, t) = (inputs[0], inputs[1])
            if attributes.bool("log_target") {
                // exp(t) · (t - x)
                let e = exp(t)
                return [-e, e * (t - x + 1)]
            }
            // xlogy(t, t) - t · x, differentiated as PyTorch's xlogy is: log(t) where
            // t ≠ 0 (0 at 0) plus t / t, which is NaN at t = 0 as in PyTorch.
            let logT = which(t .== 0, 0, log(t))
            return [-t, logT + t / t - x]
        },
    ]
}

enum L1LossKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let operands = PointwiseLoss.operands(ctx)
        return try withExtendedLifetime(operands) {
            let x = operands[0]!.pointer(T.self), y = operands[1]!.pointer(T.self)
            return try PointwiseLoss.reduce(ctx, count: operands[0]!.scalarCount, as: T.self) { i in (x[i] - y[i]).magnitude }
        }
    }
}

/// `0.5 z² / beta` for `z = |x - y| < beta`, else `z - 0.5 beta` (PyTorch's kernel).
enum SmoothL1LossKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let beta = T(ctx.attributes.double("beta"))
        let operands = PointwiseLoss.operands(ctx)
        return try withExtendedLifetime(operands) {
            let x = operands[0]!.pointer(T.self), y = operands[1]!.pointer(T.self)
            return try PointwiseLoss.reduce(ctx, count: operands[0]!.scalarCount, as: T.self) { i in
                let z = (x[i] - y[i]).magnitude
                return z < beta ? T(0.5) * z * z / beta : z - T(0.5) * beta
            }
        }
    }
}

/// `0.5 z²` for `z = |x - y| < delta`, else `delta (z - 0.5 delta)` (PyTorch's kernel).
enum HuberLossKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let delta = T(ctx.attributes.double("delta"))
        let operands = PointwiseLoss.operands(ctx)
        return try withExtendedLifetime(operands) {
            let x = operands[0]!.pointer(T.self), y = operands[1]!.pointer(T.self)
            return try PointwiseLoss.reduce(ctx, count: operands[0]!.scalarCount, as: T.self) { i in
                let z = (x[i] - y[i]).magnitude
                return z < delta ? T(0.5) * z * z : delta * (z - T(0.5) * delta)
            }
        }
    }
}

/// `exp(t) (t - x)` with log-probability targets, else `xlogy(t, t) - t x`
/// (`xlogy(0, y)` is 0, and NaN for a NaN `y`).
enum KLDivKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let logTarget = ctx.attributes.bool("log_target")
        let operands = PointwiseLoss.operands(ctx)
        return try withExtendedLifetime(operands) {
            let x = operands[0]!.pointer(T.self), t = operands[1]!.pointer(T.self)
            return try PointwiseLoss.reduce(ctx, count: operands[0]!.scalarCount, as: T.self) { i in
                if logTarget { return T.exp(t[i]) * (t[i] - x[i]) }
                let xlogy = t[i] == 0 ? 0 : t[i] * T.log(t[i])
                return xlogy - t[i] * x[i]
            }
        }
    }
}

extension OpHandle {
    static let l1Loss = OpHandle("l1_loss")
    static let smoothL1Loss = OpHandle("smooth_l1_loss")
    static let huberLoss = OpHandle("huber_loss")
    static let klDiv = OpHandle("kl_div")
}

/// The absolute error `|input - target|`, reduced as `reduction` says
/// (`torch.nn.functional.l1_loss`). Input and target broadcast together; the
/// gradient at `input == target` is 0.
public func l1Loss(_ input: Tensor, _ target: Tensor, reduction: LossReduction = .mean) -> Tensor {
    dispatch(.l1Loss, [input, target], ["reduction": .string(reduction.rawValue)])
}

/// A squared error near 0 and an absolute one beyond `beta`
/// (`torch.nn.functional.smooth_l1_loss`): with `z = |input - target|`,
///
/// ```
/// loss = 0.5 · z² / beta    if z < beta
///        z - 0.5 · beta     otherwise
/// ```
///
/// `beta: 0` gives `l1Loss`.
public func smoothL1Loss(_ input: Tensor, _ target: Tensor, reduction: LossReduction = .mean, beta: Double = 1) -> Tensor {
    dispatch(.smoothL1Loss, [input, target], ["reduction": .string(reduction.rawValue), "beta": .double(beta)])
}

/// The Huber loss (`torch.nn.functional.huber_loss`): with `z = |input - target|`,
///
/// ```
/// loss = 0.5 · z²                  if z < delta
///        delta · (z - 0.5 · delta)  otherwise
/// ```
///
/// It is `delta · smoothL1Loss(input, target, beta: delta)`.
public func huberLoss(_ input: Tensor, _ target: Tensor, reduction: LossReduction = .mean, delta: Double = 1) -> Tensor {
    dispatch(.huberLoss, [input, target], ["reduction": .string(reduction.rawValue), "delta": .double(delta)])
}

/// How `klDiv` combines its per-element values: PyTorch's `reduction` for
/// `kl_div`, which adds `"batchmean"`.
public enum KLDivReduction: String, Sendable, CaseIterable {
    /// The mean over all elements (PyTorch's default, though not the divergence's
    /// mathematical definition: see `batchMean`).
    case mean
    /// The sum divided by the batch size (dim 0): the KL divergence per sample
    /// (PyTorch's `"batchmean"`).
    case batchMean = "batchmean"
    /// The sum.
    case sum
    /// One value per element (PyTorch's `"none"`).
    case unreduced = "none"
}

/// The Kullback-Leibler divergence of `target` from the distribution whose
/// log-probabilities are `input` (`torch.nn.functional.kl_div`): per element
/// `target · (log(target) - input)` (0 where `target` is 0), or with
/// `logTarget: true`, targets given as log-probabilities, `exp(target) · (target - input)`.
///
/// ```swift
/// klDiv(logSoftmax(logits, dim: 1), probabilities, reduction: .batchMean)
/// ```
public func klDiv(
    _ input: Tensor, _ target: Tensor, reduction: KLDivReduction = .mean, logTarget: Bool = false
) -> Tensor {
    dispatch(.klDiv, [input, target], ["reduction": .string(reduction.rawValue), "log_target": .bool(logTarget)])
}
