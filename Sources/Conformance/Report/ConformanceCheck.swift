/// One check of the conformance battery: a row of the report per op (and per dtype where it varies).
///
/// The raw value is the name reports and `--check` style filters use.
public enum ConformanceCheck: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// The definition is well formed: names, kernels, attributes, the reference expression.
    case declaration
    /// The forward matches the reference expression (in float64) or the cases file.
    case forward
    /// Backward matches central finite differences in float64, element by element (gradcheck).
    case gradient
    /// Second derivatives match finite differences of the first (gradgradcheck), or,
    /// for an op that claims no higher order, asking for one is a clear error.
    case secondOrder = "second-order"
    /// 0-d inputs give the result of the same values as 1-element tensors.
    case zeroDim = "0-d"
    /// A zero-length dimension runs forward and backward.
    case emptyDim = "empty-dim"
    /// Elementwise inputs that broadcast give the result of materialised inputs.
    case broadcast
    /// An input of at least a million elements gives the result of the same op run in pieces.
    case large
    /// Transposed, sliced and expanded input views give the contiguous result.
    case nonContiguous = "non-contiguous"
    /// Non-contiguous and stride-0 upstream gradients give the contiguous result.
    case upstreamLayout = "upstream-layout"
    /// NaN and ±Inf propagate as the reference's do.
    case specialValues = "special-values"
    /// Two runs are bitwise equal.
    case determinism
    /// Forward and backward leave the inputs and the upstream gradient unmodified.
    case inputsUnmodified = "inputs-unmodified"
    /// No byte outside the output and gradient buffers is written.
    case guardBytes = "guard-bytes"
    /// Concurrent calls from several threads give the single-thread results.
    case threadSafety = "thread-safety"
    /// Every declared dtype works forward and backward; an undeclared one is a clear error.
    case dtypes
    /// A wrong input count, shape, attribute or dtype is a thrown error naming the op.
    case errorInputs = "error-inputs"
    /// The op's checks ran to completion in a child process: no crash, no timeout.
    case crashIsolation = "crash-isolation"

    public var description: String { rawValue }

    /// Whether the check gives one row per dtype (the others give one row per op).
    public var isPerDType: Bool {
        switch self {
        case .declaration, .gradient, .secondOrder, .dtypes, .errorInputs, .crashIsolation: false
        default: true
        }
    }
}
