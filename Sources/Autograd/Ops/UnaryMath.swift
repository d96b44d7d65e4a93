/// exp, log, sqrt, abs, sin, cos, erf: elementwise functions of one tensor.
extension BuiltinOps {
    static let unaryMath: [OpDefinition] = [
        OpDefinition(name: "exp", inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.unary(Exp.self), saves: .output) { ctx in
            [ctx.gradOutput * ctx.output]
        },
        OpDefinition(name: "log", inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.unary(Log.self)) { ctx in
            [ctx.gradOutput / ctx.inputs[0]]
        },
        OpDefinition(name: "sqrt", inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.unary(Sqrt.self), saves: .output) { ctx in
            [ctx.gradOutput / (2 * ctx.output)]
        },
        OpDefinition(name: "abs", inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.unary(Abs.self)) { ctx in
            [ctx.gradOutput * sign(ctx.inputs[0])]
        },
        OpDefinition(name: "sin", inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.unary(Sin.self)) { ctx in
            [ctx.gradOutput * cos(ctx.inputs[0])]
        },
        OpDefinition(name: "cos", inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.unary(Cos.self)) { ctx in
            [-ctx.gradOutput * sin(ctx.inputs[0])]
        },
        OpDefinition(name: "erf", inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.unary(Erf.self)) { ctx in
            // d/dx erf(x) = 2/sqrt(pi) · exp(-x²)
            let x = ctx.inputs[0]
            return [ctx.gradOutput * (2 / Double.pi.squareRoot()) * exp(-(x * x))]
        },
    ]
}

enum Exp: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .exp(x) } }
enum Log: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .log(x) } }
enum Sqrt: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { x.squareRoot() } }
enum Abs: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { Swift.abs(x) } }
enum Sin: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .sin(x) } }
enum Cos: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .cos(x) } }
enum Erf: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { T.cErf(x) } }

/// e raised to each element.
public func exp(_ x: Tensor) -> Tensor { dispatch(.exp, [x]) }
/// The natural logarithm of each element.
public func log(_ x: Tensor) -> Tensor { dispatch(.log, [x]) }
/// The square root of each element.
public func sqrt(_ x: Tensor) -> Tensor { dispatch(.sqrt, [x]) }
/// The absolute value of each element.
public func abs(_ x: Tensor) -> Tensor { dispatch(.abs, [x]) }
/// The sine of each element.
public func sin(_ x: Tensor) -> Tensor { dispatch(.sin, [x]) }
/// The cosine of each element.
public func cos(_ x: Tensor) -> Tensor { dispatch(.cos, [x]) }
/// The error function of each element, `2/sqrt(pi) · ∫₀ˣ exp(-t²) dt`.
public func erf(_ x: Tensor) -> Tensor { dispatch(.erf, [x]) }
