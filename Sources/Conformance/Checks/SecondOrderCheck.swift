import Autograd

extension CheckContext {
    /// gradgradcheck for an op that claims higher order: for fixed upstream
    /// gradients u (one per floating output) and directions v, d/dx of
    /// sum(grad(x; u) · v) from the recorded backward against central differences
    /// of the first-order gradient, for every input element. For an op that claims
    /// none, a second derivative must be a thrown error naming the op.
    func checkSecondOrder() -> CheckResult {
        guard isDifferentiable else { return .skip(name, .secondOrder, nil, "'\(name)' is not differentiable") }
        guard declaredDTypes.contains(.float64) else {
            return .skip(name, .secondOrder, nil, "gradgradcheck runs in float64; '\(name)' declares no float64 kernel")
        }
        guard let values = sampleValues() else { return .skip(name, .secondOrder, nil, missingSampleReason!) }
        let wrt = differentiableSlots(values)
        guard !wrt.isEmpty else { return .skip(name, .secondOrder, nil, "the sample has no floating input the op differentiates") }
        if !definition.supportsHigherOrder {
            return checkSecondOrderRefused(values, wrt: wrt)
        }
        return guarded(.secondOrder, .float64) {
            let directions = wrt.enumerated().map { n, slot in upstream(shape: values[slot]!.shape, salt: 3 &+ 7 &* UInt64(n)) }
            let analytical = try secondOrderAnalytical(values, wrt: wrt, directions: directions)
            var comparison = Comparison()
            let step = 1e-6
            for (n, slot) in wrt.enumerated() {
                var numerical: [Double] = []
                for k in 0..<values[slot]!.count {
                    var plus = values, minus = values
                    plus[slot]!.scalars[k] += step
                    minus[slot]!.scalars[k] -= step
                    let s1 = try directionalGradient(plus, wrt: wrt, directions: directions)
                    let s0 = try directionalGradient(minus, wrt: wrt, directions: directions)
                    numerical.append((s1 - s0) / (2 * step))
                }
                let c = Comparison.of(got: analytical[n], want: numerical, tolerance: configuration.finiteDifferenceTolerance)
                if !c.passed {
                    let index = values[slot]!.describeIndex(c.worstIndex!, name: definition.slotName(slot, count: values.count))
                    return .fail(name, .secondOrder, nil, """
                        d/d\(index) of sum(grad · v): numerical \(show(c.worstWant)), analytical \(show(c.worstGot)) \
                        (\(c.mismatches) of \(c.compared) differ)
                        """, comparison: c)
                }
                comparison.merge(c)
            }
            return .pass(name, .secondOrder, nil, "second derivatives of \(comparison.compared) input elements match central differences",
                         comparison: comparison)
        }
    }

    /// sum over inputs of grad(x; u) · v, with the first-order gradient computed without a graph.
    private func directionalGradient(_ values: [TensorValues?], wrt: [Int], directions: [TensorValues]) throws -> Double {
        let (_, grads) = try call(leaves(values, .float64))
        var total = 0.0
        for (n, slot) in wrt.enumerated() {
            let g = grads[slot]?.scalars ?? []
            for (a, b) in zip(g, directions[n].scalars) { total += a * b }
        }
        return total
    }

    /// The first-order gradients with the graph recorded, from every floating output.
    private func firstOrder(_ inputs: [Tensor?], wrt: [Int]) throws -> [Tensor?] {
        let outputs = try op.checkedOutputs(inputs, attributes: attributes)
        let used = outputs.indices.filter { outputs[$0].dtype.isFloatingPoint && outputs[$0].requiresGrad }
        guard !used.isEmpty else { return wrt.map { _ in nil } }
        return try grad(of: used.map { outputs[$0] }, wrt: wrt.map { inputs[$0]! },
                        gradOutputs: used.map { upstream(output: $0, shape: outputs[$0].shape).tensor(.float64) },
                        createGraph: true, allowUnused: true)
    }

    /// d/dx of sum(grad(x; u) · v) through the recorded backward, per input in `wrt`.
    private func secondOrderAnalytical(_ values: [TensorValues?], wrt: [Int], directions: [TensorValues]) throws -> [[Double]] {
        let inputs = leaves(values, .float64)
        let firsts = try firstOrder(inputs, wrt: wrt)
        var terms: [Tensor] = []
        for (n, g) in firsts.enumerated() {
            guard let g, g.requiresGrad else { continue }
            terms.append((g * directions[n].tensor(.float64)).sum())
        }
        let zeros = wrt.map { [Double](repeating: 0, count: values[$0]!.count) }
        guard var total = terms.first else { return zeros }
        for term in terms.dropFirst() { total = total + term }
        let second = try grad(of: [total], wrt: wrt.map { inputs[$0]! }, allowUnused: true)
        return zip(second, zeros).map { $0?.scalars ?? $1 }
    }

    /// An op without higher order: differentiating its gradient must throw an error naming the op.
    private func checkSecondOrderRefused(_ values: [TensorValues?], wrt: [Int]) -> CheckResult {
        let inputs = leaves(values, .float64)
        do {
            let terms = try firstOrder(inputs, wrt: wrt).compactMap { $0 }.map { $0.sum() }
            guard var total = terms.first else {
                return .fail(name, .secondOrder, nil, "claims no higher order, yet createGraph: true returned no gradient and no error")
            }
            for term in terms.dropFirst() { total = total + term }
            _ = try grad(of: [total], wrt: wrt.map { inputs[$0]! }, allowUnused: true)
            return .fail(name, .secondOrder, nil, """
                claims no higher order (supportsHigherOrder: false), yet a second derivative was returned \
                without an error: it would be silently wrong
                """)
        } catch {
            let message = "\(error)"
            guard message.contains(name) else {
                return .fail(name, .secondOrder, nil, "claims no higher order; asking for one threw an error that does not name the op: \(message)")
            }
            return .pass(name, .secondOrder, nil, "claims no higher order; asking for one throws: \(message)")
        }
    }
}
