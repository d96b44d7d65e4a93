/// scaled_dot_product_attention, as PyTorch's math implementation computes it:
/// two batched GEMMs through `matmul` around a softmax, recorded op by op, so it
/// differentiates (and forward-differentiates) to any order with no rules of its own.
extension BuiltinOps {
    static let attention: [OpDefinition] = [
        OpDefinition(
            name: "scaled_dot_product_attention",
            inputs: ["query", "key", "value", OpInput("attn_mask", dtypes: .any, optional: true)],
            attributes: [AttributeSpec("dropout_p", .double, default: 0.0), AttributeSpec("is_causal", .bool, default: false),
                         AttributeSpec("scale", .double, default: nil)],
            outputShape: attentionShape, forward: .decomposition(scaledDotProductAttention),
            // exp(s - logsumexp(s)) for softmax(s), and sqrt(E) from a sum of ones.
            reference: """
                matmul(exp(matmul(query, transpose(key, dim0=-2, dim1=-1)) * rsqrt(sum(query * 0 + 1, dims=[-1], keepdim=true)) \
                + attn_mask - logsumexp(matmul(query, transpose(key, dim0=-2, dim1=-1)) \
                * rsqrt(sum(query * 0 + 1, dims=[-1], keepdim=true)) + attn_mask, dims=[-1], keepdim=true)), value)
                """),
    ]

    /// query [..., L, E], key [..., S, E], value [..., S, Ev] (batch dims broadcast),
    /// a mask broadcasting to [..., L, S]: output [..., L, Ev].
    static let attentionShape = ShapeRule { ctx in
        let (q, k, v) = (ctx.shapes[0], ctx.shapes[1], ctx.shapes[2])
        let expected = "query [..., L, E], key [..., S, E] and value [..., S, Ev] with batch dims that broadcast"
        guard q.count >= 2, k.count >= 2, v.count >= 2, q.last == k.last, k[k.count - 2] == v[v.count - 2],
              let qk = Shape.broadcast(Array(q.dropLast(2)), Array(k.dropLast(2))),
              let batch = Shape.broadcast(qk, Array(v.dropLast(2))) else { throw ctx.error(expected) }
        let (l, s) = (q[q.count - 2], k[k.count - 2])
        if ctx.isGiven(3) {
            guard let dtype = ctx.dtypes[3], dtype == .bool || dtype.isFloatingPoint else {
                throw AutogradError(.dtype, "\(ctx.op): attn_mask must be bool or floating-point, got \(ctx.dtypes[3]!)")
            }
            guard Shape.broadcast(ctx.shapes[3], batch + [l, s]) == batch + [l, s] else {
                throw ctx.error("attn_mask broadcasting to \(Shape.describe(batch + [l, s]))")
            }
            if ctx.attributes.bool("is_causal") {
                throw AutogradError(.attribute, "\(ctx.op): an explicit attn_mask should not be set when is_causal is true")
            }
        }
        let p = ctx.attributes.double("dropout_p")
        guard (0...1).contains(p) else { throw AutogradError(.attribute, "\(ctx.op): dropout_p must be in [0, 1], got \(p)") }
        return batch + [l, v[v.count - 1]]
    }

    /// `softmax(q kᵀ · scale + mask) v`. A bool mask keeps the positions that are
    /// true (the others become -inf); `is_causal` keeps key `j <= i` for query `i`.
    /// A query row whose keys are all masked gives 0, not NaN (PyTorch's safe softmax).
    private static func scaledDotProductAttention(_ ctx: KernelContext) throws -> Tensor {
        let (q, k, v) = (ctx.inputs[0], ctx.inputs[1], ctx.inputs[2])
        let (l, s) = (q.shape[q.rank - 2], k.shape[k.rank - 2])
        let scale = ctx.attributes.optionalDouble("scale") ?? 1 / Double(q.shape[q.rank - 1]).squareRoot()
        var scores = matmul(q, k.transposed(-2, -1)) * scale
        var keptRows: Tensor?
        if let mask = ctx.inputs.optional(3) {
            let additive = mask.dtype == .bool
                ? which(mask, 0, -Double.infinity, dtype: ctx.dtype) : mask.converted(to: ctx.dtype)
            scores = scores + additive
            if AttentionMasks.hidesWholeRows(additive) {
                // Uniform scores there keep the softmax (and its gradient) finite; the rows are then zeroed.
                let hidden = additive.amax(dims: [-1], keepdim: true) .== -Double.infinity
                scores = which(hidden, 0, scores)
                keptRows = logicalNot(hidden).converted(to: ctx.dtype)
            }
        } else if ctx.attributes.bool("is_causal") {
            scores = scores + AttentionMasks.causal(queries: l, keys: s, dtype: ctx.dtype)
        }
        var weights = softmax(scores, dim: -1)
        if let keptRows { weights = weights * keptRows }
        let p = ctx.attributes.double("dropout_p")
        if p > 0 { weights = weights * AttentionMasks.dropout(like: weights, p: p) }
        return matmul(weights, v)
    }
}

/// The masks attention adds or multiplies.
enum AttentionMasks {
    /// 0 where key `j <= i` for query `i`, else -inf: `[L, S]` (PyTorch's `tril` of ones, top-left aligned).
    static func causal(queries: Int, keys: Int, dtype: DType) -> Tensor {
        var values = [Double](repeating: 0, count: queries * keys)
        for i in 0..<queries where i + 1 < keys {
            for j in (i + 1)..<keys { values[i * keys + j] = -.infinity }
        }
        return Tensor(shape: [queries, keys], scalars: values, dtype: dtype)
    }

    /// Whether some row (along the last dim) of an additive mask is -inf throughout.
    static func hidesWholeRows(_ mask: Tensor) -> Bool {
        mask.dtype == .float32 ? hidesWholeRows(mask, as: Float.self) : hidesWholeRows(mask, as: Double.self)
    }

    private static func hidesWholeRows<T: TensorScalar>(_ mask: Tensor, as _: T.Type) -> Bool {
        let data = mask.contiguousData()
        let width = data.shape.last ?? 1
        guard width > 0 else { return false }
        return withExtendedLifetime(data) {
            let p = data.pointer(T.self)
            for row in 0..<(data.scalarCount / width) {
                var hidden = true
                for j in 0..<width where p[row &* width &+ j] != -T.infinity {
                    hidden = false
                    break
                }
                if hidden { return true }
            }
            return false
        }
    }

    /// `1 / (1 - p)` with probability `1 - p`, else 0, per element, from the default generator.
    static func dropout(like x: Tensor, p: Double) -> Tensor {
        var values = [Double](repeating: 0, count: x.scalarCount)
        if p < 1 {
            let kept = 1 / (1 - p)
            RandomGenerator.withDefault { g in
                for i in values.indices where g.nextUniform() >= p { values[i] = kept }
            }
        }
        return Tensor(shape: x.shape, scalars: values, dtype: x.dtype)
    }
}

extension OpHandle {
    static let scaledDotProductAttention = OpHandle("scaled_dot_product_attention")
}

/// Attention of `query` over `key` and `value`
/// (`torch.nn.functional.scaled_dot_product_attention`):
///
/// ```
/// softmax(query · keyᵀ · scale + mask) · value
/// ```
///
/// - Parameters:
///   - query: `[..., L, E]`: L queries of size E (batch and head dims first).
///   - key: `[..., S, E]`.
///   - value: `[..., S, Ev]`. The batch dims of the three broadcast.
///   - mask: broadcasting to `[..., L, S]`: added to the scores when floating-point
///     (`-inf` hides a key); when bool, true marks the keys a query may attend to.
///     A query that may attend to no key gives zeros.
///   - dropout: the probability of zeroing each attention weight (the kept ones
///     scaled by `1 / (1 - dropout)`), drawn from the default generator.
///   - isCausal: query `i` attends to keys `0...i` only (not with a `mask`).
///   - scale: the factor of the scores; `1 / sqrt(E)` when nil.
/// - Returns: `[..., L, Ev]`.
///
/// ```swift
/// let heads = scaledDotProductAttention(q, k, v, isCausal: true)   // q, k, v: [N, H, L, 32]
/// ```
public func scaledDotProductAttention(
    _ query: Tensor, _ key: Tensor, _ value: Tensor, mask: Tensor? = nil, dropout: Double = 0,
    isCausal: Bool = false, scale: Double? = nil
) -> Tensor {
    dispatch(.scaledDotProductAttention, [query, key, value, mask], [
        "dropout_p": .double(dropout), "is_causal": .bool(isCausal), "scale": scale.map(AttributeValue.double) ?? nil,
    ])
}
