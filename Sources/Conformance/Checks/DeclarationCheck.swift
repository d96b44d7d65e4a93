import Autograd

extension CheckContext {
    /// The definition is well formed: kernels, attribute defaults of their declared
    /// type, non-differentiable inputs that exist, a reference expression that parses
    /// and names only inputs, attributes and registered ops, a sample that fits.
    func checkDeclaration() -> CheckResult {
        let def = definition
        var problems: [String] = []
        if def.forward.dtypes.isEmpty { problems.append("no forward kernel for any dtype") }
        if Set(def.inputNames).count != def.inputs.count { problems.append("input names repeat: \(def.inputNames)") }
        for spec in def.attributes where !Self.fits(spec.defaultValue, spec.type) {
            problems.append("attribute '\(spec.name)' of type \(spec.type) has default \(spec.defaultValue)")
        }
        switch reference {
        case .failure(let error)?:
            problems.append(error.message)
        case .success(let expression)?:
            problems += expression.problems(inputs: def.inputNames, attributes: def.attributes.map(\.name), registry: registry)
        case nil:
            break
        }
        if let sample {
            if sample.inputs.count != def.inputs.count {
                problems.append("the sample has \(sample.inputs.count) inputs; the op takes \(def.inputs.count)")
            }
            for key in sample.attributes.keys.sorted() where !def.attributes.contains(where: { $0.name == key }) {
                problems.append("the sample gives attribute '\(key)', which the op does not declare")
            }
        }
        if !problems.isEmpty {
            return .fail(name, .declaration, nil, problems[0], details: Array(problems.dropFirst()))
        }
        var summary = "\(def.inputs.count) input(s), \(def.attributes.count) attribute(s), dtypes "
            + declaredDTypes.map(\.rawValue).joined(separator: ", ")
        if case .success(let expression)? = reference { summary += "; reference \(expression.source)" }
        return .pass(name, .declaration, nil, summary)
    }

    private static func fits(_ value: AttributeValue, _ type: AttributeType) -> Bool {
        switch (value, type) {
        case (.absent, _), (.int, .int), (.int, .double), (.double, .double), (.bool, .bool), (.ints, .ints): true
        case (.string(let v), .string(let allowed)): allowed.isEmpty || allowed.contains(v)
        default: false
        }
    }
}
