/// The Swift side of plugin ops: kernels, backward rules and shape rules that
/// prepare tensors and make one C call each.
enum PluginKernels {
    /// A forward kernel (or a kernel override): inputs made contiguous, `out` allocated, one call.
    static func forward(_ call: BoundCall) -> Kernel {
        { ctx in
            var tensors: [Tensor] = []
            tensors.reserveCapacity(ctx.inputs.count + 1)
            for (slot, input) in ctx.inputs.enumerated() { tensors.append(call.prepared(input, slot: slot)) }
            let out = try ctx.makeOutput()
            tensors.append(out)
            try call.invoke(tensors, attributes: ctx.attributes)
            return out
        }
    }

    /// The backward rule of a plugin op: one C call per input that needs a gradient.
    ///
    /// An elementwise op's kernels see inputs broadcast to the output's shape and
    /// fill an output-shaped gradient, which the engine sums back to the input's shape.
    static func backward(
        _ kernels: [[DType: BoundCall]], isElementwise: Bool, readsOutput: Bool, slots: TensorSlots
    ) -> BackwardRule {
        { ctx in
            // Upstream gradients are often expanded (stride-0) views; kernels read dense memory.
            let gradOut = ctx.gradOutput.contiguousData()
            let output = readsOutput ? ctx.output.contiguousData() : gradOut
            var inputs = ctx.inputs.given
            if isElementwise {
                inputs = inputs.map { $0.shape == gradOut.shape ? $0 : $0.broadcastView(to: gradOut.shape) }
            }
            var grads: [Tensor?] = Array(repeating: nil, count: inputs.count)
            for index in inputs.indices where ctx.needsInputGrad[index] {
                guard let call = kernels[index][gradOut.dtype] else { continue }
                let buffer = Tensor(uninitializedShape: isElementwise ? gradOut.shape : ctx.inputShapes[index],
                                    dtype: gradOut.dtype)
                var tensors: [Tensor] = []
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

    /// The forward-mode rule of an elementwise plugin op, from its backward kernels:
    /// its Jacobian is diagonal, so each input's kernel, given that input's tangent
    /// (broadcast to the output's shape) where it takes the upstream gradient, gives
    /// that input's share of the output's tangent.
    static func forwardFromBackward(_ kernels: [[DType: BoundCall]], readsOutput: Bool) -> ForwardRule {
        { ctx in
            let output = ctx.outputs[0]
            let shape = output.shape
            let inputs = ctx.inputs.given.map { $0.shape == shape ? $0 : $0.broadcastView(to: shape) }
            var total: Tensor?
            for index in inputs.indices {
                guard index < ctx.tangents.count, let tangent = ctx.tangents[index],
                      let call = kernels[index][output.dtype] else { continue }
                let direction = try tangent.convertedOrThrow(to: output.dtype).broadcastView(to: shape).contiguousData()
                let buffer = Tensor(uninitializedShape: shape, dtype: output.dtype)
                var tensors: [Tensor] = []
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

    /// The output shape rule, after a check of each input's declared rank: without
    /// it a kernel given a 3-D tensor for a 2-D input would read part of it silently.
    static func shapeRule(_ spec: OutputShapeSpec, inputRanks: [Int?]) -> ShapeRule {
        let rule = shapeRule(spec)
        guard inputRanks.contains(where: { $0 != nil }) else { return rule }
        return ShapeRule { ctx in
            for (index, rank) in inputRanks.enumerated() {
                guard let rank, ctx.isGiven(index), ctx.shapes[index].count != rank else { continue }
                throw ctx.error("input '\(ctx.inputNames[index])' to have \(rank) dims (the manifest's \"ndim\": \(rank))")
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
        func input(_ name: String) -> Int { ctx.inputNames.firstIndex(of: name)! }
        switch term {
        case .dim(let name, let d):
            let i = input(name)
            guard !ctx.shapes[i].isEmpty, let dim = Shape.normalize(dim: d, rank: ctx.shapes[i].count) else {
                throw ctx.error("\(name) to have a dim \(d) for the output shape")
            }
            return ctx.shapes[i][dim]
        case .numel(let name):
            return Shape.count(ctx.shapes[input(name)])
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
