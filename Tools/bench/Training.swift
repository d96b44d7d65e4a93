import Autograd
import DigitsExample
import Foundation

extension Workloads {
    /// W2: one SGD training step of an MLP 784-256-10 (ReLU, cross-entropy) on a batch of 128, float32.
    func w2() -> [String: Double] {
        var g = RandomGenerator(seed: 0)
        let model = Sequential(Linear(784, 256, generator: &g), ReLU(), Linear(256, 10, generator: &g))
        let optimizer = SGD(model.parameters(), learningRate: 0.01)
        let criterion = CrossEntropyLoss()
        let x = Tensor.randn([128, 784], using: &g)
        let labels = Tensor(shape: [128], scalars: (0..<128).map { _ in Int64(g.next() % 10) }, dtype: .int64)
        func step() {
            optimizer.zeroGrad()
            try! criterion(model(x), labels).backward()
            optimizer.step()
        }
        let seconds = Measure.median(runs: runs * 4, warmup: 3) { step() }
        // Anomaly detection checks every gradient for NaN and infinity.
        let checked = Measure.median(runs: runs * 4, warmup: 3) { withAnomalyDetection { step() } }
        return ["W2_ms_per_step": seconds * 1e3, "W2_anomaly_ms_per_step": checked * 1e3]
    }

    /// W7: train-digits with its defaults, timed to the end of training, with the test accuracy reached.
    func w7() -> [String: Double] {
        guard let data = try? DigitsDataset.bundled() else { return [:] }
        var configuration = TrainingConfiguration()
        if quick { configuration.epochs = 3 }
        let trainer = DigitsTrainer(configuration: configuration, data: data)
        let seconds = Measure.seconds {
            for _ in 0..<configuration.epochs { _ = try! trainer.trainEpoch() }
        }
        return ["W7_train_s": seconds, "W7_test_acc": trainer.evaluate(trainer.testSet).accuracy]
    }

    /// W10: one Adam training step of `train-digits --model cnn`'s CNN on a batch of 32
    /// 1×8×8 images, float32.
    func w10() -> [String: Double] {
        var g = RandomGenerator(seed: 10)
        let model = ModelChoice.cnn.build(hiddenUnits: 128, using: &g)
        let optimizer = Adam(model.parameters(), learningRate: 1e-3)
        let criterion = CrossEntropyLoss()
        let x = Tensor.randn([32, 1, 8, 8], using: &g)
        let labels = Tensor(shape: [32], scalars: (0..<32).map { _ in Int64(g.next() % 10) }, dtype: .int64)
        let seconds = Measure.median(runs: runs * 4, warmup: 3) {
            optimizer.zeroGrad()
            try! criterion(model(x), labels).backward()
            optimizer.step()
        }
        return ["W10_cnn_step_ms": seconds * 1e3]
    }
}

extension Workloads {
    /// W9: `conv2d` forward and backward alone: batch 32, 16 → 32 channels, 32×32, 3×3,
    /// padding 1, float32, with bias; gradients of the input, weight and bias.
    func w9() -> [String: Double] {
        var g = RandomGenerator(seed: 9)
        let x = Tensor.randn([32, 16, 32, 32], using: &g).detach()
        x.requiresGrad = true
        let weight = (Tensor.randn([32, 16, 3, 3], using: &g) * 0.1).detach()
        weight.requiresGrad = true
        let bias = Tensor.zeros([32], requiresGrad: true)
        let upstream = Tensor.randn([32, 32, 32, 32], using: &g)
        let seconds = Measure.median(runs: runs * 2, warmup: 2) {
            try! conv2d(x, weight: weight, bias: bias, padding: 1).backward(gradient: upstream)
            x.grad = nil
            weight.grad = nil
            bias.grad = nil
        }
        return ["W9_conv2d_fwd_bwd_ms": seconds * 1e3]
    }

    /// W12: a forward-mode Jacobian-vector product of W2's loss with respect to all four
    /// parameters of its MLP (784-256-10, ReLU, cross-entropy, batch 128, float32):
    /// the loss and its directional derivative in one pass, as `torch.func.jvp`.
    func w12() -> [String: Double] {
        var g = RandomGenerator(seed: 0)
        let shapes = [[256, 784], [256], [10, 256], [10]]
        let parameters = shapes.map { Tensor.randn($0, using: &g) * 0.05 }
        let tangents = shapes.map { Tensor.randn($0, using: &g) }
        let x = Tensor.randn([128, 784], using: &g)
        let labels = Tensor(shape: [128], scalars: (0..<128).map { _ in Double(g.next() % 10) }, dtype: .int64)
        func loss(_ p: [Tensor]) -> [Tensor] {
            let hidden = relu(linear(x, weight: p[0], bias: p[1]))
            return [crossEntropy(linear(hidden, weight: p[2], bias: p[3]), labels)]
        }
        let seconds = Measure.median(runs: runs * 4, warmup: 3) {
            _ = try! jvp(loss, primals: parameters, tangents: tangents)
        }
        return ["W12_jvp_mlp_ms": seconds * 1e3]
    }
}
