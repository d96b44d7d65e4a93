import Autograd
import Foundation
import Testing
import TestSupport

@Suite("NN layers")
struct NNLayerTests {
    @Test("convolutions: PyTorch's parameter names, shapes and initial bounds, repeatable per seed")
    func convolutionParameters() {
        var g1 = RandomGenerator(seed: 1), g2 = RandomGenerator(seed: 1)
        let a = Conv2d(4, 6, [3, 5], groups: 2, using: &g1), b = Conv2d(4, 6, [3, 5], groups: 2, using: &g2)
        #expect(a.namedParameters().map(\.name) == ["weight", "bias"])
        #expect(a.weight.shape == [6, 2, 3, 5] && a.bias!.shape == [6])
        #expect(a.weight.scalars == b.weight.scalars && a.bias!.scalars == b.bias!.scalars)
        let bound = 1 / Double(2 * 3 * 5).squareRoot()
        #expect((a.weight.scalars + a.bias!.scalars).allSatisfy { abs($0) <= bound })
        #expect(a.weight.scalars.map(abs).max()! > bound * 0.8, "the draws fill the range")

        var g = RandomGenerator(seed: 2)
        let c1 = Conv1d(3, 4, 5, bias: false, using: &g)
        #expect(c1.weight.shape == [4, 3, 5] && c1.bias == nil && c1.namedParameters().map(\.name) == ["weight"])
        let t = ConvTranspose2d(4, 6, 3, groups: 2, using: &g)
        #expect(t.weight.shape == [4, 3, 3, 3] && t.bias!.shape == [6])
        #expect(t.weight.scalars.allSatisfy { abs($0) <= 1 / Double(3 * 9).squareRoot() })
    }

    @Test("conv and pooling layers give the functional ops' results")
    func layersCallTheirOps() {
        var g = RandomGenerator(seed: 3)
        let x = Tensor.randn([2, 3, 8, 8], using: &g)
        let conv = Conv2d(3, 4, 3, stride: 2, padding: 1, using: &g)
        #expect(conv(x).scalars == conv2d(x, weight: conv.weight, bias: conv.bias, stride: 2, padding: 1).scalars)
        #expect(conv(x).shape == [2, 4, 4, 4])
        #expect(MaxPool2d(2)(x).shape == [2, 3, 4, 4])
        #expect(MaxPool2d(3, stride: 2, padding: 1)(x).scalars == maxPool2d(x, kernelSize: 3, stride: 2, padding: 1).scalars)
        #expect(AvgPool2d(2)(x).scalars == avgPool2d(x, kernelSize: 2).scalars)
        #expect(AdaptiveAvgPool2d(1)(x).shape == [2, 3, 1, 1])
        let up = ConvTranspose2d(3, 2, 2, stride: 2, using: &g)
        #expect(up(x).shape == [2, 2, 16, 16])
        let line = Tensor.randn([2, 3, 10], using: &g)
        #expect(Conv1d(3, 5, 3, padding: 1, dilation: 1, using: &g)(line).shape == [2, 5, 10])
    }

    @Test("BatchNorm2d: buffers with PyTorch's names, running statistics with momentum and the unbiased variance")
    func batchNormRunningStatistics() {
        let norm = BatchNorm2d(2, dtype: .float64)
        #expect(norm.namedParameters().map(\.name) == ["weight", "bias"])
        #expect(norm.namedBuffers().map(\.name) == ["running_mean", "running_var", "num_batches_tracked"])
        #expect(norm.stateDict().map(\.name) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        #expect(norm.numBatchesTracked!.dtype == .int64)

        var g = RandomGenerator(seed: 4)
        let x = Tensor.randn([3, 2, 2, 2], dtype: .float64, using: &g)
        let y = norm(x)
        #expect(norm.numBatchesTracked!.item() == 1)
        for c in 0..<2 {
            let values = (0..<3).flatMap { n in (0..<4).map { x.scalars[n * 8 + c * 4 + $0] } }
            let mean = values.reduce(0, +) / 12
            let unbiased = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 11
            expectClose(norm.runningMean!.scalars[c], 0.1 * mean, atol: 1e-14, rtol: 0, "running mean of channel \(c)")
            expectClose(norm.runningVar!.scalars[c], 0.9 + 0.1 * unbiased, atol: 1e-14, rtol: 0, "running var of channel \(c)")
        }
        let normalized = y.scalars
        expectClose(normalized.reduce(0, +), 0, atol: 1e-12, rtol: 0, "batch statistics normalise in training")

        norm.eval()
        let evaluated = norm(x)
        #expect(norm.numBatchesTracked!.item() == 1, "evaluation does not count batches")
        let rm = norm.runningMean!.scalars, rv = norm.runningVar!.scalars
        expectClose(evaluated.scalars[0], (x.scalars[0] - rm[0]) / (rv[0] + 1e-5).squareRoot(), atol: 1e-14, rtol: 0,
                    "the running statistics normalise in evaluation")
    }

    @Test("BatchNorm with momentum nil averages cumulatively; without tracking it has no buffers")
    func batchNormOptions() {
        let cumulative = BatchNorm1d(1, momentum: nil, dtype: .float64)
        _ = cumulative(Tensor([[1.0], [3.0]], dtype: .float64))
        _ = cumulative(Tensor([[5.0], [7.0]], dtype: .float64))
        #expect(cumulative.runningMean!.scalars == [4], "the mean of the batch means, 2 and 6")
        #expect(cumulative.numBatchesTracked!.item() == 2)

        let untracked = BatchNorm1d(3, affine: false, trackRunningStats: false)
        #expect(untracked.namedParameters().isEmpty && untracked.namedBuffers().isEmpty)
        untracked.eval()
        let y = untracked(Tensor([[1.0, 2, 3], [3, 2, 1]]))
        #expect(y.scalars.map { ($0 * 1000).rounded() / 1000 } == [-1, 0, 1, 1, 0, -1], "batch statistics even in eval")
    }

    @Test("LayerNorm, GroupNorm and Embedding: PyTorch's parameters and initial values")
    func normAndEmbeddingParameters() {
        let layer = LayerNorm([3, 4])
        #expect(layer.namedParameters().map(\.name) == ["weight", "bias"])
        #expect(layer.weight!.scalars == Array(repeating: 1, count: 12) && layer.bias!.scalars == Array(repeating: 0, count: 12))
        #expect(LayerNorm(8, bias: false).bias == nil)
        let group = GroupNorm(2, 6)
        #expect(group.weight!.shape == [6] && group(Tensor.ones([2, 6, 3])).shape == [2, 6, 3])

        var g = RandomGenerator(seed: 5)
        let embed = Embedding(10, 4, paddingIdx: -1, using: &g)
        #expect(embed.weight.shape == [10, 4])
        #expect(Array(embed.weight.scalars[36..<40]) == [0, 0, 0, 0], "the padding row starts at zero")
        let tokens = Tensor(shape: [2, 3], scalars: [1, 9, 1, 0, 9, 2] as [Int64], dtype: .int64)
        let out = embed(tokens)
        #expect(out.shape == [2, 3, 4])
        try? out.sum().backward()
        let grad = embed.weight.grad!.scalars
        #expect(Array(grad[4..<8]) == [2, 2, 2, 2] && Array(grad[36..<40]) == [0, 0, 0, 0])
    }

    @Test("Sequential's state dict has PyTorch's keys and round-trips through safetensors")
    func sequentialStateDict() throws {
        var g = RandomGenerator(seed: 6)
        let model = Sequential(Conv2d(1, 2, 3, using: &g), BatchNorm2d(2), ReLU(), Flatten(), Linear(8, 3, using: &g))
        #expect(model.stateDict().map(\.name) == [
            "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
            "4.weight", "4.bias",
        ])
        _ = model(Tensor.randn([4, 1, 4, 4], using: &g))
        let url = TemporaryFiles.url("nn-layers", "model.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.saveStateDict(to: url)

        var h = RandomGenerator(seed: 7)
        let copy = Sequential(Conv2d(1, 2, 3, using: &h), BatchNorm2d(2), ReLU(), Flatten(), Linear(8, 3, using: &h))
        try copy.loadStateDict(from: url)
        for ((name, a), (_, b)) in zip(model.stateDict(), copy.stateDict()) {
            #expect(a.scalars == b.scalars && a.dtype == b.dtype, "\(name)")
        }
        #expect(copy.stateDict()[6].tensor.item() == 1, "num_batches_tracked loads")

        let wrongDType = Safetensors(copy.stateDict().map { ($0.name, $0.name.hasSuffix("tracked") ? Tensor.full([], 2.0) : $0.tensor) })
        let error = #expect(throws: SafetensorsError.self) { try copy.loadStateDict(wrongDType) }
        #expect(error?.message.contains("'1.num_batches_tracked': the file holds float32, the module's tensor is int64") == true,
                "\(error?.message ?? "")")
    }

    @Test("dropout: seeded masks repeat, evaluation is the identity")
    func functionalDropout() {
        let x = Tensor.ones([1000])
        var g1 = RandomGenerator(seed: 8), g2 = RandomGenerator(seed: 8)
        let a = dropout(x, p: 0.25, using: &g1), b = dropout(x, p: 0.25, using: &g2)
        #expect(a.scalars == b.scalars)
        let kept = a.scalars.filter { $0 != 0 }
        expectClose(kept, kept.map { _ in 1 / 0.75 }, atol: 1e-6, rtol: 0, "kept elements")
        #expect((650...850).contains(kept.count))
        #expect(dropout(x, p: 0.25, training: false).scalars == x.scalars)
    }
}
