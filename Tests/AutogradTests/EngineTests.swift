import Foundation
import Testing
@testable import Autograd
import TestSupport

@Suite("Engine")
struct EngineTests {
    @Test("backward through a chain of 1,000,000 ops completes, iteratively")
    func longChain() throws {
        let x = Tensor([1.0], dtype: .float64, requiresGrad: true)
        var y = x
        for i in 0..<1_000_000 {
            y = i % 2 == 0 ? y * 1.000001 : y + 0.000001
        }
        try y.backward()
        // d/dx of (x · a + c)^n-fold is a^(n/2).
        expectClose(x.grad!.scalars, [pow(1.000001, 500_000)], atol: 0, rtol: 1e-4, "chain gradient")
    }

    @Test("a graph is freed with its last tensor: no retain cycles")
    func noRetainCycles() throws {
        weak var node: Node?
        weak var output: Tensor?
        do {
            let x = Tensor([1.0, 2.0], requiresGrad: true)
            let y = exp(x * 2)  // exp saves its output: the case a cycle would come from
            node = y.gradFn
            output = y
            #expect(node != nil)
            try y.sum().backward(retainGraph: true)
        }
        #expect(node == nil)
        #expect(output == nil)
    }

    @Test("saved tensors are freed by backward; a second backward throws unless retainGraph")
    func secondBackward() throws {
        let x = Tensor([2.0], requiresGrad: true)
        let y = x * x
        try y.backward(retainGraph: true)
        try y.backward()
        #expect(x.grad!.scalars == [8])
        expectError(["MulBackward0", "second time", "retainGraph: true"]) { try y.backward() }
        let node = try #require(y.gradFn)
        #expect(node.inputs.allSatisfy { $0.saved == nil })
    }

    @Test("ops that save nothing can backward twice, as in PyTorch")
    func secondBackwardWithoutSavedTensors() throws {
        let x = Tensor([2.0], requiresGrad: true)
        let y = x + 1
        try y.backward()
        try y.backward()
        #expect(x.grad!.scalars == [2])
    }

    @Test("backward on a non-scalar needs gradient:")
    func nonScalar() throws {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        let y = x * 2
        expectError(["implicitly created only for one-element outputs", "[2]", "gradient:"]) { try y.backward() }
        try y.backward(gradient: Tensor([1.0, 0.5]))
        #expect(x.grad!.scalars == [2, 1])
        expectError(["gradient has shape [3]", "expected the output's shape [2]"]) {
            try y.backward(gradient: Tensor([1.0, 2.0, 3.0]))
        }
    }

    @Test("backward on a tensor that does not require grad throws")
    func noGradOutput() {
        expectError(["does not require grad"]) { try Tensor([1.0]).backward() }
    }

    @Test("grad(of:wrt:) with unused inputs, non-leaf inputs and createGraph")
    func gradFunction() throws {
        let x = Tensor([2.0], requiresGrad: true)
        let unused = Tensor([5.0], requiresGrad: true)
        let y = x * x
        let z = y * 3
        expectError(["input 1 was not used", "allowUnused: true"]) {
            _ = try grad(of: [z], wrt: [x, unused], retainGraph: true)
        }
        let g = try grad(of: [z], wrt: [x, unused, y], retainGraph: true, allowUnused: true)
        #expect(g[0]!.scalars == [12])
        #expect(g[1] == nil)
        #expect(g[2]!.scalars == [3])
        #expect(x.grad == nil && unused.grad == nil)
        let first = try grad(of: [z], wrt: [x], createGraph: true)[0]!
        #expect(first.requiresGrad)
        let second = try grad(of: [first], wrt: [x])[0]!
        #expect(second.scalars == [6])
    }

    @Test("backward with createGraph builds a differentiable grad")
    func createGraph() throws {
        let x = Tensor([3.0], requiresGrad: true)
        try (x ** 3).backward(createGraph: true)
        let g = try #require(x.grad)
        #expect(g.scalars == [27] && g.requiresGrad)
        let second = try grad(of: [g], wrt: [x])[0]!
        #expect(second.scalars == [18])
    }

    @Test("a diamond graph sums both paths")
    func diamond() throws {
        let x = Tensor([3.0], requiresGrad: true)
        let a = x * 2, b = x * x
        try (a * b).backward()  // d(2x³)/dx = 6x²
        #expect(x.grad!.scalars == [54])
    }

    @Test("broadcast gradients are summed back to each input's shape")
    func broadcastReduction() throws {
        let a = Tensor([[1.0], [2.0]], requiresGrad: true)
        let b = Tensor([10.0, 20.0, 30.0], requiresGrad: true)
        try (a * b).sum().backward()
        expectClose(a.grad, shape: [2, 1], [60, 60])
        expectClose(b.grad, shape: [3], [3, 3, 3])
    }

    @Test("requiresGrad can be set on leaves; results of ops inherit it")
    func requiresGradFlag() {
        let x = Tensor([1.0])
        #expect(!(x * 2).requiresGrad)
        x.requiresGrad = true
        #expect((x * 2).requiresGrad)
    }

    @Test("changing requiresGrad of a non-leaf traps with a message")
    func requiresGradOnNonLeaf() async {
        await #expect(processExitsWith: .failure) {
            let y = Tensor([1.0], requiresGrad: true) * 2
            y.requiresGrad = false
        }
    }

    @Test("a scalar in an expression is one shared 0-d tensor per value and dtype, never written")
    func sharedScalars() throws {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        let a = x * 2, b = x * 2
        let savedA = try #require(a.gradFn?.inputs[1].saved), savedB = try #require(b.gradFn?.inputs[1].saved)
        #expect(savedA === savedB)
        #expect(a.gradFn?.inputs[0].saved == nil, "x is not saved: no other input needs a gradient")
        let t = Tensor([1.0, 1.0])
        t += 2
        t *= 2
        #expect(t.scalars == [6, 6])
        #expect((x * 2).scalars == [2, 4] && (Tensor([1.0], dtype: .float64) * 2).dtype == .float64)
        try (a + b).sum().backward()
        #expect(x.grad!.scalars == [4, 4])
    }
}
