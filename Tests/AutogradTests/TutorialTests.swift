import Testing
import Autograd
import TestSupport

/// Every step of the autograd tutorial, with the values PyTorch prints.
@Suite("Tutorial")
struct TutorialTests {
    @Test("the gradient of x² at 3 is 6")
    func square() throws {
        let x = Tensor([3.0], requiresGrad: true)
        let y = x ** 2
        try y.backward()
        #expect(x.grad!.description == "tensor([6.])")
        #expect(y.description == "tensor([9.], grad_fn=<PowBackward0>)")
    }

    @Test("x² + 3x + 1 at 3 is 19, with gradient 9")
    func polynomial() throws {
        let x = Tensor([3.0], requiresGrad: true)
        let y = x ** 2 + 3 * x + 1
        #expect(y.description == "tensor([19.], grad_fn=<AddBackward0>)")
        try y.backward()
        #expect(x.grad!.description == "tensor([9.])")
    }

    @Test("the gradient of sum(v²) is 2v")
    func sumOfSquares() throws {
        let v = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
        let s = (v ** 2).sum()
        #expect(s.description == "tensor(14., grad_fn=<SumBackward0>)")
        try s.backward()
        #expect(v.grad!.description == "tensor([2., 4., 6.])")
    }

    @Test("a matrix: sum(m²) is 30 with gradient 2m, and a second backward adds 3m²")
    func matrix() throws {
        let m = Tensor([[1.0, 2.0], [3.0, 4.0]], requiresGrad: true)
        let s = (m ** 2).sum()
        #expect(s.description == "tensor(30., grad_fn=<SumBackward0>)")
        try s.backward()
        #expect(m.grad!.description == "tensor([[2., 4.],\n        [6., 8.]])")
        try (m ** 3).sum().backward()
        #expect(m.grad!.description == "tensor([[ 5., 16.],\n        [33., 56.]])")
    }

    @Test("gradients accumulate: 4, then 16")
    func accumulation() throws {
        let w = Tensor([2.0], requiresGrad: true)
        try (w ** 2).backward()
        #expect(w.grad!.scalars == [4])
        try (3 * w ** 2).backward()
        #expect(w.grad!.scalars == [16])
        w.grad!.zero()
        #expect(w.grad!.scalars == [0])
    }

    @Test("leaves keep grad; non-leaves only after retainGrad()")
    func leaves() throws {
        let a = Tensor([1.0, 2.0], requiresGrad: true)
        let b = a * 2
        let c = b * 3
        c.retainGrad()
        let out = c.sum()
        try out.backward()
        #expect(a.isLeaf && !b.isLeaf && !c.isLeaf)
        #expect(a.grad!.scalars == [6, 6])
        #expect(b.grad == nil)
        #expect(c.grad!.scalars == [1, 1])
        #expect(Tensor([1.0]).isLeaf)
        #expect(!Tensor([1.0]).requiresGrad)
    }

    @Test("gradFn names the op and links to the next functions")
    func gradFn() throws {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        let y = (x * 2 + 1).sum()
        let node = try #require(y.gradFn)
        #expect(node.name == "SumBackward0")
        guard case .node(let add, _) = node.nextFunctions[0] else {
            Issue.record("expected AddBackward0")
            return
        }
        #expect(add.name == "AddBackward0")
        guard case .node(let mul, _) = add.nextFunctions[0] else {
            Issue.record("expected MulBackward0")
            return
        }
        #expect(mul.name == "MulBackward0")
        guard case .accumulateGrad(let leaf) = mul.nextFunctions[0] else {
            Issue.record("expected AccumulateGrad")
            return
        }
        #expect(leaf === x)
        if case .unused = mul.nextFunctions[1] {} else { Issue.record("the scalar 2 needs no gradient") }
        #expect(x.gradFn == nil)
    }

    @Test("detach() shares data but not history")
    func detach() throws {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        let y = x * 2
        let d = y.detach()
        #expect(!d.requiresGrad && d.isLeaf && d.gradFn == nil)
        #expect(d.scalars == [2, 4])
        withNoGrad { d *= 10 }
        #expect(y.scalars == [20, 40], "a detached tensor shares storage with its source")
    }

    @Test("withNoGrad records nothing, withGrad re-enables, and both return the body's value")
    func noGrad() throws {
        let x = Tensor([1.0], requiresGrad: true)
        let (inside, nested) = withNoGrad {
            (x * 2, withGrad { x * 3 })
        }
        #expect(!inside.requiresGrad && inside.gradFn == nil)
        #expect(nested.requiresGrad && nested.gradFn?.name == "MulBackward0")
        #expect(GradMode.isEnabled)
        let outside = x * 2
        #expect(outside.requiresGrad)
    }

    @Test("grad(of:wrt:) returns 6 and leaves x.grad untouched")
    func gradFunction() throws {
        let x = Tensor([3.0], requiresGrad: true)
        let g = try grad(of: [x ** 2], wrt: [x])
        #expect(g[0]!.description == "tensor([6.])")
        #expect(x.grad == nil)
    }

    @Test("one step of the linear model updates w and b by the gradient")
    func linearModelStep() throws {
        let xs = Tensor([[1.0], [2.0], [3.0], [4.0]])
        let yTrue = Tensor([[2.0], [4.0], [6.0], [8.0]])
        let w = Tensor([[1.5]], requiresGrad: true)
        let b = Tensor([[0.5]], requiresGrad: true)
        #expect(w.description == "tensor([[1.5000]], requires_grad=True)")
        let loss = ((matmul(xs, w) + b - yTrue) ** 2).mean()
        // Residuals 1.5x + 0.5 - 2x = 0.5 - 0.5x: [0, -0.5, -1, -1.5]; mean of squares 0.875.
        #expect(loss.description == "tensor(0.8750, grad_fn=<MeanBackward0>)")
        try loss.backward()
        #expect(w.grad!.scalars == [-5])  // mean(2 · r · x) = (0 - 2 - 6 - 12) / 4
        #expect(b.grad!.scalars == [-1.5])  // mean(2 · r)
        withNoGrad {
            w -= 0.01 * w.grad!
            b -= 0.01 * b.grad!
            w.grad!.zero()
            b.grad!.zero()
        }
        expectClose(w, shape: [1, 1], [1.55])
        expectClose(b, shape: [1, 1], [0.515])
        #expect(w.grad!.scalars == [0] && b.grad!.scalars == [0])
        #expect(w.isLeaf && w.requiresGrad)
    }

    @Test("the training loop converges to w = 2, b = 0")
    func trainingLoop() throws {
        let xs = Tensor([[1.0], [2.0], [3.0], [4.0]])
        let yTrue = Tensor([[2.0], [4.0], [6.0], [8.0]])
        let w = Tensor([[1.5]], requiresGrad: true)
        let b = Tensor([[0.5]], requiresGrad: true)
        for _ in 0..<2000 {
            let loss = ((matmul(xs, w) + b - yTrue) ** 2).mean()
            try loss.backward()
            withNoGrad {
                w -= 0.05 * w.grad!
                b -= 0.05 * b.grad!
                w.grad!.zero()
                b.grad!.zero()
            }
        }
        expectClose(w, shape: [1, 1], [2], atol: 1e-3, rtol: 0)
        expectClose(b, shape: [1, 1], [0], atol: 1e-3, rtol: 0)
    }
}
