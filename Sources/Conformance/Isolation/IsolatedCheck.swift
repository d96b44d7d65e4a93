import Autograd
import Foundation

/// Runs an op's checks in a child process, so a kernel that crashes or hangs
/// fails a row instead of ending the run.
///
/// The child is any executable that, given the arguments, runs
/// `IsolatedCheck.runChild(_:)` for the op: the `kernel-check` tool re-executes
/// itself with a hidden `--child-op NAME`. The child streams one JSON message per
/// line on standard output: its plan, each check as it starts, each result.
public enum IsolatedCheck {
    /// A line of the child protocol.
    enum Message: Codable {
        case plan([Planned])
        case started(Planned)
        case result(CheckResult)
    }

    struct Planned: Codable, Equatable {
        var check: ConformanceCheck
        var dtype: String?
    }

    /// Runs `executable arguments` as the child checking `op`, and returns its rows
    /// followed by a crash-isolation row: pass when the child finished normally,
    /// fail naming the signal, the timeout or the exit status, and the check that was
    /// running. Checks the child planned but never finished are skipped rows.
    ///
    /// - Parameters:
    ///   - op: the registry name of the op the child checks.
    ///   - executable: the program to run as the child (the `kernel-check` tool itself).
    ///   - arguments: its arguments, which make it run `runChild(_:)` for `op`.
    ///   - timeout: seconds the whole child may take.
    ///   - onEvent: told of each check the child starts and finishes.
    public static func run(op: String, executable: String, arguments: [String], timeout: Double,
                           onEvent: (KernelCheck.Event) -> Void = { _ in }) -> [CheckResult] {
        var plan: [Planned] = []
        var running: Planned?
        var results: [CheckResult] = []
        let decoder = ConformanceReport.decoder
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess(executable: executable, arguments: arguments).run(timeout: timeout) { line in
                // A kernel may print to standard output too; only protocol lines count.
                guard let message = try? decoder.decode(Message.self, from: Data(line.utf8)) else { return }
                switch message {
                case .plan(let planned):
                    plan = planned
                case .started(let planned):
                    running = planned
                    onEvent(.started(planned.check, planned.dtype.flatMap(DType.init(rawValue:))))
                case .result(let result):
                    running = nil
                    results.append(result)
                    onEvent(.finished(result))
                }
            }
        } catch {
            return [CheckResult(op: op, check: .crashIsolation, dtype: nil, status: .fail,
                                message: "could not start the child process: \(error)")]
        }
        let during = running.map { " during \($0.check)" + ($0.dtype.map { " (\($0))" } ?? "") } ?? ""
        let row: CheckResult
        switch outcome.termination {
        case .exited(0):
            row = CheckResult(op: op, check: .crashIsolation, dtype: nil, status: .pass,
                              message: String(format: "checked in a child process in %.1f s", outcome.elapsedSeconds))
        case .exited(let status):
            // Under a sanitizer a crash is a report and an exit status; name the report.
            let cause = sanitizerReport(in: outcome.standardError).map { "stopped by \($0) (exit status \(status))" }
                ?? "exited with status \(status)"
            row = CheckResult(op: op, check: .crashIsolation, dtype: nil, status: .fail,
                              message: "the child process \(cause)\(during)", details: tail(outcome.standardError))
        case .signaled(let signal):
            row = CheckResult(op: op, check: .crashIsolation, dtype: nil, status: .fail,
                              message: "the child process was killed by \(ChildProcess.describe(signal: signal))\(during)",
                              details: tail(outcome.standardError))
        case .timedOut:
            row = CheckResult(op: op, check: .crashIsolation, dtype: nil, status: .fail,
                              message: String(format: "timed out after %g s", timeout) + during, details: tail(outcome.standardError))
        }
        let finished = Set(results.map { "\($0.check.rawValue)/\($0.dtype ?? "")" })
        let notRun = plan.filter { !finished.contains("\($0.check.rawValue)/\($0.dtype ?? "")") }.map {
            CheckResult(op: op, check: $0.check, dtype: $0.dtype.flatMap(DType.init(rawValue:)), status: .skip,
                        message: "not run: \(row.message)")
        }
        onEvent(.finished(row))
        return results + notRun + [row]
    }

    /// The child's side: runs `check` and writes the protocol to standard output,
    /// unbuffered, so whatever was written before a crash reaches the parent.
    ///
    /// - Returns: the exit status: 0 once every check has run.
    public static func runChild(_ check: KernelCheck) -> Int32 {
        let encoder = ConformanceReport.encoder
        func send(_ message: Message) {
            guard let line = try? encoder.encode(message) else { return }
            FileHandle.standardOutput.write(line + Data("\n".utf8))
        }
        send(.plan(check.plan().map { Planned(check: $0.check, dtype: $0.dtype?.rawValue) }))
        do {
            _ = try check.run { event in
                switch event {
                case .started(let c, let dtype): send(.started(Planned(check: c, dtype: dtype?.rawValue)))
                case .finished(let result): send(.result(result))
                }
            }
        } catch {
            send(.result(CheckResult(op: check.opName, check: .declaration, dtype: nil, status: .fail, message: "\(error)")))
        }
        return 0
    }

    /// The first line of an AddressSanitizer, ThreadSanitizer or UndefinedBehaviorSanitizer
    /// report in a child's standard error, such as `AddressSanitizer: SEGV on unknown address 0x000000000000`.
    static func sanitizerReport(in standardError: String) -> String? {
        for line in standardError.split(separator: "\n") {
            guard let start = line.range(of: "Sanitizer: ")?.lowerBound,
                  line.contains("ERROR:") || line.contains("WARNING:") || line.hasPrefix("SUMMARY:") else { continue }
            let name = line[..<start].split(whereSeparator: { !$0.isLetter }).last.map(String.init) ?? ""
            let report = line[start...].dropFirst("Sanitizer: ".count).prefix(200)
            return "\(name)Sanitizer: \(report)"
        }
        return nil
    }

    static func tail(_ text: String) -> [String] {
        text.split(separator: "\n").suffix(6).map(String.init)
    }
}
