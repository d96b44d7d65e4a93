import Foundation
import Conformance
import Testing
@testable import Autograd
import TestSupport

@Suite("A plugin compiled at test time")
struct TinyPluginTests {
    static let registry: OpRegistry = {
        let registry = OpRegistry.withBuiltins()
        do { try registry.loadPlugin(at: TinyPlugin.library) } catch { fatalError("\(error)") }
        return registry
    }()

    @Test("a model trains through the plugin op, with broadcast parameters")
    func trains() throws {
        let x = Tensor.arange(-2, 2, step: 0.25, dtype: .float64)
        let target = 3 * x - 1
        let w = Tensor([0.1], dtype: .float64, requiresGrad: true)
        let b = Tensor([0.0], dtype: .float64, requiresGrad: true)
        func loss() throws -> Tensor { ((try Self.registry.call("tiny.axpb", [x, w, b]) - target) ** 2).mean() }
        let initial = try loss().item()
        for _ in 0..<150 {
            w.grad = nil
            b.grad = nil
            try loss().backward()
            withNoGrad {
                w -= 0.1 * w.grad!
                b -= 0.1 * b.grad!
            }
        }
        let final = try loss().item()
        #expect(initial > 1)
        #expect(final < 1e-6, "loss went from \(initial) to \(final)")
        expectClose(w.item(), 3, atol: 1e-3, rtol: 0, "w")
        expectClose(b.item(), -1, atol: 1e-3, rtol: 0, "b")
    }

    @Test("gradients of a broadcasting op match finite differences for every input")
    func broadcastGradients() throws {
        let sample = OpSample(inputs: [InputSpec([2, 3]), InputSpec([3]), InputSpec([2, 1])])
        let values = [TensorValues(shape: [2, 3], scalars: [0.5, -1, 2, 3, -0.25, 1.5]),
                      TensorValues(shape: [3], scalars: [2.0, -1, 0.5]), TensorValues(shape: [2, 1], scalars: [0.1, -0.3])]
        try expectChecksPass([.gradient], op: "tiny.axpb", registry: Self.registry, sample: sample, values: values,
                             tolerance: Tolerance(absolute: 1e-7, relative: 1e-7))
    }

    @Test("a non-elementwise op takes its output shape from dims; a backward may read the output")
    func shapesAndSavedOutput() throws {
        let x = Tensor(shape: [3, 4], scalars: (0..<12).map { Double($0) * 0.3 - 1 }, dtype: .float64)
        let rowsum = try Self.registry.call("tiny.rowsum", [x.transposed(0, 1).contiguous().transposed(0, 1)])
        expectClose(rowsum, x.sum(dims: [1]), atol: 1e-15, rtol: 1e-15)
        let tolerance = Tolerance(absolute: 1e-7, relative: 1e-7)
        try expectChecksPass([.gradient], op: "tiny.rowsum", registry: Self.registry, sample: OpSample(inputs: [InputSpec([3, 4])]),
                             values: [TensorValues(x)], tolerance: tolerance)

        let y = Tensor([-1.0, 0.5, 3.0], dtype: .float64)
        let out = try Self.registry.call("tiny.exp2", [y])
        expectClose(out, try ReferenceExpression("2 ** x").evaluate(inputs: ["x": y], attributes: [:], registry: .shared),
                    atol: 1e-15, rtol: 1e-15)
        try expectChecksPass([.gradient], op: "tiny.exp2", registry: Self.registry, sample: OpSample(inputs: [InputSpec([3])]),
                             values: [TensorValues(y)], tolerance: tolerance)
    }

    /// kernel-check samples a plugin op that is not elementwise from its shape rule,
    /// so its gradient is checked; its forward mode fails, as a manifest cannot yet
    /// declare a forward rule for such an op (an elementwise one derives it).
    @Test("kernel-check samples a non-elementwise plugin op and checks its gradient")
    func kernelCheckSamplesRowsum() throws {
        var configuration = KernelCheck.Configuration()
        configuration.checks = [.samples, .forward, .gradient, .forwardMode]
        configuration.dtypes = [.float64]
        let report = try KernelCheck(op: "tiny.rowsum", registry: Self.registry, configuration: configuration).run()
        #expect(report.result(op: "tiny.rowsum", check: .samples)?.message.contains("synthesised") == true, "\(report.text())")
        #expect(report.result(op: "tiny.rowsum", check: .gradient)?.status == .pass, "\(report.text())")
        let forwardMode = try #require(report.result(op: "tiny.rowsum", check: .forwardMode))
        #expect(forwardMode.status == .fail && forwardMode.message.contains("no forward-mode rule"), "\(forwardMode.message)")
        let elementwise = try KernelCheck(op: "tiny.exp2", registry: Self.registry, configuration: configuration).run()
        #expect(elementwise.failures.isEmpty, "\(elementwise.text())")
    }

    @Test("an input of another rank than its declared ndim is a shape error, not a partial read", arguments: [[6], [2, 3, 4], []])
    func declaredRank(shape: [Int]) throws {
        let x = Tensor.zeros(shape, dtype: .float64)
        let error = try #require(throws: AutogradError.self) { try Self.registry.call("tiny.rowsum", [x]) }
        #expect(error.kind == .shape)
        for text in ["tiny.rowsum", "input 'x' to have 2 dims", "\"ndim\": 2", "x \(Shape.describe(shape))"] {
            #expect(error.message.contains(text), "'\(text)' missing from: \(error.message)")
        }
    }

    @Test("a status from a kernel carries the plugin's message; a dtype without a kernel is refused")
    func errors() throws {
        let status = try #require(throws: AutogradError.self) {
            try Self.registry.call("tiny.rowsum", [Tensor.zeros([2, 0], dtype: .float64)])
        }
        #expect(status.message.contains("tiny.rowsum") && status.message.contains("no columns to sum"))
        let dtype = try #require(throws: AutogradError.self) {
            try Self.registry.call("tiny.exp2", [Tensor([1.0], dtype: .float32)])
        }
        #expect(dtype.message.contains("no float32 kernel"))
    }
}

@Suite("Built-in and plugin ops in one graph")
struct MixedGraphTests {
    @Test("a small network with a plugin activation learns", arguments: ["act.gelu", "act.silu", "act.mish", "act.softplus"])
    func trains(activation: String) throws {
        var generator = RandomGenerator(seed: 42)
        let x = Tensor.arange(-2, 2, step: 0.125, dtype: .float64).reshaped([-1, 1])
        let target = sin(1.5 * x)
        let w1 = Tensor.randn([1, 16], dtype: .float64, requiresGrad: true, using: &generator)
        let b1 = Tensor.zeros([16], dtype: .float64, requiresGrad: true)
        let w2 = (Tensor.randn([16, 1], dtype: .float64, using: &generator) * 0.25).detach()
        w2.requiresGrad = true
        let parameters = [w1, b1, w2]
        func loss() throws -> Tensor {
            let hidden = try activationsRegistry.call(activation, [x.matmul(w1) + b1])
            return mseLoss(hidden.matmul(w2), target)
        }
        let initial = try loss().item()
        for _ in 0..<300 {
            for p in parameters { p.grad = nil }
            try loss().backward()
            withNoGrad { for p in parameters { p -= 0.1 * p.grad! } }
        }
        let final = try loss().item()
        #expect(final < 0.25 * initial, "loss went from \(initial) to \(final)")
    }
}
