import CAutogradRuntime

/// Whether ops record the graph, per thread, like PyTorch's grad mode.
public enum GradMode {
    /// True unless inside `withNoGrad`.
    public static var isEnabled: Bool {
        @inline(__always) get { autograd_grad_mode_is_enabled() }
    }

    @inline(__always)
    static func with<R>(enabled: Bool, _ body: () throws -> R) rethrows -> R {
        let previous = autograd_grad_mode_is_enabled()
        if previous == enabled { return try body() }
        autograd_grad_mode_set_enabled(enabled)
        defer { autograd_grad_mode_set_enabled(previous) }
        return try body()
    }

    @inline(__always)
    static func withDisabled<R>(_ body: () throws -> R) rethrows -> R {
        try with(enabled: false, body)
    }
}

/// Runs `body` without recording operations for backward, and returns its value.
///
/// Use it for parameter updates and evaluation. Scoped to the current thread
/// (the body is synchronous, so it cannot leak to another task); nestable.
///
/// ```swift
/// withNoGrad {
///     w -= 0.01 * w.grad!
/// }
/// ```
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.with(enabled: false, body)
}

/// Runs `body` with recording on, even inside `withNoGrad`, and returns its value.
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.with(enabled: true, body)
}
