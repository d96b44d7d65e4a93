/// Stochastic gradient descent with momentum, Nesterov momentum and weight decay,
/// as `torch.optim.SGD`.
///
/// Per parameter `p` with gradient `g`, with its group's hyper-parameters,
/// following PyTorch's update exactly:
///
/// ```
/// g = -g                                            (if maximize)
/// g = g + weightDecay · p                           (if weightDecay ≠ 0)
/// b = g                                             (first step)
/// b = momentum · b + (1 - dampening) · g            (later steps; if momentum ≠ 0)
/// g = g + momentum · b  if nesterov,  else  g = b   (if momentum ≠ 0)
/// p = p - learningRate · g
/// ```
///
/// The state dict keeps `momentum_buffer` per parameter (when momentum ≠ 0).
public final class SGD: Optimizer {
    private var storage: _OptimizerStorage<State>

    /// SGD over one group of parameters. The defaults are PyTorch's.
    ///
    /// ```swift
    /// let optimizer = SGD(model.parameters(), learningRate: 0.1, momentum: 0.9)
    /// ```
    ///
    /// - Parameters:
    ///   - parameters: the tensors to optimise, usually `model.parameters()`.
    ///   - learningRate: the step size (PyTorch's `lr`, default 1e-3).
    ///   - momentum: the momentum factor; 0 (the default) keeps no buffer.
    ///   - dampening: the share of the gradient held back from the momentum buffer
    ///     after the first step (default 0).
    ///   - nesterov: use Nesterov momentum, which needs a momentum and zero dampening (default false).
    ///   - weightDecay: the L2 penalty coefficient added to the gradient (`weight_decay`, default 0).
    ///   - maximize: ascend the objective instead of descending it (default false).
    public convenience init(
        _ parameters: [Tensor], learningRate: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
        nesterov: Bool = false, weightDecay: Double = 0, maximize: Bool = false
    ) {
        self.init([ParameterGroup(parameters)], learningRate: learningRate, momentum: momentum,
                  dampening: dampening, nesterov: nesterov, weightDecay: weightDecay, maximize: maximize)
    }

    /// SGD over parameter groups; the arguments are the defaults of every value a group does not set.
    ///
    /// - Parameters:
    ///   - groups: the parameter groups; a value a group sets overrides the argument here.
    ///   - learningRate: the step size (PyTorch's `lr`, default 1e-3).
    ///   - momentum: the momentum factor; 0 (the default) keeps no buffer.
    ///   - dampening: the share of the gradient held back from the momentum buffer
    ///     after the first step (default 0).
    ///   - nesterov: use Nesterov momentum, which needs a momentum and zero dampening (default false).
    ///   - weightDecay: the L2 penalty coefficient added to the gradient (`weight_decay`, default 0).
    ///   - maximize: ascend the objective instead of descending it (default false).
    public init(
        _ groups: [ParameterGroup], learningRate: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
        nesterov: Bool = false, weightDecay: Double = 0, maximize: Bool = false
    ) {
        let defaults = ParameterGroup([], learningRate: learningRate, weightDecay: weightDecay, momentum: momentum,
                                      dampening: dampening, nesterov: nesterov, maximize: maximize)
        storage = _OptimizerStorage(
            name: "SGD", keys: [.learningRate, .momentum, .dampening, .weightDecay, .nesterov, .maximize],
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
    /// `SGD` state-dict layout (see ``Optimizer/stateDict()``).
    public func stateDict() -> Safetensors { storage.stateDict() }

    /// Restores a state `stateDict()` (or PyTorch) saved; nothing changes unless all of it fits.
    ///
    /// - Throws: `OptimizerStateError` naming what does not fit this optimizer.
    public func loadStateDict(_ stateDict: Safetensors) throws { try storage.loadStateDict(stateDict) }

    /// Takes one SGD step for every parameter with a gradient; with momentum, a
    /// parameter's first step starts its buffer from the gradient itself.
    public func step() {
        storage.forEachParameterWithGradient { group, p, g, state in
            var first = false
            if group.momentum != 0 && state == nil {
                state = State(momentumBuffer: Tensor.zeros(like: p))
                first = true
            }
            Update(parameter: p, gradient: g, momentumBuffer: group.momentum != 0 ? state?.momentumBuffer : nil,
                   firstStep: first, group: group).run(for: p.dtype, in: "SGD")
        }
    }

    private static func problem(_ group: ParameterGroup) -> String? {
        if !(group.learningRate >= 0) { return "invalid learning rate \(group.learningRate)" }
        if !(group.momentum >= 0) { return "invalid momentum \(group.momentum)" }
        if !(group.weightDecay >= 0) { return "invalid weight decay \(group.weightDecay)" }
        if group.nesterov && (group.momentum <= 0 || group.dampening != 0) {
            return "Nesterov momentum requires a momentum and zero dampening"
        }
        return nil
    }

    /// The momentum buffer of one parameter.
    struct State: _ParameterState {
        let momentumBuffer: Tensor

        static var tensorNames: Set<String> { ["momentum_buffer"] }

        var namedTensors: [(name: String, tensor: Tensor)] { [("momentum_buffer", momentumBuffer)] }

        init(momentumBuffer: Tensor) {
            self.momentumBuffer = momentumBuffer
        }

        init(restoring saved: _SavedState, group: ParameterGroup) throws {
            momentumBuffer = try saved.tensor("momentum_buffer")
        }
    }

    /// One parameter's update, fused into one pass over its buffers.
    private struct Update: FloatingPointLoop {
        let parameter: Tensor, gradient: Tensor, momentumBuffer: Tensor?
        let firstStep: Bool
        let group: ParameterGroup

        func run<T: TensorScalar>(as _: T.Type) {
            let lr = T(group.learningRate), decay = T(group.weightDecay), mu = T(group.momentum)
            let keep = T(1 - group.dampening)
            let sign: T = group.maximize ? -1 : 1
            let nesterov = group.nesterov, first = firstStep
            parameter.withUnsafeMutableBufferPointer(as: T.self) { param in
                gradient.withUnsafeBufferPointer(as: T.self) { grad in
                    momentumBuffer.withUnsafeMutableBufferPointer(as: T.self) { buffer in
                        guard let b = buffer else {
                            for i in param.indices {
                                var d = sign * grad[i]
                                if decay != 0 { d += decay * param[i] }
                                param[i] -= lr * d
                            }
                            return
                        }
                        for i in param.indices {
                            var d = sign * grad[i]
                            if decay != 0 { d += decay * param[i] }
                            b[i] = first ? d : mu * b[i] + keep * d
                            d = nesterov ? d + mu * b[i] : b[i]
                            param[i] -= lr * d
                        }
                    }
                }
            }
        }
    }
}
