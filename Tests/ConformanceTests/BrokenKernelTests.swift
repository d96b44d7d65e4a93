import Autograd
import Conformance
import Foundation
import Testing
import TestSupport

/// Each deliberately broken kernel (the C plugin's and the Swift ones) fails exactly
/// the check meant to catch it, checked in this process through the library; those
/// that crash or hang, in a child process.
@Suite struct BrokenKernelTests {
    /// The built-ins, the compiled C plugin and the Swift broken ops, or why not.
    static let loaded: Result<OpRegistry, any Error> = Result { try BrokenOps.registry(plugin: BrokenPlugin.library.get()) }

    var registry: OpRegistry { get throws { try Self.loaded.get() } }

    /// The child's arguments for checking `op` in isolation.
    func hostArguments(_ op: String) throws -> [String] {
        ["--child-op", op, "--plugin", try BrokenPlugin.library.get()]
    }

    @Test(arguments: BrokenOps.expectedFailures.filter { $0.value != .crashIsolation }.keys.sorted())
    func brokenKernelFailsOnlyItsCheck(op: String) throws {
        let report = try KernelCheck(op: op, registry: registry, configuration: BrokenOps.configuration(for: op)).run()
        let failing = Set(report.failures.map(\.check))
        #expect(failing == [BrokenOps.expectedFailures[op]!], "\(report.text())")
    }

    @Test func wrongGradientShowsBothJacobians() throws {
        let op = "broken.wrong_grad"
        var configuration = BrokenOps.configuration(for: op)
        configuration.checks = [.gradient]
        let row = try #require(try KernelCheck(op: op, registry: registry, configuration: configuration).run().results.first)
        #expect(row.status == .fail)
        #expect(row.message.contains("numerical") && row.message.contains("analytical") && row.message.contains("x["))
        #expect(row.details.first?.contains("numerical | analytical") == true)
        #expect(row.worstError! > row.tolerance!)
    }

    @Test func wrongForwardModeRuleIsTheForwardRowsAlone() throws {
        let op = "broken.wrong_jvp"
        var configuration = BrokenOps.configuration(for: op)
        configuration.checks = [.gradient, .forwardMode]
        let report = try KernelCheck(op: op, registry: registry, configuration: configuration).run()
        let row = try #require(report.result(op: op, check: .forwardMode))
        #expect(row.status == .fail)
        #expect(row.message.contains("one-hot tangent") && row.message.contains("x["), "\(row.message)")
        #expect(report.result(op: op, check: .gradient)?.status == .pass, "\(report.text())")
    }

    @Test func float32OnlyGradientIsCheckedAgainstTheReferenceInFloat64() throws {
        let op = "broken.float32_wrong_grad"
        var configuration = BrokenOps.configuration(for: op)
        configuration.checks = [.gradient]
        let row = try #require(try KernelCheck(op: op, registry: registry, configuration: configuration).run().results.first)
        #expect(row.status == .fail)
        #expect(row.message.contains("central differences of the reference in float64"), "\(row.message)")
        #expect(row.message.contains("analytical"))
    }

    @Test func sharedScratchFailsOnlyWithDistinctInputs() throws {
        let op = "broken.shared_scratch"
        var configuration = BrokenOps.configuration(for: op)
        configuration.checks = [.threadSafety]
        configuration.dtypes = [.float64]
        let row = try #require(try KernelCheck(op: op, registry: registry, configuration: configuration).run().results.first)
        #expect(row.status == .fail)
        #expect(row.message.contains("of its own inputs"), "\(row.message)")
    }

    @Test(arguments: [("broken.nan_at_zero", "x = 0:"), ("broken.wrong_past_two", "x = 2.5:")])
    func specialValueNamesTheFirstInputThatDiffers(op: String, input: String) throws {
        var configuration = BrokenOps.configuration(for: op)
        configuration.checks = [.specialValues]
        configuration.dtypes = [.float64]
        let row = try #require(try KernelCheck(op: op, registry: registry, configuration: configuration).run().results.first)
        #expect(row.status == .fail)
        #expect(row.message.contains(input) && row.message.contains("the reference 2 * x"), "\(row.message)")
    }

    /// Each access past a buffer faults on the guard page after it, and the check
    /// names the buffer, the byte and the row, whichever row it happened in.
    @Test(arguments: [
        ("broken.out_of_bounds", "wrote past the output (byte 40, in a buffer of 40 bytes)"),
        ("broken.reads_past_input", "read past input x (byte 40, in a buffer of 40 bytes)"),
        ("broken.writes_far_past", "wrote past the output (byte 8040, in a buffer of 40 bytes)"),
    ])
    func accessPastABufferNamesItAndTheByte(op: String, expected: String) throws {
        var configuration = BrokenOps.configuration(for: op)
        configuration.checks = [.forward, .guardBytes]
        configuration.dtypes = [.float64]
        let report = try KernelCheck(op: op, registry: registry, configuration: configuration).run()
        #expect(report.result(op: op, check: .forward)?.status == .pass, "\(report.text())")
        let row = try #require(report.result(op: op, check: .guardBytes))
        #expect(row.status == .fail)
        // The first call is the one that finds the sample; each row's own follow, once per place.
        let lines = [row.message] + row.details
        #expect(row.message.hasSuffix(" during samples"), "\(row.message)")
        // Only x86-64 reports whether a fault was a read or a write.
        #if arch(x86_64)
        #expect(lines.contains(expected + " during forward (float64)"), "\(lines)")
        #else
        let place = expected.split(separator: " ").dropFirst(2).joined(separator: " ")
        #expect(lines.contains { $0.contains(place) && $0.hasSuffix("during forward (float64)") }, "\(lines)")
        #endif
        #expect(row.details.contains { $0.hasSuffix("during this row's forward and backward") }, "\(row.details)")
    }

    /// A clean kernel passes, with every row run over guarded buffers.
    @Test func guardPagesPassARightKernel() throws {
        let op = "broken.wrong_grad"
        var configuration = BrokenOps.configuration(for: op)
        configuration.checks = [.forward, .large, .guardBytes]
        let report = try KernelCheck(op: op, registry: registry, configuration: configuration).run()
        let rows = report.results.filter { $0.check == .guardBytes }
        #expect(rows.count == 2 && rows.allSatisfy { $0.status == .pass }, "\(report.text())")
    }

    @Test func segfaultingKernelIsReportedAndTheRunGoesOn() throws {
        let host = BuildProducts.path("broken-ops-host")
        let crashed = IsolatedCheck.run(op: "broken.segfault", executable: host,
                                        arguments: try hostArguments("broken.segfault"), timeout: 60)
        let isolation = try #require(crashed.first { $0.check == .crashIsolation })
        #expect(isolation.status == .fail)
        // Under a sanitizer the child reports the fault ("AddressSanitizer: SEGV on unknown address")
        // and exits instead of dying by the signal.
        #expect(isolation.message.contains("SIGSEGV") || isolation.message.contains("Sanitizer: SEGV"), "\(isolation.message)")
        #expect(isolation.message.contains("during"), "names the check that was running: \(isolation.message)")
        #expect(Set(crashed.filter { $0.status == .fail }.map(\.check)) == [.crashIsolation])
        #expect(crashed.contains { $0.status == .skip && $0.message.hasPrefix("not run") })

        let next = IsolatedCheck.run(op: "broken.wrong_grad", executable: host,
                                     arguments: try hostArguments("broken.wrong_grad"), timeout: 60)
        #expect(next.last?.check == .crashIsolation && next.last?.status == .pass,
                "\(next.last?.message ?? "no rows"): \(next.last?.details ?? [])")
        #expect(Set(next.filter { $0.status == .fail }.map(\.check)) == [.gradient])
    }

    @Test func hangingKernelTimesOut() throws {
        let started = Date()
        let rows = IsolatedCheck.run(op: "broken.hang", executable: BuildProducts.path("broken-ops-host"),
                                     arguments: try hostArguments("broken.hang"), timeout: 3)
        let isolation = try #require(rows.last)
        #expect(isolation.check == .crashIsolation && isolation.status == .fail)
        #expect(isolation.message.contains("timed out after 3 s"), "\(isolation.message)")
        #expect(Date().timeIntervalSince(started) < 30)
    }
}
