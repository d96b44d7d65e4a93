import Synchronization

/// Where a node sends the gradient for one of its op's inputs, as `nextFunctions` shows it.
public enum GradientEdge {
    /// Into output `outputIndex` of the node that produced the input.
    case node(Node, outputIndex: Int)
    /// Into the `grad` of a leaf that requires grad (PyTorch's `AccumulateGrad`).
    case accumulateGrad(Tensor)
    /// Nowhere: the input does not require grad, is not differentiable, or was omitted.
    case unused
}

/// A recorded op call: what `gradFn` returns, and what backward walks.
///
/// A node holds its op, the tensors its backward rule reads, and an edge per
/// input. It never holds its own outputs strongly: an output is saved as a
/// history-free alias, so graphs free themselves when their last tensor goes.
/// Several outputs of one call (`max`'s values and indices) share one node.
///
/// Nodes hold no state of a backward pass, so several threads may run backward
/// through one graph at once (with `retainGraph: true`).
public final class Node: @unchecked Sendable {
    /// Where the gradient of one input goes.
    enum Edge {
        case node(Node, Int)
        case accumulate(GradAccumulator)
        case unused
    }

    /// What a node keeps of one input: where its gradient goes, its shape and
    /// dtype, and the tensor itself when the backward rule reads it.
    ///
    /// Its one-byte fields come last, so that the record packs into 48 bytes.
    struct Input {
        var edge: Edge
        var saved: Tensor?
        var version: Int
        let shape: [Int]
        /// Nil for an omitted optional input.
        let dtype: DType?
        /// Whether `checkpoint` dropped the saved tensor, to be recomputed.
        var isRecomputed = false

        init(edge: Edge, saved: Tensor?, version: Int, shape: [Int], dtype: DType?) {
            self.edge = edge
            self.saved = saved
            self.version = version
            self.shape = shape
            self.dtype = dtype
        }

        var isGiven: Bool { dtype != nil }
        var needsGradient: Bool {
            if case .unused = edge { return false }
            return true
        }
    }

    /// The shape and dtype of one output: enough to make zeros for an unused one.
    struct Output {
        let shape: [Int]
        let dtype: DType
    }

    /// The outputs' shapes and dtypes; the first held directly, so a one-output
    /// node needs no array for them.
    ///
    /// 17 bytes: its last field is one byte, so the node's small fields pack
    /// into the rest of the word.
    struct OutputList: RandomAccessCollection {
        /// The outputs after the first.
        private let others: [Output]
        private let firstShape: [Int]
        /// Nil when the call had no outputs.
        private let firstDType: DType?

        init(_ outputs: CallOutputs) {
            if outputs.count == 0 {
                (others, firstShape, firstDType) = ([], [], nil)
                return
            }
            firstShape = outputs[0].shape
            firstDType = outputs[0].dtype
            others = outputs.count == 1 ? [] : (1..<outputs.count).map { Output(shape: outputs[$0].shape, dtype: outputs[$0].dtype) }
        }

        var startIndex: Int { 0 }
        var endIndex: Int { firstDType == nil ? 0 : 1 + others.count }
        subscript(index: Int) -> Output {
            index == 0 ? Output(shape: firstShape, dtype: firstDType!) : others[index - 1]
        }
    }

    /// An output the backward rule reads: a history-free alias, and the version
    /// of its storage when it was saved.
    struct SavedOutput {
        var tensor: Tensor?
        var version: Int
    }

    /// A tensor that asked to keep its gradient (`retainGrad()`), held weakly.
    struct Retained {
        weak var tensor: Tensor?
        let index: Int
    }

    /// What few nodes need: made on first write, so a plain node is one pointer lighter
    /// for each (a graph of a million nodes is a million of these).
    final class Extras {
        var retained: [Retained] = []
        var hooks = HookList()
        var checkpoint: CheckpointFrame?
        var outputsAreRecomputed = false
    }

    // The mutable fields are changed only by the engine, never under an overlapping
    // access, so they skip Swift's dynamic exclusivity bookkeeping: checked, it was
    // a tenth of the instructions of a backward pass through small ops.
    //
    // The fields are in this order so that the node is 88 bytes, and a 96-byte
    // heap block holds it (W5's bytes per node): the one-byte and four-byte
    // fields pack into the last word of `outputs`.
    let op: Op
    let attributes: Attributes
    /// The input records, in a buffer the node owns: no array header, no reference
    /// count, and a field of a record is read in place.
    private let records: UnsafeMutablePointer<Input>
    /// Saved outputs, when the op saves `.output`.
    @exclusivity(unchecked) var savedOutputs: [SavedOutput] = []
    @exclusivity(unchecked) private var extras: Extras?
    let outputs: OutputList
    /// Set once backward has freed the saved tensors.
    @exclusivity(unchecked) var isReleased = false
    /// Whether `GraphStats.live` counts this node's saved tensors.
    @exclusivity(unchecked) var isAccounted = false
    /// Where the op was called (see `CallSites`).
    let callSite: UInt32
    private let inputCount: UInt32
    /// The slot a running backward pass gave this node, with that pass's tag (see
    /// `NodeSlots`); zero when no pass has marked it. In the last four bytes of the
    /// node's 88, so it costs no memory.
    let passMark = Atomic<UInt32>(0)

    private var writableExtras: Extras {
        if let extras { return extras }
        let made = Extras()
        extras = made
        return made
    }

    /// Tensors that asked to keep this node's output gradients (`retainGrad()`).
    var retained: [Retained] {
        get { extras?.retained ?? [] }
        set { writableExtras.retained = newValue }
    }
    /// Hooks on the gradients of this node's outputs (`registerHook`).
    var hooks: HookList {
        get { extras?.hooks ?? HookList() }
        set { writableExtras.hooks = newValue }
    }
    /// The `checkpoint` call this node was recorded in, which refills its saved tensors.
    var checkpoint: CheckpointFrame? {
        get { extras?.checkpoint }
        set { writableExtras.checkpoint = newValue }
    }
    var outputsAreRecomputed: Bool {
        get { extras?.outputsAreRecomputed ?? false }
        set { writableExtras.outputsAreRecomputed = newValue }
    }

    /// The name PyTorch shows, such as `MulBackward0`.
    public var name: String { op.gradFnName }

    /// Where each input's gradient goes, in input order.
    public var nextFunctions: [GradientEdge] {
        inputs.map { input in
            switch input.edge {
            case .node(let node, let index): .node(node, outputIndex: index)
            case .accumulate(let accumulator): accumulator.leaf.map { .accumulateGrad($0) } ?? .unused
            case .unused: .unused
            }
        }
    }

    /// One record per input, valid while the node lives.
    var inputs: UnsafeMutableBufferPointer<Input> {
        UnsafeMutableBufferPointer(start: records, count: Int(inputCount))
    }

    /// Takes ownership of `records`: `count` initialised records, made by `record`.
    private init(op: Op, attributes: Attributes, records: UnsafeMutablePointer<Input>, count: Int, outputs: OutputList) {
        self.op = op
        self.attributes = attributes
        self.records = records
        inputCount = UInt32(count)
        self.outputs = outputs
        callSite = CallSites.isEnabled ? CallSites.current() : 0
        LiveNodes.count.add(1, ordering: .relaxed)
    }

    /// Records a call: a node with an edge per input that needs a gradient, the
    /// tensors the op's backward reads, and each differentiable output's history
    /// pointed at it.
    ///
    /// - Parameter outputs: the call's outputs; floating-point ones get this node as history.
    @discardableResult
    static func record(op: Op, attributes: Attributes, inputs tensors: [Tensor?], outputs: CallOutputs) throws -> Node {
        let saves = op.saves
        let count = tensors.count
        let savesAll = saves.contains(.inputs), savesOthers = saves.contains(.otherInputs)
        var needCount = 0
        if savesOthers {
            for i in 0..<count where op.sendsGradient(to: tensors[i], slot: i, count: count) { needCount += 1 }
        }
        let records = UnsafeMutablePointer<Input>.allocate(capacity: count)
        for i in 0..<count {
            guard let tensor = tensors[i] else {
                (records + i).initialize(to: Input(edge: .unused, saved: nil, version: 0, shape: [], dtype: nil))
                continue
            }
            let needsGradient = op.sendsGradient(to: tensor, slot: i, count: count)
            let save = savesAll || (savesOthers && needCount > (needsGradient ? 1 : 0))
            do {
                (records + i).initialize(to: Input(
                    edge: needsGradient ? try tensor.gradientEdge() : .unused,
                    saved: save ? try tensor.savedForm() : nil,
                    version: tensor.storage.version, shape: tensor.shape, dtype: tensor.dtype))
            } catch {
                records.deinitialize(count: i)
                records.deallocate()
                throw error
            }
        }
        let node = Node(op: op, attributes: attributes, records: records, count: count, outputs: OutputList(outputs))
        if saves.contains(.output) {
            node.savedOutputs = (0..<outputs.count).map {
                SavedOutput(tensor: outputs[$0].historyFreeAlias(), version: outputs[$0].storage.version)
            }
        }
        for index in 0..<outputs.count where outputs[index].dtype.isFloatingPoint {
            let output = outputs[index]
            output.history = node
            output.outputIndex = index
        }
        CheckpointFrame.current?.adopt(node)
        LiveNodes.account(node)
        return node
    }

    /// After an in-place update gave `tensor` new history: every node reachable from
    /// that history which saved `tensor` itself now saves `alias` (its storage and its
    /// history before the update) instead. Otherwise the tensor would hold its new node,
    /// which reaches a node holding the tensor: a reference cycle. The saves keep
    /// their versions, so a backward through them still reports the in-place change.
    static func releaseSaves(of tensor: Tensor, reachableFrom start: Node?, to alias: Tensor) {
        guard let start else { return }
        for node in reachable(from: [start]) {
            for i in node.inputs.indices where node.inputs[i].saved === tensor {
                LiveNodes.unaccount(node)
                node.inputs[i].saved = alias
                LiveNodes.account(node)
            }
        }
    }

    /// Every node reachable from `roots` through the nodes' input edges, each once.
    static func reachable(from roots: [Node]) -> [Node] {
        var found: [Node] = [], pending = roots
        var seen = Set(roots.map(ObjectIdentifier.init))
        while let node = pending.popLast() {
            found.append(node)
            for i in node.inputs.indices {
                if case .node(let next, _) = node.inputs[i].edge, seen.insert(ObjectIdentifier(next)).inserted {
                    pending.append(next)
                }
            }
        }
        return found
    }

    /// Saves `tensor`, which took over output `index`'s value (an in-place update
    /// writes an op's result into its target), so version checks watch its storage.
    func rebindSavedOutput(_ index: Int, to tensor: Tensor) {
        guard index < savedOutputs.count else { return }
        LiveNodes.unaccount(self)
        savedOutputs[index] = SavedOutput(tensor: tensor.historyFreeAlias(), version: tensor.storage.version)
        LiveNodes.account(self)
    }

    /// Keeps the gradient of output `index` in `tensor.grad` during backward.
    func retain(output index: Int, in tensor: Tensor) {
        if !retained.contains(where: { $0.tensor === tensor && $0.index == index }) {
            retained.append(Retained(tensor: tensor, index: index))
        }
    }

    /// Frees what backward no longer needs; a later backward through a node that
    /// had saved tensors then throws.
    func release() {
        LiveNodes.unaccount(self)
        var savedAny = !savedOutputs.isEmpty
        let inputs = self.inputs
        for i in inputs.indices where inputs[i].saved != nil {
            inputs[i].saved = nil
            savedAny = true
        }
        isReleased = savedAny
        savedOutputs = []
    }

    /// Tears the graph behind this node down with a loop instead of recursion,
    /// so a chain of a million nodes cannot overflow the stack.
    deinit {
        LiveNodes.count.subtract(1, ordering: .relaxed)
        LiveNodes.unaccount(self)
        var stack: [Node] = []
        Node.detachChildren(inputs, into: &stack)
        while var node = stack.popLast() {
            if isKnownUniquelyReferenced(&node) {
                LiveNodes.unaccount(node)
                Node.detachChildren(node.inputs, into: &stack)
            }
        }
        records.deinitialize(count: Int(inputCount))
        records.deallocate()
    }

    private static func detachChildren(_ inputs: UnsafeMutableBufferPointer<Input>, into stack: inout [Node]) {
        for i in inputs.indices {
            if case .node(let n, _) = inputs[i].edge { stack.append(n) }
            inputs[i].edge = .unused
            if var tensor = inputs[i].saved.take() {
                if isKnownUniquelyReferenced(&tensor), let n = tensor.history {
                    tensor.history = nil
                    stack.append(n)
                }
            }
        }
    }
}

extension Node: CustomStringConvertible {
    /// The node's name in angle brackets, `<MulBackward0>`, as PyTorch prints a `grad_fn`.
    public var description: String { "<\(name)>" }
}

/// The accumulation point of one leaf: the edge every node that reads the leaf
/// sends its gradient along (PyTorch's `AccumulateGrad`).
///
/// It holds the leaf weakly, so a leaf whose gradient's graph leads back to it
/// (after `backward(createGraph: true)`) is not kept alive by that cycle.
final class GradAccumulator: @unchecked Sendable {
    weak var leaf: Tensor?
    /// Hooks on the leaf's gradient, run before it is accumulated (`registerHook`).
    var hooks = HookList()
    /// Hooks run after `backward()` accumulated into the leaf's `grad`.
    var postAccumulateHooks: [(id: Int, body: (Tensor) throws -> Void)] = []

    init(leaf: Tensor) { self.leaf = leaf }
}

extension Tensor {
    /// Where a gradient for this tensor goes: its node, or its leaf accumulator.
    func gradientEdge() throws -> Node.Edge {
        if let node = try currentGradFn() { return .node(node, outputIndex) }
        guard requiresGradFlag else { return .unused }
        if let accumulator { return .accumulate(accumulator) }
        let made = GradAccumulator(leaf: self)
        accumulator = made
        return .accumulate(made)
    }

    /// What a node keeps of this tensor when its backward reads it: the tensor
    /// itself, unless holding it could close a reference cycle. A leaf that requires
    /// grad is saved as an alias sharing its accumulator (its gradient's graph may
    /// lead back here after `createGraph`), and a view as an alias with its history
    /// but not its base.
    func savedForm() throws -> Tensor {
        if viewInfo == nil && (history != nil || !requiresGradFlag) {
            isSavedAsItself = true
            return self
        }
        let alias = historyFreeAlias()
        if let node = try currentGradFn() {
            alias.history = node
            alias.outputIndex = outputIndex
        } else if requiresGradFlag {
            alias.requiresGradFlag = true
            if case .accumulate(let accumulator) = try gradientEdge() { alias.accumulator = accumulator }
        }
        return alias
    }

    /// An alias of this tensor's data and tangent, without history or view tracking:
    /// what a node saves of its own output, so it does not hold itself.
    func historyFreeAlias() -> Tensor {
        let alias = Tensor(storage: storage, shape: shape, strides: strides, offset: offset, dtype: dtype)
        alias.tangentStorage = tangentStorage
        return alias
    }
}
