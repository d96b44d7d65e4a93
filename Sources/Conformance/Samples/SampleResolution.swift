import Autograd

/// Why kernel-check has no sample for an op: a failure of the samples row, whose
/// message says how to declare one.
struct SamplingFailure: Error, Sendable {
    let message: String
}

/// Finds the sample an op is checked with. In order:
///
/// 1. `KernelCheck.Configuration.sample`, as given;
/// 2. the built-in table `OpSample.builtins` (domains, class indices, special variants);
/// 3. for an op that is not elementwise, the first case of the op in `--cases`
///    (its shapes, dtypes and attributes are ones PyTorch accepts);
/// 4. one synthesised from the declaration (`SampleSynthesis`);
/// 5. for an elementwise op, the first case of the op.
///
/// A sample that the op refuses is a failure, never a silent fallback, except that
/// a case the op refuses gives way to synthesis (the forward check then reports the case).
struct SampleResolution {
    let op: Op
    let registry: OpRegistry
    let configuration: KernelCheck.Configuration

    var definition: OpDefinition { op.definition }

    func resolve() -> Result<OpSample, SamplingFailure> {
        if var sample = configuration.sample {
            sample.source = "from the configuration (KernelCheck.Configuration.sample)"
            return validated(sample)
        }
        if var sample = OpSample.builtins[definition.name] {
            sample.source = "from the built-in table (OpSample.builtins)"
            return validated(sample)
        }
        var notes: [String] = []
        let fromCases = caseSample(notes: &notes)
        if !definition.isElementwise, let fromCases { return .success(fromCases) }
        switch SampleSynthesis(op: op, probeDType: probeDType).synthesise() {
        case .success(let sample): return .success(sample)
        case .failure(let why): notes.append(why.message)
        }
        if let fromCases { return .success(fromCases) }
        return .failure(SamplingFailure(message: """
            cannot sample '\(definition.name)': \(notes.joined(separator: "; ")). Declare a sample: from Swift, \
            KernelCheck.Configuration.sample = OpSample(inputs: [InputSpec([3, 4]), InputSpec([3], .classIndices(count: 4))], \
            attributes: [...]) (one InputSpec per input tensor, nil for an omitted optional one); from the command line, \
            --cases FILE with a case of '\(definition.name)' (format 1 or 2 of the reference cases)
            """))
    }

    /// The dtype sample calls are tried in: float64 when the op has it.
    var probeDType: DType {
        for dtype in [DType.float64, .float32] where definition.forward.supports(dtype) { return dtype }
        return definition.forward.dtypes.first ?? .float64
    }

    /// A sample from the op's first case that it accepts, with variants found by probing.
    private func caseSample(notes: inout [String]) -> OpSample? {
        guard let cases = configuration.cases?.cases(op: definition.name), !cases.isEmpty else {
            notes.append("no case in --cases")
            return nil
        }
        for testCase in cases.prefix(4) {
            var sample = OpSample(case: testCase)
            let probe = SampleProbe(op: op, dtype: probeDType)
            if case .failure(let error) = probe.attempt(sample) {
                notes.append("its case \(testCase.id) is refused: \(error)")
                continue
            }
            sample = probe.withVariants(sample)
            return sample
        }
        return nil
    }

    /// The sample, if the op accepts it; else a failure saying that the declared sample is wrong.
    private func validated(_ sample: OpSample) -> Result<OpSample, SamplingFailure> {
        if case .failure(let error) = SampleProbe(op: op, dtype: probeDType).attempt(sample) {
            return .failure(SamplingFailure(message: """
                the sample \(sample.source) is refused by '\(definition.name)': \(error); fix the sample \
                (inputs \(sample.inputs.map { $0.map { "\($0.shape)" } ?? "nil" }.joined(separator: ", ")), \
                attributes \(sample.attributes))
                """))
        }
        return .success(sample)
    }
}

extension OpSample {
    /// A sample with a case's shapes, dtypes and attributes, and domains read off its
    /// values; with `KernelCheck.Configuration.sampleValues` set to the case's inputs,
    /// the checks run at the case's own point.
    ///
    /// - Parameter testCase: a first-order case of either format.
    public init(case testCase: ReferenceCases.Case) {
        let inputs: [InputSpec?] = testCase.inputs.map { values in
            guard let values else { return nil }
            switch values.dtype {
            case .bool?: return InputSpec(values.shape, .mask, dtype: .bool)
            case .int64?:
                let largest = Int(values.scalars.filter { $0 >= 0 }.max() ?? 0)
                return InputSpec(values.shape, .classIndices(count: largest + 1), dtype: .int64)
            default: return InputSpec(values.shape, ValueDomain(containing: values.scalars))
            }
        }
        self.init(inputs: inputs, attributes: testCase.attributes,
                  source: "from case \(testCase.id) of \(testCase.source)")
    }
}

extension ValueDomain {
    /// The narrowest continuous domain the values lie in: what the case's author kept
    /// them to (probabilities, positive numbers), or `real`.
    init(containing values: [Double]) {
        let finite = values.filter(\.isFinite)
        if !finite.isEmpty, finite.allSatisfy({ $0 > 0 && $0 < 1 }) {
            self = .probability
        } else if !finite.isEmpty, finite.allSatisfy({ $0 > 0 }) {
            self = .positive
        } else if !finite.isEmpty, finite.allSatisfy({ Swift.abs($0) < 1 }) {
            self = .unit
        } else {
            self = .real
        }
    }
}
