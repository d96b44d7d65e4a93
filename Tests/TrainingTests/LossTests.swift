import Autograd
import Foundation
import Testing

@Suite("Losses")
struct LossTests {
    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-6) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) }
    }

    @Test("MSELoss: mean, sum and none, and its gradient")
    func mse() throws {
        let p = Tensor([1.0, 2.0, 4.0], dtype: .float64, requiresGrad: true)
        let t = Tensor([1.0, 0.0, 1.0], dtype: .float64)
        #expect(MSELoss()(p, t).item() == 13.0 / 3)
        #expect(MSELoss(reduction: .sum)(p, t).item() == 13)
        #expect(MSELoss(reduction: .unreduced)(p, t).scalars == [0, 4, 9])
        try MSELoss()(p, t).backward()
        #expect(Self.close(p.grad!.scalars, [0, 4.0 / 3, 2], 1e-12))
    }

    @Test("CrossEntropyLoss: -log softmax at the target, averaged; sum and none agree")
    func crossEntropy() throws {
        let logits = Tensor([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]], dtype: .float64, requiresGrad: true)
        let target = Tensor([0, 2])
        func nll(_ row: [Double], _ k: Int) -> Double { log(row.map { exp($0) }.reduce(0, +)) - row[k] }
        let perSample = [nll([2, 1, 0.1], 0), nll([0.5, 2.5, -1], 2)]
        #expect(Self.close([CrossEntropyLoss()(logits, target).item()], [(perSample[0] + perSample[1]) / 2], 1e-12))
        #expect(Self.close(CrossEntropyLoss(reduction: .unreduced)(logits, target).scalars, perSample, 1e-12))
        #expect(Self.close([CrossEntropyLoss(reduction: .sum)(logits, target).item()], [perSample[0] + perSample[1]], 1e-12))

        try CrossEntropyLoss()(logits, target).backward()
        let meanGrad = logits.grad!.scalars
        logits.grad = nil
        try (CrossEntropyLoss(reduction: .unreduced)(logits, target).mean()).backward()
        #expect(Self.close(meanGrad, logits.grad!.scalars, 1e-12), "the fused op and the composed form differentiate alike")
    }

    @Test("BCEWithLogitsLoss matches -(y log σ(z) + (1 - y) log(1 - σ(z))) and stays finite for large logits")
    func bceValues() {
        let z = Tensor([-3.0, -0.5, 0.0, 0.7, 4.0], dtype: .float64)
        let y = Tensor([0.0, 1.0, 1.0, 0.25, 1.0], dtype: .float64)
        let expected = zip(z.scalars, y.scalars).map { z, y -> Double in
            let s = 1 / (1 + exp(-z))
            return -(y * log(s) + (1 - y) * log(1 - s))
        }
        #expect(Self.close(BCEWithLogitsLoss(reduction: .unreduced)(z, y).scalars, expected, 1e-12))
        #expect(Self.close([BCEWithLogitsLoss()(z, y).item()], [expected.reduce(0, +) / 5], 1e-12))

        let large = BCEWithLogitsLoss(reduction: .unreduced)(Tensor([200.0, -200.0]), Tensor([0.0, 1.0]))
        #expect(Self.close(large.scalars, [200, 200], 1e-6), "no overflow to inf for |z| = 200 in float32")
    }

    @Test("BCEWithLogitsLoss's gradient is (σ(z) - y) / n, including at z = 0")
    func bceGradient() throws {
        let z = Tensor([0.0, 0.0, 1.5, -2.0], dtype: .float64, requiresGrad: true)
        let y = Tensor([0.0, 1.0, 1.0, 0.5], dtype: .float64)
        try BCEWithLogitsLoss()(z, y).backward()
        let expected: [Double] = zip([0.0, 0.0, 1.5, -2.0], y.scalars).map { (z: Double, y: Double) -> Double in
            (1 / (1 + Foundation.exp(-z)) - y) / 4
        }
        #expect(Self.close(z.grad!.scalars, expected, 1e-12))
    }
}
