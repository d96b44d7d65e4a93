/// add, sub, mul, div, neg, pow, pow_scalar, maximum, minimum: elementwise
/// arithmetic that broadcasts and promotes (PyTorch's type promotion).
extension BuiltinOps {
    static let addDefinition: OpDefinition = OpDefinition(
        name: "add", inputs: ["a", "b"], elementwise: true, forward: ElementwiseKernels.numericBinary(Add.self),
        saves: [], reference: "a - -b", jvp: .linear
    ) { ctx in [ctx.gradOutput, ctx.gradOutput] }

    static let arithmetic: [OpDefinition] = [
        addDefinition,
        OpDefinition(name: "sub", inputs: ["a", "b"], elementwise: true, forward: ElementwiseKernels.numericBinary(Sub.self),
                     saves: [], reference: "a + -b", jvp: .linear) { ctx in
            [ctx.gradOutput, -ctx.gradOutput]
        },
        OpDefinition(name: "mul", inputs: ["a", "b"], elementwise: true, forward: ElementwiseKernels.numericBinary(Mul.self),
                     saves: .otherInputs, reference: "a / (1 / b)",
                     jvp: .rule { ctx in
                         let (a, b) = (ctx.inputs[0], ctx.inputs[1])
                         let terms = [ctx.tangents[0].map { $0 * b }, ctx.tangents[1].map { a * $0 }].compactMap { $0 }
                         return [terms.count == 2 ? terms[0] + terms[1] : terms[0]]
                     }) { ctx in
            let (g, needs) = (ctx.gradOutput, ctx.needsInputGrad)
            return [needs[0] ? g * ctx.inputs[1] : nil, needs[1] ? g * ctx.inputs[0] : nil]
        },
        OpDefinition(name: "div", inputs: ["a", "b"], elementwise: true, forward: ElementwiseKernels.binary(Div.self),
                     reference: "a * b ** -1", derivative: .partials { ctx in
                         let (a, b) = (ctx.inputs[0], ctx.inputs[1])
                         return [1 / b, -a / (b * b)]
                     }),
        OpDefinition(name: "neg", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.numericUnary(Neg.self),
                     saves: [], reference: "0 - x", jvp: .linear) { ctx in
            [-ctx.gradOutput]
        },
        OpDefinition(name: "pow_scalar", inputs: ["x"], attributes: [AttributeSpec("exponent", .double)],
                     elementwise: true, forward: .floating(PowScalarKernel.self), gradFnName: "PowBackward0",
                     reference: "exp(exponent * log(x))", derivative: .partials { ctx in
                         let x = ctx.inputs[0], p = ctx.attributes.double("exponent")
                         return [p == 0 ? Tensor.zeros(like: x) : p * x ** (p - 1)]
                     }),
        OpDefinition(name: "pow", inputs: ["base", "exponent"], elementwise: true,
                     forward: ElementwiseKernels.binary(Pow.self), saves: [.inputs, .output], gradFnName: "PowBackward1",
                     reference: "exp(exponent * log(base))", derivative: .partials { ctx in
                         let (base, exponent, y) = (ctx.inputs[0], ctx.inputs[1], ctx.output)
                         // PyTorch's pow_backward: exponent 0 contributes nothing to the base, and a
                         // base of 0 with a non-negative exponent nothing to the exponent.
                         let toBase = which(exponent .== 0, 0, exponent * base ** (exponent - 1))
                         let toExponent = which(logicalAnd(base .== 0, exponent .>= 0), 0, y * log(base))
                         return [toBase, toExponent]
                     }),
        // NaN wins: `where(ne(a, a), ...)` picks a NaN `a`; a NaN `b` fails `ge`.
        OpDefinition(name: "maximum", inputs: ["a", "b"], elementwise: true,
                     forward: ElementwiseKernels.numericBinary(Maximum.self),
                     reference: "where(ne(a, a), a, where(ge(a, b), a, b))", derivative: .partials { ctx in
                         // Ties split the gradient evenly, as in PyTorch.
                         let (a, b) = (ctx.inputs[0], ctx.inputs[1])
                         let toA = which(a .> b, 1, which(a .== b, 0.5, 0, dtype: a.dtype))
                         return [toA, 1 - toA]
                     }),
        OpDefinition(name: "minimum", inputs: ["a", "b"], elementwise: true,
                     forward: ElementwiseKernels.numericBinary(Minimum.self),
                     reference: "where(ne(a, a), a, where(le(a, b), a, b))", derivative: .partials { ctx in
                         let (a, b) = (ctx.inputs[0], ctx.inputs[1])
                         let toA = which(a .< b, 1, which(a .== b, 0.5, 0, dtype: a.dtype))
                         return [toA, 1 - toA]
                     }),
    ]
}

/// `x ** p` with fast paths for the exponents people write most.
enum PowScalarKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let exponent = ctx.attributes.double("exponent")
        let x = ctx.inputs[0], out = try ctx.makeOutput()
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

enum Add: NumericBinaryFunction { static func apply<T: TensorNumeric>(_ a: T, _ b: T) -> T { T.wrappingAdd(a, b) } }
enum Sub: NumericBinaryFunction { static func apply<T: TensorNumeric>(_ a: T, _ b: T) -> T { T.wrappingSubtract(a, b) } }
enum Mul: NumericBinaryFunction { static func apply<T: TensorNumeric>(_ a: T, _ b: T) -> T { T.wrappingMultiply(a, b) } }
enum Div: BinaryFunction { static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { a / b } }
enum Neg: NumericUnaryFunction {
    static func apply<T: TensorNumeric>(_ x: T) -> T { T.wrappingSubtract(T.zeroValue, x) }
}
enum Pow: BinaryFunction { static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { T.cPow(a, b) } }
enum Maximum: NumericBinaryFunction {
    static func apply<T: TensorNumeric>(_ a: T, _ b: T) -> T { a.isNaNValue ? a : b.isNaNValue ? b : Swift.max(a, b) }
}
enum Minimum: NumericBinaryFunction {
    static func apply<T: TensorNumeric>(_ a: T, _ b: T) -> T { a.isNaNValue ? a : b.isNaNValue ? b : Swift.min(a, b) }
}

precedencegroup ExponentiationPrecedence {
    associativity: right
    higherThan: MultiplicationPrecedence
}

/// Elementwise power: `x ** 2` (op `pow_scalar`) or `x ** y` (op `pow`).
infix operator **: ExponentiationPrecedence

extension OpHandle {
    static let add = OpHandle("add")
    static let sub = OpHandle("sub")
    static let mul = OpHandle("mul")
    static let div = OpHandle("div")
    static let neg = OpHandle("neg")
    static let powScalar = OpHandle("pow_scalar")
    static let pow = OpHandle("pow")
    static let maximum = OpHandle("maximum")
    static let minimum = OpHandle("minimum")
}

extension Tensor {
    /// `a + b` elementwise (op `add`, `torch.add`), broadcasting, in the inputs' promoted dtype (PyTorch's
    /// type promotion); traps with the op's message when the shapes do not broadcast.
    public static func + (a: Tensor, b: Tensor) -> Tensor { dispatch(.add, [a, b]) }
    /// `a + b` with a scalar (`x + 1.5`); the scalar becomes a 0-d tensor in the tensor's dtype when that is
    /// floating-point, else float32, as a Python float mixes with tensors.
    public static func + (a: Tensor, b: Double) -> Tensor { a + a.scalar(b) }
    /// `a + b` with a scalar on the left (`1.5 + x`); the scalar becomes a 0-d tensor in the tensor's dtype
    /// when that is floating-point, else float32, as a Python float mixes with tensors.
    public static func + (a: Double, b: Tensor) -> Tensor { b.scalar(a) + b }
    /// `a + b` with an integer scalar (`ints + 1` stays int64); the scalar becomes a 0-d tensor in the
    /// tensor's dtype (int64 for bool), as a Python int mixes with tensors.
    public static func + (a: Tensor, b: Int) -> Tensor { a + a.scalar(b) }
    /// `a + b` with an integer scalar on the left; the scalar becomes a 0-d tensor in the tensor's dtype
    /// (int64 for bool), as a Python int mixes with tensors.
    public static func + (a: Int, b: Tensor) -> Tensor { b.scalar(a) + b }

    /// `a - b` elementwise (op `sub`, `torch.sub`), broadcasting, in the inputs' promoted dtype (PyTorch's
    /// type promotion); traps with the op's message when the shapes do not broadcast.
    public static func - (a: Tensor, b: Tensor) -> Tensor { dispatch(.sub, [a, b]) }
    /// `a - b` with a scalar (`x - 0.5`); the scalar becomes a 0-d tensor in the tensor's dtype when that is
    /// floating-point, else float32, as a Python float mixes with tensors.
    public static func - (a: Tensor, b: Double) -> Tensor { a - a.scalar(b) }
    /// `a - b` with a scalar on the left (`1.0 - p`); the scalar becomes a 0-d tensor in the tensor's dtype
    /// when that is floating-point, else float32, as a Python float mixes with tensors.
    public static func - (a: Double, b: Tensor) -> Tensor { b.scalar(a) - b }
    /// `a - b` with an integer scalar; the scalar becomes a 0-d tensor in the tensor's dtype (int64 for
    /// bool), as a Python int mixes with tensors.
    public static func - (a: Tensor, b: Int) -> Tensor { a - a.scalar(b) }
    /// `a - b` with an integer scalar on the left; the scalar becomes a 0-d tensor in the tensor's dtype
    /// (int64 for bool), as a Python int mixes with tensors.
    public static func - (a: Int, b: Tensor) -> Tensor { b.scalar(a) - b }

    /// `a * b` elementwise (op `mul`, `torch.mul`), broadcasting, in the inputs' promoted dtype (PyTorch's
    /// type promotion); traps with the op's message when the shapes do not broadcast.
    public static func * (a: Tensor, b: Tensor) -> Tensor { dispatch(.mul, [a, b]) }
    /// `a * b` with a scalar (`x * 2.5`; `ints * 2.5` is float32); the scalar becomes a 0-d tensor in the
    /// tensor's dtype when that is floating-point, else float32, as a Python float mixes with tensors.
    public static func * (a: Tensor, b: Double) -> Tensor { a * a.scalar(b) }
    /// `a * b` with a scalar on the left (`0.5 * x`); the scalar becomes a 0-d tensor in the tensor's dtype
    /// when that is floating-point, else float32, as a Python float mixes with tensors.
    public static func * (a: Double, b: Tensor) -> Tensor { b.scalar(a) * b }
    /// `a * b` with an integer scalar (`ints * 2` stays int64); the scalar becomes a 0-d tensor in the
    /// tensor's dtype (int64 for bool), as a Python int mixes with tensors.
    public static func * (a: Tensor, b: Int) -> Tensor { a * a.scalar(b) }
    /// `a * b` with an integer scalar on the left; the scalar becomes a 0-d tensor in the tensor's dtype
    /// (int64 for bool), as a Python int mixes with tensors.
    public static func * (a: Int, b: Tensor) -> Tensor { b.scalar(a) * b }

    /// `a / b` elementwise (op `div`, `torch.div`): true division, broadcasting; integer and bool inputs
    /// compute in float32 as in PyTorch (`ints / 2` is float32). Traps with the op's message when the shapes
    /// do not broadcast.
    public static func / (a: Tensor, b: Tensor) -> Tensor { dispatch(.div, [a, b]) }
    /// `a / b` with a scalar (`x / 255.0`); the scalar becomes a 0-d tensor in the tensor's dtype when that
    /// is floating-point, else float32, as a Python float mixes with tensors.
    public static func / (a: Tensor, b: Double) -> Tensor { a / a.scalar(b) }
    /// `a / b` with a scalar on the left (`1.0 / x`); the scalar becomes a 0-d tensor in the tensor's dtype
    /// when that is floating-point, else float32, as a Python float mixes with tensors.
    public static func / (a: Double, b: Tensor) -> Tensor { b.scalar(a) / b }
    /// `a / b` with an integer scalar: true division, so `ints / 2` is float32; the scalar becomes a 0-d
    /// tensor in the tensor's dtype (int64 for bool), as a Python int mixes with tensors.
    public static func / (a: Tensor, b: Int) -> Tensor { a / a.scalar(b) }
    /// `a / b` with an integer scalar on the left (true division); the scalar becomes a 0-d tensor in the
    /// tensor's dtype (int64 for bool), as a Python int mixes with tensors.
    public static func / (a: Int, b: Tensor) -> Tensor { b.scalar(a) / b }

    /// `-x` elementwise (op `neg`, `torch.neg`), in `x`'s dtype (int64 stays int64; bool computes in int64).
    public static prefix func - (x: Tensor) -> Tensor { dispatch(.neg, [x]) }

    /// `x ** exponent` elementwise with a scalar exponent (op `pow_scalar`, `torch.pow(x, 2.0)`),
    /// floating-point (integer inputs compute in float32). Its gradient is `exponent * x ** (exponent - 1)`,
    /// zero for exponent 0.
    public static func ** (x: Tensor, exponent: Double) -> Tensor {
        dispatch(.powScalar, [x], ["exponent": .double(exponent)])
    }

    /// `x ** exponent` with an integer exponent: the same as `x ** Double(exponent)` (op `pow_scalar`), so
    /// `ints ** 2` is float32.
    public static func ** (x: Tensor, exponent: Int) -> Tensor { x ** Double(exponent) }

    /// `base ** exponent` elementwise (op `pow`, `torch.pow`), broadcasting, floating-point (integer inputs
    /// compute in float32). Gradients follow PyTorch's `pow_backward`: none to `base` where `exponent` is 0,
    /// none to `exponent` where `base` is 0 and `exponent >= 0`. Traps with the op's message when the shapes
    /// do not broadcast.
    public static func ** (base: Tensor, exponent: Tensor) -> Tensor { dispatch(.pow, [base, exponent]) }

    /// `base ** exponent` with a scalar base (`2 ** x`, op `pow`); the base is a 0-d tensor in `exponent`'s
    /// floating-point dtype, else float32.
    public static func ** (base: Double, exponent: Tensor) -> Tensor { exponent.scalar(base) ** exponent }
}

/// The elementwise maximum of two tensors, broadcasting (NaN wins).
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { dispatch(.maximum, [a, b]) }

/// The elementwise minimum of two tensors, broadcasting (NaN wins).
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { dispatch(.minimum, [a, b]) }

extension Tensor {
    /// The elementwise maximum with `other` (see `maximum(_:_:)`).
    public func maximum(_ other: Tensor) -> Tensor { Autograd.maximum(self, other) }
    /// The elementwise minimum with `other` (see `minimum(_:_:)`).
    public func minimum(_ other: Tensor) -> Tensor { Autograd.minimum(self, other) }
}
