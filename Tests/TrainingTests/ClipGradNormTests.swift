import Autograd
import Testing

@Suite("clipGradNorm")
struct ClipGradNormTests {
    @Test("returns the global 2-norm and scales gradients to maxNorm, as PyTorch")
    func clipsToMaxNorm() {
        let a = Tensor([1.0, 2.0], requiresGrad: true)
        let b = Tensor([[2.0]], dtype: .float64, requiresGrad: true)
        a.grad = Tensor([3.0, 4.0])                       // norm 5
        b.grad = Tensor([[12.0]], dtype: .float64)        // together: sqrt(25 + 144) = 13
        let norm = clipGradNorm([a, b], maxNorm: 1.3)
        #expect(Swift.abs(norm - 13) < 1e-9)
        let coefficient = 1.3 / (13 + 1e-6)               // PyTorch's clip_coef
        #expect(zip(a.grad!.scalars, [3.0, 4.0]).allSatisfy { Swift.abs($0 - $1 * coefficient) < 1e-6 })
        #expect(Swift.abs(b.grad!.item() - 12 * coefficient) < 1e-12)
    }

    @Test("leaves gradients alone under maxNorm, and ignores parameters without one")
    func keepsSmallGradients() {
        let a = Tensor([1.0, 2.0], requiresGrad: true)
        let b = Tensor([1.0], requiresGrad: true)
        a.grad = Tensor([0.3, 0.4])
        let norm = clipGradNorm([a, b], maxNorm: 1)
        #expect(Swift.abs(norm - 0.5) < 1e-7)
        #expect(a.grad!.scalars.map { Float($0) } == [0.3, 0.4])
        #expect(b.grad == nil)
    }

    @Test("the infinity norm is the largest absolute value")
    func infinityNorm() {
        let a = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
        a.grad = Tensor([1.0, -6.0, 2.0])
        let norm = clipGradNorm([a], maxNorm: 3, normType: .infinity)
        #expect(norm == 6)
        #expect(Swift.abs(a.grad!.scalars[1] + 3) < 1e-5)
    }
}
