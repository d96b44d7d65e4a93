import Testing
@testable import Autograd
import TestSupport

/// The Swift API of the pointwise activations: spellings, PyTorch's gradients at
/// the kinks, NaN and ±inf as PyTorch's kernels give them, string attributes, and
/// second derivatives. Their values against PyTorch are ReferenceCaseTests'.
@Suite("Activations")
struct ActivationTests {
    static let activations: [(String, [String: AttributeValue], @Sendable (Tensor) -> Tensor, @Sendable (Tensor) -> Tensor)] = [
        ("leaky_relu", ["negative_slope": 0.2], { leakyRelu($0, negativeSlope: 0.2) }, { $0.leakyRelu(negativeSlope: 0.2) }),
        ("elu", ["alpha": 1.3], { elu($0, alpha: 1.3) }, { $0.elu(alpha: 1.3) }),
        ("selu", [:], { selu($0) }, { $0.selu() }),
        ("gelu", [:], { gelu($0) }, { $0.gelu() }),
        ("gelu", ["approximate": "tanh"], { gelu($0, approximate: .tanh) }, { $0.gelu(approximate: .tanh) }),
        ("silu", [:], { silu($0) }, { $0.silu() }),
        ("mish", [:], { mish($0) }, { $0.mish() }),
        ("softplus", ["beta": 2, "threshold": 3], { Autograd.softplus($0, beta: 2, threshold: 3) },
         { $0.softplus(beta: 2, threshold: 3) }),
        ("hardtanh", ["min_val": -0.5, "max_val": 0.25], { hardtanh($0, min: -0.5, max: 0.25) },
         { $0.hardtanh(min: -0.5, max: 0.25) }),
        ("log_sigmoid", [:], { logSigmoid($0) }, { $0.logSigmoid() }),
        ("softsign", [:], { softsign($0) }, { $0.softsign() }),
        ("hardswish", [:], { hardswish($0) }, { $0.hardswish() }),
    ]

    @Test("each activation is a free function and a method that agree with the registry's op", arguments: activations.indices)
    func spellings(_ index: Int) throws {
        let (name, attributes, function, method) = Self.activations[index]
        let x = Tensor(shape: [3, 2], scalars: [0.3, -0.7, 2.45, 0.9, -3.2, 0.6], dtype: .float64).transposed(0, 1)
        let viaRegistry = try OpRegistry.shared.call(name, [x], attributes: attributes)
        #expect(function(x).scalars == viaRegistry.scalars, "\(name)")
        #expect(method(x).scalars == viaRegistry.scalars, "\(name)")
        #expect(viaRegistry.shape == [2, 3] && viaRegistry.dtype == .float64)
        #expect(function(Tensor(0.5)).shape == [] && function(Tensor.zeros([2, 0])).shape == [2, 0])
        // Integer tensors compute in float32, as PyTorch's float ops take them.
        #expect(function(Tensor([-2, 0, 3])).dtype == .float32)
    }

    @Test("defaults are PyTorch's")
    func defaults() {
        let x = Tensor([-30.0, -2.0, -0.5, 0.5, 2.0, 30.0], dtype: .float64)
        #expect(leakyRelu(x).scalars == leakyRelu(x, negativeSlope: 0.01).scalars)
        #expect(elu(x).scalars == elu(x, alpha: 1).scalars)
        #expect(Autograd.softplus(x).scalars == Autograd.softplus(x, beta: 1, threshold: 20).scalars)
        #expect(hardtanh(x).scalars == hardtanh(x, min: -1, max: 1).scalars)
        #expect(gelu(x).scalars == gelu(x, approximate: .exact).scalars)
        #expect(gelu(x).scalars != gelu(x, approximate: .tanh).scalars)
        #expect(GELUApproximation.exact.rawValue == "none" && GELUApproximation.tanh.rawValue == "tanh")
    }

    /// The gradient of each op at points where it has a kink, as PyTorch's backward kernels give it.
    @Test("gradients at the kinks are PyTorch's")
    func kinks() throws {
        func gradient(_ f: (Tensor) -> Tensor, at points: [Double]) throws -> [Double] {
            let x = Tensor(shape: [points.count], scalars: points, dtype: .float64, requiresGrad: true)
            return try #require(try grad(of: [f(x).sum()], wrt: [x])[0]).scalars
        }
        #expect(try gradient({ relu($0) }, at: [-1, 0, 1]) == [0, 0, 1])
        #expect(try gradient({ leakyRelu($0, negativeSlope: 0.2) }, at: [-1, 0, 1]) == [0.2, 0.2, 1])
        #expect(try gradient({ elu($0, alpha: 1.3) }, at: [0, 1]) == [1.3, 1])
        let selu0 = try gradient({ selu($0) }, at: [0, 1])
        expectClose(selu0[0], 1.6732632423543772 * 1.0507009873554805, atol: 1e-15, rtol: 0, "selu's gradient at 0")
        #expect(selu0[1] == 1.0507009873554805)
        // hardtanh: 0 on the bounds themselves (clamp gives 1 there).
        #expect(try gradient({ hardtanh($0, min: -0.5, max: 0.25) }, at: [-0.5, -0.25, 0.25, 1]) == [0, 1, 0, 0])
        #expect(try gradient({ clamp($0, min: -0.5, max: 0.25) }, at: [-0.5, 0.25]) == [1, 1])
        // hardswish: 0 at -3, x/3 + 1/2 inside, 1 at 3 (PyTorch since the 2025 fix of its boundaries).
        #expect(try gradient({ hardswish($0) }, at: [-3, -1.5, 0, 1.5, 3, 4]) == [0, 0, 0.5, 1, 1, 1])
        // softplus: linear only strictly above the threshold.
        let atThreshold = try gradient({ Autograd.softplus($0, beta: 2, threshold: 3) }, at: [1.5, 1.6])
        #expect(atThreshold[0] < 1 && atThreshold[1] == 1)
    }

    @Test("NaN and ±inf give what PyTorch's kernels give", arguments: [DType.float32, .float64])
    func specialValues(_ dtype: DType) {
        let x = Tensor([-Double.infinity, .infinity, .nan], dtype: dtype)
        func values(_ y: Tensor) -> [String] { y.scalars.map { $0.isNaN ? "nan" : "\($0)" } }
        #expect(values(leakyRelu(x)) == ["-inf", "inf", "nan"])
        #expect(values(elu(x, alpha: 2)) == ["-2.0", "inf", "nan"])
        #expect(values(relu(x)) == ["0.0", "inf", "nan"])
        // x · Φ(x) and x · sigmoid(x) are -inf · 0 at -inf, in PyTorch's formulas as here.
        #expect(values(gelu(x)) == ["nan", "inf", "nan"] && values(gelu(x, approximate: .tanh)) == ["nan", "inf", "nan"])
        #expect(values(silu(x)) == ["nan", "inf", "nan"] && values(mish(x)) == ["nan", "inf", "nan"])
        #expect(values(Autograd.softplus(x)) == ["0.0", "inf", "nan"])
        #expect(values(Autograd.softplus(x, threshold: 1e30)) == ["0.0", "inf", "nan"])
        #expect(values(hardtanh(x)) == ["-1.0", "1.0", "nan"])
        #expect(values(logSigmoid(x)) == ["-inf", "0.0", "nan"])
        #expect(values(softsign(x)) == ["nan", "nan", "nan"])
        #expect(values(hardswish(x)) == ["nan", "inf", "nan"])
        #expect(values(selu(x)).last == "nan")
    }

    @Test("log_sigmoid and softplus stay finite and accurate where exp overflows or underflows")
    func stability() {
        let x = Tensor([-1000.0, -50.0, 50.0, 1000.0], dtype: .float64)
        let y = logSigmoid(x).scalars
        #expect(y[0] == -1000 && y[1] == -50 && y[3] == 0)
        expectClose(y[2], -Double.exp(-50), atol: 1e-30, rtol: 0, "log_sigmoid(50)")
        #expect(Autograd.softplus(x).scalars == [0, Double.exp(-50), 50, 1000])
        let g = logSigmoid(Tensor([-1000.0, 1000.0], dtype: .float32)).scalars
        #expect(g == [-1000, 0])
    }

    @Test("the gradient passes through NaN where PyTorch's backward kernels let it")
    func nanGradients() throws {
        func gradient(_ f: (Tensor) -> Tensor) throws -> Double {
            let x = Tensor(shape: [1], scalars: [Double.nan], dtype: .float64, requiresGrad: true)
            return try #require(try grad(of: [f(x).sum()], wrt: [x])[0]).item()
        }
        // relu's threshold_backward and hardtanh's bounds test compare false for NaN: the gradient passes.
        #expect(try gradient { relu($0) } == 1)
        #expect(try gradient { hardtanh($0) } == 1)
        #expect(try gradient { hardswish($0) } == 1)
        #expect(try gradient { elu($0, alpha: 2) } == 1)
        #expect(try gradient { leakyRelu($0, negativeSlope: 0.2) } == 0.2)
    }

    @Test("gelu's approximate is a checked string attribute")
    func stringAttribute() throws {
        let x = Tensor([0.5, -1.0], dtype: .float64)
        let tanh = try OpRegistry.shared.call("gelu", [x], attributes: ["approximate": "tanh"])
        #expect(tanh.scalars == gelu(x, approximate: .tanh).scalars)
        expectError(["gelu", "approximate", "one of \"none\", \"tanh\"", "\"fast\""]) {
            _ = try OpRegistry.shared.call("gelu", [x], attributes: ["approximate": "fast"])
        }
        expectError(["gelu", "approximate", "got int 1"]) {
            _ = try OpRegistry.shared.call("gelu", [x], attributes: ["approximate": 1])
        }
    }

    /// Second derivatives against central differences of the first (gradgradcheck),
    /// for the ops whose attributes the format-2 hvp cases leave out.
    @Test("first derivatives differentiate again", arguments: activations.indices)
    func secondOrder(_ index: Int) throws {
        let (name, _, function, _) = Self.activations[index]
        try expectDerivativesMatchDifferences([-2.7, -0.8, -0.2, 0.35, 1.1, 2.2], shape: [6], "\(name) second derivative",
                                              checks: [.secondOrder], function)
    }
}
