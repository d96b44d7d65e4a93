import Autograd
import Foundation
import Conformance
import Testing
import TestSupport

/// `Fixtures/optimizer_reference.json`: trajectories and learning-rate sequences
/// torch.optim computed, written by `Reference/optimizer_reference.py`.
///
/// Cases describe optimizers and schedules with PyTorch's names and keyword
/// arguments; `make...` below builds the Swift counterpart through the public
/// initialisers, so every case also checks the mapping of names and defaults.
struct OptimizerFixture: Decodable, Sendable {
    let torch: String
    let steps: Int
    let parameters: [ParameterSpec]
    let optimizerCases: [OptimizerCase]
    let scheduleCases: [ScheduleCase]
    let stateCases: [StateCase]

    static let shared: OptimizerFixture = {
        let url = Fixtures.url("optimizer_reference.json", in: "TrainingTests")
        do {
            return try JSONDecoder().decode(OptimizerFixture.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot read Fixtures/optimizer_reference.json: \(error)")
        }
    }()

    /// A parameter of the test problem, whose gradient is `2 c p + d`.
    struct ParameterSpec: Decodable, Sendable {
        let shape: [Int]
        let start: [Double]
        let c: [Double]
        let d: [Double]
    }

    /// PyTorch keyword arguments: `lr=0.1`, `betas=(0.9, 0.999)`, `nesterov=True`, `mode="max"`.
    struct Options: Decodable, Sendable {
        let values: [String: Value]

        enum Value: Decodable, Sendable {
            case number(Double), flag(Bool), numbers([Double]), text(String)

            init(from decoder: Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let flag = try? container.decode(Bool.self) {
                    self = .flag(flag)
                } else if let number = try? container.decode(Double.self) {
                    self = .number(number)
                } else if let text = try? container.decode(String.self) {
                    self = .text(text)
                } else {
                    self = .numbers(try container.decode([Double].self))
                }
            }
        }

        init(from decoder: Decoder) throws {
            values = try decoder.singleValueContainer().decode([String: Value].self)
        }

        subscript(number key: String) -> Double? {
            guard case .number(let x) = values[key] else { return nil }
            return x
        }

        subscript(flag key: String) -> Bool? {
            guard case .flag(let b) = values[key] else { return nil }
            return b
        }

        subscript(numbers key: String) -> [Double]? {
            guard case .numbers(let xs) = values[key] else { return nil }
            return xs
        }

        subscript(text key: String) -> String? {
            guard case .text(let s) = values[key] else { return nil }
            return s
        }

        subscript(pair key: String) -> (Double, Double)? {
            self[numbers: key].map { ($0[0], $0[1]) }
        }

        /// A number or a list of numbers, for a setting PyTorch takes either way.
        subscript(perGroup key: String) -> [Double]? {
            self[numbers: key]
        }

        var keys: Set<String> { Set(values.keys) }
    }

    struct SchedulerSpec: Decodable, Sendable {
        let scheduler: String
        let options: Options
    }

    struct OptimizerCase: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let optimizer: String
        let options: Options
        let groups: [Options]?
        let skip: [[Int]]?
        let schedulers: [SchedulerSpec]?
        /// The parameters (flattened) after each step.
        let trajectory: [[[Double]]]

        var testDescription: String { name }
    }

    struct ScheduleCase: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let optimizer: String
        let options: Options
        let groups: [Options]
        let schedulers: [SchedulerSpec]
        let steps: Int
        let metrics: [Double]?
        /// Each group's learning rate after construction, then after each step.
        let learningRates: [[Double]]
        /// Each group's momentum (or Adam's β₁) after construction, then after each step, when it has one.
        let momenta: [[Double]]?

        var testDescription: String { name }
    }

    struct StateCase: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let file: String
        let optimizer: String
        let options: Options
        let groups: [Options]?
        let schedulers: [SchedulerSpec]
        let savedAt: Int
        let parametersAtSave: [[Double]]
        /// The parameters after each step following the save.
        let trajectory: [[[Double]]]

        var testDescription: String { name }
    }
}

// MARK: - The test problem

extension OptimizerFixture {
    /// The problem's parameters at their starting values.
    func makeParameters(dtype: DType) -> [Tensor] {
        parameters.map { Tensor(shape: $0.shape, scalars: $0.start, dtype: dtype, requiresGrad: true) }
    }

    /// Sets each parameter's gradient to `2 c p + d`, computed in the parameter's dtype
    /// in the order PyTorch computes it, and none where `skip` lists [step, parameter].
    func setGradients(_ params: [Tensor], step: Int, skip: [[Int]]) {
        for (i, p) in params.enumerated() {
            if skip.contains([step, i]) {
                p.grad = nil
                continue
            }
            let spec = parameters[i], values = p.scalars
            if p.dtype == .float32 {
                let g = values.indices.map { j in 2 * Float(spec.c[j]) * Float(values[j]) + Float(spec.d[j]) }
                p.grad = Tensor(shape: p.shape, scalars: g, dtype: .float32)
            } else {
                let g = values.indices.map { j in 2 * spec.c[j] * values[j] + spec.d[j] }
                p.grad = Tensor(shape: p.shape, scalars: g, dtype: .float64)
            }
        }
    }
}

// MARK: - PyTorch's arguments to Swift's initialisers

/// Builds the groups a case describes, or one group of all parameters.
func makeGroups(_ groups: [OptimizerFixture.Options]?, _ params: [Tensor]) -> [ParameterGroup] {
    guard let groups else { return [ParameterGroup(params)] }
    return groups.map { g in
        ParameterGroup(
            g[numbers: "params"]!.map { params[Int($0)] }, learningRate: g[number: "lr"],
            weightDecay: g[number: "weight_decay"], momentum: g[number: "momentum"], dampening: g[number: "dampening"],
            nesterov: g[flag: "nesterov"], betas: g[pair: "betas"], epsilon: g[number: "eps"],
            amsgrad: g[flag: "amsgrad"], alpha: g[number: "alpha"], centered: g[flag: "centered"],
            learningRateDecay: g[number: "lr_decay"], maximize: g[flag: "maximize"])
    }
}

/// The Swift optimizer PyTorch's `torch.optim.<name>(groups, **options)` corresponds to;
/// absent options take PyTorch's defaults, spelled out here.
func makeOptimizer(_ name: String, _ o: OptimizerFixture.Options, _ groups: [ParameterGroup]) -> any Optimizer {
    switch name {
    case "SGD":
        return SGD(groups, learningRate: o[number: "lr"] ?? 1e-3, momentum: o[number: "momentum"] ?? 0,
                   dampening: o[number: "dampening"] ?? 0, nesterov: o[flag: "nesterov"] ?? false,
                   weightDecay: o[number: "weight_decay"] ?? 0, maximize: o[flag: "maximize"] ?? false)
    case "Adam":
        return Adam(groups, learningRate: o[number: "lr"] ?? 1e-3, betas: o[pair: "betas"] ?? (0.9, 0.999),
                    epsilon: o[number: "eps"] ?? 1e-8, weightDecay: o[number: "weight_decay"] ?? 0,
                    amsgrad: o[flag: "amsgrad"] ?? false, maximize: o[flag: "maximize"] ?? false)
    case "AdamW":
        return AdamW(groups, learningRate: o[number: "lr"] ?? 1e-3, betas: o[pair: "betas"] ?? (0.9, 0.999),
                     epsilon: o[number: "eps"] ?? 1e-8, weightDecay: o[number: "weight_decay"] ?? 1e-2,
                     amsgrad: o[flag: "amsgrad"] ?? false, maximize: o[flag: "maximize"] ?? false)
    case "RMSprop":
        return RMSprop(groups, learningRate: o[number: "lr"] ?? 1e-2, alpha: o[number: "alpha"] ?? 0.99,
                       epsilon: o[number: "eps"] ?? 1e-8, weightDecay: o[number: "weight_decay"] ?? 0,
                       momentum: o[number: "momentum"] ?? 0, centered: o[flag: "centered"] ?? false,
                       maximize: o[flag: "maximize"] ?? false)
    case "Adagrad":
        return Adagrad(groups, learningRate: o[number: "lr"] ?? 1e-2, learningRateDecay: o[number: "lr_decay"] ?? 0,
                       weightDecay: o[number: "weight_decay"] ?? 0,
                       initialAccumulatorValue: o[number: "initial_accumulator_value"] ?? 0,
                       epsilon: o[number: "eps"] ?? 1e-10, maximize: o[flag: "maximize"] ?? false)
    default:
        fatalError("the fixture names an optimizer the tests do not know: \(name)")
    }
}

/// A schedule of either kind, stepped the way its case says.
enum AnySchedule {
    case epochs(any LRScheduler)
    case plateau(ReduceLROnPlateau)

    func step(metric: Double?) {
        switch self {
        case .epochs(let s): s.step()
        case .plateau(let s): s.step(metric!)
        }
    }

    var lastLearningRates: [Double] {
        switch self {
        case .epochs(let s): s.lastLearningRates
        case .plateau(let s): s.lastLearningRates
        }
    }
}

/// The Swift schedule PyTorch's `torch.optim.lr_scheduler.<name>(optimizer, **options)` corresponds to.
func makeSchedule(_ spec: OptimizerFixture.SchedulerSpec, _ optimizer: any Optimizer) -> AnySchedule {
    let o = spec.options
    func perGroup(_ key: String, _ defaultValue: Double) -> [Double] {
        o[numbers: key] ?? Array(repeating: o[number: key] ?? defaultValue, count: optimizer.parameterGroups.count)
    }
    switch spec.scheduler {
    case "StepLR":
        return .epochs(StepLR(optimizer, stepSize: Int(o[number: "step_size"]!), gamma: o[number: "gamma"] ?? 0.1))
    case "CosineAnnealingLR":
        return .epochs(CosineAnnealingLR(optimizer, maxSteps: Int(o[number: "T_max"]!),
                                         minLearningRate: o[number: "eta_min"] ?? 0))
    case "LinearLR":
        return .epochs(LinearLR(optimizer, startFactor: o[number: "start_factor"] ?? 1.0 / 3,
                                endFactor: o[number: "end_factor"] ?? 1, totalIterations: Int(o[number: "total_iters"] ?? 5)))
    case "OneCycleLR":
        let total = o[number: "total_steps"].map { Int($0) }
            ?? Int(o[number: "epochs"]!) * Int(o[number: "steps_per_epoch"]!)
        return .epochs(OneCycleLR(
            optimizer, maxLearningRate: perGroup("max_lr", .nan), totalSteps: total,
            percentStart: o[number: "pct_start"] ?? 0.3,
            annealStrategy: o[text: "anneal_strategy"] == "linear" ? .linear : .cosine,
            cycleMomentum: o[flag: "cycle_momentum"] ?? true, baseMomentum: perGroup("base_momentum", 0.85),
            maxMomentum: perGroup("max_momentum", 0.95), divFactor: o[number: "div_factor"] ?? 25,
            finalDivFactor: o[number: "final_div_factor"] ?? 1e4, threePhase: o[flag: "three_phase"] ?? false))
    case "ReduceLROnPlateau":
        return .plateau(ReduceLROnPlateau(
            optimizer, mode: o[text: "mode"] == "max" ? .max : .min, factor: o[number: "factor"] ?? 0.1,
            patience: Int(o[number: "patience"] ?? 10), threshold: o[number: "threshold"] ?? 1e-4,
            thresholdMode: o[text: "threshold_mode"] == "abs" ? .absolute : .relative,
            cooldown: Int(o[number: "cooldown"] ?? 0), minLearningRate: perGroup("min_lr", 0),
            epsilon: o[number: "eps"] ?? 1e-8))
    default:
        fatalError("the fixture names a schedule the tests do not know: \(spec.scheduler)")
    }
}

// MARK: - Comparing

extension OptimizerFixture {
    /// `t` relative to a value's magnitude, floored at 1e-3 for values near zero (where a
    /// relative bound means nothing): t · max(|e|, 1e-3), as atol + rtol · |e| with
    /// atol = t · 5e-4 and rtol = t / 2, which never allows more.
    static func tolerance(_ t: Double) -> Tolerance { Tolerance(absolute: t * 5e-4, relative: t / 2) }
}
