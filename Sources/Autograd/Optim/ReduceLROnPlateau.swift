/// Divides the learning rates when a metric stops improving, as
/// `torch.optim.lr_scheduler.ReduceLROnPlateau`.
///
/// Step it with the metric (a validation loss, an accuracy) after each epoch. A
/// value is an improvement when it beats the best so far by the threshold:
///
/// ```
/// mode .min, .relative:  metric < best · (1 - threshold)
/// mode .min, .absolute:  metric < best - threshold
/// mode .max, .relative:  metric > best · (1 + threshold)
/// mode .max, .absolute:  metric > best + threshold
/// ```
///
/// After more than `patience` steps without one, each group's rate becomes
/// `max(lr · factor, minLearningRate)` (unless that changes it by `epsilon` or
/// less), and the next `cooldown` steps count no bad steps.
///
/// ```swift
/// let scheduler = ReduceLROnPlateau(optimizer, factor: 0.5, patience: 3)
/// for epoch in 0..<100 {
///     train(model, optimizer)
///     scheduler.step(validationLoss(model))
/// }
/// ```
public final class ReduceLROnPlateau {
    /// Whether the metric should go down (a loss) or up (an accuracy).
    public enum Mode: Sendable {
        /// Lower is better, as for a loss (PyTorch's `"min"`).
        case min
        /// Higher is better, as for an accuracy (PyTorch's `"max"`).
        case max
    }

    /// Whether an improvement is measured relative to the best value or in its units.
    public enum ThresholdMode: Sendable {
        /// PyTorch's `"rel"`.
        case relative
        /// PyTorch's `"abs"`.
        case absolute
    }

    /// The optimizer whose groups' learning rates this schedule reduces.
    public let optimizer: any Optimizer
    /// Whether the metric should go down or up.
    public let mode: Mode
    /// The factor a reduction multiplies the learning rates by, below 1.
    public let factor: Double
    /// The number of steps without improvement tolerated before a reduction.
    public let patience: Int
    /// How much better than the best a metric must be to count as an improvement.
    public let threshold: Double
    /// Whether `threshold` is a fraction of the best value or in the metric's units.
    public let thresholdMode: ThresholdMode
    /// The number of steps after a reduction during which bad steps are not counted.
    public let cooldown: Int
    /// The lowest rate of each group.
    public private(set) var minLearningRates: [Double]
    /// The smallest change of a rate worth making.
    public let epsilon: Double
    /// The best metric so far (infinity in `.min` mode, minus infinity in `.max` mode, before the first).
    public private(set) var best: Double
    /// Steps since the last improvement, not counting the cooldown (PyTorch's `num_bad_epochs`).
    public private(set) var badEpochCount = 0
    /// Cooldown steps left (PyTorch's `cooldown_counter`).
    public private(set) var cooldownCounter = 0
    /// The number of the last step: 0 after construction.
    public private(set) var lastEpoch = 0
    /// The learning rates after the last step, per group.
    public private(set) var lastLearningRates: [Double]
    /// The value for groups added to the optimizer later, when one value was given for all.
    private let defaultMinLearningRate: Double?

    /// A plateau schedule; making it changes no rate.
    ///
    /// - Parameters:
    ///   - optimizer: the optimizer whose groups' learning rates to reduce.
    ///   - mode: `.min` when the metric should go down, `.max` when it should go up (default `.min`).
    ///   - factor: the factor a reduction multiplies the rates by, below 1 (default 0.1).
    ///   - patience: the number of steps without improvement tolerated; the next one reduces (default 10).
    ///   - threshold: how much better than the best a metric must be to count (default 1e-4).
    ///   - thresholdMode: whether `threshold` is relative to the best value or absolute (default `.relative`).
    ///   - cooldown: the number of steps after a reduction during which bad steps are not counted (default 0).
    ///   - minLearningRate: the lowest rate, for all groups or one per group (PyTorch's `min_lr`, default 0).
    ///   - epsilon: the smallest change of a rate worth making; smaller reductions are skipped (`eps`, default 1e-8).
    public init(
        _ optimizer: any Optimizer, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10,
        threshold: Double = 1e-4, thresholdMode: ThresholdMode = .relative, cooldown: Int = 0,
        minLearningRate: some PerGroupValue = 0.0, epsilon: Double = 1e-8
    ) {
        precondition(factor < 1, "ReduceLROnPlateau: factor should be below 1, not \(factor)")
        self.optimizer = optimizer
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        minLearningRates = minLearningRate.values(for: optimizer, name: "minLearningRate", scheduler: "ReduceLROnPlateau")
        defaultMinLearningRate = minLearningRate as? Double
        self.epsilon = epsilon
        best = mode == .min ? .infinity : -.infinity
        lastLearningRates = optimizer.parameterGroups.map(\.learningRate)
    }

    /// Records the metric of the epoch just finished and reduces the rates after too long a plateau.
    public func step(_ metric: Double) {
        lastEpoch += 1
        if isImprovement(metric) {
            best = metric
            badEpochCount = 0
        } else {
            badEpochCount += 1
        }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            badEpochCount = 0
        }
        if badEpochCount > patience {
            reduceLearningRates()
            cooldownCounter = cooldown
            badEpochCount = 0
        }
        lastLearningRates = optimizer.parameterGroups.map(\.learningRate)
    }

    private func isImprovement(_ metric: Double) -> Bool {
        switch (mode, thresholdMode) {
        case (.min, .relative): metric < best * (1.0 - threshold)
        case (.min, .absolute): metric < best - threshold
        case (.max, .relative): metric > best * (threshold + 1.0)
        case (.max, .absolute): metric > best + threshold
        }
    }

    private func reduceLearningRates() {
        var groups = optimizer.parameterGroups
        if groups.count != minLearningRates.count {
            guard let defaultMinLearningRate else {
                preconditionFailure("""
                    ReduceLROnPlateau: the optimizer has \(groups.count) parameter groups, but \(minLearningRates.count) \
                    minimum learning rates were given; give one value for all groups to cover groups added later
                    """)
            }
            minLearningRates = Array(repeating: defaultMinLearningRate, count: groups.count)
        }
        for i in groups.indices {
            let old = groups[i].learningRate
            let new = Swift.max(old * factor, minLearningRates[i])
            if old - new > epsilon { groups[i].learningRate = new }
        }
        optimizer.parameterGroups = groups
    }

    /// The schedule's progress as JSON, with the names of PyTorch's `state_dict()`;
    /// see `LRScheduler.stateDict()`.
    public func stateDict() -> String {
        _ScheduleState.json(
            "ReduceLROnPlateau",
            numbers: ["last_epoch": Double(lastEpoch), "best": best, "num_bad_epochs": Double(badEpochCount),
                      "cooldown_counter": Double(cooldownCounter)],
            lists: ["min_lrs": minLearningRates, "_last_lr": lastLearningRates])
    }

    /// Restores the progress `stateDict()` saved.
    ///
    /// - Throws: `OptimizerStateError` when `json` is not this kind of schedule's state.
    public func loadStateDict(_ json: String) throws {
        let state = try _ScheduleState(json, scheduler: "ReduceLROnPlateau")
        let epoch = try state.integer("last_epoch"), best = try state.number("best")
        let bad = try state.integer("num_bad_epochs"), cooldown = try state.integer("cooldown_counter")
        let minimums = try state.perGroup("min_lrs", optimizer), last = try state.perGroup("_last_lr", optimizer)
        (lastEpoch, self.best, badEpochCount, cooldownCounter, minLearningRates, lastLearningRates)
            = (epoch, best, bad, cooldown, minimums, last)
    }
}
