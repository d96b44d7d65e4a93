import Autograd
import Foundation

extension ReferenceCases {
    /// A tensor as the cases files (and the programs PyTorch recorded beside them)
    /// write it: its shape, its dtype in format 2, and its elements, `null` for NaN.
    public struct RecordedTensor: Decodable, Sendable {
        /// The tensor's shape.
        public var shape: [Int]
        /// `float32`, `float64`, `int64` or `bool`; absent in format 1, where a tensor has the case's dtype.
        public var dtype: String?
        /// The elements in row-major order; JSON has no NaN, so `null` stands for it.
        public var data: [Double?]

        /// The elements, NaN for `null`.
        public var scalars: [Double] { data.map { $0 ?? .nan } }

        /// The values, in `caseDType` unless the tensor names its own dtype.
        ///
        /// - Throws: when the shape does not hold the data or the dtype is unknown.
        public func values(default caseDType: DType) throws -> TensorValues {
            try values(default: caseDType) { ReferenceExpression.Error(message: $0) }
        }

        /// The dtype the tensor names, or `caseDType`.
        func resolvedDType(default caseDType: DType, _ fail: (String) -> ReferenceExpression.Error) throws -> DType {
            guard let dtype else { return caseDType }
            guard let parsed = DType(rawValue: dtype) else { throw fail("unknown tensor dtype '\(dtype)'") }
            return parsed
        }

        func values(default caseDType: DType, _ fail: (String) -> ReferenceExpression.Error) throws -> TensorValues {
            // Multiplied with overflow checked: the sizes come from the file.
            var count = 1
            for size in shape {
                guard size >= 0 else { throw fail("shape \(shape) has a negative size") }
                let (product, overflow) = count.multipliedReportingOverflow(by: size)
                guard !overflow else { throw fail("shape \(shape) has more elements than an Int can count") }
                count = product
            }
            guard count == data.count else {
                throw fail("shape \(shape) does not hold \(data.count) values")
            }
            return TensorValues(shape: shape, scalars: scalars, dtype: try resolvedDType(default: caseDType, fail))
        }
    }

    /// An attribute as the files write it: `null` (not given), a bool, an integer, a
    /// number, a string or a list of integers.
    public struct RecordedAttribute: Decodable, Sendable {
        /// The attribute; `.absent` for `null`.
        public var value: AttributeValue

        /// Reads one attribute value.
        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                value = .absent
            } else if let b = try? container.decode(Bool.self) {
                value = .bool(b)
            } else if let i = try? container.decode(Int.self) {
                value = .int(i)
            } else if let d = try? container.decode(Double.self) {
                value = .double(d)
            } else if let s = try? container.decode(String.self) {
                value = .string(s)
            } else {
                value = .ints(try container.decode([Int].self))
            }
        }

        /// The attributes given, `null` (not given) left out.
        public static func given(_ attributes: [String: RecordedAttribute]?) -> [String: AttributeValue] {
            var given: [String: AttributeValue] = [:]
            for (key, attribute) in attributes ?? [:] where attribute.value != .absent {
                given[key] = attribute.value
            }
            return given
        }
    }

    struct File: Decodable {
        var cases: [RawCase]
    }

    struct RawCase: Decodable {
        var id: String
        var op: String
        var kind: String
        var dtype: String
        var inputs: [RecordedTensor?]
        var attrs: [String: RecordedAttribute]?
        var output: RecordedTensor?
        var outputs: [RecordedTensor]?
        var upstream: RecordedTensor?
        var upstreams: [RecordedTensor?]?
        var grads: [RecordedTensor?]?
        var tangents: [RecordedTensor?]?
        var jvps: [RecordedTensor?]?
        var effects: [String: RecordedTensor]?
        var direction: [RecordedTensor?]?
        var hvp: [RecordedTensor?]?

        private func failure(_ source: String) -> (String) -> ReferenceExpression.Error {
            { why in ReferenceExpression.Error(message: "cases file \(source): case \(id) (\(op)): \(why)") }
        }

        private func caseDType(_ fail: (String) -> ReferenceExpression.Error) throws -> DType {
            guard let parsed = DType(rawValue: dtype) else { throw fail("unknown dtype '\(dtype)'") }
            return parsed
        }

        /// The inputs; format 1 stores cross_entropy's class indices as floats, which PyTorch reads as int64.
        private func parsedInputs(_ dtype: DType, _ fail: (String) -> ReferenceExpression.Error) throws -> [TensorValues?] {
            var parsed = try inputs.map { try $0?.values(default: dtype, fail) }
            if op == "cross_entropy", inputs.count > 1, inputs[1]?.dtype == nil {
                parsed[1]?.dtype = .int64
            }
            return parsed
        }

        private var allUpstreams: [RecordedTensor?] { upstreams ?? upstream.map { [$0] } ?? [] }

        func parsed(source: String) throws -> Case {
            let fail = failure(source)
            let dtype = try caseDType(fail)
            func values(_ raw: RecordedTensor) throws -> TensorValues { try raw.values(default: dtype, fail) }
            let rawOutputs = outputs ?? output.map { [$0] } ?? []
            guard !rawOutputs.isEmpty, let grads else { throw fail("lacks outputs or grads") }
            var effects: [String: TensorValues] = [:]
            for (name, tensor) in self.effects ?? [:] { effects[name] = try values(tensor) }
            return Case(id: id, op: op, dtype: dtype, inputs: try parsedInputs(dtype, fail),
                        attributes: RecordedAttribute.given(attrs), outputs: try rawOutputs.map(values),
                        outputDTypes: try rawOutputs.map { try $0.resolvedDType(default: dtype, fail) },
                        upstreams: try allUpstreams.map { try $0.map(values) },
                        grads: try grads.map { try $0.map(values) },
                        tangents: try tangents?.map { try $0.map(values) }, jvps: try jvps?.map { try $0.map(values) },
                        effects: effects, source: source)
        }

        func parsedSecondOrder(source: String) throws -> SecondOrderCase {
            let fail = failure(source)
            let dtype = try caseDType(fail)
            func values(_ raw: RecordedTensor) throws -> TensorValues { try raw.values(default: dtype, fail) }
            guard let direction, let hvp, direction.count == inputs.count, hvp.count == inputs.count else {
                throw fail("lacks a direction and an hvp per input")
            }
            return SecondOrderCase(id: id, op: op, dtype: dtype, inputs: try parsedInputs(dtype, fail),
                                   attributes: RecordedAttribute.given(attrs),
                                   upstreams: try allUpstreams.map { try $0.map(values) },
                                   directions: try direction.map { try $0.map(values) },
                                   hessianVectorProducts: try hvp.map { try $0.map(values) }, source: source)
        }
    }
}
