import CZlib

/// An error decompressing gzip data.
public struct GzipError: Error, CustomStringConvertible {
    public let description: String
}

/// Decompresses gzip (or zlib) data with the system's zlib.
///
/// Foundation on Linux has no gzip support; zlib reads both formats when told to
/// detect the header (window bits 15 + 32).
public func gunzip(_ compressed: [UInt8]) throws -> [UInt8] {
    var stream = z_stream()
    guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw GzipError(description: "zlib could not start inflating (zlib \(String(cString: zlibVersion())))")
    }
    defer { inflateEnd(&stream) }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var input = compressed
    return try input.withUnsafeMutableBufferPointer { source in
        stream.next_in = source.baseAddress
        stream.avail_in = UInt32(source.count)
        while true {
            let status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                stream.next_out = buffer.baseAddress
                stream.avail_out = UInt32(buffer.count)
                return inflate(&stream, Z_NO_FLUSH)
            }
            let produced = chunk.count - Int(stream.avail_out)
            output.append(contentsOf: chunk[0..<produced])
            switch status {
            case Z_STREAM_END:
                return output
            case Z_OK:
                if stream.avail_in == 0 && produced == 0 {
                    throw GzipError(description: "the gzip data ends before its stream does (truncated)")
                }
            default:
                let message = stream.msg.map { String(cString: $0) } ?? String(cString: zError(status))
                throw GzipError(description: "the gzip data is corrupt: \(message)")
            }
        }
    }
}
