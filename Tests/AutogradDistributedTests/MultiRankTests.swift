import Foundation
import Testing
import TestSupport

/// The collectives, the sampler and the rank-0 helpers on real MPI worlds of 2 and 3
/// processes, through the `distributed-checks` driver under `mpirun --oversubscribe`.
///
/// Serialized: each run already keeps both cores busy.
@Suite(.serialized, .enabled(if: !MPILauncher.isOptedOut, "AUTOGRAD_SKIP_MPI_TESTS is set"))
struct MultiRankTests {
    func requireMPIRun() throws -> String {
        try #require(MPILauncher.mpirun, """
            mpirun is not on the PATH, so the multi-rank tests cannot run. Install Open MPI \
            (Debian: apt-get install openmpi-bin libopenmpi-dev), or set \(MPILauncher.optOutVariable)=1 to skip them
            """)
    }

    /// Every check passes on 2 ranks, and on 3 with the cross-rank consistency checks turned on.
    @Test(arguments: [(2, false), (3, true)])
    func everyCheckPasses(ranks: Int, debug: Bool) throws {
        let mpirun = try requireMPIRun()
        #expect(FileManager.default.isExecutableFile(atPath: MPILauncher.driver),
                "the driver \(MPILauncher.driver) is built by `swift build`")
        let scratch = TemporaryFiles.url("distributed")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try MPILauncher.run(mpirun: mpirun, ranks: ranks, arguments: ["--scratch", scratch.path],
                                      extraEnvironment: debug ? ["AUTOGRAD_DISTRIBUTED_DEBUG": "1"] : [:])
        #expect(run.status == 0 && !run.timedOut, "\(run.transcript)")
        #expect(run.output.contains("distributed-checks: "), "\(run.transcript)")
        #expect(run.output.contains(" checks passed, 0 skipped on \(ranks) ranks"), "\(run.transcript)")
        #expect(!run.output.contains("FAIL"), "\(run.transcript)")
        let logLines = run.output.split(separator: "\n").filter { $0.hasPrefix("log line from rank") }
        #expect(logLines == ["log line from rank 0"], "log prints on rank 0 only: \(run.transcript)")
    }

    /// A rank that exits with an error ends the job promptly with its status, rather than
    /// leaving the others waiting in a collective.
    @Test func aFailingRankEndsTheJob() throws {
        let mpirun = try requireMPIRun()
        let run = try MPILauncher.run(mpirun: mpirun, ranks: 2, arguments: ["--exit-early", "3"], timeout: 60)
        #expect(!run.timedOut, "the job hung: \(run.transcript)")
        #expect(run.status == 3, "\(run.transcript)")
    }
}
