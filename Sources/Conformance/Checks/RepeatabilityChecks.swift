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
                guard a.count == b.count else {
                    return .fail(name, .determinism, dtype, "run \(run) gave \(b.count) values; run 1 gave \(a.count)")
                }
                let bitsA = TensorValues(shape: [a.count], scalars: a).bitPatterns(dtype)
                let bitsB = TensorValues(shape: [b.count], scalars: b).bitPatterns(dtype)
                if let i = zip(bitsA, bitsB).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                    return .fail(name, .determinism, dtype, """
                        run \(run) differs from run 1 at value \(i) of outputs and gradients: \(showExactly(b[i])) vs \(showExactly(a[i]))
                        """)
                }
            }
            return .pass(name, .determinism, dtype, "3 runs of forward and backward are bitwise equal")
        }
    }

    /// Forward and backward leave every input and the upstream gradients bitwise unchanged.
    func checkInputsUnmodified(_ dtype: DType) -> CheckResult {
        guard let values = sampleValues() else { return .skip(name, .inputsUnmodified, dtype, missingSampleReason!) }
        return guarded(.inputsUnmodified, dtype) {
            let inputs = leaves(values, dtype)
            let before = inputs.map { $0?.bitPatterns }
            let outputs = try op.checkedOutputs(leaves(values, dtype, requiringGrad: false), attributes: attributes)
            let upstreams = outputs.indices.map { k in upstream(output: k, shape: outputs[k].shape).tensor(outputs[k].dtype) }
            let upstreamsBefore = upstreams.map(\.bitPatterns)
            _ = try call(inputs, upstream: { k, _ in upstreams[k] })
            for (i, input) in inputs.enumerated() {
                guard let input, let old = before[i] else { continue }
                if let k = zip(old, input.bitPatterns).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                    let index = values[i]!.describeIndex(k, name: definition.slotName(i, count: values.count))
                    return .fail(name, .inputsUnmodified, dtype,
                                 "\(index) changed from \(show(values[i]!.rounded(to: dtype).scalars[k])) to \(show(input.scalars[k]))")
                }
            }
            for k in upstreams.indices where upstreamsBefore[k] != upstreams[k].bitPatterns {
                return .fail(name, .inputsUnmodified, dtype, "backward modified the upstream gradient of \(outputName(k, of: upstreams.count))")
            }
            return .pass(name, .inputsUnmodified, dtype, "inputs and upstream gradients bitwise unchanged")
        }
    }

    /// No kernel reads or writes past any buffer (guard pages after every input,
    /// output and gradient) or writes before one (guard bytes), in this row's own
    /// forward and backward or in any earlier row of `dtype` or of all dtypes.
    func checkGuardBytes(_ dtype: DType, earlier: [RowFault]) -> CheckResult {
        var faults = earlier.filter { $0.dtype == nil || $0.dtype == dtype }
        guard let values = sampleValues() else {
            if !faults.isEmpty { return guardFailure(faults, dtype) }
            return .skip(name, .guardBytes, dtype, missingSampleReason!)
        }
        return guarded(.guardBytes, dtype) {
            let (_, own) = try GuardedAllocation.checkingAccesses { try call(leaves(values, dtype)) }
            faults += own.map { RowFault(row: "this row's forward and backward", dtype: dtype, fault: $0) }
            if !faults.isEmpty { return guardFailure(faults, dtype) }
            return .pass(name, .guardBytes, dtype, """
                no access past any input, output or gradient buffer (guard pages after each), \
                nor write before one (\(GuardedAllocation.leadByteCount) guard bytes), in any row
                """)
        }
    }

    /// The first fault as the message; the others, once each, as details.
    private func guardFailure(_ faults: [RowFault], _ dtype: DType) -> CheckResult {
        var seen = Set<String>()
        let lines = faults.map(\.description).filter { seen.insert($0).inserted }
        let shown = 12
        var details = Array(lines.dropFirst().prefix(shown))
        if lines.count - 1 > shown { details.append("and \(lines.count - 1 - shown) more") }
        return .fail(name, .guardBytes, dtype, lines[0], details: details)
    }
}
