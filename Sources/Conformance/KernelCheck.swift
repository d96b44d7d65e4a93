@_spi(Conformance) import Autograd

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
        /// Cases to compare outputs and gradients with, in either reference cases
        /// format; the first case of an op also gives it a sample.
        public var cases: ReferenceCases?
        /// The element count of the large input; the tool uses at least a million.
        public var largeElementCount = 1 << 20
        /// Threads calling the op at once in the thread-safety check.
        public var threadCount = 4
        /// The checks to run; the others are left out of the report.
        public var checks = Set(ConformanceCheck.allCases).subtracting([.crashIsolation])
        /// How to exercise the op, replacing the built-in table's entry, the cases and synthesis.
        public var sample: OpSample?
        /// The values of the sample's inputs, replacing those drawn from their domains:
        /// to check an op at chosen points (its kinks, a case's inputs). One entry per
        /// sample input, of its shape and dtype; nil for an omitted one. The variants
        /// still draw theirs.
        public var sampleValues: [TensorValues?]?
        /// The tolerance of float64 derivatives against central differences in the
        /// gradient, forward-mode and second-order checks; tighter than PyTorch's
        /// gradcheck (the default) to hold a kernel closer.
        public var finiteDifferenceTolerance = Tolerance.finiteDifference

        /// The defaults: float32 and float64, seed 0, no extra cases, every check but crash isolation.
        public init() {}
    }

    /// Something that happened while checking, for progress displays and the child protocol.
    public enum Event: Sendable {
        /// A check began, in the dtype given (nil for a check over all dtypes).
        case started(ConformanceCheck, DType?)
        /// A check ended with this row.
        case finished(CheckResult)
    }

    /// The registry name of the op under check.
    public let opName: String
    /// The registry the op is looked up in; its built-in ops evaluate the reference expressions.
    public let registry: OpRegistry
    /// What to run and how hard.
    public var configuration: Configuration

    /// The battery for `op`; `run()` runs it.
    ///
    /// - Parameters:
    ///   - op: the registry name of the op to check.
    ///   - registry: where the op is registered; its built-in ops evaluate references.
    ///   - configuration: what to run and how hard (default: `Configuration()`).
    public init(op: String, registry: OpRegistry = .shared, configuration: Configuration = Configuration()) {
        self.opName = op
        self.registry = registry
        self.configuration = configuration
    }

    /// The rows `run()` produces, in order: each check, per dtype where it varies.
    public func plan() -> [(check: ConformanceCheck, dtype: DType?)] {
        let dtypes = (try? registry.op(named: opName)).map { Self.rowDTypes(of: $0.definition, configured: configuration.dtypes) }
            ?? configuration.dtypes
        return ConformanceCheck.allCases.filter { configuration.checks.contains($0) }.flatMap { check in
            check.isPerDType ? dtypes.map { (check, Optional($0)) } : [(check, nil)]
        }
    }

    /// A skipped row for each op that `cases` has cases of but `registry` does not
    /// register (one another branch is still adding, say): its cases check nothing,
    /// and the report says so rather than leaving them out unseen.
    public static func unregisteredCaseRows(_ cases: ReferenceCases, registry: OpRegistry) -> [CheckResult] {
        var order: [String] = []
        var files: [String: [String: Int]] = [:]
        for c in cases.cases where !registry.contains(c.op) {
            if files[c.op] == nil { order.append(c.op) }
            files[c.op, default: [:]][c.source, default: 0] += 1
        }
        return order.map { op in
            let counts = files[op]!.sorted { $0.key < $1.key }.map { "\($0.value) in \($0.key)" }.joined(separator: ", ")
            return CheckResult(op: op, check: .declaration, dtype: nil, status: .skip,
                               message: "not a registered op: its cases (\(counts)) were not checked")
        }
    }

    /// The dtypes of an op's per-dtype rows: the configured floating dtypes, or,
    /// for an op with no floating kernel (`one_hot`), the dtypes of its kernels.
    static func rowDTypes(of definition: OpDefinition, configured: [DType]) -> [DType] {
        let floating = definition.forward.dtypes.filter(\.isFloatingPoint)
        return floating.isEmpty ? definition.forward.dtypes : configured
    }

    /// Runs every configured check.
    ///
    /// - Parameter onEvent: told when each check starts and finishes.
    /// - Throws: `AutogradError` when the op is not registered.
    public func run(onEvent: (Event) -> Void = { _ in }) throws -> ConformanceReport {
        let op = try registry.op(named: opName)
        // With the guard-bytes row planned, every row runs with guard pages after each
        // buffer, and that row reports what any row read or wrote past.
        let guarding = configuration.checks.contains(.guardBytes)
        var faults: [RowFault] = []
        func guardingAccesses<R>(_ row: String, _ dtype: DType?, _ body: () -> R) -> R {
            guard guarding else { return body() }
            let (result, found) = GuardedAllocation.checkingAccesses(body)
            faults += found.map { RowFault(row: row, dtype: dtype, fault: $0) }
            return result
        }
        // Finding a sample calls the kernel: a crash there is reported as during the samples row.
        onEvent(.started(.samples, nil))
        let context = guardingAccesses("samples", nil) {
            CheckContext(op: op, registry: registry, configuration: configuration)
        }
        var report = ConformanceReport()
        for (check, dtype) in plan() {
            onEvent(.started(check, dtype))
            let started = ContinuousClock.now
            let row = check.rawValue + (dtype.map { " (\($0))" } ?? "")
            var result = check == .guardBytes
                ? context.run(check, dtype: dtype, faults: faults)
                : guardingAccesses(row, check.isPerDType ? dtype : nil) { context.run(check, dtype: dtype) }
            let elapsed = ContinuousClock.now - started
            result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            // A check over all dtypes reports one row, whichever dtype it ran in.
            if !check.isPerDType { result.dtype = nil }
            onEvent(.finished(result))
            report.results.append(result)
        }
        return report
    }
}
