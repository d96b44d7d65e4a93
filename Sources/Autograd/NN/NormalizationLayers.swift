/// Batch normalisation per channel, the common part of `BatchNorm1d` and `BatchNorm2d`
/// (`torch.nn.modules.batchnorm._BatchNorm`).
///
/// In training the batch's statistics normalise, and the running statistics (buffers
/// `running_mean`, `running_var`, `num_batches_tracked`) move towards them; in
/// evaluation the running statistics normalise. `weight` starts at ones and `bias` at zeros.
public class BatchNorm: Module, TrainingModeStoring, BufferStoring {
    /// The scale per channel, `[numFeatures]`; nil without `affine`.
    public let weight: Tensor?
    /// The shift per channel, `[numFeatures]`; nil without `affine`.
    public let bias: Tensor?
    /// The running mean per channel (a buffer); nil without `trackRunningStats`.
    public let runningMean: Tensor?
    /// The running (unbiased) variance per channel (a buffer); nil without `trackRunningStats`.
    public let runningVar: Tensor?
    /// The number of training batches seen, an int64 0-d tensor (a buffer); nil without `trackRunningStats`.
    public let numBatchesTracked: Tensor?
    public let numFeatures: Int
    public let eps: Double
    /// The weight of each batch in the running statistics; nil for a cumulative
    /// average (each batch weighted `1 / numBatchesTracked`), as PyTorch's `momentum=None`.
    public let momentum: Double?
    public let affine: Bool
    public let trackRunningStats: Bool
    public var isTraining = true

    init(
        _ numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool, dtype: DType
    ) {
        precondition(numFeatures > 0, "\(Self.self): numFeatures must be positive, got \(numFeatures)")
        weight = affine ? Tensor.ones([numFeatures], dtype: dtype, requiresGrad: true) : nil
        bias = affine ? Tensor.zeros([numFeatures], dtype: dtype, requiresGrad: true) : nil
        runningMean = trackRunningStats ? Tensor.zeros([numFeatures], dtype: dtype) : nil
        runningVar = trackRunningStats ? Tensor.ones([numFeatures], dtype: dtype) : nil
        numBatchesTracked = trackRunningStats ? Tensor.zeros([], dtype: .int64) : nil
        (self.numFeatures, self.eps, self.momentum) = (numFeatures, eps, momentum)
        (self.affine, self.trackRunningStats) = (affine, trackRunningStats)
    }

    public var ownBuffers: [(name: String, tensor: Tensor)] {
        guard let runningMean, let runningVar, let numBatchesTracked else { return [] }
        return [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
    }

    /// The input ranks the layer takes.
    var acceptedRanks: [Int] { [] }

    public func forward(_ input: Tensor) -> Tensor {
        precondition(acceptedRanks.contains(input.rank), """
            \(Self.self): expected a \(acceptedRanks.map { "\($0)-d" }.joined(separator: " or ")) input, \
            got shape \(Shape.describe(input.shape))
            """)
        var factor = momentum ?? 0
        if isTraining, let numBatchesTracked {
            let count = Int64(numBatchesTracked.item()) + 1
            numBatchesTracked.assignConverting(from: Tensor.full([], Int(count)))
            factor = momentum ?? 1 / Double(count)
        }
        // Batch statistics in training, and in evaluation too when there are no running ones;
        // the running ones (when tracked) normalise in evaluation and are updated in training.
        return batchNorm(input, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
                         training: isTraining || runningMean == nil, momentum: factor, eps: eps)
    }
}

/// Batch normalisation of [N, C] or [N, C, L] per channel, as `torch.nn.BatchNorm1d`. See `BatchNorm`.
public final class BatchNorm1d: BatchNorm {
    override public init(
        _ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
        trackRunningStats: Bool = true, dtype: DType = .float32
    ) {
        super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats,
                   dtype: dtype)
    }

    override var acceptedRanks: [Int] { [2, 3] }
}

/// Batch normalisation of [N, C, H, W] per channel, as `torch.nn.BatchNorm2d`. See `BatchNorm`.
///
/// ```swift
/// let norm = BatchNorm2d(16)            // nn.BatchNorm2d(16)
/// norm.namedBuffers().map(\.name)       // ["running_mean", "running_var", "num_batches_tracked"]
/// ```
public final class BatchNorm2d: BatchNorm {
    override public init(
        _ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
        trackRunningStats: Bool = true, dtype: DType = .float32
    ) {
        super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats,
                   dtype: dtype)
    }

    override var acceptedRanks: [Int] { [4] }
}

/// Layer normalisation over the last dims, as `torch.nn.LayerNorm`. See `layerNorm(_:normalizedShape:weight:bias:eps:)`.
///
/// `weight` starts at ones and `bias` at zeros, both of `normalizedShape`.
public final class LayerNorm: Module, TrainingModeStoring {
    /// The scale, of `normalizedShape`; nil without `elementwiseAffine`.
    public let weight: Tensor?
    /// The shift, of `normalizedShape`; nil without `elementwiseAffine` or with `bias: false`.
    public let bias: Tensor?
    public let normalizedShape: [Int]
    public let eps: Double
    public var isTraining = true

    public init(
        _ normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true,
        dtype: DType = .float32
    ) {
        precondition(normalizedShape.allSatisfy { $0 >= 0 }, "LayerNorm: normalizedShape must be non-negative, got \(normalizedShape)")
        weight = elementwiseAffine ? Tensor.ones(normalizedShape, dtype: dtype, requiresGrad: true) : nil
        self.bias = elementwiseAffine && bias ? Tensor.zeros(normalizedShape, dtype: dtype, requiresGrad: true) : nil
        (self.normalizedShape, self.eps) = (normalizedShape, eps)
    }

    /// Normalisation over the last dim, of size `normalizedShape`.
    public convenience init(
        _ normalizedShape: Int, eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true,
        dtype: DType = .float32
    ) {
        self.init([normalizedShape], eps: eps, elementwiseAffine: elementwiseAffine, bias: bias, dtype: dtype)
    }

    public func forward(_ input: Tensor) -> Tensor {
        layerNorm(input, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
    }
}

/// Group normalisation of [N, C, *], as `torch.nn.GroupNorm`. See `groupNorm(_:numGroups:weight:bias:eps:)`.
///
/// `weight` starts at ones and `bias` at zeros, both `[numChannels]`.
public final class GroupNorm: Module, TrainingModeStoring {
    /// The scale per channel; nil without `affine`.
    public let weight: Tensor?
    /// The shift per channel; nil without `affine`.
    public let bias: Tensor?
    public let numGroups: Int
    public let numChannels: Int
    public let eps: Double
    public var isTraining = true

    public init(_ numGroups: Int, _ numChannels: Int, eps: Double = 1e-5, affine: Bool = true, dtype: DType = .float32) {
        precondition(numGroups > 0 && numChannels % numGroups == 0,
                     "GroupNorm: numChannels (\(numChannels)) must be divisible by numGroups (\(numGroups))")
        weight = affine ? Tensor.ones([numChannels], dtype: dtype, requiresGrad: true) : nil
        bias = affine ? Tensor.zeros([numChannels], dtype: dtype, requiresGrad: true) : nil
        (self.numGroups, self.numChannels, self.eps) = (numGroups, numChannels, eps)
    }

    public func forward(_ input: Tensor) -> Tensor {
        groupNorm(input, numGroups: numGroups, weight: weight, bias: bias, eps: eps)
    }
}
