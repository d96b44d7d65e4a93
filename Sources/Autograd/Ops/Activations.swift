/// relu, sigmoid, tanh, clamp, softmax, log_softmax. The other pointwise
/// activations of `torch.nn.functional` are in PointwiseActivations.swift.
extension BuiltinOps {
    static let activations: [OpDefinition] = [
        // threshold_backward(grad, result, 0): 0 at and below 0, the gradient itself elsewhere (NaN too).
        OpDefinition(name: "relu", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.numericUnary(Relu.self),
                     saves: .output, reference: "maximum(x, 0)", derivative: .partials { ctx in [which(ctx.output .<= 0, 0, 1, dtype: ctx.output.dtype)] }),
        OpDefinition(name: "sigmoid", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(SigmoidFunction.self),
                     saves: .output, reference: "1 / (1 + exp(-x))", derivative: .partials { ctx in
                         let y = ctx.output
                         return [y * (1 - y)]
                     }),
        OpDefinition(name: "tanh", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(TanhFunction.self),
                     saves: .output, reference: "2 * sigmoid(2 * x) - 1", derivative: .partials { ctx in
                         let y = ctx.output
                         return [1 - y * y]
                     }),
        OpDefinition(name: "clamp", inputs: ["x"],
                     attributes: [AttributeSpec("min", .double, default: nil), AttributeSpec("max", .double, default: nil)],
                     elementwise: true, forward: .floating(ClampKernel.self), gradFnName: "ClampBackward1",
                     reference: "-maximum(-maximum(x, min), -max)", derivative: .partials { ctx in
                         // Gradient 1 where min <= x <= max, as PyTorch's clamp_backward.
                         let x = ctx.inputs[0]
                         var inside = Tensor.ones(x.shape, dtype: .bool)
                         if let lo = ctx.attributes.optionalDouble("min") { inside = logicalAnd(inside, x .>= lo) }
                         if let hi = ctx.attributes.optionalDouble("max") { inside = logicalAnd(inside, x .<= hi) }
                         return [inside.converted(to: x.dtype)]
                     }),
        // Shifted by the maximum, so that large inputs do not overflow the reference.
        OpDefinition(name: "softmax", inputs: ["x"], attributes: [AttributeSpec("dim", .int)],
                     outputShape: alongDim, forward: softmaxKernels(log: false), saves: .output,
                     reference: "exp(x - max_reduce(x, dim=dim, keepdim=true)) / "
                         + "sum(exp(x - max_reduce(x, dim=dim, keepdim=true)), dims=[dim], keepdim=true)",
                     jvp: .rule { ctx in
                         let y = ctx.output, t = ctx.tangent(0), dim = ctx.attributes.int("dim")
                         return [y * (t - (t * y).sum(dims: [dim], keepdim: true))]
                     }) { ctx in
            let y = ctx.output, g = ctx.gradOutput, dim = ctx.attributes.int("dim")
            return [y * (g - (g * y).sum(dims: [dim], keepdim: true))]
        },
        OpDefinition(name: "log_softmax", inputs: ["x"], attributes: [AttributeSpec("dim", .int)],
                     outputShape: alongDim, forward: softmaxKernels(log: true), saves: .output,
                     reference: "x - max_reduce(x, dim=dim, keepdim=true) - "
                         + "log(sum(exp(x - max_reduce(x, dim=dim, keepdim=true)), dims=[dim], keepdim=true))",
                     jvp: .rule { ctx in
                         let t = ctx.tangent(0), dim = ctx.attributes.int("dim")
                         return [t - (exp(ctx.output) * t).sum(dims: [dim], keepdim: true)]
                     }) { ctx in
            let g = ctx.gradOutput, dim = ctx.attributes.int("dim")
            return [g - exp(ctx.output) * g.sum(dims: [dim], keepdim: true)]
        },
    ]

    /// The input's shape, after checking that attribute `dim` names one of its dims.
    static let alongDim = ShapeRule { ctx in
        _ = try ctx.dim(ctx.attributes.int("dim"))
        return ctx.shapes[0]
    }

    static func softmaxKernels(log: Bool) -> ForwardKernels {
        ForwardKernels(bodies: [
            .float32: .single { ctx in try softmax(ctx, log: log, Float.self) },
            .float64: .single { ctx in try softmax(ctx, log: log, Double.self) },
        ])
    }

    private static func softmax<T: TensorScalar>(_ ctx: KernelContext, log: Bool, _: T.Type) throws -> Tensor {
        let x = ctx.inputs[0], out = try ctx.makeOutput()
        let dim = Shape.normalize(dim: ctx.attributes.int("dim"), rank: x.rank)!
        ReductionKernels.softmax(x, dim: dim, log: log, into: out, as: T.self)
        return out
    }
}

enum Relu: NumericUnaryFunction {
    static func apply<T: TensorNumeric>(_ x: T) -> T { x > T.zeroValue || x.isNaNValue ? x : T.zeroValue }
}

enum ClampKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let lo = ctx.attributes.optionalDouble("min").map { T($0) } ?? -.infinity
        let hi = ctx.attributes.optionalDouble("max").map { T($0) } ?? .infinity
        return ElementwiseKernels.map(ctx.inputs[0], into: try ctx.makeOutput()) { (v: T) in
            v.isNaN ? v : Swift.min(Swift.max(v, lo), hi)
        }
    }
}
enum SigmoidFunction: UnaryFunction {
    static func apply<T: TensorScalar>(_ x: T) -> T { 1 / (1 + .exp(-x)) }
}
enum TanhFunction: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .tanh(x) } }

extension OpHandle {
    static let relu = OpHandle("relu")
    static let sigmoid = OpHandle("sigmoid")
    static let tanh = OpHandle("tanh")
    static let clamp = OpHandle("clamp")
    static let softmax = OpHandle("softmax")
    static let logSoftmax = OpHandle("log_softmax")
}

/// `max(x, 0)` elementwise.
public func relu(_ x: Tensor) -> Tensor { dispatch(.relu, [x]) }
/// `1 / (1 + exp(-x))` elementwise.
public func sigmoid(_ x: Tensor) -> Tensor { dispatch(.sigmoid, [x]) }
/// The hyperbolic tangent of each element.
public func tanh(_ x: Tensor) -> Tensor { dispatch(.tanh, [x]) }

/// Each element limited to `[min, max]`; either bound may be omitted.
public func clamp(_ x: Tensor, min: Double? = nil, max: Double? = nil) -> Tensor {
    dispatch(.clamp, [x], ["min": min.map(AttributeValue.double) ?? nil, "max": max.map(AttributeValue.double) ?? nil])
}

/// `exp(x) / sum(exp(x))` along `dim`.
public func softmax(_ x: Tensor, dim: Int) -> Tensor { dispatch(.softmax, [x], ["dim": .int(dim)]) }

/// `x - log(sum(exp(x)))` along `dim`, computed stably.
public func logSoftmax(_ x: Tensor, dim: Int) -> Tensor { dispatch(.logSoftmax, [x], ["dim": .int(dim)]) }

extension Tensor {
    /// `max(x, 0)` elementwise (see `relu(_:)`).
    public func relu() -> Tensor { Autograd.relu(self) }
    /// `1 / (1 + exp(-x))` elementwise (see `sigmoid(_:)`).
    public func sigmoid() -> Tensor { Autograd.sigmoid(self) }
    /// The hyperbolic tangent of each element (see `tanh(_:)`).
    public func tanh() -> Tensor { Autograd.tanh(self) }
    /// Each element limited to `[min, max]` (see `clamp(_:min:max:)`).
    public func clamped(min: Double? = nil, max: Double? = nil) -> Tensor { Autograd.clamp(self, min: min, max: max) }
    /// Softmax along `dim` (see `softmax(_:dim:)`).
    public func softmax(dim: Int) -> Tensor { Autograd.softmax(self, dim: dim) }
    /// Log-softmax along `dim` (see `logSoftmax(_:dim:)`).
    public func logSoftmax(dim: Int) -> Tensor { Autograd.logSoftmax(self, dim: dim) }
}
