import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Splits large loops across the machine's cores. Small loops run inline: a
/// thread hand-off costs microseconds, worth it only past about a million elements.
///
/// Used by matmul and full sums, whose per-chunk work is a specialised function.
/// Elementwise loops stay on one thread: their scalar function is a closure, which
/// a chunk body running on another thread would call per element, and a single
/// core already streams them near memory speed (W4 in the benchmarks).
enum Parallel {
    static let minimumChunk = 1 << 19

    /// Threads for large kernels: `AUTOGRAD_NUM_THREADS` if set (like PyTorch's
    /// `set_num_threads`), else the online processors.
    static let cores: Int = {
        if let value = getenv("AUTOGRAD_NUM_THREADS"), let n = Int(String(cString: value)), n > 0 { return n }
        #if canImport(Glibc)
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()

    /// How many pieces a loop of `count` elements is worth splitting into.
    static func chunks(for count: Int) -> Int {
        Swift.max(1, Swift.min(cores, count / minimumChunk))
    }

    /// Calls `body(i)` for each `i` in `0..<count`, concurrently when `count > 1`.
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 {
            if count == 1 { body(0) }
            return
        }
        // The callers' closures write disjoint ranges of buffers they own for the call.
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { work.value($0) }
        }
    }
}

private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
