/// atan2, fmod, remainder: elementwise functions of two tensors that broadcast
/// and promote as arithmetic does. fmod and remainder run on int64 too.
extension BuiltinOps {
    static let binaryMath: [OpDefinition] = [
        // PyTorch's atan2_backward: (b, -a) / (a² + b²).
        OpDefinition(name: "atan2", inputs: ["a", "b"], elementwise: true, forward: ElementwiseKernels.binary(Atan2.self),
                     derivative: .partials { ctx in
                         let (a, b) = (ctx.inputs[0], ctx.inputs[1])
                         let r = 1 / (a * a + b * b)
                         return [b * r, -a * r]
                     }),
        // d/db fmod(a, b) = -trunc(a / b), d/db remainder(a, b) = -floor(a / b) (derivatives.yaml).
        OpDefinition(name: "fmod", inputs: ["a", "b"], elementwise: true,
                     forward: ElementwiseKernels.binary(Fmod.self).adding([.int64: integerRemainder(floored: false)]),
                     derivative: .partials { ctx in remainderPartials(quotient: trunc(ctx.inputs[0] / ctx.inputs[1])) }),
        OpDefinition(name: "remainder", inputs: ["a", "b"], elementwise: true,
                     forward: ElementwiseKernels.binary(Remainder.self).adding([.int64: integerRemainder(floored: true)]),
                     derivative: .partials { ctx in remainderPartials(quotient: floor(ctx.inputs[0] / ctx.inputs[1])) }),
    ]

    /// `[1, -quotient]`; the 1 takes the quotient's (the output's) shape, so a
    /// tangent of a broadcast `a` still spreads to the whole output.
    private static func remainderPartials(quotient: Tensor) -> [Tensor?] {
        [Tensor.ones(like: quotient), -quotient]
    }

    /// C's `%` for fmod (the sign of `a`), Python's for remainder (the sign of `b`).
    /// A zero divisor is an error, as PyTorch's "ZeroDivisionError" for integers.
    private static func integerRemainder(floored: Bool) -> Kernel {
        { ctx in
            var dividesByZero = false
            let (a, b) = (ctx.inputs[0], ctx.inputs[1])
            let out = ElementwiseKernels.map(a, b, into: try ctx.makeOutput()) { (a: Int64, b: Int64) -> Int64 in
                guard b != 0 else {
                    dividesByZero = true
                    return 0
                }
                // Int64.min % -1 overflows in the division, not in the remainder, which is 0.
                let r = a.remainderReportingOverflow(dividingBy: b).partialValue
                return floored && r != 0 && (r < 0) != (b < 0) ? r &+ b : r
            }
            if dividesByZero {
                throw AutogradError(.kernel, "\(ctx.op): integer division by zero (b holds a 0; PyTorch: ZeroDivisionError)")
            }
            return out
        }
    }
}

enum Atan2: BinaryFunction { static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { T.cAtan2(a, b) } }
enum Fmod: BinaryFunction { static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T { T.cFmod(a, b) } }
/// PyTorch's floating remainder: C's fmod, moved by `b` when the signs differ.
enum Remainder: BinaryFunction {
    static func apply<T: TensorScalar>(_ a: T, _ b: T) -> T {
        let m = T.cFmod(a, b)
        return m != 0 && (b < 0) != (m < 0) ? m + b : m
    }
}

extension OpHandle {
    static let atan2 = OpHandle("atan2")
    static let fmod = OpHandle("fmod")
    static let remainder = OpHandle("remainder")
}

/// The angle of the point `(b, a)` from the positive x-axis, in (-π, π],
/// elementwise with broadcasting (`torch.atan2(a, b)`, C's `atan2(y, x)`).
public func atan2(_ a: Tensor, _ b: Tensor) -> Tensor { dispatch(.atan2, [a, b]) }

/// The remainder of `a / b` with the sign of `a`, as C's `fmod` and `%` on
/// integers (`torch.fmod`): `fmod(-3, 2)` is -1. Elementwise with broadcasting;
/// int64 inputs stay int64, and an integer division by zero traps (the registry
/// path throws).
public func fmod(_ a: Tensor, _ b: Tensor) -> Tensor { dispatch(.fmod, [a, b]) }
/// `fmod` by a number, in `a`'s dtype (float32 for an int64 `a`).
public func fmod(_ a: Tensor, _ b: Double) -> Tensor { fmod(a, a.scalar(b)) }
/// `fmod` by a whole number: int64 tensors stay int64.
public func fmod(_ a: Tensor, _ b: Int) -> Tensor { fmod(a, a.scalar(b)) }

/// The remainder of `a / b` with the sign of `b`, as Python's `%`
/// (`torch.remainder`): `remainder(-3, 2)` is 1. Elementwise with broadcasting;
/// int64 inputs stay int64, and an integer division by zero traps (the registry
/// path throws).
public func remainder(_ a: Tensor, _ b: Tensor) -> Tensor { dispatch(.remainder, [a, b]) }
/// `remainder` by a number, in `a`'s dtype (float32 for an int64 `a`).
public func remainder(_ a: Tensor, _ b: Double) -> Tensor { remainder(a, a.scalar(b)) }
/// `remainder` by a whole number: int64 tensors stay int64.
public func remainder(_ a: Tensor, _ b: Int) -> Tensor { remainder(a, a.scalar(b)) }

extension Tensor {
    /// `atan2(self, other)`: the angle of `(other, self)` (see `atan2(_:_:)`).
    public func atan2(_ other: Tensor) -> Tensor { Autograd.atan2(self, other) }
    /// The remainder of `self / other` with the sign of `self` (see `fmod(_:_:)`).
    public func fmod(_ other: Tensor) -> Tensor { Autograd.fmod(self, other) }
    /// `fmod` by a number (see `fmod(_:_:)`).
    public func fmod(_ other: Double) -> Tensor { Autograd.fmod(self, other) }
    /// `fmod` by a whole number (see `fmod(_:_:)`).
    public func fmod(_ other: Int) -> Tensor { Autograd.fmod(self, other) }
    /// The remainder of `self / other` with the sign of `other` (see `remainder(_:_:)`).
    public func remainder(_ other: Tensor) -> Tensor { Autograd.remainder(self, other) }
    /// `remainder` by a number (see `remainder(_:_:)`).
    public func remainder(_ other: Double) -> Tensor { Autograd.remainder(self, other) }
    /// `remainder` by a whole number (see `remainder(_:_:)`).
    public func remainder(_ other: Int) -> Tensor { Autograd.remainder(self, other) }
}
