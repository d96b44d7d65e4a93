import Autograd

extension CheckContext {
    /// NaN, +Inf and (outside positive domains) -Inf in every floating input: the
    /// output is NaN, infinite or finite exactly where the reference's is.
    func checkSpecialValues(_ dtype: DType) -> CheckResult {
        guard let sample, let values = sampleValues() else { return .skip(name, .specialValues, dtype, missingSampleReason!) }
        guard case .success(let expression)? = reference else {
            return .skip(name, .specialValues, dtype, "no reference expression to compare NaN and Inf propagation with")
        }
        if definition.reference == nil, !sample.referenceCoversSpecialValues {
            return .skip(name, .specialValues, dtype, "the sample's reference \(expression) agrees with '\(name)' on finite values only")
        }
        return guarded(.specialValues, dtype) {
            var special = values
            var injected = 0
            for i in special.indices {
                let specials = sample.inputs[i].domain.specialValues
                guard special[i].count > specials.count else { continue }
                for (k, value) in specials.enumerated() {
                    special[i].scalars[(i + k * 2) % special[i].count] = value
                    injected += 1
                }
            }
            guard injected > 0 else { return .skip(name, .specialValues, dtype, "no input takes special values") }
            let rounded = special.map { $0.rounded(to: dtype) }
            let got = try evaluate(rounded, dtype, backward: false).output
            let want = try evaluateReference(expression, rounded)
            let c = Comparison.of(got: got.scalars, want: want.scalars, tolerance: .forward(dtype))
            if !c.passed || got.shape != want.shape {
                let index = want.describeIndex(c.worstIndex ?? 0, name: "output")
                return .fail(name, .specialValues, dtype, "\(index): got \(show(c.worstGot)), the reference gives \(show(c.worstWant))",
                             comparison: c)
            }
            return .pass(name, .specialValues, dtype, "\(injected) NaN/Inf inputs propagate as in \(expression)", comparison: c)
        }
    }
}
