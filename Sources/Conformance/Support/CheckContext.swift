import Autograd

/// What every check of one op shares: the op, its sample and the configuration.
struct CheckContext: Sendable {
    let op: Op
    let registry: OpRegistry
    let configuration: KernelCheck.Configuration
    /// The sample the checks call the op with, or why there is none.
    let sampling: Result<OpSample, SamplingFailure>
    /// The calls beyond the sample that forward, gradient and forward-mode also
    /// check: optional inputs omitted, lists of other lengths, other attribute values.
    let variants: [CallVariant]
    /// The reference expression, parsed, or the parse error.
    let reference: Result<ReferenceExpression, ReferenceExpression.Error>?

    init(op: Op, registry: OpRegistry, configuration: KernelCheck.Configuration) {
        self.op = op
        self.registry = registry
        self.configuration = configuration
        if let text = op.definition.reference {
            do {
                reference = .success(try ReferenceExpression(text))
            } catch let error as ReferenceExpression.Error {
                reference = .failure(error)
            } catch {
                reference = .failure(ReferenceExpression.Error(message: "\(error)"))
            }
        } else {
            reference = nil
        }
        let sampling = SampleResolution(op: op, registry: registry, configuration: configuration).resolve()
        self.sampling = sampling
        variants = (try? sampling.get()).map { CallVariant.variants(of: $0, op: op) } ?? []
    }

    var name: String { op.name }
    var definition: OpDefinition { op.definition }
    var sample: OpSample? { try? sampling.get() }

    /// The dtypes of this op's per-dtype rows.
    var rowDTypes: [DType] { KernelCheck.rowDTypes(of: definition, configured: configuration.dtypes) }

    /// The floating dtypes the op has kernels for: those the value checks run in.
    var declaredDTypes: [DType] { [DType.float32, .float64].filter { definition.forward.supports($0) } }

    /// Whether the op has a backward rule, or is a decomposition whose inner ops have theirs.
    var isDifferentiable: Bool { definition.backward != nil || definition.forward.isDecomposition }

    /// Whether slot `slot` of a call with `count` slots gets a gradient: a floating
    /// input the op differentiates.
    func isDifferentiable(slot: Int, count: Int, values: TensorValues?) -> Bool {
        guard isDifferentiable, let values, values.isFloatingPoint else { return false }
        return definition.declaredInput(ofSlot: slot, count: count).isDifferentiable
    }

    /// The slots of `values` that get gradients.
    func differentiableSlots(_ values: [TensorValues?]) -> [Int] {
        values.indices.filter { isDifferentiable(slot: $0, count: values.count, values: values[$0]) }
    }

    var attributes: [String: AttributeValue] { sample?.attributes ?? [:] }

    /// The attributes with the op's defaults filled in, as a reference expression reads them.
    func resolvedAttributes(_ given: [String: AttributeValue]) -> [String: AttributeValue] {
        var all: [String: AttributeValue] = [:]
        for spec in definition.attributes {
            all[spec.name] = given[spec.name] ?? spec.defaultValue
        }
        return all
    }

    /// A generator for one use, so each check sees the same values whatever ran before it.
    func generator(_ salt: UInt64) -> RandomGenerator {
        RandomGenerator(seed: configuration.seed &* 0x9E37_79B9 &+ salt)
    }

    /// Values for a call with inputs of `shapes` (nil: omitted), each in its
    /// sample input's domain and dtype.
    func values(shapes: [[Int]?], specs: [InputSpec?]? = nil, salt: UInt64 = 1) -> [TensorValues?] {
        var g = generator(salt)
        return definition.sampleValues(shapes: shapes, specs: specs ?? sample?.inputs ?? [], generator: &g)
    }

    /// The values of a sample's (or a variant's) inputs.
    func values(of specs: [InputSpec?], salt: UInt64 = 1) -> [TensorValues?] {
        values(shapes: specs.map { $0?.shape }, specs: specs, salt: salt)
    }

    /// The sample's inputs: the configuration's values, else drawn from their domains.
    func sampleValues() -> [TensorValues?]? {
        sample.map { configuration.sampleValues ?? values(of: $0.inputs) }
    }

    /// An upstream gradient (or tangent, or cotangent) of `shape`: values in [-1, 1].
    func upstream(shape: [Int], salt: UInt64 = 2) -> TensorValues {
        var g = generator(salt)
        let count = shape.reduce(1, *)
        return TensorValues(shape: shape, scalars: (0..<count).map { _ in 2 * g.nextUniform() - 1 })
    }

    /// Why a check that needs sample inputs cannot run, or nil.
    var missingSampleReason: String? {
        sample == nil ? "not run: '\(name)' has no sample inputs (see the samples row)" : nil
    }

    /// Runs one row; `faults` are the accesses past buffers in the rows before it,
    /// which the guard-bytes row reports.
    func run(_ check: ConformanceCheck, dtype: DType?, faults: [RowFault] = []) -> CheckResult {
        if let dtype, !definition.forward.supports(dtype) {
            return .skip(name, check, dtype, "'\(name)' declares no \(dtype) kernel")
        }
        switch check {
        case .declaration: return checkDeclaration()
        case .samples: return checkSamples()
        case .forward: return checkForward(dtype!)
        case .gradient: return checkGradient()
        case .forwardMode: return checkForwardMode()
        case .secondOrder: return checkSecondOrder()
        case .zeroDim: return checkZeroDim(dtype!)
        case .emptyDim: return checkEmptyDim(dtype!)
        case .broadcast: return checkBroadcast(dtype!)
        case .large: return checkLarge(dtype!)
        case .nonContiguous: return checkNonContiguous(dtype!)
        case .upstreamLayout: return checkUpstreamLayout(dtype!)
        case .specialValues: return checkSpecialValues(dtype!)
        case .determinism: return checkDeterminism(dtype!)
        case .inputsUnmodified: return checkInputsUnmodified(dtype!)
        case .guardBytes: return checkGuardBytes(dtype!, earlier: faults)
        case .threadSafety: return checkThreadSafety(dtype!)
        case .dtypes: return checkDTypes()
        case .errorInputs: return checkErrorInputs()
        case .crashIsolation:
            return .skip(name, check, nil, "checked in this process: crash isolation needs a child process (kernel-check without --no-isolate)")
        }
    }
}
