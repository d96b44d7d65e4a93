import Autograd
import Testing
import TestSupport

/// A user-defined layer written as a struct: no registration code.
struct Block: Module {
    let projection: Linear
    let gate: Tensor
    let constant = Tensor([1.0, 2.0])   // does not require grad: not a parameter
    let activations: [any Module] = [ReLU(), Tanh()]

    init(generator: inout RandomGenerator) {
        projection = Linear(3, 3, generator: &generator)
        gate = Tensor([0.5, 0.5, 0.5], requiresGrad: true)
    }

    func forward(_ x: Tensor) -> Tensor {
        activations.reduce(projection(x) * gate) { $1($0) }
    }
}

/// A user-defined model written as a class, nesting the struct, an optional and a Sequential.
final class Network: Module {
    let encoder: Sequential
    let blocks: [Block]
    let head: Linear?
    let dropout = Dropout(p: 0.5)

    init(generator: inout RandomGenerator) {
        encoder = Sequential(Linear(4, 3, generator: &generator), ReLU(), Flatten())
        blocks = [Block(generator: &generator), Block(generator: &generator)]
        head = Linear(3, 1, bias: false, generator: &generator)
    }

    func forward(_ x: Tensor) -> Tensor {
        head!(dropout(blocks.reduce(encoder(x)) { h, block in block(h) }))
    }
}

@Suite("Modules")
struct ModuleTests {
    @Test("namedParameters() of nested modules: declaration order, PyTorch-style paths")
    func nestedParameterNames() throws {
        var generator = RandomGenerator(seed: 1)
        let network = Network(generator: &generator)
        let names = network.namedParameters().map(\.name)
        #expect(names == [
            "encoder.0.weight", "encoder.0.bias",
            "blocks.0.gate", "blocks.0.projection.weight", "blocks.0.projection.bias",
            "blocks.1.gate", "blocks.1.projection.weight", "blocks.1.projection.bias",
            "head.weight",
        ])
        let parameters = network.parameters()
        #expect(parameters.count == 9)
        #expect(parameters[0] === (network.encoder[0] as! Linear).weight)
        #expect(parameters[8] === network.head!.weight)

        network.eval()
        let y = network(Tensor.ones([2, 4]))
        #expect(y.shape == [2, 1])
        try y.sum().backward()
        #expect(parameters.allSatisfy { $0.grad?.shape == $0.shape }, "every parameter found takes part in the forward pass")
    }

    @Test("Sequential names its layers by position, as PyTorch: 0.weight")
    func sequentialNames() {
        var generator = RandomGenerator(seed: 2)
        let model = Sequential(Linear(64, 128, generator: &generator), ReLU(), Linear(128, 10, generator: &generator))
        #expect(model.namedParameters().map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(model.namedParameters().map(\.tensor.shape) == [[128, 64], [128], [10, 128], [10]])
        #expect(model.namedModules().map(\.name) == ["", "0", "1", "2"])
    }

    @Test("a parameter shared by two layers is listed once")
    func sharedParameters() {
        var generator = RandomGenerator(seed: 3)
        let layer = Linear(2, 2, generator: &generator)
        let model = Sequential(layer, ReLU(), layer)
        #expect(model.namedParameters().map(\.name) == ["0.weight", "0.bias"])
    }

    @Test("Linear initialises like PyTorch: U(-1/sqrt(in), 1/sqrt(in)), repeatably per seed")
    func linearInitialisation() {
        var g1 = RandomGenerator(seed: 7), g2 = RandomGenerator(seed: 7)
        let a = Linear(64, 128, generator: &g1), b = Linear(64, 128, generator: &g2)
        #expect(a.weight.scalars == b.weight.scalars && a.bias!.scalars == b.bias!.scalars)
        let bound = 1 / 8.0
        let values = a.weight.scalars + a.bias!.scalars
        #expect(values.allSatisfy { Swift.abs($0) <= bound })
        #expect(values.max()! > 0.9 * bound && values.min()! < -0.9 * bound, "the draws should fill the range")
        let mean = values.reduce(0, +) / Double(values.count)
        expectClose(mean, 0, atol: 0.01, rtol: 0, "the draws' mean")
        #expect(a.weight.requiresGrad && a.bias!.requiresGrad)

        manualSeed(11)
        let c = Linear(4, 4)
        manualSeed(11)
        let d = Linear(4, 4)
        #expect(c.weight.scalars == d.weight.scalars, "the default generator is seedable with manualSeed")
    }

    @Test("Linear computes x · Wᵀ + b, with and without a bias")
    func linearForward() {
        let layer = Linear(weight: Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requiresGrad: true),
                           bias: Tensor([0.5, -0.5, 0.0], requiresGrad: true))
        #expect(layer(Tensor([[1.0, 1.0]])).scalars == [3.5, 6.5, 11])
        var generator = RandomGenerator(seed: 0)
        let noBias = Linear(2, 3, bias: false, generator: &generator)
        #expect(noBias.bias == nil && noBias.namedParameters().map(\.name) == ["weight"])
        #expect(noBias(Tensor([[1.0, 0.0]])).scalars == noBias.weight.scalars.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
    }

    @Test("train() and eval() switch dropout, through every level of nesting")
    func dropoutModes() {
        var generator = RandomGenerator(seed: 5)
        let network = Network(generator: &generator)
        let x = Tensor.ones([1000])
        #expect(network.isTraining && network.dropout.isTraining)

        let trained = network.dropout(x).scalars
        let zeros = trained.filter { $0 == 0 }.count
        #expect((400...600).contains(zeros), "p = 0.5 should zero about half of 1000 elements, zeroed \(zeros)")
        #expect(trained.allSatisfy { $0 == 0 || $0 == 2 }, "kept elements are scaled by 1 / (1 - p)")

        network.eval()
        #expect(!network.isTraining && !network.dropout.isTraining)
        #expect(network.namedModules().allSatisfy { !$0.module.isTraining })
        #expect(network.dropout(x).scalars == x.scalars, "evaluation mode is the identity")

        network.train()
        #expect(network.isTraining && (network.encoder[1] as! ReLU).isTraining)
        #expect(network.dropout(x).scalars.contains(0))
    }

    @Test("a struct module takes its mode from its sub-modules")
    func structMode() {
        var generator = RandomGenerator(seed: 6)
        let block = Block(generator: &generator)
        #expect(block.isTraining)
        block.eval()
        #expect(!block.isTraining && !block.projection.isTraining)
    }

    @Test("Dropout's gradient flows through the kept elements only")
    func dropoutGradient() throws {
        let dropout = Dropout(p: 0.25, generator: RandomGenerator(seed: 9))
        let x = Tensor.ones([64], requiresGrad: true)
        let y = dropout(x)
        try y.sum().backward()
        #expect(x.grad!.scalars == y.scalars, "d(sum)/dx is the mask itself")
        #expect(Dropout(p: 1)(x).scalars.allSatisfy { $0 == 0 })
    }

    @Test("zeroGrad() on a module clears every parameter's gradient")
    func moduleZeroGrad() throws {
        var generator = RandomGenerator(seed: 4)
        let model = Sequential(Linear(3, 2, generator: &generator), Tanh(), Linear(2, 1, generator: &generator), Sigmoid())
        try model(Tensor([[1.0, 2.0, 3.0]])).sum().backward()
        #expect(model.parameters().allSatisfy { $0.grad != nil })
        model.zeroGrad()
        #expect(model.parameters().allSatisfy { $0.grad == nil })
    }

    @Test("Flatten keeps the batch dim")
    func flatten() {
        #expect(Flatten()(Tensor.zeros([5, 8, 8])).shape == [5, 64])
        #expect(Flatten(startDim: 0)(Tensor.zeros([5, 8, 8])).shape == [320])
        #expect(Flatten(startDim: 1, endDim: 2)(Tensor.zeros([2, 3, 4, 5])).shape == [2, 12, 5])
    }
}

/// The layer README-training.md shows.
struct Classifier: Module {
    let hidden = Linear(64, 128)
    let dropout = Dropout(p: 0.2)
    let output = Linear(128, 10)
    let temperature = Tensor([1.0], requiresGrad: true)

    func forward(_ x: Tensor) -> Tensor {
        output(dropout(relu(hidden(x)))) / temperature
    }
}

@Suite("The README's example layer")
struct ReadmeLayerTests {
    @Test("own parameters first, then each sub-module's, as PyTorch orders them")
    func classifier() throws {
        let net = Classifier()
        #expect(net.namedParameters().map(\.name)
                == ["temperature", "hidden.weight", "hidden.bias", "output.weight", "output.bias"])
        try net(Tensor.ones([2, 64])).sum().backward()
        #expect(net.parameters().allSatisfy { $0.grad != nil })
        net.eval()
        #expect(!net.dropout.isTraining && !net.isTraining)
        net.zeroGrad()
        #expect(net.parameters().allSatisfy { $0.grad == nil })
    }
}

@Suite("Module forward hooks")
struct ModuleHookTests {
    @Test("a pre-hook may replace the input, a hook the output; both run inside a Sequential, in order")
    func forwardHooks() throws {
        let layer = Linear(weight: Tensor([[2.0]]), bias: Tensor([0.0]))
        let model = Sequential(layer, ReLU())
        var seen: [String] = []
        let pre = layer.registerForwardPreHook { _, x in
            seen.append("pre \(x.scalars)")
            return x + 1
        }
        let post = layer.registerForwardHook { module, x, y in
            seen.append("post \(x.scalars) -> \(y.scalars) in \(type(of: module))")
            return y * 10
        }
        #expect(model(Tensor([[1.0]])).scalars == [40])
        #expect(seen == ["pre [1.0]", "post [2.0] -> [4.0] in Linear"])
        pre.remove()
        post.remove()
        #expect(model(Tensor([[1.0]])).scalars == [2])
    }

    @Test("hooks belong to one module object: another layer of the same type runs without them")
    func hooksPerObject() {
        let a = ReLU(), b = ReLU()
        a.registerForwardHook { _, _, y in y + 1 }
        #expect(a(Tensor([-1.0])).scalars == [1])
        #expect(b(Tensor([-1.0])).scalars == [0])
    }

    @Test("a new module never inherits the hooks of a dead one, even at its old address")
    func deadModulesTakeTheirHooks() {
        let x = Tensor([-1.0])
        for _ in 0..<200 {
            do {
                let dead = ReLU()
                dead.registerForwardHook { _, _, y in y + 1 }
            }
            let fresh = ReLU()  // often allocated where `dead` was
            #expect(fresh(x).scalars == [0])
        }
    }
}
