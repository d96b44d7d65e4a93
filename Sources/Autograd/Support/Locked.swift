#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a pthread mutex.
///
/// The library's locks are pthread mutexes rather than `Synchronization.Mutex`,
/// whose Linux implementation hands a contended lock over through a priority-
/// inheritance futex in the kernel: a hand-over ThreadSanitizer cannot see, so
/// every value it guards would be reported as a data race, and the sanitized test
/// runs must stay free of reports.
///
/// The value lives behind a pointer, not in a stored property: a stored `var`
/// would add Swift's dynamic exclusivity bookkeeping to every access, which the
/// lock already makes redundant and which ThreadSanitizer reports on its own.
final class Locked<Value>: @unchecked Sendable {
    private let value: UnsafeMutablePointer<Value>
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init(_ value: Value) {
        self.value = .allocate(capacity: 1)
        self.value.initialize(to: value)
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        value.deinitialize(count: 1)
        value.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    @inline(__always)
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}
