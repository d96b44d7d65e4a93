import Autograd
import Foundation
import Synchronization

extension CheckContext {
    /// `threadCount` threads run forward and backward at once, each on tensors it
    /// builds itself (tensors are not Sendable; their values are), and must get the
    /// single-thread results.
    func checkThreadSafety(_ dtype: DType) -> CheckResult {
        guard let values = sampleValues() else { return .skip(name, .threadSafety, dtype, missingSampleReason!) }
        return guarded(.threadSafety, dtype) {
            let expected = try evaluate(values, dtype)
            let threads = Swift.max(configuration.threadCount, 2)
            let repetitions = 8
            let problems = Mutex<[String]>([])
            let worst = Mutex(Comparison())
            let finished = DispatchGroup()
            let context = self
            for t in 0..<threads {
                finished.enter()
                let thread = Thread {
                    defer { finished.leave() }
                    for r in 0..<repetitions {
                        do {
                            let got = try context.evaluate(values, dtype)
                            let (c, problem) = context.compare(got, expected, tolerance: .forward(dtype))
                            worst.withLock { $0.merge(c) }
                            if let problem {
                                problems.withLock { $0.append("thread \(t), run \(r): \(problem)") }
                                return
                            }
                        } catch {
                            problems.withLock { $0.append("thread \(t), run \(r) threw: \(error)") }
                            return
                        }
                    }
                }
                thread.stackSize = 8 << 20
                thread.start()
            }
            finished.wait()
            let found = problems.withLock { $0 }
            let comparison = worst.withLock { $0 }
            if let first = found.first {
                return .fail(name, .threadSafety, dtype, first, comparison: comparison, details: Array(found.dropFirst()))
            }
            return .pass(name, .threadSafety, dtype, "\(threads) threads × \(repetitions) runs match the single-thread result",
                         comparison: comparison)
        }
    }
}
