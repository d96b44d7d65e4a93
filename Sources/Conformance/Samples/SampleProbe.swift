import Autograd

/// Calls an op with candidate samples to learn which it accepts: the sample
/// synthesiser's probe, and how case samples get their shape variants.
struct SampleProbe {
    let op: Op
    /// The dtype floating inputs are probed in.
    let dtype: DType

    var definition: OpDefinition { op.definition }

    /// Calls the op on values of `specs`; its outputs, or the error it threw.
    func attempt(_ specs: [InputSpec?], attributes: [String: AttributeValue], shapes: [[Int]?]? = nil,
                 seed: UInt64 = 0x5A_3B1E) -> Result<[Tensor], any Error> {
        var g = RandomGenerator(seed: seed)
        let values = definition.sampleValues(shapes: shapes ?? specs.map { $0?.shape }, specs: specs, generator: &g,
                                             reachingBound: true)
        return Result {
            try withNoGrad { try op.checkedOutputs(values.map { $0?.tensor(dtype) }, attributes: attributes) }
        }
    }

    func attempt(_ sample: OpSample) -> Result<[Tensor], any Error> {
        attempt(sample.inputs, attributes: sample.attributes)
    }

    /// Whether every floating output of a call holds finite values only.
    static func isFinite(_ outputs: [Tensor]) -> Bool {
        outputs.allSatisfy { !$0.dtype.isFloatingPoint || $0.scalars.allSatisfy(\.isFinite) }
    }

    /// The sample with its continuous inputs in the widest domain where the op gives
    /// finite outputs (log and sqrt need positive numbers, acos numbers inside (-1, 1)).
    func inFiniteDomain(_ sample: OpSample) -> OpSample {
        for domain in ValueDomain.continuous {
            let candidate = sample.withContinuousDomain(domain)
            if case .success(let outputs) = attempt(candidate), Self.isFinite(outputs) { return candidate }
        }
        return sample
    }

    /// The sample with the 0-d, empty and large variants it lacks, where probing
    /// finds calls the op accepts.
    func withVariants(_ sample: OpSample) -> OpSample {
        var sample = sample
        if sample.zeroDim == nil { sample.zeroDim = zeroDimVariant(sample) }
        if sample.emptyDim == nil { sample.emptyDim = emptyDimVariant(sample) }
        if sample.large == nil { sample.large = largeVariant(sample) }
        return sample
    }

    /// Every input 0-d, accepted both so and as 1-element tensors (what the 0-d check compares).
    private func zeroDimVariant(_ sample: OpSample) -> ShapeVariant? {
        guard sample.inputs.contains(where: { $0.map { !$0.shape.isEmpty } ?? false }) else { return nil }
        let zeroD: [[Int]?] = sample.inputs.map { $0.map { _ in [] } }
        let oneElement: [[Int]?] = sample.inputs.map { $0.map { _ in [1] } }
        guard case .success(let a) = attempt(sample.inputs, attributes: sample.attributes, shapes: zeroD),
              case .success(let b) = attempt(sample.inputs, attributes: sample.attributes, shapes: oneElement),
              a.count == b.count, zip(a, b).allSatisfy({ $0.scalarCount == $1.scalarCount }) else { return nil }
        return ShapeVariant(zeroD)
    }

    /// A zero-length dim: dim 0 of every input, else of the first, else the last dim of every input.
    private func emptyDimVariant(_ sample: OpSample) -> ShapeVariant? {
        let shapes = sample.inputs.map { $0?.shape }
        func zeroing(_ dim: (([Int]) -> Int?), only first: Bool) -> [[Int]?] {
            var done = false
            return shapes.map { shape in
                guard var shape, !done, let d = dim(shape) else { return shape }
                shape[d] = 0
                done = first
                return shape
            }
        }
        let candidates = [
            zeroing({ $0.isEmpty ? nil : 0 }, only: false),
            zeroing({ $0.isEmpty ? nil : 0 }, only: true),
            zeroing({ $0.isEmpty ? nil : $0.count - 1 }, only: false),
        ]
        for candidate in candidates where candidate.contains(where: { $0?.contains(0) ?? false }) {
            if case .success = attempt(sample.inputs, attributes: sample.attributes, shapes: candidate) {
                return ShapeVariant(candidate)
            }
        }
        return nil
    }

    /// Rows along dim 0, if the op treats them independently: the inputs whose dim 0
    /// has the first input's length are cut, the others passed whole, and the
    /// outputs, concatenated along dim 0, must rebuild the whole call's. Probed with
    /// 17 rows in three uneven pieces, as the large check cuts them: a few rows can
    /// rebuild by chance (masked_scatter's, whose first mask row is all true).
    private func largeVariant(_ sample: OpSample) -> LargeVariant? {
        guard let first = sample.inputs.compactMap({ $0 }).first, let rows = first.shape.first, rows >= 3 else { return nil }
        let split = Set(sample.inputs.indices.filter { sample.inputs[$0]?.shape.first == rows })
        // Indices into a dim that is cut would index the pieces wrongly.
        for spec in sample.inputs.compactMap({ $0 }) {
            if case .indices(let input, let dim) = spec.domain, split.contains(input), dim == 0 { return nil }
        }
        let probeRows = 17
        let specs = sample.inputs.enumerated().map { i, spec -> InputSpec? in
            guard var spec, split.contains(i) else { return spec }
            spec.shape[0] = probeRows
            return spec
        }
        var g = RandomGenerator(seed: 0x1A_46E)
        let values = definition.sampleValues(shapes: specs.map { $0?.shape }, specs: specs, generator: &g)
        func run(_ range: Range<Int>) -> [Tensor]? {
            let inputs = values.enumerated().map { i, v in split.contains(i) ? v?.sliced(dim: 0, range) : v }
            return try? withNoGrad { try op.checkedOutputs(inputs.map { $0?.tensor(dtype) }, attributes: sample.attributes) }
        }
        guard let whole = run(0..<probeRows), whole.allSatisfy({ $0.shape.first == probeRows }) else { return nil }
        var pieces: [[Tensor]] = []
        for range in [0..<1, 1..<7, 7..<probeRows] {
            guard let piece = run(range) else { return nil }
            pieces.append(piece)
        }
        for k in whole.indices {
            let rebuilt = TensorValues.concatenated(pieces.map { TensorValues($0[k]) }, dim: 0)
            let c = Comparison.of(got: rebuilt.scalars, want: whole[k].scalars, tolerance: .forward(dtype))
            guard rebuilt.shape == whole[k].shape, c.passed else { return nil }
        }
        let shapes: [[Int]?] = sample.inputs.enumerated().map { i, spec in
            guard var shape = spec?.shape else { return nil }
            if split.contains(i) { shape[0] = -1 }
            return shape
        }
        return LargeVariant(shapes, split: split)
    }
}
