/// relu, sigmoid, tanh, clamp, softmax, log_softmax.
extension BuiltinOps {
    static let activations: [OpDefinition] = [
        OpDefinition(name: "relu", inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.unary(Relu.self), saves: .output) { ctx in
            [ctx.gradOutput * greater(ctx.output, ctx.output.scalar(0))]
        },
        OpDefinition(name: "sigmoid", inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.unary(SigmoidFunction.self), saves: .output) { ctx in
            let y = ctx.output
            return [ctx.gradOutput * y * (1 - y)]
        },
        OpDefinition(name: "tanh", inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.unary(TanhFunction.self), saves: .output) { ctx in
            let y = ctx.output
            return [ctx.gradOutput * (1 - y * y)]
        },
        OpDefinition(name: "clamp", inputs: ["x"],
                     attributes: [AttributeSpec("min", .double, default: .none), AttributeSpec("max", .double, default: .none)],
                     elementwise: true, forward: clampKernels, gradFnName: "ClampBackward1") { ctx in
            // Gradient 1 where min <= x <= max, as PyTorch's clamp_backward.
            let x = ctx.inputs[0]
            var mask = Tensor.ones(like: x)
            if let lo = ctx.attributes.optionalDouble("min") { mask = mask * greaterOrEqual(x, x.scalar(lo)) }
            if let hi = ctx.attributes.optionalDouble("max") { mask = mask * greaterOrEqual(x.scalar(hi), x) }
            return [ctx.gradOutput * mask]
        },
        OpDefinition(name: "softmax", inputs: ["x"], attributes: [AttributeSpec("dim", .int)],
                     outputShape: alongDim, forward: softmaxKernels(log: false), saves: .output) { ctx in
            let y = ctx.output, g = ctx.gradOutput, dim = ctx.attributes.int("dim")
            return [y * (g - (g * y).sum(dims: [dim], keepdim: true))]
        },
        OpDefinition(name: "log_softmax", inputs: ["x"], attributes: [AttributeSpec("dim", .int)],
                     outputShape: alongDim, forward: softmaxKernels(log: true), saves: .output) { ctx in
            let g = ctx.gradOutput, dim = ctx.attributes.int("dim")
            return [g - exp(ctx.output) * g.sum(dims: [dim], keepdim: true)]
        },
    ]

    /// The input's shape, after checking that attribute `dim` names one of its dims.
    static let alongDim = ShapeRule { ctx in
        _ = try ctx.dim(ctx.attributes.int("dim"))
        return ctx.shapes[0]
    }

    static let clampKernels: [DType: Kernel] = [
        .float32: { ctx in clamp(ctx, Float.self) },
        .float64: { ctx in clamp(ctx, Double.self) },
    ]

    private static func clamp<T: TensorScalar>(_ ctx: KernelContext, _: T.Type) -> Tensor {
        let lo = ctx.attributes.optionalDouble("min").map { T($0) } ?? -.infinity
        let hi = ctx.attributes.optionalDouble("max").map { T($0) } ?? .infinity
        return ElementwiseKernels.map(ctx.inputs[0], into: ctx.makeOutput()) { (v: T) in
            v.isNaN ? v : Swift.min(Swift.max(v, lo), hi)
        }
    }

    static func softmaxKernels(log: Bool) -> [DType: Kernel] {
        [
            .float32: { ctx in softmax(ctx, log: log, Float.self) },
            .float64: { ctx in softmax(ctx, log: log, Double.self) },
        ]
    }

    private static func softmax<T: TensorScalar>(_ ctx: KernelContext, log: Bool, _: T.Type) -> Tensor {
        let x = ctx.inputs[0], out = ctx.makeOutput()
        let dim = Shape.normalize(dim: ctx.attributes.int("dim"), rank: x.rank)!
        ReductionKernels.softmax(x, dim: dim, log: log, into: out, as: T.self)
        return out
    }
}

enum Relu: UnaryFunction {
    static func apply<T: TensorScalar>(_ x: T) -> T { x > 0 || x.isNaN ? x : 0 }
}
enum SigmoidFunction: UnaryFunction {
    static func apply<T: TensorScalar>(_ x: T) -> T { 1 / (1 + .exp(-x)) }
}
enum TanhFunction: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .tanh(x) } }

/// `max(x, 0)` elementwise.
public func relu(_ x: Tensor) -> Tensor { dispatch(.relu, [x]) }
/// `1 / (1 + exp(-x))` elementwise.
public func sigmoid(_ x: Tensor) -> Tensor { dispatch(.sigmoid, [x]) }
/// The hyperbolic tangent of each element.
public func tanh(_ x: Tensor) -> Tensor { dispatch(.tanh, [x]) }

/// Each element limited to `[min, max]`; either bound may be omitted.
public func clamp(_ x: Tensor, min: Double? = nil, max: Double? = nil) -> Tensor {
    dispatch(.clamp, [x], ["min": min.map(AttributeValue.double) ?? .none, "max": max.map(AttributeValue.double) ?? .none])
}

/// `exp(x) / sum(exp(x))` along `dim`.
public func softmax(_ x: Tensor, dim: Int) -> Tensor { dispatch(.softmax, [x], ["dim": .int(dim)]) }

/// `x - log(sum(exp(x)))` along `dim`, computed stably.
public func logSoftmax(_ x: Tensor, dim: Int) -> Tensor { dispatch(.logSoftmax, [x], ["dim": .int(dim)]) }
