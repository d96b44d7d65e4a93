@testable import Conformance
import Testing

/// A child that crashes under a sanitizer exits with a report instead of dying by a
/// signal; the crash-isolation row names the report.
@Suite struct SanitizerReportTests {
    @Test("the first line of an AddressSanitizer or ThreadSanitizer report is named")
    func namesTheReport() {
        let asan = """
            some kernel output
            AddressSanitizer:DEADLYSIGNAL
            ==4242==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 (pc 0x55 bp 0x7f sp 0x7f T0)
            ==4242==The signal is caused by a WRITE memory access.
            SUMMARY: AddressSanitizer: SEGV (/tmp/libbroken.so+0x1139) in broken_segfault
            """
        #expect(IsolatedCheck.sanitizerReport(in: asan) == "AddressSanitizer: SEGV on unknown address 0x000000000000 (pc 0x55 bp 0x7f sp 0x7f T0)")
        let tsan = "WARNING: ThreadSanitizer: data race (pid=77)\n  Write of size 8 at 0x7b04 by thread T1:"
        #expect(IsolatedCheck.sanitizerReport(in: tsan) == "ThreadSanitizer: data race (pid=77)")
        #expect(IsolatedCheck.sanitizerReport(in: "Segmentation fault\nexit 139") == nil)
    }
}
