import Autograd

extension CheckContext {
    /// Every output against the reference expression, evaluated in float64 on the
    /// same (dtype-rounded) values, for the sample and each variant it describes;
    /// then against the cases of this op and dtype. Integer and bool outputs match exactly.
    func checkForward(_ dtype: DType) -> CheckResult {
        guarded(.forward, dtype) {
            var comparison = Comparison()
            var compared: [String] = []
            var notCompared: [String] = []
            if case .failure(let error)? = reference { return .fail(name, .forward, dtype, error.message) }
            if let expression = referenceExpression, let sample {
                let calls = [CallVariant(label: "the sample", inputs: sample.inputs, attributes: sample.attributes)] + variants
                var described = 0
                for call in calls {
                    let values = self.values(of: call.inputs).map { $0?.rounded(to: dtype) }
                    if let why = referenceMismatch(expression, attributes: call.attributes, values: values) {
                        notCompared.append("\(call.label): \(why)")
                        continue
                    }
                    let got: Outcome
                    do {
                        got = try evaluate(values, dtype, attributes: call.attributes, backward: false)
                    } catch where call.label != "the sample" && CallVariant.isNotApplicable(error) {
                        notCompared.append("\(call.label): not applicable to the sample (\(error))")
                        continue
                    }
                    let want = try evaluateReference(expression, values, attributes: call.attributes)
                    if let problem = referenceShapeProblem(expression, got: got.outputs, want: want) {
                        return .fail(name, .forward, dtype, "declaration error: \(problem)")
                    }
                    for k in want.indices {
                        let tolerance = outputTolerance(got.outputDTypes[k], running: dtype)
                        let c = Comparison.of(got: got.outputs[k].scalars, want: want[k].scalars.rounded(like: got.outputDTypes[k], dtype),
                                              tolerance: tolerance)
                        if !c.passed {
                            let label = call.label == "the sample" ? "" : "\(call.label): "
                            return .fail(name, .forward, dtype, """
                                \(label)\(got.outputs[k].describeIndex(c.worstIndex!, name: outputName(k, of: want.count))): \
                                got \(show(c.worstGot)), the reference \(ReferenceExpression.excerpt(expression.source)) gives \
                                \(show(c.worstWant)) (\(c.mismatches) of \(c.compared) differ)
                                """, comparison: c)
                        }
                        comparison.merge(c)
                    }
                    described += 1
                }
                if described > 0 {
                    compared.append("reference \(ReferenceExpression.excerpt(expression.source))"
                                    + (described > 1 ? " on \(described) calls" : ""))
                }
            }
            let cases = configuration.cases?.cases(op: name, dtype: dtype, rowDTypes: rowDTypes) ?? []
            for testCase in cases {
                let got = try evaluate(testCase.inputs, dtype, attributes: testCase.attributes, backward: false)
                guard got.outputs.count == testCase.outputs.count else {
                    return .fail(name, .forward, dtype, "case \(testCase.id): \(got.outputs.count) outputs; expected \(testCase.outputs.count)")
                }
                for (k, want) in testCase.outputs.enumerated() {
                    let label = outputName(k, of: want.count)
                    guard got.outputs[k].shape == want.shape else {
                        return .fail(name, .forward, dtype, "case \(testCase.id): \(label) has shape \(got.outputs[k].shape); expected \(want.shape)")
                    }
                    let c = Comparison.of(got: got.outputs[k].scalars, want: want.scalars,
                                          tolerance: want.isFloatingPoint ? .cases(dtype) : .exact)
                    if !c.passed {
                        return .fail(name, .forward, dtype, """
                            case \(testCase.id): \(got.outputs[k].describeIndex(c.worstIndex!, name: label)): got \(show(c.worstGot)), \
                            expected \(show(c.worstWant))
                            """, comparison: c)
                    }
                    comparison.merge(c)
                }
            }
            if !cases.isEmpty { compared.append("\(cases.count) case(s)") }
            if compared.isEmpty {
                let why = notCompared.first.map { "; \($0)" } ?? ""
                return .skip(name, .forward, dtype, """
                    nothing to compare with: no reference expression (declare `reference:` in the definition) and no cases \
                    for '\(name)' in \(dtype) (pass --cases FILE)\(why)
                    """)
            }
            var message = compared.joined(separator: "; ")
            if !notCompared.isEmpty { message += "; not compared with the reference: " + notCompared.joined(separator: "; ") }
            return .pass(name, .forward, dtype, message, comparison: comparison)
        }
    }
}

extension Array where Element == Double {
    /// A float64 reference's values as an output of `outputDType` computed in `running` holds them:
    /// rounded to float32 (where float64 may not have overflowed), integers as they are.
    func rounded(like outputDType: DType, _ running: DType) -> [Double] {
        outputDType == .float32 || (outputDType.isFloatingPoint && running == .float32) ? map { Double(Float($0)) } : self
    }
}
