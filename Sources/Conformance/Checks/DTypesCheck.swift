import Autograd

extension CheckContext {
    /// The op's dtypes, as PyTorch's type promotion has them:
    ///
    /// - each declared floating dtype runs forward and backward, each output in the
    ///   dtype its declaration says, each gradient in its input's dtype; float32
    ///   agrees with float64 on the same (rounded) values;
    /// - an undeclared floating dtype is a thrown error naming the op (an op with
    ///   float64 kernels only does not run float32 inputs);
    /// - float32 and float64 inputs together promote to float64, and each input's
    ///   gradient comes back in its own dtype;
    /// - int64 and bool values where floating ones are promoted run in the op's
    ///   int64 kernel when it has one, else in float32, as `torch.exp` of an int64 tensor does.
    func checkDTypes() -> CheckResult {
        guard let sample, let values = sampleValues() else { return .skip(name, .dtypes, nil, missingSampleReason!) }
        guard values.contains(where: { $0?.isFloatingPoint ?? false }) else {
            return .skip(name, .dtypes, nil, "the sample has no floating input: its dtypes are fixed by the declaration")
        }
        return guarded(.dtypes, nil) {
            var outcomes: [DType: Outcome] = [:]
            var notes: [String] = []
            let rounded = values.map { $0?.rounded(to: .float32) }
            for dtype in [DType.float32, .float64] {
                guard declaredDTypes.contains(dtype) else {
                    do {
                        _ = try op.checkedOutputs(leaves(rounded, dtype, requiringGrad: false), attributes: sample.attributes)
                        return .fail(name, .dtypes, nil, "'\(name)' declares no \(dtype) kernel, yet a \(dtype) call returned a result")
                    } catch {
                        guard "\(error)".contains(name) else {
                            return .fail(name, .dtypes, nil, "a \(dtype) call threw an error that does not name the op: \(error)")
                        }
                        notes.append("\(dtype) undeclared: throws")
                        continue
                    }
                }
                let outcome = try evaluate(rounded, dtype)
                if let problem = dtypeProblem(outcome, running: dtype, values: rounded) { return .fail(name, .dtypes, nil, problem) }
                outcomes[dtype] = outcome
                notes.append("\(dtype) forward and backward")
            }
            if let single = outcomes[.float32], let double = outcomes[.float64] {
                let (c, problem) = compare(single, double.roundedOutputs(to: single.outputDTypes), tolerance: .forward(.float32))
                if let problem { return .fail(name, .dtypes, nil, "float32 against float64: \(problem)", comparison: c) }
                notes.append("float32 matches float64")
            }
            if let double = outcomes[.float64] {
                switch try mixedFloatProblem(rounded, double: double) {
                case .failure(let problem): return .fail(name, .dtypes, nil, problem.message)
                case .success(let note?): notes.append(note)
                case .success(nil): break
                }
            }
            switch try integerPromotionProblem(values) {
            case .failure(let problem): return .fail(name, .dtypes, nil, problem.message)
            case .success(let note?): notes.append(note)
            case .success(nil): break
            }
            return .pass(name, .dtypes, nil, notes.joined(separator: "; "))
        }
    }

    /// Slots that join the op's dtype by promotion and hold floating values.
    private func promotedSlots(_ values: [TensorValues?]) -> [Int] {
        values.indices.filter { slot in
            guard let v = values[slot], v.isFloatingPoint else { return false }
            return definition.declaredInput(ofSlot: slot, count: values.count).dtypes == .promoted
        }
    }

    /// The dtype output `k` must have in a call computing in `computing`.
    private func expectedOutputDType(_ k: Int, computing: DType, inputDTypes: [DType?], attributes: [String: AttributeValue]) -> DType? {
        let rule = definition.outputs[Swift.min(k, definition.outputs.count - 1)].dtype
        switch rule {
        case .computed: return computing
        case .exactly(let dtype): return dtype
        case .ofInput(let index): return inputDTypes[safe: index] ?? nil
        case .attribute(let attribute):
            if case .string(let value)? = resolvedAttributes(attributes)[attribute] { return DType(rawValue: value) }
            return nil
        }
    }

    /// What is wrong with the dtypes of a call's outputs and gradients, if anything.
    private func dtypeProblem(_ outcome: Outcome, running dtype: DType, values: [TensorValues?],
                              inputDTypes: [DType?]? = nil) -> String? {
        let given = inputDTypes ?? values.map { $0.map { $0.dtype ?? dtype } }
        for k in outcome.outputs.indices {
            if let want = expectedOutputDType(k, computing: dtype, inputDTypes: given, attributes: attributes),
               outcome.outputDTypes[k] != want {
                return "a \(dtype) call returned a \(outcome.outputDTypes[k]) \(outputName(k, of: outcome.outputs.count)); its declaration says \(want)"
            }
        }
        for (i, g) in outcome.gradDTypes.enumerated() {
            if let g, let want = given[i], g != want {
                return "the gradient of \(definition.slotName(i, count: values.count)) is \(g) for a \(want) input"
            }
        }
        return nil
    }

    /// float32 in one promoted input, float64 in the others: a float64 call whose
    /// float32 input gets a float32 gradient.
    private func mixedFloatProblem(_ values: [TensorValues?], double: Outcome) throws -> Result<String?, DTypeFailure> {
        let promoted = promotedSlots(values)
        // A 0-d operand does not widen a dimensioned one of its category (PyTorch), so mix dimensioned ones.
        guard promoted.count >= 2, promoted.allSatisfy({ !(values[$0]!.shape.isEmpty) }) else { return .success(nil) }
        let narrow = promoted[0]
        var inputs = leaves(values, .float64)
        inputs[narrow] = values[narrow]!.tensor(.float32, requiresGrad: isDifferentiable(slot: narrow, count: values.count, values: values[narrow]))
        let mixed = outcome(of: try call(inputs))
        var dtypes: [DType?] = values.map { $0.map { $0.dtype ?? .float64 } }
        dtypes[narrow] = .float32
        if let problem = dtypeProblem(mixed, running: .float64, values: values, inputDTypes: dtypes) {
            return .failure(DTypeFailure(message: "float32 \(definition.slotName(narrow, count: values.count)) with float64 inputs: \(problem)"))
        }
        var want = double
        want.grads[narrow] = want.grads[narrow]?.rounded(to: .float32)
        want.gradDTypes[narrow] = want.gradDTypes[narrow].map { _ in .float32 }
        let (_, problem) = compare(mixed, want, tolerance: .forward(.float32))
        if let problem {
            return .failure(DTypeFailure(message: "float32 \(definition.slotName(narrow, count: values.count)) with float64 inputs: \(problem)"))
        }
        return .success("float32 with float64 promotes to float64, gradients in each input's dtype")
    }

    /// Whole numbers as int64 (and as bool, for an op with no int64 kernel) in every
    /// promoted input: the op's kernel for that dtype, or float32, as the registry promises.
    private func integerPromotionProblem(_ values: [TensorValues?]) throws -> Result<String?, DTypeFailure> {
        let promoted = promotedSlots(values)
        guard !promoted.isEmpty else { return .success(nil) }
        var notes: [String] = []
        for integer in [DType.int64, .bool] {
            let ladder: [DType] = integer == .bool ? [.bool, .int64, .float32] : [.int64, .float32]
            guard let computing = ladder.first(where: { definition.forward.supports($0) }) else {
                notes.append("\(integer) inputs: no kernel to run them in")
                continue
            }
            // An integer kernel reads a double attribute as a whole number (fill's value,
            // index_add's alpha): both calls take whole ones, so their values compare.
            var attributes = self.attributes
            if !computing.isFloatingPoint {
                for (key, value) in attributes { if case .double(let v) = value { attributes[key] = .double(v.rounded()) } }
            }
            var whole = values
            for slot in promoted {
                // Probabilities become 0 or 1, still inside their domain (a binary
                // cross-entropy target of 2 is an error, as in PyTorch).
                let isProbability = slot < (sample?.inputs.count ?? 0) && sample?.inputs[slot]?.domain == .probability
                whole[slot]!.scalars = whole[slot]!.scalars.map { v in
                    if integer == .bool { return v > 0 ? 1 : 0 }
                    if isProbability { return v.rounded() }
                    return (v < 0 ? -1 : 1) * Swift.max(1, (Swift.abs(v) * 2).rounded())
                }
                whole[slot]!.dtype = integer
            }
            let got: Outcome
            do {
                got = try evaluate(whole, .float64, attributes: attributes, backward: false)
            } catch {
                return .failure(DTypeFailure(message: "\(integer) inputs: threw \(error); expected the \(computing) kernel to run them"))
            }
            let given = whole.map { $0.map { $0.dtype ?? .float64 } }
            if let problem = dtypeProblem(got, running: computing, values: whole, inputDTypes: given) {
                return .failure(DTypeFailure(message: "\(integer) inputs: \(problem)"))
            }
            let floats = whole.enumerated().map { i, v in promoted.contains(i) ? v.map { TensorValues(shape: $0.shape, scalars: $0.scalars) } : v }
            let want = try evaluate(floats, declaredDTypes.contains(.float64) ? .float64 : .float32, attributes: attributes,
                                    backward: false)
            for k in got.outputs.indices {
                let tolerance: Tolerance = got.outputDTypes[k].isFloatingPoint ? .forward(.float32) : .exact
                let c = Comparison.of(got: got.outputs[k].scalars, want: want.outputs[k].scalars.rounded(like: got.outputDTypes[k], computing),
                                      tolerance: tolerance)
                if !c.passed {
                    return .failure(DTypeFailure(message: """
                        \(integer) inputs: \(got.outputs[k].describeIndex(c.worstIndex!, name: outputName(k, of: got.outputs.count))) \
                        is \(show(c.worstGot)); the same values as floats give \(show(c.worstWant))
                        """))
                }
            }
            notes.append("\(integer) inputs run in \(computing)")
            if definition.forward.supports(.int64) && integer == .int64 { break }
        }
        return .success(notes.joined(separator: ", "))
    }

    struct DTypeFailure: Error {
        let message: String
    }
}

extension Outcome {
    /// These outputs (and gradients) as they would come out in `dtypes`: float64
    /// values rounded to float32 where the other run's outputs are float32.
    func roundedOutputs(to dtypes: [DType]) -> Outcome {
        var copy = self
        for k in outputs.indices where k < dtypes.count && dtypes[k] == .float32 {
            copy.outputs[k] = outputs[k].rounded(to: .float32)
            copy.outputDTypes[k] = .float32
        }
        for i in grads.indices where gradDTypes[i] == .float64 {
            copy.grads[i] = grads[i]?.rounded(to: .float32)
            copy.gradDTypes[i] = .float32
        }
        return copy
    }
}
