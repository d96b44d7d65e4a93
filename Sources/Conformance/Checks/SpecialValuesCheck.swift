import Autograd

extension CheckContext {
    /// The op at values the sample's domain never reaches: 0, ±1, tiny and large
    /// finite numbers, numbers past ±2, NaN, ±Inf, and the points the reference
    /// makes special (its constants and the attributes' values, and next to them:
    /// clamp's bounds, hardswish's ±3). Every output must match the reference there
    /// (rounded to the dtype); an op with no reference that describes those values is
    /// compared, in float32, with its own float64 kernel. Reports the first input that differs.
    ///
    /// An elementwise op gets every special value at once (every pair, for two
    /// inputs); any other op one special value at a time, at the first, middle and
    /// last element of each floating input.
    func checkSpecialValues(_ dtype: DType) -> CheckResult {
        guard let sample, let values = sampleValues() else { return .skip(name, .specialValues, dtype, missingSampleReason!) }
        let floating = values.indices.filter { values[$0].map { $0.isFloatingPoint && $0.count > 0 } ?? false }
        guard !floating.isEmpty else { return .skip(name, .specialValues, dtype, "the sample has no floating input") }
        let oracle: SpecialValueOracle
        if let expression = referenceExpression, sample.referenceCoversSpecialValues,
           referenceMismatch(expression, attributes: attributes, values: values) == nil {
            oracle = .reference(expression)
        } else if dtype == .float32, declaredDTypes.contains(.float64) {
            oracle = .float64Kernel
        } else {
            let why = referenceExpression == nil ? "no reference expression (declare `reference:` in the definition)"
                : !sample.referenceCoversSpecialValues ? "the sample says its reference agrees on moderate values only"
                : "the reference does not describe the sample's call"
            return .skip(name, .specialValues, dtype, "\(why), and no float64 kernel to compare float32 with in this row")
        }
        return guarded(.specialValues, dtype) {
            let specials = specialValues(dtype)
            let calls = definition.isElementwise
                ? elementwiseSpecialCalls(values, floating: floating, specials: specials)
                : pointwiseSpecialCalls(values, floating: floating, specials: specials)
            var comparison = Comparison()
            var refused = 0
            for call in calls {
                let inputs = call.values.map { $0?.rounded(to: dtype) }
                let got: Outcome
                do {
                    got = try evaluate(inputs, dtype, backward: false)
                } catch {
                    // A value outside the op's domain may be an error (binary cross-entropy
                    // of -1, as in PyTorch): fine when the float64 kernel refuses it too.
                    guard case .float64Kernel = oracle, (try? evaluate(inputs, .float64, backward: false)) == nil else { throw error }
                    refused += 1
                    continue
                }
                let want: [TensorValues]
                switch oracle {
                case .reference(let expression):
                    want = try evaluateReference(expression, inputs)
                    if let problem = referenceShapeProblem(expression, got: got.outputs, want: want) {
                        return .fail(name, .specialValues, dtype, "declaration error: \(problem)")
                    }
                case .float64Kernel:
                    want = try evaluate(inputs, .float64, backward: false).outputs
                }
                for k in got.outputs.indices where k < want.count {
                    let c = Comparison.of(got: got.outputs[k].scalars, want: want[k].scalars.rounded(like: got.outputDTypes[k], dtype),
                                          tolerance: outputTolerance(got.outputDTypes[k], running: dtype))
                    if let first = c.firstMismatch {
                        return .fail(name, .specialValues, dtype, """
                            \(call.describe(first.index, definition: definition)): \
                            \(got.outputs[k].describeIndex(first.index, name: outputName(k, of: got.outputs.count))) is \
                            \(show(first.got)), \(oracle.name) gives \(show(first.want)) (\(c.mismatches) of \(c.compared) differ)
                            """, comparison: c)
                    }
                    comparison.merge(c)
                }
            }
            if refused == calls.count {
                return .skip(name, .specialValues, dtype, "both dtypes refuse every special value in \(calls.count) call(s)")
            }
            return .pass(name, .specialValues, dtype, """
                \(specials.count) special values (\(specials.prefix(16).map(show).joined(separator: ", "))\
                \(specials.count > 16 ? ", ..." : "")) in \(calls.count) call(s) match \(oracle.name)\
                \(refused > 0 ? " (\(refused) refused by both dtypes alike)" : "")
                """, comparison: comparison)
        }
    }

    /// What the special values are compared with.
    enum SpecialValueOracle {
        case reference(ReferenceExpression)
        case float64Kernel

        var name: String {
            switch self {
            case .reference(let expression): "the reference \(ReferenceExpression.excerpt(expression.source))"
            case .float64Kernel: "the float64 kernel"
            }
        }
    }

    /// One call of the check: its inputs, and where each special value sits.
    struct SpecialCall {
        var values: [TensorValues?]
        /// For an elementwise call, the output element's inputs are the same element of
        /// each input; otherwise the one special value placed.
        var placed: (slot: Int, element: Int, value: Double)?

        func describe(_ element: Int, definition: OpDefinition) -> String {
            if let placed {
                return "\(values[placed.slot]!.describeIndex(placed.element, name: definition.slotName(placed.slot, count: values.count))) = \(show(placed.value))"
            }
            let parts = values.indices.compactMap { i -> String? in
                guard let v = values[i], v.isFloatingPoint, element < v.count else { return nil }
                return "\(definition.slotName(i, count: values.count)) = \(show(v.scalars[element]))"
            }
            return "at " + parts.joined(separator: ", ")
        }
    }

    /// The values tried: 0, ±1, ±tiny, past ±2, ±large, NaN, ±Inf, then the
    /// reference's special points and their neighbours. Large is ±1e30 in float64
    /// and ±1e6 in float32, where a float64 oracle does not overflow in the
    /// intermediate results float32 would.
    func specialValues(_ dtype: DType) -> [Double] {
        let large = dtype == .float64 ? 1e30 : 1e6
        var values: [Double] = [0, 1, -1, 1e-30, -1e-30, 2.5, -2.5, 50, -50, large, -large, .nan, .infinity, -.infinity]
        var points: [Double] = []
        if let expression = referenceExpression {
            points += expression.numbers
            for name in expression.identifiers {
                switch resolvedAttributes(attributes)[name] {
                case .double(let v)?: points.append(v)
                case .int(let v)?: points.append(Double(v))
                default: break
                }
            }
        }
        for c in points where c.isFinite && Swift.abs(c) < 1e6 {
            let near = 1e-3 * Swift.max(Swift.abs(c), 1)
            for v in [c, -c, c - near, c + near] where !values.contains(where: { $0 == v || ($0.isNaN && v.isNaN) }) {
                values.append(v)
            }
        }
        return Array(values.prefix(48))
    }

    /// An elementwise op's calls: one input holding every special value; two, every
    /// pair; more, each input's special values beside the others' sample values.
    private func elementwiseSpecialCalls(_ values: [TensorValues?], floating: [Int], specials: [Double]) -> [SpecialCall] {
        let n = specials.count
        let columns: [[Double]]
        switch floating.count {
        case 1: columns = [specials]
        case 2: columns = [(0..<n * n).map { specials[$0 / n] }, (0..<n * n).map { specials[$0 % n] }]
        default:
            columns = floating.indices.map { f in
                (0..<(n * floating.count)).map { row in
                    row / n == f ? specials[row % n] : values[floating[f]]!.scalars[row % values[floating[f]]!.count]
                }
            }
        }
        let length = columns[0].count
        var g = generator(41)
        let call = values.enumerated().map { i, v -> TensorValues? in
            guard let v else { return nil }
            if let f = floating.firstIndex(of: i) { return TensorValues(shape: [length], scalars: columns[f]) }
            // A mask or index beside them: the sample's values, repeated.
            let repeated = (0..<length).map { _ in v.scalars.isEmpty ? 0 : v.scalars[Int(g.next() % UInt64(v.count))] }
            return TensorValues(shape: [length], scalars: repeated, dtype: v.dtype)
        }
        return [SpecialCall(values: call, placed: nil)]
    }

    /// Any other op's calls: one special value at a time, at the first, middle and
    /// last element of each floating input, the others at the sample's values.
    private func pointwiseSpecialCalls(_ values: [TensorValues?], floating: [Int], specials: [Double]) -> [SpecialCall] {
        var calls: [SpecialCall] = []
        for slot in floating {
            let count = values[slot]!.count
            for element in Set([0, count / 2, count - 1]).sorted() {
                for value in specials {
                    var call = values
                    call[slot]!.scalars[element] = value
                    calls.append(SpecialCall(values: call, placed: (slot, element, value)))
                }
            }
        }
        return calls
    }
}
