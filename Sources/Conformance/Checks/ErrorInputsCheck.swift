import Autograd

extension CheckContext {
    /// Calls the op must refuse, each with a thrown error whose message names the
    /// op (never a trap): too many and too few inputs, shapes its sample marks
    /// invalid, an unknown attribute, each attribute with a value of the wrong type,
    /// a string attribute outside its allowed values, a missing required attribute,
    /// a float tensor where int64 indices or a bool mask belong, and an index one
    /// past the dim it indexes. (Mixed dtypes are no error: they promote.)
    func checkErrorInputs() -> CheckResult {
        guard let sample, let values = sampleValues() else { return .skip(name, .errorInputs, nil, missingSampleReason!) }
        guard let dtype = declaredDTypes.last ?? definition.forward.dtypes.first else {
            return .skip(name, .errorInputs, nil, "'\(name)' declares no kernel")
        }
        let def = definition
        let attributes = sample.attributes
        var calls: [(String, () throws -> [Tensor])] = []
        let inputs = { leaves(values, dtype, requiringGrad: false) }
        let count = values.count
        if def.inputLayout.listIndex == nil {
            calls.append(("\(count + 1) inputs", {
                try op.checkedOutputs(inputs() + [Tensor.ones([3], dtype: dtype)], attributes: attributes)
            }))
        }
        let required = def.inputLayout.listIndex == nil
            ? (def.inputs.lastIndex { !$0.isOptional } ?? -1) + 1
            : def.inputs.count - 1
        if required > 0 {
            calls.append(("\(required - 1) inputs", { try op.checkedOutputs(Array(inputs().prefix(required - 1)), attributes: attributes) }))
        }
        if let shapes = sample.invalidShapes {
            calls.append(("shapes \(describe(shapes))", {
                try op.checkedOutputs(leaves(self.values(shapes: shapes, salt: 10), dtype, requiringGrad: false), attributes: attributes)
            }))
        }
        calls.append(("an unknown attribute", {
            var attrs = attributes
            attrs["conformance_unknown_attribute"] = 1
            return try op.checkedOutputs(inputs(), attributes: attrs)
        }))
        for spec in def.attributes {
            let wrong: AttributeValue = spec.type == .bool ? .ints([1]) : .bool(true)
            calls.append(("attribute '\(spec.name)' = \(wrong)", {
                var attrs = attributes
                attrs[spec.name] = wrong
                return try op.checkedOutputs(inputs(), attributes: attrs)
            }))
            if case .string(let allowed) = spec.type, !allowed.isEmpty {
                calls.append(("attribute '\(spec.name)' = \"not_one_of_them\"", {
                    var attrs = attributes
                    attrs[spec.name] = "not_one_of_them"
                    return try op.checkedOutputs(inputs(), attributes: attrs)
                }))
            }
            if spec.isRequired {
                calls.append(("no attribute '\(spec.name)'", {
                    var attrs = attributes
                    attrs[spec.name] = nil
                    return try op.checkedOutputs(inputs(), attributes: attrs)
                }))
            }
        }
        for slot in values.indices {
            guard let v = values[slot], case .exactly(let required) = def.declaredInput(ofSlot: slot, count: count).dtypes,
                  !required.isFloatingPoint else { continue }
            let label = def.slotName(slot, count: count)
            calls.append(("a float \(label) (\(required) expected)", {
                var wrong = inputs()
                wrong[slot] = TensorValues(shape: v.shape, scalars: v.scalars).tensor(.float32)
                return try op.checkedOutputs(wrong, attributes: attributes)
            }))
            guard let spec = sample.inputs[slot], case .indices = spec.domain, v.count > 0,
                  let bound = spec.domain.indexBound(shapes: values.map { $0?.shape }) else { continue }
            calls.append(("\(label) holding \(bound), past the dim it indexes", {
                var wrong = values
                wrong[slot]!.scalars[v.count - 1] = Double(bound)
                return try op.checkedOutputs(leaves(wrong, dtype, requiringGrad: false), attributes: attributes)
            }))
        }
        for (label, call) in calls {
            do {
                let result = try call()
                return .fail(name, .errorInputs, nil,
                             "\(label): returned outputs of shapes \(result.map(\.shape)) instead of throwing")
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
