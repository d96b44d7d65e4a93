import Autograd
import DigitsExample
import Testing

@Suite("The digits example")
struct DigitsTrainingTests {
    @Test("the bundled data set: 1,797 images of 64 scaled pixels, every digit present")
    func dataSet() throws {
        let data = try DigitsDataset.bundled()
        #expect(data.count == 1797)
        #expect(data.pixels.count == 1797 * 64)
        #expect(data.pixels.allSatisfy { (0...1).contains($0) })
        #expect(Set(data.labels) == Set(0..<10))
        let (train, test) = data.split(trainCount: 1437, seed: 0)
        #expect(train.count == 1437 && test.count == 360)
        let again = data.split(trainCount: 1437, seed: 0)
        #expect(again.train.labels == train.labels, "the split is fixed by the seed")
    }

    @Test("a short run on a subset beats 80% test accuracy")
    func shortRun() throws {
        var configuration = TrainingConfiguration()
        configuration.trainCount = 600
        configuration.epochs = 4
        configuration.learningRate = 3e-3
        let data = try DigitsDataset.bundled()
        let trainer = DigitsTrainer(configuration: configuration, data: data)
        let before = trainer.evaluate(trainer.testSet)
        var losses: [Double] = []
        for _ in 0..<configuration.epochs {
            losses.append(try trainer.trainEpoch().loss)
        }
        let after = trainer.evaluate(trainer.testSet)
        #expect(before.accuracy < 0.3, "an untrained model guesses")
        #expect(losses.last! < losses.first!, "the training loss falls: \(losses)")
        #expect(after.accuracy > 0.8, "test accuracy \(after.accuracy) on \(trainer.testSet.count) held-out images")
    }

    @Test("the CNN: PyTorch's layer names and shapes, images as [N, 1, 8, 8]; a short run learns")
    func shortCNNRun() throws {
        var configuration = TrainingConfiguration()
        configuration.model = .cnn
        configuration.trainCount = 600
        configuration.epochs = 3
        configuration.learningRate = 3e-3
        let trainer = DigitsTrainer(configuration: configuration, data: try DigitsDataset.bundled())
        #expect(trainer.model.namedParameters().map(\.name) == ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"])
        #expect(trainer.model.parameters().map(\.shape) == [[16, 1, 3, 3], [16], [32, 16, 3, 3], [32], [10, 128], [10]])
        var losses: [Double] = []
        for _ in 0..<configuration.epochs {
            losses.append(try trainer.trainEpoch().loss)
        }
        #expect(losses.last! < losses.first!, "the training loss falls: \(losses)")
        let accuracy = trainer.evaluate(trainer.testSet).accuracy
        #expect(accuracy > 0.5, "far above chance (10%) after 3 short epochs: \(accuracy)")
    }

    @Test("gunzip rejects corrupt data")
    func corruptGzip() {
        #expect(throws: GzipError.self) { try gunzip([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF]) }
    }
}
