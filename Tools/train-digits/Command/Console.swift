import Foundation

/// Standard output, written unbuffered so progress-bar redraws and lines interleave correctly.
struct Console {
    /// Whether nothing is written: on the ranks of a data-parallel run other than rank 0.
    var isSilent = false
    /// Whether standard output is a terminal, where a progress bar can redraw in place.
    ///
    /// Under `mpirun` it may be a pseudo-terminal that Open MPI forwards to a file
    /// as readily as to a screen, so a data-parallel run passes false.
    var isTerminal = isatty(STDOUT_FILENO) != 0

    /// Replaces the current terminal line with `text`.
    func overwrite(_ text: String) {
        write("\r\u{1B}[2K" + text)
    }

    /// Writes `text` as a line of its own (clearing a progress bar first on a terminal).
    func line(_ text: String) {
        write((isTerminal ? "\r\u{1B}[2K" : "") + text + "\n")
    }

    private func write(_ text: String) {
        guard !isSilent else { return }
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// A one-line progress bar for an epoch: `epoch 3/30 [██████······]  23/45  loss 0.2345`.
struct ProgressBar {
    let epoch: Int
    let epochs: Int
    let steps: Int
    var width = 30

    func render(step: Int, loss: Double) -> String {
        let filled = steps == 0 ? width : width * step / steps
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let stepWidth = String(steps).count
        let stepText = String(repeating: " ", count: max(0, stepWidth - String(step).count)) + String(step)
        return "epoch \(epoch)/\(epochs) [\(bar)] \(stepText)/\(steps)  loss " + String(format: "%.4f", loss)
    }
}

/// Renders DOT files with Graphviz's `dot`, when it is installed.
enum GraphvizRenderer {
    /// Writes `<name>.svg` next to `dotFile` and returns its URL, or nil when `dot` is
    /// not on the PATH or fails.
    static func render(_ dotFile: URL) -> URL? {
        guard let dot = executable(named: "dot") else { return nil }
        let output = dotFile.deletingPathExtension().appendingPathExtension("svg")
        let process = Process()
        process.executableURL = dot
        process.arguments = ["-Tsvg", dotFile.path, "-o", output.path]
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            return nil
        }
        return process.terminationStatus == 0 ? output : nil
    }

    private static func executable(named name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
