import ArgumentParser
import Autograd
import AutogradDistributed
import DigitsExample
import Foundation

/// `swift run train-digits`: trains an MLP or a CNN on the UCI handwritten digits and draws what happened.
@main
struct TrainDigits: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-digits",
        abstract: "Train an MLP or CNN classifier on the UCI handwritten digits with swift-autograd.",
        discussion: """
            Splits the 1,797 bundled 8x8 images into a training and a test set with a seeded \
            shuffle, trains an MLP 64-128-10 (ReLU), or with --model cnn a small CNN (two 3x3 \
            convolutions with max pooling, then a linear layer), with cross-entropy, and prints the loss and \
            accuracy per epoch. Writes the loss and accuracy curves as an SVG chart and the graph \
            of one training step as Graphviz DOT (rendered to SVG too when `dot` is installed).

            With --distributed, trains data-parallel over MPI: start it with \
            `mpirun -np 2 train-digits --distributed`. Every rank trains a replica on its share \
            of each global batch of --batch-size images; rank 0 prints and writes the outputs.
            """)

    @Option(help: "The model: mlp (64-128-10) or cnn (Conv2d 16, MaxPool2d, Conv2d 32, MaxPool2d, Linear 128-10).")
    var model: ModelOption = .mlp

    @Option(help: "Passes over the training set (0 evaluates a loaded model only).")
    var epochs = 30

    @Option(help: "Learning rate (default: 0.001 for adam, 0.05 for sgd with momentum 0.9).")
    var lr: Double?

    @Option(help: "Images per training step.")
    var batchSize = 32

    @Option(help: "Seeds the train/test split, the initial weights and the shuffles.")
    var seed: UInt64 = 0

    @Option(help: "The optimizer: adam or sgd (with momentum 0.9).")
    var optimizer: OptimizerOption = .adam

    @Option(help: "Save the trained parameters to this safetensors file.")
    var save: String?

    @Option(help: "Start from the parameters in this safetensors file.")
    var load: String?

    @Option(help: "Where to write the chart and the graph.")
    var outputDir = "train-digits-output"

    @Flag(help: "Train data-parallel over MPI, the global batch split across the ranks mpirun started.")
    var distributed = false

    func validate() throws {
        guard epochs >= 0 else { throw ValidationError("--epochs must be 0 or more, got \(epochs)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number, got \(lr)") }
    }

    func run() throws {
        var configuration = TrainingConfiguration()
        configuration.epochs = epochs
        configuration.learningRate = lr
        configuration.batchSize = batchSize
        configuration.seed = seed
        configuration.optimizer = optimizer.choice
        configuration.model = model.choice
        let trainer = DigitsTrainer(configuration: configuration, data: try DigitsDataset.bundled())
        let learningRate = lr ?? optimizer.choice.defaultLearningRate
        let group = distributed ? try ProcessGroup.world : nil
        var console = Console()
        if let group {
            console.isSilent = !group.isRankZero
            console.isTerminal = false
        }

        if let load {
            try trainer.model.loadStateDict(from: URL(fileURLWithPath: load))
            console.line("Loaded parameters from \(load)")
        }
        let parallel = try group.map { try DataParallelTraining(trainer: trainer, group: $0, globalBatch: batchSize) }
        console.line("""
            \(model.choice.summary(hiddenUnits: configuration.hiddenUnits)), \(optimizer.rawValue) lr \(learningRate), \
            batch \(batchSize), \(epochs) epochs, seed \(seed): \
            \(trainer.trainingSet.count) training / \(trainer.testSet.count) test images
            """ + (parallel.map { "\n" + $0.summary } ?? ""))

        var history: [EpochRecord] = []
        let clock = ContinuousClock()
        let start = clock.now
        for epoch in 1...max(epochs, 1) where epochs > 0 {
            let steps = parallel?.stepsPerEpoch ?? trainer.batchesPerEpoch
            let bar = console.isTerminal ? ProgressBar(epoch: epoch, epochs: epochs, steps: steps) : nil
            let epochStart = clock.now
            let progress = { (step: Int, meanLoss: Double) -> Void in
                if let bar { console.overwrite(bar.render(step: step, loss: meanLoss)) }
            }
            let train = try parallel?.trainEpoch(epoch - 1, progress: progress) ?? trainer.trainEpoch(progress: progress)
            let test = trainer.evaluate(trainer.testSet)
            let record = EpochRecord(epoch: epoch, train: train, test: test, seconds: (clock.now - epochStart).seconds)
            history.append(record)
            console.line(record.summary(epochs: epochs))
        }
        let elapsed = (clock.now - start).seconds
        let final = trainer.evaluate(trainer.testSet)
        console.line(String(format: "Test accuracy %.2f%% (loss %.4f)", final.accuracy * 100, final.loss)
            + (epochs > 0 ? String(format: " after %d epochs in %.2f s", epochs, elapsed) : ""))

        if group?.isRankZero ?? true {
            try writeOutputs(trainer: trainer, history: history, learningRate: learningRate, seconds: elapsed,
                             console: console)
        }
        if let save {
            let metadata = [
                "format": "pt", "model": model.pytorchDefinition,
                "test_accuracy": String(format: "%.4f", final.accuracy),
            ]
            let url = URL(fileURLWithPath: save)
            // Every replica holds the same state dict: rank 0 writes it, the others wait until it has.
            if let group {
                try group.saveCheckpoint(trainer.model, to: url, metadata: metadata)
            } else {
                try trainer.model.saveStateDict(to: url, metadata: metadata)
            }
            console.line("Saved the parameters to \(save)")
        }
    }

    private func writeOutputs(
        trainer: DigitsTrainer, history: [EpochRecord], learningRate: Double, seconds: Double, console: Console
    ) throws {
        let directory = URL(fileURLWithPath: outputDir)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if !history.isEmpty {
            let chart = TrainingChart(
                title: "Handwritten digits: \(model.choice.summary(hiddenUnits: trainer.configuration.hiddenUnits)), \(optimizer.rawValue) lr \(learningRate), batch \(batchSize)",
                subtitle: String(format: "%d training / %d test images, seed %llu; test accuracy %.1f%% after %d epochs (%.2f s)",
                                 trainer.trainingSet.count, trainer.testSet.count, seed,
                                 history.last!.test.accuracy * 100, history.count, seconds),
                history: history)
            let chartURL = directory.appendingPathComponent(model.filePrefix + "training.svg")
            try chart.svg().write(to: chartURL, atomically: true, encoding: .utf8)
            console.line("Wrote the loss and accuracy chart to \(chartURL.path)")
        }
        let loss = trainer.lossOfOneStep()
        let dot = GraphExport.dot(for: loss, parameters: trainer.model.namedParameters())
        let dotURL = directory.appendingPathComponent(model.filePrefix + "step-graph.dot")
        try dot.write(to: dotURL, atomically: true, encoding: .utf8)
        console.line("Wrote the graph of one training step to \(dotURL.path)")
        if let svgURL = GraphvizRenderer.render(dotURL) {
            console.line("Rendered it with Graphviz to \(svgURL.path)")
        } else {
            console.line("(Install Graphviz to render it: dot -Tsvg \(dotURL.path) -o \(dotURL.deletingPathExtension().lastPathComponent).svg)")
        }
    }
}

/// The `--model` values.
enum ModelOption: String, CaseIterable, ExpressibleByArgument {
    case mlp, cnn

    var choice: ModelChoice {
        switch self {
        case .mlp: .mlp
        case .cnn: .cnn
        }
    }

    /// The same model in PyTorch, recorded in saved files.
    var pytorchDefinition: String {
        switch self {
        case .mlp: "Sequential(Linear(64, 128), ReLU(), Linear(128, 10))"
        case .cnn: """
            Sequential(Conv2d(1, 16, 3, padding=1), ReLU(), MaxPool2d(2), Conv2d(16, 32, 3, padding=1), ReLU(), \
            MaxPool2d(2), Flatten(), Linear(128, 10))
            """
        }
    }

    /// The start of the output files' names: `digits-` for the MLP (as before), `digits-cnn-` for the CNN.
    var filePrefix: String {
        switch self {
        case .mlp: "digits-"
        case .cnn: "digits-cnn-"
        }
    }
}

/// The `--optimizer` values.
enum OptimizerOption: String, CaseIterable, ExpressibleByArgument {
    case adam, sgd

    var choice: OptimizerChoice {
        switch self {
        case .adam: .adam
        case .sgd: .sgd
        }
    }
}

/// One epoch's numbers.
struct EpochRecord {
    var epoch: Int
    var train: Evaluation
    var test: Evaluation
    var seconds: Double

    func summary(epochs: Int) -> String {
        let width = String(epochs).count
        let number = String(repeating: " ", count: max(0, width - String(epoch).count)) + String(epoch)
        return String(format: "epoch %@/%d  loss %.4f  train acc %5.1f%%  test loss %.4f  test acc %5.1f%%  (%.2f s)",
                      number, epochs, train.loss, train.accuracy * 100, test.loss, test.accuracy * 100, seconds)
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
