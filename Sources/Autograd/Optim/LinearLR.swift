/// Scales each group's learning rate by a factor that moves linearly from
/// `startFactor` to `endFactor` over `totalIterations` steps, as
/// `torch.optim.lr_scheduler.LinearLR`: a warm-up (factor rising to 1) or a decay.
///
/// At step `t` (`lastEpoch`) the factor is
/// `startFactor + (endFactor - startFactor) · min(t, totalIterations) / totalIterations`,
/// reached through PyTorch's recursive form:
///
/// ```
/// lr = lr · startFactor                                                  (t = 0)
/// lr = lr · (1 + (e - s) / (totalIterations · s + (t - 1) · (e - s)))   (0 < t ≤ totalIterations)
/// lr = lr                                                                (t > totalIterations)
/// ```
///
/// ```swift
/// let warmUp = LinearLR(optimizer, startFactor: 0.1, totalIterations: 5)
/// // factors 0.1, 0.28, 0.46, 0.64, 0.82, then 1
/// ```
public final class LinearLR: LRScheduler {
    /// The optimizer whose groups' learning rates this schedule sets.
    public let optimizer: any Optimizer
    /// The factor at step 0, in (0, 1].
    public let startFactor: Double
    /// The factor from step `totalIterations` on, in [0, 1].
    public let endFactor: Double
    /// The number of steps the factor takes to go from start to end (PyTorch's `total_iters`).
    public let totalIterations: Int
    /// The learning rate each group started from, its `initial_lr` (PyTorch's `base_lrs`).
    public private(set) var baseLearningRates: [Double]
    /// The number of the last step taken: 0 after construction (PyTorch's `last_epoch`).
    public private(set) var lastEpoch: Int
    /// The learning rates the last step set, per group (PyTorch's `get_last_lr()`).
    public private(set) var lastLearningRates: [Double] = []

    /// A linear warm-up or decay; making it sets step 0, scaling the rates by `startFactor`.
    ///
    /// - Parameters:
    ///   - optimizer: the optimizer whose groups' learning rates to set.
    ///   - startFactor: the factor at step 0, in (0, 1] (PyTorch's `start_factor`, default 1/3).
    ///   - endFactor: the factor from step `totalIterations` on, in [0, 1] (`end_factor`, default 1).
    ///   - totalIterations: the number of steps the factor takes from start to end (`total_iters`, default 5).
    ///   - lastEpoch: -1 (the default) for a fresh schedule, or the step to resume from, as
    ///     PyTorch's `last_epoch`; resuming needs each group's `initial_lr`, so load the optimizer's state first.
    public init(
        _ optimizer: any Optimizer, startFactor: Double = 1.0 / 3, endFactor: Double = 1, totalIterations: Int = 5,
        lastEpoch: Int = -1
    ) {
        precondition(startFactor > 0 && startFactor <= 1,
                     "LinearLR: startFactor must be greater than 0 and at most 1, not \(startFactor)")
        precondition(endFactor >= 0 && endFactor <= 1, "LinearLR: endFactor must be between 0 and 1, not \(endFactor)")
        self.optimizer = optimizer
        self.startFactor = startFactor
        self.endFactor = endFactor
        self.totalIterations = totalIterations
        baseLearningRates = scheduleBaseLearningRates(optimizer, lastEpoch: lastEpoch, scheduler: "LinearLR")
        self.lastEpoch = lastEpoch
        advance(initial: true)
    }

    /// Moves to the next step, moving the factor linearly towards `endFactor` until `totalIterations`.
    public func step() { advance(initial: false) }

    private func advance(initial: Bool) {
        lastEpoch += 1
        let current = optimizer.parameterGroups.map(\.learningRate)
        let rates: [Double]
        if lastEpoch == 0 {
            rates = current.map { $0 * startFactor }
        } else if initial || lastEpoch > totalIterations {
            // A resumed schedule keeps the rates the loaded optimizer state holds.
            rates = current
        } else {
            let change = endFactor - startFactor
            let factor = 1.0 + change / (Double(totalIterations) * startFactor + Double(lastEpoch - 1) * change)
            rates = current.map { $0 * factor }
        }
        lastLearningRates = applyLearningRates(rates, to: optimizer)
    }

    /// The schedule's progress as JSON (`last_epoch`, `base_lrs`, `_last_lr`, as PyTorch's
    /// `LinearLR.state_dict()`); see ``LRScheduler/stateDict()``.
    public func stateDict() -> String {
        _ScheduleState.json("LinearLR", numbers: ["last_epoch": Double(lastEpoch)],
                            lists: ["base_lrs": baseLearningRates, "_last_lr": lastLearningRates])
    }

    /// Restores the progress `stateDict()` saved; load the optimizer's state too.
    ///
    /// - Throws: `OptimizerStateError` when `json` is not a `LinearLR` state for this many groups.
    public func loadStateDict(_ json: String) throws {
        let state = try _ScheduleState(json, scheduler: "LinearLR")
        let epoch = try state.integer("last_epoch")
        let bases = try state.perGroup("base_lrs", optimizer), last = try state.perGroup("_last_lr", optimizer)
        (lastEpoch, baseLearningRates, lastLearningRates) = (epoch, bases, last)
    }
}
