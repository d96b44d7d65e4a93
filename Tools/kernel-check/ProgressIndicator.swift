#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line on standard error, rewritten as checks run; only when standard error
/// is a terminal, so logs and pipes stay clean.
struct ProgressIndicator {
    let total: Int
    let isEnabled = isatty(STDERR_FILENO) == 1

    func show(op: String, index: Int, detail: String) {
        guard isEnabled else { return }
        emit("\r\u{1B}[K[\(index + 1)/\(total)] \(op): \(detail)")
    }

    func finish() {
        guard isEnabled else { return }
        emit("\r\u{1B}[K")
    }

    private func emit(_ text: String) {
        var bytes = Array(text.utf8)
        _ = write(STDERR_FILENO, &bytes, bytes.count)
    }
}
