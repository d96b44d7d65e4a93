import Foundation

/// The 1cycle policy, as `torch.optim.lr_scheduler.OneCycleLR`: each group's
/// learning rate rises from `maxLearningRate / divFactor` to `maxLearningRate`,
/// then falls to `maxLearningRate / (divFactor · finalDivFactor)`, while the
/// momentum (SGD's and RMSprop's `momentum`, Adam's β₁) moves the opposite way
/// between `maxMomentum` and `baseMomentum`. Step it after every batch.
///
/// Phases, with `n = totalSteps` and `p = percentStart`:
///
/// ```
/// two phases:    [0, p·n - 1]           initial → max      maxMomentum → baseMomentum
///                [p·n - 1, n - 1]       max → min          baseMomentum → maxMomentum
/// three phases:  [0, p·n - 1]           initial → max      maxMomentum → baseMomentum
///                [p·n - 1, 2p·n - 2]    max → initial      baseMomentum → maxMomentum
///                [2p·n - 2, n - 1]      initial → min      maxMomentum
/// ```
///
/// Within a phase, at fraction `f` of it, a value goes from `a` to `b` as
///
/// ```
/// cosine:  b + (a - b) / 2 · (cos(π f) + 1)
/// linear:  (b - a) · f + a
/// ```
///
/// The schedule records `initial_lr`, `max_lr`, `min_lr`, `max_momentum` and
/// `base_momentum` in each group, as PyTorch does, and reads them back at every
/// step. Unlike the other schedules it sets rates from these, not from the
/// current rate, so it does not compose with another schedule.
public final class OneCycleLR: LRScheduler {
    /// How a phase moves from its start value to its end value.
    public enum AnnealStrategy: Sendable {
        /// Half a cosine (PyTorch's `"cos"`).
        case cosine
        /// A straight line (PyTorch's `"linear"`).
        case linear
    }

    /// The optimizer whose groups' learning rates this schedule sets.
    public let optimizer: any Optimizer
    /// The number of steps in the cycle; stepping beyond it traps, as PyTorch raises.
    public let totalSteps: Int
    /// How each phase moves between its values: along half a cosine or a line.
    public let annealStrategy: AnnealStrategy
    /// Whether the momentum (or β₁) is cycled inversely to the learning rate.
    public let cycleMomentum: Bool
    /// The learning rate each group started from, its `initial_lr` (PyTorch's `base_lrs`).
    public private(set) var baseLearningRates: [Double]
    /// The number of the last step taken: 0 after construction (PyTorch's `last_epoch`).
    public private(set) var lastEpoch: Int
    /// The learning rates the last step set, per group (PyTorch's `get_last_lr()`).
    public private(set) var lastLearningRates: [Double] = []
    /// Whether the cycled momentum is Adam's β₁ rather than a `momentum`.
    private let cyclesBeta1: Bool
    private let phases: [Phase]

    /// A part of the cycle: where it ends, and the group keys of the values it goes between.
    private struct Phase {
        typealias Span = (from: ParameterGroup.Key, to: ParameterGroup.Key)
        let endStep: Double
        let learningRate: Span
        let momentum: Span
    }

    /// A 1cycle schedule over `totalSteps` batches; making it records the cycle's rates and
    /// momenta in each group and sets step 0: the initial rate and, with `cycleMomentum`,
    /// the maximum momentum.
    ///
    /// ```swift
    /// let scheduler = OneCycleLR(optimizer, maxLearningRate: 0.1, totalSteps: epochs * batchesPerEpoch)
    /// ```
    ///
    /// - Parameters:
    ///   - optimizer: the optimizer whose groups' learning rates (and momenta) to set.
    ///   - maxLearningRate: the peak rate, for all groups or one per group.
    ///   - totalSteps: the number of steps in the cycle (PyTorch's `total_steps`, or
    ///     `epochs * steps_per_epoch`).
    ///   - percentStart: the fraction of the cycle spent raising the rate, in [0, 1] (`pct_start`, default 0.3).
    ///   - annealStrategy: how each phase moves between its values (`anneal_strategy`, default cosine).
    ///   - cycleMomentum: cycle the momentum (Adam's β₁) inversely to the rate (default true); needs
    ///     an optimizer with a momentum or betas, else pass false.
    ///   - baseMomentum: the momentum at the peak rate, for all groups or per group (default 0.85).
    ///   - maxMomentum: the momentum at the start and end of the cycle, for all groups or per group (default 0.95).
    ///   - divFactor: the initial rate is `maxLearningRate / divFactor` (default 25).
    ///   - finalDivFactor: the final rate is the initial rate divided by this (default 1e4).
    ///   - threePhase: come back to the initial rate before annihilating it, as the paper does (default false).
    ///   - lastEpoch: -1 to start, or the step to resume from (a count of batches), as PyTorch's `last_epoch`.
    public init(
        _ optimizer: any Optimizer, maxLearningRate: some PerGroupValue, totalSteps: Int,
        percentStart: Double = 0.3, annealStrategy: AnnealStrategy = .cosine, cycleMomentum: Bool = true,
        baseMomentum: some PerGroupValue = 0.85, maxMomentum: some PerGroupValue = 0.95,
        divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false, lastEpoch: Int = -1
    ) {
        precondition(totalSteps > 0, "OneCycleLR: totalSteps must be positive, not \(totalSteps)")
        precondition((0...1).contains(percentStart), "OneCycleLR: percentStart must be between 0 and 1, not \(percentStart)")
        self.optimizer = optimizer
        self.totalSteps = totalSteps
        self.annealStrategy = annealStrategy
        self.cycleMomentum = cycleMomentum
        let n = Double(totalSteps), end = Double(totalSteps - 1)
        let rise = Phase(endStep: percentStart * n - 1, learningRate: (.initialLearningRate, .maxLearningRate),
                         momentum: (.maxMomentum, .baseMomentum))
        phases = threePhase
            ? [rise,
               Phase(endStep: 2 * percentStart * n - 2, learningRate: (.maxLearningRate, .initialLearningRate),
                     momentum: (.baseMomentum, .maxMomentum)),
               Phase(endStep: end, learningRate: (.initialLearningRate, .minLearningRate),
                     momentum: (.maxMomentum, .maxMomentum))]
            : [rise,
               Phase(endStep: end, learningRate: (.maxLearningRate, .minLearningRate),
                     momentum: (.baseMomentum, .maxMomentum))]

        let defaults = optimizer.defaults
        precondition(!cycleMomentum || defaults[.momentum] != nil || defaults[.betas] != nil, """
            OneCycleLR: cycleMomentum needs an optimizer with a momentum or β₁, which \(type(of: optimizer)) has not; \
            pass cycleMomentum: false
            """)
        cyclesBeta1 = defaults[.betas] != nil

        var groups = optimizer.parameterGroups
        if lastEpoch == -1 {
            let maxRates = maxLearningRate.values(for: optimizer, name: "maxLearningRate", scheduler: "OneCycleLR")
            for i in groups.indices {
                let initial = maxRates[i] / divFactor
                groups[i][.initialLearningRate] = .number(initial)
                groups[i][.maxLearningRate] = .number(maxRates[i])
                groups[i][.minLearningRate] = .number(initial / finalDivFactor)
            }
            if cycleMomentum {
                let maxMomenta = maxMomentum.values(for: optimizer, name: "maxMomentum", scheduler: "OneCycleLR")
                let baseMomenta = baseMomentum.values(for: optimizer, name: "baseMomentum", scheduler: "OneCycleLR")
                for i in groups.indices {
                    if cyclesBeta1 { groups[i].betas.0 = maxMomenta[i] } else { groups[i].momentum = maxMomenta[i] }
                    groups[i][.maxMomentum] = .number(maxMomenta[i])
                    groups[i][.baseMomentum] = .number(baseMomenta[i])
                }
            }
            optimizer.parameterGroups = groups
        }
        baseLearningRates = scheduleBaseLearningRates(optimizer, lastEpoch: lastEpoch, scheduler: "OneCycleLR")
        self.lastEpoch = lastEpoch
        step()
    }

    /// Moves to the next batch of the cycle, setting each group's learning rate and (with
    /// `cycleMomentum`) its momentum or β₁.
    ///
    /// Stepping past `totalSteps` traps, as PyTorch raises.
    public func step() {
        lastEpoch += 1
        precondition(lastEpoch <= totalSteps, "OneCycleLR: step \(lastEpoch) is past the cycle's \(totalSteps) steps")
        let (phase, fraction) = currentPhase()
        var groups = optimizer.parameterGroups
        for i in groups.indices {
            if cycleMomentum {
                let momentum = anneal(groups[i], phase.momentum, fraction)
                if cyclesBeta1 { groups[i].betas.0 = momentum } else { groups[i].momentum = momentum }
            }
            groups[i].learningRate = anneal(groups[i], phase.learningRate, fraction)
        }
        optimizer.parameterGroups = groups
        lastLearningRates = groups.map(\.learningRate)
    }

    /// The phase the current step falls in and how far into it, as a fraction
    /// (the last phase extends past its end).
    private func currentPhase() -> (Phase, Double) {
        let t = Double(lastEpoch)
        var start = 0.0
        for (i, phase) in phases.enumerated() {
            if t <= phase.endStep || i == phases.count - 1 {
                return (phase, (t - start) / (phase.endStep - start))
            }
            start = phase.endStep
        }
        fatalError("unreachable: the last phase always matches")
    }

    private func anneal(_ group: ParameterGroup, _ span: Phase.Span, _ fraction: Double) -> Double {
        guard let start = group[span.from]?.number, let end = group[span.to]?.number else {
            preconditionFailure("""
                OneCycleLR: a parameter group has no '\(group[span.from] == nil ? span.from : span.to)'; \
                a resumed cycle needs the optimizer's saved state
                """)
        }
        switch annealStrategy {
        case .cosine: return end + (start - end) / 2.0 * (cos(.pi * fraction) + 1)
        case .linear: return (end - start) * fraction + start
        }
    }

    /// The schedule's progress as JSON (`last_epoch`, `base_lrs`, `_last_lr`, as PyTorch's
    /// `OneCycleLR.state_dict()`); see ``LRScheduler/stateDict()``.
    public func stateDict() -> String {
        _ScheduleState.json("OneCycleLR", numbers: ["last_epoch": Double(lastEpoch)],
                            lists: ["base_lrs": baseLearningRates, "_last_lr": lastLearningRates])
    }

    /// Restores the progress `stateDict()` saved; load the optimizer's state too.
    ///
    /// - Throws: `OptimizerStateError` when `json` is not a `OneCycleLR` state for this many groups.
    public func loadStateDict(_ json: String) throws {
        let state = try _ScheduleState(json, scheduler: "OneCycleLR")
        let epoch = try state.integer("last_epoch")
        let bases = try state.perGroup("base_lrs", optimizer), last = try state.perGroup("_last_lr", optimizer)
        (lastEpoch, baseLearningRates, lastLearningRates) = (epoch, bases, last)
    }
}
