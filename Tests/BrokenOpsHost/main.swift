// The child process for tests of crash isolation: checks one of the broken ops
// (`--child-op NAME`), with the broken C plugin loaded from `--plugin PATH`, as
// kernel-check's own child does for registered ops.
import Conformance
import Foundation
import TestSupport

let arguments = CommandLine.arguments
func value(of flag: String) -> String? {
    arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
guard let op = value(of: "--child-op"), let plugin = value(of: "--plugin") else {
    FileHandle.standardError.write(Data("usage: broken-ops-host --child-op NAME --plugin PATH\n".utf8))
    exit(2)
}
/// Checks `op` and returns the exit status; in a function so that the check and its
/// tensors are freed before `exit`, which LeakSanitizer would otherwise find holding
/// weak references into freed objects.
func checkOp() -> Int32 {
    do {
        let registry = try BrokenOps.registry(plugin: plugin)
        return IsolatedCheck.runChild(KernelCheck(op: op, registry: registry, configuration: BrokenOps.configuration(for: op)))
    } catch {
        FileHandle.standardError.write(Data("broken-ops-host: \(error)\n".utf8))
        return 2
    }
}
exit(checkOp())
