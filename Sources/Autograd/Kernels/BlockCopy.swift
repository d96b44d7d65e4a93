/// Copies that join contiguous blocks into one contiguous output: `cat` and `stack`.
///
/// The output is `rows` rows of `rowBytes` bytes, and every row is tiled, in order,
/// by one run from each source: source `p` gives `pieces[p].bytes` bytes per row,
/// read from row `a` at `pieces[p].source + a * pieces[p].bytes`. Each run is one
/// `memcpy`, so joining along dim 0 is one `memcpy` per input, and along an inner
/// dim one per input and outer row.
enum BlockCopy {
    struct Piece {
        /// Nil for a piece already written another way (a strided input): skipped.
        let source: UnsafeRawPointer?
        /// The bytes this source contributes to each output row.
        let bytes: Int
    }

    /// Below this many bytes a copy stays on the calling thread: a hand-off costs
    /// microseconds, and one core copies a few hundred KB in that time.
    static let parallelThreshold = 4 << 20

    /// Fills `rows` rows of `destination` (each `rowBytes`, the pieces' total) from the pieces.
    static func join(rows: Int, pieces: [Piece], into destination: UnsafeMutableRawPointer) {
        let rowBytes = pieces.reduce(0) { $0 &+ $1.bytes }
        let total = rows &* rowBytes
        guard total > 0 else { return }
        let parts = total < parallelThreshold ? 1 : Swift.min(Parallel.cores, total / (parallelThreshold / 2))
        if parts <= 1 {
            copy(bytes: 0..<total, rowBytes: rowBytes, pieces: pieces, into: destination)
            return
        }
        // The pieces tile the output, so each thread takes an equal range of output
        // bytes (cut at cache-line multiples) and copies whatever runs fall in it.
        let share = (total / parts + 63) & ~63
        Parallel.forEach(parts) { part in
            let lower = Swift.min(part &* share, total), upper = Swift.min(lower &+ share, total)
            copy(bytes: lower..<upper, rowBytes: rowBytes, pieces: pieces, into: destination)
        }
    }

    /// Copies output bytes `range`, walking the runs that overlap it.
    private static func copy(bytes range: Range<Int>, rowBytes: Int, pieces: [Piece], into destination: UnsafeMutableRawPointer) {
        guard !range.isEmpty else { return }
        var row = range.lowerBound / rowBytes
        var position = row &* rowBytes
        while position < range.upperBound {
            for piece in pieces {
                let start = Swift.max(position, range.lowerBound), end = Swift.min(position &+ piece.bytes, range.upperBound)
                if start < end, let source = piece.source {
                    let within = start &- position
                    (destination + start).copyMemory(from: source + (row &* piece.bytes &+ within), byteCount: end &- start)
                }
                position &+= piece.bytes
                if position >= range.upperBound { break }
            }
            row &+= 1
        }
    }
}
