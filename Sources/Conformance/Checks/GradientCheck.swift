import Autograd

extension CheckContext {
    /// gradcheck: every entry of the Jacobian of every differentiable input, from
    /// backward with one-hot upstream gradients, against central differences in
    /// float64; then the cases' vector-Jacobian products.
    func checkGradient() -> CheckResult {
        guard isDifferentiable else { return .skip(name, .gradient, nil, "'\(name)' is not differentiable") }
        guard declaredDTypes.contains(.float64) else {
            return .skip(name, .gradient, nil, "gradcheck runs in float64; '\(name)' declares no float64 kernel")
        }
        guard let values = sampleValues() else { return .skip(name, .gradient, nil, missingSampleReason!) }
        return guarded(.gradient, .float64) {
            let wrt = values.indices.filter { isDifferentiable(input: $0) }
            let jacobians = try self.jacobians(values, wrt: wrt)
            var comparison = Comparison()
            for j in jacobians {
                let c = Comparison.of(got: j.analytical, want: j.numerical, tolerance: .finiteDifference)
                if !c.passed {
                    let entry = c.worstIndex!
                    let (row, column) = (entry / j.inputCount, entry % j.inputCount)
                    let wrtName = definition.inputNames[j.input]
                    let where_ = "d \(TensorValues.describeIndex(row, shape: j.outputShape, name: "out")) / "
                        + "d \(TensorValues.describeIndex(column, shape: values[j.input].shape, name: wrtName))"
                    return .fail(name, .gradient, nil, """
                        \(where_): numerical \(show(c.worstWant)), analytical \(show(c.worstGot)) \
                        (\(c.mismatches) of \(c.compared) Jacobian entries differ)
                        """, comparison: c, details: j.sideBySide(inputName: wrtName))
                }
                comparison.merge(c)
            }
            var message = "Jacobians of \(wrt.map { definition.inputNames[$0] }.joined(separator: ", ")) (\(comparison.compared) entries) match central differences"
            let cases = configuration.cases?.cases(op: name, dtype: .float64) ?? []
            for testCase in cases {
                let got = try evaluate(testCase.inputs, .float64, attributes: testCase.attributes, upstream: testCase.upstream)
                for (i, want) in testCase.grads.enumerated() {
                    guard let want, let g = got.grads[i] else { continue }
                    let c = Comparison.of(got: g.scalars, want: want.scalars, tolerance: .cases(.float64))
                    if !c.passed || g.shape != want.shape {
                        return .fail(name, .gradient, nil, """
                            case \(testCase.id): \(want.describeIndex(c.worstIndex ?? 0, name: "grad of \(definition.inputNames[i])")): \
                            got \(show(c.worstGot)), expected \(show(c.worstWant))
                            """, comparison: c)
                    }
                }
            }
            if !cases.isEmpty { message += "; \(cases.count) case(s)" }
            return .pass(name, .gradient, nil, message, comparison: comparison)
        }
    }

    /// One input's Jacobian, row-major [output element][input element], both ways.
    struct Jacobian {
        var input: Int
        var outputShape: [Int]
        var inputCount: Int
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

    /// The Jacobians of the inputs `wrt` at `values`, in float64.
    func jacobians(_ values: [TensorValues], wrt: [Int], step: Double = 1e-6) throws -> [Jacobian] {
        let inputs = leaves(values, .float64)
        let output = try op.call(inputs, attributes: attributes)
        let outputCount = output.scalarCount
        var result = wrt.map { i in
            Jacobian(input: i, outputShape: output.shape, inputCount: values[i].count,
                     analytical: [], numerical: [Double](repeating: 0, count: outputCount * values[i].count))
        }
        for row in 0..<outputCount {
            var oneHot = [Double](repeating: 0, count: outputCount)
            oneHot[row] = 1
            let u = TensorValues(shape: output.shape, scalars: oneHot).tensor(.float64)
            let grads = try grad(of: [output], wrt: wrt.map { inputs[$0] }, gradOutputs: [u],
                                 retainGraph: true, allowUnused: true)
            for (slot, i) in wrt.enumerated() {
                result[slot].analytical += grads[slot]?.scalars ?? [Double](repeating: 0, count: values[i].count)
            }
        }
        for (slot, i) in wrt.enumerated() {
            for column in 0..<values[i].count {
                var plus = values, minus = values
                plus[i].scalars[column] += step
                minus[i].scalars[column] -= step
                let f1 = try evaluate(plus, .float64, backward: false).output.scalars
                let f0 = try evaluate(minus, .float64, backward: false).output.scalars
                for row in 0..<outputCount {
                    result[slot].numerical[row * values[i].count + column] = (f1[row] - f0[row]) / (2 * step)
                }
            }
        }
        return result
    }
}
