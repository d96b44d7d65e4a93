/// What every optimizer keeps the same way: its parameter groups, the defaults
/// they are completed from, and one state per parameter.
///
/// Parameters are numbered across the groups in order (the first group's first,
/// then the rest), as PyTorch numbers them in a state dict; `states[i]` belongs
/// to parameter `i` and is nil until the optimizer first updates it (Adagrad
/// makes its states up front, as PyTorch does).
struct _OptimizerStorage<State: _ParameterState> {
    /// The optimizer's name, for messages and for the state dict's metadata.
    let name: String
    /// The optimizer's hyper-parameters, in PyTorch's order.
    let keys: [ParameterGroup.Key]
    /// The constructor's values of every key.
    let defaults: ParameterGroup
    /// What is wrong with a completed group's values, or nil when the optimizer can use them.
    private let problem: (ParameterGroup) -> String?
    /// A parameter's state before its first update, for optimizers that make it up front.
    private let initialState: ((ParameterGroup, Tensor) -> State)?
    private(set) var groups: [ParameterGroup] = []
    var states: [State?] = []

    init(
        name: String, keys: [ParameterGroup.Key], defaults: ParameterGroup, groups: [ParameterGroup],
        problem: @escaping (ParameterGroup) -> String?, initialState: ((ParameterGroup, Tensor) -> State)? = nil
    ) {
        precondition(Set(defaults.keys) == Set(keys), "\(name): the defaults must set exactly \(keys)")
        if let problem = problem(defaults) { preconditionFailure("\(name): \(problem)") }
        self.name = name
        self.keys = keys
        self.defaults = defaults
        self.problem = problem
        self.initialState = initialState
        for group in groups { append(group) }
    }

    /// The number of parameters across all groups.
    var parameterCount: Int { states.count }

    /// `group` with every key it does not set taken from the defaults; with `checkingValues`,
    /// its values checked as PyTorch checks a constructor's arguments.
    ///
    /// Values are checked when a group joins the optimizer, not when they change later:
    /// PyTorch lets them change freely, and `OneCycleLR`'s last step can take a rate
    /// below zero.
    func completed(_ group: ParameterGroup, index: Int, checkingValues: Bool = true) -> ParameterGroup {
        for key in group.keys where !keys.contains(key) && !ParameterGroup.Key.scheduleKeys.contains(key) {
            preconditionFailure("""
                \(name): parameter group \(index) sets '\(key.rawValue)', which \(name) does not have; \
                its hyper-parameters are \(keys.map(\.rawValue).joined(separator: ", "))
                """)
        }
        let merged = defaults.values.merging(group.values) { _, own in own }
        let complete = ParameterGroup(group.parameters, values: merged)
        if checkingValues, let problem = problem(complete) {
            preconditionFailure("\(name): parameter group \(index): \(problem)")
        }
        return complete
    }

    /// Adds a group after the existing ones, as `torch.optim.Optimizer.add_param_group`.
    mutating func append(_ group: ParameterGroup) {
        let complete = completed(group, index: groups.count)
        var seen = Set(groups.flatMap(\.parameters).map(ObjectIdentifier.init))
        for (offset, p) in complete.parameters.enumerated() {
            let position = "parameter \(offset) of group \(groups.count)"
            precondition(p.isLeaf, """
                \(name): \(position) (shape \(Shape.describe(p.shape))) was computed by \(p.gradFn!.name); \
                only leaf tensors can be optimized (use detach() and set requiresGrad)
                """)
            precondition(p.isContiguous, """
                \(name): \(position) (shape \(Shape.describe(p.shape))) is not contiguous; \
                optimizers update parameters in place through their buffers
                """)
            precondition(seen.insert(ObjectIdentifier(p)).inserted,
                         "\(name): \(position) appears more than once; a parameter belongs to one group")
        }
        groups.append(complete)
        states += complete.parameters.map { initialState?(complete, $0) }
    }

    /// Replaces the groups' hyper-parameters; the parameters must be the same, in the same groups.
    /// A group that no longer sets a key takes the default again.
    mutating func replaceGroups(with newGroups: [ParameterGroup]) {
        precondition(newGroups.count == groups.count, """
            \(name): parameterGroups was given \(newGroups.count) groups, but the optimizer has \(groups.count); \
            add groups with addParameterGroup(_:)
            """)
        for (i, (old, new)) in zip(groups, newGroups).enumerated() {
            precondition(old.parameters.count == new.parameters.count
                         && zip(old.parameters, new.parameters).allSatisfy { $0 === $1 }, """
                \(name): group \(i) was given other parameters; a group's parameters are fixed \
                (its hyper-parameters may change), and new parameters go in a new group
                """)
        }
        groups = newGroups.enumerated().map { completed($1, index: $0, checkingValues: false) }
    }

    /// Installs groups and states a state dict held, already checked against these groups.
    mutating func restore(groups restored: [ParameterGroup], states restoredStates: [State?]) {
        precondition(restored.map(\.parameters.count) == groups.map(\.parameters.count)
                     && restoredStates.count == states.count)
        groups = restored
        states = restoredStates
    }

    /// Calls `update` for every parameter that has a gradient, with its group, its
    /// gradient (contiguous, checked against the parameter) and its state.
    mutating func forEachParameterWithGradient(
        _ update: (_ group: ParameterGroup, _ parameter: Tensor, _ gradient: Tensor, _ state: inout State?) -> Void
    ) {
        var index = 0
        for group in groups {
            for p in group.parameters {
                defer { index += 1 }
                guard let g = p.gradientForUpdate(optimizer: name, index: index) else { continue }
                update(group, p, g, &states[index])
            }
        }
    }
}

extension Tensor {
    /// This parameter's gradient as a contiguous tensor of its dtype and shape, for an update loop.
    func gradientForUpdate(optimizer: String, index: Int) -> Tensor? {
        guard let g = grad else { return nil }
        precondition(g.shape == shape && g.dtype == dtype, """
            \(optimizer): parameter \(index) is a \(dtype) tensor of shape \(Shape.describe(shape)), \
            but its grad is a \(g.dtype) tensor of shape \(Shape.describe(g.shape))
            """)
        return g.contiguousData()
    }
}
