import CAutogradRuntime
extension Tensor {
    /// Computes the gradient of this tensor with respect to every leaf that requires
    /// grad, and accumulates it into their `grad`.
    ///
    /// - Parameters:
    ///   - gradient: the gradient of the final result with respect to this tensor;
    ///     may be omitted only for a tensor with one element (it is then 1).
    ///   - retainGraph: keep the saved tensors so backward can run through this graph
    ///     again; defaults to `createGraph`.
    ///   - createGraph: record the backward pass itself, for higher-order gradients.
    /// - Throws: `AutogradError` when this tensor does not require grad, when `gradient`
    ///   is missing or mis-shaped, when the graph was already freed, when a saved
    ///   tensor was modified in place, or when a backward rule fails.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool? = nil, createGraph: Bool = false) throws {
        _ = try Engine.run(outputs: [self], gradOutputs: [gradient], inputs: nil,
                           retainGraph: retainGraph ?? createGraph, createGraph: createGraph, allowUnused: true)
    }
}

/// The gradients of `outputs` with respect to `inputs`, without touching any `grad`.
///
/// Like `torch.autograd.grad`. With `createGraph: true` the result is itself
/// differentiable, which gives Hessian-vector products and other higher-order terms.
/// Only the part of the graph between `outputs` and `inputs` runs.
///
/// ```swift
/// let x = Tensor([4.0], requiresGrad: true)
/// let y = x * x
/// let g = try grad(of: [y], wrt: [x])   // g[0] is 2x: tensor([8.]); x.grad stays nil
/// ```
///
/// - Parameters:
///   - outputs: the tensors to differentiate, each requiring grad.
///   - inputs: the tensors to differentiate with respect to.
///   - gradOutputs: one upstream gradient per output; nil entries (or none at all)
///     are allowed for one-element outputs.
///   - retainGraph: keep the graph for another backward; defaults to `createGraph`.
///   - createGraph: record the backward pass itself, so the gradients can be differentiated again.
///   - allowUnused: return nil for an input the outputs do not depend on, instead of throwing.
/// - Returns: one gradient per input, in order; nil only for unused inputs with `allowUnused`.
/// - Throws: `AutogradError` when an output does not require grad, the counts or shapes
///   of `gradOutputs` do not fit, an input is unused (without `allowUnused`), or the graph was freed.
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

/// The reverse pass: one loop over the graph in dependency order, as micrograd's,
/// made iterative. Everything a pass tracks lives in its `Pass`; a node carries
/// only the mark of the pass that holds it, and its slot there (see `NodeSlots`).
enum Engine {
    /// Serialises writes into `grad` fields: several threads may run backward
    /// through one graph and reach the same leaves.
    private static let gradLock = Locked(())

    /// Runs backward from `outputs`. With `inputs`, returns their gradients and leaves
    /// every `grad` alone; without, accumulates into the leaves' (and retained) `grad`.
    static func run(
        outputs: [Tensor], gradOutputs: [Tensor?], inputs: [Tensor]?,
        retainGraph: Bool, createGraph: Bool, allowUnused: Bool
    ) throws -> [Tensor?] {
        try BackwardCallbacks.running { try GradMode.with(enabled: createGraph) {
            var pass = try Pass(inputs: inputs, createGraph: createGraph, retainGraph: retainGraph)
            var roots: [(Node, Int, Tensor)] = []
            var leafRoots: [(GradAccumulator, Tensor)] = []
            for (i, output) in outputs.enumerated() {
                let g = try rootGradient(for: output, given: gradOutputs[i], index: i)
                if let node = try output.currentGradFn() {
                    roots.append((node, output.outputIndex, g))
                } else if case .accumulate(let accumulator) = try output.gradientEdge() {
                    leafRoots.append((accumulator, g))
                }
            }
            try pass.traverse(roots: roots, leafRoots: leafRoots)
            return try pass.results(allowUnused: allowUnused)
        } }
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
            throw AutogradError(given.shape == output.shape ? .dtype : .shape, """
                backward: gradient has shape \(Shape.describe(given.shape)) and dtype \(given.dtype); \
                expected the output's shape \(Shape.describe(output.shape)) and dtype \(output.dtype)
                """)
        }
        return given
    }

    /// The state of one backward pass: which nodes it reaches, how many edges
    /// still lead into each, and the gradients waiting at each output.
    struct Pass {
        let inputs: [Tensor]?
        let createGraph: Bool
        let retainGraph: Bool
        /// Captured gradients for `grad(of:wrt:)`, indexed like `inputs`.
        var captured: [Tensor?] = []
        /// `grad(of:wrt:)` inputs that are leaves, by accumulator; and non-leaves, by node.
        var leafTargets: [ObjectIdentifier: [Int]] = [:]
        var nodeTargets: [ObjectIdentifier: [(output: Int, input: Int)]] = [:]

        /// Each reached node's slot in the arrays below.
        var slots = NodeSlots()
        var nodes: [Node] = []
        // Per-node counts and offsets are 32-bit: a pass over a graph of millions of
        // nodes holds several such arrays at once (W5's peak memory).
        var dependencies: [Int32] = []
        /// Where each node's pending gradients start in `pending` (one per output).
        var firstPending: [Int32] = []
        var pending: [Tensor?] = []
        /// Per node, whether its backward runs: always for backward(); for
        /// `grad(of:wrt:)`, when an edge leads on to one of its inputs.
        var needed: [Bool] = []
        /// Per node, whether it runs or is itself where an input's gradient is captured.
        var leads: [Bool] = []
        /// The leaves the pass reaches: the sum of their incoming gradients so far, and
        /// how many edges are still to deliver theirs. A leaf's gradient is complete,
        /// and its hooks run, when the last one has (PyTorch's `AccumulateGrad`).
        var leaves: [Leaf] = []
        var leafSlots = IdentityTable()
        /// The node being run's upstream gradients and wanted inputs: buffers reused
        /// from node to node, so running one allocates neither.
        private var gradOutputs: [Tensor?] = []
        private var wanted: [Bool] = []

        struct Leaf {
            let accumulator: GradAccumulator
            var gradient: Tensor?
            var waiting: Int
            var isFinished = false
        }

        init(inputs: [Tensor]?, createGraph: Bool, retainGraph: Bool) throws {
            self.inputs = inputs
            self.createGraph = createGraph
            self.retainGraph = retainGraph
            guard let inputs else { return }
            captured = Array(repeating: nil, count: inputs.count)
            for (i, input) in inputs.enumerated() {
                guard input.requiresGrad else {
                    throw AutogradError(.graph, "grad(of:wrt:): input \(i) does not require grad")
                }
                switch try input.gradientEdge() {
                case .node(let node, let output): nodeTargets[ObjectIdentifier(node), default: []].append((output, i))
                case .accumulate(let accumulator): leafTargets[ObjectIdentifier(accumulator), default: []].append(i)
                case .unused: break
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

        /// Finds every node reachable from `roots`, counts the edges into each, and
        /// (for `grad(of:wrt:)`) marks the nodes on a path to an input.
        private mutating func discover(_ roots: [Node]) {
            func visit(_ node: Node) -> Int {
                if let slot = slots.slot(of: node) { return slot }
                let slot = nodes.count
                slots.insert(node, slot: slot)
                nodes.append(node)
                dependencies.append(0)
                firstPending.append(Int32(pending.count))
                for _ in 0..<node.outputs.count { pending.append(nil) }
                return slot
            }
            // Breadth first, with `nodes` as the queue: no stack as deep as a long chain.
            for root in roots { _ = visit(root) }
            var next = 0
            while next < nodes.count {
                let inputs = nodes[next].inputs
                next += 1
                for i in inputs.indices {
                    switch inputs[i].edge {
                    case .node(let child, _): dependencies[visit(child)] += 1
                    case .accumulate(let accumulator): expectGradient(for: accumulator)
                    case .unused: break
                    }
                }
            }
            guard inputs != nil else {
                needed = Array(filling: true, count: nodes.count)
                return
            }
            // Children before parents (the reverse of the order the pass runs nodes in),
            // so one sweep decides each node: it runs when an edge leads on to an input;
            // it leads to one when it runs or is one.
            needed = Array(filling: false, count: nodes.count)
            leads = Array(filling: false, count: nodes.count)
            for slot in runOrder().reversed() {
                let node = nodes[slot]
                needed[slot] = node.inputs.contains { leadsToTarget($0.edge) }
                leads[slot] = needed[slot] || nodeTargets[ObjectIdentifier(node)] != nil
            }
        }

        /// The slots in an order the pass could run them: each node after every node
        /// that sends it a gradient (Kahn's algorithm on the edge counts).
        private func runOrder() -> [Int] {
            var remaining = dependencies
            var ready = nodes.indices.filter { remaining[$0] == 0 }
            var order: [Int] = []
            order.reserveCapacity(nodes.count)
            while let slot = ready.popLast() {
                order.append(slot)
                let inputs = nodes[slot].inputs
                for i in inputs.indices {
                    guard case .node(let child, _) = inputs[i].edge else { continue }
                    let childSlot = slots.slot(of: child)!
                    remaining[childSlot] -= 1
                    if remaining[childSlot] == 0 { ready.append(childSlot) }
                }
            }
            return order
        }

        private func leadsToTarget(_ edge: Node.Edge) -> Bool {
            switch edge {
            case .node(let child, _): leads[slots.slot(of: child)!]
            case .accumulate(let accumulator): leafTargets[ObjectIdentifier(accumulator)] != nil
            case .unused: false
            }
        }

        mutating func traverse(roots: [(Node, Int, Tensor)], leafRoots: [(GradAccumulator, Tensor)]) throws {
            defer { slots.end(nodes) }
            discover(roots.map(\.0))
            for (accumulator, g) in leafRoots {
                expectGradient(for: accumulator)
                try contribute(g, to: accumulator, owned: false)
            }
            guard !roots.isEmpty else { return }
            for (node, output, g) in roots {
                try add(g, toPending: Int(firstPending[slots.slot(of: node)!]) + output)
            }
            var ready: [Int] = []
            for (node, _, _) in roots {
                let slot = slots.slot(of: node)!
                if dependencies[slot] == 0 && !ready.contains(slot) { ready.append(slot) }
            }
            while let slot = ready.popLast() {
                let node = nodes[slot]
                let start = Int(firstPending[slot])
                gradOutputs.empty()
                var anyGradient = false
                for k in 0..<node.outputs.count {
                    anyGradient = anyGradient || pending[start + k] != nil
                    gradOutputs.append(pending[start + k])
                    pending[start + k] = nil
                }
                var grads: [Tensor?] = []
                if !node.hooks.isEmpty {
                    for k in gradOutputs.indices { gradOutputs[k] = try gradOutputs[k].map { try node.hooks.apply($0, output: k) } }
                    anyGradient = gradOutputs.contains { $0 != nil }
                }
                if anyGradient && (inputs != nil || !node.retained.isEmpty) { try capture(gradOutputs, at: node) }
                if needed[slot] && anyGradient {
                    wanted.empty()
                    var anyWanted = false
                    for input in node.inputs {
                        let wants = input.needsGradient && (inputs == nil || leadsToTarget(input.edge))
                        anyWanted = anyWanted || wants
                        wanted.append(wants)
                    }
                    if anyWanted {
                        grads = try Engine.apply(node, gradOutputs: gradOutputs, needs: wanted, createGraph: createGraph)
                    }
                    if !retainGraph { node.release() }
                }
                // Let go of the upstream gradients now, not at the next node.
                gradOutputs.empty()
                for i in node.inputs.indices {
                    switch node.inputs[i].edge {
                    case .node(let next, let output):
                        let nextSlot = slots.slot(of: next)!
                        if i < grads.count, let g = grads[i].take() { try add(g, toPending: Int(firstPending[nextSlot]) + output) }
                        dependencies[nextSlot] -= 1
                        if dependencies[nextSlot] == 0 { ready.append(nextSlot) }
                    case .accumulate(let accumulator):
                        // Taken straight from the array, so that no other binding keeps a
                        // reference and accumulation can move a uniquely owned gradient in.
                        if i < grads.count, let g = grads[i].take() {
                            try contribute(consume g, to: accumulator, owned: true)
                        } else {
                            try contribute(nil, to: accumulator, owned: false)
                        }
                    case .unused:
                        break
                    }
                }
            }
        }

        private mutating func add(_ g: Tensor, toPending index: Int) throws {
            if let existing = pending[index] {
                pending[index] = try EngineOps.add.call([existing, g])
            } else {
                pending[index] = g
            }
        }

        /// At a node whose gradients are complete: what `grad(of:wrt:)` asked for
        /// there, and the gradients of outputs that retain theirs (in both modes, as PyTorch).
        private mutating func capture(_ gradOutputs: [Tensor?], at node: Node) throws {
            if inputs != nil {
                for (output, input) in nodeTargets[ObjectIdentifier(node)] ?? [] {
                    captured[input] = gradOutputs[output]
                }
            }
            for retained in node.retained {
                guard let tensor = retained.tensor, let g = gradOutputs[retained.index],
                      tensor.history === node, tensor.outputIndex == retained.index else { continue }
                let createGraph = self.createGraph
                try Engine.gradLock.withLock { _ in try Engine.accumulate(g, into: tensor, createGraph: createGraph, owned: false) }
            }
        }

        /// Counts one more edge that will deliver a gradient to `accumulator`'s leaf.
        private mutating func expectGradient(for accumulator: GradAccumulator) {
            if let slot = leafSlots.value(for: accumulator) {
                leaves[slot].waiting += 1
            } else {
                leafSlots.set(leaves.count, for: accumulator)
                leaves.append(Leaf(accumulator: accumulator, gradient: nil, waiting: 1))
            }
        }

        /// Adds one edge's gradient (nil: none came along it) to a leaf's, and finishes
        /// the leaf when it was the last edge still to deliver.
        private mutating func contribute(_ g: consuming Tensor?, to accumulator: GradAccumulator, owned: Bool) throws {
            guard let slot = leafSlots.value(for: accumulator), !leaves[slot].isFinished else { return }
            var mayMove = owned
            if g != nil {
                if let existing = leaves[slot].gradient.take() {
                    leaves[slot].gradient = try EngineOps.add.call([existing, g!])
                    mayMove = true
                } else {
                    // Moved, not bound: a second binding would keep the gradient from being unique.
                    leaves[slot].gradient = consume g
                }
            }
            leaves[slot].waiting -= 1
            guard leaves[slot].waiting == 0 else { return }
            leaves[slot].isFinished = true
            if let gradient = leaves[slot].gradient.take() { try finish(consume gradient, at: accumulator, owned: mayMove) }
        }

        /// A leaf's complete gradient: through its hooks, then captured for
        /// `grad(of:wrt:)` or accumulated into its `grad`, then its post-accumulate hooks.
        private mutating func finish(_ gradient: consuming Tensor, at accumulator: GradAccumulator, owned: Bool) throws {
            var handed: Tensor? = consume gradient
            if !accumulator.hooks.isEmpty { handed = try accumulator.hooks.apply(handed.take()!, output: 0) }
            if inputs != nil {
                for i in leafTargets[ObjectIdentifier(accumulator)] ?? [] { captured[i] = handed }
                return
            }
            guard let leaf = accumulator.leaf else { return }
            let createGraph = self.createGraph
            try Engine.gradLock.withLock { _ in
                try Engine.accumulate(handed.take()!, into: leaf, createGraph: createGraph, owned: owned)
            }
            for hook in accumulator.postAccumulateHooks { try hook.body(leaf) }
        }
    }

    /// Adds `g` into `tensor.grad`, owning what it stores: never an alias of an
    /// upstream gradient or a stride-0 view. Under `createGraph` the sum is
    /// recorded (and the first gradient a recorded copy); otherwise an existing
    /// gradient is updated in place, and a uniquely owned contiguous `g` is moved in.
    static func accumulate(_ given: consuming Tensor, into tensor: Tensor, createGraph: Bool, owned: Bool) throws {
        var g = consume given
        if createGraph {
            tensor.grad = try tensor.grad.map { try EngineOps.add.call([$0, g]) } ?? EngineOps.clone.call([g])
            return
        }
        if let existing = tensor.grad, existing.isWritableInPlace {
            try existing.addInPlaceUntracked(g)
            return
        }
        let base = tensor.grad
        if base == nil && owned && g.isContiguous && g.offset == 0 && g.history == nil && g.viewInfo == nil
            && isKnownUniquelyReferenced(&g) && g.ownsStorageUniquely() && g.storage.byteCount == g.scalarCount * g.dtype.byteCount {
            tensor.grad = g
        } else {
            let sum = try base.map { try EngineOps.add.call([$0, g]) } ?? g
            tensor.grad = sum === g ? g.clonedData() : sum
        }
    }

    /// Calls a node's backward rule and checks what it returns.
    static func apply(_ node: Node, gradOutputs: [Tensor?], needs: [Bool], createGraph: Bool) throws -> [Tensor?] {
        let op = node.op
        let count = node.inputs.count
        guard let rule = op.backwardRule else { return Array(filling: nil, count: count) }
        if node.isReleased {
            throw AutogradError(.graph, """
                \(node.label): trying to backward through the graph a second time, \
                or to read saved tensors after they were freed. Saved tensors are freed by backward() \
                and grad(of:wrt:); pass retainGraph: true to backward through the graph again
                """)
        }
        if node.needsRecomputation { try node.checkpoint!.recompute(for: node, createGraph: createGraph) }
        var savedInputs = [Tensor?](filling: nil, count: count)
        for i in 0..<count {
            guard let t = node.inputs[i].saved else { continue }
            let version = node.inputs[i].version
            if t.storage.version != version {
                throw AutogradError(.inPlace, """
                    one of the tensors needed for gradient computation has been modified by an in-place \
                    operation: input \(i) (\(node.op.slotNames(count: count)[i])) of \(op.name), \
                    a \(t.dtype) tensor of shape \(Shape.describe(t.shape)), is at version \(t.storage.version); \
                    expected version \(version) (needed by \(node.label))
                    """)
            }
            savedInputs[i] = t
        }
        var savedOutputs = node.savedOutputs.map(\.tensor)
        for (k, saved) in savedOutputs.enumerated() {
            guard let saved else { continue }
            let version = node.savedOutputs[k].version
            if saved.storage.version != version {
                throw AutogradError(.inPlace, """
                    one of the tensors needed for gradient computation has been modified by an in-place \
                    operation: a \(saved.dtype) tensor of shape \(Shape.describe(saved.shape)), which is output \(k) \
                    of \(node.label), is at version \(saved.storage.version); expected version \(version)
                    """)
            }
            if createGraph {
                // The output as a graph value again, so second derivatives flow through this node.
                let output = saved.historyFreeAlias()
                output.history = node
                output.outputIndex = k
                savedOutputs[k] = output
            }
        }
        let context = BackwardContext(
            op: op.name, attributes: node.attributes, gradOutputs: gradOutputs, needsInputGrad: needs,
            node: node, savedInputs: savedInputs, savedOutputs: savedOutputs)
        var grads: [Tensor?]
        do {
            grads = try rule(context)
        } catch let error as AutogradError where !error.message.contains("Backward") {
            throw AutogradError(error.kind, "in the backward of \(node.label): \(error.message)")
        }
        guard grads.count == node.inputs.count else {
            throw AutogradError(.backward, """
                \(node.label): the backward rule returned \(grads.count) gradients, \
                expected \(node.inputs.count), one per input
                """)
        }
        for i in grads.indices {
            guard let g = grads[i], needs[i], let dtype = node.inputs[i].dtype else {
                grads[i] = nil
                continue
            }
            let shape = node.inputs[i].shape
            var fitted = g
            if g.shape != shape, op.isElementwise, Shape.broadcast(shape, g.shape) == g.shape {
                fitted = try g.summed(toShape: shape)
            }
            guard fitted.shape == shape, fitted.dtype == dtype else {
                throw AutogradError(.backward, """
                    \(node.label): the gradient for input \(i) \
                    (\(node.op.slotNames(count: node.inputs.count)[i])) has shape \(Shape.describe(g.shape)) and \
                    dtype \(g.dtype); expected the input's shape \(Shape.describe(shape)) and dtype \(dtype)
                    """)
            }
            grads[i] = fitted
        }
        if autograd_anomaly_detection_is_enabled() { try Anomaly.check(grads, of: node) }
        if createGraph && !op.supportsHigherOrder {
            grads = try grads.map { try $0.map { try firstOrderOnly($0, node: node, context: context) } }
        }
        return grads
    }

    /// Ties a gradient from a first-order-only backward (a C kernel, say) to what it was
    /// computed from, through a node whose own backward throws: asking for a second
    /// derivative then fails clearly instead of silently returning zero.
    private static func firstOrderOnly(_ g: Tensor, node: Node, context: BackwardContext) throws -> Tensor {
        let sources = context.gradOutputs.compactMap { $0 } + context.savedInputs.compactMap { $0 }
            + context.savedOutputs.compactMap { $0 }
        guard sources.contains(where: \.requiresGrad) else { return g }
        let name = node.op.name, nodeName = node.name, label = node.label
        let guardOp = Op(OpDefinition(
            name: "\(name).backward", inputs: ["grad", .list("sources")],
            forward: .composite(dtypes: DType.allCases) { $0.inputs[0].detach() }, saves: [],
            gradFnName: "\(nodeName)Backward"
        ) { _ in
            throw AutogradError(.backward, """
                \(label): its backward is first-order only, so it cannot be differentiated again \
                (createGraph: true asked for a higher-order gradient through \(nodeName)); \
                declare a backward for the backward to support it
                """)
        })
        return try guardOp.call([g] + sources.filter(\.dtype.isFloatingPoint))
    }
}

extension Tensor {
    /// Whether the engine may add into this gradient in place: its own dense,
    /// writable memory (not a broadcast view, not a shared constant).
    var isWritableInPlace: Bool {
        !storage.isReadOnly && !zip(shape, strides).contains { $0 > 1 && $1 == 0 }
    }

    /// Sums a broadcast gradient back to `shape`, recording the ops (so it differentiates).
    func summed(toShape shape: [Int]) throws -> Tensor {
        if self.shape == shape { return self }
        return try EngineOps.sumToSize.call([self], attributes: ["size": .ints(shape)])
    }
}
