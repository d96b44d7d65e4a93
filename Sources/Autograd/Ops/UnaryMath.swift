/// exp, log, sqrt, abs, sin, cos, erf, log1p, expm1, log2, exp2, tan, asin, acos,
/// atan, sinh, cosh, rsqrt, reciprocal, square: elementwise functions of one
/// tensor, each with its derivative (PyTorch's `derivatives.yaml` formula), from
/// which its backward and forward rules follow. The derivatives are tensor ops, so
/// they differentiate again.
extension BuiltinOps {
    static let unaryMath: [OpDefinition] = [
        OpDefinition(name: "exp", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(Exp.self),
                     saves: .output, reference: "2.718281828459045 ** x", derivative: .partials { ctx in [ctx.output] }),
        OpDefinition(name: "log", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(Log.self),
                     reference: "log2(x) * 0.6931471805599453", derivative: .partials { ctx in [1 / ctx.inputs[0]] }),
        // Not `x ** 0.5`: pow_scalar's fast path for 0.5 is this very square root.
        OpDefinition(name: "sqrt", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(Sqrt.self),
                     saves: .output, reference: "exp(0.5 * log(x))", derivative: .partials { ctx in [0.5 / ctx.output] }),
        OpDefinition(name: "abs", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.numericUnary(Abs.self),
                     reference: "maximum(x, -x)", derivative: .partials { ctx in [sign(ctx.inputs[0])] }),
        // Not `cos(x - π/2)`: for large x the shift is lost to rounding.
        OpDefinition(name: "sin", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(Sin.self),
                     reference: "tan(x) * cos(x)", derivative: .partials { ctx in [cos(ctx.inputs[0])] }),
        OpDefinition(name: "cos", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(Cos.self),
                     reference: "1 - 2 * sin(x / 2) ** 2", derivative: .partials { ctx in [-sin(ctx.inputs[0])] }),
        // d/dx erf(x) = 2/sqrt(pi) · exp(-x²)
        OpDefinition(name: "erf", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(Erf.self),
                     derivative: .partials { ctx in
                         let x = ctx.inputs[0]
                         return [(2 / Double.pi.squareRoot()) * exp(-(x * x))]
                     }),
        unary("log1p", Log1p.self, reference: "log(1 + x)") { ctx in 1 / (ctx.inputs[0] + 1) },
        unary("expm1", Expm1.self, saves: .output, reference: "exp(x) - 1") { ctx in ctx.output + 1 },
        unary("log2", Log2.self, reference: "log(x) / 0.6931471805599453") { ctx in 1 / (ctx.inputs[0] * ln2) },
        unary("exp2", Exp2.self, saves: .output, reference: "exp(0.6931471805599453 * x)") { ctx in ctx.output * ln2 },
        unary("tan", Tan.self, saves: .output, reference: "sin(x) / cos(x)") { ctx in 1 + ctx.output * ctx.output },
        unary("asin", Asin.self, reference: "atan(x / (1 - x * x) ** 0.5)") { ctx in
            rsqrt(1 - ctx.inputs[0] * ctx.inputs[0])
        },
        unary("acos", Acos.self, reference: "1.5707963267948966 - atan(x / (1 - x * x) ** 0.5)") { ctx in
            -rsqrt(1 - ctx.inputs[0] * ctx.inputs[0])
        },
        unary("atan", Atan.self, reference: "atan2(x, 1)") { ctx in 1 / (ctx.inputs[0] * ctx.inputs[0] + 1) },
        unary("sinh", Sinh.self, reference: "(exp(x) - exp(-x)) / 2") { ctx in cosh(ctx.inputs[0]) },
        unary("cosh", Cosh.self, reference: "(exp(x) + exp(-x)) / 2") { ctx in sinh(ctx.inputs[0]) },
        // d/dx x^(-1/2) = -1/2 · y³
        // Not `x ** -0.5`: IEEE pow(-inf, -0.5) is 0, where rsqrt (and PyTorch's) is NaN.
        unary("rsqrt", Rsqrt.self, saves: .output, reference: "exp(-0.5 * log(x))") { ctx in
            -0.5 * ctx.output * ctx.output * ctx.output
        },
        // Integer tensors come out as float32, as in PyTorch: the op has floating kernels only.
        unary("reciprocal", Reciprocal.self, saves: .output, reference: "x ** -1") { ctx in -(ctx.output * ctx.output) },
        // Integer tensors stay int64, as in PyTorch.
        OpDefinition(name: "square", inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.numericUnary(Square.self), reference: "x ** 2",
                     derivative: .partials { ctx in [2 * ctx.inputs[0]] }),
    ]

    /// ln 2, the factor in the derivatives of log2 and exp2.
    private static let ln2 = 0.6931471805599453

    /// A floating-point elementwise op of one input, from its scalar function and its derivative.
    private static func unary<F: UnaryFunction>(
        _ name: String, _: F.Type, saves: SavedTensors = .inputs, reference: String,
        derivative: @escaping @Sendable (DerivativeContext) throws -> Tensor
    ) -> OpDefinition {
        OpDefinition(name: name, inputs: ["x"], elementwise: true, forward: ElementwiseKernels.unary(F.self),
                     saves: saves, reference: reference, derivative: .partials { ctx in [try derivative(ctx)] })
    }
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
// RealModule's members below are C's functions (`log(onePlus:)` is `log1p`,
// `expMinusOne` is `expm1`, the rest share C's names): unlike its `pow`, they add
// no domain checks of their own, so NaN, ±inf and out-of-domain inputs give C's
// results, as PyTorch's `std::` calls do. ElementwiseMathTests compares each
// with Glibc's.
enum Log1p: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .log(onePlus: x) } }
enum Expm1: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .expMinusOne(x) } }
enum Log2: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .log2(x) } }
enum Exp2: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .exp2(x) } }
enum Tan: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .tan(x) } }
enum Asin: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .asin(x) } }
enum Acos: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .acos(x) } }
enum Atan: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .atan(x) } }
enum Sinh: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .sinh(x) } }
enum Cosh: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { .cosh(x) } }
/// `1 / sqrt(x)`, as PyTorch computes it (so `rsqrt(-0.0)` is -inf).
enum Rsqrt: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { 1 / x.squareRoot() } }
enum Reciprocal: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { 1 / x } }
enum Square: NumericUnaryFunction { static func apply<T: TensorNumeric>(_ x: T) -> T { T.wrappingMultiply(x, x) } }

extension OpHandle {
    static let exp = OpHandle("exp")
    static let log = OpHandle("log")
    static let sqrt = OpHandle("sqrt")
    static let abs = OpHandle("abs")
    static let sin = OpHandle("sin")
    static let cos = OpHandle("cos")
    static let erf = OpHandle("erf")
    static let log1p = OpHandle("log1p")
    static let expm1 = OpHandle("expm1")
    static let log2 = OpHandle("log2")
    static let exp2 = OpHandle("exp2")
    static let tan = OpHandle("tan")
    static let asin = OpHandle("asin")
    static let acos = OpHandle("acos")
    static let atan = OpHandle("atan")
    static let sinh = OpHandle("sinh")
    static let cosh = OpHandle("cosh")
    static let rsqrt = OpHandle("rsqrt")
    static let reciprocal = OpHandle("reciprocal")
    static let square = OpHandle("square")
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
/// `log(1 + x)` of each element, accurate for small x (`torch.log1p`).
public func log1p(_ x: Tensor) -> Tensor { dispatch(.log1p, [x]) }
/// `exp(x) - 1` of each element, accurate for small x (`torch.expm1`).
public func expm1(_ x: Tensor) -> Tensor { dispatch(.expm1, [x]) }
/// The base-2 logarithm of each element (`torch.log2`).
public func log2(_ x: Tensor) -> Tensor { dispatch(.log2, [x]) }
/// 2 raised to each element (`torch.exp2`).
public func exp2(_ x: Tensor) -> Tensor { dispatch(.exp2, [x]) }
/// The tangent of each element (`torch.tan`).
public func tan(_ x: Tensor) -> Tensor { dispatch(.tan, [x]) }
/// The arcsine of each element; NaN outside [-1, 1] (`torch.asin`).
public func asin(_ x: Tensor) -> Tensor { dispatch(.asin, [x]) }
/// The arccosine of each element; NaN outside [-1, 1] (`torch.acos`).
public func acos(_ x: Tensor) -> Tensor { dispatch(.acos, [x]) }
/// The arctangent of each element (`torch.atan`).
public func atan(_ x: Tensor) -> Tensor { dispatch(.atan, [x]) }
/// The hyperbolic sine of each element (`torch.sinh`).
public func sinh(_ x: Tensor) -> Tensor { dispatch(.sinh, [x]) }
/// The hyperbolic cosine of each element (`torch.cosh`).
public func cosh(_ x: Tensor) -> Tensor { dispatch(.cosh, [x]) }
/// `1 / sqrt(x)` of each element (`torch.rsqrt`).
public func rsqrt(_ x: Tensor) -> Tensor { dispatch(.rsqrt, [x]) }
/// `1 / x` of each element; integer tensors give float32 (`torch.reciprocal`).
public func reciprocal(_ x: Tensor) -> Tensor { dispatch(.reciprocal, [x]) }
/// `x * x` of each element; integer tensors stay int64, wrapping on overflow (`torch.square`).
public func square(_ x: Tensor) -> Tensor { dispatch(.square, [x]) }

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
    /// `log(1 + x)` of each element (see `log1p(_:)`).
    public func log1p() -> Tensor { Autograd.log1p(self) }
    /// `exp(x) - 1` of each element (see `expm1(_:)`).
    public func expm1() -> Tensor { Autograd.expm1(self) }
    /// The base-2 logarithm of each element (see `log2(_:)`).
    public func log2() -> Tensor { Autograd.log2(self) }
    /// 2 raised to each element (see `exp2(_:)`).
    public func exp2() -> Tensor { Autograd.exp2(self) }
    /// The tangent of each element (see `tan(_:)`).
    public func tan() -> Tensor { Autograd.tan(self) }
    /// The arcsine of each element (see `asin(_:)`).
    public func asin() -> Tensor { Autograd.asin(self) }
    /// The arccosine of each element (see `acos(_:)`).
    public func acos() -> Tensor { Autograd.acos(self) }
    /// The arctangent of each element (see `atan(_:)`).
    public func atan() -> Tensor { Autograd.atan(self) }
    /// The hyperbolic sine of each element (see `sinh(_:)`).
    public func sinh() -> Tensor { Autograd.sinh(self) }
    /// The hyperbolic cosine of each element (see `cosh(_:)`).
    public func cosh() -> Tensor { Autograd.cosh(self) }
    /// `1 / sqrt(x)` of each element (see `rsqrt(_:)`).
    public func rsqrt() -> Tensor { Autograd.rsqrt(self) }
    /// `1 / x` of each element (see `reciprocal(_:)`).
    public func reciprocal() -> Tensor { Autograd.reciprocal(self) }
    /// `x * x` of each element (see `square(_:)`).
    public func square() -> Tensor { Autograd.square(self) }
}
