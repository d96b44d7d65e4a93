import Foundation

/// Timing and memory readings for the benchmarks.
enum Measure {
    /// Wall-clock seconds of one run of `body`.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The median of `runs` timings after `warmup` untimed runs.
    static func median(runs: Int, warmup: Int = 1, _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<warmup { try body() }
        var times: [Double] = []
        for _ in 0..<Swift.max(runs, 1) { times.append(try seconds(body)) }
        times.sort()
        return times[times.count / 2]
    }

    /// The fastest of `runs` timings after `warmup` untimed runs: on a loaded machine,
    /// the run least disturbed by other work.
    static func fastest(runs: Int, warmup: Int = 1, _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<warmup { try body() }
        var best = Double.infinity
        for _ in 0..<Swift.max(runs, 1) { best = Swift.min(best, try seconds(body)) }
        return best
    }

    /// Resident memory now (`VmRSS`) or at its peak (`VmHWM`), in bytes, from /proc.
    static func memory(_ field: String = "VmRSS") -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kb * 1024
        }
        return 0
    }
}
