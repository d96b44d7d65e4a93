/// The cross-entropy of logits against targets, as `torch.nn.CrossEntropyLoss`.
///
/// `input` holds unnormalised scores `[N, C]` (or `[N, C, d...]`, or `[C]`); `target`
/// holds int64 class indices `[N]` (`[N, d...]`, `[]`), or class probabilities of the
/// input's shape. Per sample the loss is `-log(softmax(input)[target])`, weighted by
/// `weight[target]` when a weight is given; the default reduction averages over
/// samples (weighted, with class indices). Samples whose target is `ignoreIndex`
/// contribute nothing; `labelSmoothing` mixes the uniform distribution into the targets.
///
/// ```swift
/// let criterion = CrossEntropyLoss()
/// let loss = criterion(model(images), labels)   // labels: Tensor([3, 0, 7])
/// ```
public struct CrossEntropyLoss: @unchecked Sendable {
    /// A weight per class, or nil for equal weights.
    public var weight: Tensor?
    /// A class-index target that contributes nothing (to the loss, its gradient or the mean's divisor); PyTorch's default -100.
    public var ignoreIndex: Int
    /// The amount in [0, 1] of the uniform distribution mixed into the targets (0, the default, for none).
    public var labelSmoothing: Double
    /// How the per-sample losses combine: `.mean` (the default; weighted with a class weight), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    public var reduction: LossReduction

    /// A cross-entropy loss with PyTorch's defaults.
    ///
    /// - Parameters:
    ///   - weight: a weight per class, `[C]`; nil (the default) for equal weights.
    ///   - ignoreIndex: a class-index target to skip (default -100).
    ///   - labelSmoothing: the amount of the uniform distribution mixed into the targets (default 0).
    ///   - reduction: `.mean` (the default), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, labelSmoothing: Double = 0, reduction: LossReduction = .mean) {
        self.weight = weight
        self.ignoreIndex = ignoreIndex
        self.labelSmoothing = labelSmoothing
        self.reduction = reduction
    }

    /// The loss of logits `input` against `target`.
    ///
    /// - Parameters:
    ///   - input: unnormalised scores, `[N, C]`, `[N, C, d...]` or `[C]`.
    ///   - target: int64 class indices (`[N]`, `[N, d...]` or `[]`), or class probabilities of the input's shape.
    /// - Returns: a 0-d tensor, or the per-sample losses with `.unreduced`.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        crossEntropy(input, target, weight: weight, ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing,
                     reduction: reduction)
    }
}
