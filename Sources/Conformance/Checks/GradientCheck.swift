import Autograd

extension CheckContext {
    /// gradcheck: every entry of the Jacobian of every floating output with respect
    /// to every differentiable input, from backward with one-hot upstream gradients,
    /// against central differences in float64, for the sample and each variant;
    /// then the cases' vector-Jacobian products. An op without a float64 kernel is
    /// checked in float32 against its reference in float64 (see `checkFloat32Gradient`).
    func checkGradient() -> CheckResult {
        guard isDifferentiable else { return .skip(name, .gradient, nil, "'\(name)' is not differentiable") }
        guard let sample, let values = sampleValues() else { return .skip(name, .gradient, nil, missingSampleReason!) }
        guard !differentiableSlots(values).isEmpty else {
            return .skip(name, .gradient, nil, "the sample has no floating input the op differentiates")
        }
        guard declaredDTypes.contains(.float64) else { return checkFloat32Gradient(values) }
        return guarded(.gradient, .float64) {
            var comparison = Comparison()
            var also: [String] = []
            let tolerance = configuration.finiteDifferenceTolerance
            let calls = [CallVariant(label: "the sample", inputs: sample.inputs, attributes: sample.attributes)] + variants
            for call in calls {
                let callValues = call.label == "the sample" ? values : self.values(of: call.inputs)
                let jacobians: [Jacobian]
                do {
                    jacobians = try self.jacobians(callValues, attributes: call.attributes)
                } catch where call.label != "the sample" && CallVariant.isNotApplicable(error) {
                    also.append("not \(call.label), which does not fit the sample (\(error))")
                    continue
                }
                if let failure = firstFailure(jacobians, values: callValues, tolerance: tolerance,
                                              label: call.label == "the sample" ? nil : call.label) {
                    return failure
                }
                for j in jacobians { comparison.merge(Comparison.of(got: j.analytical, want: j.numerical, tolerance: tolerance)) }
                if call.label != "the sample" { also.append(call.label) }
            }
            let wrt = differentiableSlots(values).map { definition.slotName($0, count: values.count) }
            var message = "Jacobians of \(wrt.joined(separator: ", ")) (\(comparison.compared) entries) match central differences"
            if !also.isEmpty { message += "; also " + also.joined(separator: "; ") }
            let cases = configuration.cases?.cases(op: name, dtype: .float64) ?? []
            for testCase in cases {
                if let failure = try caseGradientFailure(testCase, .float64) { return failure }
            }
            if !cases.isEmpty { message += "; \(cases.count) case(s)" }
            return .pass(name, .gradient, nil, message, comparison: comparison)
        }
    }

    /// The first Jacobian that differs from its numerical counterpart, as a failed row.
    func firstFailure(_ jacobians: [Jacobian], values: [TensorValues?], tolerance: Tolerance, label: String?,
                      against: String = "numerical") -> CheckResult? {
        for j in jacobians {
            let c = Comparison.of(got: j.analytical, want: j.numerical, tolerance: tolerance)
            guard !c.passed else { continue }
            let entry = c.worstIndex!
            let (row, column) = (entry / Swift.max(j.inputCount, 1), entry % Swift.max(j.inputCount, 1))
            let wrtName = definition.slotName(j.slot, count: values.count)
            let output = j.outputCount > 1 ? "out\(j.output)" : "out"
            let place = "d \(TensorValues.describeIndex(row, shape: j.outputShape, name: output)) / "
                + "d \(TensorValues.describeIndex(column, shape: values[j.slot]!.shape, name: wrtName))"
            return .fail(name, .gradient, j.dtype, """
                \(label.map { "\($0): " } ?? "")\(place): \(against) \(show(c.worstWant)), analytical \(show(c.worstGot)) \
                (\(c.mismatches) of \(c.compared) Jacobian entries differ)
                """, comparison: c, details: j.sideBySide(inputName: wrtName))
        }
        return nil
    }

    /// A case's vector-Jacobian products against backward with its upstream gradients.
    func caseGradientFailure(_ testCase: ReferenceCases.Case, _ dtype: DType) throws -> CheckResult? {
        let got = try evaluate(testCase.inputs, dtype, attributes: testCase.attributes, upstreams: testCase.upstreams)
        for (i, want) in testCase.grads.enumerated() {
            guard let want, i < got.grads.count, let g = got.grads[i] else { continue }
            let c = Comparison.of(got: g.scalars, want: want.scalars, tolerance: .cases(dtype))
            if !c.passed || g.shape != want.shape {
                let label = "grad of \(definition.slotName(i, count: testCase.inputs.count))"
                return .fail(name, .gradient, dtype, """
                    case \(testCase.id): \(want.describeIndex(c.worstIndex ?? 0, name: label)): \
                    got \(show(c.worstGot)), expected \(show(c.worstWant))
                    """, comparison: c)
            }
        }
        return nil
    }

    /// One input's Jacobian for one output, row-major [output element][input element], both ways.
    struct Jacobian {
        var slot: Int
        var output: Int
        var outputCount: Int
        var outputShape: [Int]
        var inputCount: Int
        var dtype: DType
        var analytical: [Double]
        var numerical: [Double]

        /// The two Jacobians side by side, for a small one.
        func sideBySide(inputName: String) -> [String] {
            let rows = analytical.count / Swift.max(inputCount, 1)
            guard rows * inputCount <= 144 else { return [] }
            var lines = ["Jacobian d out / d \(inputName): numerical | analytical, row per output element"]
            for r in 0..<rows {
                let numeric = (0..<inputCount).map { show(numerical[r * inputCount + $0]) }
                let analytic = (0..<inputCount).map { show(analytical[r * inputCount + $0]) }
                lines.append("out[\(r)]: " + numeric.joined(separator: " ") + " | " + analytic.joined(separator: " "))
            }
            return lines
        }
    }

    /// The Jacobians of the differentiable slots at `values`, analytical in `dtype`
    /// (by backward from one-hot upstream gradients) and numerical from `numerical`
    /// (by default central differences of the op in float64).
    func jacobians(_ values: [TensorValues?], attributes: [String: AttributeValue]? = nil, dtype: DType = .float64,
                   numerical: NumericalDerivative? = nil) throws -> [Jacobian] {
        let wrt = differentiableSlots(values)
        let inputs = leaves(values, dtype)
        let outputs = try op.checkedOutputs(inputs, attributes: attributes ?? self.attributes)
        let floating = outputs.indices.filter { outputs[$0].dtype.isFloatingPoint }
        var result: [Jacobian] = []
        for k in floating {
            var jacobian = wrt.map { slot in
                Jacobian(slot: slot, output: k, outputCount: outputs.count, outputShape: outputs[k].shape,
                         inputCount: values[slot]!.count, dtype: dtype, analytical: [], numerical: [])
            }
            for row in 0..<outputs[k].scalarCount {
                var grads: [Tensor?] = wrt.map { _ in nil }
                if outputs[k].requiresGrad {
                    var oneHot = [Double](repeating: 0, count: outputs[k].scalarCount)
                    oneHot[row] = 1
                    let u = Tensor(shape: outputs[k].shape, scalars: oneHot, dtype: outputs[k].dtype)
                    grads = try grad(of: [outputs[k]], wrt: wrt.map { inputs[$0]! }, gradOutputs: [u],
                                     retainGraph: true, allowUnused: true)
                }
                for (n, slot) in wrt.enumerated() {
                    jacobian[n].analytical += grads[n]?.scalars ?? [Double](repeating: 0, count: values[slot]!.count)
                }
            }
            result += jacobian
        }
        let derivative = numerical ?? NumericalDerivative(step: 1e-6) { try self.evaluate($0, .float64, attributes: attributes, backward: false).outputs }
        let columns = try derivative.columns(values, wrt: wrt)
        for n in result.indices {
            let j = result[n]
            let slotColumns = columns[wrt.firstIndex(of: j.slot)!]
            var numeric = [Double](repeating: 0, count: j.analytical.count)
            for (column, outputs) in slotColumns.enumerated() {
                let values = outputs[safe: j.output]?.scalars ?? []
                for row in values.indices { numeric[row * j.inputCount + column] = values[row] }
            }
            result[n].numerical = numeric
        }
        return result
    }
}
