import Foundation
import Testing
@testable import Autograd
import Conformance
import TestSupport

/// The convolution and pooling kernels against values PyTorch computed
/// (Fixtures/nn_kernel_cases.json, made by make_nn_kernel_cases.py beside it): forward
/// outputs, max-pool indices and every gradient, in float64 and float32; and the shape
/// rules against PyTorch's verdict (an output shape, or an error) on valid and invalid calls.
@Suite("NN kernels against PyTorch")
struct NNKernelFixtureTests {
    @Test("kernels give PyTorch's outputs and gradients", arguments: NNKernelCase.all.cases)
    func pytorchCase(_ c: NNKernelCase) throws {
        if c.dtype == "float64" { try check(c, as: Double.self) } else { try check(c, as: Float.self) }
    }

    @Test("shape rules accept what PyTorch accepts, with its output shape, and reject the rest")
    func shapeRules() {
        for rule in NNKernelCase.all.shapeRules {
            let what = "\(rule.op) input \(rule.input) weight \(rule.weight ?? []) attrs \(rule.attrs)"
            do {
                let shape = try rule.outputShape()
                #expect(rule.output == shape, "\(what): shape \(shape), PyTorch \(rule.output.map { "\($0)" } ?? "raises")")
            } catch {
                #expect(rule.output == nil, "\(what): threw \"\(error)\", PyTorch gives \(rule.output ?? [])")
            }
        }
    }

    @Test("errors name the op, the shapes and the attribute")
    func errorMessages() {
        func message(_ body: () throws -> Void) -> GeometryError? {
            do { try body() } catch { return error as? GeometryError }
            return nil
        }
        let channels = message {
            _ = try ConvolutionGeometry(op: "conv2d", spatialRank: 2, input: [2, 5, 6, 6], weight: [4, 3, 3, 3], bias: nil,
                                        stride: [1], padding: [0], dilation: [1], groups: 1)
        }
        #expect(channels?.description.contains("conv2d") == true)
        #expect(channels?.message.contains("[2, 5, 6, 6]") == true && channels?.message.contains("[4, 3, 3, 3]") == true)
        #expect(channels?.attribute == nil)
        let stride = message {
            _ = try ConvolutionGeometry(op: "conv1d", spatialRank: 1, input: [2, 3, 9], weight: [4, 3, 3], bias: nil,
                                        stride: [1, 1], padding: [0], dilation: [1], groups: 1)
        }
        #expect(stride?.attribute == "stride" && stride?.message.contains("[1, 1]") == true)
        let outputPadding = message {
            _ = try TransposedConvolutionGeometry(input: [1, 3, 4, 4], weight: [3, 2, 3, 3], bias: nil, stride: [1],
                                                  padding: [0], outputPadding: [1], dilation: [1], groups: 1)
        }
        #expect(outputPadding?.attribute == "output_padding" && outputPadding?.op == "conv_transpose2d")
        let padding = message { _ = try PoolingGeometry(maxPool2d: [1, 1, 5, 5], kernelSize: [2], stride: [], padding: [2], dilation: [1], ceilMode: false) }
        #expect(padding?.attribute == "padding" && padding?.description.hasPrefix("max_pool2d: ") == true)
        let small = message { _ = try PoolingGeometry(avgPool2d: [1, 1, 2, 2], kernelSize: [3], stride: [], padding: [0], ceilMode: false) }
        #expect(small?.message.contains("too small") == true && small?.op == "avg_pool2d")
        let size = message { _ = try AdaptivePoolingGeometry(adaptiveAvgPool2d: [1, 2, 5, 9], outputSize: [-1, 3]) }
        #expect(size?.attribute == "output_size")
    }

    // MARK: - Checking one case

    private func check<T: TensorScalar>(_ c: NNKernelCase, as _: T.Type) throws {
        let float = T.self == Float.self
        let x = try #require(c.inputs["input"] ?? nil)
        let gy = KernelBuffer<T>(c.upstream.values), input = KernelBuffer<T>(x.values)
        let y = KernelBuffer<T>(count: c.output.values.count), gx = KernelBuffer<T>(count: x.values.count)
        func expectGrad(_ name: String, _ got: KernelBuffer<T>) {
            guard let want = c.grads[name] else {
                Issue.record("\(c.id): no gradient for \(name)")
                return
            }
            expectClose(got.values, want.values, tolerance: sumTolerance(want.values, float: float),
                        "\(c.id) \(c.op) grad \(name)")
        }
        switch c.op {
        case "conv1d", "conv2d", "conv_transpose2d":
            let w = try #require(c.inputs["weight"] ?? nil), b = c.inputs["bias"] ?? nil
            let weight = KernelBuffer<T>(w.values), bias = b.map { KernelBuffer<T>($0.values) }
            let gw = KernelBuffer<T>(count: w.values.count), gb = KernelBuffer<T>(count: b?.values.count ?? 0)
            if c.op == "conv_transpose2d" {
                let g = try TransposedConvolutionGeometry(input: x.shape, weight: w.shape, bias: b?.shape, stride: c.ints("stride"),
                                                          padding: c.ints("padding"), outputPadding: c.ints("output_padding"),
                                                          dilation: c.ints("dilation"), groups: c.int("groups"))
                #expect(g.outputShape == c.output.shape)
                TransposedConvolutionKernels.forward(g, input: input.readOnly, weight: weight.readOnly, bias: bias?.readOnly, output: y.pointer)
                TransposedConvolutionKernels.backwardInput(g, gradOutput: gy.readOnly, weight: weight.readOnly, gradInput: gx.pointer)
                TransposedConvolutionKernels.backwardWeight(g, input: input.readOnly, gradOutput: gy.readOnly, gradWeight: gw.pointer)
                if b != nil { TransposedConvolutionKernels.backwardBias(g, gradOutput: gy.readOnly, gradBias: gb.pointer) }
            } else {
                let g = try ConvolutionGeometry(op: c.op, spatialRank: c.op == "conv1d" ? 1 : 2, input: x.shape, weight: w.shape,
                                                bias: b?.shape, stride: c.ints("stride"), padding: c.ints("padding"),
                                                dilation: c.ints("dilation"), groups: c.int("groups"))
                #expect(g.outputShape == c.output.shape)
                // A 1-d convolution is a 2-d one of height 1 all through.
                #expect(g.spatialRank == 2 || (g.input.height == 1 && g.output.height == 1 && g.kernel.height == 1))
                ConvolutionKernels.forward(g, input: input.readOnly, weight: weight.readOnly, bias: bias?.readOnly, output: y.pointer)
                ConvolutionKernels.backwardInput(g, gradOutput: gy.readOnly, weight: weight.readOnly, gradInput: gx.pointer)
                ConvolutionKernels.backwardWeight(g, input: input.readOnly, gradOutput: gy.readOnly, gradWeight: gw.pointer)
                if b != nil { ConvolutionKernels.backwardBias(g, gradOutput: gy.readOnly, gradBias: gb.pointer) }
            }
            expectGrad("weight", gw)
            if b != nil { expectGrad("bias", gb) }
        case "max_pool2d":
            let g = try PoolingGeometry(maxPool2d: x.shape, kernelSize: c.ints("kernel_size"), stride: c.ints("stride"),
                                        padding: c.ints("padding"), dilation: c.ints("dilation"), ceilMode: c.bool("ceil_mode"))
            #expect(g.outputShape == c.output.shape)
            let count = c.output.values.count
            let indices = UnsafeMutablePointer<Int64>.allocate(capacity: Swift.max(1, count))
            defer { indices.deallocate() }
            MaxPoolingKernels.forward(g, input: input.readOnly, output: y.pointer, indices: indices)
            #expect((0..<count).map { Int(indices[$0]) } == c.indices?.data, "\(c.id): indices")
            MaxPoolingKernels.backward(g, gradOutput: gy.readOnly, indices: indices, gradInput: gx.pointer)
        case "avg_pool2d":
            let g = try PoolingGeometry(avgPool2d: x.shape, kernelSize: c.ints("kernel_size"), stride: c.ints("stride"),
                                        padding: c.ints("padding"), ceilMode: c.bool("ceil_mode"))
            #expect(g.outputShape == c.output.shape)
            let include = c.bool("count_include_pad")
            AveragePoolingKernels.forward(g, countIncludePad: include, input: input.readOnly, output: y.pointer)
            AveragePoolingKernels.backward(g, countIncludePad: include, gradOutput: gy.readOnly, gradInput: gx.pointer)
        case "adaptive_avg_pool2d":
            let g = try AdaptivePoolingGeometry(adaptiveAvgPool2d: x.shape, outputSize: c.ints("output_size"))
            #expect(g.outputShape == c.output.shape)
            AveragePoolingKernels.adaptiveForward(g, input: input.readOnly, output: y.pointer)
            AveragePoolingKernels.adaptiveBackward(g, gradOutput: gy.readOnly, gradInput: gx.pointer)
        default:
            Issue.record("\(c.id): unknown op \(c.op)")
        }
        expectClose(y.values, c.output.values, tolerance: sumTolerance(c.output.values, float: float), "\(c.id) \(c.op) output")
        expectGrad("input", gx)
    }
}

/// One case of nn_kernel_cases.json (see make_nn_kernel_cases.py).
struct NNKernelCase: Decodable, Sendable, CustomTestStringConvertible {
    struct TensorData: Decodable, Sendable {
        let shape: [Int]
        /// NaN and infinities come as the strings "NaN", "Infinity" and "-Infinity" (see `all`).
        let values: [Double]

        enum CodingKeys: String, CodingKey {
            case shape
            case values = "data"
        }
    }

    struct IndexData: Decodable, Sendable {
        let shape: [Int]
        let data: [Int]
    }

    /// An attribute: an int list, a bool or an int.
    enum Attribute: Decodable, Sendable, CustomStringConvertible {
        case ints([Int]), bool(Bool), int(Int)

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let list = try? c.decode([Int].self) { self = .ints(list) }
            else if let flag = try? c.decode(Bool.self) { self = .bool(flag) }
            else { self = .int(try c.decode(Int.self)) }
        }

        var description: String {
            switch self {
            case .ints(let list): "\(list)"
            case .bool(let flag): "\(flag)"
            case .int(let value): "\(value)"
            }
        }
    }

    /// A call to a shape rule and PyTorch's output shape, nil where PyTorch raises.
    struct ShapeRule: Decodable, Sendable {
        let op: String
        let input: [Int]
        let weight: [Int]?
        let bias: [Int]?
        let attrs: [String: Attribute]
        let output: [Int]?

        func outputShape() throws -> [Int] {
            func ints(_ name: String) -> [Int] { if case .ints(let v)? = attrs[name] { v } else { [] } }
            func int(_ name: String) -> Int { if case .int(let v)? = attrs[name] { v } else { 0 } }
            func bool(_ name: String) -> Bool { if case .bool(let v)? = attrs[name] { v } else { false } }
            switch op {
            case "conv1d", "conv2d":
                return try ConvolutionGeometry(op: op, spatialRank: op == "conv1d" ? 1 : 2, input: input, weight: weight ?? [],
                                               bias: bias, stride: ints("stride"), padding: ints("padding"),
                                               dilation: ints("dilation"), groups: int("groups")).outputShape
            case "conv_transpose2d":
                return try TransposedConvolutionGeometry(input: input, weight: weight ?? [], bias: bias, stride: ints("stride"),
                                                         padding: ints("padding"), outputPadding: ints("output_padding"),
                                                         dilation: ints("dilation"), groups: int("groups")).outputShape
            case "max_pool2d":
                return try PoolingGeometry(maxPool2d: input, kernelSize: ints("kernel_size"), stride: ints("stride"),
                                           padding: ints("padding"), dilation: ints("dilation"), ceilMode: bool("ceil_mode")).outputShape
            case "avg_pool2d":
                return try PoolingGeometry(avgPool2d: input, kernelSize: ints("kernel_size"), stride: ints("stride"),
                                           padding: ints("padding"), ceilMode: bool("ceil_mode")).outputShape
            default:
                return try AdaptivePoolingGeometry(adaptiveAvgPool2d: input, outputSize: ints("output_size")).outputShape
            }
        }
    }

    let id: String
    let op: String
    let dtype: String
    let inputs: [String: TensorData?]
    let attrs: [String: Attribute]
    let output: TensorData
    let upstream: TensorData
    let grads: [String: TensorData]
    let indices: IndexData?

    var testDescription: String { "\(id) \(op) \(dtype) \(inputs["input"].flatMap { $0?.shape } ?? [])" }

    func ints(_ name: String) -> [Int] { if case .ints(let v)? = attrs[name] { v } else { [] } }
    func int(_ name: String) -> Int { if case .int(let v)? = attrs[name] { v } else { 0 } }
    func bool(_ name: String) -> Bool { if case .bool(let v)? = attrs[name] { v } else { false } }

    struct File: Decodable, Sendable {
        let cases: [NNKernelCase]
        let shapeRules: [ShapeRule]

        enum CodingKeys: String, CodingKey {
            case cases
            case shapeRules = "shape_rules"
        }
    }

    static let all: File = {
        let url = Fixtures.url("nn_kernel_cases.json", in: "AutogradTests")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try! decoder.decode(File.self, from: Data(contentsOf: url))
    }()
}
