import Conformance
import Foundation
import TestSupport

/// One `kernel-check` run over the deliberately broken C plugin in `Plugins/Broken`
/// (`BrokenPlugin`), compiled with the system C compiler at test time.
///
/// The run is shared by every test of `BrokenPluginTests`: checking nine ops in
/// child processes takes seconds, and each test reads a different part of the same report.
struct BrokenPluginRun: Sendable {
    /// One dtype per run: one row per check, so "exactly one failed row" means what it
    /// says, and half the time of both dtypes. Every fault shows in float64, except
    /// that of an op with float32 kernels only.
    static func arguments(dtype: String, ops: [String]) -> [String] {
        ops.flatMap { ["--op", $0] } + ["--dtype", dtype, "--format", "json"]
    }

    /// The runs' exit statuses and standard error.
    let statuses: [Int32]
    let standardError: String
    let report: ConformanceReport

    /// The run, or why it could not be made; computed once.
    static let shared: Result<BrokenPluginRun, any Error> = Result { try BrokenPluginRun() }

    private init() throws {
        let library = try BrokenPlugin.library.get()
        var statuses: [Int32] = [], errors = "", report = ConformanceReport()
        let float64 = BrokenPlugin.ops.filter { !BrokenPlugin.float32Only.contains($0) }
        for (dtype, ops) in [("float64", float64), ("float32", Array(BrokenPlugin.float32Only))] {
            let tool = try ToolRun.run(BuildProducts.path("kernel-check"), [library] + Self.arguments(dtype: dtype, ops: ops))
            guard let json = tool.standardOutput.data(using: .utf8), !json.isEmpty else {
                throw Failure(description: "kernel-check wrote no report (status \(tool.status)): \(tool.standardError)")
            }
            report.append(try ConformanceReport(json: json))
            statuses.append(tool.status)
            errors += tool.standardError
        }
        self.statuses = statuses
        self.standardError = errors
        self.report = report
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }
}
