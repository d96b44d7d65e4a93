@_spi(Conformance) import Autograd
import Foundation

extension CheckContext {
    /// `threadCount` threads run forward and backward at once, each on inputs of
    /// its own (a kernel sharing a scratch buffer between calls gives right answers
    /// when every thread passes the same values), each compared with the result the
    /// same inputs gave on one thread beforehand. Threads build their own tensors:
    /// tensors are not Sendable, their values are.
    func checkThreadSafety(_ dtype: DType) -> CheckResult {
        guard let sample else { return .skip(name, .threadSafety, dtype, missingSampleReason!) }
        return guarded(.threadSafety, dtype) {
            let threads = Swift.max(configuration.threadCount, 2)
            let repetitions = 8
            let inputs = (0..<threads).map { t in values(of: sample.inputs, salt: 100 &+ UInt64(t)) }
            let expected = try inputs.map { try evaluate($0, dtype) }
            let findings = ThreadFindings()
            let finished = DispatchGroup()
            let context = self
            // The threads' buffers end at guard pages too, when the caller's are.
            let guarding = GuardedAllocation.enclosingScope
            for t in 0..<threads {
                finished.enter()
                let thread = Thread {
                    defer { finished.leave() }
                    GuardedAllocation.within(guarding) {
                        context.runRepetitions(repetitions, thread: t, inputs: inputs[t], expected: expected[t],
                                               dtype: dtype, findings: findings)
                    }
                }
                thread.stackSize = 8 << 20
                thread.start()
            }
            finished.wait()
            let (found, comparison) = findings.collected
            if let first = found.first {
                return .fail(name, .threadSafety, dtype, first + " (the single-thread result of the same inputs differs)",
                             comparison: comparison, details: Array(found.dropFirst()))
            }
            return .pass(name, .threadSafety, dtype, """
                \(threads) threads × \(repetitions) runs, each thread with its own inputs, match their single-thread results
                """, comparison: comparison)
        }
    }

    /// One thread's runs: stops at the first that differs from `expected` or throws.
    private func runRepetitions(_ repetitions: Int, thread t: Int, inputs: [TensorValues?], expected: Outcome,
                                dtype: DType, findings: ThreadFindings) {
        for r in 0..<repetitions {
            do {
                let got = try evaluate(inputs, dtype)
                let (c, problem) = compare(got, expected, tolerance: .forward(dtype))
                findings.merge(c)
                if let problem {
                    findings.add("thread \(t), run \(r + 1) of its own inputs: \(problem)")
                    return
                }
            } catch {
                findings.add("thread \(t), run \(r + 1) threw: \(error)")
                return
            }
        }
    }
}

/// What the threads of the thread-safety check report, behind an `NSLock`: a pthread
/// mutex, whose hand-over ThreadSanitizer sees (`Synchronization.Mutex` hands over
/// through a futex it cannot see, and every access it guards reads as a race).
private final class ThreadFindings: @unchecked Sendable {
    private let lock = NSLock()
    private var problems: [String] = []
    private var worst = Comparison()

    func add(_ problem: String) { lock.withLock { problems.append(problem) } }
    func merge(_ comparison: Comparison) { lock.withLock { worst.merge(comparison) } }
    var collected: ([String], Comparison) { lock.withLock { (problems, worst) } }
}
