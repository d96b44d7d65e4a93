import Autograd

extension CheckContext {
    /// 0-d inputs give the result of the same values as 1-element tensors.
    func checkZeroDim(_ dtype: DType) -> CheckResult {
        guard let sample else { return .skip(name, .zeroDim, dtype, missingSampleReason!) }
        guard let variant = sample.zeroDim else {
            return .skip(name, .zeroDim, dtype, "'\(name)' takes no 0-d inputs (its sample has no 0-d variant)")
        }
        return guarded(.zeroDim, dtype) {
            let values = self.values(shapes: variant.shapes, salt: 5)
            let canonical = values.map { $0.shape.isEmpty ? TensorValues(shape: [1], scalars: $0.scalars) : $0 }
            let attrs = variant.attributes ?? attributes
            let got = try evaluate(values, dtype, attributes: attrs)
            if definition.isElementwise, variant.shapes.allSatisfy(\.isEmpty), !got.output.shape.isEmpty {
                return .fail(name, .zeroDim, dtype, "0-d inputs gave an output of shape \(got.output.shape); expected 0-d")
            }
            let want = try evaluate(canonical, dtype, attributes: attrs)
            let (c, problem) = compare(got, want, tolerance: .forward(dtype), flattenShapes: true)
            if let problem { return .fail(name, .zeroDim, dtype, "0-d inputs: \(problem)", comparison: c) }
            return .pass(name, .zeroDim, dtype, "shapes \(variant.shapes) match 1-element inputs", comparison: c)
        }
    }

    /// A zero-length dimension runs forward and backward; with a reference, the
    /// output matches it.
    func checkEmptyDim(_ dtype: DType) -> CheckResult {
        guard let sample else { return .skip(name, .emptyDim, dtype, missingSampleReason!) }
        guard let variant = sample.emptyDim else {
            return .skip(name, .emptyDim, dtype, "its sample has no zero-length variant")
        }
        return guarded(.emptyDim, dtype) {
            let values = self.values(shapes: variant.shapes, salt: 6)
            let attrs = variant.attributes ?? attributes
            let got = try evaluate(values, dtype, attributes: attrs)
            var message = "shapes \(variant.shapes) give output \(got.output.shape) and gradients"
            if case .success(let expression)? = reference {
                let want = try evaluateReference(expression, values, attributes: attrs)
                let c = Comparison.of(got: got.output.scalars, want: want.scalars, tolerance: .forward(dtype))
                guard got.output.shape == want.shape, c.passed else {
                    return .fail(name, .emptyDim, dtype, "output \(got.output.shape) \(got.output.scalars); the reference gives \(want.shape) \(want.scalars)")
                }
                message += "; matches the reference"
                return .pass(name, .emptyDim, dtype, message, comparison: c)
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
            var broadcastShape: [Int]? = variant.shapes.first
            for next in variant.shapes.dropFirst() { broadcastShape = broadcastShape.flatMap { TensorValues.broadcast($0, next) } }
            guard let shape = broadcastShape else {
                return .fail(name, .broadcast, dtype, "the sample's shapes \(variant.shapes) do not broadcast")
            }
            let attrs = variant.attributes ?? attributes
            let got = try evaluate(values, dtype, attributes: attrs)
            var want = try evaluate(values.map { $0.broadcast(to: shape) }, dtype, attributes: attrs)
            want.grads = zip(want.grads, values).map { g, v in g?.summed(to: v.shape) }
            let (c, problem) = compare(got, want, tolerance: .forward(dtype))
            if let problem { return .fail(name, .broadcast, dtype, "shapes \(variant.shapes): \(problem)", comparison: c) }
            return .pass(name, .broadcast, dtype, "shapes \(variant.shapes) match inputs materialised to \(shape)", comparison: c)
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
                ("expanded", { v in expandable ? StridedViews.expanded(v, dtype) : nil }),
            ]
            for (layout, make) in variants {
                let views = values.map(make)
                guard views.contains(where: { $0 != nil }) else { continue }
                let logical = zip(views, values).map { $0?.1 ?? $1 }
                let inputs = zip(views, leaves(logical, dtype)).enumerated().map { i, pair -> Tensor in
                    guard let view = pair.0?.0 else { return pair.1 }
                    view.requiresGrad = isDifferentiable(input: i)
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
        return guarded(.upstreamLayout, dtype) {
            let shape = try op.call(leaves(values, dtype, requiringGrad: false), attributes: attributes).shape
            guard !shape.isEmpty, !shape.contains(0) else {
                return .skip(name, .upstreamLayout, dtype, "the output has shape \(shape): an upstream gradient has one layout")
            }
            let u = upstream(shape: shape, salt: 8)
            var comparison = Comparison()
            var layouts: [String] = []
            let variants: [(String, (Tensor, TensorValues)?)] = [
                ("stride-0 (expanded)", StridedViews.expanded(u, dtype) ?? StridedViews.broadcastScalar(u, dtype)),
                ("transposed", StridedViews.transposed(u, dtype).map { ($0, u) }),
                ("sliced", StridedViews.sliced(u, dtype).map { ($0, u) }),
            ]
            for case let (layout, (view, logical)?) in variants {
                let got = outcome(of: try call(leaves(values, dtype), upstream: { _ in view }))
                let want = outcome(of: try call(leaves(values, dtype), upstream: { _ in logical.tensor(dtype) }))
                let (c, problem) = compare(got, want, tolerance: .forward(dtype))
                if let problem { return .fail(name, .upstreamLayout, dtype, "\(layout) upstream gradient: \(problem)", comparison: c) }
                comparison.merge(c)
                layouts.append(layout)
            }
            return .pass(name, .upstreamLayout, dtype, layouts.joined(separator: ", ") + " upstream gradients match a contiguous one",
                         comparison: comparison)
        }
    }
}
