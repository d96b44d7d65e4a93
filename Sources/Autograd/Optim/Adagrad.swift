/// Adagrad, as `torch.optim.Adagrad`: steps scaled by the root of each element's
/// accumulated squared gradients.
///
/// Per parameter `p` with gradient `g` at step `t` (counted per parameter from 1),
/// with its group's hyper-parameters, following PyTorch's update exactly:
///
/// ```
/// g = -g                                           (if maximize)
/// g = g + weightDecay · p                          (if weightDecay ≠ 0)
/// η = learningRate / (1 + (t - 1) · learningRateDecay)
/// s = s + g²
/// p = p - η · g / (√s + ε)
/// ```
///
/// The defaults are PyTorch's: learning rate 1e-2, no decay of either kind, an
/// accumulator starting at 0, ε 1e-10. As in PyTorch, every parameter's state
/// (`step` and the accumulator `sum`) exists from the start, and every
/// accumulator starts from the constructor's `initialAccumulatorValue`, which is
/// therefore not a per-group setting.
public final class Adagrad: Optimizer {
    private var storage: _OptimizerStorage<State>

    /// Adagrad over one group of parameters.
    ///
    /// - Parameters:
    ///   - parameters: the tensors to optimise, usually `model.parameters()`.
    ///   - learningRate: the step size before decay (PyTorch's `lr`, default 1e-2).
    ///   - learningRateDecay: the step size at step `t` is `learningRate / (1 + (t - 1) · learningRateDecay)`
    ///     (`lr_decay`, default 0).
    ///   - weightDecay: the L2 penalty coefficient added to the gradient (`weight_decay`, default 0).
    ///   - initialAccumulatorValue: the value every accumulator of squared gradients starts
    ///     from (default 0); one for the whole optimizer, as in PyTorch.
    ///   - epsilon: added to the denominator for numerical stability (`eps`, default 1e-10).
    ///   - maximize: ascend the objective instead of descending it (default false).
    public convenience init(
        _ parameters: [Tensor], learningRate: Double = 1e-2, learningRateDecay: Double = 0, weightDecay: Double = 0,
        initialAccumulatorValue: Double = 0, epsilon: Double = 1e-10, maximize: Bool = false
    ) {
        self.init([ParameterGroup(parameters)], learningRate: learningRate, learningRateDecay: learningRateDecay,
                  weightDecay: weightDecay, initialAccumulatorValue: initialAccumulatorValue, epsilon: epsilon,
                  maximize: maximize)
    }

    /// Adagrad over parameter groups; the arguments are the defaults of every value a group does not set.
    ///
    /// A group that sets an `initialAccumulatorValue` other than the constructor's traps, since
    /// PyTorch would silently ignore it.
    ///
    /// - Parameters:
    ///   - groups: the parameter groups; a value a group sets overrides the argument here.
    ///   - learningRate: the step size before decay (PyTorch's `lr`, default 1e-2).
    ///   - learningRateDecay: the step size at step `t` is `learningRate / (1 + (t - 1) · learningRateDecay)`
    ///     (`lr_decay`, default 0).
    ///   - weightDecay: the L2 penalty coefficient added to the gradient (`weight_decay`, default 0).
    ///   - initialAccumulatorValue: the value every accumulator of squared gradients starts
    ///     from (default 0); one for the whole optimizer, as in PyTorch.
    ///   - epsilon: added to the denominator for numerical stability (`eps`, default 1e-10).
    ///   - maximize: ascend the objective instead of descending it (default false).
    public init(
        _ groups: [ParameterGroup], learningRate: Double = 1e-2, learningRateDecay: Double = 0, weightDecay: Double = 0,
        initialAccumulatorValue: Double = 0, epsilon: Double = 1e-10, maximize: Bool = false
    ) {
        var defaults = ParameterGroup([], learningRate: learningRate, weightDecay: weightDecay, epsilon: epsilon,
                                      learningRateDecay: learningRateDecay, maximize: maximize)
        defaults[.initialAccumulatorValue] = .number(initialAccumulatorValue)
        for (i, group) in groups.enumerated() { Self.checkAccumulatorValue(of: group, index: i, defaults: defaults) }
        storage = _OptimizerStorage(
            name: "Adagrad",
            keys: [.learningRate, .learningRateDecay, .epsilon, .weightDecay, .initialAccumulatorValue, .maximize],
            defaults: defaults, groups: groups, problem: Self.problem,
            initialState: { _, p in
                State(step: 0, sum: Tensor.full(p.shape, initialAccumulatorValue, dtype: p.dtype))
            })
    }

    /// The parameter groups, completed with the defaults; assign to change their
    /// hyper-parameters (not their parameters) from the next `step()`.
    public var parameterGroups: [ParameterGroup] {
        get { storage.groups }
        set { storage.replaceGroups(with: newValue) }
    }

    /// The constructor's hyper-parameters, which fill in what a group does not set.
    public var defaults: ParameterGroup { storage.defaults }

    /// Adds a group of parameters, completing its hyper-parameters with ``defaults``.
    public func addParameterGroup(_ group: ParameterGroup) {
        Self.checkAccumulatorValue(of: group, index: storage.groups.count, defaults: storage.defaults)
        storage.append(group)
    }

    /// The per-parameter state and the groups' hyper-parameters, in PyTorch's
    /// `Adagrad` state-dict layout (see ``Optimizer/stateDict()``).
    public func stateDict() -> Safetensors { storage.stateDict() }

    /// Restores a state `stateDict()` (or PyTorch) saved; nothing changes unless all of it fits.
    ///
    /// - Throws: `OptimizerStateError` naming what does not fit this optimizer.
    public func loadStateDict(_ stateDict: Safetensors) throws { try storage.loadStateDict(stateDict) }

    /// Takes one Adagrad step for every parameter with a gradient, adding its squared
    /// gradient to the accumulator.
    public func step() {
        let initialValue = storage.defaults.initialAccumulatorValue
        storage.forEachParameterWithGradient { group, p, g, state in
            // States exist from the start; one is missing only after loading a state dict without it.
            var current = state ?? State(step: 0, sum: Tensor.full(p.shape, initialValue, dtype: p.dtype))
            current.step += 1
            state = current
            Update(parameter: p, gradient: g, state: current, group: group).run(for: p.dtype, in: "Adagrad")
        }
    }

    private static func problem(_ group: ParameterGroup) -> String? {
        if !(group.learningRate >= 0) { return "invalid learning rate \(group.learningRate)" }
        if !(group.learningRateDecay >= 0) { return "invalid learning rate decay \(group.learningRateDecay)" }
        if !(group.weightDecay >= 0) { return "invalid weight decay \(group.weightDecay)" }
        if !(group.initialAccumulatorValue >= 0) {
            return "invalid initial accumulator value \(group.initialAccumulatorValue)"
        }
        if !(group.epsilon >= 0) { return "invalid epsilon \(group.epsilon)" }
        return nil
    }

    /// A group may not ask for an accumulator start of its own: PyTorch would ignore it.
    private static func checkAccumulatorValue(of group: ParameterGroup, index: Int, defaults: ParameterGroup) {
        guard let own = group[.initialAccumulatorValue] else { return }
        precondition(own == defaults[.initialAccumulatorValue], """
            Adagrad: parameter group \(index) sets initial_accumulator_value \(own), but every accumulator \
            starts from the constructor's \(defaults.initialAccumulatorValue), as in PyTorch
            """)
    }

    /// The accumulated squared gradients of one parameter.
    struct State: _ParameterState {
        var step: Int
        let sum: Tensor

        init(step: Int, sum: Tensor) {
            self.step = step
            self.sum = sum
        }

        static var tensorNames: Set<String> { ["step", "sum"] }

        var namedTensors: [(name: String, tensor: Tensor)] { [("step", stepTensor(step)), ("sum", sum)] }

        init(restoring saved: _SavedState, group: ParameterGroup) throws {
            step = try saved.step()
            sum = try saved.tensor("sum")
        }
    }

    /// One parameter's update, fused into one pass over its buffers.
    private struct Update: FloatingPointLoop {
        let parameter: Tensor, gradient: Tensor
        let state: State
        let group: ParameterGroup

        func run<T: TensorScalar>(as _: T.Type) {
            let clr = group.learningRate / (1 + Double(state.step - 1) * group.learningRateDecay)
            let negativeStep = T(-clr), decay = T(group.weightDecay), eps = T(group.epsilon)
            let sign: T = group.maximize ? -1 : 1
            parameter.withUnsafeMutableBufferPointer(as: T.self) { param in
                gradient.withUnsafeBufferPointer(as: T.self) { grad in
                    state.sum.withUnsafeMutableBufferPointer(as: T.self) { s in
                        for i in param.indices {
                            var d = sign * grad[i]
                            if decay != 0 { d += decay * param[i] }
                            s[i] += d * d
                            param[i] += negativeStep * d / (s[i].squareRoot() + eps)
                        }
                    }
                }
            }
        }
    }
}
