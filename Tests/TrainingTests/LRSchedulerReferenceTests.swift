import Autograd
import Testing
import TestSupport

/// Every learning-rate schedule against the rates torch.optim.lr_scheduler set, step by
/// step and group by group (`Fixtures/optimizer_reference.json`).
@Suite("Learning-rate schedules follow torch.optim.lr_scheduler")
struct LRSchedulerReferenceTests {
    static let fixture = OptimizerFixture.shared

    @Test("rates (and cycled momenta) agree with PyTorch's to 1e-12", arguments: fixture.scheduleCases)
    func rates(_ reference: OptimizerFixture.ScheduleCase) {
        let params = Self.fixture.makeParameters(dtype: .float64)
        let optimizer = makeOptimizer(reference.optimizer, reference.options, makeGroups(reference.groups, params))
        let schedules = reference.schedulers.map { makeSchedule($0, optimizer) }

        func momenta() -> [Double] {
            optimizer.parameterGroups.map { optimizer.defaults[.betas] != nil ? $0.betas.0 : $0.momentum }
        }
        func check(_ step: Int) {
            expectClose(optimizer.parameterGroups.map(\.learningRate), reference.learningRates[step], tolerance: OptimizerFixture.tolerance(1e-12),
                        "learning rates at step \(step)")
            expectClose(schedules.last!.lastLearningRates, reference.learningRates[step], tolerance: OptimizerFixture.tolerance(1e-12),
                        "lastLearningRates at step \(step)")
            if let expected = reference.momenta?[step] {
                expectClose(momenta(), expected, tolerance: OptimizerFixture.tolerance(1e-12), "momenta at step \(step)")
            }
        }

        check(0)
        for step in 1...reference.steps {
            optimizer.step()
            for schedule in schedules { schedule.step(metric: reference.metrics?[step - 1]) }
            check(step)
        }
    }

    @Test("the fixture covers every schedule")
    func coverage() {
        let names = Set(Self.fixture.scheduleCases.flatMap(\.schedulers).map(\.scheduler))
        #expect(names == ["StepLR", "CosineAnnealingLR", "LinearLR", "OneCycleLR", "ReduceLROnPlateau"])
        #expect(Self.fixture.scheduleCases.contains { $0.schedulers.count > 1 }, "two schedules composed")
    }

    @Test("a schedule records each group's initial_lr, and a resumed one needs it")
    func initialLearningRate() {
        let a = Tensor([1.0], requiresGrad: true), b = Tensor([2.0], requiresGrad: true)
        let optimizer = SGD([ParameterGroup([a]), ParameterGroup([b], learningRate: 0.5)], learningRate: 0.1)
        let schedule = StepLR(optimizer, stepSize: 2, gamma: 0.1)
        #expect(optimizer.parameterGroups.map(\.initialLearningRate) == [0.1, 0.5])
        #expect(schedule.baseLearningRates == [0.1, 0.5] && schedule.lastEpoch == 0)

        // A second schedule starts from the rates the first recorded, as in PyTorch.
        optimizer.parameterGroups[0].learningRate = 0.05
        #expect(StepLR(optimizer, stepSize: 3).baseLearningRates == [0.1, 0.5])
    }

    @Test("a schedule's state dict restores its progress, and only into its own kind")
    func stateDicts() throws {
        let p = Tensor([1.0], requiresGrad: true)
        let optimizer = SGD([p], learningRate: 0.1, momentum: 0.9)
        let cosine = CosineAnnealingLR(optimizer, maxSteps: 4)
        for _ in 0..<3 { cosine.step() }
        let restored = CosineAnnealingLR(SGD([p], learningRate: 0.1), maxSteps: 4)
        try restored.loadStateDict(cosine.stateDict())
        #expect(restored.lastEpoch == 3 && restored.lastLearningRates == cosine.lastLearningRates)
        #expect(restored.stateDict() == cosine.stateDict())

        // Before its first metric, the best value is infinite, which JSON spells as Python does.
        let plateau = ReduceLROnPlateau(optimizer)
        #expect(plateau.stateDict().contains("\"best\": Infinity"))
        let other = ReduceLROnPlateau(optimizer)
        other.step(1.0)
        try other.loadStateDict(plateau.stateDict())
        #expect(other.best == .infinity && other.lastEpoch == 0)

        #expect(throws: OptimizerStateError.self) { try StepLR(optimizer, stepSize: 2).loadStateDict(cosine.stateDict()) }
        do {
            try LinearLR(optimizer).loadStateDict(plateau.stateDict())
            Issue.record("a ReduceLROnPlateau state loaded into a LinearLR")
        } catch let error as OptimizerStateError {
            #expect(error.message == "LinearLR: the JSON holds the state of \"ReduceLROnPlateau\"")
        }
    }

    @Test("OneCycleLR with cycleMomentum needs a momentum or β₁")
    func oneCycleNeedsMomentum() async {
        await #expect(processExitsWith: .failure) {
            let p = Tensor([1.0], requiresGrad: true)
            _ = OneCycleLR(Adagrad([p]), maxLearningRate: 0.1, totalSteps: 10)
        }
    }

    @Test("OneCycleLR traps past its last step")
    func oneCycleEnds() async {
        await #expect(processExitsWith: .failure) {
            let p = Tensor([1.0], requiresGrad: true)
            let schedule = OneCycleLR(SGD([p]), maxLearningRate: 0.1, totalSteps: 2)
            for _ in 0..<3 { schedule.step() }
        }
    }
}
