import ArgumentParser
import Foundation

/// The benchmark suite: `swift run -c release bench [--json] [--quick]`.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs the swift-autograd benchmark workloads and prints their figures.")

    @Flag(help: "Print one JSON object of all figures.")
    var json = false

    @Flag(help: "A few iterations of each workload (for CI: keeps the suite from rotting).")
    var quick = false

    @Option(help: "Run only these workloads (W1, W3, ...).")
    var only: [String] = []

    /// W2 again in a child process limited to one thread (the kernels' and OpenBLAS's).
    func singleThreadW2() throws -> Double? {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--only", "W2", "--json"] + (quick ? ["--quick"] : [])
        var environment = ProcessInfo.processInfo.environment
        environment["AUTOGRAD_NUM_THREADS"] = "1"
        environment["OPENBLAS_NUM_THREADS"] = "1"
        child.environment = environment
        let pipe = Pipe()
        child.standardOutput = pipe
        try child.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        let figures = try JSONSerialization.jsonObject(with: output) as? [String: Double]
        return figures?["W2_ms_per_step"]
    }

    func run() throws {
        let workloads = Workloads(quick: quick)
        let all: [(String, () -> [String: Double])] = [
            ("W1", workloads.w1), ("W2", workloads.w2), ("W3", workloads.w3), ("W4", workloads.w4),
            ("W6", workloads.w6), ("W7", workloads.w7), ("W8", { (try? PluginOverhead.run(quick: quick)) ?? [:] }), ("W5", workloads.w5),
        ]
        var figures: [String: Double] = [:]
        for (id, body) in all where only.isEmpty || only.contains(id) {
            if !json { FileHandle.standardError.write(Data("running \(id)...\n".utf8)) }
            figures.merge(body()) { $1 }
        }
        if (only.isEmpty || only.contains("W2")) && ProcessInfo.processInfo.environment["AUTOGRAD_NUM_THREADS"] == nil {
            figures["W2_ms_per_step_1_thread"] = try singleThreadW2()
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for key in figures.keys.sorted() { print(key.padding(toLength: 28, withPad: " ", startingAt: 0), String(format: "%12.3f", figures[key]!)) }
        }
    }
}
