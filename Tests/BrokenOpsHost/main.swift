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
do {
    let check = KernelCheck(op: op, registry: try BrokenOps.registry(plugin: plugin), configuration: BrokenOps.configuration(for: op))
    exit(IsolatedCheck.runChild(check))
} catch {
    FileHandle.standardError.write(Data("broken-ops-host: \(error)\n".utf8))
    exit(2)
}
