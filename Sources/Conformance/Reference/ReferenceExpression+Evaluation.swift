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
    public func evaluateOutputs(inputs: [String: Tensor], attributes: [String: AttributeValue],
                                registry: OpRegistry) throws -> [Tensor] {
        let converted = inputs.mapValues { $0.dtype.isFloatingPoint ? TensorValues($0).tensor(.float64) : $0.detach() }
        return try withNoGrad {
            try evaluateOutputs(tensors: converted, attributes: attributes, registry: registry, numberDType: .float64)
        }
    }
}
