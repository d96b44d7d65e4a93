import Conformance
import Testing

extension ReferenceCases.Case: CustomTestStringConvertible {
    /// The case in a test's name: id, op, dtype and input shapes.
    public var testDescription: String {
        "\(id) \(op) \(dtype) \(inputs.map { $0.map { "\($0.shape)" } ?? "nil" }.joined(separator: " "))"
    }
}
