/// The rows of one or more ops' conformance checks.
///
/// ```swift
/// let report = try KernelCheck(op: "act.softplus", registry: .shared).run()
/// #expect(report.failures.isEmpty, "\(report.text())")
/// ```
public struct ConformanceReport: Sendable, Codable, Equatable {
    public var results: [CheckResult]

    public init(results: [CheckResult] = []) {
        self.results = results
    }

    public var passed: [CheckResult] { results.filter { $0.status == .pass } }
    public var failures: [CheckResult] { results.filter { $0.status == .fail } }
    public var skipped: [CheckResult] { results.filter { $0.status == .skip } }

    /// `N passed, N failed, N skipped`.
    public var summary: String {
        "\(passed.count) passed, \(failures.count) failed, \(skipped.count) skipped"
    }

    /// The row for `check` (and `dtype`, when given) of `op`.
    public func result(op: String, check: ConformanceCheck, dtype: String? = nil) -> CheckResult? {
        results.first { $0.op == op && $0.check == check && (dtype == nil || $0.dtype == dtype) }
    }

    public mutating func append(_ other: ConformanceReport) {
        results += other.results
    }
}
