/// Sets the learning rates of an optimizer's groups as training goes on, as
/// `torch.optim.lr_scheduler`'s schedules do.
///
/// Call `step()` after the optimizer's steps of an epoch (or after every
/// optimizer step, for schedules counted in batches such as `OneCycleLR`):
///
/// ```swift
/// let optimizer = SGD(model.parameters(), learningRate: 0.1, momentum: 0.9)
/// let scheduler = StepLR(optimizer, stepSize: 30, gamma: 0.1)
/// for epoch in 0..<100 {
///     train(model, optimizer)   // optimizer.step() per batch
///     scheduler.step()
/// }
/// ```
///
/// Making a schedule counts as its step 0 (`lastEpoch == 0`) and already sets the
/// rates it starts from (`LinearLR`'s start factor, `OneCycleLR`'s initial rate).
/// Each group follows the schedule from its own learning rate. Like PyTorch's,
/// the schedules compute a step's rate from the group's current one (their
/// recursive, "chainable" forms), so two schedules stepped together compose, and
/// a rate set by hand carries on from the new value.
///
/// A schedule records the rate each group started from under the group's
/// `initial_lr` (`ParameterGroup.initialLearningRate`), which is saved with the
/// optimizer's state. `lastEpoch:` in a schedule's initialiser resumes from
/// there, as PyTorch's `last_epoch`; `stateDict()` and `loadStateDict(_:)` save
/// and restore a schedule exactly.
public protocol LRScheduler: AnyObject {
    /// The optimizer whose groups' learning rates this schedule sets.
    var optimizer: any Optimizer { get }
    /// The number of the last step taken: 0 after construction (PyTorch's `last_epoch`).
    var lastEpoch: Int { get }
    /// The learning rate each group started from (PyTorch's `base_lrs`).
    var baseLearningRates: [Double] { get }
    /// The learning rates the last step set, per group (PyTorch's `get_last_lr()`).
    var lastLearningRates: [Double] { get }
    /// Moves to the next step and sets the groups' learning rates for it.
    func step()
    /// The schedule's progress as JSON, with the names of PyTorch's scheduler
    /// `state_dict()` (`last_epoch`, `base_lrs`, ...), to store beside the optimizer's
    /// state, for example in its safetensors metadata:
    ///
    /// ```swift
    /// var state = optimizer.stateDict()
    /// state.metadata["lr_scheduler"] = scheduler.stateDict()
    /// try state.write(to: url)
    /// ```
    func stateDict() -> String
    /// Restores the progress `stateDict()` saved; load the optimizer's state too, since
    /// the groups' learning rates are kept there.
    ///
    /// - Throws: `OptimizerStateError` when `json` is not this kind of schedule's state.
    func loadStateDict(_ json: String) throws
}

/// A schedule's setting given once for every group, or once per group: `0.1` or `[0.1, 0.01]`.
///
/// As PyTorch's schedules take a number or a list for `max_lr`, `min_lr` and the momenta.
public protocol PerGroupValue {
    /// The value of each of `groupCount` groups; a list is returned as it is.
    func values(forGroupCount groupCount: Int) -> [Double]
}

extension Double: PerGroupValue {
    /// The number repeated for each group.
    public func values(forGroupCount groupCount: Int) -> [Double] {
        Array(repeating: self, count: groupCount)
    }
}

extension Array: PerGroupValue where Element == Double {
    /// The list as it is, one value per group; a schedule checks its length.
    public func values(forGroupCount groupCount: Int) -> [Double] { self }
}

extension PerGroupValue {
    /// One value per group of `optimizer`, checking a list's length.
    func values(for optimizer: any Optimizer, name: String, scheduler: String) -> [Double] {
        let groupCount = optimizer.parameterGroups.count
        let values = values(forGroupCount: groupCount)
        precondition(values.count == groupCount, """
            \(scheduler): \(name) has \(values.count) values, but the optimizer has \(groupCount) parameter groups
            """)
        return values
    }
}

// MARK: - What the schedules share

/// The learning rates a schedule starts from: each group's `initial_lr`, which a
/// fresh schedule (`lastEpoch == -1`) sets to the group's current rate where no
/// schedule has set it before, and a resumed one requires.
func scheduleBaseLearningRates(_ optimizer: any Optimizer, lastEpoch: Int, scheduler: String) -> [Double] {
    var groups = optimizer.parameterGroups
    if lastEpoch == -1 {
        for i in groups.indices where groups[i].initialLearningRate == nil {
            groups[i].initialLearningRate = groups[i].learningRate
        }
        optimizer.parameterGroups = groups
    } else {
        precondition(lastEpoch >= 0, "\(scheduler): lastEpoch is -1 for a fresh schedule or the step to resume from, not \(lastEpoch)")
        for (i, group) in groups.enumerated() {
            precondition(group.initialLearningRate != nil, """
                \(scheduler): resuming at lastEpoch \(lastEpoch) needs each group's initial_lr, \
                but parameter group \(i) has none; load the optimizer's saved state first
                """)
        }
    }
    return groups.map { $0.initialLearningRate! }
}

/// Writes `rates` into the optimizer's groups and returns them as the groups now hold them.
func applyLearningRates(_ rates: [Double], to optimizer: any Optimizer) -> [Double] {
    var groups = optimizer.parameterGroups
    for i in groups.indices { groups[i].learningRate = rates[i] }
    optimizer.parameterGroups = groups
    return groups.map(\.learningRate)
}

/// A schedule's state as JSON: numbers and lists of numbers under the names of
/// PyTorch's scheduler `state_dict()`, and the schedule's name under `scheduler`.
struct _ScheduleState {
    let scheduler: String
    private let values: [String: _JSON.Value]

    static func json(_ scheduler: String, numbers: KeyValuePairs<String, Double>,
                     lists: KeyValuePairs<String, [Double]> = [:]) -> String {
        let fields = ["\"scheduler\": \"\(scheduler)\""]
            + numbers.map { "\"\($0)\": \(_JSON.number($1))" }
            + lists.map { "\"\($0)\": \(_JSON.numbers($1))" }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    init(_ json: String, scheduler: String) throws {
        guard let values = try? _JSON.decode([String: _JSON.Value].self, from: json) else {
            throw OptimizerStateError(.malformed, "\(scheduler): the state is not a JSON object: \(json)")
        }
        guard case .text(let saved) = values["scheduler"], saved == scheduler else {
            let other = values["scheduler"].map { "the state of \($0)" } ?? "no schedule's state"
            throw OptimizerStateError(.malformed, "\(scheduler): the JSON holds \(other)")
        }
        self.scheduler = scheduler
        self.values = values
    }

    func number(_ name: String) throws -> Double {
        guard case .number(let x) = values[name] else {
            throw OptimizerStateError(.malformed, "\(scheduler): the state has no number '\(name)'")
        }
        return x
    }

    func integer(_ name: String) throws -> Int {
        let x = try number(name)
        guard let n = Int(exactly: x) else {
            throw OptimizerStateError(.malformed, "\(scheduler): '\(name)' is \(x), not an integer")
        }
        return n
    }

    /// A list of one number per group of `optimizer`.
    func perGroup(_ name: String, _ optimizer: any Optimizer) throws -> [Double] {
        guard case .numbers(let xs) = values[name] else {
            throw OptimizerStateError(.malformed, "\(scheduler): the state has no list '\(name)'")
        }
        guard xs.count == optimizer.parameterGroups.count else {
            throw OptimizerStateError(.groupMismatch, """
                \(scheduler): '\(name)' has \(xs.count) values, the optimizer \(optimizer.parameterGroups.count) groups
                """)
        }
        return xs
    }
}
