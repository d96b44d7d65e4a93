@testable import Autograd
import Testing
import TestSupport

/// `queueBackwardCallback`: work queued from a hook runs once the pass has finished.
struct BackwardCallbackTests {
    @Test func aCallbackRunsAfterEveryLeafOfThePass() throws {
        let a = Tensor([1.0, 2.0], requiresGrad: true), b = Tensor([3.0], requiresGrad: true)
        var events: [String] = []
        // The hook reads its tensor from its argument: capturing `a` would make a reference cycle.
        a.registerPostAccumulateGradHook { a in
            events.append("a")
            try queueBackwardCallback {
                events.append("callback: a.grad \(a.grad!.scalars), b.grad \(b.grad?.scalars ?? [])")
            }
        }
        b.registerPostAccumulateGradHook { _ in events.append("b") }
        try (a.sum() * b.sum()).backward()
        #expect(events.count == 3 && events.last == "callback: a.grad [3.0, 3.0], b.grad [3.0]")
    }

    @Test func callbacksRunInOrderAndMayQueueMore() throws {
        let x = Tensor([1.0], requiresGrad: true)
        var order: [Int] = []
        x.registerHook { g in
            try queueBackwardCallback {
                order.append(1)
                try queueBackwardCallback { order.append(3) }
            }
            try queueBackwardCallback { order.append(2) }
            return nil
        }
        try (x * 2).sum().backward()
        #expect(order == [1, 2, 3])
        try (x * 2).sum().backward()
        #expect(order == [1, 2, 3, 1, 2, 3], "each pass runs its own callbacks once")
    }

    @Test func outsideABackwardPassItThrows() {
        let error = #expect(throws: AutogradError.self) { try queueBackwardCallback {} }
        #expect(error?.kind == .graph)
        #expect(error?.message.contains("no backward pass is running on this thread") == true)
    }

    @Test func aCallbackErrorIsThrownByBackwardAndAFailedPassRunsNone() throws {
        struct Failure: Error {}
        let x = Tensor([1.0], requiresGrad: true)
        let handle = x.registerHook { _ in
            try queueBackwardCallback { throw Failure() }
            return nil
        }
        #expect(throws: Failure.self) { try (x * 3).sum().backward() }
        handle.remove()

        var ran = false
        let y = Tensor([1.0], requiresGrad: true), z = Tensor([1.0], requiresGrad: true)
        y.registerPostAccumulateGradHook { _ in try queueBackwardCallback { ran = true } }
        z.registerHook { _ in throw Failure() }
        #expect(throws: Failure.self) { try (y * 2 + z * 2).sum().backward() }
        #expect(!ran)
    }

    @Test func gradOfWrtRunsCallbacksToo() throws {
        let x = Tensor([2.0], requiresGrad: true)
        var ran = false
        x.registerHook { _ in
            try queueBackwardCallback { ran = true }
            return nil
        }
        _ = try grad(of: [(x * x).sum()], wrt: [x])
        #expect(ran)
    }
}
