import Autograd

/// The conformance battery for one op: each check a row of the report.
///
/// A plugin author calls it from `swift test`:
///
/// ```swift
/// @Test func softplusConforms() throws {
///     let report = try KernelCheck(op: "act.softplus", registry: .shared).run()
///     #expect(report.failures.isEmpty, "\(report.text())")
/// }
/// ```
///
/// The checks run in this process; a crashing kernel takes the caller down. The
/// `kernel-check` tool runs each op in a child process (see `IsolatedCheck`).
public struct KernelCheck: Sendable {
    /// What to run and how hard.
    public struct Configuration: Sendable {
        /// The dtypes the per-dtype checks run in (those the op declares).
        public var dtypes: [DType] = [.float32, .float64]
        /// Seeds the sample values, upstream gradients and directions.
        public var seed: UInt64 = 0
        /// Cases to compare forward and gradients with, in the reference cases format.
        public var cases: ReferenceCases?
        /// The element count of the large input; the tool uses at least a million.
        public var largeElementCount = 1 << 20
        /// Threads calling the op at once in the thread-safety check.
        public var threadCount = 4
        /// The checks to run; the others are left out of the report.
        public var checks = Set(ConformanceCheck.allCases).subtracting([.crashIsolation])
        /// How to exercise the op, replacing the built-in table's entry.
        public var sample: OpSample?

        public init() {}
    }

    /// Something that happened while checking, for progress displays and the child protocol.
    public enum Event: Sendable {
        case started(ConformanceCheck, DType?)
        case finished(CheckResult)
    }

    public let opName: String
    public let registry: OpRegistry
    public var configuration: Configuration

    /// - Parameters:
    ///   - op: the registry name of the op to check.
    ///   - registry: where the op is registered; its built-in ops evaluate references.
    public init(op: String, registry: OpRegistry = .shared, configuration: Configuration = Configuration()) {
        self.opName = op
        self.registry = registry
        self.configuration = configuration
    }

    /// The rows `run()` produces, in order: each check, per dtype where it varies.
    public func plan() -> [(check: ConformanceCheck, dtype: DType?)] {
        ConformanceCheck.allCases.filter { configuration.checks.contains($0) }.flatMap { check in
            check.isPerDType ? configuration.dtypes.map { (check, Optional($0)) } : [(check, nil)]
        }
    }

    /// Runs every configured check.
    ///
    /// - Parameter onEvent: told when each check starts and finishes.
    /// - Throws: `AutogradError` when the op is not registered.
    public func run(onEvent: (Event) -> Void = { _ in }) throws -> ConformanceReport {
        let context = try CheckContext(op: registry.op(named: opName), registry: registry, configuration: configuration)
        var report = ConformanceReport()
        for (check, dtype) in plan() {
            onEvent(.started(check, dtype))
            let result = context.run(check, dtype: dtype)
            onEvent(.finished(result))
            report.results.append(result)
        }
        return report
    }
}
