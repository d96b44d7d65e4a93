@_spi(Conformance) import Autograd

/// What one call of the op gave: every output and, per input slot, its gradient.
struct Outcome {
    var outputs: [TensorValues]
    var outputDTypes: [DType]
    /// Nil for a slot that is not differentiable (or when backward did not run).
    var grads: [TensorValues?]
    var gradDTypes: [DType?]

    /// Every value, outputs first, for comparisons that do not care which is which.
    var allValues: [Double] {
        outputs.flatMap(\.scalars) + grads.flatMap { $0?.scalars ?? [] }
    }
}

extension CheckContext {
    /// New leaf tensors holding `values` in `dtype` (floating values; the others keep
    /// theirs); differentiable floating inputs require grad.
    func leaves(_ values: [TensorValues?], _ dtype: DType, requiringGrad: Bool = true) -> [Tensor?] {
        values.enumerated().map { i, v in
            v?.tensor(dtype, requiresGrad: requiringGrad && isDifferentiable(slot: i, count: values.count, values: v))
        }
    }

    /// The seeded upstream gradient of output `k`.
    func upstream(output k: Int, shape: [Int]) -> TensorValues {
        upstream(shape: shape, salt: 2 &+ 97 &* UInt64(k))
    }

    /// Calls the op on `inputs` and, when an output requires grad, runs backward
    /// from every floating output with `upstream` (by default a seeded gradient of
    /// each output's shape). Integer and bool outputs take no upstream gradient.
    func call(_ inputs: [Tensor?], attributes: [String: AttributeValue]? = nil,
              upstream: ((Int, Tensor) -> Tensor)? = nil, backward: Bool = true) throws -> (outputs: [Tensor], grads: [Tensor?]) {
        let outputs = try op.checkedOutputs(inputs, attributes: attributes ?? self.attributes)
        var grads = [Tensor?](repeating: nil, count: inputs.count)
        let wrt = inputs.indices.filter { inputs[$0]?.requiresGrad == true }
        let used = outputs.indices.filter { outputs[$0].dtype.isFloatingPoint && outputs[$0].requiresGrad }
        guard backward, !wrt.isEmpty, !used.isEmpty else { return (outputs, grads) }
        let upstreams = used.map { k in
            upstream?(k, outputs[k]) ?? self.upstream(output: k, shape: outputs[k].shape).tensor(outputs[k].dtype)
        }
        if GuardedAllocation.isActive {
            for (k, g) in zip(used, upstreams) {
                GuardedAllocation.label(g, as: "the upstream gradient of " + outputName(k, of: outputs.count))
            }
        }
        let computed = try grad(of: used.map { outputs[$0] }, wrt: wrt.map { inputs[$0]! }, gradOutputs: upstreams,
                                allowUnused: true)
        for (slot, i) in wrt.enumerated() {
            grads[i] = computed[slot] ?? Tensor.zeros(inputs[i]!.shape, dtype: inputs[i]!.dtype)
        }
        return (outputs, grads)
    }

    /// `call` on new leaves holding `values`, reduced to values.
    func evaluate(_ values: [TensorValues?], _ dtype: DType, attributes: [String: AttributeValue]? = nil,
                  upstreams: [TensorValues?]? = nil, backward: Bool = true) throws -> Outcome {
        let upstream: ((Int, Tensor) -> Tensor)? = upstreams.map { given in
            { k, output in (given[safe: k] ?? nil)?.tensor(output.dtype) ?? Tensor.zeros(output.shape, dtype: output.dtype) }
        }
        return try outcome(of: call(leaves(values, dtype, requiringGrad: backward), attributes: attributes, upstream: upstream,
                                    backward: backward))
    }

    func outcome(of run: (outputs: [Tensor], grads: [Tensor?])) -> Outcome {
        Outcome(outputs: run.outputs.map(TensorValues.init), outputDTypes: run.outputs.map(\.dtype),
                grads: run.grads.map { $0.map(TensorValues.init) }, gradDTypes: run.grads.map { $0?.dtype })
    }

    /// `output` for a one-output op, `output 1` for the second of several.
    func outputName(_ k: Int, of count: Int) -> String {
        count == 1 ? "output" : "output \(k)"
    }

    /// Compares two outcomes element by element: each output (int64 and bool ones
    /// exactly), then each gradient. Returns the comparison and, when shapes or
    /// dtypes differ or it fails, what differs.
    ///
    /// - Parameters:
    ///   - got: the outcome under test.
    ///   - want: the expected outcome.
    ///   - tolerance: the tolerance for floating-point elements.
    ///   - flattenShapes: compare elements in row-major order when the shapes differ but the counts agree.
    ///   - only: compare the outputs and the gradients of these slots (all by default).
    ///   - gradientsOnly: compare just the gradients of these slots.
    func compare(_ got: Outcome, _ want: Outcome, tolerance: Tolerance, flattenShapes: Bool = false,
                 only: Set<Int>? = nil, gradientsOnly: Set<Int>? = nil) -> (Comparison, String?) {
        var comparison = Comparison()
        guard got.outputs.count == want.outputs.count else {
            return (comparison, "\(got.outputs.count) outputs; expected \(want.outputs.count)")
        }
        let count = got.grads.count
        let selected = gradientsOnly ?? only ?? Set(got.grads.indices)
        var parts: [(String, TensorValues, TensorValues, Tolerance)] = []
        if gradientsOnly == nil {
            for k in got.outputs.indices {
                if got.outputDTypes[k] != want.outputDTypes[k] {
                    return (comparison, "\(outputName(k, of: got.outputs.count)) is \(got.outputDTypes[k]); expected \(want.outputDTypes[k])")
                }
                let exact = !got.outputDTypes[k].isFloatingPoint
                parts.append((outputName(k, of: got.outputs.count), got.outputs[k], want.outputs[k], exact ? .exact : tolerance))
            }
        }
        for (i, pair) in zip(got.grads, want.grads).enumerated() where selected.contains(i) {
            if (pair.0 == nil) != (pair.1 == nil) {
                return (comparison, "grad of \(definition.slotName(i, count: count)) is \(pair.0 == nil ? "missing" : "present") here but not in the run compared with")
            }
            guard let g = pair.0, let w = pair.1 else { continue }
            parts.append(("grad of \(definition.slotName(i, count: count))", g, w, tolerance))
        }
        for (label, g, w, partTolerance) in parts {
            guard g.count == w.count, flattenShapes || g.shape == w.shape else {
                return (comparison, "\(label) has shape \(g.shape); expected \(w.shape)")
            }
            let c = Comparison.of(got: g.scalars, want: w.scalars, tolerance: partTolerance)
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
