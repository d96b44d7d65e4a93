/// Multiplies each group's learning rate by `gamma` every `stepSize` steps, as
/// `torch.optim.lr_scheduler.StepLR`.
///
/// In PyTorch's recursive form, at each step `t` (`lastEpoch`):
///
/// ```
/// lr = lr · gamma     if t > 0 and t mod stepSize = 0
/// lr = lr             otherwise
/// ```
///
/// which from a group's base rate `lr₀` is `lr₀ · gamma^⌊t / stepSize⌋`:
///
/// ```swift
/// let scheduler = StepLR(optimizer, stepSize: 30, gamma: 0.1)
/// // lr 0.05 for epochs 0-29, 0.005 for 30-59, 0.0005 for 60-89, ...
/// ```
public final class StepLR: LRScheduler {
    /// The optimizer whose groups' learning rates this schedule sets.
    public let optimizer: any Optimizer
    /// The number of steps between decays.
    public let stepSize: Int
    /// The factor each decay multiplies the learning rate by.
    public let gamma: Double
    /// The learning rate each group started from, its `initial_lr` (PyTorch's `base_lrs`).
    public private(set) var baseLearningRates: [Double]
    /// The number of the last step taken: 0 after construction (PyTorch's `last_epoch`).
    public private(set) var lastEpoch: Int
    /// The learning rates the last step set, per group (PyTorch's `get_last_lr()`).
    public private(set) var lastLearningRates: [Double] = []

    /// A schedule that decays every `stepSize` steps; making it sets step 0.
    ///
    /// - Parameters:
    ///   - optimizer: the optimizer whose groups' learning rates to set.
    ///   - stepSize: the number of steps between decays, positive (PyTorch's `step_size`).
    ///   - gamma: the factor each decay multiplies the learning rates by (default 0.1).
    ///   - lastEpoch: -1 (the default) for a fresh schedule, or the step to resume from, as
    ///     PyTorch's `last_epoch`; resuming needs each group's `initial_lr`, so load the optimizer's state first.
    public init(_ optimizer: any Optimizer, stepSize: Int, gamma: Double = 0.1, lastEpoch: Int = -1) {
        precondition(stepSize > 0, "StepLR: stepSize must be positive, not \(stepSize)")
        self.optimizer = optimizer
        self.stepSize = stepSize
        self.gamma = gamma
        baseLearningRates = scheduleBaseLearningRates(optimizer, lastEpoch: lastEpoch, scheduler: "StepLR")
        self.lastEpoch = lastEpoch
        step()
    }

    /// Moves to the next step, multiplying the rates by `gamma` when it is a multiple of `stepSize`.
    public func step() {
        lastEpoch += 1
        let current = optimizer.parameterGroups.map(\.learningRate)
        let decays = lastEpoch != 0 && lastEpoch % stepSize == 0
        lastLearningRates = applyLearningRates(decays ? current.map { $0 * gamma } : current, to: optimizer)
    }

    /// The schedule's progress as JSON (`last_epoch`, `base_lrs`, `_last_lr`, as PyTorch's
    /// `StepLR.state_dict()`); see ``LRScheduler/stateDict()``.
    public func stateDict() -> String {
        _ScheduleState.json("StepLR", numbers: ["last_epoch": Double(lastEpoch)],
                            lists: ["base_lrs": baseLearningRates, "_last_lr": lastLearningRates])
    }

    /// Restores the progress `stateDict()` saved; load the optimizer's state too.
    ///
    /// - Throws: `OptimizerStateError` when `json` is not a `StepLR` state for this many groups.
    public func loadStateDict(_ json: String) throws {
        let state = try _ScheduleState(json, scheduler: "StepLR")
        let epoch = try state.integer("last_epoch")
        let bases = try state.perGroup("base_lrs", optimizer), last = try state.perGroup("_last_lr", optimizer)
        (lastEpoch, baseLearningRates, lastLearningRates) = (epoch, bases, last)
    }
}
