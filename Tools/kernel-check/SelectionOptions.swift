import ArgumentParser
import Autograd
import Conformance
import Foundation

/// Which ops and dtypes to check, and how.
struct SelectionOptions: ParsableArguments {
    @Option(name: .customLong("op"), help: "Check only this op (repeatable).")
    var ops: [String] = []

    @Option(help: "Run the per-dtype checks in this dtype only (float32 or float64).")
    var dtype: DTypeArgument?

    @Option(help: "Seed of the sample values, upstream gradients and directions.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp(
        "Cases to compare outputs and gradients with, in either reference cases format (repeatable).",
        discussion: "An op's first case also gives it a sample when no other source does."))
    var cases: [String] = []

    @Flag(help: "Check in this process: faster, but a crashing kernel ends the run.")
    var noIsolate = false

    @Option(help: "Seconds each op's checks may take in their child process.")
    var timeout: Double = 300

    @Option(help: "Seconds each plugin may take to load in the child process that loads it first.")
    var loadTimeout: Double = 30

    @Option(help: "Child processes checking ops at once (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        for file in cases where !FileManager.default.fileExists(atPath: file) {
            throw ValidationError("--cases: no file at \(file)")
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive, got \(timeout)") }
        guard jobs > 0 else { throw ValidationError("--jobs must be positive, got \(jobs)") }
    }

    /// The library configuration these options describe.
    func configuration() throws -> KernelCheck.Configuration {
        var configuration = KernelCheck.Configuration()
        configuration.seed = seed
        if let dtype { configuration.dtypes = [dtype.dtype] }
        if !cases.isEmpty {
            var all = ReferenceCases()
            for file in cases { all.append(try ReferenceCases(contentsOf: URL(fileURLWithPath: file))) }
            configuration.cases = all
        }
        return configuration
    }

    /// The ops to check (those asked for with --op, else every available one), and
    /// those asked for that are not registered.
    func ops(available: [String], registry: OpRegistry) -> (ops: [String], missing: [String]) {
        guard !ops.isEmpty else { return (available, []) }
        var seen = Set<String>()
        let asked = ops.filter { seen.insert($0).inserted }
        return (asked.filter(registry.contains), asked.filter { !registry.contains($0) })
    }

    /// The options a child process needs to run the same checks.
    var childArguments: [String] {
        var arguments = ["--seed", String(seed)]
        if let dtype { arguments += ["--dtype", dtype.rawValue] }
        for file in cases { arguments += ["--cases", file] }
        return arguments
    }
}

/// `float32` or `float64` on the command line.
enum DTypeArgument: String, ExpressibleByArgument, CaseIterable {
    case float32, float64

    var dtype: DType { DType(rawValue: rawValue)! }
}
