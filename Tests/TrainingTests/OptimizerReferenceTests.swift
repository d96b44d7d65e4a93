import Autograd
import Testing
import TestSupport

/// Every optimizer, over a grid of its options, with parameter groups and driven by
/// schedules, step by step against torch.optim's trajectories.
///
/// The expected values are in `Fixtures/optimizer_reference.json`, which
/// `Reference/optimizer_reference.py` writes by running torch.optim in float64 on
/// three parameters with the gradient `2 c p + d`. The tests set the same
/// gradients and compare every element after every step. (The values agree to a
/// few units in the last place, not bit for bit: some of PyTorch's vectorised CPU
/// kernels fuse a multiply and an add.)
@Suite("Optimizers follow torch.optim step by step")
struct OptimizerReferenceTests {
    static let fixture = OptimizerFixture.shared

    /// Runs a case's optimizer (and schedules) for the fixture's steps and returns the
    /// flattened parameters after each step.
    static func run(_ reference: OptimizerFixture.OptimizerCase, dtype: DType) -> [[[Double]]] {
        let params = fixture.makeParameters(dtype: dtype)
        let optimizer = makeOptimizer(reference.optimizer, reference.options, makeGroups(reference.groups, params))
        let schedules = (reference.schedulers ?? []).map { makeSchedule($0, optimizer) }
        var trajectory: [[[Double]]] = []
        for step in 1...fixture.steps {
            optimizer.zeroGrad()
            fixture.setGradients(params, step: step, skip: reference.skip ?? [])
            optimizer.step()
            for schedule in schedules { schedule.step(metric: nil) }
            trajectory.append(params.map(\.scalars))
        }
        return trajectory
    }

    static func compare(_ got: [[[Double]]], _ reference: OptimizerFixture.OptimizerCase, tolerance: Double,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.count == reference.trajectory.count, sourceLocation: sourceLocation)
        for (step, (gotStep, expectedStep)) in zip(got, reference.trajectory).enumerated() {
            for (i, (g, e)) in zip(gotStep, expectedStep).enumerated() {
                expectClose(g, e, tolerance: OptimizerFixture.tolerance(tolerance), "step \(step + 1), parameter \(i)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("float64 steps agree with torch.optim to 1e-12", arguments: fixture.optimizerCases)
    func float64(_ reference: OptimizerFixture.OptimizerCase) {
        Self.compare(Self.run(reference, dtype: .float64), reference, tolerance: 1e-12)
    }

    @Test("float32 steps agree with torch.optim to float32 precision", arguments: fixture.optimizerCases)
    func float32(_ reference: OptimizerFixture.OptimizerCase) {
        Self.compare(Self.run(reference, dtype: .float32), reference, tolerance: 1e-4)
    }

    @Test("the fixture covers every optimizer, with groups and schedules")
    func coverage() {
        let cases = Self.fixture.optimizerCases
        for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"] {
            #expect(cases.contains { $0.optimizer == name && $0.groups == nil }, "\(name) with one group")
            #expect(cases.contains { $0.optimizer == name && $0.groups != nil && $0.skip != nil },
                    "\(name) with groups and a missing gradient")
            #expect(cases.contains { $0.optimizer == name && !($0.schedulers ?? []).isEmpty }, "\(name) under a schedule")
        }
        let groupKeys = cases.compactMap(\.groups).flatMap { $0 }.map(\.keys).reduce(Set()) { $0.union($1) }
        #expect(groupKeys.isSuperset(of: ["lr", "weight_decay"]), "per-group learning rates and weight decays")
    }

    @Test("PyTorch's defaults")
    func defaults() {
        let p = Tensor([1.0], requiresGrad: true)
        let adam = Adam([p]).defaults
        #expect(adam.learningRate == 1e-3 && adam.betas == (0.9, 0.999) && adam.epsilon == 1e-8)
        #expect(adam.weightDecay == 0 && !adam.amsgrad && !adam.maximize && !adam.decoupledWeightDecay)
        let adamW = AdamW([p]).defaults
        #expect(adamW.learningRate == 1e-3 && adamW.weightDecay == 1e-2 && adamW.decoupledWeightDecay)
        let sgd = SGD([p]).defaults
        #expect(sgd.learningRate == 1e-3 && sgd.momentum == 0 && sgd.dampening == 0 && !sgd.nesterov && sgd.weightDecay == 0)
        let rmsprop = RMSprop([p]).defaults
        #expect(rmsprop.learningRate == 1e-2 && rmsprop.alpha == 0.99 && rmsprop.epsilon == 1e-8)
        #expect(rmsprop.weightDecay == 0 && rmsprop.momentum == 0 && !rmsprop.centered && !rmsprop.maximize)
        let adagrad = Adagrad([p]).defaults
        #expect(adagrad.learningRate == 1e-2 && adagrad.learningRateDecay == 0 && adagrad.weightDecay == 0)
        #expect(adagrad.initialAccumulatorValue == 0 && adagrad.epsilon == 1e-10 && !adagrad.maximize)
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
        #expect(optimizer.stateDict().names.allSatisfy { $0.hasPrefix("state.0.") }, "no state for the unused parameter")
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
