/// A forward kernel: computes an op's output for one dtype.
///
/// It receives the inputs (for an elementwise op, already broadcast to the
/// output's shape as stride-0 views), the checked attributes and the output
/// shape the op's shape rule computed, and returns the output: a new
/// contiguous tensor (`context.makeOutput()`) or a view of an input.
public typealias Kernel = @Sendable (KernelContext) throws -> Tensor

/// A backward rule: the vector-Jacobian product of an op.
///
/// Given the upstream gradient and what the op saved, it returns one gradient
/// per input, or nil for an input that gets none. Written with tensor ops, a
/// rule is itself differentiable, which gives higher-order gradients.
public typealias BackwardRule = @Sendable (BackwardContext) throws -> [Tensor?]

/// Everything the registry needs to run and differentiate one op.
///
/// ```swift
/// try OpRegistry.shared.register(OpDefinition(
///     name: "softplus", inputs: ["x"], elementwise: true,
///     forward: .composite { ctx in log(1 + exp(ctx.inputs[0])) }
/// ) { ctx in [ctx.gradOutput * sigmoid(ctx.inputs[0])] })
/// ```
public struct OpDefinition: Sendable {
    /// The registry name, such as `"mul"` or `"act.softplus"`.
    public var name: String
    /// The names of the tensor inputs, in call order.
    public var inputs: [String]
    /// The attributes the op accepts.
    public var attributes: [AttributeSpec]
    /// Whether inputs broadcast against each other elementwise. The registry then
    /// hands kernels inputs already expanded to the output shape, and the engine
    /// sums each gradient back to its input's shape.
    public var isElementwise: Bool
    /// Computes the output shape from the input shapes and attributes, or throws.
    public var outputShape: ShapeRule
    /// One kernel per supported dtype.
    public var forward: [DType: Kernel]
    /// The vector-Jacobian product; nil for an op that is not differentiable.
    public var backward: BackwardRule?
    /// What the backward rule reads, kept alive by the graph until backward runs.
    public var saves: SavedTensors
    /// Inputs that never receive a gradient (such as class-index targets).
    public var nonDifferentiableInputs: Set<String>
    /// The name `gradFn` shows, like PyTorch's `MulBackward0`.
    public var gradFnName: String
    /// Whether the backward rule is itself differentiable (true for rules written with tensor ops).
    public var supportsHigherOrder: Bool
    /// An expression over built-in ops that computes the same thing, for conformance checks.
    public var reference: String?

    public init(
        name: String,
        inputs: [String],
        attributes: [AttributeSpec] = [],
        elementwise: Bool = false,
        outputShape: ShapeRule? = nil,
        forward: [DType: Kernel],
        saves: SavedTensors = .inputs,
        nonDifferentiableInputs: Set<String> = [],
        gradFnName: String? = nil,
        supportsHigherOrder: Bool = true,
        reference: String? = nil,
        backward: BackwardRule?
    ) {
        self.name = name
        self.inputs = inputs
        self.attributes = attributes
        self.isElementwise = elementwise
        self.outputShape = outputShape ?? (elementwise ? .broadcast : .sameAsInput(0))
        self.forward = forward
        self.saves = saves
        self.nonDifferentiableInputs = nonDifferentiableInputs
        self.gradFnName = gradFnName ?? Self.defaultGradFnName(for: name)
        self.supportsHigherOrder = supportsHigherOrder
        self.reference = reference
        self.backward = backward
    }

    /// `"log_softmax"` becomes `"LogSoftmaxBackward0"`; a plugin prefix (`act.`) is dropped.
    static func defaultGradFnName(for name: String) -> String {
        let base = name.split(separator: ".").last.map(String.init) ?? name
        let camel = base.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return camel + "Backward0"
    }

    /// Whether input `index` can receive a gradient.
    func isDifferentiable(input index: Int) -> Bool {
        backward != nil && !nonDifferentiableInputs.contains(inputs[index])
    }
}

/// What an op's node keeps for its backward rule.
public struct SavedTensors: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The inputs, as given to the op.
    public static let inputs = SavedTensors(rawValue: 1)
    /// The output (saved without a reference cycle back to its node).
    public static let output = SavedTensors(rawValue: 2)
    /// Each input, but only while another input needs a gradient: for ops such as
    /// `mul` and `matmul`, whose gradient for one input reads only the others.
    public static let otherInputs = SavedTensors(rawValue: 4)
}

extension Dictionary where Key == DType, Value == Kernel {
    /// A forward made of other tensor ops, for every dtype. The registry runs
    /// it with recording off; the op's own backward rule differentiates it.
    public static func composite(_ body: @escaping @Sendable (KernelContext) throws -> Tensor) -> [DType: Kernel] {
        [.float32: body, .float64: body]
    }
}

/// The inputs a forward kernel runs on.
public struct KernelContext {
    /// The op's name, for error messages.
    public let op: String
    /// The inputs; for elementwise ops, broadcast to `outputShape`.
    public let inputs: [Tensor]
    public let attributes: Attributes
    /// The shape the op's shape rule computed.
    public let outputShape: [Int]
    public let dtype: DType

    /// A new, uninitialised, contiguous tensor of the output's shape and dtype.
    public func makeOutput() -> Tensor {
        Tensor(uninitializedShape: outputShape, dtype: dtype)
    }
}

/// What a backward rule receives.
public struct BackwardContext {
    /// The op's name, for error messages.
    public let op: String
    public let attributes: Attributes
    /// The gradient of the final result with respect to this op's output.
    public let gradOutput: Tensor
    /// The shapes of the op's inputs.
    public var inputShapes: [[Int]] { node.inputs.map(\.shape) }
    /// Which inputs need a gradient; a rule may return nil for the others.
    public let needsInputGrad: [Bool]
    let node: Node
    let savedInputs: [Tensor]
    let savedOutput: Tensor?

    /// The inputs as the op received them (the op must save `.inputs`, or
    /// `.otherInputs` for the inputs other than those that need a gradient).
    public var inputs: [Tensor] {
        precondition(!savedInputs.isEmpty || node.inputs.isEmpty, "\(op): the backward rule reads inputs, but the op does not save them")
        return savedInputs
    }

    /// The op's output (the op must save `.output`).
    public var output: Tensor {
        guard let savedOutput else { fatalError("\(op): the backward rule reads the output, but the op does not save .output") }
        return savedOutput
    }
}

/// Computes an op's output shape, or throws an error naming the op and the shapes.
public struct ShapeRule: Sendable {
    let compute: @Sendable (ShapeContext) throws -> [Int]

    public init(_ compute: @escaping @Sendable (ShapeContext) throws -> [Int]) {
        self.compute = compute
    }

    /// All inputs broadcast together (NumPy rules).
    public static let broadcast = ShapeRule { ctx in
        var shape = ctx.shapes.first ?? []
        for next in ctx.shapes.dropFirst() {
            guard let s = Shape.broadcast(shape, next) else {
                throw ctx.error("shapes that broadcast together (dims align from the right; a dim must match or be 1)")
            }
            shape = s
        }
        return shape
    }

    /// The output has the shape of input `index`.
    public static func sameAsInput(_ index: Int) -> ShapeRule {
        ShapeRule { $0.shapes[index] }
    }
}

/// What a shape rule sees: the op, the input shapes and the attributes.
public struct ShapeContext: Sendable {
    public let op: String
    public let inputNames: [String]
    public let shapes: [[Int]]
    public let attributes: Attributes

    /// An error naming the op, each input's shape, and what was expected.
    public func error(_ expected: String) -> AutogradError {
        let got = zip(inputNames, shapes).map { "\($0) \(Shape.describe($1))" }.joined(separator: ", ")
        return AutogradError(.shape, "\(op): expected \(expected); got \(got)")
    }

    /// Resolves a possibly negative dim of input `input`, or throws.
    public func dim(_ dim: Int, of input: Int = 0, attribute: String = "dim") throws -> Int {
        guard let d = Shape.normalize(dim: dim, rank: shapes[input].count) else {
            throw error("\(attribute) in [\(-Swift.max(shapes[input].count, 1)), \(Swift.max(shapes[input].count, 1) - 1)], got \(dim)")
        }
        return d
    }
}
