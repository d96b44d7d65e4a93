import Autograd
import Foundation
import Testing
import TestSupport

@Suite("Losses")
struct LossTests {
    // Tolerances: t of max(1, |expected|) as atol = rtol = t / 2, which never allows more.

    @Test("MSELoss: mean, sum and none, and its gradient")
    func mse() throws {
        let p = Tensor([1.0, 2.0, 4.0], dtype: .float64, requiresGrad: true)
        let t = Tensor([1.0, 0.0, 1.0], dtype: .float64)
        #expect(MSELoss()(p, t).item() == 13.0 / 3)
        #expect(MSELoss(reduction: .sum)(p, t).item() == 13)
        #expect(MSELoss(reduction: .unreduced)(p, t).scalars == [0, 4, 9])
        try MSELoss()(p, t).backward()
        expectClose(p.grad!.scalars, [0, 4.0 / 3, 2], atol: 5e-13, rtol: 5e-13)
    }

    @Test("CrossEntropyLoss: -log softmax at the target, averaged; sum and none agree")
    func crossEntropy() throws {
        let logits = Tensor([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]], dtype: .float64, requiresGrad: true)
        let target = Tensor([0, 2])
        func nll(_ row: [Double], _ k: Int) -> Double { log(row.map { exp($0) }.reduce(0, +)) - row[k] }
        let perSample = [nll([2, 1, 0.1], 0), nll([0.5, 2.5, -1], 2)]
        expectClose([CrossEntropyLoss()(logits, target).item()], [(perSample[0] + perSample[1]) / 2], atol: 5e-13, rtol: 5e-13)
        expectClose(CrossEntropyLoss(reduction: .unreduced)(logits, target).scalars, perSample, atol: 5e-13, rtol: 5e-13)
        expectClose([CrossEntropyLoss(reduction: .sum)(logits, target).item()], [perSample[0] + perSample[1]], atol: 5e-13, rtol: 5e-13)

        try CrossEntropyLoss()(logits, target).backward()
        let meanGrad = logits.grad!.scalars
        logits.grad = nil
        try (CrossEntropyLoss(reduction: .unreduced)(logits, target).mean()).backward()
        expectClose(meanGrad, logits.grad!.scalars, atol: 5e-13, rtol: 5e-13, "the fused op and the composed form differentiate alike")
    }

    @Test("BCEWithLogitsLoss matches -(y log σ(z) + (1 - y) log(1 - σ(z))) and stays finite for large logits")
    func bceValues() {
        let z = Tensor([-3.0, -0.5, 0.0, 0.7, 4.0], dtype: .float64)
        let y = Tensor([0.0, 1.0, 1.0, 0.25, 1.0], dtype: .float64)
        let expected = zip(z.scalars, y.scalars).map { z, y -> Double in
            let s = 1 / (1 + exp(-z))
            return -(y * log(s) + (1 - y) * log(1 - s))
        }
        expectClose(BCEWithLogitsLoss(reduction: .unreduced)(z, y).scalars, expected, atol: 5e-13, rtol: 5e-13)
        expectClose([BCEWithLogitsLoss()(z, y).item()], [expected.reduce(0, +) / 5], atol: 5e-13, rtol: 5e-13)

        let large = BCEWithLogitsLoss(reduction: .unreduced)(Tensor([200.0, -200.0]), Tensor([0.0, 1.0]))
        expectClose(large.scalars, [200, 200], atol: 5e-7, rtol: 5e-7, "no overflow to inf for |z| = 200 in float32")
    }

    @Test("BCEWithLogitsLoss's gradient is (σ(z) - y) / n, including at z = 0")
    func bceGradient() throws {
        let z = Tensor([0.0, 0.0, 1.5, -2.0], dtype: .float64, requiresGrad: true)
        let y = Tensor([0.0, 1.0, 1.0, 0.5], dtype: .float64)
        try BCEWithLogitsLoss()(z, y).backward()
        let expected: [Double] = zip([0.0, 0.0, 1.5, -2.0], y.scalars).map { (z: Double, y: Double) -> Double in
            (1 / (1 + Foundation.exp(-z)) - y) / 4
        }
        expectClose(z.grad!.scalars, expected, atol: 5e-13, rtol: 5e-13)
    }
}
