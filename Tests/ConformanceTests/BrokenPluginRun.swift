import Conformance
import Foundation

/// One `kernel-check` run over the deliberately broken C plugin in `Plugins/Broken`,
/// compiled with the system C compiler for the run and deleted after it.
///
/// The run is shared by every test of `BrokenPluginTests`: compiling and checking
/// five ops in child processes takes seconds, and each test reads a different part
/// of the same report.
struct BrokenPluginRun: Sendable {
    /// Each broken op, in the order the run checks them, and the check meant to catch it.
    /// The segfault is in the middle, so ops after it show that the run went on.
    static let expectedFailures: KeyValuePairs<String, ConformanceCheck> = [
        "broken.wrong_grad": .gradient,
        "broken.out_of_bounds": .guardBytes,
        "broken.segfault": .crashIsolation,
        "broken.mutates_input": .inputsUnmodified,
        "broken.nondeterministic": .determinism,
        "broken.shared_scratch": .threadSafety,
        "broken.nan_at_zero": .specialValues,
        "broken.wrong_past_two": .specialValues,
        "broken.float32_wrong_grad": .gradient,
    ]

    static var ops: [String] { expectedFailures.map(\.key) }

    /// The ops with float32 kernels only, checked in float32.
    static let float32Only: Set = ["broken.float32_wrong_grad"]

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
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("broken-plugin-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let library = try Self.compile(into: directory)
        var statuses: [Int32] = [], errors = "", report = ConformanceReport()
        for (dtype, ops) in [("float64", Self.ops.filter { !Self.float32Only.contains($0) }), ("float32", Array(Self.float32Only))] {
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

    /// Compiles every C file of `Plugins/Broken` into `directory/libBroken.so`.
    private static func compile(into directory: URL) throws -> String {
        // This file is Tests/ConformanceTests/BrokenPluginRun.swift in the package.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let plugin = root.appendingPathComponent("Plugins/Broken")
        let sources = try FileManager.default.contentsOfDirectory(atPath: plugin.path)
            .filter { $0.hasSuffix(".c") }.sorted().map { plugin.appendingPathComponent($0).path }
        let output = directory.appendingPathComponent("libBroken.so").path
        let cc = try ToolRun.run("/usr/bin/env", [
            "cc", "-O2", "-shared", "-fPIC", "-o", output,
            "-I", root.appendingPathComponent("Sources/CAutogradPlugin/include").path,
        ] + sources)
        guard cc.status == 0 else {
            throw Failure(description: "cc could not compile \(plugin.path) (status \(cc.status)): \(cc.standardError)")
        }
        return output
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }
}
