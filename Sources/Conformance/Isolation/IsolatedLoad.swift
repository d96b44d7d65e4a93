import Foundation

/// Loading a plugin in a child process before this one: a manifest function that
/// crashes or loops, or a library constructor that aborts or calls `exit`, then
/// fails that file instead of ending (or silently "passing") the whole run.
public enum IsolatedLoad {
    /// What the child prints once loading returned, with or without an error: a
    /// child that ends without it never finished loading.
    static let finishedLine = "kernel-check: the plugin load returned"

    /// Loads a plugin in a child process: `executable` run with `arguments` must
    /// call `runChild` with the load.
    ///
    /// - Returns: nil when the load returned in the child (an error it threw is
    ///   then reported by loading in this process, which gives the same error);
    ///   otherwise a failing declaration row for the file, naming how the child ended.
    public static func run(path: String, executable: String, arguments: [String], timeout: Double) -> CheckResult? {
        var finished = false
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess(executable: executable, arguments: arguments).run(timeout: timeout) { line in
                if line == finishedLine { finished = true }
            }
        } catch {
            return failure(path, "could not start the child process that loads it first: \(error)", details: [])
        }
        let cause: String
        switch outcome.termination {
        case .exited(0) where finished:
            return nil
        case .exited(0):
            cause = "exited with status 0 before the load returned (a library constructor or manifest function that calls exit?)"
        case .exited(let status):
            cause = IsolatedCheck.sanitizerReport(in: outcome.standardError).map { "was stopped by \($0) (exit status \(status))" }
                ?? "exited with status \(status) while loading"
        case .signaled(let signal):
            cause = "was killed by \(ChildProcess.describe(signal: signal)) while loading"
        case .timedOut:
            cause = String(format: "did not finish loading in %g s", timeout)
        }
        return failure(path, "loaded first in a child process, which \(cause); the plugin is not loaded, and none of its ops is checked",
                       details: IsolatedCheck.tail(outcome.standardError))
    }

    /// The child's side: runs `load`, reports an error it throws on standard error,
    /// and prints the line that says the load returned.
    ///
    /// - Returns: the exit status, 0.
    public static func runChild(_ load: () throws -> Void) -> Int32 {
        do {
            try load()
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
        }
        FileHandle.standardOutput.write(Data((finishedLine + "\n").utf8))
        return 0
    }

    private static func failure(_ path: String, _ message: String, details: [String]) -> CheckResult {
        CheckResult(op: path, check: .declaration, dtype: nil, status: .fail, message: message, details: details)
    }
}
