import Foundation
import Testing
import Autograd

/// The PyTorch-generated cases in Fixtures/autograd_cases.json (see its format in
/// the reference README): the oracle for forward values and gradients.
struct ReferenceCase: Decodable, Sendable, CustomTestStringConvertible {
    struct TensorData: Decodable, Sendable {
        let shape: [Int]
        let data: [Double?]

        /// JSON has no NaN; the generator writes none, but a null would read as NaN.
        var values: [Double] { data.map { $0 ?? .nan } }

        func tensor(_ dtype: DType, requiresGrad: Bool = false) -> Tensor {
            Tensor(shape: shape, scalars: values, dtype: dtype, requiresGrad: requiresGrad)
        }
    }

    /// An attribute as JSON writes it: a bool, an int, a double, an int list or null.
    struct Attribute: Decodable, Sendable {
        let value: AttributeValue

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { value = .absent }
            else if let b = try? c.decode(Bool.self) { value = .bool(b) }
            else if let i = try? c.decode(Int.self) { value = .int(i) }
            else if let d = try? c.decode(Double.self) { value = .double(d) }
            else if let text = try? c.decode(String.self) { value = .string(text) }
            else { value = .ints(try c.decode([Int].self)) }
        }
    }

    let id: String
    let op: String
    let kind: String
    let dtype: String
    let inputs: [TensorData]
    let attrs: [String: Attribute]
    let output: TensorData?
    let upstream: TensorData
    let grads: [TensorData?]?
    let direction: [TensorData]?
    let hvp: [TensorData]?

    var dataType: DType { DType(rawValue: dtype)! }
    var attributes: [String: AttributeValue] { attrs.mapValues(\.value) }
    var testDescription: String { "\(id) \(op) \(kind) \(dtype) \(inputs.map { Shape($0.shape) })" }

    /// Tolerances of the reference README: |got - want| <= atol + rtol * |want|.
    var tolerance: (atol: Double, rtol: Double) {
        if kind == "hvp" { return (1e-10, 1e-8) }
        return dataType == .float64 ? (1e-12, 1e-10) : (1e-5, 1e-4)
    }

    /// The dtype of input `index` in a case of floating dtype `floating`: format 1
    /// stores cross_entropy's class indices as floats, which PyTorch reads as int64.
    func dtype(ofInput index: Int, floating: DType) -> DType {
        op == "cross_entropy" && index == 1 ? .int64 : floating
    }

    /// Input `index` as a tensor: its values (or `values`) in the input's dtype.
    func input(_ index: Int, _ floating: DType, values: [Double]? = nil, requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: inputs[index].shape, scalars: values ?? inputs[index].values,
               dtype: dtype(ofInput: index, floating: floating), requiresGrad: requiresGrad)
    }

    /// Which inputs receive a gradient (`grads[i]` is null for the others).
    var differentiable: [Bool] {
        if let grads { return grads.map { $0 != nil } }
        return inputs.map { _ in true }
    }

    /// The reference fixture, then the cases made the same way for ops it lacks (extra_cases.json).
    static let all: [ReferenceCase] = ["autograd_cases", "extra_cases"].flatMap { name in
        let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures")!
        struct File: Decodable { let cases: [ReferenceCase] }
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }

    static var vjp: [ReferenceCase] { all.filter { $0.kind == "vjp" } }
    static var hvpCases: [ReferenceCase] { all.filter { $0.kind == "hvp" } }
}

/// A shape printed as PyTorch prints it, for test names.
struct Shape: CustomStringConvertible {
    let dims: [Int]
    init(_ dims: [Int]) { self.dims = dims }
    var description: String { "[" + dims.map(String.init).joined(separator: ",") + "]" }
}
