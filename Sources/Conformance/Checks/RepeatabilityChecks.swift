@_spi(Conformance) import Autograd

extension CheckContext {
    /// Two runs on the same values give bitwise equal outputs and gradients.
    func checkDeterminism(_ dtype: DType) -> CheckResult {
        guard let values = sampleValues() else { return .skip(name, .determinism, dtype, missingSampleReason!) }
        return guarded(.determinism, dtype) {
            let first = try evaluate(values, dtype)
            for run in 2...3 {
                let again = try evaluate(values, dtype)
                let a = first.allValues, b = again.allValues
                let bitsA = TensorValues(shape: [a.count], scalars: a).bitPatterns(dtype)
                let bitsB = TensorValues(shape: [b.count], scalars: b).bitPatterns(dtype)
                if let i = zip(bitsA, bitsB).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                    return .fail(name, .determinism, dtype, """
                        run \(run) differs from run 1 at value \(i) of output and gradients: \(showExactly(b[i])) vs \(showExactly(a[i]))
                        """)
                }
            }
            return .pass(name, .determinism, dtype, "3 runs of forward and backward are bitwise equal")
        }
    }

    /// Forward and backward leave every input and the upstream gradient bitwise unchanged.
    func checkInputsUnmodified(_ dtype: DType) -> CheckResult {
        guard let values = sampleValues() else { return .skip(name, .inputsUnmodified, dtype, missingSampleReason!) }
        return guarded(.inputsUnmodified, dtype) {
            let inputs = leaves(values, dtype)
            let before = inputs.map(\.bitPatterns)
            let shape = try op.call(leaves(values, dtype, requiringGrad: false), attributes: attributes).shape
            let u = upstream(shape: shape).tensor(dtype)
            let upstreamBefore = u.bitPatterns
            _ = try call(inputs, upstream: { _ in u })
            for (i, input) in inputs.enumerated() {
                if let k = zip(before[i], input.bitPatterns).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                    let index = values[i].describeIndex(k, name: definition.inputNames[i])
                    return .fail(name, .inputsUnmodified, dtype, "\(index) changed from \(show(values[i].rounded(to: dtype).scalars[k])) to \(show(input.scalars[k]))")
                }
            }
            if upstreamBefore != u.bitPatterns {
                return .fail(name, .inputsUnmodified, dtype, "backward modified the upstream gradient")
            }
            return .pass(name, .inputsUnmodified, dtype, "inputs and upstream gradient bitwise unchanged")
        }
    }

    /// Every buffer allocated during forward and backward (outputs, gradients,
    /// intermediates) has guard bytes on both sides; none may change.
    func checkGuardBytes(_ dtype: DType) -> CheckResult {
        guard let values = sampleValues() else { return .skip(name, .guardBytes, dtype, missingSampleReason!) }
        return guarded(.guardBytes, dtype) {
            let inputs = leaves(values, dtype)
            let shape = try op.call(leaves(values, dtype, requiringGrad: false), attributes: attributes).shape
            let u = upstream(shape: shape).tensor(dtype)
            let (_, violations) = try GuardedAllocation.checkingWrites { try call(inputs, upstream: { _ in u }) }
            if let first = violations.first {
                return .fail(name, .guardBytes, dtype, "\(first)", details: violations.dropFirst().map(\.description))
            }
            return .pass(name, .guardBytes, dtype, "\(GuardedAllocation.guardByteCount) guard bytes around each output and gradient buffer untouched")
        }
    }
}
