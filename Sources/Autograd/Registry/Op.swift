import Synchronization

/// A faster kernel for an existing op, used when its dtype and condition match
/// (for example OpenBLAS's sgemm for 2-D contiguous float32 matmul). The op's
/// backward rule is unchanged, so it speeds up the backward pass too.
public struct KernelOverride: Sendable {
    /// The dtype the op computes in for which this kernel replaces the registered one.
    public let dtype: DType
    /// Where it comes from, for reports: a plugin's file, say.
    public let source: String
    /// Whether this kernel handles a call, given the call's inputs (omitted optional ones
    /// left out) and attributes. The first override added whose dtype and condition match
    /// runs; when none does, the op's own kernel.
    public let condition: @Sendable ([Tensor], Attributes) -> Bool
    /// The kernel that runs instead of the op's own.
    public let kernel: Kernel

    /// An override of `dtype`'s kernel.
    ///
    /// - Parameters:
    ///   - dtype: the dtype the op computes in for which it applies.
    ///   - source: where it comes from, shown in reports (a plugin's file, say).
    ///   - condition: when it applies; by default always.
    ///   - kernel: the faster kernel, which must compute what the op's own kernel does.
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
///
/// `call` is the one road every op takes: arity, dtypes and attributes are
/// checked, inputs promoted to one dtype, the shape rule run, the kernel
/// chosen and run, tangents carried forward (inside `jvp`), and a node recorded
/// for backward when grad mode is on and an input requires grad.
public final class Op: Sendable {
    /// The definition the op was registered with.
    public let definition: OpDefinition
    private let overrides = Locked<[KernelOverride]>([])
    private let hasOverrides = Atomic<Bool>(false)
    /// Attributes when the caller gives none, resolved once.
    private let defaultAttributes: Attributes?
    /// Kernels indexed by `DType.index`, for a lookup with no hashing.
    private let kernels: [ForwardKernels.Body?]
    private let isDifferentiable: Bool
    private let hasSeveralOutputs: Bool
    // The parts of the definition every call reads, hoisted: reading them through
    // `definition` would copy the whole struct, retaining every member, per call.
    private let inputSpecs: [OpInput]
    /// The flags each declared input sets, read on every call without copying an `OpInput`.
    private let slotRules: [SlotRule]
    private let layout: InputLayout
    let isElementwise: Bool
    private let isDecomposition: Bool
    let backwardRule: BackwardRule?
    let saves: SavedTensors
    let supportsHigherOrder: Bool
    private let shapeRule: ShapeRule
    private let outputRules: [OpOutput.DTypeRule]
    private let forwardRule: ForwardRule?
    let gradFnName: String
    /// The registry name, as `definition.name`.
    public let name: String

    init(_ definition: OpDefinition) {
        self.definition = definition
        name = definition.name
        defaultAttributes = try? Attributes(resolving: [:], specs: definition.attributes, op: definition.name)
        kernels = DType.allCases.map { definition.forward.bodies[$0] }
        isDifferentiable = definition.backward != nil
        hasSeveralOutputs = definition.hasVariadicOutputs || definition.outputs.count != 1
        inputSpecs = definition.inputs
        slotRules = definition.inputs.map(SlotRule.init)
        layout = definition.inputLayout
        isElementwise = definition.isElementwise
        backwardRule = definition.backward
        saves = definition.saves
        supportsHigherOrder = definition.supportsHigherOrder
        isDecomposition = definition.forward.isDecomposition
        shapeRule = definition.outputShapes
        outputRules = definition.outputs.map(\.dtype)
        forwardRule = definition.jvp
        gradFnName = definition.gradFnName
    }

    /// The rules of the declared input behind flat input slot `slot` of a call with `count` tensors.
    @inline(__always)
    private func rule(_ slot: Int, count: Int) -> SlotRule {
        slotRules[layout.input(ofSlot: slot, count: count)]
    }

    /// The faster kernels registered for this op.
    public var kernelOverrides: [KernelOverride] { overrides.withLock { $0 } }

    func addOverrides(_ new: [KernelOverride]) {
        overrides.withLock { $0.append(contentsOf: new) }
        hasOverrides.store(true, ordering: .releasing)
    }

    /// Runs a one-output op, recording it for backward when grad mode is on and an input requires grad.
    ///
    /// ```swift
    /// let mul = try OpRegistry.shared.op(named: "mul")
    /// let y = try mul.call([a, b])
    /// ```
    ///
    /// - Parameters:
    ///   - inputs: one tensor per input, nil for an omitted optional input
    ///     (trailing optional inputs may be left out); a list input takes its tensors in place.
    ///   - attributes: the attributes by name, as literals (`["dim": 1, "keepdim": true]`);
    ///     those not given take their defaults.
    /// - Throws: `AutogradError` naming the op and what was wrong; for an op with
    ///   several outputs, an error naming `callOutputs`.
    public func call(_ inputs: [Tensor?], attributes: [String: AttributeValue] = [:]) throws -> Tensor {
        guard !hasSeveralOutputs else {
            throw AutogradError(.inputCount, """
                \(name) returns several outputs (\(definition.outputs.map(\.name).joined(separator: ", "))\
                \(definition.hasVariadicOutputs ? ", ..." : "")); call it with callOutputs
                """)
        }
        return try run(inputs, attributes: resolve(attributes)).first
    }

    /// Runs any op, returning every output (`max` with `dim` gives values and indices).
    ///
    /// - Parameters:
    ///   - inputs: one tensor per input, nil for an omitted optional input; a list input
    ///     takes its tensors in place.
    ///   - attributes: the attributes by name, as literals (`["dim": 1, "keepdim": true]`);
    ///     those not given take their defaults.
    /// - Throws: `AutogradError` naming the op and what was wrong.
    public func callOutputs(_ inputs: [Tensor?], attributes: [String: AttributeValue] = [:]) throws -> [Tensor] {
        try run(inputs, attributes: resolve(attributes)).array
    }

    private func resolve(_ given: [String: AttributeValue]) throws -> Attributes {
        if given.isEmpty, let defaultAttributes { return defaultAttributes }
        return try Attributes(resolving: given, specs: definition.attributes, op: name)
    }

    /// The one path of every call.
    func run(_ given: [Tensor?], attributes: Attributes) throws -> CallOutputs {
        let inputs = try arrange(given)
        let dtype = try computeDType(inputs)
        let plan = try outputPlan(ShapeContext(owner: self, inputs: inputs, attributes: attributes), dtype: dtype)

        // Inputs in the op's dtype: recorded conversions, so gradients flow back in each input's own dtype.
        // The array is copied only when an input changes.
        var converted = inputs
        for i in inputs.indices {
            guard let x = inputs[i], x.dtype != dtype, rule(i, count: inputs.count).isPromoted else { continue }
            converted[i] = try x.convertedOrThrow(to: dtype)
        }
        if isDecomposition {
            return try runDecomposition(converted, attributes: attributes, plan: plan, dtype: dtype)
        }
        var kernelInputs = converted
        if isElementwise {
            let shape = plan.firstShape
            for i in converted.indices {
                guard let x = converted[i], x.shape != shape else { continue }
                kernelInputs[i] = x.broadcastView(to: shape)
            }
        }
        let context = KernelContext(op: name, inputs: OpInputs(kernelInputs), attributes: attributes, dtype: dtype,
                                    outputs: plan)
        let body = try selectKernel(dtype: dtype, inputs: kernelInputs, attributes: attributes)
        // Kernels run with recording and tangents off, so one made of other ops leaves nothing behind.
        let returned: CallOutputs = try GradMode.withDisabled {
            try ForwardAD.withPaused {
                try namingThisOp {
                    switch body {
                    case .single(let kernel): CallOutputs(try kernel(context))
                    case .multiple(let kernel): CallOutputs(try kernel(context))
                    }
                }
            }
        }
        try checkOutputs(returned, plan: plan, dtype: dtype)
        let outputs = returned.replacingUnowned(among: converted)
        if let first = converted.first ?? nil, first === inputs.first ?? nil {
            let creation: ViewCreation = !GradMode.isEnabled ? .inNoGradMode
                : outputs.count > 1 ? .oneOfSeveral(gradFnName) : .ordinary
            for k in 0..<outputs.count where outputs[k].storage === first.storage {
                outputs[k].markAsView(of: first, creation: creation)
            }
        }
        if ForwardAD.isActive { try carryTangents(inputs: converted, outputs: outputs.array, attributes: attributes) }
        if isDifferentiable && GradMode.isEnabled && outputs.containsFloatingPoint {
            let count = converted.count
            if converted.indices.contains(where: { sendsGradient(to: converted[$0], slot: $0, count: count) }) {
                try Node.record(op: self, attributes: attributes, inputs: converted, outputs: outputs)
            }
        }
        return outputs
    }

    /// Whether a call's backward sends a gradient to input `slot`: a floating-point
    /// tensor that requires grad, in an input the op differentiates.
    @inline(__always)
    func sendsGradient(to tensor: Tensor?, slot: Int, count: Int) -> Bool {
        guard let tensor, tensor.dtype.isFloatingPoint else { return false }
        return rule(slot, count: count).isDifferentiable && tensor.requiresGrad
    }

    /// An op made of other ops that record themselves: its outputs keep the history
    /// (and tangents) those ops gave them, so the op needs no rules of its own.
    private func runDecomposition(_ inputs: [Tensor?], attributes: Attributes, plan: OutputPlan, dtype: DType) throws -> CallOutputs {
        let context = KernelContext(op: name, inputs: OpInputs(inputs), attributes: attributes, dtype: dtype, outputs: plan)
        let body = try selectKernel(dtype: dtype, inputs: inputs, attributes: attributes)
        let outputs: CallOutputs = try namingThisOp {
            switch body {
            case .single(let kernel): CallOutputs(try kernel(context))
            case .multiple(let kernel): CallOutputs(try kernel(context))
            }
        }
        try checkOutputs(outputs, plan: plan, dtype: dtype)
        return outputs
    }

    /// Runs a kernel; an error from an op it called in turn (`cross_entropy`'s `nll_loss`)
    /// is prefixed with this op's name, the one the caller called.
    @inline(__always)
    private func namingThisOp<R>(_ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch let error as AutogradError where !error.message.hasPrefix(name) {
            throw AutogradError(error.kind, "\(name): \(error.message)")
        }
    }

    /// The shapes (from the shape rule) and dtypes of the call's outputs, checked.
    private func outputPlan(_ context: ShapeContext, dtype: DType) throws -> OutputPlan {
        switch shapeRule.body {
        case .single(let rule):
            let shape = try rule(context)
            try checkCount(shape)
            return OutputPlan(shape: shape, dtype: try outputDType(0, dtype: dtype, context: context))
        case .multiple(let rule):
            let shapes = try rule(context)
            if !definition.hasVariadicOutputs && shapes.count != outputRules.count {
                throw AutogradError(.shape, "\(name): the shape rule gave \(shapes.count) shapes for \(outputRules.count) outputs")
            }
            for shape in shapes { try checkCount(shape) }
            let dtypes = try shapes.indices.map { try outputDType($0, dtype: dtype, context: context) }
            return OutputPlan(shapes: shapes, dtypes: dtypes)
        }
    }

    private func checkCount(_ shape: [Int]) throws {
        // A data-dependent size is the kernel's to decide: it counts as 1 here.
        var n = 1, fits = true
        for d in shape where d != ShapeRule.dataDependentSize {
            let (product, overflow) = n.multipliedReportingOverflow(by: d)
            if d < 0 || overflow { fits = false; break }
            n = product
        }
        if !fits {
            throw AutogradError(.shape, """
                \(name): the output shape \(Shape.describe(shape)) has a negative size or more elements than can be counted
                """)
        }
    }

    /// The given tensors as one entry per input slot, checked against the declared inputs.
    /// A call that gives every input returns its own array, not a copy.
    private func arrange(_ given: [Tensor?]) throws -> [Tensor?] {
        var slots = given
        if layout.listIndex == nil {
            let declared = slotRules.count
            let required = (slotRules.lastIndex { !$0.isOptional } ?? -1) + 1
            guard given.count >= required && given.count <= declared else { throw arityError(given.count) }
            if given.count < declared { slots += repeatElement(nil, count: declared - given.count) }
        } else if given.count < inputSpecs.count - 1 {
            throw arityError(given.count)
        }
        let count = slots.count
        for i in 0..<count {
            let input = rule(i, count: count)
            guard let tensor = slots[i] else {
                if input.isOptional { continue }
                throw AutogradError(.inputCount, "\(name): input '\(slotName(i, count: count))' is required but was given as nil")
            }
            if let required = input.required, tensor.dtype != required {
                throw AutogradError(.dtype, """
                    \(name): input '\(slotName(i, count: count))' must be \(required), got a \(tensor.dtype) \
                    tensor of shape \(Shape.describe(tensor.shape))
                    """)
            }
        }
        return slots
    }

    private func arityError(_ count: Int) -> AutogradError {
        let names = definition.inputs.map(\.description).joined(separator: ", ")
        return AutogradError(.inputCount, """
            \(name): expected \(definition.inputs.count) input\(definition.inputs.count == 1 ? "" : "s") (\(names)), got \(count)
            """)
    }

    /// The name of each input slot: an input's name, `tensors[2]` for an element of a list.
    func slotNames(count: Int) -> [String] { definition.slotNames(count: count) }

    private func slotName(_ slot: Int, count: Int) -> String { definition.slotName(slot, count: count) }

    /// The dtype the op computes in: its promoted inputs' common dtype (PyTorch's
    /// rules: bool < int64 < float; 0-d tensors do not widen dimensioned ones of
    /// their category), moved to the nearest dtype the op has a kernel for.
    private func computeDType(_ inputs: [Tensor?]) throws -> DType {
        var dimensioned: DType?, zeroDim: DType?, first: DType?
        for (i, x) in inputs.enumerated() {
            guard let x else { continue }
            first = first ?? x.dtype
            guard rule(i, count: inputs.count).isPromoted else { continue }
            if x.rank == 0 {
                zeroDim = zeroDim.map { DType.promoted($0, x.dtype) } ?? x.dtype
            } else {
                dimensioned = dimensioned.map { DType.promoted($0, x.dtype) } ?? x.dtype
            }
        }
        var dtype = Self.combine(higher: dimensioned, lower: zeroDim) ?? first ?? .float32
        // An override of the dtype itself (an int64 one, say) runs it; a float32
        // override (OpenBLAS's) must not keep int64 values from widening.
        if kernels[dtype.index] == nil && !hasOverride(for: dtype) {
            // Integer and bool values go to a wider dtype the op computes in, as PyTorch's
            // float ops take integer tensors (`exp` of int64 is float32).
            let wider: [DType] = dtype == .bool ? [.int64, .float32] : dtype == .int64 ? [.float32] : []
            if let supported = wider.first(where: { kernels[$0.index] != nil }) { dtype = supported }
        }
        return dtype
    }

    /// PyTorch's `combine_categories`: a 0-d operand decides only when it is of a higher category.
    private static func combine(higher: DType?, lower: DType?) -> DType? {
        guard let higher else { return lower }
        guard let lower else { return higher }
        if higher.isFloatingPoint { return higher }
        if higher == .bool || lower.isFloatingPoint { return DType.promoted(higher, lower) }
        return higher
    }

    private func outputDType(_ k: Int, dtype: DType, context: ShapeContext) throws -> DType {
        switch outputRules[outputRules.count == 1 ? 0 : k] {
        case .computed: return dtype
        case .exactly(let d): return d
        case .ofInput(let index): return context.dtypes[index] ?? dtype
        case .attribute(let attribute):
            let value = context.attributes.string(attribute)
            guard let d = DType(rawValue: value) else {
                throw AutogradError(.attribute, """
                    \(name): attribute '\(attribute)' names no dtype: "\(value)"; expected one of \
                    \(DType.allCases.map(\.rawValue).joined(separator: ", "))
                    """)
            }
            return d
        }
    }

    private func checkOutputs(_ outputs: CallOutputs, plan: OutputPlan, dtype: DType) throws {
        guard outputs.count == plan.count else {
            throw AutogradError(.kernel, "\(name): the \(dtype) kernel returned \(outputs.count) outputs; expected \(plan.count)")
        }
        for k in 0..<outputs.count {
            let output = outputs[k]
            guard !ShapeRule.allows(output.shape, for: plan.shape(k)) || output.dtype != plan.dtype(k) else { continue }
            throw AutogradError(.kernel, """
                \(name): the \(dtype) kernel returned a \(output.dtype) tensor of shape \
                \(Shape.describe(output.shape)) for output \(k); the op expects \(plan.dtype(k)) \(Shape.describe(plan.shape(k)))
                """)
        }
    }

    /// Whether an override runs `dtype` (off the hot path: only for a dtype with no kernel).
    private func hasOverride(for dtype: DType) -> Bool {
        hasOverrides.load(ordering: .acquiring) && overrides.withLock { $0.contains { $0.dtype == dtype } }
    }

    /// An override whose dtype and condition match, else the op's own kernel for `dtype`.
    private func selectKernel(dtype: DType, inputs: [Tensor?], attributes: Attributes) throws -> ForwardKernels.Body {
        if hasOverrides.load(ordering: .acquiring) {
            let overrides = self.overrides.withLock { $0 }
            let given = inputs.compactMap { $0 }
            for o in overrides where o.dtype == dtype && o.condition(given, attributes) {
                return .single(o.kernel)
            }
        }
        guard let kernel = kernels[dtype.index] else {
            throw AutogradError(.dtype, """
                \(name): no \(dtype) kernel; the op supports \(definition.forward.dtypes.map(\.rawValue).joined(separator: ", "))
                """)
        }
        return kernel
    }

    /// Computes the outputs' tangents from the inputs' (forward mode).
    private func carryTangents(inputs: [Tensor?], outputs: [Tensor], attributes: Attributes) throws {
        let tangents = inputs.indices.map { i -> Tensor? in
            guard let x = inputs[i], x.dtype.isFloatingPoint, rule(i, count: inputs.count).isDifferentiable else { return nil }
            return x.tangent
        }
        guard tangents.contains(where: { $0 != nil }), outputs.contains(where: { $0.dtype.isFloatingPoint }) else { return }
        guard let rule = forwardRule else {
            throw AutogradError(.backward, """
                \(name): the op has no forward-mode rule, so jvp cannot carry tangents through it; \
                declare jvp (or an elementwise derivative) in its definition
                """)
        }
        let context = ForwardContext(op: self, inputs: OpInputs(inputs), tangents: tangents, outputs: outputs,
                                     attributes: attributes)
        let results = try GradMode.withDisabled { try ForwardAD.withPaused { try rule(context) } }
        guard results.count == outputs.count else {
            throw AutogradError(.backward, "\(name): the forward-mode rule returned \(results.count) tangents for \(outputs.count) outputs")
        }
        for (k, tangent) in results.enumerated() {
            guard let tangent, outputs[k].dtype.isFloatingPoint else { continue }
            guard tangent.shape == outputs[k].shape else {
                throw AutogradError(.backward, """
                    \(name): the forward-mode rule returned a tangent of shape \(Shape.describe(tangent.shape)) \
                    for output \(k) of shape \(Shape.describe(outputs[k].shape))
                    """)
            }
            outputs[k].tangent = tangent.dtype == outputs[k].dtype ? tangent : try GradMode.withDisabled {
                try ForwardAD.withPaused { try tangent.convertedOrThrow(to: outputs[k].dtype) }
            }
        }
    }
}

/// What one declared input asks of a call, as plain flags.
struct SlotRule {
    let isOptional: Bool
    let isDifferentiable: Bool
    /// Whether it joins the op's dtype (`.promoted`).
    let isPromoted: Bool
    /// The one dtype it takes (`.exactly`).
    let required: DType?

    init(_ input: OpInput) {
        isOptional = input.isOptional
        isDifferentiable = input.isDifferentiable
        if case .promoted = input.dtypes { isPromoted = true } else { isPromoted = false }
        if case .exactly(let d) = input.dtypes { required = d } else { required = nil }
    }
}

/// A call's outputs. One output is held directly, so a one-output op builds no
/// array; a variadic op may return any number, none included (`unbind` of an empty dim).
struct CallOutputs {
    private var single: Tensor?
    private var several: [Tensor]

    init(_ output: Tensor) {
        single = output
        several = []
    }

    init(_ outputs: [Tensor]) {
        single = outputs.count == 1 ? outputs[0] : nil
        several = outputs.count == 1 ? [] : outputs
    }

    var count: Int { single == nil ? several.count : 1 }

    /// The first output of a one-output op.
    var first: Tensor { single ?? several[0] }

    subscript(k: Int) -> Tensor { single ?? several[k] }

    var array: [Tensor] { single.map { [$0] } ?? several }

    var containsFloatingPoint: Bool {
        single?.dtype.isFloatingPoint ?? several.contains { $0.dtype.isFloatingPoint }
    }
}

extension CallOutputs {
    /// The outputs with each one the op cannot own replaced by a fresh alias: a kernel
    /// may hand back an input, or a tensor with history or a tangent. Built anew only
    /// then, so the usual call mutates nothing.
    func replacingUnowned(among inputs: [Tensor?]) -> CallOutputs {
        if let single { return single.isUnowned(among: inputs) ? CallOutputs(single.ownedAlias()) : self }
        guard several.contains(where: { $0.isUnowned(among: inputs) }) else { return self }
        return CallOutputs(several.map { $0.isUnowned(among: inputs) ? $0.ownedAlias() : $0 })
    }
}

extension Tensor {
    /// Whether the op cannot take this kernel output as its own: it is one of the
    /// inputs, or has history, a tangent or a view's base.
    fileprivate func isUnowned(among inputs: [Tensor?]) -> Bool {
        if history != nil || requiresGradFlag || viewInfo != nil || tangentStorage != nil { return true }
        for input in inputs where input === self { return true }
        return false
    }

    /// A fresh alias with no history and no tangent.
    fileprivate func ownedAlias() -> Tensor {
        let alias = historyFreeAlias()
        alias.tangentStorage = nil
        return alias
    }
}
