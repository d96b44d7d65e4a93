import Conformance
import Foundation
import Testing
import TestSupport

/// The kernel-check executable: exit status, summary line, reports a real consumer reads.
@Suite(.serialized) struct KernelCheckToolTests {
    let tool = BuildProducts.path("kernel-check")

    @Test func textReportEndsWithTheSummary() throws {
        let run = try ToolRun.run(tool, ["--op", "neg", "--dtype", "float64"])
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        let last = try #require(run.standardOutput.split(separator: "\n").last)
        #expect(last.wholeMatch(of: /\d+ passed, 0 failed, \d+ skipped/) != nil, "\(last)")
        #expect(run.standardOutput.contains("PASS  neg  crash-isolation"))
        #expect(run.standardError.isEmpty, "no progress indicator off a terminal")
    }

    @Test func jsonReportParses() throws {
        let file = TemporaryFiles.url("kernel-check", "report.json")
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try ToolRun.run(tool, ["--op", "sigmoid", "--op", "sum", "--format", "json", "--output", file.path])
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        let data = try Data(contentsOf: file)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: Int])
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(summary["failed"] == 0 && summary["passed"]! + summary["skipped"]! == results.count)
        let report = try ConformanceReport(json: data)
        #expect(report.results.count == results.count)
        #expect(Set(report.results.map(\.op)) == ["sigmoid", "sum"])
    }

    @Test func junitReportOpensInPython() throws {
        let file = TemporaryFiles.url("kernel-check", "report.xml")
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try ToolRun.run(tool, ["--op", "exp", "--op", "matmul", "--format", "junit", "--output", file.path])
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        let script = """
            import sys, xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            assert root.tag == "testsuites", root.tag
            suites = root.findall("testsuite")
            cases = root.iter("testcase")
            total = sum(1 for _ in cases)
            assert total == int(root.get("tests")), (total, root.get("tests"))
            skipped = sum(1 for _ in root.iter("skipped"))
            assert skipped == int(root.get("skipped"))
            print(len(suites), total, skipped, sum(1 for _ in root.iter("failure")))
            """
        let python = try ToolRun.run("/usr/bin/env", ["python3", "-c", script, file.path])
        #expect(python.status == 0, "\(python.standardError)")
        let numbers = python.standardOutput.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        #expect(numbers.count == 4 && numbers[0] == 2 && numbers[3] == 0, "\(python.standardOutput)")
    }

    @Test func failingCheckGivesFailureStatusAndJUnitFailure() throws {
        let report = ConformanceReport(results: [
            CheckResult(op: "x", check: .gradient, dtype: nil, status: .fail, worstError: 1, tolerance: 1e-3,
                        message: "d out[0] / d x[0]: numerical 2 <> analytical 1 & more", details: ["row"]),
        ])
        #expect(report.summary == "0 passed, 1 failed, 0 skipped")
        #expect(report.junitXML().contains("<failure message=\"d out[0] / d x[0]: numerical 2 &lt;&gt; analytical 1 &amp; more\""))
    }

    /// Format-2 cases beside format-1 ones: compared for the ops they cover, every output.
    @Test func casesOfBothFormatsAreCompared() throws {
        let cases = ["autograd_cases.json", "ops2_cases.json"].flatMap { ["--cases", ReferenceFixtures.url($0).path] }
        let run = try ToolRun.run(tool, ["--op", "where", "--op", "sum", "--dtype", "float64", "--format", "json", "--jobs", "2"]
                                  + cases)
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        let report = try ConformanceReport(json: Data(run.standardOutput.utf8))
        for op in ["where", "sum"] {
            let forward = try #require(report.result(op: op, check: .forward, dtype: "float64"))
            #expect(forward.message.contains("case(s)"), "\(op): \(forward.message)")
        }
        // Two children at once, the rows still in the order the ops were asked for.
        #expect(report.results.first?.op == "where" && report.results.last?.op == "sum")
    }

    @Test func aMissingPluginFailsItsDeclarationRow() throws {
        let run = try ToolRun.run(tool, ["/nonexistent/libNothing.so", "--no-isolate"])
        #expect(run.status != 0)
        #expect(run.standardOutput.contains("declaration"), "\(run.standardOutput)")
        #expect(run.standardOutput.contains("/nonexistent/libNothing.so"), "\(run.standardOutput)")
    }

    @Test func unknownOpIsRejected() throws {
        let run = try ToolRun.run(tool, ["--op", "no_such_op"])
        #expect(run.status != 0)
        #expect(run.standardError.contains("no_such_op"))
    }

    @Test func anOpOfAPluginThatFailedToLoadShowsTheLoadError() throws {
        let run = try ToolRun.run(tool, ["/nonexistent/libNothing.so", "--op", "nothing.op", "--no-isolate"])
        #expect(run.status != 0)
        #expect(run.standardOutput.contains("/nonexistent/libNothing.so"), "the plugin's own error: \(run.standardOutput)")
        #expect(run.standardOutput.contains("nothing.op") && run.standardOutput.contains("failed to load"), "\(run.standardOutput)")
        #expect(!run.standardError.contains("no such op"), "\(run.standardError)")
    }

    @Test func anOpInTwoFilesIsCheckedOnce() throws {
        let plugin = BuildProducts.path("libAutogradActivations.so")
        let run = try ToolRun.run(tool, [plugin, plugin, "--dtype", "float64", "--no-isolate", "--format", "json"])
        #expect(run.status == 0, "\(run.standardError)")
        let report = try ConformanceReport(json: Data(run.standardOutput.utf8))
        let rows = report.results.map { "\($0.op)/\($0.check.rawValue)/\($0.dtype ?? "")" }
        #expect(!rows.isEmpty && Set(rows).count == rows.count, "a row appears twice")
    }

    /// A plugin whose library constructor or manifest function runs `body`.
    static func hostilePlugin(_ name: String, constructor: String = "", manifest: String = "") throws -> String {
        try CCompiler.plugin(source: """
            #include <stdlib.h>
            #include "autograd_plugin.h"
            __attribute__((constructor)) static void start(void) { \(constructor) }
            AUTOGRAD_PLUGIN_EXPORT const char *autograd_plugin_manifest(void) {
                \(manifest)
                return "{\\"abi\\": 1, \\"ops\\": []}";
            }
            """, name: name)
    }

    /// A constructor that calls exit(0) read as success; a manifest function that
    /// crashes or loops ended or hung the run. Each now fails its file, and the run goes on.
    @Test func aPluginThatExitsCrashesOrHangsWhileLoadingFailsItsFileOnly() throws {
        let exits = try Self.hostilePlugin("exits", constructor: "exit(0);")
        let crashes = try Self.hostilePlugin("crashes", manifest: "*(volatile int *)0 = 1;")
        let hangs = try Self.hostilePlugin("hangs", manifest: "for (volatile int i = 0; ; i++) {}")
        let libm = PackagePaths.url("Plugins/Bindings/libm.json").path
        let run = try ToolRun.run(tool, [exits, crashes, hangs, libm, "--op", "libm.erf", "--dtype", "float64", "--load-timeout", "5"])
        #expect(run.status != 0, "\(run.standardOutput)")
        let lines = run.standardOutput.split(separator: "\n").map(String.init)
        for (path, cause) in [(exits, "before the load returned"), (crashes, "SIGSEGV"), (hangs, "did not finish loading in 5 s")] {
            let row = try #require(lines.first { $0.contains(path) }, "no row for \(path): \(run.standardOutput)")
            #expect(row.hasPrefix("FAIL") && row.contains("declaration") && row.contains("loaded first in a child process"), "\(row)")
            // Under a sanitizer a crash, or a leak report at exit, is the sanitizer's exit status.
            #expect(row.contains(cause) || row.contains("Sanitizer"), "\(row)")
        }
        #expect(lines.contains { $0.hasPrefix("PASS") && $0.contains("libm.erf") && $0.contains("crash-isolation") },
                "the run went on: \(run.standardOutput)")
    }
}
