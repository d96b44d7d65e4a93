@_spi(Conformance) import Autograd

/// An access past a buffer, and the row during which it happened.
struct RowFault {
    /// `forward (float32)`, or `samples` for the calls that found the sample.
    var row: String
    /// The row's dtype; nil for a row over all dtypes.
    var dtype: DType?
    var fault: GuardedAllocation.Fault

    var description: String { "\(fault) during \(row)" }
}

extension Op {
    /// `callOutputs`, with each input's buffer named (`input x`) for the guard-page report.
    func checkedOutputs(_ inputs: [Tensor?], attributes: [String: AttributeValue]) throws -> [Tensor] {
        if GuardedAllocation.isActive {
            for (i, input) in inputs.enumerated() {
                guard let input else { continue }
                GuardedAllocation.label(input, as: "input " + definition.slotName(i, count: inputs.count))
            }
        }
        return try callOutputs(inputs, attributes: attributes)
    }
}
