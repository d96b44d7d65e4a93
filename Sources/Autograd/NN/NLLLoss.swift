/// The negative log-likelihood of class indices under log-probabilities, as
/// `torch.nn.NLLLoss`: with `logSoftmax` before it, `CrossEntropyLoss`.
/// See `nllLoss(_:_:weight:ignoreIndex:reduction:)`.
///
/// ```swift
/// let criterion = NLLLoss()
/// let loss = criterion(logSoftmax(model(x), dim: 1), labels)   // labels: int64 [N]
/// ```
public struct NLLLoss: @unchecked Sendable {
    /// A weight per class, or nil for equal weights.
    public var weight: Tensor?
    /// A target value that contributes nothing (to the loss, its gradient or the mean's divisor).
    public var ignoreIndex: Int
    /// How the per-sample losses combine: `.mean` (the default; weighted with a class weight), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    public var reduction: LossReduction

    /// A negative log-likelihood loss with PyTorch's defaults.
    ///
    /// - Parameters:
    ///   - weight: a weight per class, `[C]`; nil (the default) for equal weights.
    ///   - ignoreIndex: a target value to skip (default -100).
    ///   - reduction: `.mean` (the default), `.sum`, or `.unreduced` (PyTorch's `"none"`).
    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: LossReduction = .mean) {
        self.weight = weight
        self.ignoreIndex = ignoreIndex
        self.reduction = reduction
    }

    /// The loss of log-probabilities `input` at the classes in `target`.
    ///
    /// - Parameters:
    ///   - input: log-probabilities, `[N, C]`, `[N, C, d...]` or `[C]`.
    ///   - target: int64 class indices, `[N]`, `[N, d...]` or `[]`.
    /// - Returns: a 0-d tensor, or the per-sample losses with `.unreduced`.
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
        nllLoss(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
    }
}
