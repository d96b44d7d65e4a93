/// embedding: rows of a weight table looked up by int64 indices. Its gradient adds the
/// upstream rows back at the indices (index_add), except at `padding_idx`, so it
/// differentiates again; it is linear in the weight, which gives its forward mode.
extension OpHandle {
    static let embedding = OpHandle("embedding")
}

extension BuiltinOps {
    static let embeddings: [OpDefinition] = [
        OpDefinition(
            name: "embedding", inputs: [.indices("indices"), "weight"],
            attributes: [AttributeSpec("padding_idx", .int, default: nil)],
            outputShape: ShapeRule { ctx in
                let (indices, weight) = (ctx.shapes[0], ctx.shapes[1])
                guard weight.count == 2 else { throw ctx.error("weight [num_embeddings, embedding_dim]") }
                if let padding = ctx.attributes.optionalInt("padding_idx"), !(-weight[0]..<weight[0]).contains(padding) {
                    throw AutogradError(.attribute, """
                        \(ctx.op): padding_idx must be within num_embeddings (\(weight[0])), got \(padding)
                        """)
                }
                return indices + [weight[1]]
            },
            forward: .floating(EmbeddingKernel.self), saves: .inputs, gradFnName: "EmbeddingBackward0", jvp: .linear
        ) { ctx in
            let (indices, g) = (ctx.inputs[0], ctx.gradOutput)
            let (rows, width) = (ctx.inputShapes[1][0], ctx.inputShapes[1][1])
            let flat = indices.reshaped([indices.scalarCount])
            var source = g.reshaped([indices.scalarCount, width])
            if var padding = ctx.attributes.optionalInt("padding_idx") {
                if padding < 0 { padding += rows }
                source = source * (flat .!= padding).converted(to: g.dtype).unsqueezed(dim: 1)
            }
            return [nil, Tensor.zeros([rows, width], dtype: g.dtype).indexAdd(dim: 0, index: flat, source: source)]
        },
    ]
}

enum EmbeddingKernel: FloatingKernel {
    static func run<T: TensorScalar>(_ ctx: KernelContext, as _: T.Type) throws -> Tensor {
        let indices = ctx.inputs[0].contiguousData(), weight = ctx.inputs[1].contiguousData()
        let (rows, width) = (weight.shape[0], weight.shape[1])
        let out = try ctx.makeOutput()
        let p = indices.pointer(Int64.self), w = weight.pointer(T.self), o = out.pointer(T.self)
        for i in 0..<indices.scalarCount {
            let row = Int(p[i])
            // PyTorch's embedding takes no negative indices (unlike index_select).
            guard row >= 0 && row < rows else {
                throw AutogradError(.kernel, "\(ctx.op): index \(p[i]) at position \(i) is out of range for \(rows) embeddings")
            }
            (o + i &* width).update(from: w + row &* width, count: width)
        }
        return out
    }
}

/// The rows of `weight` [num_embeddings, embedding_dim] at `indices` (int64, any
/// shape), giving `indices.shape + [embedding_dim]` (`torch.nn.functional.embedding`).
///
/// The row at `paddingIdx` (negative counts from the end) gets no gradient.
public func embedding(_ indices: Tensor, weight: Tensor, paddingIdx: Int? = nil) -> Tensor {
    dispatch(.embedding, [indices, weight], ["padding_idx": paddingIdx.map { .int($0) } ?? .absent])
}
