/// exp, log, sqrt, abs, sin, cos, erf: elementwise functions of one tensor, each
/// with its derivative, from which its backward and forward rules follow.
extension BuiltinOps {
    static let unaryMath: [OpDefinition] = [
        OpDefinition(name: "exp", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(Exp.self),
                     saves: .output, derivative: .partials { ctx in [ctx.output] }),
        OpDefinition(name: "log", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(Log.self),
                     derivative: .partials { ctx in [1 / ctx.inputs[0]] }),
        OpDefinition(name: "sqrt", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(Sqrt.self),
                     saves: .output, derivative: .partials { ctx in [0.5 / ctx.output] }),
        OpDefinition(name: "abs", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.numericUnary(Abs.self),
                     derivative: .partials { ctx in [sign(ctx.inputs[0])] }),
        OpDefinition(name: "sin", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(Sin.self),
                     derivative: .partials { ctx in [cos(ctx.inputs[0])] }),
        OpDefinition(name: "cos", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(Cos.self),
                     derivative: .partials { ctx in [-sin(ctx.inputs[0])] }),
        // d/dx erf(x) = 2/sqrt(pi) · exp(-x²)
        OpDefinition(name: "erf", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(Erf.self),
                     derivative: .partials { ctx in
                         let x = ctx.inputs[0]
                         return [(2 / Double.pi.squareRoot()) * exp(-(x * x))]
                     }),
    ]
}

enum Exp: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .exp(x) } }
enum Log: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .log(x) } }
enum Sqrt: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { x.squareRoot() } }
enum Abs: NumericUnaryFunction {
    static func apply<T: TensorNumeric>(_ x: T) -> T { x < T.zeroValue ? T.wrappingSubtract(T.zeroValue, x) : x }
}
enum Sin: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .sin(x) } }
enum Cos: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .cos(x) } }
enum Erf: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { T.cErf(x) } }

extension OpHandle {
    static let exp = OpHandle("exp")
    static let log = OpHandle("log")
    static let sqrt = OpHandle("sqrt")
    static let abs = OpHandle("abs")
    static let sin = OpHandle("sin")
    static let cos = OpHandle("cos")
    static let erf = OpHandle("erf")
}

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

extension Tensor {
    /// e raised to each element (see `exp(_:)`).
    public func exp() -> Tensor { Autograd.exp(self) }
    /// The natural logarithm of each element (see `log(_:)`).
    public func log() -> Tensor { Autograd.log(self) }
    /// The square root of each element (see `sqrt(_:)`).
    public func sqrt() -> Tensor { Autograd.sqrt(self) }
    /// The absolute value of each element (see `abs(_:)`).
    public func abs() -> Tensor { Autograd.abs(self) }
    /// The sine of each element (see `sin(_:)`).
    public func sin() -> Tensor { Autograd.sin(self) }
    /// The cosine of each element (see `cos(_:)`).
    public func cos() -> Tensor { Autograd.cos(self) }
    /// The error function of each element (see `erf(_:)`).
    public func erf() -> Tensor { Autograd.erf(self) }
}
