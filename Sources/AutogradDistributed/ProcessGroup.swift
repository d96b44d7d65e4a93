import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// The processes of one training job and the collectives they run together, over MPI.
///
/// Every process of a job started by `mpirun -np N` is one **rank**, numbered
/// `0..<worldSize`; each calls the same collectives in the same order, and each
/// collective combines the tensors of all ranks:
///
/// ```swift
/// let group = try ProcessGroup.world
/// let g = Tensor([Double(group.rank + 1)])
/// try group.allReduce(g, operation: .average)   // every rank now holds the mean
/// group.log("world of \(group.worldSize)")      // printed once, by rank 0
/// ```
///
/// A process started without a launcher (no `OMPI_COMM_WORLD_SIZE`, `PMIX_RANK`
/// or `PMI_RANK` in its environment) is a world of one that never initialises MPI:
/// every collective is then a no-op (the sum and the average of one tensor are that
/// tensor), so a training script runs unchanged on a laptop. Tensors are still
/// checked, so a script that would fail under `mpirun` fails alone too.
///
/// Rank and world size are MPI's (`MPI_Comm_rank` and `MPI_Comm_size` of
/// `MPI_COMM_WORLD`), which the launcher sets through the environment. MPI is
/// initialised once per process, on the first use of `world`, with
/// `MPI_THREAD_MULTIPLE`, and finalised when the process exits normally (on a
/// non-zero exit status the job is aborted instead, so no rank hangs waiting
/// for one that failed); nobody calls `MPI_Finalize` by hand.
///
/// Collectives are blocking, and must be called by every rank in the same order
/// with tensors of the same shape and dtype. Setting `AUTOGRAD_DISTRIBUTED_DEBUG=1`
/// makes every collective first compare the ranks' shapes and dtypes (one extra
/// exchange per call), so that a mismatch throws on every rank instead of hanging
/// or corrupting data.
public struct ProcessGroup: Sendable {
    /// This process's number in the world, from 0 to `worldSize - 1`.
    public let rank: Int
    /// The number of processes in the world.
    public let worldSize: Int
    /// Whether collectives go through MPI: false for a world of one started without a launcher.
    public let usesMPI: Bool
    /// Whether each collective first checks that all ranks pass the same shape and dtype.
    let checksConsistency: Bool

    /// The group of every process in the job (`MPI_COMM_WORLD`), starting MPI on first use.
    ///
    /// - Throws: `DistributedError` of kind `.initialization` or `.mpi` when MPI
    ///   cannot be started; the same error on every later use.
    public static var world: ProcessGroup {
        get throws { try startUp.get() }
    }

    /// Whether this process is rank 0, the one that logs and saves checkpoints.
    public var isRankZero: Bool { rank == 0 }

    private static let startUp: Result<ProcessGroup, any Error> = Result {
        let environment = LaunchEnvironment()
        guard environment.isLaunched else {
            return ProcessGroup(rank: 0, worldSize: 1, usesMPI: false, checksConsistency: environment.checksConsistency)
        }
        let place = try MPIRuntime.start()
        return ProcessGroup(rank: place.rank, worldSize: place.worldSize, usesMPI: true,
                            checksConsistency: environment.checksConsistency)
    }

    /// Ends every process of the job at once with `exitCode` (`MPI_Abort`), or just this one outside MPI.
    ///
    /// For a failure one rank cannot recover from while the others may be waiting
    /// in a collective. Exiting with a non-zero status has the same effect.
    public func abort(exitCode: Int32 = 1) -> Never {
        if usesMPI && MPIRuntime.isRunning {
            MPI_Abort(cmpi_comm_world(), exitCode)
        }
        exit(exitCode)
    }
}
