import Foundation
import Testing
@testable import Autograd
import TestSupport

/// The engine's semantics where PyTorch's programs found them wrong: each test
/// states what PyTorch computes or refuses.
@Suite("Engine semantics")
struct EngineSemanticsTests {
    @Test("float64 powers of negative bases follow C's pow: integral exponents are finite")
    func negativeBasePowers() throws {
        let x = Tensor([-2.0, 0, 2], dtype: .float64)
        #expect((x ** 0).scalars == [1, 1, 1])
        #expect((x ** 4).scalars == [16, 0, 16])
        let fractional = (x ** 1.5).scalars
        #expect(fractional[0].isNaN && fractional[1] == 0)
        expectClose(fractional[2], 2.8284271247461903, atol: 1e-15, rtol: 0, "(-2, 0, 2) ** 1.5")
        #expect((x ** Tensor([2.0, 2, 3], dtype: .float64)).scalars == [4, 0, 8])
        // The double backward of x² takes x ** 1 and then x ** 0.
        let v = Tensor([-3.0], dtype: .float64, requiresGrad: true)
        let first = try grad(of: [v ** 2], wrt: [v], createGraph: true)[0]!
        let second = try grad(of: [first], wrt: [v])[0]!
        #expect(first.scalars == [-6])
        #expect(second.scalars == [2])
    }

    @Test("a stored gradient never aliases an upstream gradient or a broadcast view")
    func gradientOwnership() throws {
        let a = Tensor([1.0, 1, 1], requiresGrad: true), b = Tensor([2.0, 3, 4])
        try a.sum().backward(createGraph: true)
        try (a * b).sum().backward()
        #expect(a.grad!.scalars == [3, 4, 5])
        withNoGrad { a.grad!.zero() }
        #expect(a.grad!.scalars == [0, 0, 0])

        let x = Tensor([1.0, 2], requiresGrad: true), v = Tensor([0.5, 0.25])
        try (x * 3).backward(gradient: v, createGraph: true)
        #expect(x.grad !== v)
        #expect(x.grad!.scalars == [1.5, 0.75])
        try (x * 1).backward(gradient: v)
        #expect(v.scalars == [0.5, 0.25], "accumulation wrote into the caller's gradient")
    }

    @Test("a gradient a backward rule makes is moved into a leaf's grad, not copied")
    func freshGradientMoved() throws {
        let registry = OpRegistry.withBuiltins()
        try registry.register(OpDefinition(
            name: "doubled", inputs: ["x"], forward: .composite { $0.inputs[0] * 2 }, saves: []
        ) { ctx in
            let g = ctx.gradOutput * 2
            FreshGradient.made.withLock { $0 = ObjectIdentifier(g) }
            return [g]
        })
        let x = Tensor([1.0, 2], requiresGrad: true)
        try registry.call("doubled", [x]).backward(gradient: Tensor([1.0, 1]))
        #expect(x.grad!.scalars == [2, 2])
        #expect(FreshGradient.made.withLock { $0 } == ObjectIdentifier(x.grad!))
    }

    @Test("an in-place update through a view is differentiated through its base")
    func inPlaceThroughView() throws {
        let x = Tensor([1.0, 1], requiresGrad: true)
        let h = x * 1
        h.reshaped([2, 1]) *= 2
        try h.sum().backward()
        #expect(x.grad!.scalars == [2, 2])
        #expect(h.gradFn?.name == "CopySlices")
    }

    @Test("a view of a leaf that requires grad cannot be updated in place")
    func viewOfLeafInPlace() {
        let w = Tensor([1.0, 2, 3, 4], requiresGrad: true).reshaped([2, 2])
        expectError(["a view of a leaf tensor that requires grad", "in-place"]) {
            try w.reshaped([4]).update(InPlaceOps.add, [w.scalar(1.0)])
        }
    }

    @Test("a view made before its base is updated in place sees the base's new history")
    func viewSeesBaseHistory() throws {
        let t = Tensor([[1.0, 2], [3, 4]])
        let w = Tensor([[2.0, 2], [2, 2]], requiresGrad: true)
        let d = t.detach()
        let v = d.transposed(0, 1)
        d *= w
        #expect(v.requiresGrad)
        try v.sum().backward()
        #expect(w.grad!.scalars == [1, 2, 3, 4])
    }

    @Test("in-place updates are recorded: zero() cuts the gradient, *= makes a leaf a non-leaf")
    func inPlaceRecorded() throws {
        let l1 = Tensor([1.0, 2], requiresGrad: true), l2 = Tensor([3.0, 4], requiresGrad: true)
        let t = l1 * l2
        t.zero()
        try t.sum().backward()
        #expect(l1.grad!.scalars == [0, 0])
        #expect(l2.grad!.scalars == [0, 0])

        let a = Tensor([1.0, 2], requiresGrad: true), b = Tensor([3.0, 4])
        b *= a
        #expect(b.requiresGrad)
        #expect(!b.isLeaf)
        try b.sum().backward()
        #expect(a.grad!.scalars == [3, 4])
    }

    @Test("copy(from:) of overlapping memory copies through a temporary")
    func overlappingCopy() throws {
        let t = Tensor([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
        try t.copy(from: t.transposed(0, 1))
        #expect(t.scalars == [1, 4, 7, 2, 5, 8, 3, 6, 9])
    }

    @Test("a backward that throws leaves nothing pending for the next one")
    func failedBackwardLeavesNoState() throws {
        // A registry of its own: the op is the test's alone, not the shared registry's.
        let registry = OpRegistry.withBuiltins()
        let flaky = OpDefinition(
            name: "test.flaky_identity", inputs: ["x"], elementwise: true,
            forward: .composite { $0.inputs[0] * 1 }
        ) { ctx in
            if FlakySwitch.fail.withLock({ $0 }) { throw AutogradError(.backward, "test.flaky_identity: asked to fail") }
            return [ctx.gradOutput]
        }
        try registry.register(flaky)
        let x = Tensor([1.0, 2], requiresGrad: true)
        // x feeds two paths; the flaky one runs after the other has sent its gradient on.
        // Its chain is long enough that the pass marks nodes in the nodes (see NodeSlots).
        var chain = x * 3
        for _ in 0..<5_000 { chain = chain * 1 }
        let y = (x * 2 + (try registry.call("test.flaky_identity", [chain]))).sum()
        FlakySwitch.fail.withLock { $0 = true }
        expectError(["asked to fail"]) { try y.backward(retainGraph: true) }
        // The pass's marks went with it, thrown or not.
        let nodes = Node.reachable(from: [try #require(try y.currentGradFn())])
        #expect(nodes.count == 5_005)
        #expect(nodes.allSatisfy { $0.passMark.load(ordering: .relaxed) == 0 })
        FlakySwitch.fail.withLock { $0 = false }
        x.grad = nil
        try y.backward(retainGraph: true)
        #expect(x.grad!.scalars == [5, 5])
        #expect(nodes.allSatisfy { $0.passMark.load(ordering: .relaxed) == 0 })
    }

    @Test("the shared scalar constants are read-only: in-place writers refuse them")
    func readOnlyConstants() throws {
        let x = Tensor([1.0, 2])
        let two = x.scalar(2.0)
        expectError(["read-only", "x * 2"]) { try two.update(InPlaceOps.add, [x.scalar(1.0)]) }
        expectError(["read-only"]) { try two.copy(from: Tensor(3.0)) }
        #expect((x * 2).scalars == [2, 4])
    }

    @Test("a kernel that writes a shared constant traps with a clear message")
    func kernelWritingConstantTraps() async {
        await #expect(processExitsWith: .failure) {
            let registry = OpRegistry.withBuiltins()
            try registry.register(OpDefinition(
                name: "mul", inputs: ["a", "b"], elementwise: true,
                forward: [.float32: { ctx in
                    ctx.inputs[1].contiguous().withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 0 }
                    return try ctx.makeOutput()
                }]) { ctx in [ctx.gradOutput, ctx.gradOutput] }, replaceExisting: true)
            let x = Tensor([1.0])
            _ = try registry.call("mul", [x, x.scalar(2.0)])
        }
    }

    @Test("the portable GEMM creates its thread-local workspace key before reading it")
    func portableGemmWorkspaceKey() throws {
        // A build without the AVX2 kernels, whose entry points never ran pthread_once
        // before reading the key: the driver's own key (the process's first, 0) must survive.
        let root = PackagePaths.url("Sources/CAutogradRuntime").path
        let directory = try TemporaryFiles.directory("gemm").path
        let driver = """
            #include <pthread.h>
            #include "autograd_gemm.h"
            int main(void) {
                pthread_key_t key;
                if (pthread_key_create(&key, 0) != 0) return 1;
                int marker = 42;
                pthread_setspecific(key, &marker);
                float a[4] = {1, 2, 3, 4}, b[4] = {1, 0, 0, 1}, c[4] = {0};
                autograd_sgemm(0, 0, 2, 2, 2, a, 2, b, 2, c, 2);
                if (pthread_getspecific(key) != &marker || marker != 42) return 2;
                return c[0] == 1 && c[1] == 2 && c[2] == 3 && c[3] == 4 ? 0 : 3;
            }
            """
        let source = try TemporaryFiles.write(driver, to: "driver.c", in: directory)
        try CCompiler.run(["-O1", "-DAUTOGRAD_GEMM_PORTABLE_ONLY", "-I", root + "/include", "-I", root,
                           root + "/gemm.c", root + "/gemm_avx2.c", source, "-o", directory + "/driver", "-lpthread"])
        let run = try ToolRun.run(directory + "/driver", [])
        #expect(run.status == 0, "the GEMM read its workspace key before creating it (status \(run.status))")
    }

    @Test("four threads run backward through one shared graph, accumulating into shared leaves")
    func concurrentBackward() throws {
        let w = Tensor([0.5, -1.5, 2.0], dtype: .float64, requiresGrad: true)
        let b = Tensor([0.25], dtype: .float64, requiresGrad: true)
        let x = Tensor([[1.0, 2, 3], [4, 5, 6]], dtype: .float64)
        let hidden = tanh(matmul(x, w.reshaped([3, 1])) + b)
        let loss = (hidden * hidden).sum() + (w * w).sum()
        let passes = 1000, threads = 4
        try loss.backward(retainGraph: true)
        let single = (w.grad!.scalars, b.grad!.scalars)
        w.grad = nil
        b.grad = nil
        let shared = SharedGraph(loss: loss)
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<(passes / threads) {
                do { try shared.loss.backward(retainGraph: true) } catch { failures.withLock { $0 += 1 } }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        expectClose(w.grad!.scalars, single.0.map { $0 * Double(passes) }, atol: 1e-9, rtol: 1e-12, "w.grad")
        expectClose(b.grad!.scalars, single.1.map { $0 * Double(passes) }, atol: 1e-9, rtol: 1e-12, "b.grad")
    }

    @Test("threads running backward through one long graph each find their own slots for its nodes")
    func concurrentBackwardThroughALongGraph() throws {
        // Long enough that each pass marks nodes in the nodes, and finds nodes another pass has marked.
        let w = Tensor([0.5, -1.5], dtype: .float64, requiresGrad: true)
        var h = w
        for i in 0..<6_000 { h = i % 2 == 0 ? h * 1.0001 : h + 0.0001 }
        let loss = (h * h).sum()
        try loss.backward(retainGraph: true)
        let single = w.grad!.scalars
        w.grad = nil
        let shared = SharedGraph(loss: loss)
        let failures = Mutex(0)
        let passes = 16, threads = 4
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<(passes / threads) {
                do { try shared.loss.backward(retainGraph: true) } catch { failures.withLock { $0 += 1 } }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        expectClose(w.grad!.scalars, single.map { $0 * Double(passes) }, atol: 1e-9, rtol: 1e-12, "w.grad")
    }
}

import Synchronization

/// The gradient the test op's backward made, to see whether `grad` is that tensor.
private enum FreshGradient {
    static let made = Mutex<ObjectIdentifier?>(nil)
}

/// Whether the flaky test op's backward throws.
private enum FlakySwitch {
    static let fail = Mutex(false)
}

/// Lets threads share one graph's output, as PyTorch allows: backward reads the
/// graph and serialises its writes into `grad`.
private struct SharedGraph: @unchecked Sendable {
    let loss: Tensor
}
