import Autograd
import Conformance
import Foundation

// No Testing here: a fuzz target links the reader too.

/// One autograd program PyTorch ran step by step (`Tests/AutogradTests/Fixtures/programs.json`,
/// see the reference README): its steps, and the values and gradients it checks.
public struct Program: Decodable, Sendable {
    /// One step: `leaf`, `op`, `inplace`, `detach`, `retain_grad`, `backward`, `grad`,
    /// `zero_grad`, `sgd_step`, or `begin_no_grad`/`end_no_grad` around others.
    public struct Step: Decodable, Sendable {
        public let `do`: String
        public let out: Names?
        public let value: ReferenceCases.RecordedTensor?
        public let requiresGrad: Bool?
        public let op: String?
        public let inputs: [String]?
        public let attrs: [String: ReferenceCases.RecordedAttribute]?
        public let kind: String?
        public let target: String?
        public let scalar: Double?
        public let other: String?
        public let input: String?
        public let retainGraph: Bool?
        public let createGraph: Bool?
        public let of: [String]?
        public let wrt: [String]?
        public let allowUnused: Bool?
        public let lr: Double?
        /// Whether PyTorch refused the step.
        public let error: Bool?
        /// PyTorch's message when it refused the step.
        public let torchError: String?

        /// The attributes of an `op` step, `null` ones left out.
        public var attributes: [String: AttributeValue] { ReferenceCases.RecordedAttribute.given(attrs) }

        enum CodingKeys: String, CodingKey {
            case `do`, out, value, op, inputs, attrs, kind, target, scalar, other, input, of, wrt, lr, error
            case requiresGrad = "requires_grad", retainGraph = "retain_graph", createGraph = "create_graph"
            case allowUnused = "allow_unused", torchError = "torch_error"
        }
    }

    /// An output name, or a list of them (`grad`).
    public struct Names: Decodable, Sendable {
        public let names: [String]
        public var single: String { names[0] }

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let one = try? c.decode(String.self) { names = [one] } else { names = try c.decode([String].self) }
            guard !names.isEmpty else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a name or a non-empty list of names")
            }
        }
    }

    /// A value (`value`) or a gradient (`grad`) of a named tensor after the last step;
    /// `expect` nil for a gradient that must be nil.
    public struct Check: Decodable, Sendable {
        public let value: String?
        public let grad: String?
        public let expect: ReferenceCases.RecordedTensor?
    }

    public let id: String
    public let dtype: String
    public let steps: [Step]
    public let checks: [Check]

    /// The programs of a file in the format of `programs.json`.
    public static func read(from url: URL) throws -> [Program] {
        try read(from: Data(contentsOf: url))
    }

    /// The programs of a file's bytes, in the format of `programs.json`.
    public static func read(from data: Data) throws -> [Program] {
        struct File: Decodable { let programs: [Program] }
        return try JSONDecoder().decode(File.self, from: data).programs
    }

    /// The programs PyTorch recorded for the tests.
    public static let all: [Program] = {
        let url = Fixtures.url("programs.json", in: "AutogradTests")
        do {
            return try read(from: url)
        } catch {
            fatalError("cannot read \(url.path): \(error)")
        }
    }()
}
