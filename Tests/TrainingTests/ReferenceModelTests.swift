import Autograd
import Foundation
import Testing
import TestSupport

/// A model PyTorch built and saved (`Fixtures/<name>.safetensors`, its `state_dict()`),
/// with an input and what PyTorch computed from it (`Fixtures/<name>.json`): the output
/// in eval mode, the cross-entropy loss against `target` and every parameter's gradient,
/// and the parameters after a few Adam steps in training mode.
struct ReferenceModel: Decodable {
    struct Values: Decodable {
        let shape: [Int]
        let dtype: String
        let data: [Double]

        func tensor() -> Tensor {
            dtype == "int64" ? Tensor(shape: shape, scalars: data, dtype: .int64)
                : Tensor(shape: shape, scalars: data, dtype: .float64)
        }
    }

    struct Loss: Decodable {
        let kind: String
        let value: Double
    }

    struct AdamSteps: Decodable {
        let steps: Int
        let lr: Double
        let parameters: [String: Values]
    }

    let model: String
    let dtype: String
    let mode: String
    let input: Values
    let output: Values
    let target: Values
    let loss: Loss
    let stateDictKeys: [String]
    let grads: [String: Values]
    let afterAdamSteps: AdamSteps?

    enum CodingKeys: String, CodingKey {
        case model, dtype, mode, input, output, target, loss, grads
        case stateDictKeys = "state_dict_keys"
        case afterAdamSteps = "after_adam_steps"
    }

    static func url(_ name: String, _ ext: String) -> URL {
        Fixtures.url("\(name).\(ext)", in: "TrainingTests")
    }

    static func load(_ name: String) throws -> ReferenceModel {
        try JSONDecoder().decode(ReferenceModel.self, from: Data(contentsOf: url(name, "json")))
    }
}

/// Values match PyTorch's within 1e-9 relatively, with an absolute floor of 1e-12 for values near 0.
@Suite("PyTorch-saved models")
struct ReferenceModelTests {
    /// `nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))`
    static func mlp() -> Sequential {
        Sequential(Linear(64, 32, dtype: .float64), ReLU(), Linear(32, 10, dtype: .float64))
    }

    /// `nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    /// nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
    /// nn.Flatten(), nn.Linear(64, 10))`
    static func cnn() -> Sequential {
        Sequential(
            Conv2d(1, 8, 3, padding: 1, dtype: .float64), ReLU(), MaxPool2d(2),
            Conv2d(8, 16, 3, padding: 1, dtype: .float64), BatchNorm2d(16, dtype: .float64), ReLU(), MaxPool2d(2),
            Flatten(), Linear(64, 10, dtype: .float64))
    }

    static let models: [String] = ["mlp", "cnn"]

    static func build(_ name: String) -> Sequential {
        name == "mlp" ? mlp() : cnn()
    }

    @Test("the state dict has PyTorch's keys and loads", arguments: models)
    func stateDictKeys(_ name: String) throws {
        let reference = try ReferenceModel.load(name)
        let model = Self.build(name)
        #expect(model.stateDict().map(\.name) == reference.stateDictKeys)
        let file = try Safetensors(contentsOf: ReferenceModel.url(name, "safetensors"))
        try model.loadStateDict(file)
        for (key, tensor) in model.stateDict() {
            #expect(tensor.scalars == file[key]!.scalars, "\(key) loaded")
            #expect(tensor.dtype == file[key]!.dtype, "\(key) keeps its dtype")
        }
    }

    @Test("eval output, loss and parameter gradients match PyTorch", arguments: models)
    func evalOutputLossAndGradients(_ name: String) throws {
        let reference = try ReferenceModel.load(name)
        let model = Self.build(name)
        try model.loadStateDict(from: ReferenceModel.url(name, "safetensors"))
        model.eval()
        let output = model(reference.input.tensor())
        expectClose(output, shape: reference.output.shape, reference.output.data, atol: 1e-12, rtol: 1e-9, "\(name) output")
        #expect(reference.loss.kind == "cross_entropy")
        let loss = crossEntropy(output, reference.target.tensor())
        expectClose(loss.item(), reference.loss.value, atol: 0, rtol: 1e-9, "\(name) loss")
        try loss.backward()
        let parameters = model.namedParameters()
        #expect(Set(parameters.map(\.name)) == Set(reference.grads.keys))
        for (key, parameter) in parameters {
            guard let want = reference.grads[key] else { continue }
            guard let grad = parameter.grad else {
                Issue.record("\(name) \(key) has no gradient")
                continue
            }
            expectClose(grad, shape: want.shape, want.data, atol: 1e-12, rtol: 1e-9, "\(name) grad of \(key)")
        }
    }

    @Test("the parameters after Adam steps in training mode match PyTorch's", arguments: models)
    func adamStepsInTrainingMode(_ name: String) throws {
        let reference = try ReferenceModel.load(name)
        let steps = try #require(reference.afterAdamSteps)
        let model = Self.build(name)
        try model.loadStateDict(from: ReferenceModel.url(name, "safetensors"))
        model.train()
        let optimizer = Adam(model.parameters(), learningRate: steps.lr)
        let (input, target) = (reference.input.tensor(), reference.target.tensor())
        var largestGradient: [String: Double] = [:]
        for _ in 0..<steps.steps {
            optimizer.zeroGrad()
            try crossEntropy(model(input), target).backward()
            for (key, parameter) in model.namedParameters() {
                let largest = parameter.grad?.scalars.map(abs).max() ?? 0
                largestGradient[key] = Swift.max(largestGradient[key] ?? 0, largest)
            }
            optimizer.step()
        }
        #expect(Set(model.namedParameters().map(\.name)) == Set(steps.parameters.keys))
        for (key, parameter) in model.namedParameters() {
            guard let want = steps.parameters[key] else { continue }
            if largestGradient[key]! <= Self.roundingLevelGradient {
                Self.expectWithinAdamNoise(parameter, want, steps: steps, "\(name) \(key) after \(steps.steps) Adam steps")
            } else {
                expectClose(parameter, shape: want.shape, want.data, atol: 1e-12, rtol: 1e-9, "\(name) \(key) after \(steps.steps) Adam steps")
            }
        }
    }

    /// A gradient no larger than this is zero up to rounding. The cnn's `3.bias`, a
    /// convolution's bias followed by `BatchNorm2d`, has such a gradient in training
    /// mode: batch normalisation subtracts the channel's mean, which removes any
    /// per-channel shift, so the exact gradient is 0 and what backward computes
    /// (in PyTorch too, about 1e-16) is rounding noise.
    static let roundingLevelGradient = 1e-14

    /// Adam divides the gradient by its own running magnitude plus `eps` (1e-8), so it
    /// turns a rounding-level gradient `g` into a step of up to `lr · |g| / eps`, whose
    /// value is as arbitrary as the noise: PyTorch itself, rerun with another thread
    /// count, moves the cnn's `3.bias` 1e-9 away from its fixture. Such a parameter is
    /// checked to have stayed within `2 · steps · lr · g_max / eps` of PyTorch's value,
    /// both runs' noise below `g_max = roundingLevelGradient`; every other parameter
    /// matches to 1e-9 relative.
    static func expectWithinAdamNoise(_ got: Tensor, _ want: ReferenceModel.Values, steps: ReferenceModel.AdamSteps,
                                      _ what: String) {
        let allowance = 2 * Double(steps.steps) * steps.lr * roundingLevelGradient / 1e-8
        expectClose(got, shape: want.shape, want.data, atol: allowance, rtol: 0,
                                "\(what), within what Adam's noise allows")
    }
}
