import Foundation

/// The driver's command line: `--only NAME` (repeatable), `--scratch DIR`, `--exit-early CODE`.
struct DriverOptions {
    var only: Set<String> = []
    var scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("distributed-checks")
    var earlyExitCode: Int32?

    init<Arguments: Sequence<String>>(_ arguments: Arguments) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--only": if let name = iterator.next() { only.insert(name) }
            case "--scratch": if let path = iterator.next() { scratch = URL(fileURLWithPath: path) }
            case "--exit-early": earlyExitCode = iterator.next().flatMap { Int32($0) }
            default:
                FileHandle.standardError.write(Data("""
                    unknown argument '\(argument)'; usage: distributed-checks [--only NAME]... [--scratch DIR] \
                    [--exit-early CODE]\n
                    """.utf8))
                exit(64)
            }
        }
    }

    func selects(_ name: String) -> Bool { only.isEmpty || only.contains(name) }
}
