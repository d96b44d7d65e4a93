import Synchronization

/// The sugar's one road into the registry: every Tensor operator and free function
/// runs its op by name through `OpRegistry.shared`, trapping on error with the
/// registry's message (the throwing road is `OpRegistry.call`).
@inline(__always)
func dispatch(_ handle: OpHandle, _ inputs: [Tensor], _ attributes: [String: AttributeValue] = [:]) -> Tensor {
    trapOnError { try handle.op().call(inputs, attributes: attributes) }
}

/// An op name whose lookup in `OpRegistry.shared` is remembered until the registry
/// changes: the operators skip hashing the name on every call, yet see an op that
/// was replaced with `replaceExisting: true`.
final class OpHandle: Sendable {
    let name: String
    private let cached = Mutex<(generation: Int, op: Op?)>((-1, nil))

    init(_ name: String) { self.name = name }

    func op() throws -> Op {
        let registry = OpRegistry.shared
        let generation = registry.generation.load(ordering: .acquiring)
        if let op = cached.withLock({ $0.generation == generation ? $0.op : nil }) { return op }
        let op = try registry.op(named: name)
        cached.withLock { $0 = (generation, op) }
        return op
    }
}

extension Tensor {
    /// A 0-d tensor holding `value` in this tensor's dtype: how scalars mix with tensors.
    func scalar(_ value: Double) -> Tensor {
        ScalarConstants.tensor(value, dtype: dtype)
    }
}

/// The 0-d tensors behind scalars in expressions (`x * 2`, `y + 1`), one per value
/// and dtype, shared by every use. A graph saves the scalar of each `mul`, so a
/// long chain of `y * 1.0001` would otherwise keep a tensor per node. They are
/// never handed to users, only to kernels and backward rules, which read them.
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
    private static let cache = Mutex<[Key: Shared]>([:])

    static func tensor(_ value: Double, dtype: DType) -> Tensor {
        let key = Key(bits: dtype == .float32 ? UInt64(Float(value).bitPattern) : value.bitPattern, dtype: dtype)
        if let shared = cache.withLock({ $0[key] }) { return shared.tensor }
        let t = Tensor(uninitializedShape: [], dtype: dtype)
        switch dtype {
        case .float32: t.pointer(Float.self).pointee = Float(value)
        case .float64: t.pointer(Double.self).pointee = value
        }
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
        arithmetic + unaryMath + activations + reductions + shapeOps + linearAlgebra + losses + comparisons
    }
}


/// The built-in ops the sugar dispatches to.
extension OpHandle {
    static let add = OpHandle("add")
    static let sub = OpHandle("sub")
    static let mul = OpHandle("mul")
    static let div = OpHandle("div")
    static let neg = OpHandle("neg")
    static let powScalar = OpHandle("pow_scalar")
    static let pow = OpHandle("pow")
    static let maximum = OpHandle("maximum")
    static let exp = OpHandle("exp")
    static let log = OpHandle("log")
    static let sqrt = OpHandle("sqrt")
    static let abs = OpHandle("abs")
    static let sin = OpHandle("sin")
    static let cos = OpHandle("cos")
    static let erf = OpHandle("erf")
    static let relu = OpHandle("relu")
    static let sigmoid = OpHandle("sigmoid")
    static let tanh = OpHandle("tanh")
    static let clamp = OpHandle("clamp")
    static let softmax = OpHandle("softmax")
    static let logSoftmax = OpHandle("log_softmax")
    static let sum = OpHandle("sum")
    static let mean = OpHandle("mean")
    static let maxReduce = OpHandle("max_reduce")
    static let maxMask = OpHandle("max_mask")
    static let reshape = OpHandle("reshape")
    static let transpose = OpHandle("transpose")
    static let expand = OpHandle("expand")
    static let contiguous = OpHandle("contiguous")
    static let matmul = OpHandle("matmul")
    static let linear = OpHandle("linear")
    static let mseLoss = OpHandle("mse_loss")
    static let crossEntropy = OpHandle("cross_entropy")
    static let gt = OpHandle("gt")
    static let ge = OpHandle("ge")
    static let eq = OpHandle("eq")
    static let sign = OpHandle("sign")
    static let oneHot = OpHandle("one_hot")
}
