import CAutogradRuntime
import Synchronization

/// Guard pages after every tensor buffer allocated in a scope, for the
/// conformance checks that a kernel reads and writes only inside its buffers.
///
/// Inside `checkingAccesses(_:)`, each buffer the task allocates ends exactly where
/// inaccessible pages begin, with pattern bytes before it. Kernels get their
/// buffers from the host (`KernelContext.makeOutput()` for a Swift kernel, the
/// plugin loader's allocation for a C kernel), and the checks make their inputs
/// through the same allocator, so one allocator covers inputs, outputs and
/// gradients. A read or write past a buffer faults at its first byte; the fault is
/// recorded, the page made accessible, and the kernel runs on, so the scope
/// reports every access instead of the process dying. A write before a buffer is
/// found when the buffer is freed. Outside a scope the cost is one relaxed atomic
/// load per allocation.
@_spi(Conformance)
public enum GuardedAllocation {
    /// The fewest pattern bytes before each buffer.
    public static let leadByteCount = Int(AUTOGRAD_GUARD_LEAD_BYTES)

    /// An access outside a buffer.
    public struct Fault: Sendable, Equatable, CustomStringConvertible {
        /// What the kernel did.
        public enum Access: Sendable, Equatable {
            case read, write
            /// A read or a write: the platform does not say which.
            case readOrWrite
            /// A write before the buffer's first byte.
            case writeBefore
        }

        public let access: Access
        /// The buffer's name (`input x`) as the check labelled it; nil for one the op
        /// allocated (an output or a gradient).
        public let buffer: String?
        /// The first byte touched, relative to the buffer's first byte.
        public let byteOffset: Int
        /// The buffer's size in bytes.
        public let bufferByteCount: Int

        /// `read past input x (byte 96, in a buffer of 96 bytes)`.
        public var description: String {
            let name = buffer ?? "the output"
            let verb = switch access {
            case .read: "read past"
            case .write: "wrote past"
            case .readOrWrite: "read or wrote past"
            case .writeBefore: "wrote before"
            }
            return "\(verb) \(name) (byte \(byteOffset), in a buffer of \(bufferByteCount) bytes)"
        }
    }

    /// Runs `body` with every tensor buffer this task allocates in it followed by
    /// guard pages and preceded by pattern bytes, and returns the accesses outside
    /// them, in the order they happened.
    ///
    /// A write before a buffer is found when the buffer is freed: release the
    /// tensors made inside `body` before it returns. A thread that `body` starts
    /// joins the scope through `enclosingScope` and `within(_:_:)`.
    public static func checkingAccesses<R>(_ body: () throws -> R) rethrows -> (result: R, faults: [Fault]) {
        let scope = Scope(id: nextScope.add(1, ordering: .relaxed).newValue)
        let first = autograd_guard_fault_count()
        activeScopes.add(1, ordering: .relaxed)
        defer { activeScopes.subtract(1, ordering: .relaxed) }
        let result = try $currentScope.withValue(scope) { try body() }
        return (result, scope.faults(since: first))
    }

    /// Whether this task is inside `checkingAccesses(_:)`.
    public static var isActive: Bool { activeScope != nil }

    /// Names `tensor`'s buffer in reports (`input x`), when the enclosing scope allocated it.
    public static func label(_ tensor: Tensor, as name: String) {
        guard let scope = activeScope, tensor.storage.isPageGuarded else { return }
        let label = scope.label(name)
        autograd_guard_set_label(tensor.storage.data, tensor.storage.byteCount, label)
    }

    /// The scope enclosing this task, to carry to a thread it starts: a task-local
    /// value does not follow a `Thread`.
    public static var enclosingScope: Scope? { activeScope }

    /// Runs `body` inside `scope` (from `enclosingScope`), on any thread; with nil, just runs it.
    public static func within<R>(_ scope: Scope?, _ body: () throws -> R) rethrows -> R {
        guard let scope else { return try body() }
        activeScopes.add(1, ordering: .relaxed)
        defer { activeScopes.subtract(1, ordering: .relaxed) }
        return try $currentScope.withValue(scope) { try body() }
    }

    private static let activeScopes = Atomic<Int>(0)
    private static let nextScope = Atomic<UInt64>(0)
    @TaskLocal private static var currentScope: Scope?

    /// The scope enclosing this task, read only while some scope is active.
    static var activeScope: Scope? {
        activeScopes.load(ordering: .relaxed) == 0 ? nil : currentScope
    }

    /// One `checkingAccesses` call: its identifier in the fault log and its labels.
    public final class Scope: Sendable {
        let id: UInt64
        private let labels = Locked<[String]>([])

        init(id: UInt64) { self.id = id }

        /// The label number of `name` (from 1; 0 is none).
        func label(_ name: String) -> Int32 {
            labels.withLock { labels in
                if let i = labels.firstIndex(of: name) { return Int32(i + 1) }
                labels.append(name)
                return Int32(labels.count)
            }
        }

        /// The faults of this scope's buffers logged from `first` on.
        func faults(since first: Int) -> [Fault] {
            let names = labels.withLock { $0 }
            var faults: [Fault] = []
            // Past the log's capacity only the newest faults are kept: enough to fail a check.
            for index in first..<autograd_guard_fault_count() {
                var fault = autograd_guard_fault()
                guard autograd_guard_fault_at(index, &fault) != 0, fault.scope == id else { continue }
                let access: Fault.Access = switch autograd_guard_kind(rawValue: UInt32(fault.kind)) {
                case autograd_guard_read: .read
                case autograd_guard_write: .write
                case autograd_guard_write_before: .writeBefore
                default: .readOrWrite
                }
                faults.append(Fault(access: access, buffer: fault.label > 0 ? names[Int(fault.label) - 1] : nil,
                                    byteOffset: Int(fault.byte_offset), bufferByteCount: Int(fault.byte_count)))
            }
            return faults
        }
    }
}
