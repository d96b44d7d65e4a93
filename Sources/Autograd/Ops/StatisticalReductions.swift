/// var, std, logsumexp and norm (`torch.linalg.vector_norm`): reductions over
/// `dims` (all when absent) whose rules come from their partial derivatives; and
/// logsumexp_backward, the fused `g · exp(x - logsumexp)` of logsumexp's rules.
extension OpHandle {
    static let variance = OpHandle("var")
    static let standardDeviation = OpHandle("std")
    static let logSumExp = OpHandle("logsumexp")
    static let norm = OpHandle("norm")
}

extension BuiltinOps {
    static let momentAttributes = [
        AttributeSpec("dims", .ints, default: nil), AttributeSpec("correction", .double, default: 1.0),
        AttributeSpec("keepdim", .bool, default: false),
    ]

    private static func reduced(_ attributes: Attributes, _ rank: Int) throws -> Set<Int> {
        try reducedDims(attributes, rank: rank)
    }

    /// ∂var/∂x = 2 (x - mean) / (N - correction), as PyTorch's `var_backward`.
    private static func varianceDerivative(_ ctx: ReductionPartialContext) -> Tensor {
        let x = ctx.inputs[0]
        let divisor = Double(ctx.reducedCount) - ctx.attributes.double("correction")
        return (x - x.mean(dims: ctx.dims, keepdim: true)) * (2 / divisor)
    }

    private static let varianceRules = reductionRules(dims: reduced, partial: varianceDerivative)

    /// ∂std/∂x = ∂var/∂x / (2 std), zero where std is zero (PyTorch's `std_backward`).
    private static let standardDeviationRules = reductionRules(dims: reduced) { ctx in
        let std = ctx.outputs[0]
        return which(std .== 0, 0, varianceDerivative(ctx) / (2 * std))
    }

    /// ∂logsumexp/∂x = exp(x - logsumexp), the softmax over the reduced dims, weighted
    /// by the gradient (or, summed, by the tangent) in one fused op.
    private static let logSumExpRules: (jvp: ForwardMode, backward: BackwardRule) = (
        .rule { ctx in
            let x = ctx.inputs[0], dims = try reducedDims(ctx.attributes, rank: x.rank)
            let r = ctx.output.reshaped(keptShape(x.shape, dims: dims))
            let terms = try logSumExpBackward.call([ctx.tangent(0), x, r])
            return [terms.sum(dims: dims.sorted(), keepdim: true).reshaped(ctx.output.shape)]
        },
        { ctx in
            let x = ctx.inputs[0], dims = try reducedDims(ctx.attributes, rank: x.rank)
            let kept = keptShape(x.shape, dims: dims)
            return [try logSumExpBackward.call([ctx.gradOutput.reshaped(kept), x, ctx.output.reshaped(kept)])]
        }
    )

    private static let normRules = reductionRules(dims: reduced) { ctx in
        normDerivative(ctx.inputs[0], norm: ctx.outputs[0], p: ctx.attributes.double("p"), dims: ctx.dims)
    }

    /// `g · exp(x - r)` in one pass (g and r broadcast against x): logsumexp's gradient
    /// for its result r, and the terms of its tangent. Differentiable again through its
    /// partials. Held here rather than registered, as `EngineOps` are: a step of
    /// logsumexp's rules, with no PyTorch op of its own.
    static let logSumExpBackward = Op(OpDefinition(
        name: "logsumexp_backward", inputs: ["grad", "x", "result"], elementwise: true,
        forward: .floating(LogSumExpBackwardKernel.self), saves: [.inputs, .output], reference: "grad * exp(x - result)",
        derivative: .partials { ctx in
            let y = ctx.output
            return [exp(ctx.inputs[1] - ctx.inputs[2]), y, -y]
        }))

    /// The mean squared deviation over N - correction, N counted as a sum of ones.
    private static let varianceReference =
        "sum((x - mean(x, dims=dims, keepdim=true)) ** 2, dims=dims, keepdim=keepdim) / (sum(x * 0 + 1, dims=dims, keepdim=keepdim) - correction)"

    static let statisticalReductions: [OpDefinition] = [
        OpDefinition(name: "var", inputs: ["x"], attributes: momentAttributes, outputShape: reducedShape,
                     forward: .floating(MomentsKernel<Variance>.self), saves: [.inputs, .output],
                     reference: varianceReference, jvp: varianceRules.jvp, backward: varianceRules.backward),
        OpDefinition(name: "std", inputs: ["x"], attributes: momentAttributes, outputShape: reducedShape,
                     forward: .floating(MomentsKernel<StandardDeviation>.self), saves: [.inputs, .output],
                     reference: "sqrt(\(varianceReference))", jvp: standardDeviationRules.jvp, backward: standardDeviationRules.backward),
        OpDefinition(name: "logsumexp", inputs: ["x"], attributes: reductionAttributes, outputShape: reducedShape,
                     forward: .floating(LogSumExpKernel.self), saves: [.inputs, .output],
                     reference: "log(sum(exp(x), dims=dims, keepdim=keepdim))", jvp: logSumExpRules.jvp, backward: logSumExpRules.backward),
        OpDefinition(name: "norm", inputs: ["x"], attributes: [AttributeSpec("p", .double, default: 2.0)] + reductionAttributes,
                     outputShape: ShapeRule { ctx in
                         let p = ctx.attributes.double("p")
                         let dims = try reducedDims(ctx.attributes, rank: ctx.shapes[0].count, context: ctx)
                         if p.isInfinite, let empty = dims.sorted().first(where: { ctx.shapes[0][$0] == 0 }) {
                             throw ctx.error("non-empty dims for p = \(p) (its norm of nothing is undefined), got dim \(empty) of size 0")
                         }
                         return try reducedShape.compute(ctx)[0]
                     },
                     forward: .floating(NormKernel.self), saves: [.inputs, .output], gradFnName: "LinalgVectorNormBackward0",
                     // For finite p > 0 only (0 and ±inf are limits of it).
                     reference: "sum(abs(x) ** p, dims=dims, keepdim=keepdim) ** (1 / p)", jvp: normRules.jvp, backward: normRules.backward),
    ]

    /// ∂‖x‖_p/∂x, as PyTorch's `norm_backward`: zero for p = 0; sign(x) for p = 1;
    /// x / ‖x‖ for p = 2; for ±inf the elements at the norm share it; otherwise
    /// sign(x) |x|^(p-1) / ‖x‖^(p-1). Where the norm is zero the derivative is zero
    /// (for p >= 1), and for p < 1 where x is zero.
    static func normDerivative(_ x: Tensor, norm: Tensor, p: Double, dims: [Int]) -> Tensor {
        let magnitude = abs(x)
        switch p {
        case 0:
            return Tensor.zeros(like: x)
        case 1:
            return sign(x)
        case 2:
            return which(norm .== 0, 0, x / norm)
        case _ where p.isInfinite:
            let atNorm = logicalOr(magnitude .== norm, magnitude .!= magnitude).converted(to: x.dtype)
            return sign(x) * (atNorm / atNorm.sum(dims: dims, keepdim: true))
        case _ where p < 1:
            return sign(x) * which(x .== 0, 0, magnitude ** (p - 1)) * norm ** (1 - p)
        case _ where p < 2:
            return which(norm .== 0, 0, sign(x) * magnitude ** (p - 1) / norm ** (p - 1))
        default:
            return which(norm .== 0, 0, x * magnitude ** (p - 2) / norm ** (p - 1))
        }
    }
}

/// Whether a moments kernel gives the variance or its square root.
protocol MomentKind { static var isStandardDeviation: Bool { get } }
enum Variance: MomentKind { static var isStandardDeviation: Bool { false } }
enum StandardDeviation: MomentKind { static var isStandardDeviation: Bool { true } }

enum MomentsKernel<Kind: MomentKind>: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let dims = try BuiltinOps.reducedDims(ctx.attributes, rank: x.rank)
        ReductionKernels.reduce(ReductionLayout(x, dims: dims), MomentsReduction<T>(
            correction: ctx.attributes.double("correction"), standardDeviation: Kind.isStandardDeviation,
            output: out.pointer(T.self)))
        return out
    }
}

enum LogSumExpKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let dims = try BuiltinOps.reducedDims(ctx.attributes, rank: x.rank)
        ReductionKernels.reduce(ReductionLayout(x, dims: dims), LogSumExpReduction<T>(output: out.pointer(T.self)))
        return out
    }
}

enum NormKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let dims = try BuiltinOps.reducedDims(ctx.attributes, rank: x.rank)
        ReductionKernels.reduce(ReductionLayout(x, dims: dims), NormReduction<T>(p: ctx.attributes.double("p"), output: out.pointer(T.self)))
        return out
    }
}

extension Tensor {
    /// The variance over `dims` (all when nil), `torch.var`: the mean squared
    /// deviation from the mean, with `correction` subtracted from the element count
    /// (1, Bessel's correction, gives the unbiased estimate; 0 the population variance).
    public func variance(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) -> Tensor {
        dispatch(.variance, [self], ["dims": dims.map(AttributeValue.ints) ?? nil, "correction": .double(correction),
                                     "keepdim": .bool(keepdim)])
    }

    /// The standard deviation over `dims` (all when nil), `torch.std`: the square
    /// root of `variance(dims:correction:keepdim:)`.
    public func standardDeviation(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) -> Tensor {
        dispatch(.standardDeviation, [self], ["dims": dims.map(AttributeValue.ints) ?? nil,
                                              "correction": .double(correction), "keepdim": .bool(keepdim)])
    }

    /// `log(Σ exp(x))` over `dims` (all when nil), `torch.logsumexp`, computed
    /// without overflow for large magnitudes; a slice of -inf gives -inf.
    public func logSumExp(dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        dispatch(.logSumExp, [self], ["dims": dims.map(AttributeValue.ints) ?? nil, "keepdim": .bool(keepdim)])
    }

    /// The vector p-norm over `dims` (all when nil), `torch.linalg.vector_norm`:
    /// `(Σ |x|^p)^(1/p)`; p = inf is the largest magnitude, -inf the smallest, and
    /// 0 counts the non-zero elements.
    public func norm(p: Double = 2, dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        dispatch(.norm, [self], ["p": .double(p), "dims": dims.map(AttributeValue.ints) ?? nil, "keepdim": .bool(keepdim)])
    }
}

/// The variance of `x` (see `Tensor.variance(dims:correction:keepdim:)`).
public func variance(_ x: Tensor, dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) -> Tensor {
    x.variance(dims: dims, correction: correction, keepdim: keepdim)
}

/// The standard deviation of `x` (see `Tensor.standardDeviation(dims:correction:keepdim:)`).
public func standardDeviation(_ x: Tensor, dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) -> Tensor {
    x.standardDeviation(dims: dims, correction: correction, keepdim: keepdim)
}

/// `log(Σ exp(x))` over `dims` (see `Tensor.logSumExp(dims:keepdim:)`).
public func logSumExp(_ x: Tensor, dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
    x.logSumExp(dims: dims, keepdim: keepdim)
}

/// The vector p-norm of `x` (see `Tensor.norm(p:dims:keepdim:)`).
public func norm(_ x: Tensor, p: Double = 2, dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
    x.norm(p: p, dims: dims, keepdim: keepdim)
}
