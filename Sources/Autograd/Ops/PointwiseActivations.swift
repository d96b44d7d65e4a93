/// leaky_relu, elu, selu, gelu, silu, mish, softplus, hardtanh, log_sigmoid,
/// softsign, hardswish: the pointwise activations of `torch.nn.functional`, with
/// PyTorch's kernels' formulas (so NaN and ±inf give what PyTorch gives) and
/// PyTorch's gradients at the kinks. Their derivatives are tensor ops, so they
/// differentiate again.
extension BuiltinOps {
    static let pointwiseActivations: [OpDefinition] = [
        OpDefinition(name: "leaky_relu", inputs: ["x"],
                     attributes: [AttributeSpec("negative_slope", .double, default: 0.01)],
                     elementwise: true, forward: .floating(LeakyReluKernel.self),
                     reference: "maximum(x, 0) + negative_slope * minimum(x, 0)",
                     derivative: .partials { ctx in
                         // leaky_relu_backward: the slope at 0, below it, and for NaN.
                         let x = ctx.inputs[0]
                         return [which(x .> 0, 1, ctx.attributes.double("negative_slope"), dtype: x.dtype)]
                     }),
        OpDefinition(name: "elu", inputs: ["x"], attributes: [AttributeSpec("alpha", .double, default: 1.0)],
                     elementwise: true, forward: .floating(EluKernel.self),
                     reference: "maximum(x, 0) + alpha * (exp(minimum(x, 0)) - 1)",
                     derivative: .partials { ctx in
                         [eluDerivative(ctx.inputs[0], alpha: ctx.attributes.double("alpha"), scale: 1)]
                     }),
        OpDefinition(name: "selu", inputs: ["x"], elementwise: true, forward: .floating(SeluKernel.self),
                     reference: SeluKernel.reference,
                     derivative: .partials { ctx in
                         [eluDerivative(ctx.inputs[0], alpha: SeluKernel.alpha, scale: SeluKernel.scale)]
                     }),
        OpDefinition(name: "gelu", inputs: ["x"],
                     attributes: [AttributeSpec("approximate", .oneOf("none", "tanh"), default: "none")],
                     elementwise: true, forward: .floating(GeluKernel.self),
                     // The exact form: a reference describes the attributes it does not read at their defaults.
                     reference: "0.5 * x * (1 + erf(x * 0.7071067811865476))",
                     derivative: .partials { ctx in
                         [geluDerivative(ctx.inputs[0], tanh: ctx.attributes.string("approximate") == "tanh")]
                     }),
        OpDefinition(name: "silu", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(SiluFunction.self),
                     reference: "x * sigmoid(x)",
                     derivative: .partials { ctx in
                         let x = ctx.inputs[0], s = sigmoid(x)
                         return [s * (1 + x * (1 - s))]
                     }),
        // tanh(softplus(x)) rather than the kernel's tanh(log1p(exp(x))): equal in value (tanh
        // is 1 where they part, past the threshold), and softplus's derivative stays finite there.
        OpDefinition(name: "mish", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(MishFunction.self),
                     reference: "x * tanh(log(1 + exp(x)))",
                     derivative: .partials { ctx in
                         let x = ctx.inputs[0], t = tanh(softplus(x))
                         return [t + x * sigmoid(x) * (1 - t * t)]
                     }),
        OpDefinition(name: "softplus", inputs: ["x"],
                     attributes: [AttributeSpec("beta", .double, default: 1.0),
                                  AttributeSpec("threshold", .double, default: 20.0)],
                     elementwise: true, forward: .floating(SoftplusKernel.self),
                     reference: "where(gt(beta * x, threshold), x, log(1 + exp(beta * x)) / beta)",
                     derivative: .partials { ctx in
                         // softplus_backward: 1 where the op is linear, else sigmoid(beta · x).
                         let bx = ctx.inputs[0] * ctx.attributes.double("beta")
                         return [which(bx .> ctx.attributes.double("threshold"), 1, sigmoid(bx))]
                     }),
        OpDefinition(name: "hardtanh", inputs: ["x"],
                     attributes: [AttributeSpec("min_val", .double, default: -1.0),
                                  AttributeSpec("max_val", .double, default: 1.0)],
                     elementwise: true, forward: .floating(HardtanhKernel.self),
                     reference: "-maximum(-maximum(x, min_val), -max_val)",
                     derivative: .partials { ctx in
                         // hardtanh_backward: 0 on the bounds and outside them (NaN passes the gradient).
                         let x = ctx.inputs[0]
                         let lo = ctx.attributes.double("min_val"), hi = ctx.attributes.double("max_val")
                         return [which(logicalOr(x .<= lo, x .>= hi), 0, 1, dtype: x.dtype)]
                     }),
        OpDefinition(name: "log_sigmoid", inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.unary(LogSigmoidFunction.self),
                     // Written so that exp never overflows: large negative x gives x, not -inf.
                     reference: "minimum(x, 0) - log(1 + exp(-abs(x)))",
                     derivative: .partials { ctx in [sigmoid(-ctx.inputs[0])] }),
        // F.softsign is Python over other ops in PyTorch too (its grad_fn is DivBackward0).
        OpDefinition(name: "softsign", inputs: ["x"], elementwise: true,
                     forward: .decomposition { ctx in ctx.inputs[0] / (abs(ctx.inputs[0]) + 1) }),
        OpDefinition(name: "hardswish", inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.unary(HardswishFunction.self),
                     reference: "x * clamp(x + 3, min=0, max=6) / 6",
                     derivative: .partials { ctx in
                         // hardswish_backward: 0 up to -3 (inclusive), x/3 + 1/2 below 3, 1 from 3 on.
                         let x = ctx.inputs[0]
                         return [which(x .<= -3, 0, which(x .< 3, x / 3 + 0.5, 1))]
                     }),
    ]

    /// elu_backward from the input: `alpha · scale · exp(x)` at and below 0, `scale`
    /// above (and for NaN). The exponential reads `min(x, 0)`: in a second derivative
    /// the branch not taken gets a zero gradient, which must not meet exp's overflow.
    private static func eluDerivative(_ x: Tensor, alpha: Double, scale: Double) -> Tensor {
        which(x .<= 0, (alpha * scale) * exp(clamp(x, max: 0)), scale)
    }

    /// gelu_backward: `Φ(x) + x·φ(x)`, or the derivative of the tanh approximation.
    private static func geluDerivative(_ x: Tensor, tanh approximated: Bool) -> Tensor {
        if approximated {
            let xSquared = x * x
            let t = tanh(GeluKernel.tanhBeta * (x + GeluKernel.tanhKappa * (xSquared * x)))
            let inner = GeluKernel.tanhBeta * (1 + 3 * GeluKernel.tanhKappa * xSquared)
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * inner
        }
        let cdf = 0.5 * (1 + erf(x * GeluKernel.sqrtHalf))
        let pdf = GeluKernel.inverseSqrtTwoPi * exp(-0.5 * x * x)
        return cdf + x * pdf
    }
}

enum LeakyReluKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let slope = T(ctx.attributes.double("negative_slope"))
        return ElementwiseKernels.map(ctx.inputs[0], into: try ctx.makeOutput()) { (v: T) in v > 0 ? v : v * slope }
    }
}

enum EluKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        try elu(ctx, alpha: ctx.attributes.double("alpha"), scale: 1, as: T.self)
    }

    /// PyTorch's elu kernel: `(exp(x) - 1) · alpha · scale` at and below 0, `x · scale`
    /// above (and for NaN); the coefficient is rounded to the dtype as PyTorch's is.
    static func elu<T: TensorScalar>(_ ctx: KernelContext, alpha: Double, scale: Double, as _: T.Type) throws -> Tensor {
        let negative = T(alpha) * T(scale), positive = T(scale)
        return ElementwiseKernels.map(ctx.inputs[0], into: try ctx.makeOutput()) { (v: T) in
            v <= 0 ? (T.exp(v) - 1) * negative : v * positive
        }
    }
}

/// `scale · elu(x, alpha)` with the constants of Klambauer et al., as `torch.selu`.
enum SeluKernel: FloatingKernel {
    static let alpha = 1.6732632423543772848170429916717
    static let scale = 1.0507009873554804934193349852946
    static let reference = "1.0507009873554805 * (maximum(x, 0) + 1.6732632423543772 * (exp(minimum(x, 0)) - 1))"

    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        try EluKernel.elu(ctx, alpha: alpha, scale: scale, as: T.self)
    }
}

enum GeluKernel: FloatingKernel {
    /// sqrt(2/π), from C's `M_SQRT2 * M_2_SQRTPI * 0.5` as PyTorch writes it.
    static let tanhBeta = 1.4142135623730951 * 1.1283791670955126 * 0.5
    static let tanhKappa = 0.044715
    /// `M_SQRT1_2`.
    static let sqrtHalf = 0.7071067811865476
    /// 1/sqrt(2π), from `M_2_SQRTPI * M_SQRT1_2 * 0.5`.
    static let inverseSqrtTwoPi = 1.1283791670955126 * 0.7071067811865476 * 0.5

    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        if ctx.attributes.string("approximate") == "tanh" {
            let beta = T(tanhBeta), kappa = T(tanhKappa)
            return ElementwiseKernels.map(x, into: out) { (v: T) in
                T(0.5) * v * (1 + T.tanh(beta * (v + kappa * (v * v * v))))
            }
        }
        let alpha = T(sqrtHalf)
        return ElementwiseKernels.map(x, into: out) { (v: T) in v * T(0.5) * (1 + T.cErf(v * alpha)) }
    }
}

/// `x / (1 + exp(-x))`, as PyTorch's kernel (so silu(-inf) is NaN there and here).
enum SiluFunction: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { x / (1 + .exp(-x)) } }
enum MishFunction: UnaryFunction {
    static func apply<T: TensorScalar>(_ x: T) -> T { x * .tanh(.log(onePlus: .exp(x))) }
}

/// `log1p(exp(beta · x)) / beta`, or `x` where `beta · x` exceeds the threshold.
enum SoftplusKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let beta = T(ctx.attributes.double("beta")), threshold = T(ctx.attributes.double("threshold"))
        return ElementwiseKernels.map(ctx.inputs[0], into: try ctx.makeOutput()) { (v: T) in
            v * beta > threshold ? v : T.log(onePlus: .exp(v * beta)) / beta
        }
    }
}

/// `clamp(x, min_val, max_val)`, NaN staying NaN.
enum HardtanhKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let lo = T(ctx.attributes.double("min_val")), hi = T(ctx.attributes.double("max_val"))
        return ElementwiseKernels.map(ctx.inputs[0], into: try ctx.makeOutput()) { (v: T) in
            v.isNaN ? v : Swift.min(Swift.max(v, lo), hi)
        }
    }
}

/// `min(x, 0) - log1p(exp(-|x|))`: never overflows.
enum LogSigmoidFunction: UnaryFunction {
    static func apply<T: TensorScalar>(_ x: T) -> T { Swift.min(x, 0) - .log(onePlus: .exp(-x.magnitude)) }
}

/// `x · min(max(x + 3, 0), 6) / 6`; NaN stays NaN (Swift's min and max return their first
/// argument when unordered, as PyTorch's vectorised minimum and maximum propagate NaN).
enum HardswishFunction: UnaryFunction {
    static func apply<T: TensorScalar>(_ x: T) -> T { x * Swift.min(Swift.max(x + 3, 0), 6) / 6 }
}

extension OpHandle {
    static let leakyRelu = OpHandle("leaky_relu")
    static let elu = OpHandle("elu")
    static let selu = OpHandle("selu")
    static let gelu = OpHandle("gelu")
    static let silu = OpHandle("silu")
    static let mish = OpHandle("mish")
    static let softplus = OpHandle("softplus")
    static let hardtanh = OpHandle("hardtanh")
    static let logSigmoid = OpHandle("log_sigmoid")
    static let softsign = OpHandle("softsign")
    static let hardswish = OpHandle("hardswish")
}

/// `x` where positive, else `negativeSlope · x` (`torch.nn.functional.leaky_relu`).
/// The gradient at 0 is `negativeSlope`, as PyTorch's.
public func leakyRelu(_ x: Tensor, negativeSlope: Double = 0.01) -> Tensor {
    dispatch(.leakyRelu, [x], ["negative_slope": .double(negativeSlope)])
}

/// `x` where positive, else `alpha · (exp(x) - 1)` (`torch.nn.functional.elu`).
/// The gradient at 0 is `alpha`, as PyTorch's.
public func elu(_ x: Tensor, alpha: Double = 1) -> Tensor { dispatch(.elu, [x], ["alpha": .double(alpha)]) }

/// `scale · elu(x, alpha)` with `alpha ≈ 1.6733` and `scale ≈ 1.0507`, the
/// self-normalising constants (`torch.nn.functional.selu`).
public func selu(_ x: Tensor) -> Tensor { dispatch(.selu, [x]) }

/// Which formula `gelu` computes: PyTorch's `approximate` argument.
public enum GELUApproximation: String, Sendable, CaseIterable {
    /// `x · Φ(x)` with the exact normal CDF (PyTorch's `"none"`).
    case exact = "none"
    /// `0.5 · x · (1 + tanh(sqrt(2/π) · (x + 0.044715 · x³)))` (PyTorch's `"tanh"`).
    case tanh
}

/// The Gaussian error linear unit, `x · Φ(x)` (`torch.nn.functional.gelu`).
///
/// ```swift
/// gelu(x)                        // F.gelu(x)
/// gelu(x, approximate: .tanh)    // F.gelu(x, approximate="tanh")
/// ```
public func gelu(_ x: Tensor, approximate: GELUApproximation = .exact) -> Tensor {
    dispatch(.gelu, [x], ["approximate": .string(approximate.rawValue)])
}

/// `x · sigmoid(x)`, also called swish (`torch.nn.functional.silu`).
public func silu(_ x: Tensor) -> Tensor { dispatch(.silu, [x]) }

/// `x · tanh(softplus(x))` (`torch.nn.functional.mish`).
public func mish(_ x: Tensor) -> Tensor { dispatch(.mish, [x]) }

/// `log(1 + exp(beta · x)) / beta`, a smooth relu; where `beta · x > threshold`
/// it returns `x` itself, as PyTorch does (`torch.nn.functional.softplus`).
public func softplus(_ x: Tensor, beta: Double = 1, threshold: Double = 20) -> Tensor {
    dispatch(.softplus, [x], ["beta": .double(beta), "threshold": .double(threshold)])
}

/// Each element limited to `[min, max]` (`torch.nn.functional.hardtanh`, whose
/// `min_val` and `max_val` these are). Unlike `clamp`'s, the gradient is 0 on the
/// bounds themselves, as PyTorch's.
public func hardtanh(_ x: Tensor, min: Double = -1, max: Double = 1) -> Tensor {
    dispatch(.hardtanh, [x], ["min_val": .double(min), "max_val": .double(max)])
}

/// `log(sigmoid(x))`, computed as `min(x, 0) - log1p(exp(-|x|))` so that it
/// neither overflows nor loses precision (`torch.nn.functional.logsigmoid`).
public func logSigmoid(_ x: Tensor) -> Tensor { dispatch(.logSigmoid, [x]) }

/// `x / (1 + |x|)` (`torch.nn.functional.softsign`).
public func softsign(_ x: Tensor) -> Tensor { dispatch(.softsign, [x]) }

/// `x · relu6(x + 3) / 6` (`torch.nn.functional.hardswish`). The gradient is 0 up
/// to -3 inclusive and 1 from 3 on, as PyTorch's.
public func hardswish(_ x: Tensor) -> Tensor { dispatch(.hardswish, [x]) }

extension Tensor {
    /// Leaky relu (see `leakyRelu(_:negativeSlope:)`).
    public func leakyRelu(negativeSlope: Double = 0.01) -> Tensor {
        Autograd.leakyRelu(self, negativeSlope: negativeSlope)
    }
    /// The exponential linear unit (see `elu(_:alpha:)`).
    public func elu(alpha: Double = 1) -> Tensor { Autograd.elu(self, alpha: alpha) }
    /// The scaled exponential linear unit (see `selu(_:)`).
    public func selu() -> Tensor { Autograd.selu(self) }
    /// The Gaussian error linear unit (see `gelu(_:approximate:)`).
    public func gelu(approximate: GELUApproximation = .exact) -> Tensor { Autograd.gelu(self, approximate: approximate) }
    /// `x · sigmoid(x)` (see `silu(_:)`).
    public func silu() -> Tensor { Autograd.silu(self) }
    /// `x · tanh(softplus(x))` (see `mish(_:)`).
    public func mish() -> Tensor { Autograd.mish(self) }
    /// A smooth relu (see `softplus(_:beta:threshold:)`).
    public func softplus(beta: Double = 1, threshold: Double = 20) -> Tensor {
        Autograd.softplus(self, beta: beta, threshold: threshold)
    }
    /// Each element limited to `[min, max]` (see `hardtanh(_:min:max:)`).
    public func hardtanh(min: Double = -1, max: Double = 1) -> Tensor { Autograd.hardtanh(self, min: min, max: max) }
    /// `log(sigmoid(x))`, stably (see `logSigmoid(_:)`).
    public func logSigmoid() -> Tensor { Autograd.logSigmoid(self) }
    /// `x / (1 + |x|)` (see `softsign(_:)`).
    public func softsign() -> Tensor { Autograd.softsign(self) }
    /// `x · relu6(x + 3) / 6` (see `hardswish(_:)`).
    public func hardswish() -> Tensor { Autograd.hardswish(self) }
}
