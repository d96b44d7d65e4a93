import Testing
import Autograd

/// Wrong input at `backward` and `grad(of:wrt:)`: each throws an `AutogradError` that
/// says what was wrong, and leaves every `grad` and the graph as they were, so the
/// right call still runs afterwards.
@Suite("bad input at backward and grad")
struct BadGraphInputTests {
    /// x [2, 3] requiring grad, and y = x * x, not yet differentiated.
    static func graph() -> (x: Tensor, y: Tensor) {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6], dtype: .float64, requiresGrad: true)
        return (x, x * x)
    }

    /// Expects `body` to throw an `AutogradError` of `kind` containing every fragment.
    static func refuse(
        _ kind: AutogradError.Kind, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record("expected a \(kind) error containing \(fragments)", sourceLocation: sourceLocation)
        } catch let error as AutogradError {
            #expect(error.kind == kind, "\(error.kind): \(error.message)", sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(error.message.contains(fragment), "\"\(error.message)\" lacks \"\(fragment)\"", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("expected an AutogradError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    /// After a refused call: no gradient was written, and the graph still differentiates.
    static func expectIntact(_ x: Tensor, _ y: Tensor, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(x.grad == nil, "a refused backward wrote x.grad", sourceLocation: sourceLocation)
        #expect(throws: Never.self, sourceLocation: sourceLocation) {
            try y.backward(gradient: Tensor.ones([2, 3], dtype: .float64))
        }
        #expect(x.grad?.scalars == [2, 4, 6, 8, 10, 12], sourceLocation: sourceLocation)
    }

    @Test("a gradient of the wrong shape, count, or dtype, or none for a non-scalar")
    func wrongGradients() {
        var (x, y) = Self.graph()
        Self.refuse(.shape, ["[2, 3]", "[3, 2]"]) { try y.backward(gradient: Tensor.ones([3, 2], dtype: .float64)) }
        Self.expectIntact(x, y)

        (x, y) = Self.graph()
        Self.refuse(.graph, ["[2, 3]"]) { try y.backward() }
        Self.expectIntact(x, y)

        (x, y) = Self.graph()
        Self.refuse(.dtype, ["bool"]) { try y.backward(gradient: Tensor.ones([2, 3], dtype: .bool)) }
        Self.expectIntact(x, y)

        (x, y) = Self.graph()
        Self.refuse(.shape, ["[]"]) { try y.backward(gradient: Tensor(1.0)) }
        Self.expectIntact(x, y)

        (x, y) = Self.graph()
        Self.refuse(.graph, ["1 outputs", "2 gradOutputs"]) {
            _ = try grad(of: [y], wrt: [x], gradOutputs: [Tensor.ones([2, 3], dtype: .float64), nil])
        }
        Self.expectIntact(x, y)
    }

    @Test("what does not require grad, what the outputs do not reach, and a freed graph")
    func wrongGraphs() {
        let plain = Tensor([1.0, 2.0])
        Self.refuse(.graph, ["does not require grad"]) { try (plain * 2).sum().backward() }

        var (x, y) = Self.graph()
        let unrelated = Tensor([3.0], requiresGrad: true)
        Self.refuse(.graph, ["not", "used"]) { _ = try grad(of: [y.sum()], wrt: [unrelated]) }
        #expect(unrelated.grad == nil)
        Self.expectIntact(x, y)

        (x, y) = Self.graph()
        let loss = y.sum()
        #expect(throws: Never.self) { try loss.backward() }
        let first = x.grad?.scalars
        Self.refuse(.graph, ["second time"]) { try loss.backward() }
        #expect(x.grad?.scalars == first, "a refused second backward changed the first's gradient")
    }

    @Test("NaN, empty and 0-d gradients run as PyTorch runs them")
    func oddButValid() throws {
        var (x, y) = Self.graph()
        try y.backward(gradient: Tensor(shape: [2, 3], scalars: [.nan, 1, 1, 1, 1, .infinity], dtype: .float64))
        let g = try #require(x.grad?.scalars)
        #expect(g[0].isNaN && g[1] == 4 && g[5] == .infinity)

        let empty = Tensor(shape: [0, 3], scalars: [Double](), dtype: .float64, requiresGrad: true)
        try (empty * 2).sum().backward()
        #expect(empty.grad?.shape == [0, 3])

        let scalar = Tensor(3.0, requiresGrad: true)
        (x, y) = (scalar, scalar * scalar)
        try y.backward(gradient: Tensor(2.0))
        #expect(scalar.grad?.scalars == [12])
    }
}
