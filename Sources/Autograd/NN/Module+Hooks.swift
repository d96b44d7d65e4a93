import Synchronization

/// Forward hooks on modules, as PyTorch's `register_forward_pre_hook` and
/// `register_forward_hook`: a pre-hook sees (and may replace) a module's input
/// before `forward`, a hook sees the input and output after it (and may replace
/// the output). Hooks of one module run in registration order.
///
/// Hooks attach to a module object (the built-in layers are classes), held in a
/// table keyed by the object, so `Module` needs no stored property for them.
/// Calling a module costs one atomic load while no module anywhere has a hook.
extension Module where Self: AnyObject {
    /// Registers `hook` to run before this module's `forward` with its input; a
    /// non-nil result replaces the input.
    ///
    /// - Parameter hook: called with the module and its input; returns a replacement input, or nil.
    /// - Returns: a handle whose `remove()` unregisters the hook.
    @discardableResult
    public func registerForwardPreHook(_ hook: @escaping (any Module, Tensor) -> Tensor?) -> HookHandle {
        ForwardHooks.add(to: self) { $0.pre.append((id: $1, body: hook)) }
    }

    /// Registers `hook` to run after this module's `forward` with its input and
    /// output; a non-nil result replaces the output.
    ///
    /// - Parameter hook: called with the module, its input and its output; returns a replacement output, or nil.
    /// - Returns: a handle whose `remove()` unregisters the hook.
    @discardableResult
    public func registerForwardHook(_ hook: @escaping (any Module, Tensor, Tensor) -> Tensor?) -> HookHandle {
        ForwardHooks.add(to: self) { $0.post.append((id: $1, body: hook)) }
    }
}

/// The table of modules' forward hooks.
enum ForwardHooks {
    struct Hooks {
        var pre: [(id: Int, body: (any Module, Tensor) -> Tensor?)] = []
        var post: [(id: Int, body: (any Module, Tensor, Tensor) -> Tensor?)] = []
        var isEmpty: Bool { pre.isEmpty && post.isEmpty }
    }

    /// One module's entry: its hooks, and the module held weakly (an entry whose
    /// module is gone is dropped when the table is next changed).
    private struct Entry {
        weak var module: AnyObject?
        var hooks: Hooks
    }

    /// Keeps hooks off the path of every call while none is registered.
    private static let registered = Atomic<Int>(0)
    private static let table = Locked<[ObjectIdentifier: Entry]>([:])

    /// A removable handle for one module's table entry.
    final class Owner: HookOwner {
        let key: ObjectIdentifier
        init(key: ObjectIdentifier) { self.key = key }
        func removeHook(_ id: Int) { ForwardHooks.remove(id, from: key) }
    }

    static func add(to module: AnyObject, _ insert: (inout Hooks, Int) -> Void) -> HookHandle {
        let key = ObjectIdentifier(module), id = HookList.nextID()
        table.withLock { entries in
            entries = entries.filter { $0.value.module != nil }
            var entry = entries[key] ?? Entry(module: module, hooks: Hooks())
            insert(&entry.hooks, id)
            entries[key] = entry
        }
        registered.add(1, ordering: .releasing)
        return HookHandle(owner: Owner(key: key), id: id, retainingOwner: true)
    }

    static func remove(_ id: Int, from key: ObjectIdentifier) {
        let removed = table.withLock { entries -> Bool in
            guard var entry = entries[key] else { return false }
            let before = entry.hooks.pre.count + entry.hooks.post.count
            entry.hooks.pre.removeAll { $0.id == id }
            entry.hooks.post.removeAll { $0.id == id }
            entries[key] = entry.hooks.isEmpty ? nil : entry
            return entry.hooks.pre.count + entry.hooks.post.count < before
        }
        if removed { registered.subtract(1, ordering: .releasing) }
    }

    /// `module.forward(input)`, with the module's hooks around it.
    static func run<M: Module>(_ module: M, _ input: Tensor) -> Tensor {
        // The entry must still be this module's: a dead module's address may be reused
        // by a new one, which must not inherit its hooks.
        guard registered.load(ordering: .acquiring) > 0, M.self is AnyClass,
              let hooks = table.withLock({ entries -> Hooks? in
                  let object = module as AnyObject
                  guard let entry = entries[ObjectIdentifier(object)], entry.module === object else { return nil }
                  return entry.hooks
              }) else {
            return module.forward(input)
        }
        var x = input
        for hook in hooks.pre { x = hook.body(module, x) ?? x }
        var y = module.forward(x)
        for hook in hooks.post { y = hook.body(module, x, y) ?? y }
        return y
    }
}
