#if FUZZING
import Foundation

/// libFuzzer's driver, linked by `-sanitize=fuzzer`. SwiftPM links an executable
/// with `main` renamed to its own entry point, so libFuzzer's `main` never runs
/// and this calls the driver itself. Declared here, as no module exports it.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The target being fuzzed: set once before the driver starts, then only read,
/// on the driver's thread (a C callback can capture nothing).
nonisolated(unsafe) private var current: FuzzTarget?

/// What `-sanitize=fuzzer` requires to link; also the callback given to the driver.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    current?.run(count == 0 ? [] : Array(UnsafeBufferPointer(start: start, count: count)))
    return 0
}

enum LibFuzzer {
    /// Names the target for the runs libFuzzer starts of this binary.
    static let targetVariable = "FUZZ_PARSERS_TARGET"

    /// Runs libFuzzer on `target` with `arguments` (a command line) minus the target's name.
    static func run(_ target: FuzzTarget, arguments: [String]) -> CInt {
        current = target
        setenv(targetVariable, target.name, 1)
        // argv without argv[1]; the strings stay allocated for the driver's lifetime.
        var arguments = arguments
        arguments.remove(at: 1)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var argc = CInt(arguments.count)
        return argv.withUnsafeMutableBufferPointer { buffer in
            var base = buffer.baseAddress
            return LLVMFuzzerRunDriver(&argc, &base, LLVMFuzzerTestOneInput)
        }
    }
}
#endif
