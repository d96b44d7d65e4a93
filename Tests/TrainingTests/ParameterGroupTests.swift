import Autograd
import Testing

/// Parameter groups: completed from the optimizer's defaults, changed through the
/// optimizer, values rather than shared references, checked when they do not fit.
@Suite("Parameter groups")
struct ParameterGroupTests {
    @Test("a group takes the constructor's value for everything it does not set")
    func defaultsFillIn() {
        let a = Tensor([1.0], requiresGrad: true), b = Tensor([2.0], requiresGrad: true)
        let optimizer = SGD([ParameterGroup([a], learningRate: 0.5), ParameterGroup([b], nesterov: true)],
                            learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4)
        let groups = optimizer.parameterGroups
        #expect(groups.map(\.learningRate) == [0.5, 0.1])
        #expect(groups.map(\.momentum) == [0.9, 0.9] && groups.map(\.weightDecay) == [1e-4, 1e-4])
        #expect(groups.map(\.nesterov) == [false, true])
        #expect(groups[0].keys == [.learningRate, .momentum, .dampening, .weightDecay, .nesterov, .maximize])
        #expect(optimizer.parameters.map(ObjectIdentifier.init) == [a, b].map(ObjectIdentifier.init))
        #expect("\(groups[0])" == "ParameterGroup(1 parameter, lr: 0.5, momentum: 0.9, dampening: 0.0, weight_decay: 0.0001, nesterov: false, maximize: false)")
    }

    @Test("a learning rate changed through parameterGroups applies from the next step")
    func changeLearningRate() {
        let p = Tensor([1.0, -2.0], dtype: .float64, requiresGrad: true)
        let q = Tensor([1.0, -2.0], dtype: .float64, requiresGrad: true)
        let changed = SGD([p], learningRate: 0.1, momentum: 0.9)
        let reference = SGD([q], learningRate: 0.1, momentum: 0.9)
        for step in 0..<3 {
            if step == 1 {
                changed.parameterGroups[0].learningRate = 0.01
                reference.parameterGroups = [ParameterGroup([q], learningRate: 0.01)]
            }
            for t in [p, q] { t.grad = Tensor([0.5, 0.25], dtype: .float64) }
            changed.step()
            reference.step()
        }
        #expect(p.scalars == q.scalars)
        #expect(reference.parameterGroups[0].momentum == 0.9, "a replaced group is completed from the defaults again")
    }

    @Test("groups are values: the optimizer's copy is the one that counts")
    func valueSemantics() {
        let p = Tensor([1.0], requiresGrad: true)
        var group = ParameterGroup([p], learningRate: 0.1)
        let first = Adam([group]), second = Adam([group])
        group.learningRate = 0.5
        first.parameterGroups[0].learningRate = 0.2
        #expect(first.parameterGroups[0].learningRate == 0.2)
        #expect(second.parameterGroups[0].learningRate == 0.1)
        var copy = first.parameterGroups[0]
        copy.betas = (0.5, 0.5)
        #expect(first.parameterGroups[0].betas == (0.9, 0.999))
        #expect(first.parameterGroups[0].parameters[0] === p, "the parameters themselves are shared tensors")
    }

    @Test("addParameterGroup completes the group and gives it state of its own")
    func addGroup() {
        let a = Tensor([1.0, 2.0], dtype: .float64, requiresGrad: true)
        let b = Tensor([3.0], dtype: .float64, requiresGrad: true)
        let optimizer = Adagrad([a], learningRate: 0.1, initialAccumulatorValue: 0.5)
        optimizer.addParameterGroup(ParameterGroup([b], learningRate: 0.01))
        #expect(optimizer.parameterGroups.count == 2 && optimizer.parameterGroups[1].learningRate == 0.01)
        #expect(optimizer.parameterGroups[1].initialAccumulatorValue == 0.5)
        #expect(optimizer.stateDict()["state.1.sum"]?.scalars == [0.5])
        b.grad = Tensor([1.0], dtype: .float64)
        optimizer.step()
        #expect(b.scalars == [3.0 - 0.01 * 1.0 / ((0.5 + 1.0).squareRoot() + 1e-10)])
        #expect(a.scalars == [1.0, 2.0])
    }

    @Test("hyper-parameters are stored under PyTorch's keys")
    func keys() {
        var group = ParameterGroup([], learningRate: 0.1, betas: (0.8, 0.9), amsgrad: true)
        #expect(group[.learningRate] == .number(0.1) && group[.betas] == .pair(0.8, 0.9) && group[.amsgrad] == .flag(true))
        #expect(group[.momentum] == nil && group.initialLearningRate == nil)
        group[.learningRate] = nil
        #expect(group.keys == [.betas, .amsgrad])
        #expect(ParameterGroup.Key.learningRate.rawValue == "lr" && ParameterGroup.Key.epsilon.rawValue == "eps")
        #expect(ParameterGroup.Key.learningRateDecay.rawValue == "lr_decay")
    }

    // MARK: - Programming errors trap with a message

    @Test("a hyper-parameter the optimizer does not have")
    func foreignKey() async {
        await #expect(processExitsWith: .failure) {
            _ = SGD([ParameterGroup([Tensor([1.0], requiresGrad: true)], betas: (0.9, 0.99))])
        }
    }

    @Test("a parameter in two groups")
    func parameterTwice() async {
        await #expect(processExitsWith: .failure) {
            let p = Tensor([1.0], requiresGrad: true)
            _ = Adam([ParameterGroup([p]), ParameterGroup([p], learningRate: 0.1)])
        }
    }

    @Test("other parameters assigned through parameterGroups")
    func replacedParameters() async {
        await #expect(processExitsWith: .failure) {
            let optimizer = RMSprop([Tensor([1.0], requiresGrad: true)])
            optimizer.parameterGroups = [ParameterGroup([Tensor([2.0], requiresGrad: true)])]
        }
    }

    @Test("an invalid value in a group given to an optimizer")
    func invalidValue() async {
        await #expect(processExitsWith: .failure) {
            _ = Adam([ParameterGroup([Tensor([1.0], requiresGrad: true)], betas: (1.5, 0.999))])
        }
        await #expect(processExitsWith: .failure) {
            let optimizer = SGD([Tensor([1.0], requiresGrad: true)], learningRate: 0.1)
            optimizer.addParameterGroup(ParameterGroup([Tensor([2.0], requiresGrad: true)], learningRate: -1))
        }
    }

    @Test("values may change freely later, as in PyTorch")
    func laterValuesUnchecked() {
        let optimizer = Adam([Tensor([1.0], requiresGrad: true)])
        optimizer.parameterGroups[0].learningRate = -1e-3
        #expect(optimizer.parameterGroups[0].learningRate == -1e-3)
    }

    @Test("Adagrad's accumulator start set per group")
    func adagradAccumulatorPerGroup() async {
        await #expect(processExitsWith: .failure) {
            var group = ParameterGroup([Tensor([1.0], requiresGrad: true)])
            group[.initialAccumulatorValue] = .number(0.1)
            _ = Adagrad([group])
        }
    }

    @Test("reading a hyper-parameter a group does not hold")
    func missingKey() async {
        await #expect(processExitsWith: .failure) {
            _ = ParameterGroup([]).learningRate
        }
    }
}
