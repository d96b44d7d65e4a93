import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// Starting MPI once per process, ending it at exit, and turning its error codes into errors.
enum MPIRuntime {
    /// Initialises MPI with `MPI_THREAD_MULTIPLE` and returns this process's place in the world.
    ///
    /// Called once, through `ProcessGroup.world`'s cached start-up. The thread level
    /// is `MULTIPLE` because a process group is `Sendable`: collectives may be started
    /// from any thread (the backward pass's, a task's), and handles waited on from another.
    static func start() throws -> (rank: Int, worldSize: Int) {
        let operation = "ProcessGroup.world"
        var provided: Int32 = 0
        try check(MPI_Init_thread(nil, nil, cmpi_thread_multiple(), &provided), operation: operation,
                  call: "MPI_Init_thread", context: "starting MPI")
        registerExitHandler()
        guard provided >= cmpi_thread_multiple() else {
            throw DistributedError(.initialization, operation: operation, """
                this MPI library provides thread level \(provided); swift-autograd needs \
                MPI_THREAD_MULTIPLE (\(cmpi_thread_multiple())). Open MPI and MPICH provide it \
                unless built without thread support
                """)
        }
        // Errors come back as return codes to throw, rather than aborting every rank.
        try check(MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return()), operation: operation,
                  call: "MPI_Comm_set_errhandler", context: "asking MPI to return error codes")
        var rank: Int32 = 0, size: Int32 = 0
        try check(MPI_Comm_rank(cmpi_comm_world(), &rank), operation: operation, call: "MPI_Comm_rank", context: "")
        try check(MPI_Comm_size(cmpi_comm_world(), &size), operation: operation, call: "MPI_Comm_size", context: "")
        return (Int(rank), Int(size))
    }

    /// Ends MPI when the process exits: `MPI_Finalize` on a clean exit, `MPI_Abort` otherwise.
    ///
    /// `MPI_Finalize` waits for every rank, so finalising after a failure would hang
    /// the failing rank while the others wait in a collective for it. Aborting with the
    /// exit status instead ends the whole job, and `mpirun` exits with that status.
    /// A crash (a trap, a signal) runs no exit handler; `mpirun` ends the job then too.
    private static func registerExitHandler() {
        on_exit({ status, _ in
            var finalized: Int32 = 0
            MPI_Finalized(&finalized)
            guard finalized == 0 else { return }
            if status == 0 {
                MPI_Finalize()
            } else {
                MPI_Abort(cmpi_comm_world(), status)
            }
        }, nil)
    }

    /// Whether MPI has been initialised (and not finalised) in this process.
    static var isRunning: Bool {
        var initialized: Int32 = 0, finalized: Int32 = 0
        MPI_Initialized(&initialized)
        MPI_Finalized(&finalized)
        return initialized != 0 && finalized == 0
    }

    /// Throws a `.mpi` error naming the operation, the MPI call and the context when `code` is not `MPI_SUCCESS`.
    static func check(_ code: Int32, operation: String, call: String, context: @autoclosure () -> String) throws {
        guard code != cmpi_success() else { return }
        let what = context()
        throw DistributedError(.mpi, operation: operation, """
            \(call) failed\(what.isEmpty ? "" : " \(what)"): \(errorString(code)) (MPI error \(code))
            """, mpiErrorCode: code)
    }

    /// MPI's own text for an error code.
    ///
    /// Open MPI aborts the process when asked before `MPI_Init` (a failed
    /// `MPI_Init_thread`, say), so then the code alone has to do.
    static func errorString(_ code: Int32) -> String {
        guard isRunning else { return "MPI is not running, so it cannot name the error" }
        var text = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        guard MPI_Error_string(code, &text, &length) == cmpi_success() else { return "unknown MPI error" }
        return String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
