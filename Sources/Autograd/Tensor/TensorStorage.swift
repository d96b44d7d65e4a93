#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One contiguous, 64-byte-aligned allocation shared by a tensor and its views.
///
/// Small buffers live in the same heap block as this object (tail allocation):
/// a scalar or a tiny tensor costs one allocation, not two, which matters when
/// ops run on shape-[1] tensors a million times. Large buffers get their own
/// aligned allocation, recycled through `BufferPool`; every buffer allocated
/// inside `GuardedAllocation.checkingWrites` gets its own, surrounded by guard bytes.
/// The version counter is bumped by every in-place write, so the engine can
/// tell when a tensor saved for backward was modified later.
final class TensorStorage: ManagedBuffer<TensorStorage.Header, UInt8> {
    struct Header {
        let data: UnsafeMutableRawPointer
        let byteCount: Int
        var version: Int
        let isInline: Bool
        /// Bytes of guard pattern on each side of `data` (0 outside a guarded scope).
        let guardByteCount: Int
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
        let recorder = GuardedAllocation.activeRecorder
        let guardBytes = recorder == nil ? 0 : GuardedAllocation.guardByteCount
        let inline = guardBytes == 0 && byteCount <= inlineLimit
        var outside: UnsafeMutableRawPointer?
        if guardBytes > 0 {
            let (padded, overflow) = Swift.max(byteCount, alignment).addingReportingOverflow(2 * guardBytes)
            guard !overflow, let block = alignedAllocation(byteCount: padded) else { return nil }
            outside = block + guardBytes
        } else if !inline {
            guard let block = BufferPool.take(byteCount: byteCount) else { return nil }
            outside = block
        }
        let buffer = create(minimumCapacity: inline ? byteCount + alignment : 0) { buffer in
            let data = outside ?? buffer.withUnsafeMutablePointerToElements { UnsafeMutableRawPointer($0) }
                .alignedUp(toMultipleOf: alignment)
            return Header(data: data, byteCount: byteCount, version: 0, isInline: inline, guardByteCount: guardBytes)
        }
        let storage = unsafeDowncast(buffer, to: TensorStorage.self)
        if let recorder {
            GuardedAllocation.fillGuards(of: storage)
            recorder.record(storage)
        }
        return storage
    }

    /// A 64-byte-aligned block from the C allocator, nil when it cannot be had
    /// (Swift's own `allocate` would abort instead).
    static func alignedAllocation(byteCount: Int) -> UnsafeMutableRawPointer? {
        var block: UnsafeMutableRawPointer?
        guard posix_memalign(&block, alignment, Swift.max(byteCount, 1)) == 0 else { return nil }
        return block
    }

    deinit {
        if header.guardByteCount > 0 {
            free(header.data - header.guardByteCount)
        } else if !header.isInline {
            BufferPool.give(header.data, byteCount: header.byteCount)
        }
    }

    /// The first byte, aligned to 64 bytes; valid while the storage lives.
    @inline(__always) var data: UnsafeMutableRawPointer { header.data }

    var byteCount: Int { header.byteCount }

    var guardByteCount: Int { header.guardByteCount }

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
