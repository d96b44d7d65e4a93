import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Runs the `distributed-checks` driver under `mpirun`, for the multi-rank tests.
///
/// CI installs Open MPI, so a missing `mpirun` fails these tests; a machine without
/// it opts out with `AUTOGRAD_SKIP_MPI_TESTS=1`.
enum MPILauncher {
    /// The variable that skips the multi-rank tests where Open MPI is not installed.
    static let optOutVariable = "AUTOGRAD_SKIP_MPI_TESTS"

    static var isOptedOut: Bool {
        let value = ProcessInfo.processInfo.environment[optOutVariable] ?? ""
        return !value.isEmpty && value != "0"
    }

    /// `mpirun` on the `PATH`, or nil.
    static var mpirun: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").lazy.map { "\($0)/mpirun" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The driver, built by `swift build` next to this test bundle.
    static var driver: String { BuildProducts.path("distributed-checks") }

    /// A finished (or timed-out) run.
    struct Run {
        var status: Int32
        var output: String
        var timedOut: Bool
        var seconds: Double
        /// Everything printed, for failure messages.
        var transcript: String { "exit status \(status)\(timedOut ? " (timed out, killed)" : ""):\n\(output)" }
    }

    /// Runs `mpirun -np ranks --oversubscribe driver arguments`, killing it after `timeout` seconds.
    ///
    /// The environment is this process's without any MPI launcher variables (a test
    /// run itself started under mpirun must not hand its rank to the child job), plus
    /// `extraEnvironment`, plus Open MPI's consent to run as root when we are root.
    static func run(mpirun: String, ranks: Int, arguments: [String], extraEnvironment: [String: String] = [:],
                    timeout: Double = 180) throws -> Run {
        var environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("OMPI_") && !$0.key.hasPrefix("PMIX_") && !$0.key.hasPrefix("PMI_")
        }
        if geteuid() == 0 {
            environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        }
        // Open MPI leaks at finalize, in components it has already unloaded, where
        // LeakSanitizer can name no frame to suppress: the ranks run without leak checks.
        if let options = environment["ASAN_OPTIONS"] {
            environment["ASAN_OPTIONS"] = options + ":detect_leaks=0"
        }
        environment.merge(extraEnvironment) { $1 }

        // Output goes to a file, so a chatty job cannot fill a pipe and stall while we wait.
        let log = TemporaryFiles.url("mpirun", "job.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = ["-np", "\(ranks)", "--oversubscribe", driver] + arguments
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        let started = Date()
        try process.run()
        var timedOut = false
        while process.isRunning {
            if Date().timeIntervalSince(started) > timeout {
                timedOut = true
                process.terminate()  // mpirun passes SIGTERM on to every rank
                break
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return Run(status: process.terminationStatus, output: output, timedOut: timedOut,
                   seconds: Date().timeIntervalSince(started))
    }
}
