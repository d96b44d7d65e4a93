/// Tensor hooks, as PyTorch's `register_hook` and `register_post_accumulate_grad_hook`.
///
/// A tensor hook runs when the gradient with respect to its tensor has been
/// computed, before it flows on (into the node that made the tensor, or into a
/// leaf's `grad`), and may return a replacement. Hooks of one tensor run in the
/// order they were registered, each seeing the previous one's result; a tensor
/// that keeps its gradient (`retainGrad()`) stores it after its hooks ran, as in
/// PyTorch. A post-accumulate-grad hook runs on a leaf after its `grad` was
/// accumulated by `backward()` (not by `grad(of:wrt:)`, which accumulates nothing).
///
/// Hooks live on the node that made the tensor, or on a leaf's accumulator:
/// a hook registered before an in-place update sees the gradient of the value
/// the tensor had then, as PyTorch documents.
public typealias GradientHook = (Tensor) throws -> Tensor?

/// Removes the hook it was returned for.
public final class HookHandle: @unchecked Sendable {
    private weak var owner: HookOwner?
    /// The owner again, held strongly when it is only a key into a table (a module's
    /// forward hooks), so that it lives exactly as long as the handle.
    private let retainedOwner: HookOwner?
    private let id: Int

    /// A handle holding `owner` weakly (a node or accumulator, which must not outlive its
    /// graph), or strongly with `retainingOwner`.
    init(owner: HookOwner, id: Int, retainingOwner: Bool = false) {
        self.owner = owner
        self.retainedOwner = retainingOwner ? owner : nil
        self.id = id
    }

    /// Removes the hook; later backward passes no longer run it. Removing twice does nothing.
    public func remove() { owner?.removeHook(id) }
}

/// What holds hooks: a node (for the tensors it made) or a leaf's accumulator.
protocol HookOwner: AnyObject {
    func removeHook(_ id: Int)
}

/// The hooks registered on one node or accumulator.
struct HookList {
    struct Entry {
        let id: Int
        /// The output the hook watches (always 0 for an accumulator).
        let output: Int
        let body: GradientHook
    }

    private(set) var entries: [Entry] = []
    private static let ids = Locked(0)

    /// A new identifier for a hook, unique in the process.
    static func nextID() -> Int {
        ids.withLock { next in
            next += 1
            return next
        }
    }

    mutating func add(output: Int, _ body: @escaping GradientHook) -> Int {
        let id = HookList.nextID()
        entries.append(Entry(id: id, output: output, body: body))
        return id
    }

    var isEmpty: Bool { entries.isEmpty }

    mutating func remove(_ id: Int) { entries.removeAll { $0.id == id } }

    /// `gradient` passed through the hooks of `output`, in order.
    func apply(_ gradient: Tensor, output: Int) throws -> Tensor {
        var g = gradient
        for entry in entries where entry.output == output {
            if let replaced = try entry.body(g) {
                guard replaced.shape == g.shape, replaced.dtype == g.dtype else {
                    throw AutogradError(.backward, """
                        a gradient hook returned a \(replaced.dtype) tensor of shape \(Shape.describe(replaced.shape)); \
                        expected the gradient's \(g.dtype) \(Shape.describe(g.shape))
                        """)
                }
                g = replaced
            }
        }
        return g
    }
}

extension Node: HookOwner {
    func removeHook(_ id: Int) { hooks.remove(id) }
}

extension GradAccumulator: HookOwner {
    func removeHook(_ id: Int) {
        hooks.remove(id)
        postAccumulateHooks.removeAll { $0.id == id }
    }
}

extension Tensor {
    /// Registers `hook` to run when the gradient with respect to this tensor is
    /// computed; a non-nil result replaces the gradient (PyTorch's `register_hook`).
    ///
    /// ```swift
    /// let handle = h.registerHook { g in g * 2 }   // doubles what flows back through h
    /// try loss.backward()
    /// handle.remove()
    /// ```
    ///
    /// - Precondition: the tensor requires grad.
    @discardableResult
    public func registerHook(_ hook: @escaping GradientHook) -> HookHandle {
        precondition(requiresGrad, "cannot register a hook on a tensor that does not require grad")
        if let node = gradFn {
            return HookHandle(owner: node, id: node.hooks.add(output: outputIndex, hook))
        }
        let accumulator = trapOnError { try leafAccumulator() }
        return HookHandle(owner: accumulator, id: accumulator.hooks.add(output: 0, hook))
    }

    /// Registers `hook` to run on this leaf after `backward()` accumulated into its
    /// `grad` (PyTorch's `register_post_accumulate_grad_hook`): where an optimizer
    /// step inside backward, or a data-parallel all-reduce, starts. The hook is given the
    /// leaf: read it from the argument, since a hook that captures its own tensor makes a
    /// reference cycle (the tensor holds its hooks) that keeps both alive.
    ///
    /// - Precondition: the tensor is a leaf that requires grad.
    @discardableResult
    public func registerPostAccumulateGradHook(_ hook: @escaping (Tensor) throws -> Void) -> HookHandle {
        precondition(isLeaf && requiresGrad, "post-accumulate-grad hooks can only be registered on leaves that require grad")
        let accumulator = trapOnError { try leafAccumulator() }
        let id = HookList.nextID()
        accumulator.postAccumulateHooks.append((id, hook))
        return HookHandle(owner: accumulator, id: id)
    }

    /// This leaf's accumulator, made on first use.
    private func leafAccumulator() throws -> GradAccumulator {
        guard case .accumulate(let accumulator) = try gradientEdge() else {
            preconditionFailure("a leaf that requires grad has an accumulator")
        }
        return accumulator
    }
}
