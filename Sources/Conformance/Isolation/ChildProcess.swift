#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A child process run to completion, a signal or a deadline, with its standard
/// output read line by line as it arrives and its standard error kept.
struct ChildProcess {
    enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
        case timedOut
    }

    struct Outcome {
        var termination: Termination
        var standardError: String
        var elapsedSeconds: Double
    }

    let executable: String
    let arguments: [String]

    /// Spawns the child and waits for it; after `timeout` seconds it is killed.
    ///
    /// - Parameters:
    ///   - timeout: seconds before the child is killed.
    ///   - onLine: called with each line of the child's standard output.
    func run(timeout: Double, onLine: (String) -> Void) throws -> Outcome {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw POSIXFailure(call: "pipe", code: errno) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + environment).forEach { free($0) } }
        var pid: pid_t = 0
        let started = Date()
        let status = posix_spawn(&pid, executable, &actions, nil, argv, environment)
        close(outPipe[1])
        close(errPipe[1])
        defer {
            close(outPipe[0])
            close(errPipe[0])
        }
        guard status == 0 else { throw POSIXFailure(call: "posix_spawn \(executable)", code: status) }

        var pending = Data(), errors = Data()
        var open: Set<Int32> = [outPipe[0], errPipe[0]]
        var timedOut = false
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !open.isEmpty {
            let remaining = timeout - Date().timeIntervalSince(started)
            if remaining <= 0 {
                timedOut = true
                kill(pid, SIGKILL)
                break
            }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(Swift.min(remaining, 1) * 1000))
            if ready < 0 && errno != EINTR { throw POSIXFailure(call: "poll", code: errno) }
            for entry in fds where entry.revents != 0 {
                let count = read(entry.fd, &buffer, buffer.count)
                if count <= 0 {
                    open.remove(entry.fd)
                } else if entry.fd == outPipe[0] {
                    pending.append(contentsOf: buffer[0..<count])
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        onLine(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                        pending.removeSubrange(pending.startIndex...newline)
                    }
                } else {
                    errors.append(contentsOf: buffer[0..<count])
                }
            }
        }
        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, 0) < 0 && errno == EINTR {}
        let elapsed = Date().timeIntervalSince(started)
        let termination: Termination
        if timedOut {
            termination = .timedOut
        } else if waitStatus & 0x7f == 0 {
            termination = .exited((waitStatus >> 8) & 0xff)
        } else {
            termination = .signaled(waitStatus & 0x7f)
        }
        return Outcome(termination: termination, standardError: String(decoding: errors, as: UTF8.self), elapsedSeconds: elapsed)
    }

    /// `SIGSEGV (Segmentation fault)` for 11.
    static func describe(signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGILL: "SIGILL",
            SIGKILL: "SIGKILL", SIGTRAP: "SIGTRAP", SIGTERM: "SIGTERM", SIGPIPE: "SIGPIPE",
        ]
        let text = strsignal(signal).map { String(cString: $0) } ?? "signal \(signal)"
        return "\(names[signal] ?? "signal \(signal)") (\(text))"
    }
}

/// A failed system call.
struct POSIXFailure: Error, CustomStringConvertible {
    let call: String
    let code: Int32
    var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
}
