/// A lookup table of `numEmbeddings` vectors of size `embeddingDim`, indexed by int64
/// tensors, as `torch.nn.Embedding`. See `embedding(_:weight:paddingIdx:)`.
///
/// `weight` starts standard normal, as PyTorch's, with the row at `paddingIdx` zero;
/// that row gets no gradient.
///
/// ```swift
/// let embed = Embedding(20, 16)          // nn.Embedding(20, 16)
/// let vectors = embed(tokens)            // tokens [B, T] int64 → [B, T, 16]
/// ```
public final class Embedding: Module, TrainingModeStoring {
    /// The table, `[numEmbeddings, embeddingDim]`.
    public let weight: Tensor
    /// The row that gets no gradient (and starts at zero); negative counts from the end.
    public let paddingIdx: Int?
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true

    /// The number of rows of the table.
    public var numEmbeddings: Int { weight.shape[0] }
    /// The size of each vector.
    public var embeddingDim: Int { weight.shape[1] }

    /// A table initialised from `generator`, standard normal.
    ///
    /// - Parameters:
    ///   - numEmbeddings: the number of rows.
    ///   - embeddingDim: the size of each vector.
    ///   - paddingIdx: a row that starts at zero and gets no gradient (negative counts from the end); nil for none.
    ///   - dtype: the table's dtype (default float32).
    ///   - generator: the generator to draw from.
    public init(
        _ numEmbeddings: Int, _ embeddingDim: Int, paddingIdx: Int? = nil, dtype: DType = .float32,
        using generator: inout RandomGenerator
    ) {
        precondition(numEmbeddings >= 0 && embeddingDim >= 0,
                     "Embedding: sizes must be non-negative, got \(numEmbeddings) and \(embeddingDim)")
        var values = (0..<(numEmbeddings * embeddingDim)).map { _ in generator.nextNormal() }
        if let paddingIdx {
            precondition((-numEmbeddings..<numEmbeddings).contains(paddingIdx),
                         "Embedding: paddingIdx must be within numEmbeddings (\(numEmbeddings)), got \(paddingIdx)")
            let row = paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx
            for j in 0..<embeddingDim { values[row * embeddingDim + j] = 0 }
        }
        weight = Tensor(shape: [numEmbeddings, embeddingDim], scalars: values, dtype: dtype, requiresGrad: true)
        self.paddingIdx = paddingIdx
    }

    /// A table initialised from the default generator, standard normal.
    ///
    /// - Parameters:
    ///   - numEmbeddings: the number of rows.
    ///   - embeddingDim: the size of each vector.
    ///   - paddingIdx: a row that starts at zero and gets no gradient (negative counts from the end); nil for none.
    ///   - dtype: the table's dtype (default float32).
    public convenience init(_ numEmbeddings: Int, _ embeddingDim: Int, paddingIdx: Int? = nil, dtype: DType = .float32) {
        var generator = LayerInitialization.fromDefault()
        self.init(numEmbeddings, embeddingDim, paddingIdx: paddingIdx, dtype: dtype, using: &generator)
    }

    /// A table with the given weight (which should require grad to be trained), as `nn.Embedding.from_pretrained`
    /// with `freeze=False`.
    ///
    /// - Parameters:
    ///   - weight: the table, `[numEmbeddings, embeddingDim]`; used as it is (its padding row is not zeroed).
    ///   - paddingIdx: a row that gets no gradient; nil for none.
    public init(weight: Tensor, paddingIdx: Int? = nil) {
        precondition(weight.rank == 2, "Embedding: weight must be [numEmbeddings, embeddingDim], got \(Shape.describe(weight.shape))")
        self.weight = weight
        self.paddingIdx = paddingIdx
    }

    /// The rows of `weight` at the int64 indices in `input`: shape `input.shape + [embeddingDim]`.
    public func forward(_ input: Tensor) -> Tensor {
        embedding(input, weight: weight, paddingIdx: paddingIdx)
    }
}
