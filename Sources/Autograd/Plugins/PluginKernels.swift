/// How a plugin op computes one input's gradient, bound to its library and registry:
/// one C kernel per dtype, or a formula over registered ops.
///
/// A struct, not an enum with payloads: such an enum may keep its case in spare bits
/// of the formula's pointers, where LeakSanitizer cannot follow them, and report the
/// formulas of every loaded plugin as leaked.
struct BoundGradient {
    var kernels: [DType: BoundCall] = [:]
    var formula: ReferenceExpression?

    static func kernels(_ kernels: [DType: BoundCall]) -> BoundGradient { BoundGradient(kernels: kernels) }
    static func formula(_ formula: ReferenceExpression) -> BoundGradient { BoundGradient(formula: formula) }
}

/// The Swift side of plugin ops: kernels, backward rules and shape rules that
/// prepare tensors and make one C call each.
enum PluginKernels {
    /// A forward kernel (or a kernel override): inputs made contiguous, `out` allocated, one call.
    static func forward(_ call: BoundCall) -> Kernel {
        let returnsValue = if case .value = call.ffi.returns { true } else { false }
        return { ctx in
            var (tensors, lists) = call.gathered(ctx.inputs.tensors)
            let out = try ctx.makeOutput()
            tensors.append(out)
            let value = try call.invoke(tensors, lists: lists, attributes: ctx.attributes)
            if returnsValue {
                // The op's output is declared 0-d: the value is its one element.
                if out.dtype == .float32 {
                    out.unsafeRawPointer.storeBytes(of: Float(value), as: Float.self)
                } else {
                    out.unsafeRawPointer.storeBytes(of: value, as: Double.self)
                }
            }
            return out
        }
    }

    /// The forward kernel of an op with several outputs: each allocated, one call fills them all.
    static func forwardOutputs(_ call: BoundCall, count: Int) -> MultiOutputKernel {
        { ctx in
            var (tensors, lists) = call.gathered(ctx.inputs.tensors)
            let outputs = try (0..<count).map { try ctx.makeOutput($0) }
            tensors += outputs
            try call.invoke(tensors, lists: lists, attributes: ctx.attributes)
            return outputs
        }
    }

    /// A forward kernel that calls a scalar C function once per element: no libffi
    /// in the loop. The engine broadcasts an elementwise op's inputs to the output's shape.
    static func map(_ function: UnsafeMutableRawPointer, arity: Int, dtype: DType) -> Kernel {
        typealias Unary32 = @convention(c) (Float) -> Float
        typealias Binary32 = @convention(c) (Float, Float) -> Float
        typealias Unary64 = @convention(c) (Double) -> Double
        typealias Binary64 = @convention(c) (Double, Double) -> Double
        // An address in a library that is never closed: safe to share between threads.
        let address = UInt(bitPattern: function)
        return { ctx in
            let function = UnsafeRawPointer(bitPattern: address)!
            let inputs = ctx.inputs.map { $0.contiguousData() }
            let out = try ctx.makeOutput()
            let n = out.scalarCount
            let x = inputs[0].unsafeRawPointer
            let y = arity == 2 ? inputs[1].unsafeRawPointer : x
            let o = out.unsafeRawPointer
            withExtendedLifetime(inputs) {
                switch (dtype, arity) {
                case (.float32, 1):
                    let f = unsafeBitCast(function, to: Unary32.self)
                    let (x, o) = (x.assumingMemoryBound(to: Float.self), o.assumingMemoryBound(to: Float.self))
                    for i in 0..<n { o[i] = f(x[i]) }
                case (.float32, _):
                    let f = unsafeBitCast(function, to: Binary32.self)
                    let (x, y, o) = (x.assumingMemoryBound(to: Float.self), y.assumingMemoryBound(to: Float.self),
                                     o.assumingMemoryBound(to: Float.self))
                    for i in 0..<n { o[i] = f(x[i], y[i]) }
                case (_, 1):
                    let f = unsafeBitCast(function, to: Unary64.self)
                    let (x, o) = (x.assumingMemoryBound(to: Double.self), o.assumingMemoryBound(to: Double.self))
                    for i in 0..<n { o[i] = f(x[i]) }
                default:
                    let f = unsafeBitCast(function, to: Binary64.self)
                    let (x, y, o) = (x.assumingMemoryBound(to: Double.self), y.assumingMemoryBound(to: Double.self),
                                     o.assumingMemoryBound(to: Double.self))
                    for i in 0..<n { o[i] = f(x[i], y[i]) }
                }
            }
            return out
        }
    }

    /// The backward rule of a plugin op: per input that needs a gradient, one C call
    /// or one formula evaluated with the registry's ops.
    ///
    /// An elementwise op's kernels see inputs broadcast to the output's shape and
    /// fill an output-shaped gradient, which the engine sums back to the input's shape.
    /// The registry is held weakly: it holds this rule.
    static func backward(
        _ gradients: [BoundGradient?], inputs names: [String], outputs: [String], isElementwise: Bool, readsOutput: Bool,
        slots: TensorSlots, registry: OpRegistry
    ) -> BackwardRule {
        { [weak registry] ctx in
            // One per input tensor: a list input has one per tensor of the list.
            var grads: [Tensor?] = Array(repeating: nil, count: ctx.needsInputGrad.count)
            if gradients.contains(where: { $0?.formula != nil }) {
                var scope = given(names, ctx.inputs.tensors)
                for (i, name) in outputs.enumerated() {
                    scope["grad_" + name] = ctx.gradOutput(i)
                    if readsOutput { scope[name] = ctx.output(i) }
                }
                // The dtype a formula's numbers take: the first floating input's.
                let numberDType = ctx.inputs.given.first { $0.dtype.isFloatingPoint }?.dtype ?? ctx.gradOutput.dtype
                for index in gradients.indices where ctx.needsInputGrad[index] {
                    guard let formula = gradients[index]?.formula else { continue }
                    let g = try evaluate(formula, scope, ctx.attributes, registry, op: ctx.op, numberDType: numberDType)
                    let shape = ctx.inputShapes[index]
                    // A formula may give a gradient that broadcasts to its input (`grad_out * 2` of a 0-d grad_out).
                    grads[index] = g.shape != shape && Shape.broadcast(g.shape, shape) == shape ? g.broadcastView(to: shape) : g
                }
            }
            guard gradients.contains(where: { $0.map { $0.formula == nil } ?? false }) else { return grads }
            // Upstream gradients are often expanded (stride-0) views; kernels read dense memory.
            let gradOuts = outputs.indices.map { ctx.gradOutput($0).contiguousData() }
            let gradOut = gradOuts[0]
            // An output the kernels do not read was not saved: its slot holds its gradient instead.
            let outputTensors = readsOutput ? outputs.indices.map { ctx.output($0).contiguousData() } : gradOuts
            var inputs = ctx.inputs.tensors
            if isElementwise {
                inputs = inputs.map { $0.map { $0.shape == gradOut.shape ? $0 : $0.broadcastView(to: gradOut.shape) } }
            }
            for index in gradients.indices {
                let range = slots.layout.slots(ofInput: index, count: inputs.count)
                guard range.contains(where: { ctx.needsInputGrad[$0] }), let call = gradients[index]?.kernels[gradOut.dtype] else {
                    continue
                }
                // A list's gradients: one buffer per tensor, passed as an array of pointers.
                let buffers = range.map { Tensor(uninitializedShape: isElementwise ? gradOut.shape : ctx.inputShapes[$0], dtype: gradOut.dtype) }
                var (tensors, lists) = call.gathered(inputs)
                tensors += outputTensors
                tensors += gradOuts
                tensors.append(buffers.first)
                if index == slots.listInput { lists[slots.gradBuffer] = buffers }
                try call.invoke(tensors, lists: lists, attributes: ctx.attributes)
                for (slot, buffer) in zip(range, buffers) where ctx.needsInputGrad[slot] { grads[slot] = buffer }
            }
            return grads
        }
    }

    /// The given inputs by name, for a formula: an omitted optional input is not in scope.
    private static func given(_ names: [String], _ tensors: [Tensor?]) -> [String: Tensor] {
        var scope: [String: Tensor] = [:]
        for (name, tensor) in zip(names, tensors) { scope[name] = tensor }
        return scope
    }

    /// Evaluates a backward formula; nil `registry` means the registry that loaded the op is gone.
    private static func evaluate(_ formula: ReferenceExpression, _ scope: [String: Tensor], _ attributes: Attributes,
                                 _ registry: OpRegistry?, op: String, numberDType: DType) throws -> Tensor {
        guard let registry else {
            throw AutogradError(.backward, "\(op): the registry the plugin was loaded into, whose ops its backward formula calls, is gone")
        }
        do {
            return try formula.evaluateOutputs(tensors: scope, attributes: attributes.values, registry: registry,
                                               numberDType: numberDType)[0]
        } catch let error as ReferenceExpression.Error {
            throw AutogradError(.backward, "\(op): backward formula: \(error.message)")
        }
    }

    /// The forward-mode rule of an elementwise plugin op, from its backward:
    /// its Jacobian is diagonal, so each input's kernel or formula, given that input's
    /// tangent (broadcast to the output's shape) where it takes the upstream gradient,
    /// gives that input's share of the output's tangent.
    static func forwardFromBackward(_ gradients: [BoundGradient?], inputs names: [String], readsOutput: Bool,
                                    registry: OpRegistry) -> ForwardRule {
        { [weak registry] ctx in
            let output = ctx.outputs[0]
            let shape = output.shape
            // By slot, an omitted optional input nil, as the kernels and formulas take them.
            let inputs = ctx.inputs.tensors.map { $0.map { $0.shape == shape ? $0 : $0.broadcastView(to: shape) } }
            var total: Tensor?
            for index in inputs.indices {
                guard index < ctx.tangents.count, let tangent = ctx.tangents[index], let gradient = gradients[index] else { continue }
                let direction = try tangent.convertedOrThrow(to: output.dtype).broadcastView(to: shape).contiguousData()
                if let formula = gradient.formula {
                    var scope = given(names, inputs)
                    scope["grad_out"] = direction
                    if readsOutput { scope["out"] = output }
                    let share = try evaluate(formula, scope, ctx.attributes, registry, op: ctx.op.name, numberDType: output.dtype)
                    let fitted = share.shape == shape ? share : share.broadcastView(to: shape)
                    total = total.map { $0 + fitted } ?? fitted
                    continue
                }
                guard let call = gradient.kernels[output.dtype] else { continue }
                let buffer = Tensor(uninitializedShape: shape, dtype: output.dtype)
                var tensors: [Tensor?] = []
                for (slot, input) in inputs.enumerated() { tensors.append(call.prepared(input, slot: slot)) }
                tensors.append(readsOutput ? output.contiguousData() : direction)
                tensors.append(direction)
                tensors.append(buffer)
                try call.invoke(tensors, attributes: ctx.attributes)
                total = total.map { $0 + buffer } ?? buffer
            }
            return [total]
        }
    }

    /// The forward-mode rule of a plugin op whose gradients are all formulas, of any
    /// shape: each formula is linear in `grad_out`, so with `u` standing for it,
    /// J·t = ∂/∂u Σᵢ ⟨gradᵢ(u), tᵢ⟩ (the double-backward trick), which the recorded
    /// formulas give by one more reverse pass.
    static func forwardFromFormulas(_ gradients: [BoundGradient?], inputs names: [String], outputs: [String],
                                    readsOutput: Bool, registry: OpRegistry) -> ForwardRule {
        { [weak registry] ctx in
            // One u per floating output; an integer output has no tangent, and its upstream gradient is zero.
            let us = ctx.outputs.map { Tensor.zeros($0.shape, dtype: $0.dtype, requiresGrad: $0.dtype.isFloatingPoint) }
            var scope = given(names, ctx.inputs.tensors.map { $0?.detach() })
            for (i, name) in outputs.enumerated() {
                scope["grad_" + name] = us[i]
                if readsOutput { scope[name] = ctx.outputs[i].detach() }
            }
            let pairing: Tensor? = try withGrad {
                var total: Tensor?
                for index in gradients.indices {
                    guard index < ctx.tangents.count, let tangent = ctx.tangents[index],
                          let formula = gradients[index]?.formula else { continue }
                    let g = try evaluate(formula, scope, ctx.attributes, registry, op: ctx.op.name, numberDType: tangent.dtype)
                    let term = (g * (try tangent.convertedOrThrow(to: g.dtype).detach())).sum()
                    total = total.map { $0 + term } ?? term
                }
                return total
            }
            let floating = us.indices.filter { ctx.outputs[$0].dtype.isFloatingPoint }
            guard let pairing else { return us.map { _ in nil } }
            var tangents: [Tensor?] = us.map { _ in nil }
            let found = pairing.requiresGrad
                ? try grad(of: [pairing], wrt: floating.map { us[$0] }, allowUnused: true) : floating.map { _ in nil }
            for (k, i) in floating.enumerated() { tangents[i] = found[k] ?? Tensor.zeros(like: ctx.outputs[i]) }
            return tangents
        }
    }

    /// A forward-mode rule declared as a formula (`"jvp"`): evaluated with the
    /// registry's ops on the inputs, their tangents (`<input>_t`; zeros where an
    /// input has none) and the outputs, recorded like any op, so the tangents it
    /// gives are differentiable again.
    static func forwardFromFormula(_ formula: ReferenceExpression, outputs names: [String], slots: TensorSlots,
                                   registry: OpRegistry) -> ForwardRule {
        { [weak registry] ctx in
            guard let registry else {
                throw AutogradError(.kernel, "\(ctx.op.name): the registry the plugin was loaded into, whose ops its jvp formula calls, is gone")
            }
            var tensors: [String: Tensor] = [:]
            var lists: [String: [Tensor]] = [:]
            let given = ctx.inputs.tensors
            for (index, name) in slots.inputs.enumerated() {
                let range = slots.layout.slots(ofInput: index, count: given.count)
                let values = range.compactMap { given[$0] }
                let tangents = range.compactMap { slot -> Tensor? in
                    guard let x = given[slot], x.dtype.isFloatingPoint else { return nil }
                    return (slot < ctx.tangents.count ? ctx.tangents[slot] : nil) ?? Tensor.zeros(like: x)
                }
                if index == slots.listInput {
                    (lists[name], lists[name + "_t"]) = (values, tangents)
                } else {
                    tensors[name] = values.first
                    tensors[name + "_t"] = tangents.first
                }
            }
            for (i, name) in names.enumerated() { tensors[name] = ctx.outputs[i] }
            let floating = ctx.outputs.indices.filter { ctx.outputs[$0].dtype.isFloatingPoint }
            let results: [Tensor]
            do {
                results = try formula.evaluateOutputs(tensors: tensors, lists: lists, attributes: ctx.attributes.values,
                                                      registry: registry, numberDType: ctx.outputs[floating.first ?? 0].dtype)
            } catch let error as ReferenceExpression.Error {
                throw AutogradError(.kernel, "\(ctx.op.name): jvp formula: \(error.message)")
            }
            var tangents: [Tensor?] = ctx.outputs.map { _ in nil }
            for (k, i) in floating.enumerated() {
                let output = ctx.outputs[i]
                var t = try results[k].convertedOrThrow(to: output.dtype)
                if t.shape != output.shape {
                    guard Shape.broadcast(t.shape, output.shape) == output.shape else {
                        throw AutogradError(.shape, """
                            \(ctx.op.name): the jvp formula gives a tangent of shape \(Shape.describe(t.shape)) for \(names[i]); \
                            expected \(Shape.describe(output.shape))
                            """)
                    }
                    t = t.broadcastView(to: output.shape)
                }
                tangents[i] = t
            }
            return tangents
        }
    }

    /// The output shape rule, after a check of each input's declared rank and shape:
    /// without it a kernel given a 3-D tensor for a 2-D input, or a shorter second
    /// vector, would read part of it, or past it, silently.
    static func shapeRule(_ specs: [OutputShapeSpec], inputRanks: [Int?], inputShapeOf: [Int?], slots: TensorSlots) -> ShapeRule {
        let rules = specs.map { shapeRule($0, slots: slots) }
        let checksInputs = inputRanks.contains(where: { $0 != nil }) || inputShapeOf.contains(where: { $0 != nil })
        if rules.count == 1, !checksInputs { return rules[0] }
        return ShapeRule.outputs { ctx in
            for (input, rank) in inputRanks.enumerated() {
                guard let rank else { continue }
                for index in slots.layout.slots(ofInput: input, count: ctx.shapes.count) {
                    guard ctx.isGiven(index), ctx.shapes[index].count != rank else { continue }
                    throw ctx.error("input '\(ctx.inputNames[index])' to have \(rank) dims (the manifest's \"ndim\": \(rank))")
                }
            }
            for (input, model) in inputShapeOf.enumerated() {
                // Neither is a list (the manifest refuses a shape rule on one): one tensor each.
                guard let model else { continue }
                let index = slots.layout.slots(ofInput: input, count: ctx.shapes.count).lowerBound
                let other = slots.layout.slots(ofInput: model, count: ctx.shapes.count).lowerBound
                guard ctx.isGiven(index), ctx.isGiven(other), ctx.shapes[index] != ctx.shapes[other] else { continue }
                throw ctx.error("""
                    input '\(ctx.inputNames[index])' to have the shape of '\(ctx.inputNames[other])' \
                    \(Shape.describe(ctx.shapes[other])) (the manifest's "shape": "\(ctx.inputNames[other])")
                    """)
            }
            return try rules.map { try $0.compute(ctx)[0] }
        }
    }

    private static func shapeRule(_ spec: OutputShapeSpec, slots: TensorSlots) -> ShapeRule {
        switch spec {
        case .broadcast: return .broadcast
        case .sameAsInput(let index) where slots.listInput == nil: return .sameAsInput(index)
        case .sameAsInput(let input):
            // The input's first tensor, wherever the list before it puts it.
            return ShapeRule { ctx in
                let range = slots.layout.slots(ofInput: input, count: ctx.shapes.count)
                guard let index = range.first else { throw ctx.error("at least one tensor in '\(slots.inputs[input])' for the output shape") }
                return ctx.shapes[index]
            }
        case .dims(let terms): return ShapeRule { ctx in try terms.map { try size($0, ctx, slots: slots) } }
        }
    }

    private static func size(_ term: SizeTerm, _ ctx: ShapeContext, slots: TensorSlots) throws -> Int {
        let value: Int
        var values = ""
        if case .expression(let e) = term.value {
            (value, values) = try e.evaluateListingValues(value: { try leafSize($0, ctx, slots: slots) }) { reason, values in
                AutogradError(.shape, "\(ctx.op): output size '\(abbreviated(term.text))' \(reason) (\(values))")
            }
            values = " (\(values))"
        } else {
            value = try leafSize(term.value, ctx, slots: slots)
        }
        guard value >= 0 else {
            throw ctx.error("a non-negative output size, got \(value) from '\(abbreviated(term.text))'\(values)")
        }
        return value
    }

    /// A size read off the inputs; of a list input, `dim` reads its first tensor,
    /// `numel` counts all its tensors' elements and `len` the tensors.
    private static func leafSize(_ term: TermValue, _ ctx: ShapeContext, slots: TensorSlots) throws -> Int {
        func tensors(_ name: String) -> Range<Int> {
            slots.layout.slots(ofInput: slots.inputs.firstIndex(of: name)!, count: ctx.shapes.count)
        }
        func input(_ name: String) throws -> Int {
            guard let index = tensors(name).first else { throw ctx.error("at least one tensor in '\(name)' for the output shape") }
            guard ctx.isGiven(index) else { throw ctx.error("'\(name)' for the output shape; the call omitted it") }
            return index
        }
        switch term {
        case .count(let name):
            return tensors(name).count
        case .numel(let name) where slots.inputs.firstIndex(of: name) == slots.listInput:
            return tensors(name).reduce(0) { $0 + Shape.count(ctx.shapes[$1]) }
        case .dim(let name, let d):
            let i = try input(name)
            guard !ctx.shapes[i].isEmpty, let dim = Shape.normalize(dim: d, rank: ctx.shapes[i].count) else {
                throw ctx.error("\(name) to have a dim \(d) for the output shape")
            }
            return ctx.shapes[i][dim]
        case .numel(let name):
            return Shape.count(ctx.shapes[try input(name)])
        case .attribute(let name):
            guard case .int(let v) = ctx.attributes[name] else {
                throw ctx.error("int attribute '\(name)' for the output shape, got \(ctx.attributes[name])")
            }
            return v
        case .integer(let v):
            return v
        default:
            preconditionFailure("the manifest parser admits only sizes in an output shape")
        }
    }
}
