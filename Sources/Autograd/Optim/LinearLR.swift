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
    public let optimizer: any Optimizer
    /// The factor at step 0, in (0, 1].
    public let startFactor: Double
    /// The factor from step `totalIterations` on, in [0, 1].
    public let endFactor: Double
    /// The number of steps the factor takes to go from start to end (PyTorch's `total_iters`).
    public let totalIterations: Int
    public private(set) var baseLearningRates: [Double]
    public private(set) var lastEpoch: Int
    public private(set) var lastLearningRates: [Double] = []

    /// - Parameter lastEpoch: -1 to start, or the step to resume from, as PyTorch's `last_epoch`.
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

    public func stateDict() -> String {
        _ScheduleState.json("LinearLR", numbers: ["last_epoch": Double(lastEpoch)],
                            lists: ["base_lrs": baseLearningRates, "_last_lr": lastLearningRates])
    }

    public func loadStateDict(_ json: String) throws {
        let state = try _ScheduleState(json, scheduler: "LinearLR")
        let epoch = try state.integer("last_epoch")
        let bases = try state.perGroup("base_lrs", optimizer), last = try state.perGroup("_last_lr", optimizer)
        (lastEpoch, baseLearningRates, lastLearningRates) = (epoch, bases, last)
    }
}
