import Synchronization

/// Guard bytes around every tensor buffer allocated in a scope, for the
/// conformance tool's check that a kernel writes only inside its output and
/// gradient buffers.
///
/// Kernels get their buffers from the host (`KernelContext.makeOutput()` for a
/// Swift kernel, the plugin loader's allocation for a C kernel), so guarding the
/// one allocator covers both. Outside a scope the cost is one relaxed atomic load
/// per allocation.
@_spi(Conformance)
public enum GuardedAllocation {
    /// The guard size on each side; a multiple of the storage alignment, so the
    /// data pointer keeps its alignment.
    public static let guardByteCount = TensorStorage.alignment
    static let pattern: UInt8 = 0xA5

    /// A write found outside a buffer.
    public struct Violation: Sendable, CustomStringConvertible {
        /// The size of the buffer, in bytes.
        public let bufferByteCount: Int
        /// The first overwritten byte, relative to the buffer's start: negative
        /// before the buffer, at least `bufferByteCount` after it.
        public let byteOffset: Int
        /// How many guard bytes were overwritten on that side.
        public let overwrittenByteCount: Int

        /// A sentence for a report: how many bytes, on which side, of which buffer, from which offset.
        public var description: String {
            let side = byteOffset < 0 ? "before" : "after"
            return "\(overwrittenByteCount) byte(s) written \(side) a \(bufferByteCount)-byte buffer, first at byte offset \(byteOffset)"
        }
    }

    /// Runs `body` with every tensor buffer it allocates (on this thread) wrapped
    /// in guard bytes, then checks the guards of all of them.
    ///
    /// The buffers stay alive until the scope ends, so a buffer freed inside
    /// `body` is still checked.
    public static func checkingWrites<R>(_ body: () throws -> R) rethrows -> (result: R, violations: [Violation]) {
        let recorder = Recorder()
        activeScopes.add(1, ordering: .relaxed)
        defer { activeScopes.subtract(1, ordering: .relaxed) }
        let result = try $currentRecorder.withValue(recorder) { try body() }
        return (result, recorder.violations())
    }

    private static let activeScopes = Atomic<Int>(0)
    @TaskLocal private static var currentRecorder: Recorder?

    /// The recorder of the enclosing scope, read only while some scope is active.
    static var activeRecorder: Recorder? {
        activeScopes.load(ordering: .relaxed) == 0 ? nil : currentRecorder
    }

    static func fillGuards(of storage: TensorStorage) {
        let g = storage.guardByteCount
        (storage.data - g).initializeMemory(as: UInt8.self, repeating: pattern, count: g)
        let tail = g + Swift.max(storage.byteCount, TensorStorage.alignment) - storage.byteCount
        (storage.data + storage.byteCount).initializeMemory(as: UInt8.self, repeating: pattern, count: tail)
    }

    /// The storages allocated in one scope.
    final class Recorder: Sendable {
        /// A storage held only to read its guard bytes once the scope ends.
        private struct Held: @unchecked Sendable { let storage: TensorStorage }
        private let storages = Locked<[Held]>([])

        func record(_ storage: TensorStorage) {
            storages.withLock { $0.append(Held(storage: storage)) }
        }

        func violations() -> [Violation] {
            storages.withLock { list in list.compactMap { GuardedAllocation.violation(in: $0.storage) } }
        }
    }

    private static func violation(in storage: TensorStorage) -> Violation? {
        let g = storage.guardByteCount
        let before = UnsafeRawBufferPointer(start: storage.data - g, count: g)
        let tailCount = g + Swift.max(storage.byteCount, TensorStorage.alignment) - storage.byteCount
        let after = UnsafeRawBufferPointer(start: storage.data + storage.byteCount, count: tailCount)
        let changedBefore = before.indices.filter { before[$0] != pattern }
        let changedAfter = after.indices.filter { after[$0] != pattern }
        if let first = changedBefore.first {
            return Violation(bufferByteCount: storage.byteCount, byteOffset: first - g,
                             overwrittenByteCount: changedBefore.count + changedAfter.count)
        }
        if let first = changedAfter.first {
            return Violation(bufferByteCount: storage.byteCount, byteOffset: storage.byteCount + first,
                             overwrittenByteCount: changedAfter.count)
        }
        return nil
    }
}
