import Autograd

/// A sample made from an op's declaration alone, by asking the op.
///
/// Inputs follow their declared dtypes (floating numbers, int64 indices, bool
/// masks; a list input gets two tensors, an optional one is given). Starting from
/// every input of one shape and each attribute at its default (or a first guess by
/// type and name), it tries the calls one change away, then two (another shape
/// for one input, another value for one attribute), until the op accepts one.
/// Index inputs then take the largest bound the op accepts among the sizes of
/// the other inputs' dims and the int attributes, so they index the dim they
/// belong to; continuous inputs move into the widest domain with finite outputs;
/// the 0-d, empty and large variants are probed. An elementwise op takes the
/// elementwise template (broadcast variants included).
struct SampleSynthesis {
    let op: Op
    let probeDType: DType

    /// Calls tried at most, so that an op nothing fits fails quickly.
    static let budget = 600

    var definition: OpDefinition { op.definition }

    /// The kinds of input slot, by declared dtype.
    enum SlotKind { case continuous, index, mask }

    /// One candidate call: a shape per slot and the attributes.
    struct Candidate: Hashable {
        var shapes: [[Int]?]
        var attributes: [String: AttributeValue]
    }

    func synthesise() -> Result<OpSample, SamplingFailure> {
        let probe = SampleProbe(op: op, dtype: probeDType)
        var attempts = 0
        var lastError = "nothing was tried"
        for base in baseShapes {
            guard let found = search(base, attempts: &attempts, lastError: &lastError) else {
                if attempts >= Self.budget { break }
                continue
            }
            var sample = OpSample(inputs: specs(for: found.shapes), attributes: found.attributes.filter { $0.value != .absent },
                                  source: "synthesised from the declaration")
            sample.inputs = refinedIndexDomains(sample, probe: probe)
            if definition.isElementwise { sample = elementwiseTemplate(sample) }
            sample = probe.withVariants(probe.inFiniteDomain(sample))
            return .success(sample)
        }
        return .failure(SamplingFailure(message: """
            no call synthesised from its declaration worked (\(attempts) tried; the last refused with: \(lastError))
            """))
    }

    /// The shape every continuous input starts from, in order.
    private var baseShapes: [[Int]] {
        definition.isElementwise ? [[3, 4]] : [[3, 4], [2, 3, 4], [2, 3, 4, 5], [4], [], [4, 4]]
    }

    /// The slots of a call: a list input gets two, every other input one.
    private var slotKinds: [SlotKind] {
        definition.inputs.flatMap { input -> [SlotKind] in
            let kind: SlotKind
            switch input.dtypes {
            case .exactly(.int64): kind = .index
            case .exactly(.bool): kind = .mask
            default: kind = .continuous
            }
            return Array(repeating: kind, count: input.isList ? 2 : 1)
        }
    }

    private func specs(for shapes: [[Int]?]) -> [InputSpec?] {
        zip(slotKinds, shapes).map { kind, shape in
            guard let shape else { return nil }
            switch kind {
            case .continuous: return InputSpec(shape)
            case .index: return InputSpec(shape, .classIndices(count: 1), dtype: .int64)
            case .mask: return InputSpec(shape, .mask, dtype: .bool)
            }
        }
    }

    /// Breadth-first over candidates one and two changes away from the base.
    private func search(_ base: [Int], attempts: inout Int, lastError: inout String) -> Candidate? {
        let probe = SampleProbe(op: op, dtype: probeDType)
        let shapeOptions = slotKinds.map { alternatives(for: $0, base: base) }
        let attributeOptions = definition.attributes.map { candidates(for: $0, base: base) }
        let start = Candidate(shapes: shapeOptions.map { $0[0] },
                              attributes: Dictionary(uniqueKeysWithValues: zip(definition.attributes.map(\.name),
                                                                               attributeOptions.map { $0[0] })))
        var frontier = [start]
        var seen: Set<Candidate> = [start]
        for distance in 0...2 {
            var next: [Candidate] = []
            for candidate in frontier {
                guard attempts < Self.budget else { return nil }
                attempts += 1
                switch probe.attempt(specs(for: candidate.shapes), attributes: candidate.attributes.filter { $0.value != .absent }) {
                case .success: return candidate
                case .failure(let error): lastError = "\(error)"
                }
                guard distance < 2 else { continue }
                // Other attribute values first: the inputs' shapes are the more telling choice to keep.
                for (spec, options) in zip(definition.attributes, attributeOptions) {
                    for option in options where option != candidate.attributes[spec.name] {
                        var neighbour = candidate
                        neighbour.attributes[spec.name] = option
                        if seen.insert(neighbour).inserted { next.append(neighbour) }
                    }
                }
                for (slot, options) in shapeOptions.enumerated() {
                    for option in options where option != candidate.shapes[slot] {
                        var neighbour = candidate
                        neighbour.shapes[slot] = option
                        if seen.insert(neighbour).inserted { next.append(neighbour) }
                    }
                }
            }
            frontier = next
        }
        return nil
    }

    /// Shapes a slot may take, first choice first.
    private func alternatives(for kind: SlotKind, base: [Int]) -> [[Int]?] {
        var options: [[Int]] = []
        func add(_ shape: [Int]) { if !options.contains(shape) { options.append(shape) } }
        switch kind {
        case .continuous, .mask:
            add(base)
            add(base.reversed())
            if let last = base.last { add([last]) }
            if let first = base.first { add([first]) }
            if base.count > 1 { add(Array(base.dropFirst())) }
            add([])
            if let last = base.last { add([last, last]) }
        case .index:
            if let first = base.first { add([first]) }
            add(base)
            add([])
            if let last = base.last { add([last]) }
        }
        return options
    }

    /// Values an attribute may take: its default first, then guesses by type and name.
    private func candidates(for spec: AttributeSpec, base: [Int]) -> [AttributeValue] {
        var values: [AttributeValue] = []
        func add(_ value: AttributeValue) { if !values.contains(value) { values.append(value) } }
        if !spec.isRequired { add(spec.defaultValue) }
        let name = spec.name.lowercased()
        switch spec.type {
        case .int:
            let guesses = name.hasSuffix("1") || name.hasSuffix("2") || name.hasPrefix("end")
                ? [1, 0, -1] : name.contains("dim") ? [0, 1, -1] : [3, 2, 1, 0, 4, -1]
            guesses.forEach { add(.int($0)) }
        case .double:
            [0.5, 1.5, 2.0, -0.5].forEach { add(.double($0)) }
        case .bool:
            add(.bool(false))
            add(.bool(true))
        case .ints:
            if name.contains("dim") {
                add(.ints(Array((0..<base.count).reversed())))
                [[0], [1], [-1], [0, 1]].forEach { add(.ints($0)) }
            } else {
                add(.ints(base.reversed()))
                add(.ints([2] + base))
                if !base.isEmpty { add(.ints([1] + base.dropFirst())) }
                add(.ints(base))
                [[-1], [1], [2], [1, 1]].forEach { add(.ints($0)) }
            }
        case .string(let allowed):
            allowed.forEach { add(.string($0)) }
        }
        return values.isEmpty ? [.absent] : values
    }

    /// Each index input's domain: the largest bound the op accepts among the sizes
    /// of the continuous inputs' dims and the int attributes' values, tried from the
    /// smallest up, stopping at the first the op refuses (a kernel that traps on a bad
    /// index, against the rule, then traps once). A bound with a refused one above it
    /// is exact: the domain indexes that dim (`indices(into:dim:)`), and the
    /// error-inputs check expects an index equal to it to be refused. Otherwise the
    /// bound is only known to be safe (`classIndices`).
    private func refinedIndexDomains(_ sample: OpSample, probe: SampleProbe) -> [InputSpec?] {
        var specs = sample.inputs
        for slot in specs.indices where specs[slot]?.dtype == .int64 {
            let shapes = specs.map { $0?.shape }
            var options: [(domain: ValueDomain, bound: Int)] = []
            func add(_ domain: ValueDomain) {
                guard let bound = domain.indexBound(shapes: shapes), bound > 1,
                      !options.contains(where: { $0.bound == bound }) else { return }
                options.append((domain, bound))
            }
            for (j, spec) in sample.inputs.enumerated() where j != slot {
                guard let spec, !spec.domain.isDiscrete else { continue }
                spec.shape.indices.forEach { add(.indices(into: j, dim: $0)) }
            }
            for case .int(let v) in sample.attributes.values { add(.classIndices(count: v)) }
            var best: (domain: ValueDomain, bound: Int)?
            var exact = false
            for option in options.sorted(by: { $0.bound < $1.bound }) {
                var trial = specs
                trial[slot]?.domain = option.domain
                guard case .success = probe.attempt(trial, attributes: sample.attributes) else {
                    exact = true
                    break
                }
                best = option
            }
            guard let best else { continue }
            specs[slot]?.domain = exact ? best.domain : .classIndices(count: best.bound)
        }
        return specs
    }

    /// An elementwise op's sample: [3, 4] inputs with 0-d, empty, broadcast and large variants.
    private func elementwiseTemplate(_ sample: OpSample) -> OpSample {
        var template = OpSample.elementwise(sample.inputs.map { $0?.domain ?? .real }, attributes: sample.attributes)
        template.inputs = sample.inputs
        template.source = sample.source
        return template
    }
}
