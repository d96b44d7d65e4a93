/// One contiguous, 64-byte-aligned allocation shared by a tensor and its views.
///
/// The version counter is bumped by every in-place write, so the engine can tell
/// when a tensor saved for backward was modified after it was saved.
final class TensorStorage {
    static let alignment = 64

    let data: UnsafeMutableRawPointer
    let byteCount: Int
    var version = 0
    /// Bytes of guard pattern on each side of `data`: non-zero only for storage
    /// allocated inside `GuardedAllocation.checkingWrites`.
    let guardByteCount: Int

    /// Allocates uninitialised memory for `byteCount` bytes.
    init(byteCount: Int) {
        self.byteCount = byteCount
        // Never allocate zero bytes: a zero-length tensor still gets a valid pointer.
        let capacity = Swift.max(byteCount, Self.alignment)
        let recorder = GuardedAllocation.activeRecorder
        guardByteCount = recorder == nil ? 0 : GuardedAllocation.guardByteCount
        let base = UnsafeMutableRawPointer.allocate(byteCount: capacity + 2 * guardByteCount, alignment: Self.alignment)
        data = base + guardByteCount
        if let recorder {
            GuardedAllocation.fillGuards(of: self)
            recorder.record(self)
        }
    }

    deinit {
        (data - guardByteCount).deallocate()
    }
}
