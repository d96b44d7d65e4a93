import Synchronization

/// A faster kernel for an existing op, used when its dtype and condition match
/// (for example OpenBLAS's sgemm for 2-D contiguous float32 matmul). The op's
/// backward rule is unchanged, so it speeds up the backward pass too.
public struct KernelOverride: Sendable {
    public let dtype: DType
    /// Where it comes from, for reports: a plugin's file, say.
    public let source: String
    public let condition: @Sendable ([Tensor], Attributes) -> Bool
    public let kernel: Kernel

    public init(dtype: DType, source: String,
                when condition: @escaping @Sendable ([Tensor], Attributes) -> Bool = { _, _ in true },
                kernel: @escaping Kernel) {
        self.dtype = dtype
        self.source = source
        self.condition = condition
        self.kernel = kernel
    }
}

/// A registered op: its definition and the kernels that run it.
public final class Op: Sendable {
    public let definition: OpDefinition
    private let overrides = Mutex<[KernelOverride]>([])
    /// Attributes when the caller gives none, resolved once.
    private let defaultAttributes: Attributes?
    /// Kernels indexed by `DType.index`, for a lookup with no hashing.
    private let kernels: [Kernel?]
    // Copies of the definition's fields that every call reads.
    private let inputNames: [String]
    private let isElementwise: Bool
    private let isDifferentiable: Bool
    private let hasOverrides = Atomic<Bool>(false)

    init(_ definition: OpDefinition) {
        self.definition = definition
        defaultAttributes = try? Attributes(resolving: [:], specs: definition.attributes, op: definition.name)
        kernels = DType.allCases.map { definition.forward[$0] }
        inputNames = definition.inputs
        isElementwise = definition.isElementwise
        isDifferentiable = definition.backward != nil
    }

    public var name: String { definition.name }

    /// The faster kernels registered for this op.
    public var kernelOverrides: [KernelOverride] { overrides.withLock { $0 } }

    func addOverrides(_ new: [KernelOverride]) {
        overrides.withLock { $0.append(contentsOf: new) }
        hasOverrides.store(true, ordering: .releasing)
    }

    /// Runs the op, recording a graph node when grad mode is on and an input requires grad.
    public func call(_ inputs: [Tensor], attributes given: [String: AttributeValue] = [:]) throws -> Tensor {
        // Fields are read one by one: copying the whole definition would retain every member.
        let name = definition.name
        guard inputs.count == inputNames.count else {
            throw AutogradError(.inputCount, """
                \(name): expected \(inputNames.count) input\(inputNames.count == 1 ? "" : "s") \
                (\(inputNames.joined(separator: ", "))), got \(inputs.count)
                """)
        }
        let dtype = inputs.first?.dtype ?? .float32
        for (i, input) in inputs.enumerated() where input.dtype != dtype {
            throw AutogradError(.dtype, """
                \(name): all inputs must share one dtype; \(inputNames[0]) is \(dtype), \
                \(inputNames[i]) is \(input.dtype)
                """)
        }
        let attributes = try given.isEmpty && defaultAttributes != nil
            ? defaultAttributes!
            : Attributes(resolving: given, specs: definition.attributes, op: name)
        let outputShape = try definition.outputShape.compute(
            ShapeContext(op: name, inputNames: inputNames, shapes: inputs.map(\.shape), attributes: attributes))

        var kernelInputs = inputs
        if isElementwise {
            for i in inputs.indices where inputs[i].shape != outputShape {
                kernelInputs[i] = inputs[i].broadcastView(to: outputShape)
            }
        }
        let kernel = try selectKernel(dtype: dtype, inputs: kernelInputs, attributes: attributes)
        let context = KernelContext(op: name, inputs: kernelInputs, attributes: attributes,
                                    outputShape: outputShape, dtype: dtype)
        // Kernels run with recording off, so one made of other ops leaves no nodes behind.
        var output = try GradMode.withDisabled { try kernel(context) }
        guard output.shape == outputShape, output.dtype == dtype else {
            throw AutogradError(.kernel, """
                \(name): the \(dtype) kernel returned a \(output.dtype) tensor of shape \
                \(Shape.describe(output.shape)); the shape rule expects \(dtype) \(Shape.describe(outputShape))
                """)
        }
        guard isDifferentiable, GradMode.isEnabled, inputs.contains(where: \.requiresGrad) else {
            return output
        }
        // The node must own a fresh tensor: a kernel may hand back an input or a tensor with history.
        if !output.isLeaf || output.requiresGradFlag || inputs.contains(where: { $0 === output }) {
            output = output.detach()
        }
        output.gradFn = Node(op: self, attributes: attributes, inputs: inputs, output: output)
        return output
    }

    /// An override whose dtype and condition match, else the op's own kernel for `dtype`.
    func selectKernel(dtype: DType, inputs: [Tensor], attributes: Attributes) throws -> Kernel {
        if hasOverrides.load(ordering: .acquiring) {
            let overrides = self.overrides.withLock { $0 }
            for o in overrides where o.dtype == dtype && o.condition(inputs, attributes) {
                return o.kernel
            }
        }
        guard let kernel = kernels[dtype.index] else {
            let have = DType.allCases.filter { definition.forward[$0] != nil }.map(\.rawValue)
            throw AutogradError(.dtype, """
                \(definition.name): no \(dtype) kernel; the op supports \(have.joined(separator: ", "))
                """)
        }
        return kernel
    }
}
