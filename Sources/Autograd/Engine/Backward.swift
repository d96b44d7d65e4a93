import Synchronization

extension Tensor {
    /// Computes the gradient of this tensor with respect to every leaf that requires
    /// grad, and accumulates it into their `grad`.
    ///
    /// - Parameters:
    ///   - gradient: the gradient of the final result with respect to this tensor;
    ///     may be omitted only for a tensor with one element (it is then 1).
    ///   - retainGraph: keep the saved tensors so backward can run through this graph again.
    ///   - createGraph: record the backward pass itself, for higher-order gradients.
    /// - Throws: `AutogradError` when this tensor does not require grad, when `gradient`
    ///   is missing or mis-shaped, when the graph was already freed, or when a saved
    ///   tensor was modified in place.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false) throws {
        _ = try Engine.run(outputs: [self], gradOutputs: [gradient], inputs: nil,
                           retainGraph: retainGraph || createGraph, createGraph: createGraph, allowUnused: true)
    }
}

/// The gradients of `outputs` with respect to `inputs`, without touching any `grad`.
///
/// Like `torch.autograd.grad`. With `createGraph: true` the result is itself
/// differentiable, which gives Hessian-vector products and other higher-order terms.
///
/// - Parameters:
///   - gradOutputs: one upstream gradient per output; nil entries (or none at all)
///     are allowed for one-element outputs.
///   - retainGraph: keep the graph for another backward; defaults to `createGraph`.
///   - allowUnused: return nil for an input the outputs do not depend on, instead of throwing.
public func grad(
    of outputs: [Tensor], wrt inputs: [Tensor], gradOutputs: [Tensor?]? = nil,
    retainGraph: Bool? = nil, createGraph: Bool = false, allowUnused: Bool = false
) throws -> [Tensor?] {
    if let gradOutputs, gradOutputs.count != outputs.count {
        throw AutogradError(.graph, "grad(of:wrt:): \(outputs.count) outputs but \(gradOutputs.count) gradOutputs")
    }
    return try Engine.run(outputs: outputs, gradOutputs: gradOutputs ?? outputs.map { _ in nil }, inputs: inputs,
                          retainGraph: retainGraph ?? createGraph, createGraph: createGraph, allowUnused: allowUnused)
}

/// The reverse pass: one loop over the graph in dependency order, as micrograd's, made iterative.
enum Engine {
    private static let marks = Atomic<Int>(0)

    /// Runs backward from `outputs`. With `inputs`, returns their gradients and leaves
    /// every `grad` alone; without, accumulates into the leaves' `grad`.
    static func run(
        outputs: [Tensor], gradOutputs: [Tensor?], inputs: [Tensor]?,
        retainGraph: Bool, createGraph: Bool, allowUnused: Bool
    ) throws -> [Tensor?] {
        try GradMode.with(enabled: createGraph) {
            var pass = Pass(inputs: inputs, createGraph: createGraph)
            try pass.captureSetup()
            var roots: [Node] = []
            for (i, output) in outputs.enumerated() {
                let g = try rootGradient(for: output, given: gradOutputs[i], index: i)
                if let node = output.gradFn {
                    node.pendingGrad = node.pendingGrad.map { $0 + g } ?? g
                    roots.append(node)
                } else {
                    try pass.deliver(g, toLeaf: output)
                }
            }
            try pass.traverse(roots: roots, retainGraph: retainGraph)
            return try pass.results(allowUnused: allowUnused)
        }
    }

    private static func rootGradient(for output: Tensor, given: Tensor?, index: Int) throws -> Tensor {
        guard output.requiresGrad else {
            throw AutogradError(.graph, """
                element \(index) of the outputs does not require grad and has no gradFn: \
                nothing it was computed from requires grad
                """)
        }
        guard let given else {
            guard output.scalarCount == 1 else {
                throw AutogradError(.graph, """
                    grad can be implicitly created only for one-element outputs; this output has shape \
                    \(Shape.describe(output.shape)): pass gradient: with that shape
                    """)
            }
            return Tensor.ones(output.shape, dtype: output.dtype)
        }
        guard given.shape == output.shape, given.dtype == output.dtype else {
            throw AutogradError(.shape, """
                backward: gradient has shape \(Shape.describe(given.shape)) and dtype \(given.dtype); \
                expected the output's shape \(Shape.describe(output.shape)) and dtype \(output.dtype)
                """)
        }
        return given
    }

    /// The state of one backward pass.
    struct Pass {
        let inputs: [Tensor]?
        let createGraph: Bool
        /// Captured gradients for `grad(of:wrt:)`, indexed like `inputs`.
        var captured: [Tensor?] = []
        var leafSlots: [ObjectIdentifier: Int] = [:]
        var nodeSlots: [ObjectIdentifier: Int] = [:]

        init(inputs: [Tensor]?, createGraph: Bool) {
            self.inputs = inputs
            self.createGraph = createGraph
        }

        mutating func captureSetup() throws {
            guard let inputs else { return }
            captured = Array(repeating: nil, count: inputs.count)
            for (i, input) in inputs.enumerated() {
                guard input.requiresGrad else {
                    throw AutogradError(.graph, "grad(of:wrt:): input \(i) does not require grad")
                }
                if let node = input.gradFn {
                    nodeSlots[ObjectIdentifier(node)] = i
                } else {
                    leafSlots[ObjectIdentifier(input)] = i
                }
            }
        }

        func results(allowUnused: Bool) throws -> [Tensor?] {
            guard inputs != nil else { return [] }
            if !allowUnused, let i = captured.firstIndex(where: { $0 == nil }) {
                throw AutogradError(.graph, """
                    grad(of:wrt:): input \(i) was not used to compute the outputs; \
                    pass allowUnused: true to get nil for it
                    """)
            }
            return captured
        }

        mutating func deliver(_ g: Tensor, toLeaf leaf: Tensor) throws {
            if inputs != nil {
                if let slot = leafSlots[ObjectIdentifier(leaf)] {
                    captured[slot] = captured[slot].map { $0 + g } ?? g
                }
            } else if createGraph {
                leaf.grad = leaf.grad.map { $0 + g } ?? g
            } else if let existing = leaf.grad {
                try existing.addInPlaceUntracked(g)
            } else {
                // A copy: the gradient may alias another leaf's or an upstream buffer.
                leaf.grad = g.clonedData()
            }
        }

        /// Counts, for every node reachable from `roots`, how many edges lead into it.
        private func countDependencies(roots: [Node]) {
            let mark = Engine.marks.add(1, ordering: .relaxed).newValue
            var stack: [Node] = []
            for root in roots where root.visitMark != mark {
                root.visitMark = mark
                root.dependencies = 0
                stack.append(root)
            }
            while let node = stack.popLast() {
                for input in node.inputs {
                    guard case .node(let next) = input.edge else { continue }
                    if next.visitMark != mark {
                        next.visitMark = mark
                        next.dependencies = 1
                        stack.append(next)
                    } else {
                        next.dependencies += 1
                    }
                }
            }
        }

        mutating func traverse(roots: [Node], retainGraph: Bool) throws {
            countDependencies(roots: roots)
            var ready = roots.filter { $0.dependencies == 0 }
            var seen = Set<ObjectIdentifier>()
            ready = ready.filter { seen.insert(ObjectIdentifier($0)).inserted }
            while let node = ready.popLast() {
                let gradOutput = node.pendingGrad
                node.pendingGrad = nil
                var grads: [Tensor?] = Array(repeating: nil, count: node.inputs.count)
                if let gradOutput {
                    if let slot = nodeSlots[ObjectIdentifier(node)] {
                        captured[slot] = gradOutput
                    }
                    if inputs == nil, let retained = node.retainedOutput, retained.gradFn === node {
                        retained.grad = retained.grad.map { $0 + gradOutput } ?? gradOutput
                    }
                    grads = try Engine.apply(node, gradOutput: gradOutput, createGraph: createGraph)
                    if !retainGraph { node.release() }
                }
                for (i, input) in node.inputs.enumerated() {
                    switch input.edge {
                    case .node(let next):
                        if let g = grads[i] {
                            next.pendingGrad = next.pendingGrad.map { $0 + g } ?? g
                        }
                        next.dependencies -= 1
                        if next.dependencies == 0 { ready.append(next) }
                    case .accumulateGrad(let leaf):
                        if let g = grads[i] { try deliver(g, toLeaf: leaf) }
                    case .none:
                        break
                    }
                }
            }
        }
    }

    /// Calls a node's backward rule and checks what it returns.
    static func apply(_ node: Node, gradOutput: Tensor, createGraph: Bool) throws -> [Tensor?] {
        let def = node.op.definition
        guard let rule = def.backward else { return node.inputs.map { _ in nil } }
        if node.isReleased {
            throw AutogradError(.graph, """
                \(node.name) (op \(def.name)): trying to backward through the graph a second time, \
                or to read saved tensors after they were freed. Saved tensors are freed by backward() \
                and grad(of:wrt:); pass retainGraph: true to backward through the graph again
                """)
        }
        var savedInputs: [Tensor] = []
        if !node.isReleased && node.inputs.contains(where: { $0.saved != nil }) {
            savedInputs.reserveCapacity(node.inputs.count)
            for (i, input) in node.inputs.enumerated() {
                guard let t = input.saved else {
                    // Not saved because nothing reads it: a placeholder keeps the indices.
                    savedInputs.append(Tensor(uninitializedShape: [0], dtype: gradOutput.dtype))
                    continue
                }
                if t.storage.version != input.version {
                    throw AutogradError(.inPlace, """
                        one of the tensors needed for gradient computation has been modified by an in-place \
                        operation: input \(i) (\(def.inputs[i])) of \(def.name), a \(t.dtype) tensor of shape \
                        \(Shape.describe(t.shape)), is at version \(t.storage.version); expected version \
                        \(input.version) (needed by \(node.name))
                        """)
                }
                savedInputs.append(t)
            }
        }
        var output = node.savedOutput
        if let saved = output {
            if saved.storage.version != node.savedOutputVersion {
                throw AutogradError(.inPlace, """
                    the output of \(def.name), needed by \(node.name), has been modified by an in-place \
                    operation: it is at version \(saved.storage.version); expected version \(node.savedOutputVersion)
                    """)
            }
            if createGraph {
                // The output as a graph value again, so second derivatives flow through this node.
                output = Tensor(storage: saved.storage, shape: saved.shape, strides: saved.strides,
                                offset: saved.offset, dtype: saved.dtype, gradFn: node)
            }
        }
        let context = BackwardContext(
            op: def.name, attributes: node.attributes, gradOutput: gradOutput,
            needsInputGrad: node.inputs.map { if case .none = $0.edge { false } else { true } },
            node: node, savedInputs: savedInputs, savedOutput: output)
        var grads = try rule(context)
        guard grads.count == node.inputs.count else {
            throw AutogradError(.backward, """
                \(node.name) (op \(def.name)): the backward rule returned \(grads.count) gradients, \
                expected \(node.inputs.count), one per input
                """)
        }
        for i in grads.indices {
            guard let g = grads[i], context.needsInputGrad[i] else {
                grads[i] = nil
                continue
            }
            let shape = node.inputs[i].shape
            var fitted = g
            if g.shape != shape, def.isElementwise, Shape.broadcast(shape, g.shape) == g.shape {
                fitted = try g.summed(toShape: shape)
            }
            guard fitted.shape == shape, fitted.dtype == gradOutput.dtype else {
                throw AutogradError(.backward, """
                    \(node.name) (op \(def.name)): the gradient for input \(i) (\(def.inputs[i])) has \
                    shape \(Shape.describe(g.shape)) and dtype \(g.dtype); expected the input's shape \
                    \(Shape.describe(shape)) and dtype \(gradOutput.dtype)
                    """)
            }
            grads[i] = fitted
        }
        if createGraph && !def.supportsHigherOrder {
            grads = try grads.map { try $0.map { try firstOrderOnly($0, node: node, context: context) } }
        }
        return grads
    }

    /// Ties a gradient from a first-order-only backward (a C kernel, say) to what it was
    /// computed from, through a node whose own backward throws: asking for a second
    /// derivative then fails clearly instead of silently returning zero.
    private static func firstOrderOnly(_ g: Tensor, node: Node, context: BackwardContext) throws -> Tensor {
        let sources = [context.gradOutput] + node.inputs.compactMap(\.saved) + (context.savedOutput.map { [$0] } ?? [])
        guard sources.contains(where: \.requiresGrad) else { return g }
        let name = node.op.definition.name, nodeName = node.name
        let guardOp = Op(OpDefinition(
            name: "\(name).backward", inputs: ["grad"] + sources.indices.map { "source\($0)" },
            forward: .composite { $0.inputs[0] }, saves: [], gradFnName: "\(nodeName)Backward"
        ) { _ in
            throw AutogradError(.backward, """
                \(name): its backward is first-order only, so it cannot be differentiated again \
                (createGraph: true asked for a higher-order gradient through \(nodeName)); \
                declare a backward for the backward to support it
                """)
        })
        return try guardOp.call([g] + sources)
    }
}
