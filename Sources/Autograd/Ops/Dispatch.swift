/// The sugar's one road into the registry: every Tensor operator and free function
/// runs its op by name through `OpRegistry.shared`, trapping on error with the
/// registry's message (the throwing road is `OpRegistry.call`).
@inline(__always)
func dispatch(_ name: String, _ inputs: [Tensor], _ attributes: [String: AttributeValue] = [:]) -> Tensor {
    trapOnError { try OpRegistry.shared.call(name, inputs, attributes: attributes) }
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
