import Testing
@testable import Autograd

/// Central finite differences in float64 against every built-in op's backward,
/// on the reference cases' inputs (which respect each op's domain): every element
/// of every differentiable input, for a random upstream gradient.
@Suite("Finite differences")
struct FiniteDifferenceTests {
    static let cases = ReferenceCase.vjp.filter { $0.dtype == "float64" }

    @Test("backward matches central differences", arguments: cases)
    func gradcheck(_ c: ReferenceCase) throws {
        let base = c.inputs.map { $0.values }
        let upstream = c.upstream.values
        func objective(_ values: [[Double]]) throws -> Double {
            let inputs = values.indices.map { c.input($0, .float64, values: values[$0]) }
            let out = try OpRegistry.shared.call(c.op, inputs, attributes: c.attributes)
            return zip(out.scalars, upstream).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let inputs = c.differentiable.indices.map { c.input($0, .float64, requiresGrad: c.differentiable[$0]) }
        let output = try OpRegistry.shared.call(c.op, inputs, attributes: c.attributes)
        try output.backward(gradient: c.upstream.tensor(.float64))
        let h = 1e-6
        for (i, differentiable) in c.differentiable.enumerated() where differentiable {
            let analytic = try #require(inputs[i].grad).scalars
            var numeric: [Double] = []
            for j in base[i].indices {
                var plus = base, minus = base
                plus[i][j] += h
                minus[i][j] -= h
                numeric.append((try objective(plus) - objective(minus)) / (2 * h))
            }
            expectClose(analytic, numeric, atol: 1e-6, rtol: 1e-5, "\(c.id) input \(i)")
        }
    }
}
