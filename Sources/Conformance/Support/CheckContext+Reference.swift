import Autograd

extension CheckContext {
    /// The parsed reference, when the op declares one that parses.
    var referenceExpression: ReferenceExpression? {
        if case .success(let expression)? = reference { return expression }
        return nil
    }

    /// Why the reference does not describe a call with `attributes` and these
    /// input slots, or nil when it does. A reference describes the op with every
    /// attribute it does not read at its default, and reads only inputs that are given
    /// (a list input, as an argument of an op that takes a list).
    func referenceMismatch(_ expression: ReferenceExpression, attributes: [String: AttributeValue],
                           values: [TensorValues?]) -> String? {
        let read = expression.identifiers
        let resolved = resolvedAttributes(attributes)
        for spec in definition.attributes where !read.contains(spec.name) {
            let value = resolved[spec.name] ?? .absent
            if value != spec.defaultValue, spec.type.coerceLike(value) != spec.type.coerceLike(spec.defaultValue) {
                return "the reference does not read '\(spec.name)', here \(value) rather than its default"
            }
        }
        let count = values.count
        for slot in values.indices {
            let input = definition.declaredInput(ofSlot: slot, count: count)
            guard read.contains(input.name) else { continue }
            if values[slot] == nil { return "the reference reads '\(input.name)', omitted here" }
        }
        return nil
    }

    /// The reference's outputs on `values`: floating inputs in float64, the others as they are.
    func evaluateReference(_ expression: ReferenceExpression, _ values: [TensorValues?],
                           attributes: [String: AttributeValue]? = nil) throws -> [TensorValues] {
        var inputs: [String: Tensor] = [:]
        var lists: [String: [Tensor]] = [:]
        for (slot, v) in values.enumerated() {
            let input = definition.declaredInput(ofSlot: slot, count: values.count)
            if input.isList { lists[input.name, default: []] += v.map { [$0.tensor(.float64)] } ?? [] }
            guard let v, !input.isList else { continue }
            inputs[input.name] = v.tensor(.float64)
        }
        if let list = definition.inputs.first(where: \.isList), lists[list.name] == nil { lists[list.name] = [] }
        let outputs = try expression.evaluateOutputs(inputs: inputs, lists: lists,
                                                     attributes: resolvedAttributes(attributes ?? self.attributes),
                                                     registry: registry)
        return outputs.map(TensorValues.init)
    }

    /// Why the reference's outputs cannot be compared with the op's, as a
    /// declaration error, or nil: how many outputs, and each one's shape.
    func referenceShapeProblem(_ expression: ReferenceExpression, got: [TensorValues], want: [TensorValues]) -> String? {
        guard got.count == want.count else {
            return "the reference '\(ReferenceExpression.excerpt(expression.source))' gives \(want.count) output(s); " +
                "'\(name)' has \(got.count) (separate one expression per output with commas)"
        }
        for k in got.indices where got[k].shape != want[k].shape {
            return "the reference '\(ReferenceExpression.excerpt(expression.source))' gives shape \(want[k].shape) for " +
                "\(outputName(k, of: got.count)); '\(name)' gives \(got[k].shape): fix the reference (or the shape rule)"
        }
        return nil
    }

    /// The tolerance for comparing output `k` of dtype `dtype` with a float64 reference.
    func outputTolerance(_ dtype: DType, running: DType) -> Tolerance {
        dtype.isFloatingPoint ? .forward(running) : .exact
    }
}

extension AttributeType {
    /// A value in this type's canonical form (an int given for a double attribute
    /// as a double), so that `2` and `2.0` compare equal.
    func coerceLike(_ value: AttributeValue) -> AttributeValue {
        switch (self, value) {
        case (.double, .int(let v)): .double(Double(v))
        case (.ints, .int(let v)): .ints([v])
        default: value
        }
    }
}
