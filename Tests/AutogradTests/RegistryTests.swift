import Testing
import Autograd
import TestSupport

/// A user adds a differentiable op from outside the module, in a few lines.
let softplus = OpDefinition(
    name: "test.softplus", inputs: ["x"],
    attributes: [AttributeSpec("beta", .double, default: 1.0)],
    elementwise: true,
    forward: .composite { ctx in
        let beta = ctx.attributes.double("beta")
        return log(1 + exp(beta * ctx.inputs[0])) / beta
    }
) { ctx in
    [ctx.gradOutput * sigmoid(ctx.attributes.double("beta") * ctx.inputs[0])]
}

@Suite("Registry")
struct RegistryTests {
    let registry: OpRegistry = {
        let r = OpRegistry.withBuiltins()
        try! r.register(softplus)
        return r
    }()

    @Test("a user-registered op runs by name and trains")
    func userOp() throws {
        let x = Tensor([0.0, 1.0], requiresGrad: true)
        let y = try registry.call("test.softplus", [x], attributes: ["beta": 2])
        expectClose(y.scalars, [0.3465735902799726, 1.0634640055214863], atol: 1e-6, rtol: 1e-6, "softplus")
        #expect(y.gradFn?.name == "SoftplusBackward0")
        // Fit a so that softplus(a · x) matches a target made with a = 3.
        let inputs = Tensor([-1.0, 0.5, 1.0, 2.0])
        let target = try registry.call("test.softplus", [3 * inputs])
        let a = Tensor([1.0], requiresGrad: true)
        for _ in 0..<300 {
            let loss = mseLoss(try registry.call("test.softplus", [a * inputs]), target)
            try loss.backward()
            withNoGrad {
                a -= 0.5 * a.grad!
                a.grad!.zero()
            }
        }
        expectClose(a, shape: [1], [3], atol: 1e-3, rtol: 0)
    }

    @Test("attributes written as literals, with defaults")
    func attributes() throws {
        let x = Tensor([[1.0, 2.0], [3.0, 4.0]])
        let s = try registry.call("sum", [x], attributes: ["dims": [0], "keepdim": true])
        expectClose(s, shape: [1, 2], [4, 6])
        let all = try registry.call("sum", [x], attributes: ["dims": nil])
        expectClose(all, shape: [], [10])
        let c = try registry.call("clamp", [x], attributes: ["min": 2, "max": 3.5])
        expectClose(c, shape: [2, 2], [2, 2, 3, 3.5])
    }

    @Test("registering a name twice is an error unless it replaces the op")
    func duplicate() throws {
        expectError(["'test.softplus' is already registered", "replaceExisting"]) { try registry.register(softplus) }
        try registry.register(softplus, replaceExisting: true)
        expectError(["'mul' is already registered"]) {
            try registry.register(OpDefinition(name: "mul", inputs: ["a"], forward: .composite { $0.inputs[0] }, backward: nil))
        }
    }

    @Test("registering several ops is all or nothing")
    func atomic() {
        let before = registry.opNames
        let fresh = OpDefinition(name: "test.fresh", inputs: ["x"], forward: .composite { $0.inputs[0] }, backward: nil)
        expectError(["'add' is already registered"]) {
            try registry.register([fresh, OpDefinition(name: "add", inputs: ["x"], forward: .composite { $0.inputs[0] }, backward: nil)])
        }
        #expect(registry.opNames == before)
        #expect(!registry.contains("test.fresh"))
    }

    @Test("errors name the op, the shapes, the dtypes and what was expected")
    func errors() {
        let a = Tensor([1.0, 2.0, 3.0]), b = Tensor([1.0, 2.0])
        expectError(["unknown op 'nope'"]) { _ = try registry.call("nope", [a]) }
        expectError(["mul: expected 2 inputs (a, b), got 1"]) { _ = try registry.call("mul", [a]) }
        expectError(["add", "broadcast", "a [3]", "b [2]"]) { _ = try registry.call("add", [a, b]) }
        expectError(["index_select", "input 'index' must be int64", "float32", "[1]"]) {
            _ = try registry.call("index_select", [a, Tensor([1.0])], attributes: ["dim": 0])
        }
        expectError(["sum: unknown attribute 'dim'", "dims, keepdim"]) { _ = try registry.call("sum", [a], attributes: ["dim": 0]) }
        expectError(["sum: attribute 'keepdim' expects bool, got int 1"]) {
            _ = try registry.call("sum", [a], attributes: ["keepdim": 1])
        }
        expectError(["pow_scalar: missing required attribute 'exponent'"]) { _ = try registry.call("pow_scalar", [a]) }
        expectError(["mse_loss: attribute 'reduction' expects one of \"mean\", \"sum\", \"none\", got string \"avg\""]) {
            _ = try registry.call("mse_loss", [a, a], attributes: ["reduction": "avg"])
        }
        expectError(["matmul", "last dim of a (3)", "b (2)", "a [2, 3]", "b [2, 2]"]) {
            _ = try registry.call("matmul", [Tensor.zeros([2, 3]), Tensor.zeros([2, 2])])
        }
        expectError(["reshape", "a shape of 3 elements", "[2, 2]"]) {
            _ = try registry.call("reshape", [a], attributes: ["shape": [2, 2]])
        }
        expectError(["softmax", "dim in [-1, 0], got 3"]) { _ = try registry.call("softmax", [a], attributes: ["dim": 3]) }
        expectError(["nll_loss", "target 7 at position 0", "0..<3"]) {
            _ = try registry.call("cross_entropy", [Tensor.zeros([1, 3]), Tensor([7])])
        }
        expectError(["cross_entropy", "probabilities of the input's shape", "input [1, 3], target [1]"]) {
            _ = try registry.call("cross_entropy", [Tensor.zeros([1, 3]), Tensor([7.0])])
        }
    }

    @Test("the Swift operators trap with the registry's message")
    func operatorsTrap() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor([1.0, 2.0, 3.0]) + Tensor([1.0, 2.0])
        }
    }

    @Test("a kernel override runs when its condition holds; the backward stays the op's")
    func kernelOverride() throws {
        let r = OpRegistry.withBuiltins()
        let doubled = KernelOverride(dtype: .float64, source: "test", when: { inputs, _ in inputs[0].rank == 1 }) { ctx in
            let out = Tensor.zeros(ctx.outputShape, dtype: .float64)
            try out.copy(from: ctx.inputs[0] * 2)
            return out
        }
        try r.register(kernel: doubled, forOp: "exp")
        let x = Tensor([0.0, 1.0], dtype: .float64, requiresGrad: true)
        let y = try r.call("exp", [x])
        #expect(y.scalars == [0, 2])
        #expect(try r.call("exp", [Tensor([[0.0]], dtype: .float64)]).scalars == [1])
        #expect(try r.call("exp", [Tensor([0.0])]).scalars == [1], "the float32 kernel is untouched")
        expectError(["'nope', which is not registered"]) { try r.register(kernel: doubled, forOp: "nope") }
    }

    @Test("a float32 override (OpenBLAS's matmul) leaves int64 inputs computing in float32; an int64 one runs them")
    func overrideKeepsIntegerPromotion() throws {
        let r = OpRegistry.withBuiltins()
        let sgemm = KernelOverride(dtype: .float32, source: "test") { ctx in
            let out = Tensor.zeros(ctx.outputShape, dtype: .float32)
            try out.copy(from: ctx.inputs[0] * 0)
            return out
        }
        try r.register(kernel: sgemm, forOp: "exp")
        let ints = Tensor(shape: [2], scalars: [0, 1], dtype: .int64)
        let y = try r.call("exp", [ints])
        #expect(y.dtype == .float32 && y.scalars == [0, 0], "int64 widens to float32, whose override runs")
        let int64 = KernelOverride(dtype: .int64, source: "test") { ctx in ctx.inputs[0] }
        try r.register(kernel: int64, forOp: "exp")
        #expect(try r.call("exp", [ints]).dtype == .int64, "an int64 override takes int64 inputs as they are")
    }

    @Test("an op without a kernel for a dtype says which it supports")
    func missingDtype() throws {
        let r = OpRegistry()
        try r.register(OpDefinition(name: "only64", inputs: ["x"], forward: [.float64: { $0.inputs[0] }], backward: nil))
        expectError(["only64: no float32 kernel", "supports float64"]) { _ = try r.call("only64", [Tensor([1.0])]) }
    }

    @Test("a first-order-only backward refuses a second derivative clearly")
    func firstOrderOnly() throws {
        let r = OpRegistry.withBuiltins()
        try r.register(OpDefinition(
            name: "test.cube", inputs: ["x"], elementwise: true, forward: .composite { $0.inputs[0] ** 3 },
            supportsHigherOrder: false
        ) { ctx in
            [withNoGrad { ctx.gradOutput * 3 * ctx.inputs[0] ** 2 }]
        })
        let x = Tensor([2.0], requiresGrad: true)
        let first = try grad(of: [try r.call("test.cube", [x])], wrt: [x], createGraph: true)[0]!
        #expect(first.scalars == [12])
        expectError(["test.cube", "first-order only", "CubeBackward0"]) { _ = try grad(of: [first], wrt: [x]) }
    }
}

/// The tests that change `OpRegistry.shared`, which the Tensor API dispatches
/// through: one at a time, each restoring what it changed. Every other test uses a
/// registry of its own for what it registers.
@Suite("The shared registry", .serialized)
struct SharedRegistryTests {
    @Test("the operators see an op replaced in the shared registry")
    func sugarFollowsReplacement() throws {
        let original = try OpRegistry.shared.op(named: "erf").definition
        var renamed = original
        renamed.gradFnName = "ErfBackwardReplaced"
        let x = Tensor([0.5], requiresGrad: true)
        #expect(erf(x).gradFn?.name == "ErfBackward0")
        try OpRegistry.shared.register(renamed, replaceExisting: true)
        defer { try? OpRegistry.shared.register(original, replaceExisting: true) }
        #expect(erf(x).gradFn?.name == "ErfBackwardReplaced")
    }
}

/// The README's examples of the op model, run as written there.
@Suite("README: the op model")
struct ReadmeOpModelTests {
    @Test("a user's op with an int64 input, two outputs and a forward rule")
    func pickRows() throws {
        let registry = OpRegistry.withBuiltins()
        try registry.register(OpDefinition(
            name: "my.pick_rows", inputs: ["x", .indices("rows")], outputs: ["picked", "total"],
            outputShape: .outputs { ctx in
                let (x, rows) = (ctx.shapes[0], ctx.shapes[1])
                guard x.count == 2, rows.count == 1 else { throw ctx.error("x [N, D] and rows [K]") }
                return [[rows[0], x[1]], []]
            },
            forward: .composite(outputs: { ctx in
                let picked = ctx.inputs[0].indexSelect(dim: 0, index: ctx.inputs[1])
                return [picked, picked.sum()]
            }),
            jvp: .linear
        ) { ctx in
            // d total / d picked is 1: both gradients land on the picked rows.
            let g = ctx.gradOutput(0) + ctx.gradOutput(1)
            let zeros = Tensor.zeros(ctx.inputShapes[0], dtype: g.dtype)
            return [zeros.indexAdd(dim: 0, index: ctx.inputs[1], source: g), nil]
        })
        let x = Tensor([[1.0, 2], [3, 4], [5, 6]], dtype: .float64, requiresGrad: true)
        let outputs = try registry.callOutputs("my.pick_rows", [x, Tensor([2, 0])])
        #expect(outputs[0].scalars == [5, 6, 1, 2])
        #expect(outputs[1].scalars == [14])
        #expect(outputs[0].gradFn === outputs[1].gradFn, "two outputs, one node")
        expectError(["my.pick_rows returns several outputs", "callOutputs"]) {
            _ = try registry.call("my.pick_rows", [x, Tensor([0])])
        }
        expectError(["my.pick_rows", "input 'rows' must be int64"]) {
            _ = try registry.callOutputs("my.pick_rows", [x, Tensor([0.0])])
        }
        try outputs[1].backward()
        #expect(x.grad!.scalars == [1, 1, 0, 0, 1, 1])
        let (_, tangents) = try jvp({ xs in try registry.callOutputs("my.pick_rows", [xs[0], Tensor([1])]) },
                                    primals: [x.detach()], tangents: [Tensor.ones([3, 2], dtype: .float64)])
        #expect(tangents[0]!.scalars == [1, 1])
        #expect(tangents[1]!.scalars == [2])
    }

    @Test("forward over reverse gives a Hessian-vector product")
    func hessianVectorProduct() throws {
        let x = Tensor([1.0, 2.0], dtype: .float64, requiresGrad: true)
        let (_, hv) = try jvp({ xs in
            try grad(of: [(xs[0] ** 3).sum()], wrt: [xs[0]], createGraph: true).map { $0! }
        }, primals: [x], tangents: [Tensor([1.0, 0.0], dtype: .float64)])
        #expect(hv[0]!.scalars == [6, 0])
    }

    @Test("promotion follows PyTorch: literals and 0-d tensors do not widen a tensor's category")
    func promotion() {
        let f32 = Tensor([1.0, 2.0]), f64 = Tensor([1.0, 2.0], dtype: .float64), ints = Tensor([1, 2])
        #expect((f32 * 2.5).dtype == .float32)
        #expect((ints * 2.5).dtype == .float32)
        #expect((ints + 1).dtype == .int64)
        #expect((f32 + f64).dtype == .float64)
        #expect((f32 + Tensor(2.0, dtype: .float64)).dtype == .float32)
        #expect((ints + Tensor(2.0, dtype: .float64)).dtype == .float64)
        #expect((ints / ints).dtype == .float32)
        #expect(exp(ints).dtype == .float32)
    }
}
