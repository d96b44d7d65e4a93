import CAutogradRuntime
import Synchronization

/// The sugar's one road into the registry: every Tensor operator and free function
/// runs its op through `OpRegistry.shared`, trapping on error with the registry's
/// message (the throwing road is `OpRegistry.call`).
@inline(__always)
func dispatch(_ handle: OpHandle, _ inputs: [Tensor?], _ attributes: [String: AttributeValue] = [:]) -> Tensor {
    trapOnError { try handle.op().call(inputs, attributes: attributes) }
}

/// Like `dispatch`, for an op with several outputs.
@inline(__always)
func dispatchOutputs(_ handle: OpHandle, _ inputs: [Tensor?], _ attributes: [String: AttributeValue] = [:]) -> [Tensor] {
    trapOnError { try handle.op().callOutputs(inputs, attributes: attributes) }
}

/// An op name whose lookup in `OpRegistry.shared` is remembered until the registry
/// changes: the operators skip hashing the name on every call, yet see an op that
/// was replaced with `replaceExisting: true`.
///
/// Each op's handle is declared beside its definition, as `static let` in an
/// `extension OpHandle`.
final class OpHandle: Sendable {
    let name: String

    /// An op looked up at one registry generation.
    private final class Entry: Sendable {
        let generation: Int
        let op: Op
        init(generation: Int, op: Op) {
            self.generation = generation
            self.op = op
        }
    }

    /// The latest entry, published through one atomic pointer so that the
    /// operators read it without a lock. Every entry is kept while the handle
    /// lives (handles are static; registries change rarely), so a reader never
    /// holds one that was freed.
    private let latest = Atomic<UInt>(0)
    private let entries = Locked<[Entry]>([])

    init(_ name: String) { self.name = name }

    func op() throws -> Op {
        let registry = OpRegistry.shared
        let generation = registry.generation.load(ordering: .acquiring)
        if let pointer = UnsafeRawPointer(bitPattern: latest.load(ordering: .acquiring)) {
            let entry = Unmanaged<Entry>.fromOpaque(pointer).takeUnretainedValue()
            if entry.generation == generation { return entry.op }
        }
        let entry = Entry(generation: generation, op: try registry.op(named: name))
        entries.withLock { $0.append(entry) }
        latest.store(UInt(bitPattern: Unmanaged.passUnretained(entry).toOpaque()), ordering: .releasing)
        return entry.op
    }

    /// The op, trapping with the registry's message when it is not registered.
    func opOrTrap() -> Op { trapOnError { try op() } }
}

extension Tensor {
    /// A 0-d tensor holding `value` for an expression with this tensor (`x * 2.5`):
    /// in this tensor's dtype when it is floating-point, else float32, as a Python
    /// float mixes with tensors in PyTorch (`ints * 2.5` is float32).
    func scalar(_ value: Double) -> Tensor {
        ScalarConstants.tensor(value, dtype: dtype.isFloatingPoint ? dtype : .float32)
    }

    /// A 0-d tensor holding the integer `value` for an expression with this tensor
    /// (`ints + 1` stays int64, `floats * 2` stays floating-point).
    func scalar(_ value: Int) -> Tensor {
        ScalarConstants.tensor(Double(value), dtype: dtype == .bool ? .int64 : dtype)
    }
}

/// The 0-d tensors behind scalars in expressions (`x * 2`, `y + 1`), one per value
/// and dtype, shared by every use. A graph saves the scalar of each `mul`, so a
/// long chain of `y * 1.0001` would otherwise keep a tensor per node. Their
/// storage is read-only: every in-place writer refuses it.
enum ScalarConstants {
    /// One constant; kept for the life of the process once published.
    private final class Entry: @unchecked Sendable {
        let bits: UInt64
        let dtype: DType
        /// Only ever read: its storage is read-only.
        let tensor: Tensor
        init(bits: UInt64, dtype: DType, tensor: Tensor) {
            self.bits = bits
            self.dtype = dtype
            self.tensor = tensor
        }
    }

    /// Distinct constants kept at most; past that, new values get tensors of their own.
    static let limit = 1024
    /// An open-addressed table of published entries, twice the limit so probes stay short.
    /// Readers take no lock: a slot goes from empty to an entry once and never changes again.
    private static let capacity = 2 * limit
    private struct Table: @unchecked Sendable { let slots: UnsafeMutablePointer<UnsafeMutableRawPointer?> }
    private static let table: Table = {
        let slots = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: capacity)
        slots.initialize(repeating: nil, count: capacity)
        return Table(slots: slots)
    }()
    /// How many entries are published; writers take this lock, readers never do.
    private static let published = Locked(0)

    static func tensor(_ value: Double, dtype: DType) -> Tensor {
        let bits = dtype == .float32 ? UInt64(Float(value).bitPattern) : value.bitPattern
        if let found = lookup(bits, dtype) { return found }
        let t = Tensor(uninitializedShape: [], dtype: dtype)
        StridedLoops.fill(t, with: value)
        t.storage.isReadOnly = true
        return published.withLock { count -> Tensor in
            if let found = lookup(bits, dtype) { return found }
            guard count < limit else { return t }
            var slot = start(bits, dtype)
            while table.slots[slot] != nil { slot = (slot + 1) & (capacity - 1) }
            let entry = Unmanaged.passRetained(Entry(bits: bits, dtype: dtype, tensor: t)).toOpaque()
            _ = autograd_atomic_publish_pointer(table.slots + slot, nil, entry)
            count += 1
            return t
        }
    }

    private static func lookup(_ bits: UInt64, _ dtype: DType) -> Tensor? {
        var slot = start(bits, dtype)
        while let pointer = autograd_atomic_load_pointer(table.slots + slot) {
            let entry = Unmanaged<Entry>.fromOpaque(pointer).takeUnretainedValue()
            if entry.bits == bits && entry.dtype == dtype { return entry.tensor }
            slot = (slot + 1) & (capacity - 1)
        }
        return nil
    }

    /// Fibonacci hashing of the value's bits and dtype.
    @inline(__always)
    private static func start(_ bits: UInt64, _ dtype: DType) -> Int {
        let mixed = (bits ^ UInt64(dtype.index) &* 0x9E37_79B9) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed >> 53) & (capacity - 1)
    }
}

/// The built-in ops, registered into every registry by `OpRegistry.withBuiltins()`
/// through the same `register` a user calls.
public enum BuiltinOps {
    /// Every built-in op definition.
    public static var all: [OpDefinition] {
        arithmetic + unaryMath + rounding + binaryMath + activations + pointwiseActivations + reductions + shapeOps
            + linearAlgebra + losses + comparisons + conversions + selection + slicing + indexing + masking + joining
            + layoutOps + extremeReductions + productReductions + statisticalReductions
            + convolutions + pooling + normalization + embeddings + dropouts
            + [asStridedDefinition, asStridedScatterDefinition]
    }
}
