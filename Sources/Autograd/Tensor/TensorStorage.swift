/// One contiguous, 64-byte-aligned allocation shared by a tensor and its views.
///
/// The version counter is bumped by every in-place write, so the engine can tell
/// when a tensor saved for backward was modified after it was saved.
final class TensorStorage {
    static let alignment = 64

    let data: UnsafeMutableRawPointer
    let byteCount: Int
    var version = 0

    /// Allocates uninitialised memory for `byteCount` bytes.
    init(byteCount: Int) {
        self.byteCount = byteCount
        // Never allocate zero bytes: a zero-length tensor still gets a valid pointer.
        data = .allocate(byteCount: Swift.max(byteCount, Self.alignment), alignment: Self.alignment)
    }

    deinit {
        data.deallocate()
    }
}
