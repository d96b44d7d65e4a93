import CAutogradRuntime

/// Runs `f` on `inputs` without keeping what its ops save for backward, and
/// recomputes those tensors when backward first needs them (PyTorch's
/// `torch.utils.checkpoint` with `use_reentrant=False`): memory for compute.
///
/// The graph `f` records stays whole: gradients flow to `inputs` and to
/// everything `f` reads (a layer's parameters) as without checkpointing. Only the
/// saved tensors of the ops inside are dropped; the first backward through them
/// runs `f` again, with the default random generator restored to its state at the
/// first run, so dropout draws the same masks, and fills them in.
///
/// ```swift
/// var x = input
/// for block in blocks { x = try checkpoint({ block($0) }, x) }
/// try loss(x).backward()
/// ```
///
/// - Throws: what `f` throws; in backward, an error when the recomputation records
///   different ops than the first run (`f` must be deterministic given the generator),
///   or when `createGraph: true` asks to differentiate through the recomputation.
public func checkpoint(_ f: @escaping ([Tensor]) throws -> [Tensor], _ inputs: [Tensor]) throws -> [Tensor] {
    guard GradMode.isEnabled else { return try f(inputs) }
    let frame = CheckpointFrame(function: f, inputs: inputs)
    return try frame.recording(.dropping) { try f(inputs) }
}

/// `checkpoint` of a function of one tensor.
public func checkpoint(_ f: @escaping (Tensor) throws -> Tensor, _ input: Tensor) throws -> Tensor {
    try checkpoint({ [try f($0[0])] }, [input])[0]
}

/// What one `checkpoint` call remembers: how to run its function again, and the
/// nodes its first run recorded, whose saved tensors it refills.
final class CheckpointFrame: @unchecked Sendable {
    enum Mode {
        /// The first run: nodes keep no saved tensors.
        case dropping
        /// The recomputation: nodes are collected to hand their saved tensors over.
        case collecting
    }

    private struct Recorded {
        weak var node: Node?
    }

    private let function: ([Tensor]) throws -> [Tensor]
    private let inputs: [Tensor]
    private let generator: RandomGenerator
    private var recorded: [Recorded] = []
    private var collected: [Node] = []
    private(set) var mode = Mode.dropping
    private let lock = Locked(())

    init(function: @escaping ([Tensor]) throws -> [Tensor], inputs: [Tensor]) {
        self.function = function
        self.inputs = inputs
        generator = RandomGenerator.withDefault { $0 }
    }

    /// The frame recording on this thread, if any.
    static var current: CheckpointFrame? {
        guard let pointer = autograd_checkpoint_frame() else { return nil }
        return Unmanaged<CheckpointFrame>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Runs `body` with this frame recording the nodes it creates.
    func recording<R>(_ mode: Mode, _ body: () throws -> R) rethrows -> R {
        self.mode = mode
        let previous = autograd_checkpoint_set_frame(Unmanaged.passUnretained(self).toOpaque())
        defer { autograd_checkpoint_set_frame(previous) }
        return try body()
    }

    /// Takes a node its function just recorded.
    func adopt(_ node: Node) {
        switch mode {
        case .dropping:
            for i in node.inputs.indices where node.inputs[i].saved != nil {
                node.inputs[i].saved = nil
                node.inputs[i].isRecomputed = true
            }
            if !node.savedOutputs.isEmpty {
                for k in node.savedOutputs.indices { node.savedOutputs[k].tensor = nil }
                node.outputsAreRecomputed = true
            }
            node.checkpoint = self
            recorded.append(Recorded(node: node))
        case .collecting:
            collected.append(node)
        }
    }

    /// Runs the function again and hands the tensors its ops saved to the nodes of
    /// the first run, pair by pair.
    func recompute(for node: Node, createGraph: Bool) throws {
        try lock.withLock { _ in
            guard node.needsRecomputation else { return }
            if createGraph {
                throw AutogradError(.backward, """
                    \(node.label): inside checkpoint, whose saved tensors are recomputed; createGraph: true \
                    cannot differentiate through the recomputation (run the function without checkpoint)
                    """)
            }
            let before = RandomGenerator.withDefault { $0 }
            RandomGenerator.withDefault { $0 = generator }
            defer { RandomGenerator.withDefault { $0 = before } }
            collected = []
            let detached = inputs.map { $0.requiresGrad ? $0.detachedRequiringGrad() : $0 }
            _ = try withGrad { try recording(.collecting) { try function(detached) } }
            let fresh = collected
            collected = []
            guard fresh.count == recorded.count else {
                throw AutogradError(.backward, """
                    checkpoint: the function recorded \(recorded.count) ops in its first run and \(fresh.count) \
                    when recomputed for \(node.label); it must record the same ops each time
                    """)
            }
            for (old, new) in zip(recorded, fresh) {
                guard let old = old.node else { continue }
                guard old.op === new.op else {
                    throw AutogradError(.backward, """
                        checkpoint: the recomputation recorded op \(new.op.name) where the first run recorded \
                        \(old.label); the function must record the same ops each time
                        """)
                }
                LiveNodes.unaccount(old)
                old.takeSavedTensors(from: new)
                LiveNodes.account(old)
            }
        }
    }
}

extension Node {
    /// Whether this node's saved tensors were dropped by `checkpoint` and not refilled yet.
    var needsRecomputation: Bool {
        checkpoint != nil && (outputsAreRecomputed && savedOutputs.contains { $0.tensor == nil }
            || inputs.contains { $0.isRecomputed && $0.saved == nil })
    }

    /// Takes the saved tensors of `other`, a recomputation of this node, as
    /// history-free values: nothing differentiates through them.
    fileprivate func takeSavedTensors(from other: Node) {
        for i in inputs.indices where inputs[i].isRecomputed {
            let saved = other.inputs[i].saved
            inputs[i].saved = saved?.historyFreeAlias()
            inputs[i].version = saved?.storage.version ?? 0
        }
        if outputsAreRecomputed {
            savedOutputs = other.savedOutputs.map { SavedOutput(tensor: $0.tensor?.historyFreeAlias(), version: $0.version) }
        }
    }
}

extension Tensor {
    /// A new leaf sharing this tensor's data that requires grad.
    fileprivate func detachedRequiringGrad() -> Tensor {
        let leaf = historyFreeAlias()
        leaf.tangentStorage = nil
        leaf.requiresGradFlag = dtype.isFloatingPoint
        return leaf
    }
}
