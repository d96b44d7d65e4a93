import Foundation

/// What an MPI launcher tells the processes it starts, through their environment.
///
/// `mpirun` (Open MPI) sets `OMPI_COMM_WORLD_SIZE`, `OMPI_COMM_WORLD_RANK` and
/// `PMIX_RANK`; Slurm's `srun --mpi=pmix` sets `PMIX_RANK`, and PMI-2 launchers
/// `PMI_RANK`. A process with none of them was started by hand, as a world of one,
/// and never initialises MPI, so it needs no launcher and no MPI daemon.
struct LaunchEnvironment: Sendable {
    /// The variables whose presence means a launcher started this process, in the order checked.
    static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"]

    /// The variable that turns on the cross-rank consistency checks of every collective.
    static let debugVariable = "AUTOGRAD_DISTRIBUTED_DEBUG"

    /// The first launcher variable found, or nil for a process started without a launcher.
    let launcherVariable: String?
    /// Whether `AUTOGRAD_DISTRIBUTED_DEBUG` is set to something other than `0` or empty.
    let checksConsistency: Bool

    init(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        launcherVariable = Self.launcherVariables.first { environment[$0] != nil }
        let debug = environment[Self.debugVariable] ?? ""
        checksConsistency = !debug.isEmpty && debug != "0"
    }

    /// Whether this process was started by an MPI launcher.
    var isLaunched: Bool { launcherVariable != nil }
}
