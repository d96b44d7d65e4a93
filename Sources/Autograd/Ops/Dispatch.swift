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
        let t = Tensor(uninitializedShape: [], dtype: dtype)
        switch dtype {
        case .float32: t.pointer(Float.self).pointee = Float(value)
        case .float64: t.pointer(Double.self).pointee = value
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
