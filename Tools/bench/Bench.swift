import ArgumentParser
import AutogradDistributed
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

    @Flag(help: .hidden)
    var child = false

    /// Runs this tool again on one workload in a child process: for a clean memory
    /// reading (W5) or a thread limit that must be set before the libraries load (W2).
    func child(_ workload: String, environment extra: [String: String] = [:]) throws -> [String: Double] {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        child.arguments = ["--only", workload, "--json", "--child"] + (quick ? ["--quick"] : [])
        child.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let pipe = Pipe()
        child.standardOutput = pipe
        try child.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        return try JSONSerialization.jsonObject(with: output) as? [String: Double] ?? [:]
    }

    func run() throws {
        let workloads = Workloads(quick: quick)
        let all: [(String, () -> [String: Double])] = [
            ("W1", workloads.w1), ("W2", workloads.w2), ("W3", workloads.w3), ("W4", workloads.w4),
            ("W6", workloads.w6), ("W7", workloads.w7), ("W10", workloads.w10), ("W8", { (try? PluginOverhead.run(quick: quick)) ?? [:] }),
            ("W13", workloads.w13), ("W14", workloads.w14),
            ("W9", workloads.w9), ("W12", workloads.w12), ("W15", workloads.w15), ("W17", workloads.w17),
            ("W5", { child ? workloads.w5() : ((try? self.child("W5")) ?? [:]) }),
            ("W11", workloads.w11),
            ("W16", { DataParallelBench.run(quick: quick) { try self.child($0, environment: $1) } }),
            // W16's children, run only when named.
            ("W16-single", { DataParallelBench.single(quick: quick) }),
            ("W16-ddp", { (try? DataParallelBench.replica(quick: quick)) ?? [:] }),
        ]
        var figures: [String: Double] = [:]
        for (id, body) in all where only.isEmpty ? !id.hasPrefix("W16-") : only.contains(id) {
            if !json && !child { FileHandle.standardError.write(Data("running \(id)...\n".utf8)) }
            figures.merge(body()) { $1 }
        }
        if (only.isEmpty || only.contains("W1")) && !child {
            // The cost of recording call sites: W1 with recording off, in a fresh process.
            let plain = try self.child("W1", environment: ["AUTOGRAD_CALL_SITES": "0"])
            figures["W1_fwd_bwd_us_per_op_no_call_sites"] = plain["W1_fwd_bwd_us_per_op"]
        }
        if (only.isEmpty || only.contains("W2")) && !child {
            let single = try self.child("W2", environment: ["AUTOGRAD_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"])
            figures["W2_ms_per_step_1_thread"] = single["W2_ms_per_step"]
        }
        // Under mpirun every rank runs this; rank 0 alone reports.
        if only.contains("W16-ddp"), let group = try? ProcessGroup.world, !group.isRankZero { return }
        if json {
            let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for key in figures.keys.sorted() { print(key.padding(toLength: 28, withPad: " ", startingAt: 0), String(format: "%12.3f", figures[key]!)) }
        }
    }
}
