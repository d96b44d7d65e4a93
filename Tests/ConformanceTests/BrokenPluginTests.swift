import Conformance
import Foundation
import Testing
import TestSupport

/// kernel-check over the deliberately broken C plugin in `Plugins/Broken`: each broken
/// kernel fails exactly the check meant to catch it, every other row passes or skips
/// for a stated reason, and a segfaulting kernel is reported without ending the run.
@Suite struct BrokenPluginTests {
    /// The shared run; a test fails (rather than crashes) when it could not be made.
    func run() throws -> BrokenPluginRun { try BrokenPluginRun.shared.get() }

    @Test(arguments: BrokenPlugin.ops)
    func brokenKernelFailsExactlyItsCheck(op: String) throws {
        let run = try run()
        let expected = try #require(BrokenPlugin.expectedFailures.first { $0.key == op }?.value)
        let rows = run.report.results.filter { $0.op == op }
        let failures = rows.filter { $0.status == .fail }
        #expect(failures.count == 1 && failures.first?.check == expected,
                "\(op) should fail \(expected) alone:\n\(ConformanceReport(results: rows).text())")
        // Exactly one row per check: a check that reported twice could hide a failure.
        #expect(Set(rows.map(\.check)).count == rows.count, "\(rows.map(\.check))")
    }

    /// The kernels that are right (forward or backward, depending on the op) pass, and the
    /// only rows skipped are those with nothing to check: one input has nothing to
    /// broadcast against, gradgradcheck needs a float64 kernel, and a 2-D input has no
    /// 0-d variant. So no check passed these ops by not running.
    @Test(arguments: BrokenPlugin.ops.filter { $0 != "broken.segfault" })
    func everyOtherCheckPasses(op: String) throws {
        let rows = try run().report.results.filter { $0.op == op }
        let skipped = rows.filter { $0.status == .skip }
        let expectedSkips: [ConformanceCheck] = BrokenPlugin.float32Only.contains(op) ? [.secondOrder, .broadcast]
            : BrokenPlugin.notElementwise.contains(op) ? [.zeroDim, .broadcast] : [.broadcast]
        #expect(skipped.map(\.check) == expectedSkips, "\(ConformanceReport(results: skipped).text())")
        let expected = try #require(BrokenPlugin.expectedFailures.first { $0.key == op }?.value)
        for check in [ConformanceCheck.declaration, .samples, .forward, .gradient, .forwardMode, .specialValues, .threadSafety,
                      .guardBytes, .crashIsolation] where check != expected {
            #expect(rows.first { $0.check == check }?.status == .pass, "\(op) \(check)")
        }
    }

    @Test func wrongGradientShowsBothJacobians() throws {
        let row = try #require(try run().report.result(op: "broken.wrong_grad", check: .gradient))
        #expect(row.message.contains("numerical") && row.message.contains("analytical"), "\(row.message)")
        let tolerance = try #require(row.tolerance)
        #expect(try #require(row.worstError) > tolerance)
    }

    /// Reported by the guard-bytes row, naming the buffer, the byte and the row it
    /// happened in; the first call of each kernel is the samples row's.
    @Test(arguments: [
        ("broken.out_of_bounds", "wrote past the output (byte 96, in a buffer of 96 bytes) during samples"),
        ("broken.reads_past_input", "read past input x (byte 96, in a buffer of 96 bytes) during samples"),
        ("broken.writes_far_past", "wrote past the output (byte 8096, in a buffer of 96 bytes) during samples"),
    ])
    func accessPastABufferIsNamed(op: String, expected: String) throws {
        let row = try #require(try run().report.result(op: op, check: .guardBytes, dtype: "float64"))
        #if arch(x86_64)
        #expect(row.message == expected, "\(row.message)")
        #else
        #expect(row.message.contains("past"), "\(row.message)")
        #endif
    }

    @Test func mutatedInputIsNamed() throws {
        let row = try #require(try run().report.result(op: "broken.mutates_input", check: .inputsUnmodified))
        #expect(row.message.contains("x[0, 0] changed"), "\(row.message)")
    }

    @Test func segfaultIsReportedWithItsSignalAndTheRunGoesOn() throws {
        let report = try run().report
        let isolation = try #require(report.result(op: "broken.segfault", check: .crashIsolation))
        #expect(isolation.status == .fail)
        // Under a sanitizer the child reports the fault ("AddressSanitizer: SEGV on unknown address")
        // and exits instead of dying by the signal.
        #expect(isolation.message.contains("SIGSEGV") || isolation.message.contains("Sanitizer: SEGV"), "\(isolation.message)")
        // The first call of the kernel is the samples row's, which tries the sample it finds.
        #expect(isolation.message.contains("during samples"), "names the check that crashed: \(isolation.message)")
        // The checks after the crash are reported as not run, not silently dropped.
        let segfaultRows = report.results.filter { $0.op == "broken.segfault" }
        #expect(segfaultRows.contains { $0.status == .skip && $0.message.hasPrefix("not run") })

        // The ops checked after the crash have every row, their child processes finishing normally.
        for op in BrokenPlugin.ops.drop(while: { $0 != "broken.segfault" }).dropFirst() {
            let rows = report.results.filter { $0.op == op }
            #expect(rows.count == segfaultRows.count, "\(op): \(rows.count) rows")
            #expect(report.result(op: op, check: .crashIsolation)?.status == .pass, "\(op)")
        }
        #expect(Set(report.results.map(\.op)) == Set(BrokenPlugin.ops))
    }

    @Test func failuresGiveAFailingExitStatus() throws {
        let run = try run()
        #expect(run.statuses.allSatisfy { $0 == 1 }, "\(run.standardError)")
        #expect(run.report.failures.count == BrokenPlugin.ops.count, "\(run.report.text())")
    }

    /// An elementwise plugin op's forward-mode rule is its backward kernels applied
    /// to tangents: the row says so, and leaves a wrong backward to the gradient row.
    @Test func forwardModeOfAPluginOpIsItsBackwards() throws {
        let report = try run().report
        let right = try #require(report.result(op: "broken.mutates_input", check: .forwardMode))
        #expect(right.status == .pass && right.message.contains("the rule derives from the backward"), "\(right.message)")
        let wrong = try #require(report.result(op: "broken.wrong_grad", check: .forwardMode))
        #expect(wrong.status == .pass && wrong.message.contains("see the gradient row"), "\(wrong.message)")
    }

    @Test func specialValueFailureNamesTheInput() throws {
        let report = try run().report
        let zero = try #require(report.result(op: "broken.nan_at_zero", check: .specialValues))
        #expect(zero.message.contains("x = 0:") && zero.message.contains("is nan"), "\(zero.message)")
        let past = try #require(report.result(op: "broken.wrong_past_two", check: .specialValues))
        #expect(past.message.contains("x = 2.5:"), "\(past.message)")
    }
}
