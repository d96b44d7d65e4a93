/// The activation of a Transformer layer's feed-forward block (PyTorch's `activation="relu"` or `"gelu"`).
public enum TransformerActivation: String, Sendable, CaseIterable {
    /// The rectified linear unit.
    case relu
    /// The exact GELU (`F.gelu` with `approximate="none"`).
    case gelu

    func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: Autograd.relu(x)
        case .gelu: Autograd.gelu(x)
        }
    }
}

/// One Transformer encoder layer, as `torch.nn.TransformerEncoderLayer`:
/// self-attention and a feed-forward block, each with a residual connection,
/// dropout and layer normalisation.
///
/// ```
/// normFirst: false (post-norm, PyTorch's default)    normFirst: true (pre-norm)
/// x = norm1(x + dropout1(selfAttn(x)))                x = x + dropout1(selfAttn(norm1(x)))
/// x = norm2(x + dropout2(ff(x)))                      x = x + dropout2(ff(norm2(x)))
/// ff(x) = linear2(dropout(activation(linear1(x))))
/// ```
///
/// Sub-modules carry PyTorch's names (`self_attn`, `linear1`, `dropout`, `linear2`,
/// `norm1`, `norm2`, `dropout1`, `dropout2`) and are declared in PyTorch's order, so
/// `namedParameters()` lists PyTorch's `state_dict` keys in order and a saved
/// PyTorch layer loads as it is.
///
/// ```swift
/// // nn.TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=512, batch_first=True, norm_first=True, activation="gelu")
/// let layer = TransformerEncoderLayer(dModel: 128, nhead: 4, dimFeedforward: 512, batchFirst: true,
///                                     normFirst: true, activation: .gelu)
/// let y = layer(x, mask: generateSquareSubsequentMask(64), isCausal: true)   // x: [N, 64, 128]
/// ```
public final class TransformerEncoderLayer: Module, TrainingModeStoring {
    /// The self-attention (PyTorch's `self_attn`).
    public var selfAttn: MultiheadAttention { self_attn }

    // Declared in PyTorch's order, under PyTorch's names.
    private let self_attn: MultiheadAttention
    /// The feed-forward block's first layer, `dModel → dimFeedforward`.
    public let linear1: Linear
    /// The dropout inside the feed-forward block.
    public let dropout: Dropout
    /// The feed-forward block's second layer, `dimFeedforward → dModel`.
    public let linear2: Linear
    /// The layer norm of the self-attention block.
    public let norm1: LayerNorm
    /// The layer norm of the feed-forward block.
    public let norm2: LayerNorm
    /// The dropout on the self-attention block's output.
    public let dropout1: Dropout
    /// The dropout on the feed-forward block's output.
    public let dropout2: Dropout

    /// Whether each block normalises its input (pre-norm) rather than its residual sum (post-norm).
    public let normFirst: Bool
    /// The feed-forward block's activation.
    public let activation: TransformerActivation
    /// Whether the layer is in training mode, where its dropouts apply.
    public var isTraining = true

    /// A layer initialised from `generator`, as PyTorch initialises each sub-module.
    ///
    /// - Parameters:
    ///   - dModel: the embedding size.
    ///   - nhead: the number of attention heads; divides `dModel`.
    ///   - dimFeedforward: the hidden size of the feed-forward block (default 2048).
    ///   - dropout: the dropout probability of the attention weights, the feed-forward
    ///     block and both residual branches (default 0.1).
    ///   - activation: the feed-forward block's activation (default `.relu`).
    ///   - layerNormEps: the layer norms' `eps` (default 1e-5).
    ///   - batchFirst: inputs are `[N, L, E]` rather than `[L, N, E]` (default false).
    ///   - normFirst: normalise each block's input (pre-norm) rather than its residual sum (default false).
    ///   - bias: whether the linear layers, attention projections and layer norms have biases (default true).
    ///   - dtype: the parameters' dtype (default float32).
    ///   - generator: the generator to draw the initial values from.
    public init(
        dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1,
        activation: TransformerActivation = .relu, layerNormEps: Double = 1e-5, batchFirst: Bool = false,
        normFirst: Bool = false, bias: Bool = true, dtype: DType = .float32, generator: inout RandomGenerator
    ) {
        self_attn = MultiheadAttention(embedDim: dModel, numHeads: nhead, dropout: dropout, bias: bias,
                                       batchFirst: batchFirst, dtype: dtype, generator: &generator)
        linear1 = Linear(dModel, dimFeedforward, bias: bias, dtype: dtype, generator: &generator)
        self.dropout = Dropout(p: dropout)
        linear2 = Linear(dimFeedforward, dModel, bias: bias, dtype: dtype, generator: &generator)
        norm1 = LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype)
        norm2 = LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype)
        dropout1 = Dropout(p: dropout)
        dropout2 = Dropout(p: dropout)
        self.normFirst = normFirst
        self.activation = activation
    }

    /// A layer initialised from the default generator.
    ///
    /// - Parameters:
    ///   - dModel: the embedding size.
    ///   - nhead: the number of attention heads; divides `dModel`.
    ///   - dimFeedforward: the hidden size of the feed-forward block (default 2048).
    ///   - dropout: the dropout probability of the attention weights, the feed-forward
    ///     block and both residual branches (default 0.1).
    ///   - activation: the feed-forward block's activation (default `.relu`).
    ///   - layerNormEps: the layer norms' `eps` (default 1e-5).
    ///   - batchFirst: inputs are `[N, L, E]` rather than `[L, N, E]` (default false).
    ///   - normFirst: normalise each block's input (pre-norm) rather than its residual sum (default false).
    ///   - bias: whether the linear layers, attention projections and layer norms have biases (default true).
    ///   - dtype: the parameters' dtype (default float32).
    public convenience init(
        dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1,
        activation: TransformerActivation = .relu, layerNormEps: Double = 1e-5, batchFirst: Bool = false,
        normFirst: Bool = false, bias: Bool = true, dtype: DType = .float32
    ) {
        var generator = RandomGenerator.withDefault { g in RandomGenerator(seed: g.next()) }
        self.init(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout, activation: activation,
                  layerNormEps: layerNormEps, batchFirst: batchFirst, normFirst: normFirst, bias: bias, dtype: dtype,
                  generator: &generator)
    }

    /// The layer without masks: `self(input, mask: nil)`.
    public func forward(_ input: Tensor) -> Tensor {
        self(input, mask: nil)
    }

    /// The layer with PyTorch's `forward(src, src_mask, src_key_padding_mask, is_causal)`.
    ///
    /// - Parameters:
    ///   - src: `[N, L, E]` with `batchFirst`, else `[L, N, E]`; or `[L, E]`.
    ///   - mask: the attention mask (`[L, L]` or `[N · nhead, L, L]`), bool (true hides) or additive.
    ///   - srcKeyPaddingMask: `[N, L]`, true for positions to ignore.
    ///   - isCausal: the mask is causal; with no `mask`, attend causally.
    /// - Returns: the output, shaped as `src`.
    public func callAsFunction(_ src: Tensor, mask: Tensor?, srcKeyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
        var x = src
        if normFirst {
            x = x + selfAttentionBlock(norm1(x), mask: mask, keyPadding: srcKeyPaddingMask, isCausal: isCausal)
            x = x + feedForwardBlock(norm2(x))
        } else {
            x = norm1(x + selfAttentionBlock(x, mask: mask, keyPadding: srcKeyPaddingMask, isCausal: isCausal))
            x = norm2(x + feedForwardBlock(x))
        }
        return x
    }

    private func selfAttentionBlock(_ x: Tensor, mask: Tensor?, keyPadding: Tensor?, isCausal: Bool) -> Tensor {
        let attended = self_attn(x, x, x, keyPaddingMask: keyPadding, attnMask: mask, needWeights: false,
                                 isCausal: isCausal).output
        return dropout1(attended)
    }

    private func feedForwardBlock(_ x: Tensor) -> Tensor {
        dropout2(linear2(dropout(activation(linear1(x)))))
    }
}

extension TransformerEncoderLayer: CustomStringConvertible {
    /// The layer's configuration, as `TransformerEncoderLayer(dModel: 128, nhead: 4, ...)`.
    public var description: String {
        """
        TransformerEncoderLayer(dModel: \(self_attn.embedDim), nhead: \(self_attn.numHeads), \
        dimFeedforward: \(linear1.outFeatures), activation: \(activation), normFirst: \(normFirst), \
        batchFirst: \(self_attn.batchFirst))
        """
    }
}
