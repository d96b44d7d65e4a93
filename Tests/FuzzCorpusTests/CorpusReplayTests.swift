import Foundation
import Testing

/// Every committed fuzz input (the corpora and the crashers found, which are
/// regression inputs) runs through its parser once, in a `fuzz-parsers` child
/// process so that a crash fails its test instead of the whole run.
@Suite("Fuzz corpus replay")
struct CorpusReplayTests {
    static let fuzzRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tools/fuzz").path

    /// SwiftPM puts the executables this test depends on beside the test executable.
    static let harness: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path + "/fuzz-parsers"
    }()

    /// The targets, as the directories of the committed corpora name them.
    static let targets: [String] = (try? FileManager.default.contentsOfDirectory(atPath: fuzzRoot + "/Corpus"))?
        .filter { !$0.hasPrefix(".") }.sorted() ?? []

    /// Runs the harness, returning how it ended and what it printed.
    static func runHarness(_ arguments: [String]) throws -> (status: Int32, crashed: Bool, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: harness)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        // The Swift backtracer's report would add seconds to a crash; the status is what counts.
        process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal, output)
    }

    @Test("the harness has a corpus for each of its targets, and a target for each corpus")
    func targetsHaveCorpora() throws {
        let listed = try Self.runHarness(["list"])
        #expect(listed.status == 0, "\(listed.output)")
        let names = listed.output.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(names.sorted() == Self.targets)
    }

    @Test("every corpus input and crasher runs without a crash", arguments: targets)
    func replay(_ target: String) throws {
        var paths = [Self.fuzzRoot + "/Corpus/" + target]
        let regressions = Self.fuzzRoot + "/Regressions/" + target
        if FileManager.default.fileExists(atPath: regressions) { paths.append(regressions) }
        let result = try Self.runHarness([target, "--trace"] + paths)
        // With --trace, the last input named before a crash is the one that crashed.
        let last = result.output.split(separator: "\n").suffix(3).joined(separator: "\n")
        #expect(result.status == 0 && !result.crashed, """
            fuzz-parsers \(target) \(result.crashed ? "died of signal" : "exited with") \(result.status); its output ends:
            \(last)
            """)
        let finished = result.output.contains("\(target): replayed")
        #expect(finished, "fuzz-parsers \(target) did not get to the end of the inputs")
    }
}
