import Autograd

extension CheckContext {
    /// Calls the op must refuse: too many and too few inputs, shapes its sample
    /// marks invalid, an unknown attribute, each attribute with a value of the wrong
    /// type, a missing required attribute, mixed dtypes. Each must throw an error
    /// whose message names the op.
    func checkErrorInputs() -> CheckResult {
        guard let sample, let values = sampleValues() else { return .skip(name, .errorInputs, nil, missingSampleReason!) }
        guard let dtype = declaredDTypes.last else { return .skip(name, .errorInputs, nil, "'\(name)' declares no kernel") }
        let def = definition
        var calls: [(String, () throws -> Tensor)] = []
        let inputs = { leaves(values, dtype, requiringGrad: false) }
        calls.append(("\(values.count + 1) inputs", { try op.call(inputs() + [Tensor.ones([3], dtype: dtype)], attributes: attributes) }))
        // One input fewer is an error unless the last input is optional (a convolution's bias).
        if !values.isEmpty, def.inputs.last?.isOptional != true {
            calls.append(("\(values.count - 1) inputs", { try op.call(Array(inputs().dropLast()), attributes: attributes) }))
        }
        if let shapes = sample.invalidShapes {
            calls.append(("shapes \(shapes)", {
                try op.call(leaves(self.values(shapes: shapes, salt: 10), dtype, requiringGrad: false), attributes: attributes)
            }))
        }
        calls.append(("an unknown attribute", {
            var attrs = attributes
            attrs["conformance_unknown_attribute"] = 1
            return try op.call(inputs(), attributes: attrs)
        }))
        for spec in def.attributes {
            let wrong: AttributeValue = spec.type == .bool ? .ints([1]) : .bool(true)
            calls.append(("attribute '\(spec.name)' = \(wrong)", {
                var attrs = attributes
                attrs[spec.name] = wrong
                return try op.call(inputs(), attributes: attrs)
            }))
            if spec.isRequired {
                calls.append(("no attribute '\(spec.name)'", {
                    var attrs = attributes
                    attrs[spec.name] = nil
                    return try op.call(inputs(), attributes: attrs)
                }))
            }
        }
        if values.count >= 2 {
            calls.append(("mixed dtypes", {
                var mixed = inputs()
                mixed[0] = values[0].tensor(dtype == .float64 ? .float32 : .float64)
                return try op.call(mixed, attributes: attributes)
            }))
        }
        for (label, call) in calls {
            do {
                let result = try call()
                return .fail(name, .errorInputs, nil, "\(label): returned a result of shape \(result.shape) instead of throwing")
            } catch {
                guard "\(error)".contains(name) else {
                    return .fail(name, .errorInputs, nil, "\(label): the error does not name the op: \(error)")
                }
            }
        }
        return .pass(name, .errorInputs, nil, "\(calls.count) wrong calls each throw an error naming the op: "
                     + calls.map(\.0).joined(separator: "; "))
    }
}
