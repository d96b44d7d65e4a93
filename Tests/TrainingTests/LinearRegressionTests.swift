import Autograd
import Testing
import TestSupport

/// The tutorial's closing example, with an optimizer instead of hand-written updates.
@Suite("The tutorial's linear regression")
struct LinearRegressionTests {
    @Test("SGD fits y = 2x from w = 1.5, b = 0.5 to w = 2, b = 0 within 1e-3")
    func sgdFitsTheLine() throws {
        let xs = Tensor([[1.0], [2.0], [3.0], [4.0]])
        let ys = Tensor([[2.0], [4.0], [6.0], [8.0]])
        let w = Tensor([[1.5]], requiresGrad: true)
        let b = Tensor([[0.5]], requiresGrad: true)
        let optimizer = SGD([w, b], learningRate: 0.05)
        let criterion = MSELoss()
        for _ in 0..<1000 {
            optimizer.zeroGrad()
            let loss = criterion(matmul(xs, w) + b, ys)
            try loss.backward()
            optimizer.step()
        }
        expectClose(w.item(), 2, atol: 1e-3, rtol: 0, "w")
        expectClose(b.item(), 0, atol: 1e-3, rtol: 0, "b")
        optimizer.zeroGrad()
        #expect(w.grad == nil && b.grad == nil, "zeroGrad() clears gradients to nil by default")
    }
}
