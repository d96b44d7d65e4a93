@testable import AutogradDistributed
import Testing

/// How an MPI error code becomes an error, checked without MPI (which is what names the code).
struct MPIErrorTests {
    @Test func anErrorCodeNamesTheOperationTheCallAndTheContext() throws {
        let error = #expect(throws: DistributedError.self) {
            try MPIRuntime.check(15, operation: "allReduce", call: "MPI_Allreduce",
                                 context: "on a float32 tensor of shape [3]")
        }
        #expect(error?.kind == .mpi && error?.mpiErrorCode == 15)
        #expect(error?.description == """
            allReduce: MPI_Allreduce failed on a float32 tensor of shape [3]: MPI is not running, so it cannot \
            name the error (MPI error 15)
            """)
    }

    @Test func successIsNotAnError() throws {
        try MPIRuntime.check(0, operation: "barrier", call: "MPI_Barrier", context: "")
    }
}
