import Foundation
import Testing
@testable import Autograd
import TestSupport

/// Tensor hooks, anomaly detection and call sites, against PyTorch's documented
/// behaviour (the expected values are what PyTorch 2.15 computes for the same programs).
@Suite("Hooks and anomaly detection")
struct HookTests {
    @Test("a non-leaf's hook replaces its gradient before it flows on; retainGrad keeps the hooked value")
    func nonLeafHook() throws {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        let h = x * 2
        h.registerHook { $0 * 3 }
        h.retainGrad()
        try h.sum().backward()
        #expect(h.grad!.scalars == [3, 3])
        #expect(x.grad!.scalars == [6, 6])
    }

    @Test("a leaf's hook sees the whole gradient of the pass once, before accumulation; post-accumulate hooks after")
    func leafHooks() throws {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        var calls: [(String, [Double])] = []
        x.registerHook { g in
            calls.append(("pre", g.scalars))
            return g * 10
        }
        x.registerPostAccumulateGradHook { t in calls.append(("post", t.grad!.scalars)) }
        try ((x * x).sum() + (x * 3).sum()).backward()
        #expect(calls.map(\.0) == ["pre", "post"])
        #expect(calls[0].1 == [5, 7])
        #expect(calls[1].1 == [50, 70])
        #expect(x.grad!.scalars == [50, 70])
    }

    @Test("grad(of:wrt:) runs tensor hooks on what it captures, and no post-accumulate hook")
    func hooksUnderGrad() throws {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        var calls: [String] = []
        x.registerHook { g in
            calls.append("pre")
            return g * 10
        }
        x.registerPostAccumulateGradHook { _ in calls.append("post") }
        let g = try grad(of: [(x * 3).sum()], wrt: [x])[0]!
        #expect(g.scalars == [30, 30])
        #expect(calls == ["pre"])
        #expect(x.grad == nil)

        let h = x * 2
        h.registerHook { $0 * 5 }
        #expect(try grad(of: [h.sum()], wrt: [h])[0]!.scalars == [5, 5])
        #expect(try grad(of: [(h * 1).sum()], wrt: [x])[0]!.scalars == [100, 100], "x's own hook multiplies by 10 too")
    }

    @Test("hooks run in registration order, each seeing the previous result; a removed hook no longer runs")
    func orderAndRemoval() throws {
        let x = Tensor([1.0], requiresGrad: true)
        let h = x * 1
        let add = h.registerHook { $0 + 1 }
        h.registerHook { $0 * 2 }
        try h.backward(retainGraph: true)
        #expect(x.grad!.scalars == [4])
        add.remove()
        add.remove()
        x.grad = nil
        try h.backward()
        #expect(x.grad!.scalars == [2])
    }

    @Test("hooks see recorded gradients under createGraph, and their replacements stay differentiable")
    func hooksUnderCreateGraph() throws {
        let x = Tensor([3.0], dtype: .float64, requiresGrad: true)
        let y = x * x
        y.registerHook { g in
            #expect(!g.requiresGrad, "the upstream gradient of the root is a constant")
            return g * x
        }
        let first = try grad(of: [y], wrt: [x], createGraph: true)[0]!
        #expect(first.scalars == [18])  // x · 2x
        let second = try grad(of: [first], wrt: [x])[0]!
        #expect(second.scalars == [12])  // d(2x²)/dx
    }

    @Test("a hook returning the wrong shape is an error naming both shapes")
    func wrongShapeHook() throws {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        let h = x * 2
        h.registerHook { _ in Tensor([1.0]) }
        expectError(["gradient hook", "[1]", "[2]"]) { try h.sum().backward() }
    }

    @Test("errors raised in backward name the node, its op and where it was called")
    func callSiteInErrors() throws {
        let x = Tensor([2.0], requiresGrad: true)
        let h = x * 1
        let y = h * h; let line = #line
        h += 1
        do {
            try y.backward()
            Issue.record("backward should refuse a saved tensor modified in place")
        } catch let error as AutogradError {
            #expect(error.message.contains("MulBackward0 (op mul, called at HookTests.swift:\(line))"), "\(error.message)")
        }
    }

    @Test("anomaly detection names the op, its call site and the input that got NaN")
    func anomaly() throws {
        let x = Tensor([0.0, 4.0], requiresGrad: true)
        let y = sqrt(x).sum(); let line = #line
        // sqrt'(0) is infinite: PyTorch's detect_anomaly reports the same.
        withAnomalyDetection {
            expectError(["anomaly", "SqrtBackward0 (op sqrt, called at HookTests.swift:\(line))", "inf",
                         "input 0 (x)", "[0]"]) {
                try y.backward(retainGraph: true)
            }
        }
        #expect(!isAnomalyDetectionEnabled)
        try y.backward()
        #expect(x.grad!.scalars[0].isInfinite)
    }
}
