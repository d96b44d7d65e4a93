import Autograd

extension CheckContext {
    /// Each declared dtype runs forward and backward with outputs and gradients in
    /// that dtype; float32 agrees with float64 on the same (rounded) values; an
    /// undeclared dtype is a thrown error naming the op.
    func checkDTypes() -> CheckResult {
        guard let values = sampleValues() else { return .skip(name, .dtypes, nil, missingSampleReason!) }
        return guarded(.dtypes, nil) {
            var outcomes: [DType: Outcome] = [:]
            var notes: [String] = []
            let rounded = values.map { $0.rounded(to: .float32) }
            for dtype in [DType.float32, .float64] {
                guard declaredDTypes.contains(dtype) else {
                    do {
                        _ = try op.call(leaves(rounded, dtype, requiringGrad: false), attributes: attributes)
                        return .fail(name, .dtypes, nil, "'\(name)' declares no \(dtype) kernel, yet a \(dtype) call returned a result")
                    } catch {
                        guard "\(error)".contains(name) else {
                            return .fail(name, .dtypes, nil, "a \(dtype) call threw an error that does not name the op: \(error)")
                        }
                        notes.append("\(dtype) undeclared: throws")
                        continue
                    }
                }
                let outcome = try evaluate(rounded, dtype)
                if outcome.outputDType != dtype {
                    return .fail(name, .dtypes, nil, "a \(dtype) call returned a \(outcome.outputDType) output")
                }
                for (i, g) in outcome.gradDTypes.enumerated() where g != nil && g != dtype {
                    return .fail(name, .dtypes, nil, "the gradient of \(definition.inputNames[i]) is \(g!) for a \(dtype) input")
                }
                outcomes[dtype] = outcome
                notes.append("\(dtype) forward and backward")
            }
            guard let single = outcomes[.float32], let double = outcomes[.float64] else {
                return .pass(name, .dtypes, nil, notes.joined(separator: "; "))
            }
            let (c, problem) = compare(single, double, tolerance: .forward(.float32))
            if let problem { return .fail(name, .dtypes, nil, "float32 against float64: \(problem)", comparison: c) }
            return .pass(name, .dtypes, nil, notes.joined(separator: "; ") + "; float32 matches float64", comparison: c)
        }
    }
}
