import Autograd

extension CheckContext {
    /// A call with at least `largeElementCount` elements in an input, forward and
    /// backward, against the same op run on three uneven pieces of it: catches
    /// chunking, vector-tail and threading bugs that small inputs never reach.
    func checkLarge(_ dtype: DType) -> CheckResult {
        guard let sample else { return .skip(name, .large, dtype, missingSampleReason!) }
        guard let variant = sample.large else {
            return .skip(name, .large, dtype, "its sample has no large variant, and no dim whose rows the op treats independently was found")
        }
        return guarded(.large, dtype) {
            let split = variant.splitInputs.sorted()
            let rowWidth = (variant.shapes[split[0]] ?? []).filter { $0 != -1 }.reduce(1, *)
            // Three more than a round number, so no power-of-two chunking lines up.
            let rows = (configuration.largeElementCount + rowWidth - 1) / rowWidth + 3
            let shapes = variant.shapes.map { $0?.map { $0 == -1 ? rows : $0 } }
            let attrs = variant.attributes ?? attributes
            let values = self.values(shapes: shapes, salt: 9)
            // The whole call's backward takes the seeded upstream gradients, which the pieces then cut.
            let fullRun = try evaluate(values, dtype, attributes: attrs)
            var upstreams: [Int: TensorValues] = [:]
            for k in fullRun.outputDTypes.indices where fullRun.outputDTypes[k].isFloatingPoint {
                upstreams[k] = upstream(output: k, shape: fullRun.outputs[k].shape)
            }

            let bounds = [0, rows / 3, 2 * rows / 3 + 1, rows]
            var outputs = [[TensorValues]](repeating: [], count: fullRun.outputs.count)
            var grads = [[TensorValues]](repeating: [], count: values.count)
            for p in 0..<3 {
                let range = bounds[p]..<bounds[p + 1]
                let pieceValues = values.enumerated().map { i, v in variant.splitInputs.contains(i) ? v?.sliced(dim: 0, range) : v }
                var pieceUpstreams: [TensorValues?] = fullRun.outputs.map { _ in nil }
                for (k, u) in upstreams {
                    switch variant.combination {
                    case .concatenate(let dim):
                        // The output's dim may hold a fixed number of elements per input row (reshape).
                        let perRow = u.shape[dim] / rows
                        pieceUpstreams[k] = u.sliced(dim: dim, (range.lowerBound * perRow)..<(range.upperBound * perRow))
                    case .mean:
                        pieceUpstreams[k] = TensorValues(shape: u.shape, scalars: u.scalars.map { $0 * Double(range.count) / Double(rows) })
                    }
                }
                let piece = try evaluate(pieceValues, dtype, attributes: attrs, upstreams: pieceUpstreams)
                for k in piece.outputs.indices { outputs[k].append(piece.outputs[k]) }
                for i in values.indices { if let g = piece.grads[i] { grads[i].append(g) } }
            }
            var rebuilt = fullRun
            for k in rebuilt.outputs.indices {
                switch variant.combination {
                case .concatenate(let dim):
                    rebuilt.outputs[k] = TensorValues.concatenated(outputs[k], dim: dim)
                case .mean:
                    let sizes = (0..<3).map { Double(bounds[$0 + 1] - bounds[$0]) / Double(rows) }
                    rebuilt.outputs[k] = TensorValues(shape: fullRun.outputs[k].shape,
                                                      scalars: [zip(outputs[k], sizes).map { $0.scalars[0] * $1 }.reduce(0, +)])
                }
            }
            for i in values.indices where !grads[i].isEmpty {
                rebuilt.grads[i] = variant.splitInputs.contains(i)
                    ? TensorValues.concatenated(grads[i], dim: 0)
                    : grads[i].dropFirst().reduce(grads[i][0], TensorValues.added)
            }
            var (c, problem) = compare(fullRun, rebuilt, tolerance: .forward(dtype), only: variant.splitInputs)
            if problem == nil {
                // An input passed whole gets the sum of every piece's gradient: a sum over
                // the large dim, which float32 may round differently in another order.
                let accumulated = Tolerance(absolute: Tolerance.forward(dtype).absolute * 10,
                                            relative: Tolerance.forward(dtype).relative * 10)
                let (summed, summedProblem) = compare(fullRun, rebuilt, tolerance: accumulated,
                                                      gradientsOnly: Set(values.indices).subtracting(variant.splitInputs))
                c.merge(summed)
                problem = summedProblem
            }
            let described = "\(describe(shapes)) (\(values.compactMap { $0?.count }.max() ?? 0) elements)"
            if let problem { return .fail(name, .large, dtype, "\(described) against three pieces: \(problem)", comparison: c) }
            return .pass(name, .large, dtype, "\(described) matches the op run in three pieces", comparison: c)
        }
    }
}
