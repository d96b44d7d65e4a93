import Foundation

/// Anneals each group's learning rate along a cosine from its base rate down to
/// `minLearningRate` over `maxSteps` steps, as
/// `torch.optim.lr_scheduler.CosineAnnealingLR` (SGDR without restarts).
///
/// The rate at step `t` (`lastEpoch`) approximates the closed form
///
/// ```
/// lr(t) = η_min + (lr₀ - η_min) · (1 + cos(π t / T)) / 2
/// ```
///
/// through PyTorch's recursive form, which follows rates changed by other schedules:
///
/// ```
/// lr = η_min + (lr - η_min) · (1 + cos(π t / T)) / (1 + cos(π (t - 1) / T))
/// lr = lr + (lr₀ - η_min) · (1 - cos(π / T)) / 2     when (t - 1 - T) mod 2T = 0
/// ```
///
/// Past `T` the rate rises again along the cosine, as in PyTorch.
public final class CosineAnnealingLR: LRScheduler {
    /// The optimizer whose groups' learning rates this schedule sets.
    public let optimizer: any Optimizer
    /// The number of steps from the base rate to the minimum (PyTorch's `T_max`).
    public let maxSteps: Int
    /// The rate the schedule anneals to (PyTorch's `eta_min`).
    public let minLearningRate: Double
    /// The learning rate each group started from, its `initial_lr` (PyTorch's `base_lrs`).
    public private(set) var baseLearningRates: [Double]
    /// The number of the last step taken: 0 after construction (PyTorch's `last_epoch`).
    public private(set) var lastEpoch: Int
    /// The learning rates the last step set, per group (PyTorch's `get_last_lr()`).
    public private(set) var lastLearningRates: [Double] = []
    /// Calls of `step()`, construction included (PyTorch's `_step_count`).
    private var stepCount = 0

    /// A cosine annealing over `maxSteps` steps; making it sets step 0 and leaves the rates as they are.
    ///
    /// - Parameters:
    ///   - optimizer: the optimizer whose groups' learning rates to set.
    ///   - maxSteps: the number of steps from the base rate to the minimum, positive (PyTorch's `T_max`).
    ///   - minLearningRate: the rate the schedule anneals to (`eta_min`, default 0).
    ///   - lastEpoch: -1 (the default) for a fresh schedule, or the step to resume from, as
    ///     PyTorch's `last_epoch`; resuming needs each group's `initial_lr`, so load the optimizer's state first.
    public init(_ optimizer: any Optimizer, maxSteps: Int, minLearningRate: Double = 0, lastEpoch: Int = -1) {
        precondition(maxSteps > 0, "CosineAnnealingLR: maxSteps must be positive, not \(maxSteps)")
        self.optimizer = optimizer
        self.maxSteps = maxSteps
        self.minLearningRate = minLearningRate
        baseLearningRates = scheduleBaseLearningRates(optimizer, lastEpoch: lastEpoch, scheduler: "CosineAnnealingLR")
        self.lastEpoch = lastEpoch
        advance(initial: true)
    }

    /// Moves to the next step along the cosine.
    public func step() { advance(initial: false) }

    private func advance(initial: Bool) {
        stepCount += 1
        lastEpoch += 1
        let current = optimizer.parameterGroups.map(\.learningRate)
        let t = Double(lastEpoch), period = Double(maxSteps), etaMin = minLearningRate
        let rates: [Double]
        if initial {
            rates = current
        } else if stepCount == 1 && lastEpoch > 0 {
            // A schedule restored at its first step starts on the closed form.
            rates = baseLearningRates.map { etaMin + ($0 - etaMin) * (1 + cos(t * .pi / period)) / 2 }
        } else if (lastEpoch - 1 - maxSteps) % (2 * maxSteps) == 0 {
            // Past the minimum the recursive ratio is 0/0; PyTorch steps up by the closed form's increment.
            rates = zip(current, baseLearningRates).map { lr, base in
                lr + (base - etaMin) * (1 - cos(.pi / period)) / 2
            }
        } else {
            rates = current.map { lr in
                (1 + cos(.pi * t / period)) / (1 + cos(.pi * Double(lastEpoch - 1) / period)) * (lr - etaMin) + etaMin
            }
        }
        lastLearningRates = applyLearningRates(rates, to: optimizer)
    }

    /// The schedule's progress as JSON (`last_epoch`, `_step_count`, `base_lrs`, `_last_lr`, as PyTorch's
    /// `CosineAnnealingLR.state_dict()`); see ``LRScheduler/stateDict()``.
    public func stateDict() -> String {
        _ScheduleState.json("CosineAnnealingLR", numbers: ["last_epoch": Double(lastEpoch), "_step_count": Double(stepCount)],
                            lists: ["base_lrs": baseLearningRates, "_last_lr": lastLearningRates])
    }

    /// Restores the progress `stateDict()` saved; load the optimizer's state too.
    ///
    /// - Throws: `OptimizerStateError` when `json` is not a `CosineAnnealingLR` state for this many groups.
    public func loadStateDict(_ json: String) throws {
        let state = try _ScheduleState(json, scheduler: "CosineAnnealingLR")
        let epoch = try state.integer("last_epoch"), count = try state.integer("_step_count")
        let bases = try state.perGroup("base_lrs", optimizer), last = try state.perGroup("_last_lr", optimizer)
        (lastEpoch, stepCount, baseLearningRates, lastLearningRates) = (epoch, count, bases, last)
    }
}
