import Autograd
import Foundation
import Testing
import TestSupport

/// `Fixtures/attention_cases.json`: `torch.nn.MultiheadAttention` in float64, written
/// by `Reference/make_attention_cases.py`.
struct AttentionFixture: Decodable, Sendable {
    struct Values: Decodable, Sendable {
        let shape: [Int]
        let data: [Double]
        let dtype: String?

        var tensor: Tensor {
            dtype == "bool" ? Tensor(shape: shape, scalars: data, dtype: .bool)
                : Tensor(shape: shape, scalars: data, dtype: .float64)
        }
    }

    struct Case: Decodable, Sendable {
        let name: String
        let embed_dim: Int
        let num_heads: Int
        let batch_first: Bool
        let bias: Bool
        let self_attention: Bool
        let is_causal: Bool
        let need_weights: Bool
        let average_attn_weights: Bool
        let parameters: [String: Values]
        let query: Values
        let key: Values
        let value: Values
        let attn_mask: Values?
        let key_padding_mask: Values?
        let output: Values
        let weights: Values?
        let upstream: Values
        let grads: [String: Values]
        let query_grad: Values
    }

    let cases: [Case]

    static let shared: AttentionFixture = {
        let url = Fixtures.url("attention_cases.json", in: "TrainingTests")
        do {
            return try JSONDecoder().decode(AttentionFixture.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot read Fixtures/attention_cases.json: \(error)")
        }
    }()
}

@Suite("MultiheadAttention")
struct MultiheadAttentionTests {
    // PyTorch's values to 1e-9 of max(1e-3, |expected|), as atol + rtol·|expected|
    // with atol = 5e-13 and rtol = 5e-10, which never allows more.
    static func expectMatches(_ got: Tensor?, _ want: AttentionFixture.Values, _ what: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        expectClose(got, shape: want.shape, want.data, atol: 5e-13, rtol: 5e-10, what, sourceLocation: sourceLocation)
    }

    @Test("matches torch.nn.MultiheadAttention: outputs, weights and gradients",
          arguments: AttentionFixture.shared.cases.map(\.name))
    func matchesPyTorch(_ name: String) throws {
        let c = AttentionFixture.shared.cases.first { $0.name == name }!
        let attention = MultiheadAttention(embedDim: c.embed_dim, numHeads: c.num_heads, bias: c.bias,
                                           batchFirst: c.batch_first, dtype: .float64)
        attention.eval()
        #expect(attention.namedParameters().map(\.name) == (c.bias
            ? ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
            : ["in_proj_weight", "out_proj.weight"]))
        try attention.loadParameters(from: Safetensors(c.parameters.map { ($0.key, $0.value.tensor) }))

        let query = Tensor(shape: c.query.shape, scalars: c.query.data, dtype: .float64, requiresGrad: true)
        let key = c.self_attention ? query : c.key.tensor
        let value = c.self_attention ? query : c.value.tensor
        let (output, weights) = attention(query, key, value, keyPaddingMask: c.key_padding_mask?.tensor,
                                          attnMask: c.attn_mask?.tensor, needWeights: c.need_weights,
                                          averageAttnWeights: c.average_attn_weights, isCausal: c.is_causal)
        Self.expectMatches(output, c.output, "\(name): output")
        if let want = c.weights { Self.expectMatches(weights, want, "\(name): weights") } else { #expect(weights == nil) }

        let parameters = attention.namedParameters()
        let grads = try grad(of: [output], wrt: parameters.map(\.tensor) + [query], gradOutputs: [c.upstream.tensor])
        for (i, (parameterName, _)) in parameters.enumerated() {
            Self.expectMatches(grads[i], c.grads[parameterName]!, "\(name): grad of \(parameterName)")
        }
        Self.expectMatches(grads.last!, c.query_grad, "\(name): grad of the query")
    }

    @Test("initialisation as PyTorch's: Xavier-uniform in_proj_weight, zero biases, Linear's out_proj.weight")
    func initialisation() {
        var generator = RandomGenerator(seed: 7)
        let attention = MultiheadAttention(embedDim: 16, numHeads: 4, generator: &generator)
        let bound = (6.0 / 64).squareRoot()
        #expect(attention.inProjWeight.shape == [48, 16])
        #expect(attention.inProjWeight.scalars.allSatisfy { Swift.abs($0) <= bound })
        #expect(attention.inProjWeight.scalars.contains { Swift.abs($0) > bound / 2 })
        #expect(attention.inProjBias!.scalars.allSatisfy { $0 == 0 })
        #expect(attention.outProj.bias!.scalars.allSatisfy { $0 == 0 })
        #expect(attention.outProj.weight.scalars.allSatisfy { Swift.abs($0) <= 0.25 })
        #expect(attention.headDim == 4)
    }

    @Test("self-attention through forward equals the three-input call; batchFirst only transposes")
    func layouts() throws {
        var generator = RandomGenerator(seed: 3)
        let first = MultiheadAttention(embedDim: 8, numHeads: 2, batchFirst: true, dtype: .float64, generator: &generator)
        let x = Tensor.randn([2, 5, 8], dtype: .float64)
        let (y, _) = first(x, x, x, needWeights: false)
        expectClose(first(x).scalars, y.scalars, atol: 5e-13, rtol: 5e-13)

        let sequenceFirst = MultiheadAttention(embedDim: 8, numHeads: 2, dtype: .float64)
        try sequenceFirst.loadParameters(from: Safetensors(first.namedParameters()))
        let z = sequenceFirst(x.transposed(0, 1).contiguous())
        expectClose(z.transposed(0, 1).contiguous().scalars, y.scalars, atol: 5e-13, rtol: 5e-13)
    }

    @Test("dropout in training only; the weights returned are those applied, after dropout, as PyTorch's")
    func dropout() {
        let attention = MultiheadAttention(embedDim: 8, numHeads: 2, dropout: 0.5, batchFirst: true, dtype: .float64)
        let x = Tensor.randn([2, 6, 8], dtype: .float64)
        attention.eval()
        let (y, w) = attention(x, x, x, averageAttnWeights: false)
        #expect(w!.scalars.allSatisfy { $0 > 0 })
        #expect(attention(x, x, x).output.scalars == y.scalars)
        attention.train()
        let (_, dropped) = attention(x, x, x, averageAttnWeights: false)
        let values = dropped!.scalars
        #expect(values.contains(0))
        // Kept weights are scaled by 1 / (1 - p) = 2: each is twice the eval weight or 0.
        #expect(zip(values, w!.scalars).allSatisfy { $0 == 0 || Swift.abs($0 - 2 * $1) < 1e-12 })
    }

    @Test("a padded key changes nothing; weights sum to one per query")
    func keyPadding() {
        let attention = MultiheadAttention(embedDim: 4, numHeads: 2, batchFirst: true, dtype: .float64)
        let x = Tensor.randn([1, 3, 4], dtype: .float64)
        let other = concatenated([x.sliced(dim: 1, end: 2), Tensor.randn([1, 1, 4], dtype: .float64)], dim: 1)
        let padding = Tensor(shape: [1, 3], scalars: [0, 0, 1], dtype: .bool)
        let (a, weights) = attention(x, x, x, keyPaddingMask: padding)
        let (b, _) = attention(x, other, other, keyPaddingMask: padding)
        expectClose(a.scalars, b.scalars, atol: 5e-13, rtol: 5e-13)
        expectClose(weights!.sum(dims: [-1]).scalars, [1, 1, 1], atol: 5e-13, rtol: 5e-13)
        #expect(weights!.scalars.enumerated().allSatisfy { $0.offset % 3 != 2 || $0.element == 0 })
    }
}
