import Autograd

extension CheckContext {
    /// 0-d inputs give the result of the same values as 1-element tensors.
    func checkZeroDim(_ dtype: DType) -> CheckResult {
        guard let sample else { return .skip(name, .zeroDim, dtype, missingSampleReason!) }
        guard let variant = sample.zeroDim else {
            return .skip(name, .zeroDim, dtype, "'\(name)' takes no 0-d inputs (its sample has no 0-d variant, and none was accepted)")
        }
        return guarded(.zeroDim, dtype) {
            let values = self.values(shapes: variant.shapes, salt: 5)
            let canonical = values.map { v in v.map { $0.shape.isEmpty ? TensorValues(shape: [1], scalars: $0.scalars, dtype: $0.dtype) : $0 } }
            let attrs = variant.attributes ?? attributes
            let got = try evaluate(values, dtype, attributes: attrs)
            if definition.isElementwise, variant.shapes.allSatisfy({ $0?.isEmpty ?? true }), let first = got.outputs.first,
               !first.shape.isEmpty {
                return .fail(name, .zeroDim, dtype, "0-d inputs gave an output of shape \(first.shape); expected 0-d")
            }
            let want = try evaluate(canonical, dtype, attributes: attrs)
            let (c, problem) = compare(got, want, tolerance: .forward(dtype), flattenShapes: true)
            if let problem { return .fail(name, .zeroDim, dtype, "0-d inputs: \(problem)", comparison: c) }
            return .pass(name, .zeroDim, dtype, "shapes \(describe(variant.shapes)) match 1-element inputs", comparison: c)
        }
    }

    /// A zero-length dimension runs forward and backward; with a reference, the
    /// outputs match it.
    func checkEmptyDim(_ dtype: DType) -> CheckResult {
        guard let sample else { return .skip(name, .emptyDim, dtype, missingSampleReason!) }
        guard let variant = sample.emptyDim else {
            return .skip(name, .emptyDim, dtype, "its sample has no zero-length variant, and none was accepted")
        }
        return guarded(.emptyDim, dtype) {
            let values = self.values(shapes: variant.shapes, salt: 6)
            let attrs = variant.attributes ?? attributes
            let got = try evaluate(values, dtype, attributes: attrs)
            var message = "shapes \(describe(variant.shapes)) give outputs \(got.outputs.map(\.shape)) and gradients"
            if let expression = referenceExpression, referenceMismatch(expression, attributes: attrs, values: values) == nil {
                let want = try evaluateReference(expression, values, attributes: attrs)
                if let problem = referenceShapeProblem(expression, got: got.outputs, want: want) {
                    return .fail(name, .emptyDim, dtype, problem)
                }
                var comparison = Comparison()
                for k in want.indices {
                    let c = Comparison.of(got: got.outputs[k].scalars, want: want[k].scalars.rounded(like: got.outputDTypes[k], dtype),
                                          tolerance: outputTolerance(got.outputDTypes[k], running: dtype))
                    guard c.passed else {
                        return .fail(name, .emptyDim, dtype, "\(outputName(k, of: want.count)) \(got.outputs[k].scalars); the reference gives \(want[k].scalars)")
                    }
                    comparison.merge(c)
                }
                message += "; matches the reference"
                return .pass(name, .emptyDim, dtype, message, comparison: comparison)
            }
            return .pass(name, .emptyDim, dtype, message)
        }
    }

    /// Inputs that broadcast give the result of inputs materialised to the output
    /// shape, with gradients summed back.
    func checkBroadcast(_ dtype: DType) -> CheckResult {
        guard definition.isElementwise else {
            return .skip(name, .broadcast, dtype, "'\(name)' is not elementwise")
        }
        guard let variant = sample?.broadcast else {
            return .skip(name, .broadcast, dtype, "'\(name)' has one input: nothing to broadcast against")
        }
        return guarded(.broadcast, dtype) {
            let values = self.values(shapes: variant.shapes, salt: 7)
            var broadcastShape: [Int]?
            for next in variant.shapes.compactMap({ $0 }) {
                broadcastShape = broadcastShape.map { TensorValues.broadcast($0, next) } ?? next
                if broadcastShape == nil { break }
            }
            guard let shape = broadcastShape else {
                return .fail(name, .broadcast, dtype, "the sample's shapes \(describe(variant.shapes)) do not broadcast")
            }
            let attrs = variant.attributes ?? attributes
            let got = try evaluate(values, dtype, attributes: attrs)
            var want = try evaluate(values.map { $0?.broadcast(to: shape) }, dtype, attributes: attrs)
            want.grads = zip(want.grads, values).map { g, v in v.flatMap { v in g?.summed(to: v.shape) } }
            let (c, problem) = compare(got, want, tolerance: .forward(dtype))
            if let problem { return .fail(name, .broadcast, dtype, "shapes \(describe(variant.shapes)): \(problem)", comparison: c) }
            return .pass(name, .broadcast, dtype, "shapes \(describe(variant.shapes)) match inputs materialised to \(shape)", comparison: c)
        }
    }

    /// Transposed, sliced and expanded input views give the contiguous result.
    func checkNonContiguous(_ dtype: DType) -> CheckResult {
        guard let values = sampleValues() else { return .skip(name, .nonContiguous, dtype, missingSampleReason!) }
        return guarded(.nonContiguous, dtype) {
            var comparison = Comparison()
            var layouts: [String] = []
            let expandable = sample?.allowsExpandedInputs ?? false
            let variants: [(String, (TensorValues) -> (Tensor, TensorValues)?)] = [
                ("transposed", { v in StridedViews.transposed(v, dtype).map { ($0, v) } }),
                ("sliced", { v in StridedViews.sliced(v, dtype).map { ($0, v) } }),
                // Expanded indices would repeat rows: fine for an index, but a mask or index
                // the op reads per row is as good contiguous.
                ("expanded", { v in expandable && v.isFloatingPoint ? StridedViews.expanded(v, dtype) : nil }),
            ]
            for (layout, make) in variants {
                let views = values.map { $0.flatMap(make) }
                guard views.contains(where: { $0 != nil }) else { continue }
                let logical = zip(views, values).map { $0?.1 ?? $1 }
                let plain = leaves(logical, dtype)
                let inputs = zip(views, plain).enumerated().map { i, pair -> Tensor? in
                    guard let view = pair.0?.0 else { return pair.1 }
                    view.requiresGrad = isDifferentiable(slot: i, count: values.count, values: logical[i])
                    return view
                }
                let got = outcome(of: try call(inputs))
                let want = try evaluate(logical, dtype)
                let (c, problem) = compare(got, want, tolerance: .forward(dtype))
                if let problem { return .fail(name, .nonContiguous, dtype, "\(layout) inputs: \(problem)", comparison: c) }
                comparison.merge(c)
                layouts.append(layout)
            }
            guard !layouts.isEmpty else { return .skip(name, .nonContiguous, dtype, "no input has a dim to lay out differently") }
            return .pass(name, .nonContiguous, dtype, layouts.joined(separator: ", ") + " inputs match contiguous ones",
                         comparison: comparison)
        }
    }

    /// Non-contiguous and stride-0 upstream gradients give the gradients of a contiguous one.
    func checkUpstreamLayout(_ dtype: DType) -> CheckResult {
        guard isDifferentiable else { return .skip(name, .upstreamLayout, dtype, "'\(name)' is not differentiable") }
        guard let values = sampleValues() else { return .skip(name, .upstreamLayout, dtype, missingSampleReason!) }
        guard !differentiableSlots(values).isEmpty else {
            return .skip(name, .upstreamLayout, dtype, "the sample has no floating input the op differentiates")
        }
        return guarded(.upstreamLayout, dtype) {
            let outputs = try op.checkedOutputs(leaves(values, dtype, requiringGrad: false), attributes: attributes)
            let shaped = outputs.indices.filter { k in
                outputs[k].dtype.isFloatingPoint && !outputs[k].shape.isEmpty && !outputs[k].shape.contains(0)
            }
            guard !shaped.isEmpty else {
                return .skip(name, .upstreamLayout, dtype,
                             "the outputs have shapes \(outputs.map(\.shape)): an upstream gradient has one layout")
            }
            var comparison = Comparison()
            var layouts: [String] = []
            // Each upstream gradient in its output's dtype (`to` changes it).
            let makers: [(String, (TensorValues, DType) -> (Tensor, TensorValues)?)] = [
                ("stride-0 (expanded)", { u, d in StridedViews.expanded(u, d) ?? StridedViews.broadcastScalar(u, d) }),
                ("transposed", { u, d in StridedViews.transposed(u, d).map { ($0, u) } }),
                ("sliced", { u, d in StridedViews.sliced(u, d).map { ($0, u) } }),
            ]
            for (layout, make) in makers {
                var views: [Int: (Tensor, TensorValues)] = [:]
                for k in shaped {
                    if let view = make(upstream(output: k, shape: outputs[k].shape), outputs[k].dtype) { views[k] = view }
                }
                guard !views.isEmpty else { continue }
                let got = outcome(of: try call(leaves(values, dtype), upstream: { k, output in
                    views[k]?.0 ?? self.upstream(output: k, shape: output.shape).tensor(output.dtype)
                }))
                let want = outcome(of: try call(leaves(values, dtype), upstream: { k, output in
                    (views[k]?.1 ?? self.upstream(output: k, shape: output.shape)).tensor(output.dtype)
                }))
                let (c, problem) = compare(got, want, tolerance: .forward(dtype))
                if let problem { return .fail(name, .upstreamLayout, dtype, "\(layout) upstream gradient: \(problem)", comparison: c) }
                comparison.merge(c)
                layouts.append(layout)
            }
            return .pass(name, .upstreamLayout, dtype, layouts.joined(separator: ", ") + " upstream gradients match a contiguous one",
                         comparison: comparison)
        }
    }

    /// `[[3, 4], nil]` as `[3, 4], omitted`.
    func describe(_ shapes: [[Int]?]) -> String {
        "[" + shapes.map { $0.map { "\($0)" } ?? "omitted" }.joined(separator: ", ") + "]"
    }
}
