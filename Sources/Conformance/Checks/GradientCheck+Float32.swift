import Autograd

extension CheckContext {
    /// The gradient of an op with no float64 kernel: its float32 Jacobians (every
    /// entry, from backward) against central differences of its reference evaluated
    /// in float64 on the same float32 values, with a tolerance for float32's
    /// rounding grown through a backward pass. Without a reference that describes
    /// the sample, against central differences of the op itself in float32 (a step
    /// of 1e-2 of each value's magnitude, a looser tolerance), which still catches
    /// a gradient that is wrong rather than imprecise. Then the float32 cases.
    func checkFloat32Gradient(_ values64: [TensorValues?]) -> CheckResult {
        guard declaredDTypes.contains(.float32) else {
            return .skip(name, .gradient, nil, "'\(name)' declares no floating kernel to differentiate")
        }
        return guarded(.gradient, .float32) {
            let values = values64.map { $0?.rounded(to: .float32) }
            let numerical: NumericalDerivative
            let against: String
            let looseness: Double
            if let expression = referenceExpression, referenceMismatch(expression, attributes: attributes, values: values) == nil {
                numerical = NumericalDerivative(step: 1e-6) { try self.evaluateReference(expression, $0) }
                against = "numerical (central differences of the reference in float64)"
                looseness = 1
            } else {
                numerical = NumericalDerivative(step: 1e-2, relative: true) {
                    try self.evaluate($0, .float32, backward: false).outputs
                }
                against = "numerical (central differences of the op in float32; no reference describes the sample)"
                looseness = 25
            }
            let jacobians = try self.jacobians(values, dtype: .float32, numerical: numerical)
            var comparison = Comparison()
            for j in jacobians {
                let scale = j.numerical.map { Swift.abs($0) }.filter(\.isFinite).max() ?? 1
                let base = Tolerance.float32Derivative(scale: scale)
                let tolerance = Tolerance(absolute: base.absolute * looseness, relative: base.relative * looseness)
                if let failure = firstFailure([j], values: values, tolerance: tolerance, label: nil, against: against) {
                    return failure
                }
                comparison.merge(Comparison.of(got: j.analytical, want: j.numerical, tolerance: tolerance))
            }
            var message = "float32 Jacobians (\(comparison.compared) entries; no float64 kernel) match \(against)"
            let cases = configuration.cases?.cases(op: name, dtype: .float32) ?? []
            for testCase in cases {
                if let failure = try caseGradientFailure(testCase, .float32) { return failure }
            }
            if !cases.isEmpty { message += "; \(cases.count) case(s)" }
            return .pass(name, .gradient, .float32, message, comparison: comparison)
        }
    }
}
