import Autograd
import Conformance

extension FuzzTarget {
    /// The reference-expression parser: an input is an expression's text (invalid
    /// UTF-8 read with replacement characters), parsed and then walked as the
    /// checks walk it.
    static let referenceExpression = FuzzTarget(name: "reference-expression", maxLength: 512) { bytes in
        guard let expression = try? ReferenceExpression(String(decoding: bytes, as: UTF8.self)) else { return }
        _ = (expression.identifiers, expression.numbers, expression.functions, expression.outputCount)
    }
}
