import Autograd

/// The outcome of one check.
public enum CheckStatus: String, Sendable, Codable {
    /// `pass`: the check held; `fail`: it did not (the message says why); `skip`: it did not apply or could
    /// not run.
    case pass, fail, skip
}

/// One row of a conformance report.
public struct CheckResult: Sendable, Codable, Equatable {
    /// The op's registry name.
    public var op: String
    /// Which check the row is about.
    public var check: ConformanceCheck
    /// The dtype the row is about, or nil for a check over all dtypes.
    public var dtype: String?
    /// Whether the check passed, failed or was skipped.
    public var status: CheckStatus
    /// The largest error seen, measured where it came closest to (or furthest past) its tolerance.
    public var worstError: Double?
    /// The tolerance at that element.
    public var tolerance: Double?
    /// What was compared, or why it failed or was skipped.
    public var message: String
    /// Further lines for a failure: a Jacobian side by side, the offending index.
    public var details: [String]
    /// How long the check took, in seconds.
    public var seconds: Double?

    /// A row of a report.
    ///
    /// - Parameters:
    ///   - op: the op's registry name.
    ///   - check: the check.
    ///   - dtype: the dtype the row is about, or nil for a check over all dtypes.
    ///   - status: the outcome.
    ///   - worstError: the largest error seen, if a comparison was made.
    ///   - tolerance: the tolerance at that element.
    ///   - message: what was compared, or why it failed or was skipped.
    ///   - details: further lines for a failure.
    public init(op: String, check: ConformanceCheck, dtype: DType?, status: CheckStatus,
                worstError: Double? = nil, tolerance: Double? = nil, message: String, details: [String] = []) {
        self.op = op
        self.check = check
        self.dtype = dtype?.rawValue
        self.status = status
        self.worstError = worstError
        self.tolerance = tolerance
        self.message = message
        self.details = details
    }

    /// A row that passed, with the worst error of a comparison.
    static func pass(_ op: String, _ check: ConformanceCheck, _ dtype: DType?, _ message: String,
                     comparison: Comparison? = nil) -> CheckResult {
        // An empty comparison (a zero-length output) has no worst error to show.
        let measured = comparison.flatMap { $0.compared > 0 ? $0 : nil }
        return CheckResult(op: op, check: check, dtype: dtype, status: .pass, worstError: measured?.worstError,
                           tolerance: measured?.tolerance, message: message)
    }

    static func skip(_ op: String, _ check: ConformanceCheck, _ dtype: DType?, _ reason: String) -> CheckResult {
        CheckResult(op: op, check: check, dtype: dtype, status: .skip, message: reason)
    }

    static func fail(_ op: String, _ check: ConformanceCheck, _ dtype: DType?, _ message: String,
                     comparison: Comparison? = nil, details: [String] = []) -> CheckResult {
        CheckResult(op: op, check: check, dtype: dtype, status: .fail, worstError: comparison?.worstError,
                    tolerance: comparison?.tolerance, message: message, details: details)
    }
}
