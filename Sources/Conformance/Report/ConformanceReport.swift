/// The rows of one or more ops' conformance checks.
///
/// ```swift
/// let report = try KernelCheck(op: "act.softplus", registry: .shared).run()
/// #expect(report.failures.isEmpty, "\(report.text())")
/// ```
public struct ConformanceReport: Sendable, Codable, Equatable {
    /// Every row, in the order the checks ran.
    public var results: [CheckResult]

    /// A report of these rows.
    ///
    /// - Parameter results: the rows, in order (default: none).
    public init(results: [CheckResult] = []) {
        self.results = results
    }

    /// The rows that passed.
    public var passed: [CheckResult] { results.filter { $0.status == .pass } }
    /// The rows that failed; empty when the op conforms.
    public var failures: [CheckResult] { results.filter { $0.status == .fail } }
    /// The rows that were skipped (the check did not apply or could not run; each message says why).
    public var skipped: [CheckResult] { results.filter { $0.status == .skip } }

    /// `N passed, N failed, N skipped`.
    public var summary: String {
        "\(passed.count) passed, \(failures.count) failed, \(skipped.count) skipped"
    }

    /// The row for `check` (and `dtype`, when given) of `op`.
    public func result(op: String, check: ConformanceCheck, dtype: String? = nil) -> CheckResult? {
        results.first { $0.op == op && $0.check == check && (dtype == nil || $0.dtype == dtype) }
    }

    /// Adds `other`'s rows after these (one report for several ops).
    ///
    /// - Parameter other: the report whose rows to add.
    public mutating func append(_ other: ConformanceReport) {
        results += other.results
    }
}
