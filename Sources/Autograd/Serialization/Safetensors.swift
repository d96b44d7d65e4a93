#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Named tensors in the safetensors format: the file format Hugging Face and PyTorch
/// users exchange weights in (`safetensors.torch.save_file` / `load_file`).
///
/// A file is an 8-byte little-endian unsigned header length `n`, then `n` bytes of
/// UTF-8 JSON, then the tensors' raw little-endian data:
///
/// ```
/// {"__metadata__": {"format": "pt"},
///  "weight": {"dtype": "F32", "shape": [128, 64], "data_offsets": [0, 32768]}, ...}
/// ```
///
/// `data_offsets` are byte ranges into the data that follows the header; together
/// they must cover it exactly, without holes or overlaps. This library holds F32
/// and F64 tensors. Reading checks every rule of the format and names what is
/// wrong; a file written here loads in Python with `safetensors.torch.load_file`.
///
/// ```swift
/// try Safetensors(model.namedParameters()).write(to: url)
/// let file = try Safetensors(contentsOf: url)
/// print(file["layers.0.weight"]!.shape)
/// ```
public struct Safetensors {
    /// The tensors, in file order.
    public var tensors: [(name: String, tensor: Tensor)]
    /// The free-form string metadata stored under `__metadata__`.
    public var metadata: [String: String]

    /// The largest header this reader accepts, as the reference implementation (100 MB).
    public static let maximumHeaderLength = 100_000_000

    /// Named tensors to write, with optional metadata.
    public init(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor named `name`, if present.
    public subscript(name: String) -> Tensor? {
        tensors.first { $0.name == name }?.tensor
    }

    /// The tensors' names, in file order.
    public var names: [String] { tensors.map(\.name) }

    /// Reads a safetensors file.
    ///
    /// - Throws: `SafetensorsError` when the file cannot be read or breaks the format.
    public init(contentsOf url: URL) throws {
        let bytes = try Self.contents(ofFile: url.path)
        do {
            try self.init(bytes: bytes)
        } catch let error as SafetensorsError {
            throw SafetensorsError(error.kind, "\(url.path): \(error.message)")
        }
    }

    /// The bytes of the file at `path`, read straight into the array the decoder takes
    /// (no intermediate `Data`, whose reader also keeps the buffer of an empty file alive).
    private static func contents(ofFile path: String) throws -> [UInt8] {
        func failure(_ code: Int32) -> SafetensorsError {
            SafetensorsError(.io, "cannot read \(path): \(String(cString: strerror(code)))")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw failure(errno) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw failure(errno) }
        let size = Int(status.st_size)
        var code: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size {
                let got = read(fd, buffer.baseAddress! + count, size - count)
                if got < 0 && errno == EINTR { continue }
                if got < 0 { code = errno }
                if got <= 0 { break }
                count += got
            }
        }
        if code != 0 { throw failure(code) }
        return bytes
    }

    /// Decodes the bytes of a safetensors file.
    ///
    /// - Throws: `SafetensorsError` naming the rule of the format the bytes break.
    public init(bytes: [UInt8]) throws {
        self = try SafetensorsDecoder.decode(bytes)
    }

    /// Writes the tensors (and metadata) as a safetensors file, replacing any file at `url`.
    ///
    /// - Throws: `SafetensorsError` for a duplicate name or when the file cannot be written.
    public func write(to url: URL) throws {
        let bytes = try encoded()
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw SafetensorsError(.io, "cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// The bytes of the safetensors file holding these tensors.
    ///
    /// The header is padded with spaces so the data starts 8-byte aligned, as the
    /// reference implementation does; tensors are stored in the given order.
    public func encoded() throws -> [UInt8] {
        var seen = Set<String>()
        for (name, _) in tensors where !seen.insert(name).inserted {
            throw SafetensorsError(.duplicateName, "two tensors are named '\(name)'; names in a safetensors file are unique")
        }
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(SafetensorsJSON.quoted($0)):\(SafetensorsJSON.quoted(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in tensors {
            let end = offset + tensor.scalarCount * tensor.dtype.byteCount
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("""
                \(SafetensorsJSON.quoted(name)):{"dtype":"\(Self.code(for: tensor.dtype))","shape":[\(shape)],"data_offsets":[\(offset),\(end)]}
                """)
            offset = end
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header)
        for (_, tensor) in tensors {
            let source = tensor.contiguousData()
            let start = bytes.count
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: source.unsafeRawPointer,
                                                            count: source.scalarCount * source.dtype.byteCount))
            SafetensorsDecoder.convertByteOrder(&bytes[start...], elementSize: source.dtype.byteCount)
        }
        return bytes
    }

    /// The format's name for a dtype.
    static func code(for dtype: DType) -> String {
        switch dtype {
        case .float32: "F32"
        case .float64: "F64"
        case .int64: "I64"
        case .bool: "BOOL"
        }
    }
}

/// JSON string quoting for header names and metadata.
enum SafetensorsJSON {
    static func quoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
