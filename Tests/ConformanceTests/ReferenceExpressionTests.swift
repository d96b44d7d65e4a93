import Autograd
import Conformance
import Testing
import TestSupport

@Suite struct ReferenceExpressionTests {
    let registry = OpRegistry.withBuiltins()

    func evaluate(_ text: String, x: [Double], attributes: [String: AttributeValue] = [:]) throws -> [Double] {
        let input = Tensor(shape: [x.count], scalars: x, dtype: .float64)
        return try ReferenceExpression(text).evaluate(inputs: ["x": input], attributes: attributes, registry: registry).scalars
    }

    @Test func precedenceFollowsPython() throws {
        #expect(try evaluate("-x ** 2", x: [3]) == [-9])
        #expect(try evaluate("2 ** -1 * x", x: [3]) == [1.5])
        #expect(try evaluate("2 ** 3 ** 2 + 0 * x", x: [0]) == [512])
        #expect(try evaluate("1 - x - 1", x: [5]) == [-5])
        #expect(try evaluate("(1 + x) / 2 * 4", x: [1]) == [4])
    }

    @Test func callsOpsWithAttributes() throws {
        let softplus = try evaluate("log(1 + exp(beta * x)) / beta", x: [0], attributes: ["beta": 2.0])
        expectClose(softplus, [Double.log(2) / 2], atol: 1e-15, rtol: 0, "softplus(0)")
        #expect(try evaluate("sum(x, dims=[0], keepdim=true)", x: [1, 2, 3]) == [6])
        let gelu = try evaluate("0.5 * x * (1 + tanh(0.7978845608 * (x + 0.044715 * x ** 3)))", x: [1])
        expectClose(gelu, [0.8411919906], atol: 1e-9, rtol: 0, "gelu(1)")
    }

    @Test func rejectsMalformedText() {
        #expect(throws: ReferenceExpression.Error.self) { try ReferenceExpression("exp(x") }
        #expect(throws: ReferenceExpression.Error.self) { try ReferenceExpression("x $ 2") }
        #expect(throws: ReferenceExpression.Error.self) { try ReferenceExpression("x 2") }
        #expect(throws: ReferenceExpression.Error.self) { try evaluate("y + 1", x: [1]) }
        #expect(throws: ReferenceExpression.Error.self) { try evaluate("nosuchop(x)", x: [1]) }
    }

    /// A reference too deep or too long is a declaration error, not a stack overflow.
    @Test func refusesReferencesTooDeepOrTooLong() {
        let chain = Array(repeating: "x", count: 262_145).joined(separator: " + ")
        #expect { try ReferenceExpression(chain) } throws: { error in
            "\(error)".contains("tokens") && "\(error)".count < 400
        }
        let nested = String(repeating: "(", count: 300) + "x" + String(repeating: ")", count: 300)
        #expect { try ReferenceExpression(nested) } throws: { error in "\(error)".contains("nests deeper than") }
        let sum = Array(repeating: "x", count: 500).joined(separator: " + ")
        #expect { try ReferenceExpression(sum) } throws: { error in "\(error)".contains("nests deeper than") }
        #expect(throws: Never.self) { try ReferenceExpression("exp(-abs(x)) * (1 + x) / (2 - x) ** 2") }
    }

    @Test func givesOneOutputPerTopLevelExpression() throws {
        let expression = try ReferenceExpression("x * 2, -x")
        #expect(expression.outputCount == 2)
        let input = Tensor(shape: [2], scalars: [1, -3], dtype: .float64)
        let outputs = try expression.evaluateOutputs(inputs: ["x": input], attributes: [:], registry: registry)
        #expect(outputs.map(\.scalars) == [[2, -6], [-1, 3]])
    }

    @Test func keepsIndicesAsInt64() throws {
        let x = Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6], dtype: .float32)
        let rows = Tensor(shape: [2], scalars: [2, 0], dtype: .int64)
        let result = try ReferenceExpression("index_select(x, rows, dim=0)")
            .evaluate(inputs: ["x": x, "rows": rows], attributes: [:], registry: registry)
        #expect(result.dtype == .float64 && result.scalars == [5, 6, 1, 2])
    }

    @Test func reportsNamesItUses() throws {
        let expression = try ReferenceExpression("log(1 + exp(beta * x)) / beta")
        #expect(expression.identifiers == ["beta", "x"])
        #expect(expression.functions == ["log", "exp"])
    }
}
