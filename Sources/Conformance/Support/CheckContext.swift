import Autograd

/// What every check of one op shares: the op, its sample and the configuration.
struct CheckContext: Sendable {
    let op: Op
    let registry: OpRegistry
    let configuration: KernelCheck.Configuration
    let sample: OpSample?
    /// The reference expression, parsed, or the parse error.
    let reference: Result<ReferenceExpression, ReferenceExpression.Error>?

    init(op: Op, registry: OpRegistry, configuration: KernelCheck.Configuration) {
        self.op = op
        self.registry = registry
        self.configuration = configuration
        let def = op.definition
        var sample = configuration.sample ?? OpSample.builtins[def.name]
        if sample == nil, def.isElementwise {
            // An op without an entry (a plugin's, say) runs with its attributes' defaults.
            sample = .elementwise(arity: def.inputs.count)
        }
        self.sample = sample
        if let text = def.reference ?? sample?.reference {
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
    }

    var name: String { op.name }
    var definition: OpDefinition { op.definition }

    /// The floating dtypes the op has kernels for: those the value checks run in.
    var declaredDTypes: [DType] { [DType.float32, .float64].filter { definition.forward.supports($0) } }

    var isDifferentiable: Bool { definition.backward != nil }

    func isDifferentiable(input index: Int) -> Bool {
        isDifferentiable && definition.inputs[index].isDifferentiable
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

    /// Values for inputs of `shapes`, each in its input's domain.
    func values(shapes: [[Int]], salt: UInt64 = 1) -> [TensorValues] {
        var g = generator(salt)
        return shapes.enumerated().map { i, shape in
            let domain = sample?.inputs[safe: i]?.domain ?? .real
            let count = shape.reduce(1, *)
            return TensorValues(shape: shape, scalars: (0..<count).map { _ in domain.value(&g) })
        }
    }

    /// The sample's inputs.
    func sampleValues() -> [TensorValues]? {
        sample.map { values(shapes: $0.inputs.map(\.shape)) }
    }

    /// An upstream gradient of `shape`: values in [-1, 1].
    func upstream(shape: [Int], salt: UInt64 = 2) -> TensorValues {
        var g = generator(salt)
        let count = shape.reduce(1, *)
        return TensorValues(shape: shape, scalars: (0..<count).map { _ in 2 * g.nextUniform() - 1 })
    }

    /// Why a check that needs sample inputs cannot run, or nil.
    var missingSampleReason: String? {
        sample == nil ? "no sample inputs for '\(name)': pass an OpSample in KernelCheck.Configuration.sample" : nil
    }

    func run(_ check: ConformanceCheck, dtype: DType?) -> CheckResult {
        if let dtype, !declaredDTypes.contains(dtype) {
            return .skip(name, check, dtype, "'\(name)' declares no \(dtype) kernel")
        }
        switch check {
        case .declaration: return checkDeclaration()
        case .forward: return checkForward(dtype!)
        case .gradient: return checkGradient()
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
        case .guardBytes: return checkGuardBytes(dtype!)
        case .threadSafety: return checkThreadSafety(dtype!)
        case .dtypes: return checkDTypes()
        case .errorInputs: return checkErrorInputs()
        case .crashIsolation:
            return .skip(name, check, nil, "checked in this process: crash isolation needs a child process (kernel-check without --no-isolate)")
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
