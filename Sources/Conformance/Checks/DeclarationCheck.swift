import Autograd

extension CheckContext {
    /// The definition is well formed: kernels, attribute defaults of their declared
    /// type, a reference expression that parses, names only inputs, attributes and
    /// registered ops, and gives, on the sample, as many outputs as the op has, of
    /// the op's shapes; a sample that gives only attributes the op declares.
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
            if problems.isEmpty, let problem = referenceProblemOnSample(expression) { problems.append(problem) }
        case nil:
            break
        }
        if let sample {
            for key in sample.attributes.keys.sorted() where !def.attributes.contains(where: { $0.name == key }) {
                problems.append("the sample gives attribute '\(key)', which the op does not declare")
            }
        }
        if !problems.isEmpty {
            return .fail(name, .declaration, nil, problems[0], details: Array(problems.dropFirst()))
        }
        var summary = "\(def.inputs.map(\.description).joined(separator: ", ")) → "
            + def.outputs.map(\.name).joined(separator: ", ") + (def.hasVariadicOutputs ? ", ..." : "")
            + "; \(def.attributes.count) attribute(s); dtypes " + def.forward.dtypes.map(\.rawValue).joined(separator: ", ")
        if let expression = referenceExpression { summary += "; reference \(ReferenceExpression.excerpt(expression.source))" }
        return .pass(name, .declaration, nil, summary)
    }

    /// The reference evaluated on the sample: an error, or outputs of other shapes
    /// than the op's, is the declaration's fault, not the kernel's.
    private func referenceProblemOnSample(_ expression: ReferenceExpression) -> String? {
        guard let sample, let values = sampleValues(),
              referenceMismatch(expression, attributes: sample.attributes, values: values) == nil,
              let dtype = declaredDTypes.last ?? definition.forward.dtypes.first else { return nil }
        guard let got = try? withNoGrad({ try op.checkedOutputs(leaves(values, dtype, requiringGrad: false),
                                                             attributes: sample.attributes) }) else { return nil }
        do {
            let want = try evaluateReference(expression, values)
            return referenceShapeProblem(expression, got: got.map(TensorValues.init), want: want)
        } catch {
            return "the reference cannot be evaluated on the sample: \(error)"
        }
    }

    private static func fits(_ value: AttributeValue, _ type: AttributeType) -> Bool {
        switch (value, type) {
        case (.absent, _), (.int, .int), (.int, .double), (.double, .double), (.bool, .bool), (.ints, .ints): true
        case (.string(let v), .string(let allowed)): allowed.isEmpty || allowed.contains(v)
        default: false
        }
    }

    /// Where the sample comes from and what it holds; a failure, saying how to
    /// declare one, when kernel-check has none.
    func checkSamples() -> CheckResult {
        switch sampling {
        case .failure(let failure):
            return .fail(name, .samples, nil, failure.message)
        case .success(let sample):
            let count = sample.inputs.count
            let inputs = sample.inputs.enumerated().map { slot, spec -> String in
                let label = definition.slotName(slot, count: count)
                guard let spec else { return "\(label) omitted" }
                let dtype = definition.slotDType(slot, count: count, spec: spec, running: .float64)
                let type = dtype.isFloatingPoint ? "" : " \(dtype)"
                return "\(label) \(spec.shape)\(type) \(spec.domain)"
            }
            var message = "\(sample.source): " + inputs.joined(separator: ", ")
            if !sample.attributes.isEmpty {
                message += "; " + sample.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            }
            if !variants.isEmpty { message += "; also " + variants.map(\.label).joined(separator: "; ") }
            return .pass(name, .samples, nil, message)
        }
    }
}
