import Conformance
import Foundation
import Synchronization

/// Checks ops in child processes, `jobs` at a time: each child is one process on
/// one core, so two cores check two ops at once. The rows come back in the ops' order.
struct ChildRuns {
    let ops: [String]
    let jobs: Int

    func run(_ check: @escaping @Sendable (Int, String) -> [CheckResult]) -> [[CheckResult]] {
        let next = Atomic<Int>(0)
        let rows = Mutex([[CheckResult]](repeating: [], count: ops.count))
        let finished = DispatchGroup()
        let ops = self.ops
        for _ in 0..<Swift.min(jobs, Swift.max(ops.count, 1)) {
            finished.enter()
            Thread {
                defer { finished.leave() }
                while true {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    guard index < ops.count else { return }
                    let result = check(index, ops[index])
                    rows.withLock { $0[index] = result }
                }
            }.start()
        }
        finished.wait()
        return rows.withLock { $0 }
    }
}
