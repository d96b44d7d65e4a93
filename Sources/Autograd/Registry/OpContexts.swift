/// The inputs a forward kernel runs on.
public struct KernelContext {
    /// The op's name, for error messages.
    public let op: String
    /// The inputs, converted to `dtype` where they join the op's dtype; for
    /// elementwise ops, broadcast to `outputShape`.
    public let inputs: OpInputs
    /// The call's attributes, checked and with defaults filled in.
    public let attributes: Attributes
    /// The dtype the op computes in.
    public let dtype: DType
    let outputs: OutputPlan

    /// The shape of the (first) output.
    public var outputShape: [Int] { outputs.firstShape }

    /// The shape of each output, as the op's shape rule computed them.
    public var outputShapes: [[Int]] { outputs.shapes }

    /// The dtype of each output.
    public var outputDTypes: [DType] { outputs.dtypes }

    /// A new, uninitialised, contiguous tensor of output `index`'s shape and dtype.
    ///
    /// - Throws: `AutogradError` of kind `.allocation` when the memory cannot be had.
    public func makeOutput(_ index: Int = 0) throws -> Tensor {
        try Tensor.uninitialized(outputs.shape(index), dtype: outputs.dtype(index), op: op)
    }

    /// A new, uninitialised, contiguous tensor for output `index` of an explicit
    /// shape: for an output whose shape rule gave `ShapeRule.dataDependentSize`.
    ///
    /// - Throws: `AutogradError` of kind `.allocation` when the memory cannot be had.
    public func makeOutput(_ index: Int = 0, shape: [Int]) throws -> Tensor {
        try Tensor.uninitialized(shape, dtype: outputDTypes[index], op: op)
    }
}

/// The shapes and dtypes of a call's outputs. A one-output call's are held
/// directly: it builds no arrays for them, and copying its plan (into the
/// kernel's context) retains one array, not three.
struct OutputPlan {
    let firstShape: [Int]
    let firstDType: DType
    /// Every output's, for an op with other than one output (zero included).
    private let several: Several?

    private final class Several {
        let shapes: [[Int]]
        let dtypes: [DType]
        init(shapes: [[Int]], dtypes: [DType]) { (self.shapes, self.dtypes) = (shapes, dtypes) }
    }

    init(shape: [Int], dtype: DType) {
        (firstShape, firstDType, several) = (shape, dtype, nil)
    }

    init(shapes: [[Int]], dtypes: [DType]) {
        let several = shapes.count == 1 ? nil : Several(shapes: shapes, dtypes: dtypes)
        (firstShape, firstDType, self.several) = (shapes.first ?? [], dtypes.first ?? .float32, several)
    }

    var count: Int { several?.shapes.count ?? 1 }
    func shape(_ k: Int) -> [Int] { several?.shapes[k] ?? firstShape }
    func dtype(_ k: Int) -> DType { several?.dtypes[k] ?? firstDType }
    var shapes: [[Int]] { several?.shapes ?? [firstShape] }
    var dtypes: [DType] { several?.dtypes ?? [firstDType] }
}

/// What a backward rule receives.
public struct BackwardContext {
    /// The op's name, for error messages.
    public let op: String
    /// The attributes of the forward call.
    public let attributes: Attributes
    /// The gradient of the final result with respect to each output; nil for an
    /// output that nothing used, or that is not differentiable.
    public let gradOutputs: [Tensor?]
    /// Which inputs need a gradient; a rule may return nil for the others.
    public let needsInputGrad: [Bool]
    let node: Node
    let savedInputs: [Tensor?]
    let savedOutputs: [Tensor?]

    /// The gradient with respect to the first output (zeros when nothing used it).
    public var gradOutput: Tensor { gradOutput(0) }

    /// The gradient with respect to output `index`, zeros when nothing used it.
    public func gradOutput(_ index: Int) -> Tensor {
        if let g = gradOutputs[index] { return g }
        let meta = node.outputs[index]
        return Tensor.zeros(meta.shape, dtype: meta.dtype)
    }

    /// The shapes of the op's inputs (`[]` for an omitted optional one).
    public var inputShapes: [[Int]] { node.inputs.map(\.shape) }

    /// Whether input `index` was given.
    public func isGiven(_ index: Int) -> Bool { node.inputs[index].isGiven }

    /// The inputs as the op received them (the op must save `.inputs`, or
    /// `.otherInputs` for the inputs other than those that need a gradient).
    public var inputs: OpInputs { OpInputs(savedInputs) }

    /// The op's first output (the op must save `.output`).
    public var output: Tensor { output(0) }

    /// The op's output `index` (the op must save `.output`).
    public func output(_ index: Int) -> Tensor {
        guard index < savedOutputs.count, let saved = savedOutputs[index] else {
            fatalError("\(op): the backward rule reads output \(index), but the op does not save .output")
        }
        return saved
    }
}

/// What a forward-mode rule receives.
public struct ForwardContext {
    /// The op being differentiated, so that a linear op can apply itself to tangents.
    public let op: Op
    /// The inputs of the forward call, as the kernel received them.
    public let inputs: OpInputs
    /// The tangent of each input; nil for an input without one (or not differentiable).
    public let tangents: [Tensor?]
    /// The outputs the forward computed.
    public let outputs: [Tensor]
    /// The attributes of the forward call.
    public let attributes: Attributes

    /// The first output.
    public var output: Tensor { outputs[0] }

    /// The tangent of input `index`, zeros of its shape when it has none.
    public func tangent(_ index: Int) -> Tensor {
        if let t = tangents[index] { return t }
        let x = inputs[index]
        return Tensor.zeros(x.shape, dtype: x.dtype)
    }

    /// The op applied to the tangents: the rule of an op linear in its
    /// differentiable inputs. Inputs that are not differentiable (indices, masks,
    /// integer tensors) are passed as they are.
    public func applyOpToTangents() throws -> [Tensor?] {
        let definition = op.definition
        let arguments: [Tensor?] = inputs.tensors.enumerated().map { i, x in
            guard let x else { return nil }
            guard x.dtype.isFloatingPoint,
                  definition.inputs[definition.inputLayout.input(ofSlot: i, count: inputs.count)].isDifferentiable else { return x }
            return tangent(i)
        }
        let results = try op.callOutputs(arguments, attributes: attributes.dictionary)
        return results.map { $0.dtype.isFloatingPoint ? $0 : nil }
    }
}

/// What an elementwise derivative reads: the inputs, the output and the attributes.
public struct DerivativeContext {
    /// The inputs of the forward call, as the kernel received them.
    public let inputs: OpInputs
    let outputTensor: Tensor?
    /// The attributes of the forward call.
    public let attributes: Attributes

    /// The op's output (when deriving the backward rule, the op must save `.output`).
    public var output: Tensor {
        guard let outputTensor else { fatalError("the derivative reads the output, but the op does not save .output") }
        return outputTensor
    }

    init(backward ctx: BackwardContext) {
        inputs = ctx.inputs
        outputTensor = ctx.savedOutputs.first ?? nil
        attributes = ctx.attributes
    }

    init(forward ctx: ForwardContext) {
        inputs = ctx.inputs
        outputTensor = ctx.outputs.first
        attributes = ctx.attributes
    }
}
