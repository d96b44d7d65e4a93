// Runs every check on every rank of an MPI world, in the same order:
//
//     mpirun -np 2 --oversubscribe .build/debug/distributed-checks [--only NAME]... [--scratch DIR]
//
// Rank 0 prints `RUN name` before and `PASS name` after each check, then a closing
// line; a failing rank prints `FAIL name on rank r: ...` to standard error and
// aborts the job, so mpirun exits non-zero. `--exit-early CODE` makes the last rank
// exit with CODE while the others wait in a barrier: the job must end, not hang.
// Started without mpirun, it checks the world of one.
import AutogradDistributed
import Foundation

let options = DriverOptions(CommandLine.arguments.dropFirst())
let group = try ProcessGroup.world

if let code = options.earlyExitCode {
    if group.rank == group.worldSize - 1 { exit(code) }
    try group.barrier()
    exit(0)
}

let checks = DistributedChecks.all(scratch: options.scratch).filter { options.selects($0.name) }
var passed = 0, skipped = 0
for check in checks {
    guard group.worldSize >= check.minimumRanks else {
        group.log("SKIP \(check.name): needs \(check.minimumRanks) ranks")
        skipped += 1
        continue
    }
    group.log("RUN  \(check.name)")
    do {
        try check.body(group)
    } catch {
        FileHandle.standardError.write(Data("FAIL \(check.name) on rank \(group.rank): \(error)\n".utf8))
        group.abort(exitCode: 1)
    }
    try group.barrier()
    group.log("PASS \(check.name)")
    passed += 1
}
group.log("distributed-checks: \(passed) checks passed, \(skipped) skipped on \(group.worldSize) ranks")
