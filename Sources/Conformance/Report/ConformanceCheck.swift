/// One check of the conformance battery: a row of the report per op (and per dtype where it varies).
///
/// The raw value is the name reports and `--check` style filters use.
public enum ConformanceCheck: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// The definition is well formed: names, kernels, attributes, the reference expression.
    case declaration
    /// kernel-check has sample inputs for the op (declared, from the built-in table, a
    /// case or synthesised from the declaration); a failure says how to declare them.
    case samples
    /// Every output matches the reference expression (in float64) or the cases file.
    case forward
    /// Backward matches central finite differences, element by element (gradcheck):
    /// in float64, or for a float32-only op against its reference in float64.
    case gradient
    /// The forward-mode rule (jvp) matches central finite differences, column by
    /// column, and the reverse rule by the dot-product identity.
    case forwardMode = "forward-mode"
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
    /// 0, ±1, tiny and large values, NaN, ±Inf and the reference's special points give the reference's results.
    case specialValues = "special-values"
    /// Two runs are bitwise equal.
    case determinism
    /// Forward and backward leave the inputs and the upstream gradient unmodified.
    case inputsUnmodified = "inputs-unmodified"
    /// Concurrent calls from several threads, each with its own inputs, give their single-thread results.
    case threadSafety = "thread-safety"
    /// Every declared dtype works forward and backward; an undeclared one is a clear error.
    case dtypes
    /// A wrong input count, shape, attribute or dtype is a thrown error naming the op.
    case errorInputs = "error-inputs"
    /// No kernel reads or writes past a buffer, or writes before one, in any row: every
    /// buffer ends at guard pages. Last, so that it reports the accesses of every row.
    case guardBytes = "guard-bytes"
    /// The op's checks ran to completion in a child process: no crash, no timeout.
    case crashIsolation = "crash-isolation"

    /// The check's name as reports spell it (`thread-safety`).
    public var description: String { rawValue }

    /// Whether the check gives one row per dtype (the others give one row per op).
    public var isPerDType: Bool {
        switch self {
        case .declaration, .samples, .gradient, .forwardMode, .secondOrder, .dtypes, .errorInputs, .crashIsolation: false
        default: true
        }
    }
}
