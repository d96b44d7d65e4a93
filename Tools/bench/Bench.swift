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

    func run() throws {
        let workloads = Workloads(quick: quick)
        let all: [(String, () -> [String: Double])] = [
            ("W1", workloads.w1), ("W3", workloads.w3), ("W4", workloads.w4),
            ("W6", workloads.w6), ("W8", { (try? PluginOverhead.run(quick: quick)) ?? [:] }), ("W5", workloads.w5),
        ]
        var figures: [String: Double] = [:]
        for (id, body) in all where only.isEmpty || only.contains(id) {
            if !json { FileHandle.standardError.write(Data("running \(id)...\n".utf8)) }
            figures.merge(body()) { $1 }
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for key in figures.keys.sorted() { print(key.padding(toLength: 28, withPad: " ", startingAt: 0), String(format: "%12.3f", figures[key]!)) }
        }
    }
}
