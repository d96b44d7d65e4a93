import Autograd

extension CheckContext {
    /// The forward against the reference expression, evaluated in float64 on the
    /// same (dtype-rounded) values, and against the cases of this op and dtype.
    func checkForward(_ dtype: DType) -> CheckResult {
        guarded(.forward, dtype) {
            var comparison = Comparison()
            var compared: [String] = []
            switch reference {
            case .failure(let error)?:
                return .fail(name, .forward, dtype, error.message)
            case .success(let expression)?:
                guard let values = sampleValues()?.map({ $0.rounded(to: dtype) }) else {
                    return .skip(name, .forward, dtype, missingSampleReason!)
                }
                let got = try evaluate(values, dtype, backward: false).output
                let want = try evaluateReference(expression, values)
                guard got.shape == want.shape else {
                    return .fail(name, .forward, dtype, "output shape \(got.shape); the reference \(expression) gives \(want.shape)")
                }
                let c = Comparison.of(got: got.scalars, want: want.scalars, tolerance: .forward(dtype))
                if !c.passed {
                    return .fail(name, .forward, dtype, """
                        \(got.describeIndex(c.worstIndex!, name: "output")): got \(show(c.worstGot)), \
                        the reference \(expression) gives \(show(c.worstWant)) (\(c.mismatches) of \(c.compared) differ)
                        """, comparison: c)
                }
                comparison.merge(c)
                compared.append("reference \(expression)")
            case nil:
                break
            }
            let cases = configuration.cases?.cases(op: name, dtype: dtype) ?? []
            for testCase in cases {
                let got = try evaluate(testCase.inputs, dtype, attributes: testCase.attributes, backward: false).output
                guard got.shape == testCase.output.shape else {
                    return .fail(name, .forward, dtype, "case \(testCase.id): output shape \(got.shape); expected \(testCase.output.shape)")
                }
                let c = Comparison.of(got: got.scalars, want: testCase.output.scalars, tolerance: .cases(dtype))
                if !c.passed {
                    return .fail(name, .forward, dtype, """
                        case \(testCase.id): \(got.describeIndex(c.worstIndex!, name: "output")): got \(show(c.worstGot)), \
                        expected \(show(c.worstWant))
                        """, comparison: c)
                }
                comparison.merge(c)
            }
            if !cases.isEmpty { compared.append("\(cases.count) case(s)") }
            if compared.isEmpty {
                return .skip(name, .forward, dtype, "no reference expression and no cases for '\(name)' in \(dtype) (pass --cases FILE)")
            }
            return .pass(name, .forward, dtype, compared.joined(separator: "; "), comparison: comparison)
        }
    }

    /// The reference on `values`, in float64.
    func evaluateReference(_ expression: ReferenceExpression, _ values: [TensorValues],
                           attributes: [String: AttributeValue]? = nil) throws -> TensorValues {
        let inputs = Dictionary(uniqueKeysWithValues: zip(definition.inputNames, values.map { $0.tensor(.float64) }))
        let result = try expression.evaluate(inputs: inputs, attributes: resolvedAttributes(attributes ?? self.attributes),
                                             registry: registry)
        return TensorValues(result)
    }
}
