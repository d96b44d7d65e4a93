#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
/// Recycles large tensor buffers by size. A fresh multi-megabyte allocation is
/// mapped from the kernel and page-faulted in on first touch, which costs more than
/// the loop that fills it; training and benchmark loops allocate the same sizes
/// over and over, so freed buffers are kept for the next allocation of that size.
/// The pool holds at most `capacityBytes`; beyond that, buffers are freed.
enum BufferPool {
    /// Buffers smaller than this come straight from malloc, which is fast for them.
    static let minimumBytes = 1 << 16
    static let capacityBytes = 256 << 20
    private static let perSize = 4

    private struct State {
        var free: [Int: [UInt]] = [:]
        var heldBytes = 0
    }

    private static let state = Locked(State())

    /// A 64-byte-aligned buffer of exactly `byteCount` bytes (uninitialised), or nil
    /// when the system cannot provide one.
    static func take(byteCount: Int) -> UnsafeMutableRawPointer? {
        if byteCount >= minimumBytes {
            let address = state.withLock { s -> UInt? in
                guard let address = s.free[byteCount]?.popLast() else { return nil }
                s.heldBytes -= byteCount
                return address
            }
            if let address { return UnsafeMutableRawPointer(bitPattern: address)! }
        }
        return TensorStorage.alignedAllocation(byteCount: byteCount)
    }

    /// Returns a buffer from `take`: kept for reuse while the pool has room, else freed.
    static func give(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        if byteCount >= minimumBytes {
            let kept = state.withLock { s -> Bool in
                guard s.heldBytes + byteCount <= capacityBytes, s.free[byteCount, default: []].count < perSize else {
                    return false
                }
                s.free[byteCount, default: []].append(UInt(bitPattern: pointer))
                s.heldBytes += byteCount
                return true
            }
            if kept { return }
        }
        free(pointer)
    }
}
