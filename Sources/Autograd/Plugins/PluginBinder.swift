/// Turns a parsed manifest into op definitions and kernel overrides for one
/// library: resolves each symbol, prepares its call interface, and checks each
/// argument against the tensors and attributes in scope.
struct PluginBinder {
    let manifest: PluginManifest
    let library: PluginLibrary
    let registry: OpRegistry
    let diagnostics: PluginDiagnostics

    /// A tensor name visible to a call, and its slot.
    typealias Scope = [String: Int]

    func definitions() throws -> [OpDefinition] {
        try manifest.ops.map(definition)
    }

    func overrides() throws -> [(op: String, kernel: KernelOverride)] {
        try manifest.kernels.map { spec in
            let (inputs, list, attributes, dtypes) = try signature(ofOpNamed: spec.op, field: spec.field + ".op")
            // The registry refuses a dtype the op has no kernel for before it looks at overrides.
            guard dtypes.contains(spec.dtype) else {
                let known = dtypes.map(\.rawValue).joined(separator: ", ")
                let why = "op '\(spec.op)' has no \(spec.dtype) forward kernel (its dtypes: \(known)), so a \(spec.dtype) kernel would never run"
                throw diagnostics.error(why, op: spec.op, field: spec.field + ".dtype")
            }
            let slots = TensorSlots(inputs: inputs, listInput: list)
            var scope = Scope(uniqueKeysWithValues: inputs.enumerated().map { ($1, $0) })
            scope["out"] = slots.out()
            let call = try bind(spec.call, op: spec.op, scope: scope, attributes: attributes, slots: slots,
                                writes: ["out"], label: "\(spec.op): \(spec.dtype) kernel \(spec.call.symbol)")
            let condition = spec.condition
            let kernel = KernelOverride(
                dtype: spec.dtype, source: "\(diagnostics.file) (\(spec.call.symbol))",
                when: { inputs, _ in condition.holds(for: inputs) },
                kernel: PluginKernels.forward(call))
            return (spec.op, kernel)
        }
    }

    /// The inputs, attributes and forward dtypes of an op the manifest gives a kernel for: one of its own, or a registered one.
    private func signature(ofOpNamed name: String, field: String) throws -> ([String], Int?, [AttributeSpec], [DType]) {
        if let own = manifest.ops.first(where: { $0.name == name }) {
            return (own.inputs, own.listInput, own.attributes, DType.allCases.filter { own.forward[$0] != nil })
        }
        guard let op = try? registry.op(named: name) else {
            throw diagnostics.error("no op named '\(abbreviated(name))' is registered or declared in this manifest", op: name, field: field)
        }
        return (op.definition.inputNames, op.definition.inputLayout.listIndex, op.definition.attributes, op.definition.forward.dtypes)
    }

    private func definition(_ spec: OpSpec) throws -> OpDefinition {
        let slots = TensorSlots(inputs: spec.inputs, outputCount: spec.outputs.count, listInput: spec.listInput)
        var forwardScope = Scope(uniqueKeysWithValues: spec.inputs.enumerated().map { ($1, $0) })
        for (i, name) in spec.outputNames.enumerated() { forwardScope[name] = slots.out(i) }
        var forward: [DType: ForwardKernels.Body] = [:]
        // In dtype order, so that the first error is always the same one.
        for (dtype, callSpec) in spec.forward.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            if callSpec.isMap {
                forward[dtype] = .single(try map(callSpec, of: spec, dtype: dtype))
                continue
            }
            if case .value = callSpec.returns, !spec.returnsScalar {
                throw diagnostics.error("""
                    a kernel that returns the op's value gives a 0-d output; declare "output": {"shape": []}
                    """, op: spec.name, field: callSpec.field + ".returns")
            }
            let call = try bind(callSpec, op: spec.name, scope: forwardScope, attributes: spec.attributes, slots: slots,
                                writes: spec.outputNames, label: "\(spec.name): \(dtype) forward kernel \(callSpec.symbol)")
            forward[dtype] = spec.outputs.count == 1
                ? .single(PluginKernels.forward(call)) : .multiple(PluginKernels.forwardOutputs(call, count: spec.outputs.count))
        }

        // Per input index: how that input's gradient is computed, if it has one.
        var backward: [BoundGradient?] = Array(repeating: nil, count: spec.inputs.count)
        for (index, input) in spec.inputs.enumerated() {
            switch spec.backward[input] {
            case nil:
                continue
            case .formula(let formula, let field):
                // The ops a formula calls: registered ones, or this manifest's own.
                let own = Set(manifest.ops.map(\.name))
                if let unknown = formula.functions.sorted().first(where: { !registry.contains($0) && !own.contains($0) }) {
                    throw diagnostics.error("""
                        the backward formula '\(ReferenceExpression.excerpt(formula.source))' calls \
                        '\(abbreviated(unknown))', which is not a registered op or an op of this manifest
                        """, op: spec.name, field: field)
                }
                backward[index] = .formula(formula)
            case .kernels(let calls):
                var scope = forwardScope
                for (i, name) in spec.gradOutputNames.enumerated() { scope[name] = slots.gradOut(i) }
                scope["grad_\(input)"] = slots.gradBuffer
                var kernels: [DType: BoundCall] = [:]
                for (dtype, callSpec) in calls.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    kernels[dtype] = try bind(
                        callSpec, op: spec.name, scope: scope, attributes: spec.attributes, slots: slots,
                        writes: ["grad_\(input)"], label: "\(spec.name): \(dtype) backward kernel \(callSpec.symbol) for \(input)")
                }
                backward[index] = .kernels(kernels)
            }
        }
        if let jvp = spec.jvp {
            let own = Set(manifest.ops.map(\.name))
            if let unknown = jvp.functions.sorted().first(where: { !registry.contains($0) && !own.contains($0) }) {
                throw diagnostics.error("""
                    the jvp formula '\(ReferenceExpression.excerpt(jvp.source))' calls '\(abbreviated(unknown))', \
                    which is not a registered op or an op of this manifest
                    """, op: spec.name, field: spec.field + ".jvp")
            }
        }
        let readsOutput = spec.backward.values.contains(where: \.readsOutput)
        let differentiable = !spec.backward.isEmpty
        // Formulas are recorded like any op, so their gradients are differentiable again;
        // a C kernel's are not.
        let higherOrder = differentiable && backward.allSatisfy { $0.map { $0.formula != nil } ?? true }
        // An elementwise op's Jacobian is diagonal (per input, after broadcasting), so its
        // backward applied to the tangents gives its forward-mode rule; formulas, which
        // are differentiable in grad_out, give it for any op.
        let derivesForwardMode = differentiable && (spec.isElementwise || higherOrder)
        // Declared, or derived from the backward.
        let forwardRule: ForwardMode? = if let jvp = spec.jvp {
            .rule(PluginKernels.forwardFromFormula(jvp, outputs: spec.outputNames, slots: slots, registry: registry))
        } else if !derivesForwardMode {
            nil
        } else if spec.isElementwise {
            .rule(PluginKernels.forwardFromBackward(backward, inputs: spec.inputs, readsOutput: readsOutput, registry: registry))
        } else {
            .rule(PluginKernels.forwardFromFormulas(backward, inputs: spec.inputs, outputs: spec.outputNames,
                                                    readsOutput: readsOutput, registry: registry))
        }
        var definition = OpDefinition(
            name: spec.name,
            inputs: spec.inputs.indices.map { i in
                let (name, optional) = (spec.inputs[i], spec.optionalInputs[i])
                return spec.inputDTypes[i].map { OpInput(name, dtypes: .exactly($0), optional: optional, differentiable: false) }
                    ?? OpInput(name, optional: optional, list: i == spec.listInput, differentiable: spec.backward[name] != nil)
            },
            attributes: spec.attributes,
            outputs: zip(spec.outputNames, spec.outputs).map { name, output in
                OpOutput(name == "out" ? "output" : name, dtype: output.dtype.map { .exactly($0) } ?? .computed)
            },
            elementwise: spec.isElementwise,
            outputShape: PluginKernels.shapeRule(spec.outputs.map(\.shape), inputRanks: spec.inputRanks,
                                                 inputShapeOf: spec.inputShapeOf, slots: slots),
            forward: ForwardKernels(bodies: forward),
            saves: readsOutput ? [.inputs, .output] : .inputs,
            supportsHigherOrder: higherOrder, reference: spec.reference,
            jvp: forwardRule,
            backward: differentiable
                ? PluginKernels.backward(backward, inputs: spec.inputs, outputs: spec.outputNames, isElementwise: spec.isElementwise,
                                         readsOutput: readsOutput, slots: slots, registry: registry)
                : nil)
        definition.isForwardModeFromBackward = derivesForwardMode && spec.jvp == nil
        return definition
    }

    /// A forward kernel that applies a scalar C function (`double f(double)`, or of
    /// two arguments for two inputs) to each element, called directly.
    private func map(_ call: CallSpec, of spec: OpSpec, dtype: DType) throws -> Kernel {
        guard spec.isElementwise, (1...2).contains(spec.inputs.count), spec.inputDTypes.allSatisfy({ $0 == nil }),
              dtype == .float32 || dtype == .float64 else {
            throw diagnostics.error("""
                a map applies a scalar C function per element: it is the float32 or float64 forward of an \
                elementwise op of one or two floating inputs
                """, op: spec.name, field: call.field + ".map")
        }
        guard let function = library.symbol(call.symbol) else {
            throw diagnostics.error("symbol '\(abbreviated(call.symbol))' not found in \(library.name): \(abbreviated(PluginLibrary.dlerrorMessage()))",
                                    op: spec.name, field: call.field + ".map")
        }
        return PluginKernels.map(function, arity: spec.inputs.count, dtype: dtype)
    }

    /// Resolves a call's symbol, checks its arguments against what is in scope,
    /// and prepares its libffi interface.
    private func bind(
        _ spec: CallSpec, op: String, scope: Scope, attributes: [AttributeSpec], slots: TensorSlots,
        writes buffers: [String], label: String
    ) throws -> BoundCall {
        if spec.isMap {
            throw diagnostics.error("a map is only an op's forward kernel", op: op, field: spec.field + ".map")
        }
        if case .value = spec.returns, buffers != ["out"] {
            throw diagnostics.error("""
                only the forward kernel of an op with one output returns the op's value; this call fills \
                \(buffers.joined(separator: ", "))
                """, op: op, field: spec.field + ".returns")
        }
        if spec.bufferStart != nil, let list = slots.listInput, buffers == ["grad_\(slots.inputs[list])"] {
            throw diagnostics.error("init_out starts one buffer; this call fills a list of them", op: op, field: spec.field + ".init_out")
        }
        if spec.bufferStart != nil, buffers.count > 1 {
            throw diagnostics.error("init_out starts the one buffer a call fills; this call fills \(buffers.joined(separator: ", "))",
                                    op: op, field: spec.field + ".init_out")
        }
        let buffer = buffers[0]
        var bufferSource: Int?
        if case .copy(let name) = spec.bufferStart {
            guard let slot = scope[name], name != buffer else {
                throw diagnostics.error("""
                    init_out names '\(abbreviated(name))'; expected zeros or a tensor this call reads: \
                    \(scope.keys.filter { $0 != buffer }.sorted().joined(separator: ", "))
                    """, op: op, field: spec.field + ".init_out")
            }
            bufferSource = slot
        }
        var strided = Array(repeating: false, count: slots.count)
        var arguments: [BoundArgument] = []
        var written = Set<String>()
        for (i, term) in spec.arguments.enumerated() {
            let field = "\(spec.field).args[\(i)]"
            func fail(_ why: String) -> AutogradError {
                diagnostics.error("'\(abbreviated(term.text))': \(why)", op: op, field: field)
            }
            /// The source of one term, or of one leaf of an expression (`isLeaf`), whose attributes must be ints.
            func source(_ value: TermValue, isLeaf: Bool) throws -> BoundArgument.Source {
                var slot = 0
                if let name = value.tensorName {
                    guard let s = scope[name] else {
                        throw fail("no tensor named '\(abbreviated(name))' here; this call sees \(scope.keys.sorted().joined(separator: ", "))")
                    }
                    slot = s
                }
                // A list input's slot, and the slot of the buffers of its gradients.
                let isList = slots.listInput.map { slot == $0 || (slot == slots.gradBuffer && buffers == ["grad_\(slots.inputs[$0])"]) } ?? false
                switch value {
                case .tensor(let name):
                    if buffers.contains(name) { written.insert(name) }
                    return .pointer(slot: slot)
                case .count(let name), .numels(let name):
                    guard isList, slot == slots.listInput else {
                        throw fail("len() and numels() take a list input; '\(abbreviated(name))' is not one")
                    }
                    if case .numels = value { return .numels(slot: slot) }
                    return .count(slot: slot)
                case .leadingDimension(let name) where isList, .cblasTranspose(let name) where isList:
                    throw fail("'\(abbreviated(name))' is a list: ld() and cblas_trans() read one matrix")
                case .numel: return .numel(slot: slot)
                case .dim(_, let d): return .dim(slot: slot, d)
                case .ndim: return .ndim(slot: slot)
                case .leadingDimension:
                    strided[slot] = true
                    return .leadingDimension(slot: slot)
                case .cblasTranspose:
                    strided[slot] = true
                    return .cblasTranspose(slot: slot)
                case .attribute(let name):
                    guard let attribute = attributes.first(where: { $0.name == name }) else {
                        let known = attributes.isEmpty ? "none" : attributes.map(\.name).joined(separator: ", ")
                        throw fail("the op has no attribute '\(abbreviated(name))'; its attributes: \(known)")
                    }
                    if case .string = attribute.type {
                        guard term.type == .ptr, !isLeaf else {
                            throw fail("attribute '\(name)' is a string; pass it as ptr:attr.\(name) (a const char *)")
                        }
                    } else if term.type == .ptr {
                        throw fail("attribute '\(name)' is of type \(attribute.type); ptr:attr.<name> passes a string attribute")
                    }
                    if isLeaf && attribute.type != .int {
                        throw fail("attribute '\(name)' is of type \(attribute.type); arithmetic takes int attributes")
                    }
                    if term.type.isInteger && attribute.type == .double {
                        throw fail("attribute '\(name)' is a double; pass it as f32 or f64")
                    }
                    if term.type.isReal && attribute.type == .bool {
                        throw fail("attribute '\(name)' is a bool; pass it as i32 or i64")
                    }
                    return .attribute(name)
                case .integer(let v): return .integer(v)
                case .real(let v): return .real(v)
                case .expression(let e): return .expression(try e.map { try source($0, isLeaf: true) })
                }
            }
            let source = try source(term.value, isLeaf: false)
            arguments.append(BoundArgument(type: term.type, source: source, text: term.text))
        }
        if case .value = spec.returns { written.insert(buffer) }
        if let missing = buffers.first(where: { !written.contains($0) }) {
            throw diagnostics.error("no argument is ptr:\(missing), a buffer this call must fill", op: op, field: spec.field + ".args")
        }
        guard let symbol = library.symbol(spec.symbol) else {
            throw diagnostics.error("symbol '\(abbreviated(spec.symbol))' not found in \(library.name): \(abbreviated(PluginLibrary.dlerrorMessage()))",
                                    op: op, field: spec.field + ".symbol")
        }
        guard let ffi = FFICall(symbol: symbol, arguments: spec.arguments.map(\.type), returns: spec.returns) else {
            throw diagnostics.error("libffi cannot prepare a call with these argument types", op: op, field: spec.field + ".args")
        }
        var slotNames = [String](repeating: "", count: slots.count)
        for (name, slot) in scope where slot < slots.count { slotNames[slot] = slots.describe(slot: slot, named: name) }
        return BoundCall(ffi: ffi, arguments: arguments, takesStridedMatrix: strided,
                         bufferSlot: scope[buffer]!, bufferStart: spec.bufferStart, bufferSource: bufferSource,
                         label: "\(label) (plugin \(diagnostics.file))", library: library, slotNames: slotNames, slots: slots)
    }
}
