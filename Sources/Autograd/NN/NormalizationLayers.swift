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
    /// The number of channels `C`.
    public let numFeatures: Int
    /// Added to the variance for stability (PyTorch's `eps`, default 1e-5).
    public let eps: Double
    /// The weight of each batch in the running statistics; nil for a cumulative
    /// average (each batch weighted `1 / numBatchesTracked`), as PyTorch's `momentum=None`.
    public let momentum: Double?
    /// Whether the layer has a learnable `weight` and `bias`.
    public let affine: Bool
    /// Whether the layer keeps running statistics for evaluation.
    public let trackRunningStats: Bool
    /// Whether the layer is in training mode, where it normalises with the batch's statistics and updates the running ones.
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

    /// `running_mean`, `running_var` and `num_batches_tracked`, or none without `trackRunningStats`.
    public var ownBuffers: [(name: String, tensor: Tensor)] {
        guard let runningMean, let runningVar, let numBatchesTracked else { return [] }
        return [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
    }

    /// The input ranks the layer takes.
    var acceptedRanks: [Int] { [] }

    /// Normalises `input` per channel (dim 1): with the batch's statistics in training (updating the running
    /// ones) or without running statistics, else with the running statistics; then scales and shifts.
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
    /// A batch-norm layer with PyTorch's defaults.
    ///
    /// - Parameters:
    ///   - numFeatures: the number of channels `C`.
    ///   - eps: added to the variance for stability (default 1e-5).
    ///   - momentum: the weight of each batch in the running statistics (default 0.1); nil for a cumulative average.
    ///   - affine: whether the layer has a learnable `weight` and `bias` (default true).
    ///   - trackRunningStats: whether the layer keeps running statistics (default true); without them it
    ///     normalises with the batch's statistics in evaluation mode too.
    ///   - dtype: the parameters' and buffers' dtype (default float32).
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
    /// A batch-norm layer with PyTorch's defaults.
    ///
    /// - Parameters:
    ///   - numFeatures: the number of channels `C`.
    ///   - eps: added to the variance for stability (default 1e-5).
    ///   - momentum: the weight of each batch in the running statistics (default 0.1); nil for a cumulative average.
    ///   - affine: whether the layer has a learnable `weight` and `bias` (default true).
    ///   - trackRunningStats: whether the layer keeps running statistics (default true); without them it
    ///     normalises with the batch's statistics in evaluation mode too.
    ///   - dtype: the parameters' and buffers' dtype (default float32).
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
    /// The trailing dims normalised over (PyTorch's `normalized_shape`).
    public let normalizedShape: [Int]
    /// Added to the variance for stability (default 1e-5).
    public let eps: Double
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true

    /// Normalisation over the trailing dims `normalizedShape`, with PyTorch's defaults.
    ///
    /// - Parameters:
    ///   - normalizedShape: the trailing dims of the input to normalise over.
    ///   - eps: added to the variance for stability (default 1e-5).
    ///   - elementwiseAffine: whether the layer has a learnable `weight` (and `bias`) (default true).
    ///   - bias: whether the layer has a learnable `bias`, with `elementwiseAffine` (default true).
    ///   - dtype: the parameters' dtype (default float32).
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
    ///
    /// - Parameters:
    ///   - normalizedShape: the size of the last dim.
    ///   - eps: added to the variance for stability (default 1e-5).
    ///   - elementwiseAffine: whether the layer has a learnable `weight` (and `bias`) (default true).
    ///   - bias: whether the layer has a learnable `bias`, with `elementwiseAffine` (default true).
    ///   - dtype: the parameters' dtype (default float32).
    public convenience init(
        _ normalizedShape: Int, eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true,
        dtype: DType = .float32
    ) {
        self.init([normalizedShape], eps: eps, elementwiseAffine: elementwiseAffine, bias: bias, dtype: dtype)
    }

    /// Normalises `input` over its trailing `normalizedShape` dims, then scales by `weight` and shifts by `bias`.
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
    /// The number of groups the channels are split into.
    public let numGroups: Int
    /// The number of channels `C`.
    public let numChannels: Int
    /// Added to the variance for stability (default 1e-5).
    public let eps: Double
    /// Whether the layer is in training mode; it behaves the same in both.
    public var isTraining = true

    /// A group-norm layer with PyTorch's defaults.
    ///
    /// - Parameters:
    ///   - numGroups: the number of groups; divides `numChannels`.
    ///   - numChannels: the number of channels `C`.
    ///   - eps: added to the variance for stability (default 1e-5).
    ///   - affine: whether the layer has a learnable `weight` and `bias` per channel (default true).
    ///   - dtype: the parameters' dtype (default float32).
    public init(_ numGroups: Int, _ numChannels: Int, eps: Double = 1e-5, affine: Bool = true, dtype: DType = .float32) {
        precondition(numGroups > 0 && numChannels % numGroups == 0,
                     "GroupNorm: numChannels (\(numChannels)) must be divisible by numGroups (\(numGroups))")
        weight = affine ? Tensor.ones([numChannels], dtype: dtype, requiresGrad: true) : nil
        bias = affine ? Tensor.zeros([numChannels], dtype: dtype, requiresGrad: true) : nil
        (self.numGroups, self.numChannels, self.eps) = (numGroups, numChannels, eps)
    }

    /// Normalises `input`, `[N, C, *]`, over each group of channels per sample, then scales and shifts per channel.
    public func forward(_ input: Tensor) -> Tensor {
        groupNorm(input, numGroups: numGroups, weight: weight, bias: bias, eps: eps)
    }
}
