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
    private let ops = Locked<[String: Op]>([:])
    /// Bumped by every registration, so cached lookups (`OpHandle`) know to look again.
    let generation = Atomic<Int>(0)
    /// The plugins loaded so far, by resolved file: a second load of one returns the first's result.
    let loadedPlugins = Locked<[String: LoadedPlugin]>([:])

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

    /// Runs the one-output op `name` on `inputs`, recording it for backward when grad mode is on.
    ///
    /// ```swift
    /// let s = try OpRegistry.shared.call("sum", [x], attributes: ["dims": [1], "keepdim": true])
    /// ```
    ///
    /// - Parameters:
    ///   - name: the registry name of the op (`"mul"`, `"act.softplus"`).
    ///   - inputs: one tensor per input, nil for an omitted optional input
    ///     (trailing optional inputs may be left out); a list input takes its tensors in place.
    ///   - attributes: the attributes by name, as literals (`["dim": 1, "keepdim": true]`);
    ///     those not given take their defaults.
    /// - Throws: `AutogradError` for an unknown op, a wrong input count, an unknown or
    ///   mistyped attribute, shapes or dtypes the op does not accept; for an op with
    ///   several outputs, an error naming `callOutputs`.
    public func call(_ name: String, _ inputs: [Tensor?], attributes: [String: AttributeValue] = [:]) throws -> Tensor {
        try op(named: name).call(inputs, attributes: attributes)
    }

    /// Runs any op `name` on `inputs`, returning every output (`max` with `dim` gives
    /// values and indices; `split` one tensor per piece).
    ///
    /// - Parameters:
    ///   - name: the registry name of the op.
    ///   - inputs: one tensor per input, nil for an omitted optional input; a list input
    ///     takes its tensors in place.
    ///   - attributes: the attributes by name, as literals (`["dim": 1, "keepdim": true]`);
    ///     those not given take their defaults.
    /// - Throws: `AutogradError` for an unknown op or a call the op does not accept.
    public func callOutputs(
        _ name: String, _ inputs: [Tensor?], attributes: [String: AttributeValue] = [:]
    ) throws -> [Tensor] {
        try op(named: name).callOutputs(inputs, attributes: attributes)
    }

    private static func validate(_ def: OpDefinition) throws {
        func fail(_ why: String) -> AutogradError { AutogradError(.plugin, "op '\(def.name)': \(why)") }
        if def.name.isEmpty { throw AutogradError(.plugin, "an op needs a non-empty name") }
        if def.forward.dtypes.isEmpty { throw fail("no forward kernel for any dtype") }
        if Set(def.inputNames).count != def.inputs.count { throw fail("input names must be distinct: \(def.inputNames)") }
        if Set(def.attributes.map(\.name)).count != def.attributes.count { throw fail("attribute names must be distinct") }
        for input in def.inputNames where def.attributes.contains(where: { $0.name == input }) {
            throw fail("'\(input)' names both an input and an attribute")
        }
        if def.inputs.count(where: \.isList) > 1 { throw fail("at most one input can be a list") }
        if def.outputs.isEmpty { throw fail("an op needs at least one output") }
        if def.hasVariadicOutputs && def.outputs.count != 1 {
            throw fail("an op with variadic outputs describes them with exactly one output entry")
        }
    }
}
