import Autograd

extension CheckContext {
    /// The forward-mode rule (`jvp`), through the public `jvp` and `vjp`, in float64
    /// (float32 for an op without a float64 kernel), for the sample and each variant:
    ///
    /// 1. every column of the Jacobian, J·eⱼ for a one-hot tangent per input
    ///    element, against central differences (so every element is checked);
    /// 2. J·t for a random tangent against central differences along t (a rule
    ///    that is not linear in its tangent passes one-hot columns);
    /// 3. the dot-product identity ⟨v, J·t⟩ = ⟨Jᵀ·v, t⟩ with the reverse rule, for a
    ///    random cotangent v; when it fails, the side farther from central
    ///    differences is the wrong one, and a wrong reverse rule is the gradient row's.
    ///
    /// A differentiable op without a forward rule fails. A rule the definition
    /// derives from its backward (`OpDefinition.isForwardModeFromBackward`: a plugin
    /// op, elementwise or with backward formulas) has its values checked by the
    /// gradient row; here the derivation is.
    func checkForwardMode() -> CheckResult {
        guard isDifferentiable else { return .skip(name, .forwardMode, nil, "'\(name)' is not differentiable") }
        guard let sample, let values = sampleValues() else { return .skip(name, .forwardMode, nil, missingSampleReason!) }
        guard !differentiableSlots(values).isEmpty else {
            return .skip(name, .forwardMode, nil, "the sample has no floating input the op differentiates")
        }
        guard definition.jvp != nil || definition.forward.isDecomposition else {
            return .fail(name, .forwardMode, nil, """
                '\(name)' is differentiable but has no forward-mode rule, so jvp cannot pass through it: declare \
                `jvp: .linear` (an op linear in its differentiable inputs), `jvp: .rule { ctx in ... }`, or an elementwise \
                `derivative: .partials { ... }` from which both rules follow
                """)
        }
        guard let dtype = [DType.float64, .float32].first(where: { declaredDTypes.contains($0) }) else {
            return .skip(name, .forwardMode, nil, "'\(name)' declares no floating kernel")
        }
        return guarded(.forwardMode, dtype) {
            var comparison = Comparison()
            var notes: [String] = []
            var also: [String] = []
            let calls = [CallVariant(label: "the sample", inputs: sample.inputs, attributes: sample.attributes)]
                + (dtype == .float64 ? variants : [])
            for call in calls {
                let callValues = (call.label == "the sample" ? values : self.values(of: call.inputs)).map { $0?.rounded(to: dtype) }
                let label = call.label == "the sample" ? "" : "\(call.label): "
                let outcome: ForwardModeOutcome
                do {
                    outcome = try forwardModeOutcome(callValues, attributes: call.attributes, dtype: dtype)
                } catch where call.label != "the sample" && CallVariant.isNotApplicable(error) {
                    notes.append("\(call.label): not applicable (\(error))")
                    continue
                }
                if let failure = outcome.failure {
                    if definition.isForwardModeFromBackward {
                        notes.append(label + "J·t differs from central differences as Jᵀ·v must too (the rule is the backward's; see the gradient row): " + failure)
                    } else {
                        return .fail(name, .forwardMode, dtype, label + failure, comparison: outcome.comparison)
                    }
                }
                if let note = outcome.note { notes.append(label + note) }
                comparison.merge(outcome.comparison)
                if !label.isEmpty { also.append(call.label) }
            }
            var message = definition.isForwardModeFromBackward
                ? "the rule derives from the backward (an elementwise op's J = Jᵀ; formulas by the double-backward trick); "
                : ""
            message += "J·t matches central differences in \(dtype) for every one-hot and a random tangent "
                + "(\(comparison.compared) values); ⟨v, J·t⟩ = ⟨Jᵀ·v, t⟩ with the reverse rule"
            if !also.isEmpty { message += "; also " + also.joined(separator: "; ") }
            if !notes.isEmpty { message += "; " + notes.joined(separator: "; ") }
            return .pass(name, .forwardMode, dtype, message, comparison: comparison)
        }
    }

    /// What the three comparisons of one call found.
    struct ForwardModeOutcome {
        var comparison = Comparison()
        /// What makes the forward rule wrong, if anything.
        var failure: String?
        /// What is wrong elsewhere (the reverse rule), for the message.
        var note: String?
    }

    private func forwardModeOutcome(_ values: [TensorValues?], attributes: [String: AttributeValue],
                                    dtype: DType) throws -> ForwardModeOutcome {
        var outcome = ForwardModeOutcome()
        let wrt = differentiableSlots(values)
        let constants = leaves(values, dtype, requiringGrad: false)
        let primals = wrt.map { values[$0]!.tensor(dtype) }
        let function: ([Tensor]) throws -> [Tensor] = { xs in
            var all = constants
            for (n, slot) in wrt.enumerated() { all[slot] = xs[n] }
            return try self.op.checkedOutputs(all, attributes: attributes)
        }
        let numerical = numericalDerivative(for: values, attributes: attributes, dtype: dtype)
        let tolerance = derivativeTolerance(dtype, numerical: numerical)

        // 1. One-hot tangents: the Jacobian column by column.
        let columns = try numerical.derivative.columns(values, wrt: wrt)
        for (n, slot) in wrt.enumerated() {
            for element in 0..<values[slot]!.count {
                var tangents = primals.map { Tensor.zeros($0.shape, dtype: dtype) }
                var oneHot = [Double](repeating: 0, count: values[slot]!.count)
                oneHot[element] = 1
                tangents[n] = Tensor(shape: values[slot]!.shape, scalars: oneHot, dtype: dtype)
                let (outputs, jv) = try jvp(function, primals: primals, tangents: tangents)
                for k in outputs.indices where outputs[k].dtype.isFloatingPoint {
                    let want = columns[n][element][k].scalars
                    let got = jv[k]?.scalars ?? [Double](repeating: 0, count: want.count)
                    let c = Comparison.of(got: got, want: want, tolerance: tolerance(want))
                    if !c.passed && outcome.failure == nil {
                        let wrtName = definition.slotName(slot, count: values.count)
                        outcome.failure = """
                            d \(TensorValues.describeIndex(c.worstIndex!, shape: outputs[k].shape, name: outputName(k, of: outputs.count))) \
                            / d \(values[slot]!.describeIndex(element, name: wrtName)): J·t with a one-hot tangent gives \
                            \(show(c.worstGot)), \(numerical.name) \(show(c.worstWant)) (\(c.mismatches) of \(c.compared) differ)
                            """
                    }
                    outcome.comparison.merge(c)
                }
            }
        }
        guard outcome.failure == nil else { return outcome }

        // 2 and 3. A random tangent: linearity, and the identity with the reverse rule.
        let tangents = wrt.enumerated().map { n, slot in upstream(shape: values[slot]!.shape, salt: 31 &+ UInt64(n)).tensor(dtype) }
        let (outputs, jv) = try jvp(function, primals: primals, tangents: tangents)
        let floating = outputs.indices.filter { outputs[$0].dtype.isFloatingPoint }
        var along = values
        var back = values
        let h = numerical.derivative.step
        for (n, slot) in wrt.enumerated() {
            let t = tangents[n].scalars
            along[slot]!.scalars = zip(values[slot]!.scalars, t).map { $0 + h * $1 }
            back[slot]!.scalars = zip(values[slot]!.scalars, t).map { $0 - h * $1 }
        }
        let f1 = try numerical.derivative.function(along), f0 = try numerical.derivative.function(back)
        let cotangents = floating.map { upstream(output: $0, shape: outputs[$0].shape).tensor(dtype) }
        var jvDot = 0.0, numericalDot = 0.0, scale = 0.0
        for (m, k) in floating.enumerated() {
            let want = zip(f1[k].scalars, f0[k].scalars).map { ($0 - $1) / (2 * h) }
            let got = jv[k]?.scalars ?? [Double](repeating: 0, count: want.count)
            let c = Comparison.of(got: got, want: want, tolerance: tolerance(want))
            if !c.passed {
                let place = TensorValues.describeIndex(c.worstIndex!, shape: outputs[k].shape, name: outputName(k, of: outputs.count))
                outcome.failure = """
                    J·t for a random tangent: \(place) is \(show(c.worstGot)), \(numerical.name) along t give \
                    \(show(c.worstWant)): the rule is right one element at a time but not linear in its tangent
                    """
                return outcome
            }
            outcome.comparison.merge(c)
            let v = cotangents[m].scalars
            for i in v.indices {
                jvDot += v[i] * got[i]
                numericalDot += v[i] * want[i]
                scale += Swift.abs(v[i] * got[i])
            }
        }
        let floatingFunction: ([Tensor]) throws -> [Tensor] = { xs in
            let all = try function(xs)
            return floating.map { all[$0] }
        }
        let (_, vjps) = try vjp(floatingFunction, primals: primals, cotangents: cotangents)
        var vjpDot = 0.0
        for (n, t) in tangents.enumerated() {
            let g = vjps[n]?.scalars ?? []
            for (a, b) in zip(g, t.scalars) {
                vjpDot += a * b
                scale += Swift.abs(a * b)
            }
        }
        let allowed = (dtype == .float64 ? 1e-9 : 1e-4) * Swift.max(scale, 1e-3)
        if Swift.abs(jvDot - vjpDot) > allowed {
            let description = "⟨v, J·t⟩ = \(show(jvDot)) but ⟨Jᵀ·v, t⟩ = \(show(vjpDot)) (\(numerical.name): \(show(numericalDot)))"
            if Swift.abs(jvDot - numericalDot) <= Swift.abs(vjpDot - numericalDot) {
                outcome.note = "the reverse rule disagrees: " + description + "; see the gradient row"
            } else {
                outcome.failure = "the dot-product identity fails and the forward rule is the side farther from central differences: " + description
            }
        }
        return outcome
    }

    /// Central differences to compare derivatives with: of the op in float64; for a
    /// float32-only op, of its reference in float64 when one describes the call, else
    /// of the op in float32 with a larger step.
    func numericalDerivative(for values: [TensorValues?], attributes: [String: AttributeValue],
                             dtype: DType) -> (derivative: NumericalDerivative, name: String, looseness: Double) {
        if dtype == .float64 {
            return (NumericalDerivative(step: 1e-6) { try self.evaluate($0, .float64, attributes: attributes, backward: false).outputs },
                    "central differences", 1)
        }
        if let expression = referenceExpression, referenceMismatch(expression, attributes: attributes, values: values) == nil {
            return (NumericalDerivative(step: 1e-6) { try self.evaluateReference(expression, $0, attributes: attributes) },
                    "central differences of the reference in float64", 1)
        }
        return (NumericalDerivative(step: 1e-2, relative: true) {
            try self.evaluate($0, .float32, attributes: attributes, backward: false).outputs
        }, "central differences of the op in float32", 25)
    }

    /// The tolerance for derivatives in `dtype` against `numerical`, given the values compared.
    private func derivativeTolerance(
        _ dtype: DType, numerical: (derivative: NumericalDerivative, name: String, looseness: Double)
    ) -> ([Double]) -> Tolerance {
        { want in
            guard dtype == .float32 else { return self.configuration.finiteDifferenceTolerance }
            let scale = want.map { Swift.abs($0) }.filter(\.isFinite).max() ?? 1
            let base = Tolerance.float32Derivative(scale: scale)
            return Tolerance(absolute: base.absolute * numerical.looseness, relative: base.relative * numerical.looseness)
        }
    }
}
