/// floor, ceil, round, trunc: rounding to whole numbers. Their gradient is zero
/// (PyTorch's `zeros_like(grad)`), as `sign`'s is; on int64 tensors they are the
/// identity (a copy), as PyTorch's are.
extension BuiltinOps {
    static let rounding: [OpDefinition] = [
        roundingOp("floor", Floor.self, reference: "-ceil(-x)"),
        roundingOp("ceil", Ceil.self, reference: "-floor(-x)"),
        roundingOp("round", Round.self, reference: nil),
        roundingOp("trunc", Trunc.self, reference: "where(ge(x, 0), floor(x), ceil(x))"),
    ]

    private static func roundingOp<F: UnaryFunction>(_ name: String, _: F.Type, reference: String?) -> OpDefinition {
        OpDefinition(name: name, inputs: ["x"], elementwise: true,
                     forward: ElementwiseKernels.unary(F.self).adding([.int64: copyInt64]),
                     saves: [], reference: reference, jvp: .rule { ctx in [Tensor.zeros(like: ctx.output)] },
                     backward: { ctx in [Tensor.zeros(like: ctx.gradOutput)] })
    }

    /// Whole numbers round to themselves; the output is a new tensor, not a view.
    private static let copyInt64: Kernel = { ctx in
        ElementwiseKernels.map(ctx.inputs[0], into: try ctx.makeOutput()) { (x: Int64) in x }
    }
}

enum Floor: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { x.rounded(.down) } }
enum Ceil: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { x.rounded(.up) } }
/// Halves go to the even neighbour (`torch.round`), which C's `rint` does in the
/// default rounding mode; `rounded()` would take them away from zero.
enum Round: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { T.cRint(x) } }
enum Trunc: UnaryFunction { static func apply<T: TensorScalar>(_ x: T) -> T { x.rounded(.towardZero) } }

extension OpHandle {
    static let floor = OpHandle("floor")
    static let ceil = OpHandle("ceil")
    static let round = OpHandle("round")
    static let trunc = OpHandle("trunc")
}

/// The largest whole number not above each element (`torch.floor`); int64 tensors
/// are returned as they are (copied). Its gradient is zero.
public func floor(_ x: Tensor) -> Tensor { dispatch(.floor, [x]) }
/// The smallest whole number not below each element (`torch.ceil`). Its gradient is zero.
public func ceil(_ x: Tensor) -> Tensor { dispatch(.ceil, [x]) }
/// Each element rounded to the nearest whole number, halves to even: `round(2.5)`
/// is 2, `round(-0.5)` is -0 (`torch.round`). Its gradient is zero.
public func round(_ x: Tensor) -> Tensor { dispatch(.round, [x]) }
/// Each element with its fractional part dropped, rounding toward zero (`torch.trunc`).
/// Its gradient is zero.
public func trunc(_ x: Tensor) -> Tensor { dispatch(.trunc, [x]) }

extension Tensor {
    /// Each element rounded down (see `floor(_:)`).
    public func floor() -> Tensor { Autograd.floor(self) }
    /// Each element rounded up (see `ceil(_:)`).
    public func ceil() -> Tensor { Autograd.ceil(self) }
    /// Each element rounded to the nearest whole number, halves to even (see `round(_:)`).
    public func round() -> Tensor { Autograd.round(self) }
    /// Each element rounded toward zero (see `trunc(_:)`).
    public func trunc() -> Tensor { Autograd.trunc(self) }
}
