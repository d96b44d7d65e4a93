import Autograd
import Foundation
import Testing
import TestSupport

@Suite("Safetensors")
struct SafetensorsTests {
    /// The bytes of a file as the format's specification lays it out, written by hand:
    /// u64 little-endian header size, the JSON header, then little-endian tensor data.
    static func handWrittenFile() -> [UInt8] {
        let header = #"{"__metadata__":{"format":"pt"},"b":{"dtype":"F64","shape":[2],"data_offsets":[8,24]},"a":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]}}"#
        var bytes: [UInt8] = []
        let size = UInt64(header.utf8.count)
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8((size >> UInt64(shift)) & 0xFF)) }
        bytes += Array(header.utf8)
        // a = [[1.5], [-2.0]] as F32: 0x3FC00000, 0xC0000000, least significant byte first.
        bytes += [0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0]
        // b = [0.25, 3.0] as F64: 0x3FD0000000000000, 0x4008000000000000.
        bytes += [0, 0, 0, 0, 0, 0, 0xD0, 0x3F, 0, 0, 0, 0, 0, 0, 0x08, 0x40]
        return bytes
    }

    @Test("a file written byte by byte from the specification loads")
    func handWritten() throws {
        let file = try Safetensors(bytes: Self.handWrittenFile())
        #expect(file.names == ["a", "b"], "tensors come back in data order")
        #expect(file["a"]!.shape == [2, 1] && file["a"]!.dtype == .float32 && file["a"]!.scalars == [1.5, -2])
        #expect(file["b"]!.shape == [2] && file["b"]!.dtype == .float64 && file["b"]!.scalars == [0.25, 3])
        #expect(file.metadata == ["format": "pt"])
        #expect(file["c"] == nil)
    }

    @Test("a file written by the reference safetensors library (Python) loads into a model")
    func writtenByPython() throws {
        // Made by Reference/make_safetensors_fixture.py with safetensors.numpy.save_file.
        let url = Fixtures.url("written-by-python.safetensors", in: "TrainingTests")
        let file = try Safetensors(contentsOf: url)
        #expect(file.metadata == ["format": "np", "writer": "safetensors"])
        #expect(file["layers.2.weight"]?.dtype == .float64)

        var generator = RandomGenerator(seed: 0)
        // The file names its tensors `layers.0.weight`: a Sequential held as `layers`.
        struct Network: Module {
            let layers: Sequential
            func forward(_ input: Tensor) -> Tensor { layers(input) }
        }
        let model = Network(layers: Sequential(Linear(3, 2, generator: &generator), ReLU(), Linear(2, 1, generator: &generator)))
        try model.loadParameters(from: url)
        let values = model.namedParameters().map(\.tensor.scalars)
        #expect(values == [[-0.625, -0.375, -0.125, 0.125, 0.375, 0.625], [0.5, -0.25], [1, -1], [0.125]])
    }

    @Test("what we write has the specified layout, byte for byte")
    func writtenLayout() throws {
        let bytes = try Safetensors([("w", Tensor([[1.5], [-2.0]]))], metadata: ["format": "pt"]).encoded()
        let size = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(size % 8 == 0, "the header is padded so the data is 8-byte aligned")
        let header = String(decoding: bytes[8..<(8 + size)], as: UTF8.self)
        #expect(header.trimmingCharacters(in: .whitespaces)
                == #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]}}"#)
        #expect(Array(bytes[(8 + size)...]) == [0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0])
    }

    @Test("a model's parameters round-trip through a file, float32 and float64")
    func roundTrip() throws {
        for dtype in [DType.float32, .float64] {
            var g1 = RandomGenerator(seed: 1), g2 = RandomGenerator(seed: 2)
            let saved = Sequential(Linear(5, 4, dtype: dtype, generator: &g1), Tanh(), Linear(4, 3, dtype: dtype, generator: &g1))
            let loaded = Sequential(Linear(5, 4, dtype: dtype, generator: &g2), Tanh(), Linear(4, 3, dtype: dtype, generator: &g2))
            #expect(saved.parameters()[0].scalars != loaded.parameters()[0].scalars)

            let url = TemporaryFiles.url("safetensors", "model.safetensors")
            defer { try? FileManager.default.removeItem(at: url) }
            try saved.saveParameters(to: url, metadata: ["note": "round trip \"quoted\"\n"])
            try loaded.loadParameters(from: url)
            for ((name, a), (_, b)) in zip(saved.namedParameters(), loaded.namedParameters()) {
                #expect(a.scalars == b.scalars, "\(name) (\(dtype))")
                #expect(b.dtype == dtype && b.requiresGrad && b.isLeaf)
            }
            #expect(try Safetensors(contentsOf: url).metadata == ["note": "round trip \"quoted\"\n"])
        }
    }

    @Test("loading converts between float32 and float64")
    func dtypeConversion() throws {
        let target = Linear(weight: Tensor([[0.0, 0.0]], dtype: .float64, requiresGrad: true), bias: nil)
        try target.loadParameters(from: Safetensors([("weight", Tensor([[0.5, -1.25]]))]))
        #expect(target.weight.dtype == .float64 && target.weight.scalars == [0.5, -1.25])
    }

    @Test("a mis-shaped tensor is an error naming both shapes, and nothing is loaded")
    func shapeMismatch() throws {
        var generator = RandomGenerator(seed: 3)
        let model = Sequential(Linear(64, 128, generator: &generator), ReLU(), Linear(128, 10, generator: &generator))
        var tensors = model.namedParameters()
        tensors[2] = ("2.weight", Tensor.zeros([10, 64]))
        tensors[0] = ("0.weight", Tensor.zeros([128, 64]))
        let before = model.parameters()[0].scalars
        let error = #expect(throws: SafetensorsError.self) {
            try model.loadParameters(from: Safetensors(tensors))
        }
        #expect(error?.kind == .shapeMismatch)
        #expect(error?.message.contains("'2.weight': the file holds shape [10, 64], the parameter has shape [10, 128]") == true,
                "\(error?.message ?? "")")
        #expect(model.parameters()[0].scalars == before, "a failed load changes nothing")
    }

    @Test("a missing tensor is an error naming it and the shape expected; extra tensors only when strict")
    func missingAndUnexpected() throws {
        var generator = RandomGenerator(seed: 4)
        let model = Sequential(Linear(3, 2, generator: &generator))
        let missing = #expect(throws: SafetensorsError.self) {
            try model.loadParameters(from: Safetensors([("0.weight", Tensor.zeros([2, 3]))]))
        }
        #expect(missing?.kind == .missingTensor)
        #expect(missing?.message.contains("missing tensor '0.bias' (expected shape [2])") == true, "\(missing?.message ?? "")")

        let extra = Safetensors([("0.weight", Tensor.zeros([2, 3])), ("0.bias", Tensor.ones([2])),
                                 ("1.weight", Tensor.zeros([1]))])
        let unexpected = #expect(throws: SafetensorsError.self) { try model.loadParameters(from: extra) }
        #expect(unexpected?.kind == .unexpectedTensor && unexpected?.message.contains("'1.weight'") == true)
        try model.loadParameters(from: extra, strict: false)
        #expect((model[0] as! Linear).bias!.scalars == [1, 1])
    }

    /// A file with `header` and `data`, its size field computed unless `size` is given.
    static func file(_ header: String, data: [UInt8] = [], size: UInt64? = nil) -> [UInt8] {
        let n = size ?? UInt64(header.utf8.count)
        return (0..<8).map { UInt8((n >> UInt64(8 * $0)) & 0xFF) } + Array(header.utf8) + data
    }

    struct Malformed: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let kind: SafetensorsError.Kind
        let message: String
        var testDescription: String { name }
    }

    static let malformed: [Malformed] = [
        Malformed(name: "shorter than the size field", bytes: [1, 2, 3], kind: .malformed,
                  message: "the file is 3 bytes; a safetensors file starts with an 8-byte header length"),
        Malformed(name: "header size past the end", bytes: file("{}", size: 40), kind: .malformed,
                  message: "the header length is 40 bytes, but only 2 bytes follow it"),
        Malformed(name: "absurd header size", bytes: file("{}", size: UInt64.max), kind: .malformed,
                  message: "at most 100000000 are accepted"),
        Malformed(name: "not JSON", bytes: file("{\"a\": [1,"), kind: .malformed, message: "the header is not valid JSON"),
        Malformed(name: "not an object", bytes: file("[1, 2]"), kind: .malformed, message: "the header must be a JSON object starting with '{'"),
        Malformed(name: "missing field", bytes: file(#"{"a":{"dtype":"F32","shape":[1]}}"#, data: [0, 0, 0, 0]),
                  kind: .malformed, message: "tensor 'a': data_offsets must be [begin, end]"),
        Malformed(name: "fractional shape", bytes: file(#"{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                  kind: .malformed, message: "tensor 'a': shape must be an array of non-negative integers"),
        Malformed(name: "wrong byte count", bytes: file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]),
                  kind: .malformed, message: "tensor 'a': shape [2] of F32 needs 8 bytes, but data_offsets [0, 4] span 4"),
        Malformed(name: "data past the end", bytes: file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]),
                  kind: .malformed, message: "tensor 'a' ends at byte 8 of the data, but the data is 4 bytes"),
        Malformed(name: "a hole", bytes: file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: [0, 0, 0, 0, 0, 0, 0, 0]),
                  kind: .malformed, message: "tensor 'a' starts at byte 4 of the data, leaving bytes 0..<4 unused"),
        Malformed(name: "overlapping tensors", bytes: file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: Array(repeating: 0, count: 8)),
                  kind: .malformed, message: "tensor 'b' (data_offsets [4, 8]) overlaps the tensor before it"),
        Malformed(name: "trailing bytes", bytes: file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: Array(repeating: 0, count: 6)),
                  kind: .malformed, message: "the tensors cover 4 bytes of data, but 6 bytes follow the header"),
        Malformed(name: "a dtype the library does not hold", bytes: file(#"{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}"#, data: [0, 0]),
                  kind: .unsupportedDType, message: "tensor 'h' has dtype F16; this library reads F32, F64, I64 and BOOL tensors"),
        Malformed(name: "a dtype the format does not define", bytes: file(#"{"q":{"dtype":"F12","shape":[1],"data_offsets":[0,2]}}"#, data: [0, 0]),
                  kind: .malformed, message: "tensor 'q' has dtype 'F12', which the safetensors format does not define"),
        Malformed(name: "overflowing shape", bytes: file(#"{"a":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,0]}}"#),
                  kind: .malformed, message: "has more elements than memory can hold"),
        Malformed(name: "metadata that is not strings", bytes: file(#"{"__metadata__":{"epoch":3}}"#), kind: .malformed,
                  message: "__metadata__ must be an object whose values are strings"),
    ]

    @Test("malformed files are rejected with a message saying what is wrong", arguments: malformed)
    func rejectsMalformed(_ case: Malformed) {
        let error = #expect(throws: SafetensorsError.self) { try Safetensors(bytes: `case`.bytes) }
        #expect(error?.kind == `case`.kind)
        #expect(error?.message.contains(`case`.message) == true, "got: \(error?.message ?? "no error")")
    }

    @Test("a missing file is an I/O error naming the path; a duplicate name cannot be written")
    func ioErrors() {
        let url = TemporaryFiles.url("safetensors", "absent.safetensors")
        let error = #expect(throws: SafetensorsError.self) { try Safetensors(contentsOf: url) }
        #expect(error?.kind == .io && error?.message.contains(url.path) == true)
        let duplicate = #expect(throws: SafetensorsError.self) {
            try Safetensors([("a", Tensor([1.0])), ("a", Tensor([2.0]))]).encoded()
        }
        #expect(duplicate?.kind == .duplicateName)
    }

    @Test("every truncation of a saved model throws naming the path, and the model loading it is unchanged")
    func truncatedFiles() throws {
        let model = Linear(3, 2)
        let saved = TemporaryFiles.url("safetensors", "whole.safetensors")
        try model.saveParameters(to: saved)
        let bytes = try [UInt8](Data(contentsOf: saved))
        let target = Linear(3, 2)
        let before = target.namedParameters().map { ($0.name, $0.tensor.scalars, $0.tensor.version) }
        let cut = TemporaryFiles.url("safetensors", "cut.safetensors")
        for length in 0..<bytes.count {
            try Data(bytes[..<length]).write(to: cut)
            let error = #expect(throws: SafetensorsError.self, "\(length) of \(bytes.count) bytes") {
                try target.loadParameters(from: cut)
            }
            #expect(error?.message.contains(cut.path) == true, "\(length) bytes: \(error?.message ?? "")")
        }
        // One byte too many is refused as well: the format indexes every byte.
        try Data(bytes + [0]).write(to: cut)
        #expect(throws: SafetensorsError.self) { try target.loadParameters(from: cut) }
        let after = target.namedParameters().map { ($0.name, $0.tensor.scalars, $0.tensor.version) }
        #expect(after.elementsEqual(before) { $0.0 == $1.0 && $0.1 == $1.1 && $0.2 == $1.2 })
    }
}
