/// Multi-head attention, as `torch.nn.MultiheadAttention`: the query, key and value
/// projected by one packed weight, split into heads, attended with
/// `scaledDotProductAttention`, concatenated and projected out.
///
/// Parameters carry PyTorch's names, so a PyTorch `state_dict` loads as it is:
/// `in_proj_weight` `[3E, E]` (the query, key and value projections stacked),
/// `in_proj_bias` `[3E]`, and `out_proj` (a `Linear(E, E)`). They start as
/// PyTorch's do: `in_proj_weight` Xavier-uniform, both biases zero, `out_proj.weight`
/// as `Linear`'s.
///
/// With `batchFirst: true` inputs are `[N, L, E]` (batch, sequence, embedding);
/// otherwise `[L, N, E]`, PyTorch's default; an unbatched `[L, E]` works either way.
/// Dropout (training mode only) zeroes attention weights.
///
/// ```swift
/// let attention = MultiheadAttention(embedDim: 128, numHeads: 4, batchFirst: true)   // nn.MultiheadAttention(128, 4, batch_first=True)
/// let (y, weights) = attention(x, x, x, attnMask: causalMask)   // y: [N, L, 128], weights: [N, L, L]
/// let z = attention(x)                                           // self-attention, no weights
/// ```
public final class MultiheadAttention: Module, TrainingModeStoring {
    /// The query, key and value projection weights stacked, `[3 · embedDim, embedDim]` (PyTorch's `in_proj_weight`).
    public var inProjWeight: Tensor { in_proj_weight }
    /// The query, key and value projection biases stacked, `[3 · embedDim]`, or nil
    /// (PyTorch's `in_proj_bias`).
    public var inProjBias: Tensor? { in_proj_bias }
    /// The output projection (PyTorch's `out_proj`).
    public var outProj: Linear { out_proj }

    // Stored under PyTorch's names: `namedParameters()` and the state dict report these.
    private let in_proj_weight: Tensor
    private let in_proj_bias: Tensor?
    private let out_proj: Linear

    /// The embedding size `E` of queries, keys, values and output.
    public let embedDim: Int
    /// The number of heads the embedding is split into.
    public let numHeads: Int
    /// The probability of zeroing an attention weight in training.
    public let dropout: Double
    /// Whether inputs are `[N, L, E]` rather than `[L, N, E]` (PyTorch's `batch_first`).
    public let batchFirst: Bool
    /// Whether the layer is in training mode, where dropout applies to the attention weights.
    public var isTraining = true

    /// The size of each head: `embedDim / numHeads`.
    public var headDim: Int { embedDim / numHeads }

    /// A layer initialised from `generator`, as PyTorch initialises it.
    ///
    /// - Parameters:
    ///   - embedDim: the embedding size `E`; a multiple of `numHeads`.
    ///   - numHeads: the number of heads.
    ///   - dropout: the probability of zeroing an attention weight in training (default 0).
    ///   - bias: whether the input and output projections have biases (default true).
    ///   - batchFirst: inputs are `[N, L, E]` rather than `[L, N, E]` (default false, as PyTorch's).
    ///   - dtype: the parameters' dtype (default float32).
    ///   - generator: the generator to draw the initial values from.
    public init(
        embedDim: Int, numHeads: Int, dropout: Double = 0, bias: Bool = true, batchFirst: Bool = false,
        dtype: DType = .float32, generator: inout RandomGenerator
    ) {
        precondition(embedDim > 0 && numHeads > 0 && embedDim % numHeads == 0, """
            MultiheadAttention: embedDim (\(embedDim)) must be a positive multiple of numHeads (\(numHeads))
            """)
        precondition((0...1).contains(dropout), "MultiheadAttention: dropout must be in [0, 1], got \(dropout)")
        self.embedDim = embedDim
        self.numHeads = numHeads
        self.dropout = dropout
        self.batchFirst = batchFirst
        // xavier_uniform_: bound sqrt(6 / (fan_in + fan_out)) with fan_in E, fan_out 3E.
        let bound = (6 / Double(embedDim + 3 * embedDim)).squareRoot()
        let values = (0..<(3 * embedDim * embedDim)).map { _ in (2 * generator.nextUniform() - 1) * bound }
        in_proj_weight = Tensor(shape: [3 * embedDim, embedDim], scalars: values, dtype: dtype, requiresGrad: true)
        in_proj_bias = bias ? Tensor.zeros([3 * embedDim], dtype: dtype, requiresGrad: true) : nil
        let projection = Linear(embedDim, embedDim, bias: bias, dtype: dtype, generator: &generator)
        if let b = projection.bias { withNoGrad { b.zero() } }
        out_proj = projection
    }

    /// A layer initialised from the default generator.
    ///
    /// - Parameters:
    ///   - embedDim: the embedding size `E`; a multiple of `numHeads`.
    ///   - numHeads: the number of heads.
    ///   - dropout: the probability of zeroing an attention weight in training (default 0).
    ///   - bias: whether the input and output projections have biases (default true).
    ///   - batchFirst: inputs are `[N, L, E]` rather than `[L, N, E]` (default false, as PyTorch's).
    ///   - dtype: the parameters' dtype (default float32).
    public convenience init(
        embedDim: Int, numHeads: Int, dropout: Double = 0, bias: Bool = true, batchFirst: Bool = false,
        dtype: DType = .float32
    ) {
        var generator = RandomGenerator.withDefault { g in RandomGenerator(seed: g.next()) }
        self.init(embedDim: embedDim, numHeads: numHeads, dropout: dropout, bias: bias, batchFirst: batchFirst,
                  dtype: dtype, generator: &generator)
    }

    /// Self-attention of `input` with no mask: `self(input, input, input, needWeights: false).output`.
    public func forward(_ input: Tensor) -> Tensor {
        attend(input, input, input, keyPaddingMask: nil, attnMask: nil, needWeights: false,
               averageAttnWeights: true, isCausal: false).output
    }

    /// Attention of `query` over `key` and `value`, as PyTorch's `forward`.
    ///
    /// - Parameters:
    ///   - query: `[N, L, E]` with `batchFirst`, else `[L, N, E]`; or unbatched `[L, E]`.
    ///   - key: `[N, S, E]` with `batchFirst`, else `[S, N, E]`; or unbatched `[S, E]`.
    ///   - value: the values, shaped as `key`.
    ///   - keyPaddingMask: `[N, S]` (`[S]` unbatched): bool, true marks a key to ignore;
    ///     or floating-point, added to the scores.
    ///   - attnMask: `[L, S]` or `[N · numHeads, L, S]`: bool, true marks a pair that may
    ///     not attend (the opposite of `scaledDotProductAttention`'s bool mask, as in
    ///     PyTorch); or floating-point, added to the scores.
    ///   - needWeights: also return the attention weights.
    ///   - averageAttnWeights: average the weights over heads (`[N, L, S]`), rather
    ///     than return them per head (`[N, numHeads, L, S]`).
    ///   - isCausal: query `i` attends to keys `0...i` only, when no `attnMask` is given.
    /// - Returns: the output, shaped as the query, and the weights when asked for (nil otherwise).
    public func callAsFunction(
        _ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor? = nil, attnMask: Tensor? = nil,
        needWeights: Bool = true, averageAttnWeights: Bool = true, isCausal: Bool = false
    ) -> (output: Tensor, weights: Tensor?) {
        attend(query, key, value, keyPaddingMask: keyPaddingMask, attnMask: attnMask, needWeights: needWeights,
               averageAttnWeights: averageAttnWeights, isCausal: isCausal)
    }

    private func attend(
        _ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor?, attnMask: Tensor?,
        needWeights: Bool, averageAttnWeights: Bool, isCausal: Bool
    ) -> (output: Tensor, weights: Tensor?) {
        let batched = query.rank == 3
        precondition(query.rank == 2 || query.rank == 3, """
            MultiheadAttention: query must be [L, E] or \(batchFirst ? "[N, L, E]" : "[L, N, E]"), got \
            \(Shape.describe(query.shape))
            """)
        precondition(key.rank == query.rank && value.rank == query.rank, """
            MultiheadAttention: query, key and value must have the same rank, got \(Shape.describe(query.shape)), \
            \(Shape.describe(key.shape)) and \(Shape.describe(value.shape))
            """)
        precondition(query.shape.last == embedDim && key.shape.last == embedDim && value.shape.last == embedDim, """
            MultiheadAttention: query, key and value must end in embedDim \(embedDim), got \
            \(Shape.describe(query.shape)), \(Shape.describe(key.shape)) and \(Shape.describe(value.shape))
            """)
        // [N, L, E] throughout, a batch of one when unbatched.
        func batchMajor(_ x: Tensor) -> Tensor {
            batched ? (batchFirst ? x : x.transposed(0, 1)) : x.unsqueezed(dim: 0)
        }
        let (q0, k0, v0) = (batchMajor(query), batchMajor(key), batchMajor(value))
        let (n, l, s) = (q0.shape[0], q0.shape[1], k0.shape[1])
        precondition(k0.shape[0] == n && v0.shape[0] == n && v0.shape[1] == s, """
            MultiheadAttention: key and value must match the query's batch and each other's length, got \
            \(Shape.describe(query.shape)), \(Shape.describe(key.shape)) and \(Shape.describe(value.shape))
            """)

        let (wq, wk, wv) = Self.thirds(in_proj_weight)
        let biases = in_proj_bias.map(Self.thirds)
        // [N, L, E] -> [N, H, L, D]
        func heads(_ x: Tensor, _ w: Tensor, _ b: Tensor?, length: Int) -> Tensor {
            linear(x, weight: w, bias: b).reshaped([n, length, numHeads, headDim]).transposed(1, 2)
        }
        let q = heads(q0, wq, biases?.0, length: l)
        let k = heads(k0, wk, biases?.1, length: s)
        let v = heads(v0, wv, biases?.2, length: s)

        let mask = combinedMask(attnMask: attnMask, keyPaddingMask: keyPaddingMask, batch: n, queries: l, keys: s,
                                dtype: q.dtype, batched: batched)
        let p = isTraining ? dropout : 0
        let causal = isCausal && mask == nil
        var attended: Tensor
        var weights: Tensor?
        if needWeights {
            // The weights themselves: softmax(q kᵀ / sqrt(D) + mask).
            var scores = matmul(q, k.transposed(-2, -1)) * (1 / Double(headDim).squareRoot())
            if let mask { scores = scores + mask }
            if causal { scores = scores + AttentionMasks.causal(queries: l, keys: s, dtype: q.dtype) }
            var w = softmax(scores, dim: -1)
            // As PyTorch, the weights returned are those applied: after dropout.
            if p > 0 { w = w * AttentionMasks.dropout(like: w, p: p) }
            weights = averageAttnWeights ? w.mean(dims: [1]) : w
            attended = matmul(w, v)
        } else {
            attended = scaledDotProductAttention(q, k, v, mask: mask, dropout: p, isCausal: causal)
        }
        // [N, H, L, D] -> [N, L, E]
        attended = attended.transposed(1, 2).reshaped([n, l, embedDim])
        var output = out_proj(attended)
        if !batched {
            output = output.reshaped([l, embedDim])
            weights = weights.map { $0.reshaped(Array($0.shape.dropFirst())) }
        } else if !batchFirst {
            output = output.transposed(0, 1)
        }
        return (output, weights)
    }

    /// `attnMask` and `keyPaddingMask` as one additive mask broadcasting to `[N, H, L, S]`, or nil.
    private func combinedMask(
        attnMask: Tensor?, keyPaddingMask: Tensor?, batch n: Int, queries l: Int, keys s: Int, dtype: DType, batched: Bool
    ) -> Tensor? {
        var mask: Tensor?
        if let attnMask {
            var additive = Self.additive(attnMask, dtype: dtype)
            switch attnMask.shape {
            case [l, s]:
                break
            case [n * numHeads, l, s]:
                additive = additive.reshaped([n, numHeads, l, s])
            default:
                preconditionFailure("""
                    MultiheadAttention: attnMask must be [\(l), \(s)] or [\(n * numHeads), \(l), \(s)] \
                    (L, S or N · numHeads, L, S), got \(Shape.describe(attnMask.shape))
                    """)
            }
            mask = additive
        }
        if let keyPaddingMask {
            let expected = batched ? [n, s] : [s]
            precondition(keyPaddingMask.shape == expected, """
                MultiheadAttention: keyPaddingMask must be \(Shape.describe(expected)), got \
                \(Shape.describe(keyPaddingMask.shape))
                """)
            let padding = Self.additive(keyPaddingMask, dtype: dtype).reshaped([n, 1, 1, s])
            mask = mask.map { $0 + padding } ?? padding
        }
        return mask
    }

    /// A mask to add to the scores: a bool mask's true entries become -inf (hidden), a
    /// floating-point mask is converted to `dtype`.
    private static func additive(_ mask: Tensor, dtype: DType) -> Tensor {
        if mask.dtype == .bool { return which(mask, -Double.infinity, 0, dtype: dtype) }
        precondition(mask.dtype.isFloatingPoint, "MultiheadAttention: masks must be bool or floating-point, got \(mask.dtype)")
        return mask.dtype == dtype ? mask : mask.converted(to: dtype)
    }

    /// The three equal parts of a packed projection along dim 0.
    private static func thirds(_ packed: Tensor) -> (Tensor, Tensor, Tensor) {
        let parts = packed.chunked(into: 3, dim: 0)
        return (parts[0], parts[1], parts[2])
    }
}

extension MultiheadAttention: CustomStringConvertible {
    /// The layer's configuration, as `MultiheadAttention(embedDim: 128, numHeads: 4, dropout: 0.0, batchFirst: true)`.
    public var description: String {
        "MultiheadAttention(embedDim: \(embedDim), numHeads: \(numHeads), dropout: \(dropout), batchFirst: \(batchFirst))"
    }
}

/// A causal mask for a sequence of `size`: 0 on and below the diagonal, -inf above,
/// so position `i` attends to positions `0...i` (PyTorch's
/// `nn.Transformer.generate_square_subsequent_mask`).
///
/// - Parameters:
///   - size: the sequence length; non-negative.
///   - dtype: the mask's dtype (default float32).
/// - Returns: an additive `[size, size]` mask.
public func generateSquareSubsequentMask(_ size: Int, dtype: DType = .float32) -> Tensor {
    precondition(size >= 0, "generateSquareSubsequentMask: size must be non-negative, got \(size)")
    return AttentionMasks.causal(queries: size, keys: size, dtype: dtype)
}
