import Autograd
import Foundation
import Testing
import TestSupport

/// Optimizer state dicts: PyTorch's layout in safetensors, states PyTorch saved, and
/// runs that stop, save, load into fresh objects and go on exactly as if uninterrupted.
@Suite("Optimizer state saved and loaded")
struct OptimizerStateTests {
    static let fixture = OptimizerFixture.shared

    @Test("a state PyTorch saved mid-run loads, and the run goes on as PyTorch's did", arguments: fixture.stateCases)
    func loadsPyTorchState(_ reference: OptimizerFixture.StateCase) throws {
        let url = Fixtures.url("torch-optimizer-state/\(reference.file).safetensors", in: "TrainingTests")
        let params = Self.fixture.makeParameters(dtype: .float64)
        for (p, values) in zip(params, reference.parametersAtSave) { assign(values, to: p) }
        let optimizer = makeOptimizer(reference.optimizer, reference.options, makeGroups(reference.groups, params))
        try optimizer.loadState(from: url)

        for (offset, expected) in reference.trajectory.enumerated() {
            let step = reference.savedAt + offset + 1
            optimizer.zeroGrad()
            Self.fixture.setGradients(params, step: step, skip: [])
            optimizer.step()
            // The schedules' later rates are the fixture's business; here the loaded groups' rates are kept.
            if reference.schedulers.isEmpty || offset == 0 {
                for (i, (p, e)) in zip(params, expected).enumerated() {
                    expectClose(p.scalars, e, tolerance: OptimizerFixture.tolerance(1e-12), "step \(step), parameter \(i)")
                }
            }
        }
    }

    /// Runs `steps` steps of `make`'s optimizer and schedule on the fixture's problem,
    /// or stops after `saveAfter`, saves everything to files, rebuilds the parameters,
    /// optimizer and schedule from scratch, loads the files and finishes the run.
    static func run(
        steps: Int, saveAfter: Int?, dtype: DType,
        _ make: ([Tensor]) -> (any Optimizer, (any LRScheduler)?)
    ) throws -> [[Double]] {
        var params = fixture.makeParameters(dtype: dtype)
        var (optimizer, schedule) = make(params)
        for step in 1...steps {
            optimizer.zeroGrad()
            fixture.setGradients(params, step: step, skip: [])
            optimizer.step()
            schedule?.step()
            guard step == saveAfter else { continue }

            let parameterURL = TemporaryFiles.url("optimizer-state", "parameters.safetensors"),
                stateURL = TemporaryFiles.url("optimizer-state", "optimizer.safetensors")
            defer {
                try? FileManager.default.removeItem(at: parameterURL)
                try? FileManager.default.removeItem(at: stateURL)
            }
            try Safetensors(params.enumerated().map { ("p\($0)", $1) }).write(to: parameterURL)
            var state = optimizer.stateDict()
            if let schedule { state.metadata["lr_scheduler"] = schedule.stateDict() }
            try state.write(to: stateURL)

            // Fresh objects, as in a new process: the parameters start over and are overwritten.
            params = fixture.makeParameters(dtype: dtype)
            (optimizer, schedule) = make(params)
            let savedParameters = try Safetensors(contentsOf: parameterURL)
            for (i, p) in params.enumerated() { assign(savedParameters["p\(i)"]!.scalars, to: p) }
            let savedState = try Safetensors(contentsOf: stateURL)
            try optimizer.loadStateDict(savedState)
            try schedule?.loadStateDict(savedState.metadata["lr_scheduler"]!)
        }
        return params.map(\.scalars)
    }

    struct ResumeCase: CustomTestStringConvertible, Sendable {
        let name: String
        let make: @Sendable ([Tensor]) -> (any Optimizer, (any LRScheduler)?)
        var testDescription: String { name }
    }

    static let resumeCases: [ResumeCase] = [
        ResumeCase(name: "SGD, Nesterov, groups, StepLR") { p in
            let o = SGD([ParameterGroup([p[0], p[1]]), ParameterGroup([p[2]], learningRate: 0.02, weightDecay: 0.1)],
                        learningRate: 0.1, momentum: 0.9, nesterov: true)
            return (o, StepLR(o, stepSize: 2, gamma: 0.5))
        },
        ResumeCase(name: "Adam, amsgrad in one group, OneCycleLR") { p in
            let o = Adam([ParameterGroup([p[0]], amsgrad: true), ParameterGroup([p[1], p[2]], weightDecay: 0.1)],
                         learningRate: 0.1)
            return (o, OneCycleLR(o, maxLearningRate: [0.1, 0.05], totalSteps: 8))
        },
        ResumeCase(name: "AdamW, CosineAnnealingLR") { p in
            let o = AdamW(p, learningRate: 0.1)
            return (o, CosineAnnealingLR(o, maxSteps: 3, minLearningRate: 0.01))
        },
        ResumeCase(name: "RMSprop, centered with momentum, LinearLR") { p in
            let o = RMSprop([ParameterGroup([p[0], p[1]], centered: true), ParameterGroup([p[2]], momentum: 0.5)],
                            learningRate: 0.01, momentum: 0.9)
            return (o, LinearLR(o, startFactor: 0.5, totalIterations: 4))
        },
        ResumeCase(name: "Adagrad, groups, no schedule") { p in
            (Adagrad([ParameterGroup([p[0]]), ParameterGroup([p[1], p[2]], learningRate: 0.05, learningRateDecay: 0.1)],
                     learningRate: 0.1, initialAccumulatorValue: 0.1), nil)
        },
    ]

    @Test("train, save, load into fresh objects, go on: bit for bit the uninterrupted run", arguments: resumeCases)
    func resumeIsExact(_ resume: ResumeCase) throws {
        for dtype in [DType.float32, .float64] {
            let uninterrupted = try Self.run(steps: 8, saveAfter: nil, dtype: dtype, resume.make)
            for saveAfter in [1, 3, 7] {
                let resumed = try Self.run(steps: 8, saveAfter: saveAfter, dtype: dtype, resume.make)
                #expect(resumed == uninterrupted, "saved after step \(saveAfter), \(dtype)")
            }
        }
    }

    @Test("a model and its optimizer saved together resume exactly")
    func modelAndOptimizer() throws {
        var data = RandomGenerator(seed: 7)
        let x = Tensor.randn([16, 3], dtype: .float64, using: &data)
        let y = Tensor.randn([16, 1], dtype: .float64, using: &data)
        func make() -> (Sequential, Adam, ReduceLROnPlateau) {
            var g = RandomGenerator(seed: 8)
            let model = Sequential(Linear(3, 8, dtype: .float64, generator: &g), Tanh(),
                                   Linear(8, 1, dtype: .float64, generator: &g))
            let optimizer = Adam(model.parameters(), learningRate: 0.05, amsgrad: true)
            return (model, optimizer, ReduceLROnPlateau(optimizer, factor: 0.5, patience: 0))
        }
        func train(epochs: Int, saveAfter: Int?) throws -> [Double] {
            var (model, optimizer, schedule) = make()
            let modelURL = TemporaryFiles.url("optimizer-state", "model.safetensors"),
                stateURL = TemporaryFiles.url("optimizer-state", "optimizer.safetensors")
            defer {
                try? FileManager.default.removeItem(at: modelURL)
                try? FileManager.default.removeItem(at: stateURL)
            }
            for epoch in 1...epochs {
                optimizer.zeroGrad()
                let loss = mseLoss(model(x), y)
                try loss.backward()
                optimizer.step()
                schedule.step(loss.item())
                guard epoch == saveAfter else { continue }
                try model.saveParameters(to: modelURL)
                var state = optimizer.stateDict()
                state.metadata["lr_scheduler"] = schedule.stateDict()
                try state.write(to: stateURL)

                (model, optimizer, schedule) = make()
                try model.loadParameters(from: modelURL)
                try optimizer.loadState(from: stateURL)
                try schedule.loadStateDict(try Safetensors(contentsOf: stateURL).metadata["lr_scheduler"]!)
            }
            return model.parameters().flatMap(\.scalars) + optimizer.parameterGroups.map(\.learningRate)
        }
        let uninterrupted = try train(epochs: 12, saveAfter: nil)
        #expect(uninterrupted.last! < 0.05, "the schedule reduced the rate, so its state matters")
        #expect(try train(epochs: 12, saveAfter: 5) == uninterrupted)
    }

    @Test("the layout is PyTorch's: state.<i>.<name>, a 0-d step, param_groups in the metadata")
    func layout() throws {
        let a = Tensor([1.0, 2.0], dtype: .float64, requiresGrad: true)
        let b = Tensor([[3.0]], dtype: .float32, requiresGrad: true)
        let optimizer = Adam([ParameterGroup([a], amsgrad: true), ParameterGroup([b], learningRate: 0.01)])
        _ = StepLR(optimizer, stepSize: 10)
        a.grad = Tensor([0.5, -0.5], dtype: .float64)
        b.grad = Tensor([[1.0]], dtype: .float32)
        optimizer.step()
        let state = optimizer.stateDict()
        #expect(state.names == ["state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq",
                                "state.1.step", "state.1.exp_avg", "state.1.exp_avg_sq"])
        #expect(state["state.0.step"]!.shape == [] && state["state.0.step"]!.dtype == .float64 && state["state.0.step"]!.item() == 1)
        #expect(state["state.1.exp_avg"]!.dtype == .float32 && state["state.1.exp_avg"]!.shape == [1, 1])
        #expect(state.metadata["format"] == "pt" && state.metadata["optimizer"] == "Adam")
        #expect(state.metadata["param_groups"] == """
            [{"lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-08, "weight_decay": 0.0, "amsgrad": true, \
            "maximize": false, "decoupled_weight_decay": false, "initial_lr": 0.001, "params": [0]}, \
            {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-08, "weight_decay": 0.0, "amsgrad": false, \
            "maximize": false, "decoupled_weight_decay": false, "initial_lr": 0.01, "params": [1]}]
            """)

        // The state dict is a snapshot: later steps do not change it.
        let before = state["state.0.exp_avg"]!.scalars
        optimizer.step()
        #expect(state["state.0.exp_avg"]!.scalars == before)
        #expect(optimizer.stateDict()["state.0.exp_avg"]!.scalars != before)
    }

    @Test("Adagrad's state exists before the first step, as PyTorch's")
    func adagradStateUpFront() {
        let p = Tensor([1.0, 2.0], requiresGrad: true)
        let state = Adagrad([p], initialAccumulatorValue: 0.25).stateDict()
        #expect(state.names == ["state.0.step", "state.0.sum"])
        #expect(state["state.0.step"]!.item() == 0 && state["state.0.sum"]!.scalars == [0.25, 0.25])
    }

    @Test("a state is loaded into another dtype by converting it")
    func convertsDType() throws {
        let p32 = Tensor([1.0, -1.0], dtype: .float32, requiresGrad: true)
        let p64 = Tensor([1.0, -1.0], dtype: .float64, requiresGrad: true)
        let source = RMSprop([p32], momentum: 0.5)
        p32.grad = Tensor([0.25, 0.5], dtype: .float32)
        source.step()
        let target = RMSprop([p64], momentum: 0.5)
        try target.loadStateDict(source.stateDict())
        let loaded = target.stateDict()
        #expect(loaded["state.0.square_avg"]!.dtype == .float64)
        #expect(loaded["state.0.square_avg"]!.scalars == source.stateDict()["state.0.square_avg"]!.scalars)
    }

    // MARK: - What does not fit

    static func trainedAdam(_ shapes: [[Int]] = [[2], [3]], groups: Bool = false) -> Adam {
        let params = shapes.map { Tensor.zeros($0, dtype: .float64, requiresGrad: true) }
        let optimizer = groups
            ? Adam(params.map { ParameterGroup([$0]) }, learningRate: 0.1)
            : Adam(params, learningRate: 0.1)
        for p in params { p.grad = Tensor.ones(p.shape, dtype: .float64) }
        optimizer.step()
        return optimizer
    }

    static func expectError(_ kind: OptimizerStateError.Kind, mentioning text: String,
                            loading state: Safetensors, into optimizer: any Optimizer,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        let before = optimizer.stateDict()
        let lrBefore = optimizer.parameterGroups.map(\.learningRate)
        do {
            try optimizer.loadStateDict(state)
            Issue.record("loading succeeded; expected a \(kind) error", sourceLocation: sourceLocation)
        } catch let error as OptimizerStateError {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
        let after = optimizer.stateDict()
        #expect(after.names == before.names && after.metadata == before.metadata, "nothing changed",
                sourceLocation: sourceLocation)
        #expect(optimizer.parameterGroups.map(\.learningRate) == lrBefore, sourceLocation: sourceLocation)
    }

    @Test("another number of groups or parameters")
    func groupMismatch() {
        Self.expectError(.groupMismatch, mentioning: "2 parameter groups, the optimizer 1",
                         loading: Self.trainedAdam(groups: true).stateDict(), into: Self.trainedAdam())
        Self.expectError(.groupMismatch, mentioning: "has 2 parameters, the optimizer's 3",
                         loading: Self.trainedAdam().stateDict(), into: Self.trainedAdam([[2], [3], [1]]))
    }

    @Test("a state tensor of another shape")
    func shapeMismatch() {
        Self.expectError(.shapeMismatch, mentioning: "'state.1.exp_avg' has shape [4], parameter 1 has shape [3]",
                         loading: Self.trainedAdam([[2], [4]]).stateDict(), into: Self.trainedAdam())
    }

    @Test("a missing or unexpected state tensor")
    func missingAndUnexpected() {
        var state = Self.trainedAdam().stateDict()
        state.tensors.removeAll { $0.name == "state.1.exp_avg_sq" }
        Self.expectError(.missingState, mentioning: "parameter 1 has no 'exp_avg_sq'", loading: state, into: Self.trainedAdam())

        state = Self.trainedAdam().stateDict()
        state.tensors.append(("state.0.momentum_buffer", Tensor.zeros([2], dtype: .float64)))
        Self.expectError(.unexpected, mentioning: "not 'momentum_buffer'", loading: state, into: Self.trainedAdam())

        state = Self.trainedAdam().stateDict()
        state.tensors.append(("state.5.exp_avg", Tensor.zeros([2], dtype: .float64)))
        Self.expectError(.unexpected, mentioning: "parameter 5, which no group lists", loading: state, into: Self.trainedAdam())
    }

    @Test("another optimizer's state")
    func otherOptimizer() {
        let p = Tensor.zeros([2], dtype: .float64, requiresGrad: true), q = Tensor.zeros([3], dtype: .float64, requiresGrad: true)
        let sgd = SGD([p, q], learningRate: 0.1, momentum: 0.9)
        Self.expectError(.unexpected, mentioning: "(written by SGD): group 0 has 'dampening', which Adam does not have",
                         loading: sgd.stateDict(), into: Self.trainedAdam())
    }

    @Test("malformed metadata")
    func malformedMetadata() {
        var state = Self.trainedAdam().stateDict()
        state.metadata["param_groups"] = "[{\"lr\": true, \"params\": [0, 1]}]"
        Self.expectError(.malformed, mentioning: "'lr' must be a number, not true", loading: state, into: Self.trainedAdam())
        state.metadata["param_groups"] = "not json"
        Self.expectError(.malformed, mentioning: "not a JSON list", loading: state, into: Self.trainedAdam())
        state.metadata["param_groups"] = nil
        Self.expectError(.malformed, mentioning: "no 'param_groups'", loading: state, into: Self.trainedAdam())
    }
}

/// Overwrites a parameter's elements (float32 or float64) with `values`.
func assign(_ values: [Double], to p: Tensor) {
    if p.dtype == .float32 {
        p.withUnsafeMutableBufferPointer(as: Float.self) { _ = $0.update(fromContentsOf: values.map { Float($0) }) }
    } else {
        p.withUnsafeMutableBufferPointer(as: Double.self) { _ = $0.update(fromContentsOf: values) }
    }
}
