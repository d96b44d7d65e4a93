/// How a plugin op computes one input's gradient, bound to its library and registry.
enum BoundGradient {
    /// One C kernel per dtype.
    case kernels([DType: BoundCall])
    /// A formula over registered ops.
    case formula(ReferenceExpression)
}

/// The Swift side of plugin ops: kernels, backward rules and shape rules that
/// prepare tensors and make one C call each.
enum PluginKernels {
    /// A forward kernel (or a kernel override): inputs made contiguous, `out` allocated, one call.
    static func forward(_ call: BoundCall) -> Kernel {
        let returnsValue = if case .value = call.ffi.returns { true } else { false }
        return { ctx in
            var tensors: [Tensor?] = []
            tensors.reserveCapacity(ctx.inputs.count + 1)
            for slot in ctx.inputs.indices { tensors.append(call.prepared(ctx.inputs.optional(slot), slot: slot)) }
            let out = try ctx.makeOutput()
            tensors.append(out)
            let value = try call.invoke(tensors, attributes: ctx.attributes)
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
        _ gradients: [BoundGradient?], inputs names: [String], isElementwise: Bool, readsOutput: Bool,
        slots: TensorSlots, registry: OpRegistry
    ) -> BackwardRule {
        { [weak registry] ctx in
            var grads: [Tensor?] = Array(repeating: nil, count: gradients.count)
            if gradients.contains(where: { if case .formula = $0 { true } else { false } }) {
                var scope = given(names, ctx.inputs.tensors)
                scope["grad_out"] = ctx.gradOutput
                if readsOutput { scope["out"] = ctx.output }
                for index in gradients.indices where ctx.needsInputGrad[index] {
                    guard case .formula(let formula) = gradients[index] else { continue }
                    let g = try evaluate(formula, scope, ctx.attributes, registry, op: ctx.op)
                    let shape = ctx.inputShapes[index]
                    // A formula may give a gradient that broadcasts to its input (`grad_out * 2` of a 0-d grad_out).
                    grads[index] = g.shape != shape && Shape.broadcast(g.shape, shape) == shape ? g.broadcastView(to: shape) : g
                }
            }
            guard gradients.contains(where: { if case .kernels = $0 { true } else { false } }) else { return grads }
            // Upstream gradients are often expanded (stride-0) views; kernels read dense memory.
            let gradOut = ctx.gradOutput.contiguousData()
            let output = readsOutput ? ctx.output.contiguousData() : gradOut
            var inputs = ctx.inputs.tensors
            if isElementwise {
                inputs = inputs.map { $0.map { $0.shape == gradOut.shape ? $0 : $0.broadcastView(to: gradOut.shape) } }
            }
            for index in inputs.indices where ctx.needsInputGrad[index] {
                guard case .kernels(let kernels) = gradients[index], let call = kernels[gradOut.dtype] else { continue }
                let buffer = Tensor(uninitializedShape: isElementwise ? gradOut.shape : ctx.inputShapes[index],
                                    dtype: gradOut.dtype)
                var tensors: [Tensor?] = []
                tensors.reserveCapacity(slots.count)
                for (slot, input) in inputs.enumerated() { tensors.append(call.prepared(input, slot: slot)) }
                tensors.append(output)
                tensors.append(gradOut)
                tensors.append(buffer)
                try call.invoke(tensors, attributes: ctx.attributes)
                grads[index] = buffer
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
                                 _ registry: OpRegistry?, op: String) throws -> Tensor {
        guard let registry else {
            throw AutogradError(.backward, "\(op): the registry the plugin was loaded into, whose ops its backward formula calls, is gone")
        }
        do {
            return try formula.evaluateOutputs(tensors: scope, attributes: attributes.values, registry: registry,
                                               numberDType: scope["grad_out"]!.dtype)[0]
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
            let inputs = ctx.inputs.given.map { $0.shape == shape ? $0 : $0.broadcastView(to: shape) }
            var total: Tensor?
            for index in inputs.indices {
                guard index < ctx.tangents.count, let tangent = ctx.tangents[index], let gradient = gradients[index] else { continue }
                let direction = try tangent.convertedOrThrow(to: output.dtype).broadcastView(to: shape).contiguousData()
                if case .formula(let formula) = gradient {
                    var scope = Dictionary(uniqueKeysWithValues: zip(names, inputs))
                    scope["grad_out"] = direction
                    if readsOutput { scope["out"] = output }
                    let share = try evaluate(formula, scope, ctx.attributes, registry, op: ctx.op.name)
                    let fitted = share.shape == shape ? share : share.broadcastView(to: shape)
                    total = total.map { $0 + fitted } ?? fitted
                    continue
                }
                guard case .kernels(let kernels) = gradient, let call = kernels[output.dtype] else { continue }
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
    static func forwardFromFormulas(_ gradients: [BoundGradient?], inputs names: [String], readsOutput: Bool,
                                    registry: OpRegistry) -> ForwardRule {
        { [weak registry] ctx in
            let output = ctx.outputs[0]
            let u = Tensor.zeros(output.shape, dtype: output.dtype, requiresGrad: true)
            var scope = given(names, ctx.inputs.tensors.map { $0?.detach() })
            scope["grad_out"] = u
            if readsOutput { scope["out"] = output.detach() }
            let pairing: Tensor? = try withGrad {
                var total: Tensor?
                for index in gradients.indices {
                    guard index < ctx.tangents.count, let tangent = ctx.tangents[index],
                          case .formula(let formula) = gradients[index] else { continue }
                    let g = try evaluate(formula, scope, ctx.attributes, registry, op: ctx.op.name)
                    let term = (g * (try tangent.convertedOrThrow(to: output.dtype).detach())).sum()
                    total = total.map { $0 + term } ?? term
                }
                return total
            }
            guard let pairing, pairing.requiresGrad else { return [pairing.map { _ in Tensor.zeros(like: output) }] }
            return [try grad(of: [pairing], wrt: [u], allowUnused: true)[0] ?? Tensor.zeros(like: output)]
        }
    }

    /// The output shape rule, after a check of each input's declared rank and shape:
    /// without it a kernel given a 3-D tensor for a 2-D input, or a shorter second
    /// vector, would read part of it, or past it, silently.
    static func shapeRule(_ spec: OutputShapeSpec, inputRanks: [Int?], inputShapeOf: [Int?]) -> ShapeRule {
        let rule = shapeRule(spec)
        guard inputRanks.contains(where: { $0 != nil }) || inputShapeOf.contains(where: { $0 != nil }) else { return rule }
        return ShapeRule { ctx in
            for (index, rank) in inputRanks.enumerated() {
                guard let rank, ctx.isGiven(index), ctx.shapes[index].count != rank else { continue }
                throw ctx.error("input '\(ctx.inputNames[index])' to have \(rank) dims (the manifest's \"ndim\": \(rank))")
            }
            for (index, other) in inputShapeOf.enumerated() {
                guard let other, ctx.isGiven(index), ctx.isGiven(other), ctx.shapes[index] != ctx.shapes[other] else { continue }
                throw ctx.error("""
                    input '\(ctx.inputNames[index])' to have the shape of '\(ctx.inputNames[other])' \
                    \(Shape.describe(ctx.shapes[other])) (the manifest's "shape": "\(ctx.inputNames[other])")
                    """)
            }
            return try rule.compute(ctx)[0]
        }
    }

    private static func shapeRule(_ spec: OutputShapeSpec) -> ShapeRule {
        switch spec {
        case .broadcast: return .broadcast
        case .sameAsInput(let index): return .sameAsInput(index)
        case .dims(let terms): return ShapeRule { ctx in try terms.map { try size($0, ctx) } }
        }
    }

    private static func size(_ term: SizeTerm, _ ctx: ShapeContext) throws -> Int {
        let value: Int
        var values = ""
        if case .expression(let e) = term.value {
            (value, values) = try e.evaluateListingValues(value: { try leafSize($0, ctx) }) { reason, values in
                AutogradError(.shape, "\(ctx.op): output size '\(abbreviated(term.text))' \(reason) (\(values))")
            }
            values = " (\(values))"
        } else {
            value = try leafSize(term.value, ctx)
        }
        guard value >= 0 else {
            throw ctx.error("a non-negative output size, got \(value) from '\(abbreviated(term.text))'\(values)")
        }
        return value
    }

    private static func leafSize(_ term: TermValue, _ ctx: ShapeContext) throws -> Int {
        func input(_ name: String) throws -> Int {
            let index = ctx.inputNames.firstIndex(of: name)!
            guard ctx.isGiven(index) else { throw ctx.error("'\(name)' for the output shape; the call omitted it") }
            return index
        }
        switch term {
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
