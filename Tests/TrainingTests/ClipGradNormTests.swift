import Autograd
import Testing
import TestSupport

@Suite("clipGradNorm")
struct ClipGradNormTests {
    @Test("returns the global 2-norm and scales gradients to maxNorm, as PyTorch")
    func clipsToMaxNorm() {
        let a = Tensor([1.0, 2.0], requiresGrad: true)
        let b = Tensor([[2.0]], dtype: .float64, requiresGrad: true)
        a.grad = Tensor([3.0, 4.0])                       // norm 5
        b.grad = Tensor([[12.0]], dtype: .float64)        // together: sqrt(25 + 144) = 13
        let norm = clipGradNorm([a, b], maxNorm: 1.3)
        expectClose(norm, 13, atol: 1e-9, rtol: 0, "norm")
        let coefficient = 1.3 / (13 + 1e-6)               // PyTorch's clip_coef
        expectClose(a.grad!.scalars, [3 * coefficient, 4 * coefficient], atol: 1e-6, rtol: 0, "a's gradient")
        expectClose(b.grad!.item(), 12 * coefficient, atol: 1e-12, rtol: 0, "b's gradient")
    }

    @Test("leaves gradients alone under maxNorm, and ignores parameters without one")
    func keepsSmallGradients() {
        let a = Tensor([1.0, 2.0], requiresGrad: true)
        let b = Tensor([1.0], requiresGrad: true)
        a.grad = Tensor([0.3, 0.4])
        let norm = clipGradNorm([a, b], maxNorm: 1)
        expectClose(norm, 0.5, atol: 1e-7, rtol: 0, "norm")
        #expect(a.grad!.scalars.map { Float($0) } == [0.3, 0.4])
        #expect(b.grad == nil)
    }

    @Test("the infinity norm is the largest absolute value")
    func infinityNorm() {
        let a = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
        a.grad = Tensor([1.0, -6.0, 2.0])
        let norm = clipGradNorm([a], maxNorm: 3, normType: .infinity)
        #expect(norm == 6)
        expectClose(a.grad!.scalars[1], -3, atol: 1e-5, rtol: 0, "the clipped largest gradient")
    }
}
