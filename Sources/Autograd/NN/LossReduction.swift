/// How a loss combines its per-element values, as PyTorch's `reduction=` argument.
public enum LossReduction: String, Sendable, CaseIterable {
    /// The mean over elements (over samples, for a classification loss): a 0-d tensor.
    case mean
    /// The sum: a 0-d tensor.
    case sum
    /// No reduction: one value per element (per sample, for a classification loss);
    /// PyTorch's `reduction="none"`.
    case unreduced = "none"

    /// The `reduction` attribute of a loss op.
    init(_ attributes: Attributes) {
        self = LossReduction(rawValue: attributes.string("reduction")) ?? .mean
    }

    /// Applies this reduction to per-element losses.
    func apply(_ losses: Tensor) -> Tensor {
        switch self {
        case .mean: losses.mean()
        case .sum: losses.sum()
        case .unreduced: losses
        }
    }
}
