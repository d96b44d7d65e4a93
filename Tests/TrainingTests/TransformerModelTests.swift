import Autograd
import Foundation
import Testing
import TestSupport

/// `Fixtures/encoder.*` and `Fixtures/tiny_lm.*`: Transformer models PyTorch saved
/// (the reference's `models/`), defined here the PyTorch way, loaded from PyTorch's
/// safetensors and compared with what PyTorch computed, in float64.
struct TransformerModelFixture: Decodable, Sendable {
    struct Values: Decodable, Sendable {
        let shape: [Int]
        let dtype: String
        let data: [Double]

        var tensor: Tensor { Tensor(shape: shape, scalars: data, dtype: DType(rawValue: dtype)!) }
    }

    struct Loss: Decodable, Sendable {
        let kind: String
        let value: Double
    }

    struct AdamSteps: Decodable, Sendable {
        let steps: Int
        let lr: Double
        let parameters: [String: Values]
    }

    let model: String
    let input: Values
    let output: Values
    let target: Values
    let loss: Loss
    let state_dict_keys: [String]
    let grads: [String: Values]
    let after_adam_steps: AdamSteps?

    static func load(_ name: String) throws -> (fixture: TransformerModelFixture, weights: Safetensors) {
        let json = Fixtures.url("\(name).json", in: "TrainingTests")
        let weights = Fixtures.url("\(name).safetensors", in: "TrainingTests")
        let fixture = try JSONDecoder().decode(TransformerModelFixture.self, from: Data(contentsOf: json))
        return (fixture, try Safetensors(contentsOf: weights))
    }
}

/// The reference's `tiny_lm`: `head(norm(block(embed(idx))))` with a causal pre-norm GELU block.
final class TinyLM: Module {
    let embed: Embedding
    let block: TransformerEncoderLayer
    let norm: LayerNorm
    let head: Linear

    init() {
        embed = Embedding(20, 16, dtype: .float64)
        block = TransformerEncoderLayer(dModel: 16, nhead: 4, dimFeedforward: 64, dropout: 0, activation: .gelu,
                                        batchFirst: true, normFirst: true, dtype: .float64)
        norm = LayerNorm(16, dtype: .float64)
        head = Linear(16, 20, dtype: .float64)
    }

    func forward(_ idx: Tensor) -> Tensor {
        let length = idx.shape[1]
        let x = block(embed(idx), mask: generateSquareSubsequentMask(length, dtype: .float64), isCausal: true)
        return head(norm(x))
    }
}

@Suite("PyTorch's Transformer models")
struct TransformerModelTests {
    /// PyTorch's values to 1e-12 + 1e-9 · |expected|.
    static func expectMatches(_ got: Tensor?, _ want: TransformerModelFixture.Values, _ what: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        expectClose(got, shape: want.shape, want.data, atol: 1e-12, rtol: 1e-9, what, sourceLocation: sourceLocation)
    }

    /// The cross-entropy over every position: outputs `[N, L, C]` against targets `[N, L]`.
    static func loss(_ output: Tensor, _ target: Tensor) -> Tensor {
        let classes = output.shape.last!
        return crossEntropy(output.reshaped([-1, classes]), target.reshaped([-1]))
    }

    /// Output, loss and every parameter's gradient, as PyTorch computed them in eval mode.
    static func check(_ model: some Module, _ fixture: TransformerModelFixture, _ weights: Safetensors) throws {
        #expect(model.namedParameters().map(\.name) == fixture.state_dict_keys)
        try model.loadStateDict(weights)
        model.eval()
        let output = model(fixture.input.tensor)
        expectMatches(output, fixture.output, "\(fixture.model): eval output")
        let loss = Self.loss(output, fixture.target.tensor)
        expectClose(loss.item(), fixture.loss.value, atol: 0, rtol: 1e-9, "\(fixture.model): loss")
        try loss.backward()
        for (name, parameter) in model.namedParameters() {
            expectMatches(parameter.grad, fixture.grads[name]!, "\(fixture.model): grad of \(name)")
        }
    }

    @Test("encoder: nn.TransformerEncoderLayer(16, 2, 32, dropout=0, batch_first=True) loads and matches")
    func encoder() throws {
        let (fixture, weights) = try TransformerModelFixture.load("encoder")
        let layer = TransformerEncoderLayer(dModel: 16, nhead: 2, dimFeedforward: 32, dropout: 0, batchFirst: true,
                                            dtype: .float64)
        try Self.check(layer, fixture, weights)
    }

    @Test("tiny_lm: embedding, causal pre-norm GELU layer, layer norm, head; and two Adam steps")
    func tinyLM() throws {
        let (fixture, weights) = try TransformerModelFixture.load("tiny_lm")
        let model = TinyLM()
        try Self.check(model, fixture, weights)

        let steps = try #require(fixture.after_adam_steps)
        try model.loadStateDict(weights)
        model.train()
        let optimizer = Adam(model.parameters(), learningRate: steps.lr)
        for _ in 0..<steps.steps {
            optimizer.zeroGrad()
            try Self.loss(model(fixture.input.tensor), fixture.target.tensor).backward()
            // The key projection's bias (in_proj_bias[16..<32]) shifts every score of a
            // query's row alike, which the softmax cancels: its exact gradient is 0, and
            // what backward computes (in PyTorch too, about 1e-18) is rounding noise.
            let keyBias = model.block.selfAttn.inProjBias!.grad!.scalars[16..<32]
            expectClose(Array(keyBias), keyBias.map { _ in 0 }, atol: 1e-14, rtol: 0, "the key bias's gradient is rounding noise")
            optimizer.step()
        }
        // Adam divides the gradient by its own magnitude plus eps (1e-8), so it turns that
        // noise g into steps of up to lr · |g| / eps, as arbitrary as the noise. Those 16
        // elements are held to 2 · steps · lr · 1e-14 / eps of PyTorch's values (as the
        // cnn's bias before its batch norm); every other element matches to 1e-9 relative.
        let allowance = 2 * Double(steps.steps) * steps.lr * 1e-14 / 1e-8
        for (name, parameter) in model.namedParameters() {
            let want = steps.parameters[name]!
            let what = "tiny_lm: \(name) after \(steps.steps) Adam steps"
            guard name == "block.self_attn.in_proj_bias" else {
                Self.expectMatches(parameter, want, what)
                continue
            }
            #expect(parameter.shape == want.shape, "\(what): shape \(parameter.shape), expected \(want.shape)")
            let got = parameter.scalars, key = 16..<32, others = got.indices.filter { !key.contains($0) }
            expectClose(Array(got[key]), Array(want.data[key]), atol: allowance, rtol: 0, "\(what): the key bias")
            expectClose(others.map { got[$0] }, others.map { want.data[$0] }, atol: 1e-12, rtol: 1e-9, what)
        }
    }

    @Test("post-norm and pre-norm layers, relu and gelu: the blocks PyTorch's forward composes")
    func composition() {
        for normFirst in [false, true] {
            for activation in TransformerActivation.allCases {
                let layer = TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0,
                                                    activation: activation, batchFirst: true, normFirst: normFirst,
                                                    dtype: .float64)
                let x = Tensor.randn([2, 3, 8], dtype: .float64)
                let attend = { (h: Tensor) in layer.selfAttn(h, h, h, needWeights: false).output }
                let ff = { (h: Tensor) in layer.linear2(activation == .relu ? relu(layer.linear1(h)) : gelu(layer.linear1(h))) }
                var expected = x
                if normFirst {
                    expected = expected + attend(layer.norm1(expected))
                    expected = expected + ff(layer.norm2(expected))
                } else {
                    expected = layer.norm1(expected + attend(expected))
                    expected = layer.norm2(expected + ff(expected))
                }
                expectClose(layer(x).scalars, expected.scalars, atol: 5e-13, rtol: 5e-13, "normFirst \(normFirst), \(activation)")
            }
        }
    }

    @Test("dropout acts in training only")
    func dropoutInTraining() {
        let layer = TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dropout: 0.5, batchFirst: true,
                                            dtype: .float64)
        let x = Tensor.randn([2, 3, 8], dtype: .float64)
        layer.eval()
        #expect(layer(x).scalars == layer(x).scalars)
        layer.train()
        #expect(layer(x).scalars != layer(x).scalars)
    }
}
