import Testing
@testable import Autograd
import TestSupport

@Suite("In-place operations")
struct InPlaceTests {
    @Test("+=, -=, *=, /= and zero() update the tensor every holder sees")
    func updates() {
        let t = Tensor([1.0, 2.0])
        let alias = t
        t += Tensor([1.0, 1.0])
        t *= 3
        t -= 1
        t /= 2
        #expect(alias.scalars == [2.5, 4])
        t.zero()
        #expect(alias.scalars == [0, 0])
        #expect(t.version == 5)
    }

    @Test("integer literals update int64 tensors in place, and keep a float tensor's dtype")
    func integerLiterals() throws {
        let ints = Tensor([1, 2, 3])
        ints += 1
        ints *= 2
        ints -= 3
        #expect(ints.dtype == .int64 && ints.scalars == [1, 3, 5])
        let halves = Tensor([1.0, 2.0], dtype: .float64)
        halves += 1
        halves /= 2
        #expect(halves.dtype == .float64 && halves.scalars == [1, 1.5])
        // PyTorch refuses a float result stored into int64 (`ints /= 2`, `ints += 0.5`).
        expectError(["div", "int64"]) { try ints.update(InPlaceOps.div, [ints.scalar(2)]) }
    }

    @Test("in place on a leaf that requires grad is an error outside withNoGrad")
    func leafInPlace() throws {
        let w = Tensor([1.0], requiresGrad: true)
        expectError(["add", "leaf tensor that requires grad", "withNoGrad"]) { try w.update(InPlaceOps.add, [Tensor([1.0])]) }
        withNoGrad { w += 1 }
        #expect(w.scalars == [2])
    }

    @Test("modifying a tensor saved for backward is detected, naming the op")
    func versionCheck() throws {
        let x = Tensor([2.0], requiresGrad: true)
        let h = x * 1
        let y = h * h
        h += 1
        expectError(["modified by an in-place operation", "mul", "version 1", "expected version 0", "MulBackward0"]) {
            try y.backward()
        }
    }

    @Test("an in-place op on a non-leaf is recorded, as in PyTorch")
    func recordedInPlace() throws {
        let x = Tensor([2.0, 3.0], requiresGrad: true)
        let h = x * 1
        h *= x  // h = x²
        #expect(h.gradFn?.name == "MulBackward0")
        try h.sum().backward()
        #expect(x.grad!.scalars == [4, 6])
    }

    @Test("in place into an expanded view is refused")
    func expandedTarget() {
        let e = Tensor([1.0]).expanded(to: [3])
        expectError(["expanded tensor", "contiguous()"]) { try e.update(InPlaceOps.add, [Tensor([1.0])]) }
    }

    @Test("copy(from:) broadcasts and checks shapes")
    func copy() throws {
        let t = Tensor.zeros([2, 2])
        try t.copy(from: Tensor([1.0, 2.0]))
        #expect(t.scalars == [1, 2, 1, 2])
        expectError(["copy", "[3]", "[2, 2]"]) { try t.copy(from: Tensor([1.0, 2.0, 3.0])) }
    }
}
