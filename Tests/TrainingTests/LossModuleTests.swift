import Autograd
import Foundation
import Testing
import TestSupport

/// The losses as modules (`torch.nn.L1Loss`, ...): each applies its function with
/// the module's `reduction` and options, and `none`, `sum` and `mean` agree.
@Suite("Loss modules")
struct LossModuleTests {
    // Tolerances: 1e-12 of max(1, |expected|) as atol = rtol = 5e-13, which never allows more.

    let x = Tensor([[0.2, -1.5, 3.0], [0.7, 0.1, -0.4]], dtype: .float64)
    let y = Tensor([[0.0, -1.0, 1.0], [0.75, 0.5, -2.0]], dtype: .float64)

    /// Per-element values of `f(x, y)` over the fixture pair.
    func elementwise(_ f: (Double, Double) -> Double) -> [Double] {
        zip(x.scalars, y.scalars).map(f)
    }

    /// `module` with reductions none, sum and mean gives `perElement`, its sum and its mean.
    func expectReductions(_ perElement: [Double], _ loss: (LossReduction) -> Tensor, _ what: String) {
        expectClose(loss(.unreduced).scalars, perElement, atol: 5e-13, rtol: 5e-13, "\(what): none")
        expectClose([loss(.sum).item()], [perElement.reduce(0, +)], atol: 5e-13, rtol: 5e-13, "\(what): sum")
        expectClose([loss(.mean).item()], [perElement.reduce(0, +) / Double(perElement.count)], atol: 5e-13, rtol: 5e-13, "\(what): mean")
    }

    @Test("L1Loss, SmoothL1Loss and HuberLoss: PyTorch's formulas, beta and delta, every reduction")
    func regression() {
        expectReductions(elementwise { Swift.abs($0 - $1) }, { L1Loss(reduction: $0)(x, y) }, "L1Loss")
        let beta = 0.5
        expectReductions(elementwise { a, b in
            let z = Swift.abs(a - b)
            return z < beta ? 0.5 * z * z / beta : z - 0.5 * beta
        }, { SmoothL1Loss(reduction: $0, beta: beta)(x, y) }, "SmoothL1Loss")
        let delta = 0.7
        expectReductions(elementwise { a, b in
            let z = Swift.abs(a - b)
            return z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta)
        }, { HuberLoss(reduction: $0, delta: delta)(x, y) }, "HuberLoss")
        // Huber is delta times smooth L1 with beta = delta.
        expectClose([HuberLoss(delta: delta)(x, y).item()], [delta * SmoothL1Loss(beta: delta)(x, y).item()], atol: 5e-13, rtol: 5e-13)
    }

    @Test("BCELoss and BCEWithLogitsLoss agree through the sigmoid, with weights and pos_weight")
    func binary() throws {
        let logits = x
        let target = Tensor([[0.0, 1.0, 1.0], [0.5, 0.0, 1.0]], dtype: .float64)
        let weight = Tensor([1.0, 2.0, 0.5], dtype: .float64)
        let probabilities = sigmoid(logits)
        let expected = zip(probabilities.scalars, target.scalars).enumerated().map { i, pair -> Double in
            let (p, t) = pair
            return -[1.0, 2.0, 0.5][i % 3] * (t * Foundation.log(p) + (1 - t) * Foundation.log(1 - p))
        }
        expectReductions(expected, { BCELoss(weight: weight, reduction: $0)(probabilities, target) }, "BCELoss")
        expectReductions(expected, { BCEWithLogitsLoss(weight: weight, reduction: $0)(logits, target) }, "BCEWithLogitsLoss")

        let positive = Tensor([3.0, 1.0, 0.25], dtype: .float64)
        let weighted = zip(probabilities.scalars, target.scalars).enumerated().map { i, pair -> Double in
            let (p, t) = pair
            return -([3.0, 1.0, 0.25][i % 3] * t * Foundation.log(p) + (1 - t) * Foundation.log(1 - p))
        }
        expectReductions(weighted, { BCEWithLogitsLoss(reduction: $0, posWeight: positive)(logits, target) },
                         "BCEWithLogitsLoss with posWeight")

        // The gradient with pos_weight: ((p_w y + 1 - y) σ(z) - p_w y) / n.
        let z = Tensor(shape: logits.shape, scalars: logits.scalars, dtype: .float64, requiresGrad: true)
        try BCEWithLogitsLoss(posWeight: positive)(z, target).backward()
        let grads = zip(probabilities.scalars, target.scalars).enumerated().map { i, pair -> Double in
            let (s, t) = pair, pw = [3.0, 1.0, 0.25][i % 3]
            return ((pw * t + 1 - t) * s - pw * t) / 6
        }
        expectClose(z.grad!.scalars, grads, atol: 5e-13, rtol: 5e-13)
    }

    @Test("BCELoss clamps its logs at -100 and refuses values outside [0, 1]")
    func bceClamp() {
        let loss = BCELoss(reduction: .unreduced)(Tensor([0.0, 1.0], dtype: .float64), Tensor([1.0, 0.0], dtype: .float64))
        #expect(loss.scalars == [100, 100])
        #expect(throws: AutogradError.self) {
            try OpRegistry.shared.call("binary_cross_entropy", [Tensor([1.5], dtype: .float64), Tensor([1.0], dtype: .float64)])
        }
    }

    @Test("KLDivLoss: batchmean divides the sum by the batch size; logTarget takes log-probabilities")
    func klDivergence() {
        let input = logSoftmax(x, dim: 1)
        let target = softmax(y, dim: 1)
        let perElement = zip(input.scalars, target.scalars).map { l, t in t * (Foundation.log(t) - l) }
        expectClose(KLDivLoss(reduction: .unreduced)(input, target).scalars, perElement, atol: 5e-13, rtol: 5e-13)
        expectClose([KLDivLoss(reduction: .batchMean)(input, target).item()], [perElement.reduce(0, +) / 2], atol: 5e-13, rtol: 5e-13)
        expectClose([KLDivLoss()(input, target).item()], [perElement.reduce(0, +) / 6], atol: 5e-13, rtol: 5e-13)
        expectClose([KLDivLoss(reduction: .sum, logTarget: true)(input, log(target)).item()], [perElement.reduce(0, +)], atol: 5e-13, rtol: 5e-13)
        // A zero target contributes 0, not NaN.
        let zero = KLDivLoss(reduction: .sum)(Tensor([-1.0, -0.5], dtype: .float64), Tensor([0.0, 1.0], dtype: .float64))
        expectClose([zero.item()], [0.5], atol: 5e-13, rtol: 5e-13)
    }

    @Test("NLLLoss after logSoftmax is CrossEntropyLoss, with weights and ignoreIndex")
    func nll() {
        let target = Tensor([2, 1])
        let weight = Tensor([1.0, 2.0, 3.0], dtype: .float64)
        for reduction in LossReduction.allCases {
            let nll = NLLLoss(weight: weight, reduction: reduction)(logSoftmax(x, dim: 1), target)
            let ce = CrossEntropyLoss(weight: weight, reduction: reduction)(x, target)
            expectClose(nll.scalars, ce.scalars, atol: 5e-13, rtol: 5e-13, "\(reduction)")
        }
        let ignored = NLLLoss(ignoreIndex: 1)(logSoftmax(x, dim: 1), target)
        expectClose([ignored.item()], [-logSoftmax(x, dim: 1).scalars[2]], atol: 5e-13, rtol: 5e-13)
    }
}
