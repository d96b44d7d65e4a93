import Autograd

extension Workloads {
    /// W11: one Adam step (lr 1e-3) of `TransformerEncoderLayer(dModel: 128, nhead: 4, batchFirst: true)`
    /// with PyTorch's other defaults (feed-forward 2048, dropout 0.1, post-norm, ReLU), in
    /// training mode, on a batch of 8 sequences of 64, float32: the MSE against a random target.
    func w11() -> [String: Double] {
        var g = RandomGenerator(seed: 11)
        let layer = TransformerEncoderLayer(dModel: 128, nhead: 4, batchFirst: true, generator: &g)
        let optimizer = Adam(layer.parameters(), learningRate: 1e-3)
        let x = Tensor.randn([8, 64, 128], using: &g)
        let target = Tensor.randn([8, 64, 128], using: &g)
        func step() {
            optimizer.zeroGrad()
            try! mseLoss(layer(x), target).backward()
            optimizer.step()
        }
        let seconds = Measure.median(runs: runs * 2, warmup: 3) { step() }
        return ["W11_encoder_step_ms": seconds * 1e3]
    }
}
