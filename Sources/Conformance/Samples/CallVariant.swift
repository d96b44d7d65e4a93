import Autograd

/// A call beyond the sample that the forward, gradient and forward-mode checks
/// also make, so that every path the declaration opens is exercised: each
/// optional input omitted, a list input of one and of three tensors, each other
/// allowed value of a string attribute, each bool attribute flipped.
struct CallVariant: Sendable {
    /// What differs from the sample, for messages: "without bias".
    var label: String
    var inputs: [InputSpec?]
    var attributes: [String: AttributeValue]
    /// The attribute this variant changes, if any: a reference that does not read
    /// it cannot describe the variant.
    var changedAttribute: String?

    /// The variants of `sample` for `op`'s declaration.
    static func variants(of sample: OpSample, op: Op) -> [CallVariant] {
        let definition = op.definition
        let count = sample.inputs.count
        var variants: [CallVariant] = []
        for slot in sample.inputs.indices where sample.inputs[slot] != nil {
            let input = definition.declaredInput(ofSlot: slot, count: count)
            guard input.isOptional, !input.isList else { continue }
            var inputs = sample.inputs
            inputs[slot] = nil
            variants.append(CallVariant(label: "without \(input.name)", inputs: inputs, attributes: sample.attributes))
        }
        if let list = definition.inputLayout.listSlots(count: count), let first = sample.inputs[list].first ?? nil {
            let name = definition.inputs.first(where: \.isList)!.name
            let before = Array(sample.inputs[..<list.lowerBound]), after = Array(sample.inputs[list.upperBound...])
            let longer = Array(sample.inputs[list]) + [sample.inputs[list].last ?? first]
            variants.append(CallVariant(label: "\(name) of 1 tensor", inputs: before + [first] + after,
                                        attributes: sample.attributes))
            variants.append(CallVariant(label: "\(name) of \(longer.count) tensors", inputs: before + longer + after,
                                        attributes: sample.attributes))
        }
        for spec in definition.attributes {
            let current = sample.attributes[spec.name] ?? spec.defaultValue
            var others: [AttributeValue] = []
            switch (spec.type, current) {
            // An attribute naming a dtype (`to`) changes the precision its outputs are
            // differentiated in, which float64 central differences cannot follow.
            case (.string(let allowed), _) where allowed.allSatisfy({ DType(rawValue: $0) != nil }): break
            case (.string(let allowed), _): others = allowed.map(AttributeValue.string).filter { $0 != current }
            case (.bool, .bool(let value)): others = [.bool(!value)]
            default: break
            }
            for value in others {
                var attributes = sample.attributes
                attributes[spec.name] = value
                variants.append(CallVariant(label: "\(spec.name) = \(value)", inputs: sample.inputs, attributes: attributes,
                                            changedAttribute: spec.name))
            }
        }
        return variants
    }

    /// Whether an error from a variant's call says only that the variant does not
    /// fit the sample's shapes (a list length `stack` refuses, say), not that the op is wrong.
    static func isNotApplicable(_ error: any Error) -> Bool {
        guard let error = error as? AutogradError else { return false }
        return error.kind == .shape || error.kind == .inputCount || error.kind == .attribute
    }
}
