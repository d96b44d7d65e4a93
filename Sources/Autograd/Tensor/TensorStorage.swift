import CAutogradRuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One contiguous, 64-byte-aligned allocation shared by a tensor and its views
/// (in a guarded scope, aligned to end at a guard page instead).
///
/// Small buffers live in the same heap block as this object (tail allocation):
/// a scalar or a tiny tensor costs one allocation, not two, which matters when
/// ops run on shape-[1] tensors a million times. Large buffers get their own
/// aligned allocation, recycled through `BufferPool`; every buffer allocated
/// inside `GuardedAllocation.checkingAccesses` gets its own mapping, ending at guard pages.
/// The version counter is bumped by every in-place write, so the engine can
/// tell when a tensor saved for backward was modified later.
final class TensorStorage: ManagedBuffer<TensorStorage.Header, UInt8> {
    struct Header {
        let data: UnsafeMutableRawPointer
        let byteCount: Int
        var version: Int
        let isInline: Bool
        /// Whether `data` ends at guard pages (allocated in a `GuardedAllocation` scope).
        let isPageGuarded: Bool
        /// Set on storage shared behind the scenes (the scalar constants of `x * 2`):
        /// every in-place write refuses it.
        var isReadOnly = false
    }

    static let alignment = 64
    /// The largest buffer kept inline with the object.
    static let inlineLimit = 256

    /// Allocates uninitialised memory for `byteCount` bytes, or returns nil when the
    /// system cannot provide it (a size no machine has, say), so that callers throw.
    static func allocate(byteCount: Int) -> TensorStorage? {
        guard byteCount >= 0 else { return nil }
        let scope = GuardedAllocation.activeScope
        let inline = scope == nil && byteCount <= inlineLimit
        var outside: UnsafeMutableRawPointer?
        if let scope {
            guard let block = autograd_guard_allocate(byteCount, scope.id) else { return nil }
            outside = block
        } else if !inline {
            guard let block = BufferPool.take(byteCount: byteCount) else { return nil }
            outside = block
        }
        let buffer = create(minimumCapacity: inline ? byteCount + alignment : 0) { buffer in
            let data = outside ?? buffer.withUnsafeMutablePointerToElements { UnsafeMutableRawPointer($0) }
                .alignedUp(toMultipleOf: alignment)
            return Header(data: data, byteCount: byteCount, version: 0, isInline: inline, isPageGuarded: scope != nil)
        }
        return unsafeDowncast(buffer, to: TensorStorage.self)
    }

    /// A 64-byte-aligned block from the C allocator, nil when it cannot be had
    /// (Swift's own `allocate` would abort instead).
    static func alignedAllocation(byteCount: Int) -> UnsafeMutableRawPointer? {
        var block: UnsafeMutableRawPointer?
        guard posix_memalign(&block, alignment, Swift.max(byteCount, 1)) == 0 else { return nil }
        return block
    }

    deinit {
        if header.isPageGuarded {
            autograd_guard_free(header.data, header.byteCount)
        } else if !header.isInline {
            BufferPool.give(header.data, byteCount: header.byteCount)
        }
    }

    /// The first byte, aligned to 64 bytes; valid while the storage lives.
    @inline(__always) var data: UnsafeMutableRawPointer { header.data }

    var byteCount: Int { header.byteCount }

    var isPageGuarded: Bool { header.isPageGuarded }

    /// Whether in-place writes are refused (see `Header.isReadOnly`).
    var isReadOnly: Bool {
        get { header.isReadOnly }
        set { header.isReadOnly = newValue }
    }

    /// Bumped by each in-place write.
    @inline(__always) var version: Int {
        get { header.version }
        set { header.version = newValue }
    }
}
