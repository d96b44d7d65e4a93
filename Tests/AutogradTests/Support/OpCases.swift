import Foundation
import Testing
import Autograd

/// The format-2 cases PyTorch generated (Fixtures/ops2_cases.json, see the
/// reference README): several outputs, integer and bool tensors, optional and
/// listed inputs, forward-mode tangents.
struct OpCase: Decodable, Sendable {
    struct Values: Decodable, Sendable {
        let shape: [Int]
        let dtype: String
        let data: [Double?]

        var values: [Double] { data.map { $0 ?? .nan } }
        var dataType: DType { DType(rawValue: dtype)! }

        func tensor(requiresGrad: Bool = false) -> Tensor {
            Tensor(shape: shape, scalars: values, dtype: dataType, requiresGrad: requiresGrad)
        }
    }

    let id: String
    let op: String
    let kind: String
    let dtype: String
    let inputs: [Values?]
    let attrs: [String: ReferenceCase.Attribute]?
    let outputs: [Values]?
    let upstreams: [Values?]?
    let grads: [Values?]?
    let tangents: [Values?]?
    let jvps: [Values?]?
    let effects: [String: Values]?
    let direction: [Values?]?
    let hvp: [Values?]?

    /// Attributes given; null (the default) is left out.
    var attributes: [String: AttributeValue] {
        (attrs ?? [:]).mapValues(\.value).filter { $0.value != .absent }
    }

    /// The README's tolerances, by the case's dtype and kind.
    var tolerance: (atol: Double, rtol: Double) {
        if kind == "hvp" { return (1e-10, 1e-8) }
        return dtype == "float32" ? (1e-5, 1e-4) : (1e-12, 1e-10)
    }

    /// The inputs as tensors; those with a reference gradient require grad.
    func inputTensors(requiringGrad wanted: [Bool]? = nil) -> [Tensor?] {
        inputs.enumerated().map { i, v in
            v.map { $0.tensor(requiresGrad: wanted?[i] ?? false) }
        }
    }

    /// Trailing omitted inputs dropped, as a caller leaves them out.
    static func trimmed(_ inputs: [Tensor?]) -> [Tensor?] {
        var trimmed = inputs
        while let last = trimmed.last, last == nil { trimmed.removeLast() }
        return trimmed
    }

    /// The reference fixture, then the cases made the same way for the ops the
    /// engine runs itself (engine_cases.json, from make_engine_cases.py).
    static let all: [OpCase] = ["ops2_cases", "engine_cases"].flatMap { name in
        let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures")!
        struct File: Decodable { let cases: [OpCase] }
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    /// Every op the cases cover, sorted.
    static let ops: [String] = Array(Set(all.map(\.op))).sorted()

    static func cases(of op: String) -> [OpCase] { all.filter { $0.op == op } }
}

/// Compares a tensor with expected values: shape, dtype and every element.
func expectValues(
    _ got: Tensor?, _ want: OpCase.Values, atol: Double, rtol: Double, _ what: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let got else {
        Issue.record("\(what()): missing, expected a \(want.dtype) tensor of shape \(want.shape)", sourceLocation: sourceLocation)
        return
    }
    #expect(got.dtype == want.dataType, "\(what()): dtype \(got.dtype), expected \(want.dtype)", sourceLocation: sourceLocation)
    expectTensor(got, shape: want.shape, want.values, atol: atol, rtol: rtol, what(), sourceLocation: sourceLocation)
}
