// The child process for tests of crash isolation: checks one of the broken ops
// (`--child-op NAME`), as kernel-check's own child does for registered ops.
import Conformance
import ConformanceTestSupport
import Foundation

let arguments = CommandLine.arguments
guard let flag = arguments.firstIndex(of: "--child-op"), flag + 1 < arguments.count else {
    FileHandle.standardError.write(Data("usage: broken-ops-host --child-op NAME\n".utf8))
    exit(2)
}
let op = arguments[flag + 1]
let check = KernelCheck(op: op, registry: BrokenOps.registry(), configuration: BrokenOps.configuration(for: op))
exit(IsolatedCheck.runChild(check))
