import Autograd

/// The optimizers the digits example can train with.
public enum OptimizerChoice: String, CaseIterable, Sendable {
    case sgd, adam

    /// The learning rate used when none is given: Adam's PyTorch default, and a rate
    /// that suits SGD with momentum 0.9 on this data.
    public var defaultLearningRate: Double {
        switch self {
        case .sgd: 0.05
        case .adam: 1e-3
        }
    }
}

/// The models the digits example can train.
public enum ModelChoice: String, CaseIterable, Sendable {
    /// An MLP 64-128-10 (ReLU) on the flattened images.
    case mlp
    /// A small CNN on the 1×8×8 images: `Conv2d(1, 16, 3, padding: 1) → ReLU → MaxPool2d(2) →
    /// Conv2d(16, 32, 3, padding: 1) → ReLU → MaxPool2d(2) → Flatten → Linear(128, 10)`.
    case cnn

    /// The model, its weights drawn from `generator`.
    public func build(hiddenUnits: Int, using generator: inout RandomGenerator) -> Sequential {
        switch self {
        case .mlp:
            Sequential(
                Linear(DigitsDataset.featureCount, hiddenUnits, generator: &generator),
                ReLU(),
                Linear(hiddenUnits, DigitsDataset.classCount, generator: &generator))
        case .cnn:
            Sequential(
                Conv2d(1, 16, 3, padding: 1, using: &generator), ReLU(), MaxPool2d(2),
                Conv2d(16, 32, 3, padding: 1, using: &generator), ReLU(), MaxPool2d(2),
                Flatten(), Linear(128, DigitsDataset.classCount, using: &generator))
        }
    }

    /// The shape a batch of `count` images takes going into the model.
    public func inputShape(batch count: Int) -> [Int] {
        switch self {
        case .mlp: [count, DigitsDataset.featureCount]
        case .cnn: [count, 1, 8, 8]
        }
    }

    /// How the model is described in the tool's output.
    public func summary(hiddenUnits: Int) -> String {
        switch self {
        case .mlp: "MLP 64-\(hiddenUnits)-10 (ReLU)"
        case .cnn: "CNN conv 16, pool, conv 32, pool, linear 128-10 (ReLU)"
        }
    }
}

/// What to train: the defaults are the example's (an MLP 64-128-10, Adam at 1e-3,
/// batch 32, 30 epochs, 1,437 training images).
public struct TrainingConfiguration: Sendable {
    public var model = ModelChoice.mlp
    public var epochs = 30
    /// The learning rate; nil for the optimizer's default.
    public var learningRate: Double?
    public var batchSize = 32
    /// Seeds the split (`seed`), the initial weights (`seed + 1`) and the epoch shuffles (`seed + 2`).
    public var seed: UInt64 = 0
    public var optimizer = OptimizerChoice.adam
    public var hiddenUnits = 128
    /// The number of images to train on; the rest of the data set is the test set.
    public var trainCount = 1437

    public init() {}
}

/// The loss and accuracy of a model on a set of images.
public struct Evaluation: Sendable {
    public var loss: Double
    /// The fraction classified correctly, 0...1.
    public var accuracy: Double
}

/// What an epoch of training added up to: summed, so the ranks of a data-parallel run can add theirs.
public struct TrainingTotals: Sendable {
    /// The loss of each image trained on, summed (each batch's mean times its size).
    public var lossSum = 0.0
    /// The images classified correctly in the batches as they were trained on.
    public var correct = 0
    /// The images trained on.
    public var seen = 0

    public init() {}

    /// The mean loss and the accuracy.
    public var evaluation: Evaluation {
        Evaluation(loss: lossSum / Double(max(seen, 1)), accuracy: Double(correct) / Double(max(seen, 1)))
    }
}

/// The example's training loop: an MLP or a CNN classifier trained with cross-entropy on the digits.
///
/// It is the loop of the PyTorch tutorial, spelled in Swift:
///
/// ```swift
/// optimizer.zeroGrad()
/// let loss = criterion(model(inputs), labels)
/// try loss.backward()
/// optimizer.step()
/// ```
public final class DigitsTrainer {
    public let configuration: TrainingConfiguration
    public let model: Sequential
    public let optimizer: any Optimizer
    public let criterion = CrossEntropyLoss()
    public let trainingSet: DigitsDataset
    public let testSet: DigitsDataset
    private var shuffler: RandomGenerator

    /// Splits `data` and builds the model and optimizer the configuration describes.
    public init(configuration: TrainingConfiguration, data: DigitsDataset) {
        self.configuration = configuration
        (trainingSet, testSet) = data.split(trainCount: configuration.trainCount, seed: configuration.seed)
        var initializer = RandomGenerator(seed: configuration.seed &+ 1)
        model = configuration.model.build(hiddenUnits: configuration.hiddenUnits, using: &initializer)
        let learningRate = configuration.learningRate ?? configuration.optimizer.defaultLearningRate
        switch configuration.optimizer {
        case .sgd: optimizer = SGD(model.parameters(), learningRate: learningRate, momentum: 0.9)
        case .adam: optimizer = Adam(model.parameters(), learningRate: learningRate)
        }
        shuffler = RandomGenerator(seed: configuration.seed &+ 2)
    }

    /// The number of batches in one epoch.
    public var batchesPerEpoch: Int {
        (trainingSet.count + configuration.batchSize - 1) / configuration.batchSize
    }

    /// One pass over the shuffled training set; returns the mean loss and the accuracy
    /// on the batches as they were trained on.
    ///
    /// - Parameter progress: called after each batch with its number (from 1) and the mean loss so far.
    public func trainEpoch(progress: (_ batch: Int, _ meanLoss: Double) -> Void = { _, _ in }) throws -> Evaluation {
        var order = Array(0..<trainingSet.count)
        order.shuffle(using: &shuffler)
        return try train(order: order, batchSize: configuration.batchSize, progress: progress).evaluation
    }

    /// One pass over the training images `order` names, in batches of `batchSize`, through
    /// `replica` (the model itself when nil; a data-parallel wrapper of it, say); returns
    /// the summed loss and the counts, which ranks can add up.
    ///
    /// - Parameter progress: called after each batch with its number (from 1) and the mean loss so far.
    public func train(
        order: [Int], batchSize: Int, replica: (any Module)? = nil,
        progress: (_ batch: Int, _ meanLoss: Double) -> Void = { _, _ in }
    ) throws -> TrainingTotals {
        model.train()
        let forward = replica ?? model
        var totals = TrainingTotals()
        for (number, start) in stride(from: 0, to: order.count, by: batchSize).enumerated() {
            let indices = order[start..<min(start + batchSize, order.count)]
            let (inputs, labels) = batch(trainingSet, indices)
            optimizer.zeroGrad()
            let logits = forward(inputs)
            let loss = criterion(logits, labels)
            try loss.backward()
            optimizer.step()
            totals.lossSum += loss.item() * Double(indices.count)
            totals.correct += Self.countCorrect(logits, labels)
            totals.seen += indices.count
            progress(number + 1, totals.lossSum / Double(totals.seen))
        }
        return totals
    }

    /// The loss and accuracy on `set`, in evaluation mode and without recording a graph.
    public func evaluate(_ set: DigitsDataset) -> Evaluation {
        model.eval()
        defer { model.train() }
        let (inputs, labels) = batch(set, 0..<set.count)
        return withNoGrad {
            let logits = model(inputs)
            let loss = criterion(logits, labels).item()
            return Evaluation(loss: loss, accuracy: Double(Self.countCorrect(logits, labels)) / Double(max(set.count, 1)))
        }
    }

    /// The loss of the model on the first training batch, with its graph recorded:
    /// what one training step differentiates.
    public func lossOfOneStep() -> Tensor {
        let (inputs, labels) = batch(trainingSet, 0..<min(configuration.batchSize, trainingSet.count))
        return criterion(model(inputs), labels)
    }

    /// The images of `set` at `indices`, shaped for the model, with their labels.
    private func batch(_ set: DigitsDataset, _ indices: some Collection<Int>) -> (inputs: Tensor, labels: Tensor) {
        let (inputs, labels) = set.batch(indices)
        return (inputs.reshaped(configuration.model.inputShape(batch: indices.count)), labels)
    }

    /// How many rows of `logits` have their largest value at the label's index.
    static func countCorrect(_ logits: Tensor, _ labels: Tensor) -> Int {
        Int((logits.argmax(dim: 1) .== labels).sum().item())
    }
}
