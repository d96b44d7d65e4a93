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
    private let cached = Locked<(generation: Int, op: Op?)>((-1, nil))

    init(_ name: String) { self.name = name }

    func op() throws -> Op {
        let registry = OpRegistry.shared
        let generation = registry.generation.load(ordering: .acquiring)
        if let op = cached.withLock({ $0.generation == generation ? $0.op : nil }) { return op }
        let op = try registry.op(named: name)
        cached.withLock { $0 = (generation, op) }
        return op
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
    private struct Key: Hashable {
        let bits: UInt64
        let dtype: DType
    }

    /// Lets the cache hand out a tensor it keeps: shared constants are only read.
    private struct Shared: @unchecked Sendable {
        let tensor: Tensor
    }

    /// Distinct constants kept at most; past that, new values get tensors of their own.
    static let limit = 1024
    private static let cache = Locked<[Key: Shared]>([:])

    static func tensor(_ value: Double, dtype: DType) -> Tensor {
        let key = Key(bits: dtype == .float32 ? UInt64(Float(value).bitPattern) : value.bitPattern, dtype: dtype)
        if let shared = cache.withLock({ $0[key] }) { return shared.tensor }
        let t = Tensor(uninitializedShape: [], dtype: dtype)
        StridedLoops.fill(t, with: value)
        t.storage.isReadOnly = true
        cache.withLock { table in
            if table.count < limit { table[key] = Shared(tensor: t) }
        }
        return t
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
            + binaryLosses + regressionLosses + attention
            + convolutions + pooling + normalization + embeddings + dropouts
            + [asStridedDefinition, asStridedScatterDefinition]
    }
}
