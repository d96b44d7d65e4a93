import Foundation

/// Parsing and validation of safetensors bytes.
enum SafetensorsDecoder {
    /// One tensor's entry in the header.
    private struct Entry {
        let dtype: String
        let shape: [Int]
        let dataOffsets: [Int]
    }

    /// The dtypes the format defines, beyond the four this library holds.
    private static let otherFormatDTypes: Set<String> = [
        "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "U64",
    ]

    static func decode(_ bytes: [UInt8]) throws -> Safetensors {
        func malformed(_ why: String) -> SafetensorsError { SafetensorsError(.malformed, why) }

        guard bytes.count >= 8 else {
            throw malformed("the file is \(bytes.count) bytes; a safetensors file starts with an 8-byte header length")
        }
        let declared = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard declared <= UInt64(Safetensors.maximumHeaderLength) else {
            throw malformed("the header length is \(declared) bytes; at most \(Safetensors.maximumHeaderLength) are accepted")
        }
        let headerLength = Int(declared)
        guard headerLength <= bytes.count - 8 else {
            throw malformed("the header length is \(headerLength) bytes, but only \(bytes.count - 8) bytes follow it")
        }
        let headerBytes = bytes[8..<(8 + headerLength)]
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw malformed("the header must be a JSON object starting with '{'")
        }
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw malformed("the header is not valid UTF-8")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(headerBytes))
        } catch {
            throw malformed("the header is not valid JSON: \(error.localizedDescription)")
        }
        guard let header = object as? [String: Any] else {
            throw malformed("the header must be a JSON object")
        }

        var metadata: [String: String] = [:]
        var entries: [(name: String, entry: Entry)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let pairs = value as? [String: Any],
                      let strings = pairs as? [String: String] else {
                    throw malformed("__metadata__ must be an object whose values are strings")
                }
                metadata = strings
                continue
            }
            entries.append((name, try decodeEntry(name: name, value)))
        }

        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart
        entries.sort { ($0.entry.dataOffsets[0], $0.entry.dataOffsets[1], $0.name) < ($1.entry.dataOffsets[0], $1.entry.dataOffsets[1], $1.name) }
        var expectedBegin = 0
        var tensors: [(name: String, tensor: Tensor)] = []
        for (name, entry) in entries {
            let (begin, end) = (entry.dataOffsets[0], entry.dataOffsets[1])
            guard begin == expectedBegin else {
                throw malformed(begin > expectedBegin
                    ? "tensor '\(name)' starts at byte \(begin) of the data, leaving bytes \(expectedBegin)..<\(begin) unused; the data must have no holes"
                    : "tensor '\(name)' (data_offsets [\(begin), \(end)]) overlaps the tensor before it, which ends at byte \(expectedBegin)")
            }
            guard end <= dataLength else {
                throw malformed("tensor '\(name)' ends at byte \(end) of the data, but the data is \(dataLength) bytes")
            }
            guard let dtype = try dtype(entry.dtype, name: name) else { continue }
            guard let needed = byteCount(of: entry.shape, elementSize: dtype.byteCount) else {
                throw malformed("tensor '\(name)': shape \(Shape.describe(entry.shape)) has more elements than memory can hold")
            }
            guard end - begin == needed else {
                throw malformed("""
                    tensor '\(name)': shape \(Shape.describe(entry.shape)) of \(entry.dtype) needs \(needed) bytes, \
                    but data_offsets [\(begin), \(end)] span \(end - begin)
                    """)
            }
            if dtype == .bool, let bad = bytes[(dataStart + begin)..<(dataStart + end)].firstIndex(where: { $0 > 1 }) {
                throw malformed("tensor '\(name)': BOOL element \(bad - dataStart - begin) is \(bytes[bad]); expected 0 or 1")
            }
            let tensor = Tensor(uninitializedShape: entry.shape, dtype: dtype)
            bytes.withUnsafeBytes { raw in
                tensor.unsafeRawPointer.copyMemory(from: raw.baseAddress! + dataStart + begin, byteCount: needed)
            }
            let buffer = UnsafeMutableRawBufferPointer(start: tensor.unsafeRawPointer, count: needed)
            convertByteOrder(buffer, elementSize: dtype.byteCount)
            tensors.append((name, tensor))
            expectedBegin = end
        }
        guard expectedBegin == dataLength else {
            throw malformed("the tensors cover \(expectedBegin) bytes of data, but \(dataLength) bytes follow the header")
        }
        return Safetensors(tensors, metadata: metadata)
    }

    private static func decodeEntry(name: String, _ value: Any) throws -> Entry {
        func malformed(_ why: String) -> SafetensorsError { SafetensorsError(.malformed, "tensor '\(name)': \(why)") }
        guard let fields = value as? [String: Any] else {
            throw malformed("expected an object with dtype, shape and data_offsets")
        }
        guard let dtype = fields["dtype"] as? String else { throw malformed("dtype must be a string") }
        guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
            throw malformed("shape must be an array of non-negative integers")
        }
        guard let offsets = integers(fields["data_offsets"]), offsets.count == 2,
              offsets[0] >= 0, offsets[0] <= offsets[1] else {
            throw malformed("data_offsets must be [begin, end] with 0 <= begin <= end")
        }
        return Entry(dtype: dtype, shape: shape, dataOffsets: offsets)
    }

    /// The bytes a tensor of `shape` takes, or nil when the count overflows.
    private static func byteCount(of shape: [Int], elementSize: Int) -> Int? {
        var total = elementSize
        for d in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// An array of JSON integers (not booleans, not numbers written with a fraction or exponent), or nil.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        for element in array {
            // JSONSerialization yields NSNumber; its type code tells 2 from 2.0 and from true.
            guard let number = element as? NSNumber else { return nil }
            switch String(cString: number.objCType) {
            case "i", "s", "l", "q": result.append(number.intValue)
            case "I", "S", "L", "Q":
                guard number.uint64Value <= UInt64(Int.max) else { return nil }
                result.append(Int(number.uint64Value))
            default: return nil
            }
        }
        return result
    }

    /// The dtype for a format code; throws for one the format defines that this library does not hold.
    private static func dtype(_ code: String, name: String) throws -> DType? {
        switch code {
        case "F32": return .float32
        case "F64": return .float64
        case "I64": return .int64
        case "BOOL": return .bool
        case _ where otherFormatDTypes.contains(code):
            throw SafetensorsError(.unsupportedDType, "tensor '\(name)' has dtype \(code); this library reads F32, F64, I64 and BOOL tensors")
        default:
            throw SafetensorsError(.malformed, "tensor '\(name)' has dtype '\(code)', which the safetensors format does not define")
        }
    }

    /// Swaps each element's bytes between little-endian and the host's order (nothing on little-endian hosts).
    static func convertByteOrder(_ bytes: UnsafeMutableRawBufferPointer, elementSize: Int) {
        #if _endian(big)
        var i = 0
        while i < bytes.count {
            bytes[i..<(i + elementSize)].reverse()
            i += elementSize
        }
        #endif
    }

    static func convertByteOrder(_ bytes: inout ArraySlice<UInt8>, elementSize: Int) {
        #if _endian(big)
        bytes.withUnsafeMutableBytes { convertByteOrder($0, elementSize: elementSize) }
        #endif
    }
}
