import Autograd
import Testing

/// Each optimizer's first three steps against PyTorch's update rules.
///
/// The expected values come from `Reference/optimizer_reference.py`, which transcribes
/// torch.optim 2.x's single-tensor SGD and Adam code paths (the ones PyTorch runs on
/// CPU; AdamW is Adam with decoupled weight decay) and runs them in float64 on
///
///     loss(p) = sum(c * p² + d * p),   grad = 2 c p + d,
///
/// with p₀ = [0.5, -1, 1.5, 2], c = [1, 0.5, 2, 0.25], d = [0.1, -0.2, 0.3, 0].
/// Rerun the script to regenerate them; `--torch` checks them against torch.optim
/// itself (PyTorch 2.15.0 agrees with every value to 2e-16).
@Suite("Optimizers match PyTorch's first three steps")
struct OptimizerReferenceTests {
    static let start = [0.5, -1.0, 1.5, 2.0]
    static let c = [1.0, 0.5, 2.0, 0.25]
    static let d = [0.1, -0.2, 0.3, 0.0]

    /// Runs three steps of the optimizer `make` builds and returns p after each.
    static func threeSteps(dtype: DType, _ make: ([Tensor]) -> any Optimizer) throws -> [[Double]] {
        let p = Tensor(shape: [4], scalars: start, dtype: dtype, requiresGrad: true)
        let c = Tensor(shape: [4], scalars: Self.c, dtype: dtype)
        let d = Tensor(shape: [4], scalars: Self.d, dtype: dtype)
        let optimizer = make([p])
        var trace: [[Double]] = []
        for _ in 0..<3 {
            optimizer.zeroGrad()
            try (c * p ** 2 + d * p).sum().backward()
            optimizer.step()
            trace.append(p.scalars)
        }
        return trace
    }

    static func expectClose(_ got: [[Double]], _ expected: [[Double]], tolerance: Double,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        for (step, (g, e)) in zip(got, expected).enumerated() {
            for i in e.indices {
                #expect(Swift.abs(g[i] - e[i]) <= tolerance * Swift.max(1, Swift.abs(e[i])),
                        "step \(step + 1), element \(i): got \(g[i]), PyTorch's rule gives \(e[i])",
                        sourceLocation: sourceLocation)
            }
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let make: @Sendable ([Tensor]) -> any Optimizer
        let expected: [[Double]]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "SGD(lr: 0.1)", make: { SGD($0, learningRate: 0.1) }, expected: [
            [0.39, -0.88, 0.87, 1.9],
            [0.302, -0.772, 0.492, 1.805],
            [0.23159999999999997, -0.6748000000000001, 0.2652, 1.71475],
        ]),
        Case(name: "SGD(lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01)",
             make: { SGD($0, learningRate: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01) }, expected: [
            [0.3895, -0.879, 0.8685, 1.898],
            [0.21058945, -0.6721988999999999, -0.0402916499999999, 1.7190817999999999],
            [0.0024743234950000137, -0.40697502998999996, -0.8706628785149998, 1.4791495653799998],
        ]),
        Case(name: "SGD(lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01)",
             make: { SGD($0, learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01) }, expected: [
            [0.29005000000000003, -0.7701, 0.3001499999999999, 1.8062],
            [0.070774905, -0.48630781000000006, -0.4970492850000001, 1.54855922],
            [-0.11113157171950003, -0.18757446026100005, -0.7575026562584999, 1.249531709582],
        ]),
        Case(name: "SGD(lr: 0.1, momentum: 0.5, maximize: true)",
             make: { SGD($0, learningRate: 0.1, momentum: 0.5, maximize: true) }, expected: [
            [0.61, -1.12, 2.13, 2.1],
            [0.797, -1.312, 3.327, 2.255],
            [1.0599, -1.5592000000000001, 5.2863, 2.4452499999999997],
        ]),
        Case(name: "Adam(lr: 0.1)", make: { Adam($0, learningRate: 0.1) }, expected: [
            [0.40000000090909094, -0.9000000008333333, 1.40000000015873, 1.900000001],
            [0.30101508382617365, -0.8003208388748606, 1.3002245411588351, 1.8001664876318761],
            [0.20411378493249785, -0.7012228217637305, 1.2008466056676352, 1.7006233943434113],
        ]),
        Case(name: "Adam(lr: 0.1, betas: (0.8, 0.99), weightDecay: 0.1, amsgrad: true)",
             make: { Adam($0, learningRate: 0.1, betas: (0.8, 0.99), weightDecay: 0.1, amsgrad: true) }, expected: [
            [0.4000000008695652, -0.9000000007692308, 1.4000000001550388, 1.9000000008333333],
            [0.3015626233554157, -0.8005657788713458, 1.3004019618890807, 1.8003048272193607],
            [0.2062340662724867, -0.7021429984006555, 1.201507621563265, 1.7011364397331763],
        ]),
        Case(name: "AdamW(lr: 0.1)", make: { AdamW($0, learningRate: 0.1) }, expected: [
            [0.3995000009090909, -0.8990000008333333, 1.39850000015873, 1.898000001],
            [0.3001238465416856, -0.7984261765348211, 1.2973303625184809, 1.796272590160563],
            [0.20294762710302217, -0.6985418925790824, 1.196667098213575, 1.694944516680654],
        ]),
    ]

    @Test("float64 steps agree to 1e-12", arguments: cases)
    func float64(_ reference: Case) throws {
        Self.expectClose(try Self.threeSteps(dtype: .float64, reference.make), reference.expected, tolerance: 1e-12)
    }

    @Test("float32 steps agree to float32 precision", arguments: cases)
    func float32(_ reference: Case) throws {
        Self.expectClose(try Self.threeSteps(dtype: .float32, reference.make), reference.expected, tolerance: 2e-6)
    }

    @Test("PyTorch's defaults")
    func defaults() {
        let p = Tensor([1.0], requiresGrad: true)
        let adam = Adam([p]).defaults
        #expect(adam.learningRate == 1e-3 && adam.betas == (0.9, 0.999) && adam.epsilon == 1e-8)
        #expect(adam.weightDecay == 0 && !adam.amsgrad && !adam.decoupledWeightDecay)
        let adamW = AdamW([p]).defaults
        #expect(adamW.learningRate == 1e-3 && adamW.weightDecay == 1e-2 && adamW.decoupledWeightDecay)
        let sgd = SGD([p]).defaults
        #expect(sgd.learningRate == 1e-3 && sgd.momentum == 0 && sgd.dampening == 0 && !sgd.nesterov && sgd.weightDecay == 0)
    }

    @Test("step() skips parameters without a gradient and records no graph")
    func stepSkipsMissingGradients() throws {
        let used = Tensor([1.0, 2.0], requiresGrad: true)
        let unused = Tensor([3.0], requiresGrad: true)
        let optimizer = Adam([used, unused], learningRate: 0.5)
        try (used * used).sum().backward()
        optimizer.step()
        #expect(unused.scalars == [3.0])
        #expect(used.scalars != [1.0, 2.0])
        #expect(used.isLeaf && used.gradFn == nil)
    }

    @Test("zeroGrad(setToNone: false) keeps zero-filled gradients")
    func zeroGradKeepsBuffers() throws {
        let p = Tensor([1.0, 2.0], requiresGrad: true)
        let optimizer = SGD([p], learningRate: 0.1)
        try (p * p).sum().backward()
        optimizer.zeroGrad(setToNone: false)
        #expect(p.grad?.scalars == [0, 0])
        optimizer.zeroGrad()
        #expect(p.grad == nil)
    }
}
