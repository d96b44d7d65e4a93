import Synchronization

/// The table of every op the engine can run: built-in, user-registered, or loaded from a plugin.
///
/// Tensor operators are sugar over `call(_:_:attributes:)`; no op bypasses it.
/// Registration is all-or-nothing and thread-safe.
///
/// ```swift
/// let s = try OpRegistry.shared.call("sum", [x], attributes: ["dims": [0], "keepdim": true])
/// ```
public final class OpRegistry: Sendable {
    private let ops = Mutex<[String: Op]>([:])
    /// Bumped by every registration, so cached lookups (`OpHandle`) know to look again.
    let generation = Atomic<Int>(0)
    /// The plugins loaded so far, by resolved file: a second load of one returns the first's result.
    let loadedPlugins = Mutex<[String: LoadedPlugin]>([:])

    /// The registry the Tensor API dispatches through: the built-in ops, plus the
    /// OpenBLAS matmul kernels when the system has OpenBLAS.
    public static let shared: OpRegistry = {
        let registry = OpRegistry.withBuiltins()
        registry.loadDefaultBinding()
        return registry
    }()

    /// An empty registry.
    public init() {}

    /// A registry holding the built-in ops and their Swift kernels only.
    public static func withBuiltins() -> OpRegistry {
        let registry = OpRegistry()
        do {
            try registry.register(BuiltinOps.all)
        } catch {
            fatalError("built-in ops failed to register: \(error)")
        }
        return registry
    }

    /// Registers an op. A name already taken is an error unless `replaceExisting` is true.
    public func register(_ definition: OpDefinition, replaceExisting: Bool = false) throws {
        try register([definition], replaceExisting: replaceExisting)
    }

    /// Registers several ops and kernel overrides at once: either all are registered or,
    /// on error, none is.
    public func register(
        _ definitions: [OpDefinition], kernels: [(op: String, kernel: KernelOverride)] = [],
        replaceExisting: Bool = false
    ) throws {
        for definition in definitions { try Self.validate(definition) }
        let newOps = definitions.map(Op.init)
        try ops.withLock { table in
            var seen = Set<String>()
            for op in newOps {
                if !seen.insert(op.name).inserted {
                    throw AutogradError(.duplicateOp, "op '\(op.name)' is defined twice in one registration")
                }
                if table[op.name] != nil && !replaceExisting {
                    throw AutogradError(.duplicateOp, """
                        op '\(op.name)' is already registered; pass replaceExisting: true to replace it
                        """)
                }
            }
            for (name, _) in kernels where table[name] == nil && !seen.contains(name) {
                throw AutogradError(.unknownOp, "a kernel is given for op '\(name)', which is not registered")
            }
            for op in newOps { table[op.name] = op }
            for (name, kernel) in kernels { table[name]!.addOverrides([kernel]) }
            generation.add(1, ordering: .releasing)
        }
    }

    /// Adds a faster kernel to a registered op.
    public func register(kernel: KernelOverride, forOp name: String) throws {
        try register([], kernels: [(name, kernel)])
    }

    /// The op registered under `name`.
    public func op(named name: String) throws -> Op {
        guard let op = ops.withLock({ $0[name] }) else {
            throw AutogradError(.unknownOp, "unknown op '\(name)'; see OpRegistry.shared.opNames for the registered ops")
        }
        return op
    }

    /// Whether an op is registered under `name`.
    public func contains(_ name: String) -> Bool { ops.withLock { $0[name] != nil } }

    /// The names of all registered ops, sorted.
    public var opNames: [String] { ops.withLock { $0.keys.sorted() } }

    /// Runs the op `name` on `inputs`, recording it for backward when grad mode is on.
    ///
    /// - Throws: `AutogradError` for an unknown op, a wrong input count, an unknown or
    ///   mistyped attribute, shapes or dtypes the op does not accept.
    public func call(_ name: String, _ inputs: [Tensor], attributes: [String: AttributeValue] = [:]) throws -> Tensor {
        try op(named: name).call(inputs, attributes: attributes)
    }

    private static func validate(_ def: OpDefinition) throws {
        func fail(_ why: String) -> AutogradError { AutogradError(.plugin, "op '\(def.name)': \(why)") }
        if def.name.isEmpty { throw AutogradError(.plugin, "an op needs a non-empty name") }
        if def.forward.isEmpty { throw fail("no forward kernel for any dtype") }
        if Set(def.inputs).count != def.inputs.count { throw fail("input names must be distinct: \(def.inputs)") }
        if Set(def.attributes.map(\.name)).count != def.attributes.count { throw fail("attribute names must be distinct") }
        for name in def.nonDifferentiableInputs where !def.inputs.contains(name) {
            throw fail("nonDifferentiableInputs names '\(name)', which is not an input")
        }
    }
}
