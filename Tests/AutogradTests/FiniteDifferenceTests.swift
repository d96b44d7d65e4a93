import Conformance
import Testing
import Autograd
import TestSupport

/// gradcheck on every built-in op at the reference cases' inputs (which respect each
/// op's domain), with their attributes: every Jacobian entry of every differentiable
/// input, from backward, against central differences in float64, by the conformance
/// library's gradient check.
@Suite("Finite differences")
struct FiniteDifferenceTests {
    static let cases = ReferenceFixtures.formatOne.cases.filter { $0.dtype == .float64 }

    @Test("backward matches central differences", arguments: cases)
    func gradcheck(_ c: ReferenceCases.Case) throws {
        try expectChecksPass([.gradient], op: c.op, registry: .shared, sample: OpSample(case: c), values: c.inputs,
                             tolerance: Tolerance(absolute: 1e-6, relative: 1e-5), "\(c.id)")
    }
}
