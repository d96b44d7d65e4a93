import Testing
@testable import Autograd
import TestSupport

/// cat, stack, split, chunk and unbind through their Swift API and the registry.
/// (Values and gradients against PyTorch are ReferenceCaseTests'.)
@Suite("Joining ops")
struct JoiningOpTests {
    private func iota(_ shape: [Int], _ dtype: DType = .float64, from start: Int = 0, requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { Double(start + $0) }, dtype: dtype,
               requiresGrad: requiresGrad)
    }

    @Test("concatenated joins along any dim, strided inputs included, every dtype")
    func cat() {
        for dtype in DType.allCases {
            let a = iota([2, 2], dtype, from: 0), b = iota([2, 1], dtype, from: 4)
            expectClose(concatenated([a, b], dim: -1), shape: [2, 3], dtype == .bool ? [0, 1, 1, 1, 1, 1] : [0, 1, 4, 2, 3, 5])
        }
        let a = iota([2, 3]), t = iota([3, 2], from: 6).transposed(0, 1)  // [[6, 8, 10], [7, 9, 11]], strided
        expectClose(concatenated([a, t]), shape: [4, 3], [0, 1, 2, 3, 4, 5, 6, 8, 10, 7, 9, 11])
        expectClose(concatenated([t, a], dim: 1), shape: [2, 6], [6, 8, 10, 0, 1, 2, 7, 9, 11, 3, 4, 5])
        // Mixed dtypes promote, as torch.cat.
        let mixed = concatenated([Tensor([1.0]), Tensor([2.0], dtype: .float64), Tensor([3])])
        #expect(mixed.dtype == .float64)
        expectClose(mixed, shape: [3], [1, 2, 3])
    }

    @Test("cat skips 1-D empty tensors and refuses 0-d and mismatched ones")
    func catEdges() throws {
        let e = Tensor.zeros([0], dtype: .float64, requiresGrad: true)
        let x = iota([2, 3], requiresGrad: true)
        let y = concatenated([e, x, Tensor.zeros([0, 3], dtype: .float64)])
        expectClose(y, shape: [2, 3], [0, 1, 2, 3, 4, 5])
        try y.sum().backward()
        expectClose(e.grad, shape: [0], [])
        expectClose(x.grad, shape: [2, 3], [1, 1, 1, 1, 1, 1])
        expectClose(concatenated([Tensor.zeros([0])]), shape: [0], [])
        expectError(["cat", "0-d"]) { _ = try OpRegistry.shared.call("cat", [Tensor(1.0), Tensor(2.0)]) }
        expectError(["cat", "every dim but 0", "[2, 3]", "[2, 2]"]) {
            _ = try OpRegistry.shared.call("cat", [iota([2, 3]), iota([2, 2])])
        }
        expectError(["cat", "at least one tensor"]) { _ = try OpRegistry.shared.call("cat", []) }
        expectError(["cat", "dim in [-2, 1], got 2"]) { _ = try OpRegistry.shared.call("cat", [iota([2, 3])], attributes: ["dim": 2]) }
    }

    @Test("cat of inputs large enough to copy on several threads matches element by element")
    func largeCat() {
        let n = 1 << 17  // 3 inputs of 2 MB: past BlockCopy.parallelThreshold
        #expect(3 * 2 * n * 8 > BlockCopy.parallelThreshold)
        let joined = concatenated((0..<3).map { k in iota([n, 2], from: 2 * k * n) })
        #expect(joined.shape == [3 * n, 2])
        #expect(joined.scalars == (0..<(6 * n)).map(Double.init))
        let across = concatenated([iota([n, 1]), iota([n, 2], from: n), iota([n, 3], from: 3 * n)], dim: 1)
        #expect(across.select(dim: 0, index: n - 1).scalars
            == [n - 1, 3 * n - 2, 3 * n - 1, 6 * n - 3, 6 * n - 2, 6 * n - 1].map(Double.init))
        // A contiguous copy that large (a clone, or a gradient the engine takes) is split the same way.
        #expect(joined.cloned().scalars == joined.scalars)
    }

    @Test("stacked inserts a dim, for 0-d tensors too; its gradient selects")
    func stack() throws {
        let a = Tensor(1.0, dtype: .float64, requiresGrad: true), b = Tensor(2.0, dtype: .float64)
        let s = stacked([a, b])
        expectClose(s, shape: [2], [1, 2])
        try (s * Tensor([3.0, 4], dtype: .float64)).sum().backward()
        expectClose(a.grad, shape: [], [3])
        let t = iota([3, 2]).transposed(0, 1)  // [[0, 2, 4], [1, 3, 5]]
        expectClose(stacked([t, iota([2, 3], from: 6)], dim: -1), shape: [2, 3, 2], [0, 6, 2, 7, 4, 8, 1, 9, 3, 10, 5, 11])
        expectClose(stacked([Tensor([true]), Tensor([false])], dim: 1), shape: [1, 2], [1, 0])
        expectError(["stack", "one shape"]) { _ = try OpRegistry.shared.call("stack", [iota([2]), iota([3])]) }
        expectError(["stack", "dim in [-2, 1], got 2"]) { _ = try OpRegistry.shared.call("stack", [iota([2])], attributes: ["dim": 2]) }
    }

    @Test("split, chunked and unstacked return views, as PyTorch cuts them")
    func pieces() {
        let x = iota([7, 2])
        let parts = x.split(size: 3)
        #expect(parts.map(\.shape) == [[3, 2], [3, 2], [1, 2]])
        #expect(parts.allSatisfy { $0.sharesStorage(with: x) })
        expectClose(parts[2], shape: [1, 2], [12, 13])
        #expect(x.chunked(into: 3).map(\.shape) == [[3, 2], [3, 2], [1, 2]])
        #expect(iota([6, 2]).chunked(into: 4).map(\.shape) == [[2, 2], [2, 2], [2, 2]])  // fewer pieces than asked
        #expect(Tensor.zeros([0, 2]).chunked(into: 3).map(\.shape) == [[0, 2], [0, 2], [0, 2]])
        #expect(Tensor.zeros([0, 2]).split(size: 3).map(\.shape) == [[0, 2]])
        let columns = iota([2, 3], .int64).unstacked(dim: -1)
        #expect(columns.map(\.scalars) == [[0, 3], [1, 4], [2, 5]])
        #expect(Tensor.zeros([0, 3]).unstacked().isEmpty)
        expectError(["split", "split_size positive"]) { _ = try OpRegistry.shared.callOutputs("split", [x], attributes: ["split_size": 0]) }
        expectError(["chunk", "chunks positive"]) { _ = try OpRegistry.shared.callOutputs("chunk", [x], attributes: ["chunks": 0]) }
        expectError(["unbind", "at least one dim"]) { _ = try OpRegistry.shared.callOutputs("unbind", [Tensor(1.0)]) }
    }

    @Test("the pieces' gradients join again, zeros for pieces nothing used, to any order")
    func pieceGradients() throws {
        let x = iota([5, 2], requiresGrad: true)
        let parts = x.split(size: 2)
        let g = try grad(of: [(parts[2] ** 2).sum()], wrt: [x], createGraph: true)[0]!
        expectClose(g, shape: [5, 2], [0, 0, 0, 0, 0, 0, 0, 0, 16, 18])
        expectClose(try grad(of: [g.sum()], wrt: [x])[0], shape: [5, 2], [0, 0, 0, 0, 0, 0, 0, 0, 2, 2])
        let rows = x.unstacked()
        try (rows[1] * 3).sum().backward()
        expectClose(x.grad, shape: [5, 2], [0, 0, 3, 3, 0, 0, 0, 0, 0, 0])
    }

    @Test("one of several views cannot be modified in place, as in PyTorch")
    func severalViews() {
        let x = iota([4, 2], requiresGrad: true) * 1
        let parts = x.chunked(into: 2)
        expectError(["is a view", "several"]) { try parts[0].update(InPlaceOps.mul, [Tensor(2.0, dtype: .float64)]) }
    }

    @Test("forward mode through cat, split and unbind")
    func forwardMode() throws {
        let (_, tangents) = try jvp({ xs in
            let joined = concatenated([xs[0], xs[0] * 2])
            return joined.split(size: 1) + joined.unstacked()
        }, primals: [iota([1, 2])], tangents: [Tensor([[1.0, 10]], dtype: .float64)])
        expectClose(tangents[0], shape: [1, 2], [1, 10])
        expectClose(tangents[1], shape: [1, 2], [2, 20])
        expectClose(tangents[3], shape: [2], [2, 20])
    }
}
