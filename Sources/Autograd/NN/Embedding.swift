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
    public var isTraining = true

    public var numEmbeddings: Int { weight.shape[0] }
    public var embeddingDim: Int { weight.shape[1] }

    /// A table initialised from `generator`.
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

    /// A table initialised from the default generator.
    public convenience init(_ numEmbeddings: Int, _ embeddingDim: Int, paddingIdx: Int? = nil, dtype: DType = .float32) {
        var generator = LayerInitialization.fromDefault()
        self.init(numEmbeddings, embeddingDim, paddingIdx: paddingIdx, dtype: dtype, using: &generator)
    }

    /// A table with the given weight (which should require grad to be trained).
    public init(weight: Tensor, paddingIdx: Int? = nil) {
        precondition(weight.rank == 2, "Embedding: weight must be [numEmbeddings, embeddingDim], got \(Shape.describe(weight.shape))")
        self.weight = weight
        self.paddingIdx = paddingIdx
    }

    public func forward(_ input: Tensor) -> Tensor {
        embedding(input, weight: weight, paddingIdx: paddingIdx)
    }
}
