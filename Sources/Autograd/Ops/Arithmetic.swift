/// add, sub, mul, div, neg, pow, pow_scalar, maximum: elementwise arithmetic that broadcasts.
extension BuiltinOps {
    static let arithmetic: [OpDefinition] = [
        OpDefinition(name: "add", inputs: ["a", "b"], elementwise: true,
                     forward: ElementwiseKernels.binary(Add.self), saves: []) { ctx in
            [ctx.gradOutput, ctx.gradOutput]
        },
        OpDefinition(name: "sub", inputs: ["a", "b"], elementwise: true,
                     forward: ElementwiseKernels.binary(Sub.self), saves: []) { ctx in
            [ctx.gradOutput, -ctx.gradOutput]
        },
        OpDefinition(name: "mul", inputs: ["a", "b"], elementwise: true,
                     forward: ElementwiseKernels.binary(Mul.self), saves: .otherInputs) { ctx in
            let (a, b, g) = (ctx.inputs[0], ctx.inputs[1], ctx.gradOutput)
            return [ctx.needsInputGrad[0] ? g * b : nil, ctx.needsInputGrad[1] ? g * a : nil]
        },
        OpDefinition(name: "div", inputs: ["a", "b"], elementwise: true,
                     forward: ElementwiseKernels.binary(Div.self)) { ctx in
            let (a, b, g) = (ctx.inputs[0], ctx.inputs[1], ctx.gradOutput)
            return [ctx.needsInputGrad[0] ? g / b : nil, ctx.needsInputGrad[1] ? -g * a / (b * b) : nil]
        },
        OpDefinition(name: "neg", inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.unary(Neg.self), saves: []) { ctx in
            [-ctx.gradOutput]
        },
        OpDefinition(name: "pow_scalar", inputs: ["x"], attributes: [AttributeSpec("exponent", .double)],
                     elementwise: true, forward: powScalarKernels, gradFnName: "PowBackward0") { ctx in
            let p = ctx.attributes.double("exponent")
            if p == 0 { return [Tensor.zeros(like: ctx.gradOutput)] }
            return [ctx.gradOutput * p * ctx.inputs[0] ** (p - 1)]
        },
        OpDefinition(name: "pow", inputs: ["base", "exponent"], elementwise: true,
                     forward: ElementwiseKernels.binary(Pow.self), saves: [.inputs, .output],
                     gradFnName: "PowBackward1") { ctx in
            let (base, exponent, g) = (ctx.inputs[0], ctx.inputs[1], ctx.gradOutput)
            return [
                ctx.needsInputGrad[0] ? g * exponent * base ** (exponent - 1) : nil,
                ctx.needsInputGrad[1] ? g * ctx.output * log(base) : nil,
            ]
        },
        OpDefinition(name: "maximum", inputs: ["a", "b"], elementwise: true,
                     forward: ElementwiseKernels.binary(Maximum.self)) { ctx in
            // Ties split the gradient evenly, as in PyTorch.
            let (a, b, g) = (ctx.inputs[0], ctx.inputs[1], ctx.gradOutput)
            let toA = greater(a, b) + 0.5 * equal(a, b)
            return [g * toA, g * (1 - toA)]
        },
    ]

    /// `x ** p` with fast paths for the exponents people write most.
    static let powScalarKernels: [DType: Kernel] = [
        .float32: { ctx in powScalar(ctx, Float.self) },
        .float64: { ctx in powScalar(ctx, Double.self) },
    ]

    private static func powScalar<T: TensorScalar>(_ ctx: KernelContext, _: T.Type) -> Tensor {
        let exponent = ctx.attributes.double("exponent")
        let x = ctx.inputs[0], out = ctx.makeOutput()
        switch exponent {
        case 1: return ElementwiseKernels.map(x, into: out) { (v: T) in v }
        case 2: return ElementwiseKernels.map(x, into: out) { (v: T) in v * v }
        case 3: return ElementwiseKernels.map(x, into: out) { (v: T) in v * v * v }
        case 0.5: return ElementwiseKernels.map(x, into: out) { (v: T) in v.squareRoot() }
        case -1: return ElementwiseKernels.map(x, into: out) { (v: T) in 1 / v }
        default:
            let p = T(exponent)
            return ElementwiseKernels.map(x, into: out) { (v: T) in T.cPow(v, p) }
        }
    }
}

enum Add: BinaryFunction { static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a + b } }
enum Sub: BinaryFunction { static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a - b } }
enum Mul: BinaryFunction { static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a * b } }
enum Div: BinaryFunction { static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a / b } }
enum Neg: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { -x } }
enum Pow: BinaryFunction { static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { T.cPow(a, b) } }
enum Maximum: BinaryFunction {
    static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
}

precedencegroup ExponentiationPrecedence {
    associativity: right
    higherThan: MultiplicationPrecedence
}

/// Elementwise power: `x ** 2` (op `pow_scalar`) or `x ** y` (op `pow`).
infix operator **: ExponentiationPrecedence

extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor { dispatch(.add, [a, b]) }
    public static func + (a: Tensor, b: Double) -> Tensor { a + a.scalar(b) }
    public static func + (a: Double, b: Tensor) -> Tensor { b.scalar(a) + b }

    public static func - (a: Tensor, b: Tensor) -> Tensor { dispatch(.sub, [a, b]) }
    public static func - (a: Tensor, b: Double) -> Tensor { a - a.scalar(b) }
    public static func - (a: Double, b: Tensor) -> Tensor { b.scalar(a) - b }

    public static func * (a: Tensor, b: Tensor) -> Tensor { dispatch(.mul, [a, b]) }
    public static func * (a: Tensor, b: Double) -> Tensor { a * a.scalar(b) }
    public static func * (a: Double, b: Tensor) -> Tensor { b.scalar(a) * b }

    public static func / (a: Tensor, b: Tensor) -> Tensor { dispatch(.div, [a, b]) }
    public static func / (a: Tensor, b: Double) -> Tensor { a / a.scalar(b) }
    public static func / (a: Double, b: Tensor) -> Tensor { b.scalar(a) / b }

    public static prefix func - (x: Tensor) -> Tensor { dispatch(.neg, [x]) }

    public static func ** (x: Tensor, exponent: Double) -> Tensor {
        dispatch(.powScalar, [x], ["exponent": .double(exponent)])
    }

    public static func ** (base: Tensor, exponent: Tensor) -> Tensor { dispatch(.pow, [base, exponent]) }

    public static func ** (base: Double, exponent: Tensor) -> Tensor { exponent.scalar(base) ** exponent }
}

/// The elementwise maximum of two tensors, broadcasting.
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { dispatch(.maximum, [a, b]) }
