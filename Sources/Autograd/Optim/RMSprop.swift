/// RMSprop, as `torch.optim.RMSprop`: steps scaled by a running average of squared gradients.
///
/// Per parameter `p` with gradient `g`, with its group's hyper-parameters,
/// following PyTorch's update exactly:
///
/// ```
/// g = -g                                           (if maximize)
/// g = g + weightDecay · p                          (if weightDecay ≠ 0)
/// s = α · s + (1 - α) · g²
/// a = lerp(a, g, 1 - α)                            (if centered)
/// d = √(s - a²) + ε   if centered,  else  d = √s + ε
/// b = momentum · b + g / d                         (if momentum > 0)
/// p = p - learningRate · b                         (if momentum > 0)
/// p = p - learningRate · g / d                     (otherwise)
/// ```
///
/// The defaults are PyTorch's: learning rate 1e-2, α 0.99, ε 1e-8, no weight
/// decay, no momentum, not centered. The state dict keeps `step`, `square_avg`
/// (s) and, when used, `momentum_buffer` (b) and `grad_avg` (a) per parameter.
public final class RMSprop: Optimizer {
    private var storage: _OptimizerStorage<State>

    /// RMSprop over one group of parameters.
    ///
    /// - Parameters:
    ///   - parameters: the tensors to optimise, usually `model.parameters()`.
    ///   - learningRate: the step size (PyTorch's `lr`, default 1e-2).
    ///   - alpha: the smoothing constant of the running averages (default 0.99).
    ///   - epsilon: added to the denominator for numerical stability (`eps`, default 1e-8).
    ///   - weightDecay: the L2 penalty coefficient added to the gradient (`weight_decay`, default 0).
    ///   - momentum: the momentum factor of the step buffer; 0 (the default) uses none.
    ///   - centered: normalise by an estimate of the gradient's variance (the second
    ///     moment less the squared running mean) instead of its second moment (default false).
    ///   - maximize: ascend the objective instead of descending it (default false).
    public convenience init(
        _ parameters: [Tensor], learningRate: Double = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8,
        weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false, maximize: Bool = false
    ) {
        self.init([ParameterGroup(parameters)], learningRate: learningRate, alpha: alpha, epsilon: epsilon,
                  weightDecay: weightDecay, momentum: momentum, centered: centered, maximize: maximize)
    }

    /// RMSprop over parameter groups; the arguments are the defaults of every value a group does not set.
    ///
    /// - Parameters:
    ///   - groups: the parameter groups; a value a group sets overrides the argument here.
    ///   - learningRate: the step size (PyTorch's `lr`, default 1e-2).
    ///   - alpha: the smoothing constant of the running averages (default 0.99).
    ///   - epsilon: added to the denominator for numerical stability (`eps`, default 1e-8).
    ///   - weightDecay: the L2 penalty coefficient added to the gradient (`weight_decay`, default 0).
    ///   - momentum: the momentum factor of the step buffer; 0 (the default) uses none.
    ///   - centered: normalise by an estimate of the gradient's variance (the second
    ///     moment less the squared running mean) instead of its second moment (default false).
    ///   - maximize: ascend the objective instead of descending it (default false).
    public init(
        _ groups: [ParameterGroup], learningRate: Double = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8,
        weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false, maximize: Bool = false
    ) {
        let defaults = ParameterGroup(
            [], learningRate: learningRate, weightDecay: weightDecay, momentum: momentum, epsilon: epsilon,
            alpha: alpha, centered: centered, maximize: maximize)
        storage = _OptimizerStorage(
            name: "RMSprop",
            keys: [.learningRate, .momentum, .alpha, .epsilon, .centered, .weightDecay, .maximize],
            defaults: defaults, groups: groups, problem: Self.problem)
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
    public func addParameterGroup(_ group: ParameterGroup) { storage.append(group) }

    /// The per-parameter state and the groups' hyper-parameters, in PyTorch's
    /// `RMSprop` state-dict layout (see ``Optimizer/stateDict()``).
    public func stateDict() -> Safetensors { storage.stateDict() }

    /// Restores a state `stateDict()` (or PyTorch) saved; nothing changes unless all of it fits.
    ///
    /// - Throws: `OptimizerStateError` naming what does not fit this optimizer.
    public func loadStateDict(_ stateDict: Safetensors) throws { try storage.loadStateDict(stateDict) }

    /// Takes one RMSprop step for every parameter with a gradient, creating the
    /// running averages (zeros) it needs on first use.
    public func step() {
        storage.forEachParameterWithGradient { group, p, g, state in
            var current = state ?? State(step: 0, squareAverage: Tensor.zeros(like: p))
            // Buffers start at zero when first needed, also when a group turns momentum or
            // centering on after its first steps (OneCycleLR may raise a momentum of 0).
            if group.momentum > 0 && current.momentumBuffer == nil { current.momentumBuffer = Tensor.zeros(like: p) }
            if group.centered && current.gradientAverage == nil { current.gradientAverage = Tensor.zeros(like: p) }
            current.step += 1
            state = current
            Update(parameter: p, gradient: g, state: current, group: group).run(for: p.dtype, in: "RMSprop")
        }
    }

    private static func problem(_ group: ParameterGroup) -> String? {
        if !(group.learningRate >= 0) { return "invalid learning rate \(group.learningRate)" }
        if !(group.epsilon >= 0) { return "invalid epsilon \(group.epsilon)" }
        if !(group.momentum >= 0) { return "invalid momentum \(group.momentum)" }
        if !(group.weightDecay >= 0) { return "invalid weight decay \(group.weightDecay)" }
        if !(group.alpha >= 0) { return "invalid alpha \(group.alpha)" }
        return nil
    }

    /// The running averages of one parameter.
    struct State: _ParameterState {
        var step: Int
        let squareAverage: Tensor
        var momentumBuffer: Tensor?
        var gradientAverage: Tensor?

        init(step: Int, squareAverage: Tensor) {
            self.step = step
            self.squareAverage = squareAverage
        }

        static var tensorNames: Set<String> { ["step", "square_avg", "momentum_buffer", "grad_avg"] }

        var namedTensors: [(name: String, tensor: Tensor)] {
            var tensors = [("step", stepTensor(step)), ("square_avg", squareAverage)]
            if let momentumBuffer { tensors.append(("momentum_buffer", momentumBuffer)) }
            if let gradientAverage { tensors.append(("grad_avg", gradientAverage)) }
            return tensors
        }

        init(restoring saved: _SavedState, group: ParameterGroup) throws {
            step = try saved.step()
            squareAverage = try saved.tensor("square_avg")
            momentumBuffer = group.momentum > 0
                ? try saved.tensor("momentum_buffer", because: "the group has momentum \(group.momentum)")
                : saved.tensors["momentum_buffer"]
            gradientAverage = group.centered
                ? try saved.tensor("grad_avg", because: "the group is centered")
                : saved.tensors["grad_avg"]
        }
    }

    /// One parameter's update, fused into one pass over its buffers.
    private struct Update: FloatingPointLoop {
        let parameter: Tensor, gradient: Tensor
        let state: State
        let group: ParameterGroup

        func run<T: TensorScalar>(as _: T.Type) {
            let lr = T(group.learningRate), decay = T(group.weightDecay), eps = T(group.epsilon)
            let alpha = T(group.alpha), oneMinusAlpha = T(1 - group.alpha), mu = T(group.momentum)
            let sign: T = group.maximize ? -1 : 1
            // Only the buffers the group uses now take part, whatever the state holds from before.
            let momentumBuffer = group.momentum > 0 ? state.momentumBuffer : nil
            let gradientAverage = group.centered ? state.gradientAverage : nil
            parameter.withUnsafeMutableBufferPointer(as: T.self) { param in
                gradient.withUnsafeBufferPointer(as: T.self) { grad in
                    state.squareAverage.withUnsafeMutableBufferPointer(as: T.self) { s in
                        momentumBuffer.withUnsafeMutableBufferPointer(as: T.self) { b in
                            gradientAverage.withUnsafeMutableBufferPointer(as: T.self) { a in
                                for i in param.indices {
                                    var d = sign * grad[i]
                                    if decay != 0 { d += decay * param[i] }
                                    s[i] = s[i] * alpha + oneMinusAlpha * d * d
                                    var average: T
                                    if let a {
                                        a[i] = lerpLikePyTorch(a[i], d, oneMinusAlpha)
                                        average = (s[i] - a[i] * a[i]).squareRoot()
                                    } else {
                                        average = s[i].squareRoot()
                                    }
                                    average += eps
                                    if let b {
                                        b[i] = b[i] * mu + d / average
                                        param[i] += -lr * b[i]
                                    } else {
                                        param[i] += -lr * d / average
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
