/// Adam, as `torch.optim.Adam`: per-parameter step sizes from running estimates of
/// the gradient's first and second moments, with bias correction.
///
/// Per parameter `p` with gradient `g` at step `t` (counted per parameter from 1),
/// with its group's hyper-parameters, following PyTorch's update exactly:
///
/// ```
/// g = -g                                           (if maximize)
/// g = g + weightDecay · p                          (Adam, if weightDecay ≠ 0)
/// p = p · (1 - learningRate · weightDecay)         (AdamW: decoupled decay, instead)
/// m = lerp(m, g, 1 - β₁)                           (m + (1 - β₁)(g - m))
/// v = β₂ · v + (1 - β₂) · g²
/// v̂ = max(v̂, v)                                   (amsgrad only; v̂ replaces v below)
/// p = p - learningRate / (1 - β₁ᵗ) · m / (√v / √(1 - β₂ᵗ) + ε)
/// ```
///
/// The defaults are PyTorch's: learning rate 1e-3, betas (0.9, 0.999), ε 1e-8,
/// no weight decay. The state dict keeps `step`, `exp_avg` (m), `exp_avg_sq` (v)
/// and, with amsgrad, `max_exp_avg_sq` (v̂) per parameter.
public class Adam: Optimizer {
    private var storage: _OptimizerStorage<State>

    /// Adam over one group of parameters.
    ///
    /// ```swift
    /// let optimizer = Adam(model.parameters(), learningRate: 3e-4, weightDecay: 1e-5)
    /// ```
    ///
    /// - Parameters:
    ///   - parameters: the tensors to optimise, usually `model.parameters()`.
    ///   - learningRate: the step size (PyTorch's `lr`, default 1e-3).
    ///   - betas: the decay rates (β₁, β₂) of the running averages of the gradient and
    ///     of its square (default (0.9, 0.999)); each in [0, 1).
    ///   - epsilon: added to the denominator for numerical stability (`eps`, default 1e-8).
    ///   - weightDecay: the L2 penalty coefficient (`weight_decay`, default 0).
    ///   - amsgrad: divide by the largest second-moment estimate seen so far instead of the
    ///     current one, the AMSGrad variant (default false).
    ///   - maximize: ascend the objective instead of descending it (default false).
    ///   - decoupledWeightDecay: shrink the parameters directly (AdamW) rather than
    ///     adding the decay to the gradient (default false).
    public convenience init(
        _ parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        epsilon: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false,
        decoupledWeightDecay: Bool = false
    ) {
        self.init([ParameterGroup(parameters)], learningRate: learningRate, betas: betas, epsilon: epsilon,
                  weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize,
                  decoupledWeightDecay: decoupledWeightDecay)
    }

    /// Adam over parameter groups; the arguments are the defaults of every value a group does not set.
    ///
    /// - Parameters:
    ///   - groups: the parameter groups; a value a group sets overrides the argument here.
    ///   - learningRate: the step size (PyTorch's `lr`, default 1e-3).
    ///   - betas: the decay rates (β₁, β₂) of the running averages of the gradient and
    ///     of its square (default (0.9, 0.999)); each in [0, 1).
    ///   - epsilon: added to the denominator for numerical stability (`eps`, default 1e-8).
    ///   - weightDecay: the L2 penalty coefficient (`weight_decay`, default 0).
    ///   - amsgrad: divide by the largest second-moment estimate seen so far instead of the
    ///     current one, the AMSGrad variant (default false).
    ///   - maximize: ascend the objective instead of descending it (default false).
    ///   - decoupledWeightDecay: shrink the parameters directly (AdamW) rather than
    ///     adding the decay to the gradient (default false).
    public init(
        _ groups: [ParameterGroup], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        epsilon: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false,
        decoupledWeightDecay: Bool = false
    ) {
        let defaults = ParameterGroup(
            [], learningRate: learningRate, weightDecay: weightDecay, betas: betas, epsilon: epsilon,
            amsgrad: amsgrad, decoupledWeightDecay: decoupledWeightDecay, maximize: maximize)
        storage = _OptimizerStorage(
            name: decoupledWeightDecay ? "AdamW" : "Adam",
            keys: [.learningRate, .betas, .epsilon, .weightDecay, .amsgrad, .maximize, .decoupledWeightDecay],
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
    /// `Adam` (`AdamW` when decoupled) state-dict layout (see ``Optimizer/stateDict()``).
    public func stateDict() -> Safetensors { storage.stateDict() }

    /// Restores a state `stateDict()` (or PyTorch) saved; nothing changes unless all of it fits.
    ///
    /// - Throws: `OptimizerStateError` naming what does not fit this optimizer.
    public func loadStateDict(_ stateDict: Safetensors) throws { try storage.loadStateDict(stateDict) }

    /// Takes one Adam step for every parameter with a gradient, creating its moment
    /// estimates (zeros) on its first step.
    public func step() {
        let name = storage.name
        storage.forEachParameterWithGradient { group, p, g, state in
            var current = state ?? State(
                step: 0, firstMoment: Tensor.zeros(like: p), secondMoment: Tensor.zeros(like: p), maxSecondMoment: nil)
            // A group may turn amsgrad on after its first steps; the maximum then starts from zero.
            if group.amsgrad && current.maxSecondMoment == nil { current.maxSecondMoment = Tensor.zeros(like: p) }
            current.step += 1
            state = current
            Update(parameter: p, gradient: g, state: current, group: group).run(for: p.dtype, in: name)
        }
    }

    private static func problem(_ group: ParameterGroup) -> String? {
        let (beta1, beta2) = group.betas
        if !(group.learningRate >= 0) { return "invalid learning rate \(group.learningRate)" }
        if !(group.epsilon >= 0) { return "invalid epsilon \(group.epsilon)" }
        if !(0..<1).contains(beta1) { return "invalid beta parameter at index 0: \(beta1)" }
        if !(0..<1).contains(beta2) { return "invalid beta parameter at index 1: \(beta2)" }
        if !(group.weightDecay >= 0) { return "invalid weight decay \(group.weightDecay)" }
        return nil
    }

    /// The moment estimates of one parameter.
    struct State: _ParameterState {
        var step: Int
        let firstMoment: Tensor
        let secondMoment: Tensor
        var maxSecondMoment: Tensor?

        init(step: Int, firstMoment: Tensor, secondMoment: Tensor, maxSecondMoment: Tensor?) {
            self.step = step
            self.firstMoment = firstMoment
            self.secondMoment = secondMoment
            self.maxSecondMoment = maxSecondMoment
        }

        static var tensorNames: Set<String> { ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"] }

        var namedTensors: [(name: String, tensor: Tensor)] {
            [("step", stepTensor(step)), ("exp_avg", firstMoment), ("exp_avg_sq", secondMoment)]
                + (maxSecondMoment.map { [("max_exp_avg_sq", $0)] } ?? [])
        }

        init(restoring saved: _SavedState, group: ParameterGroup) throws {
            step = try saved.step()
            firstMoment = try saved.tensor("exp_avg")
            secondMoment = try saved.tensor("exp_avg_sq")
            maxSecondMoment = group.amsgrad
                ? try saved.tensor("max_exp_avg_sq", because: "the group uses amsgrad")
                : saved.tensors["max_exp_avg_sq"]
        }
    }

    /// One parameter's update, fused into one pass over its buffers.
    private struct Update: FloatingPointLoop {
        let parameter: Tensor, gradient: Tensor
        let state: State
        let group: ParameterGroup

        func run<T: TensorScalar>(as _: T.Type) {
            let (beta1, beta2) = group.betas
            let lr = group.learningRate, weightDecay = group.weightDecay
            let t = Double(state.step)
            let stepSize = lr / (1 - Double.pow(beta1, t))
            let correction2 = (1 - Double.pow(beta2, t)).squareRoot()
            let decay = T(weightDecay), shrink = T(1 - lr * weightDecay)
            let oneMinusBeta1 = T(1 - beta1), beta2T = T(beta2), oneMinusBeta2 = T(1 - beta2)
            let negativeStep = T(-stepSize), correction2T = T(correction2), eps = T(group.epsilon)
            let sign: T = group.maximize ? -1 : 1
            let decoupled = group.decoupledWeightDecay
            // Without amsgrad the second moment is its own "maximum", so one loop serves both.
            let maxMoment = group.amsgrad ? state.maxSecondMoment : nil
            parameter.withUnsafeMutableBufferPointer(as: T.self) { param in
                gradient.withUnsafeBufferPointer(as: T.self) { grad in
                    state.firstMoment.withUnsafeMutableBufferPointer(as: T.self) { m in
                        state.secondMoment.withUnsafeMutableBufferPointer(as: T.self) { v in
                            maxMoment.withUnsafeMutableBufferPointer(as: T.self) { vMax in
                                for i in param.indices {
                                    var d = sign * grad[i]
                                    if decay != 0 {
                                        if decoupled { param[i] *= shrink } else { d += decay * param[i] }
                                    }
                                    m[i] = lerpLikePyTorch(m[i], d, oneMinusBeta1)
                                    v[i] = v[i] * beta2T + oneMinusBeta2 * d * d
                                    var denominator = v[i]
                                    if let vMax {
                                        vMax[i] = Swift.max(vMax[i], v[i])
                                        denominator = vMax[i]
                                    }
                                    param[i] += negativeStep * m[i] / (denominator.squareRoot() / correction2T + eps)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Adam with decoupled weight decay, as `torch.optim.AdamW`: each step first shrinks
/// the parameters by `1 - learningRate · weightDecay`, then takes an Adam step on
/// the undecayed gradient. PyTorch's defaults, with weight decay 1e-2.
public final class AdamW: Adam {
    /// AdamW over one group of parameters.
    ///
    /// - Parameters:
    ///   - parameters: the tensors to optimise, usually `model.parameters()`.
    ///   - learningRate: the step size (PyTorch's `lr`, default 1e-3).
    ///   - betas: the decay rates (β₁, β₂) of the running averages of the gradient and
    ///     of its square (default (0.9, 0.999)); each in [0, 1).
    ///   - epsilon: added to the denominator for numerical stability (`eps`, default 1e-8).
    ///   - weightDecay: the L2 penalty coefficient (`weight_decay`, default 1e-2), applied
    ///     decoupled: each step multiplies the parameters by `1 - learningRate · weightDecay`.
    ///   - amsgrad: divide by the largest second-moment estimate seen so far instead of the
    ///     current one, the AMSGrad variant (default false).
    ///   - maximize: ascend the objective instead of descending it (default false).
    public convenience init(
        _ parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        epsilon: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false
    ) {
        self.init([ParameterGroup(parameters)], learningRate: learningRate, betas: betas, epsilon: epsilon,
                  weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize)
    }

    /// AdamW over parameter groups; the arguments are the defaults of every value a group does not set.
    ///
    /// - Parameters:
    ///   - groups: the parameter groups; a value a group sets overrides the argument here.
    ///   - learningRate: the step size (PyTorch's `lr`, default 1e-3).
    ///   - betas: the decay rates (β₁, β₂) of the running averages of the gradient and
    ///     of its square (default (0.9, 0.999)); each in [0, 1).
    ///   - epsilon: added to the denominator for numerical stability (`eps`, default 1e-8).
    ///   - weightDecay: the L2 penalty coefficient (`weight_decay`, default 1e-2), applied
    ///     decoupled: each step multiplies the parameters by `1 - learningRate · weightDecay`.
    ///   - amsgrad: divide by the largest second-moment estimate seen so far instead of the
    ///     current one, the AMSGrad variant (default false).
    ///   - maximize: ascend the objective instead of descending it (default false).
    public init(
        _ groups: [ParameterGroup], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        epsilon: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false
    ) {
        super.init(groups, learningRate: learningRate, betas: betas, epsilon: epsilon,
                   weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize, decoupledWeightDecay: true)
    }
}
