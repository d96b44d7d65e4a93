import Foundation

/// `fuzz-parsers list` prints each target and its `-max_len`.
///
/// Built with `-DFUZZING` and `-sanitize=fuzzer,address` (as `Tools/fuzz/run`
/// does), `fuzz-parsers <target> [libFuzzer flags and corpus directories]` fuzzes
/// one target. In a normal build, `fuzz-parsers <target> <files or directories>`
/// runs each input through the same entry point once: the corpus replay the
/// tests run, where a crasher fails again. `--trace` first prints each input's
/// path, so that the last one printed names the input that crashed.
@main
struct FuzzParsers {
    static func main() {
        var arguments = CommandLine.arguments
        #if FUZZING
        // libFuzzer runs this binary again for -merge, -fork and -minimize_crash with
        // its own flags only: the target is then the one the first run named.
        if let name = ProcessInfo.processInfo.environment[LibFuzzer.targetVariable],
           arguments.count < 2 || FuzzTarget.named(arguments[1]) == nil {
            arguments.insert(name, at: 1)
        }
        #endif
        guard arguments.count >= 2 else { usage() }
        if arguments[1] == "list" {
            for target in FuzzTarget.all { print(target.name, target.maxLength) }
            return
        }
        guard let target = FuzzTarget.named(arguments[1]) else { usage("unknown target '\(arguments[1])'") }
        #if FUZZING
        exit(LibFuzzer.run(target, arguments: arguments))
        #else
        let paths = arguments.dropFirst(2)
        replay(target, paths: paths.filter { $0 != "--trace" }, trace: paths.contains("--trace"))
        #endif
    }

    /// Runs every file named, and every file in each directory named, in name order.
    static func replay(_ target: FuzzTarget, paths: [String], trace: Bool) {
        guard !paths.isEmpty else { usage("name the inputs to replay") }
        var count = 0
        for path in paths {
            for file in files(at: path) {
                guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
                // Unbuffered, so the line is out before a trap in the parser.
                if trace { FileHandle.standardError.write(Data("\(target.name): \(file)\n".utf8)) }
                target.run(Array(data))
                count += 1
            }
        }
        print("\(target.name): replayed \(count) inputs")
    }

    private static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { fail("no such file: \(path)") }
        guard isDirectory.boolValue else { return [path] }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { fail("cannot list \(path)") }
        return names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }
    }

    static func usage(_ problem: String? = nil) -> Never {
        if let problem { FileHandle.standardError.write(Data("fuzz-parsers: \(problem)\n".utf8)) }
        let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
        fail("usage: fuzz-parsers list | fuzz-parsers <target> [--trace] <inputs...>; targets: \(names)")
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("fuzz-parsers: \(message)\n".utf8))
        exit(2)
    }
}
