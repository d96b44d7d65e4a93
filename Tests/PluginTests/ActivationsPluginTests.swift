import Conformance
import Testing
@testable import Autograd
import TestSupport

/// The activations plugin, built by `swift build` beside the test executable.
let activationsLibrary = BuildProducts.path("libAutogradActivations.so")

/// The registry every activation test runs on: the built-ins plus the plugin, loaded once.
let activationsRegistry: OpRegistry = {
    let registry = OpRegistry.withBuiltins()
    do {
        try registry.loadPlugin(at: activationsLibrary)
    } catch {
        fatalError("\(error) (swift build builds libAutogradActivations.so beside the test executable)")
    }
    return registry
}()

/// One shipped op with the attributes a test calls it with.
struct ActivationCase: CustomTestStringConvertible, Sendable {
    let op: String
    let attributes: [String: Double]
    /// How far the reference may stray from the kernel (both compute in float64).
    let referenceTolerance: Double

    var testDescription: String { attributes.isEmpty ? op : "\(op) \(attributes)" }

    static let all = [
        ActivationCase(op: "act.softplus", attributes: [:], referenceTolerance: 1e-12),
        ActivationCase(op: "act.softplus", attributes: ["beta": 2.5], referenceTolerance: 1e-12),
        ActivationCase(op: "act.gelu", attributes: [:], referenceTolerance: 1e-12),
        ActivationCase(op: "act.gelu_tanh", attributes: [:], referenceTolerance: 1e-12),
        ActivationCase(op: "act.silu", attributes: [:], referenceTolerance: 1e-12),
        ActivationCase(op: "act.mish", attributes: [:], referenceTolerance: 1e-12),
    ]

    func call(_ x: Tensor) throws -> Tensor {
        try activationsRegistry.call(op, [x], attributes: attributes.mapValues(AttributeValue.double))
    }

    /// A conformance sample calling the op on one input of `shape` with these attributes.
    func sample(shape: [Int]) -> OpSample {
        OpSample(inputs: [InputSpec(shape)], attributes: attributes.mapValues(AttributeValue.double))
    }
}

@Suite("Activations plugin")
struct ActivationsPluginTests {
    static let points = [-6.0, -3.3, -1.7, -0.9, -0.25, 0, 0.3, 0.8, 1.6, 2.9, 4.1, 7.0]

    @Test("the plugin loads its ops")
    func loads() throws {
        let plugin = try activationsRegistry.loadPlugin(at: activationsLibrary)
        #expect(plugin.name == "activations")
        #expect(plugin.opNames == ["act.softplus", "act.gelu", "act.gelu_tanh", "act.silu", "act.mish"])
        let softplus = try activationsRegistry.op(named: "act.softplus").definition
        #expect(softplus.isElementwise && !softplus.supportsHigherOrder)
        #expect(softplus.attributes.map(\.name).sorted() == ["beta", "threshold"])
        #expect(softplus.gradFnName == "SoftplusBackward0")
    }

    @Test("forward matches the manifest's reference expression", arguments: ActivationCase.all, [DType.float32, .float64])
    func matchesReference(_ c: ActivationCase, dtype: DType) throws {
        let x = Tensor(shape: [3, 4], scalars: Self.points, dtype: dtype)
        let reference = try #require(try activationsRegistry.op(named: c.op).definition.reference)
        var attributes = c.attributes
        for spec in try activationsRegistry.op(named: c.op).definition.attributes where attributes[spec.name] == nil {
            if case .double(let v) = spec.defaultValue { attributes[spec.name] = v }
        }
        let expected = try ReferenceExpression(reference).evaluate(
            inputs: ["x": x], attributes: attributes.mapValues(AttributeValue.double), registry: activationsRegistry)
        let tolerance = dtype == .float32 ? Swift.max(c.referenceTolerance, 2e-6) : c.referenceTolerance
        expectClose(try c.call(x), expected, atol: tolerance, rtol: tolerance)
    }

    @Test("float32 and float64 kernels agree", arguments: ActivationCase.all)
    func dtypesAgree(_ c: ActivationCase) throws {
        let x32 = Tensor(shape: [12], scalars: Self.points, dtype: .float32)
        let x64 = Tensor(shape: [12], scalars: Self.points, dtype: .float64)
        expectClose(try c.call(x32), try c.call(x64), atol: 2e-6, rtol: 2e-6)
    }

    /// gradcheck at the points: every Jacobian entry, so a gradient landing on the wrong element shows.
    @Test("backward matches float64 central differences at every element", arguments: ActivationCase.all)
    func gradient(_ c: ActivationCase) throws {
        try expectChecksPass([.gradient], op: c.op, registry: activationsRegistry, sample: c.sample(shape: [3, 4]),
                             values: [TensorValues(shape: [3, 4], scalars: Self.points)],
                             tolerance: Tolerance(absolute: 1e-7, relative: 1e-7), "\(c.testDescription)")
    }

    /// The upstream-layout check compares a stride-0 (expanded) upstream gradient's
    /// result with a dense one's, and gradcheck the dense one with central differences.
    @Test("an expanded upstream gradient reaches the kernel as dense memory", arguments: ActivationCase.all)
    func expandedGradient(_ c: ActivationCase) throws {
        try expectChecksPass([.gradient, .upstreamLayout], op: c.op, registry: activationsRegistry, sample: c.sample(shape: [2, 3]),
                             values: [TensorValues(shape: [2, 3], scalars: [-1.5, -0.5, 0, 0.5, 1.5, 2.5])],
                             tolerance: Tolerance(absolute: 1e-7, relative: 1e-7), "\(c.testDescription)")
    }

    @Test("softplus stays finite where exp overflows", arguments: [DType.float32, .float64])
    func softplusIsStable(dtype: DType) throws {
        let x = Tensor(shape: [4], scalars: [-1000.0, -90, 90, 1000], dtype: dtype, requiresGrad: true)
        let y = try activationsRegistry.call("act.softplus", [x], attributes: ["beta": 1.0, "threshold": 1e9])
        expectClose(y, Tensor(shape: [4], scalars: [0.0, 0, 90, 1000], dtype: dtype), atol: 1e-30, rtol: 1e-30)
        try y.sum().backward()
        expectClose(x.grad, Tensor(shape: [4], scalars: [0.0, 0, 1, 1], dtype: dtype), atol: 1e-30, rtol: 1e-30)
    }

    @Test("a non-zero status is an error carrying the op and the plugin's message")
    func statusBecomesError() throws {
        let x = Tensor([1.0, 2.0])
        let error = try #require(throws: AutogradError.self) {
            try activationsRegistry.call("act.softplus", [x], attributes: ["beta": 0.0])
        }
        #expect(error.kind == .plugin)
        #expect(error.message.contains("act.softplus"))
        #expect(error.message.contains("AUTOGRAD_PLUGIN_INVALID_ARGUMENT"))
        #expect(error.message.contains("softplus: beta must be non-zero"))
    }

    @Test("an empty tensor passes through")
    func emptyTensor() throws {
        let x = Tensor.zeros([0, 3], dtype: .float64, requiresGrad: true)
        let y = try activationsRegistry.call("act.silu", [x])
        #expect(y.shape == [0, 3])
        try y.sum().backward()
        #expect(x.grad?.shape == [0, 3])
    }
}
