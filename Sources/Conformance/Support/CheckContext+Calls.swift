import Autograd

/// What one call of the op gave: the output and, per input, its gradient.
struct Outcome {
    var output: TensorValues
    var outputDType: DType
    /// Nil for an input that is not differentiable (or when backward did not run).
    var grads: [TensorValues?]
    var gradDTypes: [DType?]

    /// Every value, output first, for comparisons that do not care which is which.
    var allValues: [Double] {
        output.scalars + grads.flatMap { $0?.scalars ?? [] }
    }
}

extension CheckContext {
    /// New leaf tensors holding `values` in `dtype`; differentiable inputs require grad.
    func leaves(_ values: [TensorValues], _ dtype: DType, requiringGrad: Bool = true) -> [Tensor] {
        values.enumerated().map { i, v in
            v.tensor(dtype, requiresGrad: requiringGrad && isDifferentiable(input: i))
        }
    }

    /// Calls the op on `inputs` and, when it is differentiable, runs backward with
    /// `upstream` (by default a seeded gradient of the output's shape).
    func call(_ inputs: [Tensor], attributes: [String: AttributeValue]? = nil,
              upstream: ((Tensor) -> Tensor)? = nil, backward: Bool = true) throws -> (output: Tensor, grads: [Tensor?]) {
        let output = try op.call(inputs, attributes: attributes ?? self.attributes)
        var grads = [Tensor?](repeating: nil, count: inputs.count)
        let wrt = inputs.indices.filter { inputs[$0].requiresGrad }
        guard backward, output.requiresGrad, !wrt.isEmpty else { return (output, grads) }
        let u = upstream?(output) ?? self.upstream(shape: output.shape).tensor(output.dtype)
        let computed = try grad(of: [output], wrt: wrt.map { inputs[$0] }, gradOutputs: [u], allowUnused: true)
        for (slot, i) in wrt.enumerated() {
            grads[i] = computed[slot] ?? Tensor.zeros(inputs[i].shape, dtype: inputs[i].dtype)
        }
        return (output, grads)
    }

    /// `call` on new leaves holding `values`, reduced to values.
    func evaluate(_ values: [TensorValues], _ dtype: DType, attributes: [String: AttributeValue]? = nil,
                  upstream: TensorValues? = nil, backward: Bool = true) throws -> Outcome {
        try outcome(of: call(leaves(values, dtype), attributes: attributes,
                             upstream: upstream.map { u in { _ in u.tensor(dtype) } }, backward: backward))
    }

    func outcome(of run: (output: Tensor, grads: [Tensor?])) -> Outcome {
        Outcome(output: TensorValues(run.output), outputDType: run.output.dtype,
                grads: run.grads.map { $0.map(TensorValues.init) }, gradDTypes: run.grads.map { $0?.dtype })
    }

    /// Compares two outcomes element by element: output, then each gradient.
    /// Returns the comparison and, when shapes differ or it fails, what differs.
    ///
    /// - Parameters:
    ///   - only: compare the output and the gradients of these inputs (all by default).
    ///   - gradientsOnly: compare just the gradients of these inputs.
    func compare(_ got: Outcome, _ want: Outcome, tolerance: Tolerance, flattenShapes: Bool = false,
                 only: Set<Int>? = nil, gradientsOnly: Set<Int>? = nil) -> (Comparison, String?) {
        var comparison = Comparison()
        let selected = gradientsOnly ?? only ?? Set(got.grads.indices)
        let parts = (gradientsOnly == nil ? [("output", got.output, want.output)] : [])
            + zip(got.grads, want.grads).enumerated().compactMap { i, pair -> (String, TensorValues, TensorValues)? in
                guard selected.contains(i), let g = pair.0, let w = pair.1 else { return nil }
                return ("grad of \(definition.inputNames[i])", g, w)
            }
        for (i, pair) in zip(got.grads, want.grads).enumerated() where (pair.0 == nil) != (pair.1 == nil) {
            return (comparison, "grad of \(definition.inputNames[i]) is \(pair.0 == nil ? "missing" : "present") here but not in the contiguous run")
        }
        for (label, g, w) in parts {
            guard g.count == w.count, flattenShapes || g.shape == w.shape else {
                return (comparison, "\(label) has shape \(g.shape); expected \(w.shape)")
            }
            let c = Comparison.of(got: g.scalars, want: w.scalars, tolerance: tolerance)
            if !c.passed && comparison.passed {
                comparison.merge(c)
                let index = w.describeIndex(c.worstIndex!, name: label)
                return (comparison, "\(index): got \(show(c.worstGot)), expected \(show(c.worstWant)) (\(c.mismatches) of \(c.compared) elements differ)")
            }
            comparison.merge(c)
        }
        return (comparison, nil)
    }

    /// Runs `body`, turning a thrown error into a failed row.
    func guarded(_ check: ConformanceCheck, _ dtype: DType?, _ body: () throws -> CheckResult) -> CheckResult {
        do {
            return try body()
        } catch {
            return .fail(name, check, dtype, "threw: \(error)")
        }
    }
}
