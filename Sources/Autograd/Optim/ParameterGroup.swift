/// Parameters that share hyper-parameters: one of `torch.optim`'s param groups.
///
/// A group holds its parameters and the hyper-parameters it sets itself; the
/// optimizer it is given to fills in every other hyper-parameter from its
/// constructor's arguments, so the weights can decay while the biases do not:
///
/// ```swift
/// let optimizer = AdamW([
///     ParameterGroup(weights),                              // weight decay 1e-2, from AdamW's constructor
///     ParameterGroup(biases, weightDecay: 0),
///     ParameterGroup(head.parameters(), learningRate: 1e-2),
/// ], learningRate: 1e-3)
/// optimizer.parameterGroups[2].learningRate = 5e-3
/// ```
///
/// `ParameterGroup` is a value: the optimizer keeps its own copy, and its copy is
/// the only one that counts. Change a live group through
/// `optimizer.parameterGroups[i]`, where the optimizer sees (and checks) every
/// change; a group handed to two optimizers does not tie their learning rates
/// together, and editing the group you built after constructing the optimizer
/// has no effect on it. (In PyTorch a group is a shared dict; here only the
/// parameters are shared, since they are tensors, which are references.)
///
/// Each hyper-parameter is stored under its PyTorch key (`lr`, `weight_decay`,
/// `betas`, ...), which is how groups are saved in an optimizer's state dict.
/// Reading one a group does not hold (a learning rate before the group is given
/// to an optimizer, `betas` of an SGD group) is a programming error and traps
/// with a message naming the key, as PyTorch raises a `KeyError`; `group[key]`
/// returns nil instead.
public struct ParameterGroup {
    /// The parameters, in the order the optimizer numbers them.
    public let parameters: [Tensor]
    /// The hyper-parameters set on this group, by key.
    var values: [Key: Value]

    /// A group of `parameters` with the hyper-parameters given here; the optimizer
    /// supplies the others from its constructor's arguments.
    ///
    /// Give only hyper-parameters the optimizer has: an SGD group with `betas`
    /// traps when the optimizer is made. Adagrad's `initialAccumulatorValue` is
    /// not a per-group setting (PyTorch starts every accumulator from the
    /// constructor's value), so it is not offered here.
    public init(
        _ parameters: [Tensor], learningRate: Double? = nil, weightDecay: Double? = nil,
        momentum: Double? = nil, dampening: Double? = nil, nesterov: Bool? = nil,
        betas: (Double, Double)? = nil, epsilon: Double? = nil, amsgrad: Bool? = nil,
        decoupledWeightDecay: Bool? = nil, alpha: Double? = nil, centered: Bool? = nil,
        learningRateDecay: Double? = nil, maximize: Bool? = nil
    ) {
        self.parameters = parameters
        values = [:]
        values[.learningRate] = learningRate.map(Value.number)
        values[.weightDecay] = weightDecay.map(Value.number)
        values[.momentum] = momentum.map(Value.number)
        values[.dampening] = dampening.map(Value.number)
        values[.nesterov] = nesterov.map(Value.flag)
        values[.betas] = betas.map { Value.pair($0.0, $0.1) }
        values[.epsilon] = epsilon.map(Value.number)
        values[.amsgrad] = amsgrad.map(Value.flag)
        values[.decoupledWeightDecay] = decoupledWeightDecay.map(Value.flag)
        values[.alpha] = alpha.map(Value.number)
        values[.centered] = centered.map(Value.flag)
        values[.learningRateDecay] = learningRateDecay.map(Value.number)
        values[.maximize] = maximize.map(Value.flag)
    }

    init(_ parameters: [Tensor], values: [Key: Value]) {
        self.parameters = parameters
        self.values = values
    }

    /// The value stored under `key`, or nil when this group does not hold it.
    ///
    /// Setting a value of the wrong kind (a flag for `lr`) traps; setting nil removes
    /// the key, and the optimizer fills it in again from its defaults.
    public subscript(key: Key) -> Value? {
        get { values[key] }
        set {
            if let newValue {
                precondition(newValue.kind == key.kind,
                             "parameter group: '\(key.rawValue)' holds \(key.kind.description), not \(newValue)")
            }
            values[key] = newValue
        }
    }

    /// The keys this group holds, in the order `Key` declares them.
    public var keys: [Key] { Key.allCases.filter { values[$0] != nil } }
}

// MARK: - Keys and values

extension ParameterGroup {
    /// A hyper-parameter's name; the raw value is PyTorch's key in a param group.
    ///
    /// The first keys are optimizers' hyper-parameters. The last five are the ones
    /// learning-rate schedules record in the groups, as PyTorch's do, so that a
    /// schedule can resume from a loaded optimizer state.
    public enum Key: String, Sendable, CaseIterable, CustomStringConvertible {
        /// The step size (every optimizer).
        case learningRate = "lr"
        /// The momentum factor (SGD, RMSprop).
        case momentum
        /// SGD's dampening of the momentum buffer's update.
        case dampening
        /// RMSprop's smoothing constant.
        case alpha
        /// Adam's (β₁, β₂), a pair.
        case betas
        /// Adagrad's learning-rate decay.
        case learningRateDecay = "lr_decay"
        /// The term added to denominators for stability (Adam, RMSprop, Adagrad).
        case epsilon = "eps"
        /// Whether RMSprop normalises by the gradient's estimated variance, a flag.
        case centered
        /// The L2 penalty coefficient (decoupled in AdamW).
        case weightDecay = "weight_decay"
        /// Adagrad's accumulator start, a constructor-wide setting.
        case initialAccumulatorValue = "initial_accumulator_value"
        /// Whether SGD uses Nesterov momentum, a flag.
        case nesterov
        /// Whether Adam uses the AMSGrad variant, a flag.
        case amsgrad
        /// Whether the optimizer ascends the objective, a flag.
        case maximize
        /// Whether Adam's weight decay is decoupled (AdamW), a flag.
        case decoupledWeightDecay = "decoupled_weight_decay"
        /// The learning rate a schedule started from (`initial_lr`).
        case initialLearningRate = "initial_lr"
        /// `OneCycleLR`'s peak learning rate.
        case maxLearningRate = "max_lr"
        /// `OneCycleLR`'s final learning rate.
        case minLearningRate = "min_lr"
        /// `OneCycleLR`'s momentum at the start and end of a cycle.
        case maxMomentum = "max_momentum"
        /// `OneCycleLR`'s momentum at the peak learning rate.
        case baseMomentum = "base_momentum"

        /// PyTorch's name of the hyper-parameter (`lr`, `weight_decay`, ...).
        public var description: String { rawValue }

        /// The kind of value stored under this key.
        var kind: Value.Kind {
            switch self {
            case .nesterov, .amsgrad, .maximize, .decoupledWeightDecay, .centered: .flag
            case .betas: .pair
            default: .number
            }
        }

        /// The keys schedules add to groups, which any optimizer's groups may hold.
        static let scheduleKeys: Set<Key> = [
            .initialLearningRate, .maxLearningRate, .minLearningRate, .maxMomentum, .baseMomentum,
        ]
    }

    /// A hyper-parameter's value: a number, a flag, or a pair (Adam's betas).
    public enum Value: Sendable, Equatable, CustomStringConvertible {
        /// A number, such as `lr`.
        case number(Double)
        /// A flag, such as `nesterov`.
        case flag(Bool)
        /// A pair of numbers: `betas`.
        case pair(Double, Double)

        enum Kind: Sendable, CustomStringConvertible {
            case number, flag, pair

            var description: String {
                switch self {
                case .number: "a number"
                case .flag: "a flag"
                case .pair: "a pair of numbers"
                }
            }
        }

        var kind: Kind {
            switch self {
            case .number: .number
            case .flag: .flag
            case .pair: .pair
            }
        }

        /// The value as Swift prints it: `0.001`, `true`, `(0.9, 0.999)`.
        public var description: String {
            switch self {
            case .number(let x): "\(x)"
            case .flag(let b): "\(b)"
            case .pair(let a, let b): "(\(a), \(b))"
            }
        }
    }
}

// MARK: - Typed access

extension ParameterGroup {
    /// The step size (`lr`).
    public var learningRate: Double {
        get { number(.learningRate) }
        set { values[.learningRate] = .number(newValue) }
    }

    /// The L2 penalty added to the gradient, or for AdamW the decoupled shrink factor (`weight_decay`).
    public var weightDecay: Double {
        get { number(.weightDecay) }
        set { values[.weightDecay] = .number(newValue) }
    }

    /// SGD's and RMSprop's momentum factor.
    public var momentum: Double {
        get { number(.momentum) }
        set { values[.momentum] = .number(newValue) }
    }

    /// SGD's dampening of the gradient's contribution to the momentum buffer.
    public var dampening: Double {
        get { number(.dampening) }
        set { values[.dampening] = .number(newValue) }
    }

    /// Whether SGD uses Nesterov momentum.
    public var nesterov: Bool {
        get { flag(.nesterov) }
        set { values[.nesterov] = .flag(newValue) }
    }

    /// Adam's decay rates (β₁, β₂) of the first and second moment estimates.
    public var betas: (Double, Double) {
        get {
            guard case .pair(let b1, let b2) = required(.betas) else { fatalError("unreachable: betas is a pair") }
            return (b1, b2)
        }
        set { values[.betas] = .pair(newValue.0, newValue.1) }
    }

    /// The term added to denominators for numerical stability (`eps`).
    public var epsilon: Double {
        get { number(.epsilon) }
        set { values[.epsilon] = .number(newValue) }
    }

    /// Whether Adam uses the AMSGrad variant (the running maximum of the second moment).
    public var amsgrad: Bool {
        get { flag(.amsgrad) }
        set { values[.amsgrad] = .flag(newValue) }
    }

    /// Whether Adam's weight decay shrinks the parameters directly (AdamW).
    public var decoupledWeightDecay: Bool {
        get { flag(.decoupledWeightDecay) }
        set { values[.decoupledWeightDecay] = .flag(newValue) }
    }

    /// RMSprop's smoothing constant for the running average of squared gradients.
    public var alpha: Double {
        get { number(.alpha) }
        set { values[.alpha] = .number(newValue) }
    }

    /// Whether RMSprop normalises by the estimated variance rather than the second moment.
    public var centered: Bool {
        get { flag(.centered) }
        set { values[.centered] = .flag(newValue) }
    }

    /// Adagrad's learning-rate decay (`lr_decay`).
    public var learningRateDecay: Double {
        get { number(.learningRateDecay) }
        set { values[.learningRateDecay] = .number(newValue) }
    }

    /// The value Adagrad's accumulators start from: the constructor's, for every group.
    public var initialAccumulatorValue: Double { number(.initialAccumulatorValue) }

    /// Whether the optimizer maximises the objective (the gradient is negated first).
    public var maximize: Bool {
        get { flag(.maximize) }
        set { values[.maximize] = .flag(newValue) }
    }

    /// The learning rate a schedule started from, when a schedule has been attached (`initial_lr`).
    public var initialLearningRate: Double? {
        get { values[.initialLearningRate].flatMap(\.number) }
        set { values[.initialLearningRate] = newValue.map(Value.number) }
    }

    func number(_ key: Key) -> Double {
        guard case .number(let x) = required(key) else { fatalError("unreachable: \(key) is a number") }
        return x
    }

    func flag(_ key: Key) -> Bool {
        guard case .flag(let b) = required(key) else { fatalError("unreachable: \(key) is a flag") }
        return b
    }

    private func required(_ key: Key) -> Value {
        guard let value = values[key] else {
            let held = keys.map(\.rawValue).joined(separator: ", ")
            preconditionFailure("""
                parameter group has no '\(key.rawValue)' (it holds \(held.isEmpty ? "no hyper-parameters" : held)); \
                a group takes the optimizer's defaults when it is given to the optimizer, \
                and only the optimizer's own hyper-parameters
                """)
        }
        return value
    }
}

extension ParameterGroup.Value {
    /// The number, when this value is one.
    public var number: Double? {
        if case .number(let x) = self { x } else { nil }
    }
}

extension ParameterGroup: CustomStringConvertible {
    /// The parameter count and the group's settings by PyTorch name, as
    /// `ParameterGroup(2 parameters, lr: 0.01, momentum: 0.9)`.
    public var description: String {
        let settings = keys.map { "\($0.rawValue): \(values[$0]!)" }
        let count = "\(parameters.count) parameter\(parameters.count == 1 ? "" : "s")"
        return "ParameterGroup(\(([count] + settings).joined(separator: ", ")))"
    }
}
