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
    }

    static let alignment = 64
    /// The largest buffer kept inline with the object.
    static let inlineLimit = 256

    /// Allocates uninitialised memory for `byteCount` bytes.
    static func allocate(byteCount: Int) -> TensorStorage {
        let recorder = GuardedAllocation.activeRecorder
        let guardBytes = recorder == nil ? 0 : GuardedAllocation.guardByteCount
        let inline = guardBytes == 0 && byteCount <= inlineLimit
        let buffer = create(minimumCapacity: inline ? byteCount + alignment : 0) { buffer in
            let data: UnsafeMutableRawPointer
            if inline {
                data = buffer.withUnsafeMutablePointerToElements { UnsafeMutableRawPointer($0) }
                    .alignedUp(toMultipleOf: alignment)
            } else if guardBytes > 0 {
                let capacity = Swift.max(byteCount, alignment) + 2 * guardBytes
                data = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: alignment) + guardBytes
            } else {
                data = BufferPool.take(byteCount: byteCount, alignment: alignment)
            }
            return Header(data: data, byteCount: byteCount, version: 0, isInline: inline, guardByteCount: guardBytes)
        }
        let storage = unsafeDowncast(buffer, to: TensorStorage.self)
        if let recorder {
            GuardedAllocation.fillGuards(of: storage)
            recorder.record(storage)
        }
        return storage
    }

    deinit {
        if header.guardByteCount > 0 {
            (header.data - header.guardByteCount).deallocate()
        } else if !header.isInline {
            BufferPool.give(header.data, byteCount: header.byteCount)
        }
    }

    /// The first byte, aligned to 64 bytes; valid while the storage lives.
    @inline(__always) var data: UnsafeMutableRawPointer { header.data }

    var byteCount: Int { header.byteCount }

    var guardByteCount: Int { header.guardByteCount }

    /// Bumped by each in-place write.
    @inline(__always) var version: Int {
        get { header.version }
        set { header.version = newValue }
    }
}
