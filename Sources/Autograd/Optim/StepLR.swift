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
    public let optimizer: any Optimizer
    /// The number of steps between decays.
    public let stepSize: Int
    /// The factor each decay multiplies the learning rate by.
    public let gamma: Double
    public private(set) var baseLearningRates: [Double]
    public private(set) var lastEpoch: Int
    public private(set) var lastLearningRates: [Double] = []

    /// - Parameter lastEpoch: -1 to start, or the step to resume from, as PyTorch's `last_epoch`.
    public init(_ optimizer: any Optimizer, stepSize: Int, gamma: Double = 0.1, lastEpoch: Int = -1) {
        precondition(stepSize > 0, "StepLR: stepSize must be positive, not \(stepSize)")
        self.optimizer = optimizer
        self.stepSize = stepSize
        self.gamma = gamma
        baseLearningRates = scheduleBaseLearningRates(optimizer, lastEpoch: lastEpoch, scheduler: "StepLR")
        self.lastEpoch = lastEpoch
        step()
    }

    public func step() {
        lastEpoch += 1
        let current = optimizer.parameterGroups.map(\.learningRate)
        let decays = lastEpoch != 0 && lastEpoch % stepSize == 0
        lastLearningRates = applyLearningRates(decays ? current.map { $0 * gamma } : current, to: optimizer)
    }

    public func stateDict() -> String {
        _ScheduleState.json("StepLR", numbers: ["last_epoch": Double(lastEpoch)],
                            lists: ["base_lrs": baseLearningRates, "_last_lr": lastLearningRates])
    }

    public func loadStateDict(_ json: String) throws {
        let state = try _ScheduleState(json, scheduler: "StepLR")
        let epoch = try state.integer("last_epoch")
        let bases = try state.perGroup("base_lrs", optimizer), last = try state.perGroup("_last_lr", optimizer)
        (lastEpoch, baseLearningRates, lastLearningRates) = (epoch, bases, last)
    }
}
