/// A forward kernel of a one-output op: computes the output for one dtype.
///
/// It receives the inputs (converted to the dtype the op computes in; for an
/// elementwise op, broadcast to the output's shape as stride-0 views), the
/// checked attributes and the output shapes the op's shape rule computed, and
/// returns the output: a new contiguous tensor (`try context.makeOutput()`) or a
/// view of input 0.
public typealias Kernel = @Sendable (KernelContext) throws -> Tensor

/// A forward kernel of an op with several outputs: one tensor per output.
public typealias MultiOutputKernel = @Sendable (KernelContext) throws -> [Tensor]

/// A backward rule: the vector-Jacobian product of an op.
///
/// Given the gradient of each output (nil for an output nothing used) and what
/// the op saved, it returns one gradient per input, or nil for an input that
/// gets none. Written with tensor ops, a rule is itself differentiable, which
/// gives higher-order gradients.
public typealias BackwardRule = @Sendable (BackwardContext) throws -> [Tensor?]

/// A forward-mode rule: the Jacobian-vector product of an op.
///
/// Given the inputs, their tangents (nil for an input without one) and the
/// outputs, it returns the tangent of each output (nil for a non-differentiable one).
public typealias ForwardRule = @Sendable (ForwardContext) throws -> [Tensor?]

/// The elementwise partial derivatives of an op, one per input (nil for an input
/// whose derivative is zero or that is not differentiable), broadcast against the
/// output. From them the registry derives both the backward rule (`g · ∂out/∂xᵢ`)
/// and the forward rule (`Σ tᵢ · ∂out/∂xᵢ`), so a formula is written once:
///
/// ```swift
/// derivative: .partials { ctx in [cos(ctx.inputs[0])] }   // sin
/// ```
public struct Derivative: Sendable {
    let partials: @Sendable (DerivativeContext) throws -> [Tensor?]

    /// The partial derivatives, one per input.
    public static func partials(_ body: @escaping @Sendable (DerivativeContext) throws -> [Tensor?]) -> Derivative {
        Derivative(partials: body)
    }
}

/// Everything the registry needs to run and differentiate one op.
///
/// ```swift
/// try OpRegistry.shared.register(OpDefinition(
///     name: "softplus", inputs: ["x"], elementwise: true,
///     forward: .composite { ctx in log(1 + exp(ctx.inputs[0])) },
///     derivative: .partials { ctx in [sigmoid(ctx.inputs[0])] }))
/// ```
///
/// An op with an int64 input and two outputs:
///
/// ```swift
/// OpDefinition(
///     name: "take_rows", inputs: [.tensor("x"), .indices("rows")],
///     outputs: ["values", .indices("rows")],
///     outputShapes: ShapeRule.outputs { ctx in
///         [[ctx.shapes[1][0]] + ctx.shapes[0].dropFirst(), ctx.shapes[1]] },
///     forward: .composite(outputs: { ctx in
///         [indexSelect(ctx.inputs[0], dim: 0, index: ctx.inputs[1]), ctx.inputs[1]] }),
///     backward: { ctx in
///         [indexAdd(Tensor.zeros(like: ctx.inputs[0]), dim: 0, index: ctx.inputs[1],
///                   source: ctx.gradOutput), nil] },
///     jvp: .linear)
/// ```
public struct OpDefinition: Sendable {
    /// The registry name, such as `"mul"` or `"act.softplus"`.
    public var name: String
    /// The tensor inputs, in call order.
    public var inputs: [OpInput]
    /// The attributes the op accepts.
    public var attributes: [AttributeSpec]
    /// The outputs; with `hasVariadicOutputs`, the one entry describes each of as
    /// many outputs as the shape rule gives (`split`).
    public var outputs: [OpOutput]
    /// Whether the op returns as many outputs as its shape rule gives, each described by
    /// the one entry of `outputs` (`split`, `unbind`).
    public var hasVariadicOutputs: Bool
    /// Whether inputs broadcast against each other elementwise. The registry then
    /// hands kernels inputs already expanded to the output shape, and the engine
    /// sums each gradient back to its input's shape.
    public var isElementwise: Bool
    /// Computes the output shapes from the input shapes and attributes, or throws.
    public var outputShapes: ShapeRule
    /// The kernels, per dtype the op computes in.
    public var forward: ForwardKernels
    /// The vector-Jacobian product; nil for an op that is not differentiable.
    public var backward: BackwardRule?
    /// The Jacobian-vector product; nil when the op has no forward-mode rule.
    public var jvp: ForwardRule?
    /// What the backward rule reads, kept alive by the graph until backward runs.
    public var saves: SavedTensors
    /// The name `gradFn` shows, like PyTorch's `MulBackward0`.
    public var gradFnName: String
    /// Whether the backward rule is itself differentiable (true for rules written with tensor ops).
    public var supportsHigherOrder: Bool
    /// An expression over built-in ops that computes the same thing, for conformance
    /// checks (see the README's kernel-check chapter for its grammar): an independent
    /// formulation, so that the check compares one kernel with others.
    public var reference: String?
    /// Whether `jvp` derives from the backward rule, as a plugin op's does: an
    /// elementwise op's backward applied to tangents (its Jacobian is diagonal), or
    /// backward formulas differentiated in the upstream gradient. kernel-check then
    /// checks the derivation, and the backward's values once, in its gradient row.
    public var isForwardModeFromBackward = false

    /// A definition to register with ``OpRegistry/register(_:replaceExisting:)``.
    ///
    /// - Parameters:
    ///   - name: the registry name (`"mul"`, `"act.softplus"`), unique in the registry;
    ///     also gives the default `gradFnName`.
    ///   - inputs: the tensor inputs in call order: a string literal is a required input
    ///     promoted with the others (`["x", "weight"]`); `.indices(_:)`, `.optional(_:)`,
    ///     `.list(_:)` and `.mask(_:)` declare the rest.
    ///   - attributes: the attributes the op accepts, with their types and defaults.
    ///   - outputs: the outputs, by name and dtype rule (default one output, `"output"`).
    ///   - variadicOutputs: the one entry of `outputs` describes as many outputs as the
    ///     shape rule returns (default false).
    ///   - elementwise: inputs broadcast together; kernels get them expanded to the output
    ///     shape and gradients are summed back to each input's shape (default false).
    ///   - outputShape: the shape rule; by default ``ShapeRule/broadcast`` for an
    ///     elementwise op and input 0's shape otherwise.
    ///   - forward: the kernels per dtype, or a composite of other ops.
    ///   - saves: what the backward rule reads, kept alive by the graph (default the inputs).
    ///   - gradFnName: the name `gradFn` shows; by default the camel-cased name plus
    ///     `Backward0` (`"log_softmax"` gives `LogSoftmaxBackward0`).
    ///   - supportsHigherOrder: whether the backward rule is itself differentiable
    ///     (default true, as for rules written with tensor ops).
    ///   - reference: an expression over built-in ops computing the same thing, which the
    ///     conformance checks compare against.
    ///   - derivative: elementwise partials from which `backward` and `jvp` are
    ///     derived when those are not given.
    ///   - jvp: the forward-mode rule: `.linear` or `.rule(_:)`; nil for none (unless derived).
    ///   - backward: the vector-Jacobian product; nil (and no `derivative`) for an op that
    ///     is not differentiable.
    public init(
        name: String,
        inputs: [OpInput],
        attributes: [AttributeSpec] = [],
        outputs: [OpOutput] = ["output"],
        variadicOutputs: Bool = false,
        elementwise: Bool = false,
        outputShape: ShapeRule? = nil,
        forward: ForwardKernels,
        saves: SavedTensors = .inputs,
        gradFnName: String? = nil,
        supportsHigherOrder: Bool = true,
        reference: String? = nil,
        derivative: Derivative? = nil,
        jvp: ForwardMode? = nil,
        backward: BackwardRule? = nil
    ) {
        self.name = name
        self.inputs = inputs
        self.attributes = attributes
        self.outputs = outputs
        self.hasVariadicOutputs = variadicOutputs
        self.isElementwise = elementwise
        self.outputShapes = outputShape ?? (elementwise ? .broadcast : .sameAsInput(0))
        self.forward = forward
        self.saves = saves
        self.gradFnName = gradFnName ?? Self.defaultGradFnName(for: name)
        self.supportsHigherOrder = supportsHigherOrder
        self.reference = reference
        self.backward = backward ?? derivative.map(Self.derivedBackward)
        self.jvp = jvp?.rule ?? derivative.map(Self.derivedForward)
    }

    /// `"log_softmax"` becomes `"LogSoftmaxBackward0"`; a plugin prefix (`act.`) is dropped.
    static func defaultGradFnName(for name: String) -> String {
        let base = name.split(separator: ".").last.map(String.init) ?? name
        let camel = base.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return camel + "Backward0"
    }

    /// The names of the inputs, in call order.
    public var inputNames: [String] { inputs.map(\.name) }

    private static func derivedBackward(_ derivative: Derivative) -> BackwardRule {
        { ctx in
            let partials = try derivative.partials(DerivativeContext(backward: ctx))
            let g = ctx.gradOutput
            return ctx.needsInputGrad.indices.map { i in
                guard ctx.needsInputGrad[i], i < partials.count, let d = partials[i] else { return nil }
                // In the gradient's dtype: a 0-d input's float64 gradient must not meet a
                // float32 mask as a dimensioned operand, which would win the promotion.
                return g * d.converted(to: g.dtype)
            }
        }
    }

    private static func derivedForward(_ derivative: Derivative) -> ForwardRule {
        { ctx in
            let partials = try derivative.partials(DerivativeContext(forward: ctx))
            var total: Tensor?
            let dtype = ctx.outputs[0].dtype
            for (i, tangent) in ctx.tangents.enumerated() {
                guard let tangent, i < partials.count, let d = partials[i] else { continue }
                let term = tangent.converted(to: dtype) * d.converted(to: dtype)
                total = total.map { $0 + term } ?? term
            }
            guard let total else { return [nil] }
            let shape = ctx.outputs[0].shape
            // A tangent of a broadcast input, times a constant partial, has the input's
            // shape: it broadcasts up to the output's. A partial that is larger sums down.
            if total.shape == shape { return [total] }
            if Shape.broadcast(total.shape, shape) == shape { return [total.expanded(to: shape).contiguous()] }
            return [try total.summed(toShape: shape)]
        }
    }
}

/// How a definition gives its forward-mode rule.
public enum ForwardMode: Sendable {
    /// The op is linear in its differentiable inputs (views, reductions, joins):
    /// its tangent is the op itself applied to the tangents, with zeros for inputs
    /// without one and the other inputs (indices, masks) as they are.
    case linear
    /// A rule written out.
    case rule(ForwardRule)

    var rule: ForwardRule {
        switch self {
        case .linear: { ctx in try ctx.applyOpToTangents() }
        case .rule(let rule): rule
        }
    }
}

/// What an op's node keeps for its backward rule.
public struct SavedTensors: OptionSet, Sendable {
    /// The set's bits: 1 inputs, 2 output, 4 other inputs.
    public let rawValue: Int
    /// The set with the given bits.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The inputs, as given to the op.
    public static let inputs = SavedTensors(rawValue: 1)
    /// The outputs (saved without a reference cycle back to their node).
    public static let output = SavedTensors(rawValue: 2)
    /// Each input, but only while another input needs a gradient: for ops such as
    /// `mul` and `matmul`, whose gradient for one input reads only the others.
    public static let otherInputs = SavedTensors(rawValue: 4)
}

/// The kernels of an op, per dtype it computes in.
///
/// Written as a dictionary literal of one-output kernels (`[.float32: k32, .float64: k64]`),
/// as a composite of other tensor ops (`.composite { ctx in ... }`), or from a
/// generic kernel type specialised per dtype (`.floating(SoftmaxKernel.self)`).
public struct ForwardKernels: Sendable, ExpressibleByDictionaryLiteral {
    enum Body: Sendable {
        case single(Kernel)
        case multiple(MultiOutputKernel)
    }

    var bodies: [DType: Body]
    /// Whether the kernels are made of ops that record themselves (see `decomposition`).
    public private(set) var isDecomposition = false

    /// Kernels wrapped in their `Body` where they are written, as the library's builders
    /// make them: a closure passed through a generic parameter (a dictionary's values)
    /// is reabstracted, and every call of it then runs through two thunks that move the
    /// kernel's context through memory (about 300 instructions a call, counted on W6).
    init(bodies: [DType: Body]) { self.bodies = bodies }

    /// One-output kernels per dtype, from a literal such as `[.float32: k32, .float64: k64]`.
    ///
    /// A kernel given in a dictionary is called through a reabstraction thunk, which
    /// costs a few dozen nanoseconds a call; `floating(_:)` and its siblings do not.
    public init(dictionaryLiteral elements: (DType, Kernel)...) {
        bodies = Dictionary(elements.map { ($0, .single($1)) }) { $1 }
    }

    /// One-output kernels per dtype.
    public init(_ kernels: [DType: Kernel]) {
        bodies = kernels.mapValues { .single($0) }
    }

    /// Several-output kernels per dtype.
    public init(outputs kernels: [DType: MultiOutputKernel]) {
        bodies = kernels.mapValues { .multiple($0) }
    }

    /// The dtypes the op computes in.
    public var dtypes: [DType] { DType.allCases.filter { bodies[$0] != nil } }

    /// Whether a kernel exists for `dtype`.
    public func supports(_ dtype: DType) -> Bool { bodies[dtype] != nil }

    /// A forward made of other tensor ops, for `dtypes` (the floating ones by
    /// default). The registry runs it with recording off; the op's own rules
    /// differentiate it.
    public static func composite(
        dtypes: [DType] = [.float32, .float64], _ body: @escaping Kernel
    ) -> ForwardKernels {
        ForwardKernels(bodies: Dictionary(uniqueKeysWithValues: dtypes.map { ($0, Body.single(body)) }))
    }

    /// A several-output forward made of other tensor ops.
    public static func composite(
        dtypes: [DType] = [.float32, .float64], outputs body: @escaping MultiOutputKernel
    ) -> ForwardKernels {
        ForwardKernels(bodies: Dictionary(uniqueKeysWithValues: dtypes.map { ($0, Body.multiple(body)) }))
    }

    /// A forward made of other ops that run with recording on, as PyTorch's
    /// composite-implicit-autograd ops: the op's outputs carry the history of the
    /// ops inside (its `gradFn` is theirs), so it needs no backward or forward rule
    /// of its own and differentiates to any order.
    public static func decomposition(dtypes: [DType] = [.float32, .float64], _ body: @escaping Kernel) -> ForwardKernels {
        var kernels = composite(dtypes: dtypes, body)
        kernels.isDecomposition = true
        return kernels
    }

    /// Kernels for float32 and float64 from one generic kernel type.
    public static func floating<K: FloatingKernel>(_: K.Type) -> ForwardKernels {
        ForwardKernels(bodies: [.float32: .single { try K.run($0, as: Float.self) }, .float64: .single { try K.run($0, as: Double.self) }])
    }

    /// Kernels for float32, float64 and int64 from one generic kernel type.
    public static func numeric<K: NumericKernel>(_: K.Type) -> ForwardKernels {
        ForwardKernels(bodies: [
            .float32: .single { try K.run($0, as: Float.self) }, .float64: .single { try K.run($0, as: Double.self) },
            .int64: .single { try K.run($0, as: Int64.self) },
        ])
    }

    /// Kernels for every dtype from one generic kernel type.
    public static func anyDType<K: ElementKernel>(_: K.Type) -> ForwardKernels {
        ForwardKernels(bodies: [
            .float32: .single { try K.run($0, as: Float.self) }, .float64: .single { try K.run($0, as: Double.self) },
            .int64: .single { try K.run($0, as: Int64.self) }, .bool: .single { try K.run($0, as: Bool.self) },
        ])
    }

    /// Several-output kernels for float32 and float64 from one generic kernel type.
    public static func floatingOutputs<K: FloatingMultiOutputKernel>(_: K.Type) -> ForwardKernels {
        ForwardKernels(bodies: [.float32: .multiple { try K.run($0, as: Float.self) }, .float64: .multiple { try K.run($0, as: Double.self) }])
    }

    /// Several-output kernels for float32, float64 and int64 from one generic kernel type.
    public static func numericOutputs<K: NumericMultiOutputKernel>(_: K.Type) -> ForwardKernels {
        ForwardKernels(bodies: [
            .float32: .multiple { try K.run($0, as: Float.self) }, .float64: .multiple { try K.run($0, as: Double.self) },
            .int64: .multiple { try K.run($0, as: Int64.self) },
        ])
    }

    /// These kernels with others added (or replaced) for more dtypes.
    public func adding(_ other: ForwardKernels) -> ForwardKernels {
        ForwardKernels(bodies: bodies.merging(other.bodies) { $1 })
    }
}

/// A kernel written once for float32 and float64, specialised for each.
public protocol FloatingKernel: SendableMetatype {
    /// Computes the output with elements of type `T` (float32 or float64), the Swift type of the dtype the op computes in.
    static func run<T: TensorScalar>(_ context: KernelContext, as: T.Type) throws -> Tensor
}

/// A kernel written once for float32, float64 and int64.
public protocol NumericKernel: SendableMetatype {
    /// Computes the output with elements of type `T` (float32, float64 or int64), the Swift type of the dtype the op computes in.
    static func run<T: TensorNumeric>(_ context: KernelContext, as: T.Type) throws -> Tensor
}

/// A kernel written once for every dtype.
public protocol ElementKernel: SendableMetatype {
    /// Computes the output with elements of type `T` (any dtype), the Swift type of the dtype the op computes in.
    static func run<T: TensorElement>(_ context: KernelContext, as: T.Type) throws -> Tensor
}

/// A several-output kernel written once for float32 and float64.
public protocol FloatingMultiOutputKernel: SendableMetatype {
    /// Computes every output with elements of type `T` (float32 or float64), the Swift type of the dtype the op computes in.
    static func run<T: TensorScalar>(_ context: KernelContext, as: T.Type) throws -> [Tensor]
}

/// A several-output kernel written once for float32, float64 and int64.
public protocol NumericMultiOutputKernel: SendableMetatype {
    /// Computes every output with elements of type `T` (float32, float64 or int64), the Swift type of the dtype the op computes in.
    static func run<T: TensorNumeric>(_ context: KernelContext, as: T.Type) throws -> [Tensor]
}

/// Computes an op's output shapes, or throws an error naming the op and the shapes.
public struct ShapeRule: Sendable {
    enum Body: Sendable {
        case single(@Sendable (ShapeContext) throws -> [Int])
        case multiple(@Sendable (ShapeContext) throws -> [[Int]])
    }

    let body: Body

    /// The shape of a one-output op.
    public init(_ compute: @escaping @Sendable (ShapeContext) throws -> [Int]) {
        body = .single(compute)
    }

    private init(outputs compute: @escaping @Sendable (ShapeContext) throws -> [[Int]]) {
        body = .multiple(compute)
    }

    /// A size only the kernel can know, because it depends on the input values:
    /// a shape rule puts it where the length of `masked_select`'s output goes. The
    /// registry then accepts any size there from the kernel, which allocates that
    /// output with `makeOutput(_:shape:)`.
    public static let dataDependentSize = -1

    /// Whether `shape` is what a rule that gave `expected` allows (a data-dependent size takes any value).
    static func allows(_ shape: [Int], for expected: [Int]) -> Bool {
        guard shape.count == expected.count else { return false }
        return zip(shape, expected).allSatisfy { $0 == $1 || ($1 == dataDependentSize && $0 >= 0) }
    }

    /// The shape of each output of a several-output op.
    public static func outputs(_ compute: @escaping @Sendable (ShapeContext) throws -> [[Int]]) -> ShapeRule {
        ShapeRule(outputs: compute)
    }

    /// Every output's shape.
    func compute(_ context: ShapeContext) throws -> [[Int]] {
        switch body {
        case .single(let rule): [try rule(context)]
        case .multiple(let rule): try rule(context)
        }
    }

    /// All inputs broadcast together (NumPy rules).
    public static let broadcast = ShapeRule { ctx in
        var shape: [Int]?
        for (i, next) in ctx.shapes.enumerated() where ctx.isGiven(i) {
            guard let current = shape else {
                shape = next
                continue
            }
            guard let s = Shape.broadcast(current, next) else {
                throw ctx.error("shapes that broadcast together (dims align from the right; a dim must match or be 1)")
            }
            shape = s
        }
        return shape ?? []
    }

    /// The output has the shape of input `index`.
    public static func sameAsInput(_ index: Int) -> ShapeRule {
        ShapeRule { $0.shapes[index] }
    }
}

/// What a shape rule sees: the op, the input shapes and dtypes, and the attributes.
public struct ShapeContext {
    /// The op being called, from whose declaration each input's name follows.
    let owner: Op
    /// The op's name, for error messages.
    public var op: String { owner.name }
    /// One name per input tensor (`tensors[2]` for an element of a list input),
    /// worked out when asked: most calls never need them.
    public var inputNames: [String] { owner.slotNames(count: shapes.count) }
    /// The call's tensors, held once: the shapes and dtypes are views of them.
    private let tensors: [Tensor?]
    /// One shape per input tensor; `[]` for an omitted optional input (see `isGiven`).
    public var shapes: InputShapes { InputShapes(tensors: tensors) }
    /// One dtype per input tensor, as given (before promotion); nil for an omitted one.
    public var dtypes: InputDTypes { InputDTypes(tensors: tensors) }
    /// The call's attributes, checked and with defaults filled in.
    public let attributes: Attributes

    init(owner: Op, inputs: [Tensor?], attributes: Attributes) {
        self.owner = owner
        self.tensors = inputs
        self.attributes = attributes
    }

    /// Whether input `index` was given (optional inputs may be omitted).
    public func isGiven(_ index: Int) -> Bool { index < dtypes.count && dtypes[index] != nil }

    /// An error naming the op, each input's shape, and what was expected.
    public func error(_ expected: String) -> AutogradError {
        let got = shapes.indices.filter(isGiven).map { "\(inputNames[$0]) \(Shape.describe(shapes[$0]))" }
        return AutogradError(.shape, "\(op): expected \(expected); got \(got.isEmpty ? "no inputs" : got.joined(separator: ", "))")
    }

    /// Resolves a possibly negative dim of input `input`, or throws.
    public func dim(_ dim: Int, of input: Int = 0, attribute: String = "dim") throws -> Int {
        guard let d = Shape.normalize(dim: dim, rank: shapes[input].count) else {
            let r = Swift.max(shapes[input].count, 1)
            throw error("\(attribute) in [\(-r), \(r - 1)], got \(dim)")
        }
        return d
    }
}

/// The shapes of a call's inputs, read from the tensors when asked (no copy per call).
public struct InputShapes: RandomAccessCollection {
    let tensors: [Tensor?]
    /// 0: the first input.
    public var startIndex: Int { 0 }
    /// The number of input tensors.
    public var endIndex: Int { tensors.count }
    /// Input `index`'s shape; `[]` for an omitted optional input.
    public subscript(index: Int) -> [Int] { tensors[index]?.shape ?? [] }
}

/// The dtypes of a call's inputs, as given; nil for an omitted optional input.
public struct InputDTypes: RandomAccessCollection {
    let tensors: [Tensor?]
    /// 0: the first input.
    public var startIndex: Int { 0 }
    /// The number of input tensors.
    public var endIndex: Int { tensors.count }
    /// Input `index`'s dtype as given, before promotion; nil for an omitted optional input.
    public subscript(index: Int) -> DType? { tensors[index]?.dtype }
}
