/// Runs `callback` once the backward pass now running on this thread has finished
/// (PyTorch's `Variable._execution_engine.queue_callback`).
///
/// Call it from a hook. The callback runs on the same thread after every node and
/// every leaf of the pass has been processed, and before `backward()` (or
/// `grad(of:wrt:)`) returns; callbacks run in the order they were queued, and one
/// may queue another, which then runs too. An error a callback throws is thrown by
/// `backward()`. When the pass itself fails, its queued callbacks do not run.
///
/// This is where work that needs a whole pass belongs: data-parallel training
/// finishes its gradient all-reduces here, so `optimizer.step()` after `backward()`
/// sees averaged gradients.
///
/// ```swift
/// w.registerPostAccumulateGradHook { _ in
///     try queueBackwardCallback { print("backward finished") }
/// }
/// ```
///
/// - Throws: `AutogradError` of kind `.graph` when no backward pass is running on this thread.
public func queueBackwardCallback(_ callback: @escaping () throws -> Void) throws {
    guard let queue = BackwardCallbacks.current else {
        throw AutogradError(.graph, """
            queueBackwardCallback: no backward pass is running on this thread; \
            queue callbacks from a hook, while backward() or grad(of:wrt:) runs
            """)
    }
    queue.callbacks.append(callback)
}

/// The callbacks queued during one backward pass.
///
/// `@unchecked Sendable` only to be a task-local value: a queue is bound to the
/// thread running its pass, and only hooks on that thread append to it.
final class BackwardCallbacks: @unchecked Sendable {
    /// The queue of the innermost pass running on this thread (a hook may run a backward of its own).
    @TaskLocal static var current: BackwardCallbacks?

    var callbacks: [() throws -> Void] = []

    /// Runs `pass` with a fresh queue bound, then the callbacks it queued, oldest first.
    static func running<R>(_ pass: () throws -> R) throws -> R {
        let queue = BackwardCallbacks()
        return try $current.withValue(queue) {
            let result = try pass()
            var next = 0
            while next < queue.callbacks.count {
                let callback = queue.callbacks[next]
                next += 1
                try callback()
            }
            return result
        }
    }
}
