/// lt, le, gt, ge, eq, ne, logical_and, logical_or, logical_not (bool results,
/// not differentiable), sign and one_hot.
extension BuiltinOps {
    static let comparisons: [OpDefinition] = [
        // Each comparison's reference is another comparison's kernel.
        comparison("lt", Less.self, reference: "gt(b, a)"), comparison("le", LessOrEqual.self, reference: "ge(b, a)"),
        comparison("gt", Greater.self, reference: "lt(b, a)"), comparison("ge", GreaterOrEqual.self, reference: "le(b, a)"),
        comparison("eq", Equal.self, reference: "logical_and(le(a, b), ge(a, b))"),
        comparison("ne", NotEqual.self, reference: "logical_not(eq(a, b))"),
        logical("logical_and", reference: "logical_not(logical_or(logical_not(a), logical_not(b)))") { $0 && $1 },
        logical("logical_or", reference: "logical_not(logical_and(logical_not(a), logical_not(b)))") { $0 || $1 },
        // NaN is non-zero, so true, as in PyTorch; eq(NaN, 0) is false too.
        OpDefinition(name: "logical_not", inputs: [OpInput("x", dtypes: .any)], outputs: [.mask("output")],
                     forward: .anyDType(LogicalNotKernel.self), reference: "eq(x, 0)"),
        OpDefinition(name: "sign", inputs: ["x"], elementwise: true, forward: ElementwiseKernels.numericUnary(Sign.self),
                     saves: [], reference: "where(gt(x, 0), 1, where(lt(x, 0), -1, x))", jvp: .rule { ctx in [Tensor.zeros(like: ctx.output)] },
                     backward: { ctx in [Tensor.zeros(like: ctx.gradOutput)] }),
        OpDefinition(name: "one_hot", inputs: [.indices("indices")], attributes: [AttributeSpec("num_classes", .int, default: -1)],
                     outputs: [.indices("output")], outputShape: oneHotShape, forward: [.int64: oneHot]),
    ]

    private static func comparison<F: ComparisonFunction>(_ name: String, _ function: F.Type, reference: String) -> OpDefinition {
        OpDefinition(name: name, inputs: ["a", "b"], outputs: [.mask("output")], elementwise: true,
                     forward: ElementwiseKernels.comparison(F.self), reference: reference)
    }

    private static func logical(
        _ name: String, reference: String, _ combine: @escaping @Sendable (Bool, Bool) -> Bool
    ) -> OpDefinition {
        // Any dtype, read as "non-zero", as PyTorch's logical ops do.
        let kernel: Kernel = { ctx in
            let (a, b) = (ctx.inputs[0].boolValues(), ctx.inputs[1].boolValues())
            return ElementwiseKernels.map(a, b, into: try ctx.makeOutput()) { (x: Bool, y: Bool) in combine(x, y) }
        }
        return OpDefinition(name: name, inputs: [OpInput("a", dtypes: .any), OpInput("b", dtypes: .any)],
                            outputs: [.mask("output")], elementwise: true,
                            forward: ForwardKernels(Dictionary(uniqueKeysWithValues: DType.allCases.map { ($0, kernel) })),
                            reference: reference)
    }

    static let oneHotShape = ShapeRule { ctx in
        let classes = ctx.attributes.int("num_classes")
        guard classes >= -1 else { throw ctx.error("num_classes >= 0 (or -1 to infer it), got \(classes)") }
        // -1 infers the count from the largest index, which the kernel reads; the shape rule
        // cannot, so it is resolved before the call by `oneHot(_:numClasses:)`.
        guard classes >= 0 else { throw ctx.error("num_classes given (call oneHot(_:numClasses:) to infer it)") }
        return ctx.shapes[0] + [classes]
    }

    private static let oneHot: Kernel = { ctx in
        let indices = ctx.inputs[0].contiguousData(), out = try ctx.makeOutput()
        let classes = ctx.attributes.int("num_classes")
        let p = indices.pointer(Int64.self), o = out.pointer(Int64.self)
        o.update(repeating: 0, count: out.scalarCount)
        for i in 0..<indices.scalarCount {
            let v = p[i]
            guard v >= 0, v < classes else {
                throw AutogradError(.kernel, "\(ctx.op): index \(v) at position \(i) is not a class in 0..<\(classes)")
            }
            o[i &* classes &+ Int(v)] = 1
        }
        return out
    }
}

enum LogicalNotKernel: ElementKernel {
    static func run<T: TensorElement>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        ElementwiseKernels.map(ctx.inputs[0], into: try ctx.makeOutput()) { (x: T) in x.doubleValue == 0 }
    }
}

enum Less: ComparisonFunction { static func apply<T: TensorNumeric>(_ a: T, _ b: T) -> Bool { a < b } }
enum LessOrEqual: ComparisonFunction { static func apply<T: TensorNumeric>(_ a: T, _ b: T) -> Bool { a <= b } }
enum Greater: ComparisonFunction { static func apply<T: TensorNumeric>(_ a: T, _ b: T) -> Bool { a > b } }
enum GreaterOrEqual: ComparisonFunction { static func apply<T: TensorNumeric>(_ a: T, _ b: T) -> Bool { a >= b } }
enum Equal: ComparisonFunction { static func apply<T: TensorNumeric>(_ a: T, _ b: T) -> Bool { a == b } }
enum NotEqual: ComparisonFunction { static func apply<T: TensorNumeric>(_ a: T, _ b: T) -> Bool { a != b } }
enum Sign: NumericUnaryFunction {
    static func apply<T: TensorNumeric>(_ x: T) -> T {
        x > T.zeroValue ? T.oneValue : x < T.zeroValue ? T.wrappingSubtract(T.zeroValue, T.oneValue) : x
    }
}

extension Tensor {
    /// This tensor read as bool (non-zero is true), without recording.
    func boolValues() -> Tensor {
        if dtype == .bool { return self }
        let out = Tensor(uninitializedShape: shape, dtype: .bool)
        StridedLoops.copy(from: self, into: out)
        return out
    }
}

extension OpHandle {
    static let lt = OpHandle("lt")
    static let le = OpHandle("le")
    static let gt = OpHandle("gt")
    static let ge = OpHandle("ge")
    static let eq = OpHandle("eq")
    static let ne = OpHandle("ne")
    static let logicalAnd = OpHandle("logical_and")
    static let logicalOr = OpHandle("logical_or")
    static let logicalNot = OpHandle("logical_not")
    static let sign = OpHandle("sign")
    static let oneHot = OpHandle("one_hot")
}

infix operator .< : ComparisonPrecedence
infix operator .<= : ComparisonPrecedence
infix operator .> : ComparisonPrecedence
infix operator .>= : ComparisonPrecedence
infix operator .== : ComparisonPrecedence
infix operator .!= : ComparisonPrecedence

/// Elementwise comparisons giving bool tensors (PyTorch's `<`, `==`, ...). The
/// dotted spelling is mlx-swift's: `==` on tensors stays Swift's identity-free
/// equality question, and these broadcast.
extension Tensor {
    /// Whether `a < b`, elementwise (op `lt`, `torch.lt`): a bool tensor, broadcasting, comparing in the
    /// promoted dtype; not differentiable. Traps with the op's message when the shapes do not broadcast.
    public static func .< (a: Tensor, b: Tensor) -> Tensor { dispatch(.lt, [a, b]) }
    /// Whether `a <= b`, elementwise (op `le`, `torch.le`): a bool tensor, broadcasting, comparing in the
    /// promoted dtype; not differentiable. Traps with the op's message when the shapes do not broadcast.
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { dispatch(.le, [a, b]) }
    /// Whether `a > b`, elementwise (op `gt`, `torch.gt`): a bool tensor, broadcasting, comparing in the
    /// promoted dtype; not differentiable. Traps with the op's message when the shapes do not broadcast.
    public static func .> (a: Tensor, b: Tensor) -> Tensor { dispatch(.gt, [a, b]) }
    /// Whether `a >= b`, elementwise (op `ge`, `torch.ge`): a bool tensor, broadcasting, comparing in the
    /// promoted dtype; not differentiable. Traps with the op's message when the shapes do not broadcast.
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { dispatch(.ge, [a, b]) }
    /// Whether `a == b`, elementwise (op `eq`, `torch.eq`): a bool tensor, broadcasting, comparing in the
    /// promoted dtype; not differentiable. Traps with the op's message when the shapes do not broadcast.
    public static func .== (a: Tensor, b: Tensor) -> Tensor { dispatch(.eq, [a, b]) }
    /// Whether `a != b`, elementwise (op `ne`, `torch.ne`): a bool tensor, broadcasting, comparing in the
    /// promoted dtype; not differentiable. Traps with the op's message when the shapes do not broadcast.
    public static func .!= (a: Tensor, b: Tensor) -> Tensor { dispatch(.ne, [a, b]) }
    /// Whether `a < b` for a scalar `b`, elementwise (op `lt`): a bool tensor; `b` is compared in `a`'s dtype
    /// when floating-point, else float32.
    public static func .< (a: Tensor, b: Double) -> Tensor { a .< a.scalar(b) }
    /// Whether `a <= b` for a scalar `b`, elementwise (op `le`): a bool tensor; `b` is compared in `a`'s
    /// dtype when floating-point, else float32.
    public static func .<= (a: Tensor, b: Double) -> Tensor { a .<= a.scalar(b) }
    /// Whether `a > b` for a scalar `b`, elementwise (op `gt`): a bool tensor; `b` is compared in `a`'s dtype
    /// when floating-point, else float32.
    public static func .> (a: Tensor, b: Double) -> Tensor { a .> a.scalar(b) }
    /// Whether `a >= b` for a scalar `b`, elementwise (op `ge`): a bool tensor; `b` is compared in `a`'s
    /// dtype when floating-point, else float32.
    public static func .>= (a: Tensor, b: Double) -> Tensor { a .>= a.scalar(b) }
    /// Whether `a == b` for a scalar `b`, elementwise (op `eq`): a bool tensor; `b` is compared in `a`'s
    /// dtype when floating-point, else float32.
    public static func .== (a: Tensor, b: Double) -> Tensor { a .== a.scalar(b) }
    /// Whether `a != b` for a scalar `b`, elementwise (op `ne`): a bool tensor; `b` is compared in `a`'s
    /// dtype when floating-point, else float32.
    public static func .!= (a: Tensor, b: Double) -> Tensor { a .!= a.scalar(b) }
    /// Whether `a < b` for an integer `b`, elementwise (op `lt`): a bool tensor; `b` takes `a`'s dtype (int64
    /// for bool).
    public static func .< (a: Tensor, b: Int) -> Tensor { a .< a.scalar(b) }
    /// Whether `a <= b` for an integer `b`, elementwise (op `le`): a bool tensor; `b` takes `a`'s dtype
    /// (int64 for bool).
    public static func .<= (a: Tensor, b: Int) -> Tensor { a .<= a.scalar(b) }
    /// Whether `a > b` for an integer `b`, elementwise (op `gt`): a bool tensor; `b` takes `a`'s dtype (int64
    /// for bool).
    public static func .> (a: Tensor, b: Int) -> Tensor { a .> a.scalar(b) }
    /// Whether `a >= b` for an integer `b`, elementwise (op `ge`): a bool tensor; `b` takes `a`'s dtype
    /// (int64 for bool).
    public static func .>= (a: Tensor, b: Int) -> Tensor { a .>= a.scalar(b) }
    /// Whether `a == b` for an integer `b`, elementwise (op `eq`): a bool tensor; `b` takes `a`'s dtype
    /// (int64 for bool).
    public static func .== (a: Tensor, b: Int) -> Tensor { a .== a.scalar(b) }
    /// Whether `a != b` for an integer `b`, elementwise (op `ne`): a bool tensor; `b` takes `a`'s dtype
    /// (int64 for bool).
    public static func .!= (a: Tensor, b: Int) -> Tensor { a .!= a.scalar(b) }
}

/// Whether `a < b`, elementwise (broadcasting): a bool tensor.
public func less(_ a: Tensor, _ b: Tensor) -> Tensor { a .< b }
/// Whether `a <= b`, elementwise.
public func lessOrEqual(_ a: Tensor, _ b: Tensor) -> Tensor { a .<= b }
/// Whether `a > b`, elementwise.
public func greater(_ a: Tensor, _ b: Tensor) -> Tensor { a .> b }
/// Whether `a >= b`, elementwise.
public func greaterOrEqual(_ a: Tensor, _ b: Tensor) -> Tensor { a .>= b }
/// Whether `a == b`, elementwise.
public func equal(_ a: Tensor, _ b: Tensor) -> Tensor { a .== b }
/// Whether `a != b`, elementwise.
public func notEqual(_ a: Tensor, _ b: Tensor) -> Tensor { a .!= b }
/// Whether both are non-zero, elementwise.
public func logicalAnd(_ a: Tensor, _ b: Tensor) -> Tensor { dispatch(.logicalAnd, [a, b]) }
/// Whether either is non-zero, elementwise.
public func logicalOr(_ a: Tensor, _ b: Tensor) -> Tensor { dispatch(.logicalOr, [a, b]) }
/// Whether each element is zero.
public func logicalNot(_ x: Tensor) -> Tensor { dispatch(.logicalNot, [x]) }
/// -1, 0 or 1 by the sign of each element (NaN stays NaN); its gradient is zero.
public func sign(_ x: Tensor) -> Tensor { dispatch(.sign, [x]) }

/// Class indices (int64) as one-hot rows of `numClasses` (int64), as `torch.nn.functional.one_hot`;
/// by default as many classes as the largest index plus one.
public func oneHot(_ indices: Tensor, numClasses: Int? = nil) -> Tensor {
    let classes = numClasses ?? (indices.scalarCount == 0 ? 0 : Int(indices.scalars.max()!) + 1)
    return dispatch(.oneHot, [indices], ["num_classes": .int(classes)])
}

extension Tensor {
    /// -1, 0 or 1 by the sign of each element (see `sign(_:)`).
    public func sign() -> Tensor { Autograd.sign(self) }
    /// Whether each element is zero (see `logicalNot(_:)`).
    public func logicalNot() -> Tensor { Autograd.logicalNot(self) }
}
