import Autograd

extension ReferenceExpression {
    /// Evaluates the expression with the ops of `registry`, floating-point inputs in
    /// float64 (int64 and bool inputs keep their dtype).
    ///
    /// - Parameters:
    ///   - inputs: the op's tensor inputs by name.
    ///   - attributes: the op's attributes by name, defaults filled in.
    ///   - registry: the registry whose ops the expression calls.
    /// - Returns: the first output (a number result becomes a 0-d float64 tensor).
    /// - Throws: `ReferenceExpression.Error` for an unknown name or a value of the
    ///   wrong kind; the registry's error when an op rejects its arguments.
    public func evaluate(inputs: [String: Tensor], attributes: [String: AttributeValue],
                         registry: OpRegistry) throws -> Tensor {
        try evaluateOutputs(inputs: inputs, attributes: attributes, registry: registry)[0]
    }

    /// Evaluates the expression as `evaluate` does, returning one tensor per output.
    ///
    /// - Parameters:
    ///   - inputs: the op's tensor inputs by name.
    ///   - lists: the tensors of its list inputs by name, which the expression may
    ///     pass to an op that takes a list (`cat(xs, dim=0)`).
    ///   - attributes: the op's attributes by name, defaults filled in.
    ///   - registry: the registry whose ops the expression calls.
    /// - Returns: one tensor per output (a number result becomes a 0-d float64 tensor).
    /// - Throws: `ReferenceExpression.Error` for an unknown name or a value of the
    ///   wrong kind; the registry's error when an op rejects its arguments.
    public func evaluateOutputs(inputs: [String: Tensor], lists: [String: [Tensor]] = [:],
                                attributes: [String: AttributeValue], registry: OpRegistry) throws -> [Tensor] {
        func converted(_ t: Tensor) -> Tensor { t.dtype.isFloatingPoint ? TensorValues(t).tensor(.float64) : t.detach() }
        return try withNoGrad {
            try evaluateOutputs(tensors: inputs.mapValues(converted), lists: lists.mapValues { $0.map(converted) },
                                attributes: attributes, registry: registry, numberDType: .float64)
        }
    }
}
