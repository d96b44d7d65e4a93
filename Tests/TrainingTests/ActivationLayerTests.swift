import Autograd
import Testing

/// The activation layers: PyTorch's names and defaults, each the function it wraps.
@Suite("Activation layers")
struct ActivationLayerTests {
    static var x: Tensor { Tensor([[-2.5, -0.5, 0.0], [0.25, 1.5, 30.0]], dtype: .float64) }

    @Test("defaults are PyTorch's")
    func defaults() {
        #expect(GELU().approximate == .exact && GELU(approximate: .tanh).approximate == .tanh)
        #expect(LeakyReLU().negativeSlope == 0.01 && LeakyReLU(negativeSlope: 0.2).negativeSlope == 0.2)
        #expect(ELU().alpha == 1 && ELU(alpha: 0.5).alpha == 0.5)
        #expect(Softplus().beta == 1 && Softplus().threshold == 20)
        let s = Softplus(beta: 2, threshold: 5)
        #expect(s.beta == 2 && s.threshold == 5)
    }

    @Test("each layer computes its function")
    func layersCallTheirFunctions() {
        let x = Self.x
        #expect(GELU()(x).scalars == gelu(x).scalars)
        #expect(GELU(approximate: .tanh)(x).scalars == gelu(x, approximate: .tanh).scalars)
        #expect(SiLU()(x).scalars == silu(x).scalars)
        #expect(LeakyReLU(negativeSlope: 0.2)(x).scalars == leakyRelu(x, negativeSlope: 0.2).scalars)
        #expect(ELU(alpha: 0.5)(x).scalars == elu(x, alpha: 0.5).scalars)
        #expect(Softplus(beta: 2, threshold: 5)(x).scalars == softplus(x, beta: 2, threshold: 5).scalars)
        #expect(Identity()(x) === x)
    }

    @Test("layers hold no parameters, follow train() and eval(), and compose in Sequential")
    func inModels() throws {
        var generator = RandomGenerator(seed: 3)
        let layers: [any Module] = [GELU(), SiLU(), LeakyReLU(), ELU(), Softplus(), Identity()]
        for layer in layers { #expect(layer.namedParameters().isEmpty) }
        let model = Sequential([Linear(3, 4, generator: &generator)] + layers + [Linear(4, 1, generator: &generator)])
        #expect(model.namedParameters().count == 4)
        model.eval()
        #expect(layers.allSatisfy { !$0.isTraining })
        model.train()
        #expect(layers.allSatisfy { $0.isTraining })
        let loss = model(Self.x.converted(to: .float32)).sum()
        try loss.backward()
        #expect(model.parameters().allSatisfy { $0.grad != nil })
    }
}
