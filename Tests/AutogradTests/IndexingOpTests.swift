import Testing
@testable import Autograd
import TestSupport

/// slice, select, gather, scatter_add, masked_fill, masked_select and masked_scatter
/// through their Swift API and the registry: views, errors, dtypes, edge shapes.
/// (Values and gradients against PyTorch are ReferenceCaseTests'.)
@Suite("Indexing ops")
struct IndexingOpTests {
    /// [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    private func grid(_ dtype: DType = .float64, requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: [3, 4], scalars: (0..<12).map(Double.init), dtype: dtype, requiresGrad: requiresGrad)
    }

    @Test("slice and select are views of any layout, sharing storage")
    func views() throws {
        let x = grid()
        let s = x.sliced(dim: 1, start: 1, end: nil, step: 2)
        expectClose(s, shape: [3, 2], [1, 3, 5, 7, 9, 11])
        #expect(s.sharesStorage(with: x))
        let t = x.transposed(0, 1).sliced(dim: 0, start: -2)  // columns 2 and 3 of a transposed view
        expectClose(t, shape: [2, 3], [2, 6, 10, 3, 7, 11])
        let row = x.select(dim: 0, index: -1)
        expectClose(row, shape: [4], [8, 9, 10, 11])
        #expect(row.sharesStorage(with: x))
        withNoGrad { row.fill(0) }
        #expect(x.scalars.suffix(4) == [0, 0, 0, 0])
        expectClose(x.select(dim: 1, index: 2), shape: [3], [2, 6, 0])
    }

    @Test("slice bounds clamp and count from the end, as aten::slice")
    func sliceBounds() {
        let v = Tensor(shape: [6], scalars: (0..<6).map(Double.init), dtype: .float64)
        expectClose(v.sliced(start: -100, end: 100, step: 4), shape: [2], [0, 4])
        expectClose(v.sliced(start: 4, end: 2), shape: [0], [])
        expectClose(v.sliced(start: -2), shape: [2], [4, 5])
        expectClose(v.sliced(end: -5), shape: [1], [0])
        expectClose(Tensor.zeros([0, 3]).sliced(dim: 1, start: 1), shape: [0, 2], [])
    }

    @Test("slice and select errors name the dim, the index and the size")
    func sliceErrors() {
        let x = grid()
        expectError(["select", "index 4", "dim 1", "size 4"]) {
            _ = try OpRegistry.shared.call("select", [x], attributes: ["dim": 1, "index": 4])
        }
        expectError(["select", "index -4", "dim 0", "size 3"]) {
            _ = try OpRegistry.shared.call("select", [x], attributes: ["dim": 0, "index": -4])
        }
        expectError(["select", "0-d"]) { _ = try OpRegistry.shared.call("select", [Tensor(1.0)], attributes: ["dim": 0, "index": 0]) }
        expectError(["slice", "step must be positive", "0"]) {
            _ = try OpRegistry.shared.call("slice", [x], attributes: ["dim": 0, "step": 0])
        }
        expectError(["slice", "dim 2", "[3, 4]"]) { _ = try OpRegistry.shared.call("slice", [x], attributes: ["dim": 2]) }
    }

    @Test("slice and select of int64 and bool tensors")
    func integerViews() {
        let i = grid(.int64)
        #expect(i.sliced(dim: 1, start: 3).dtype == .int64)
        expectClose(i.select(dim: 1, index: 3), shape: [3], [3, 7, 11])
        let b = grid(.int64) .> 5
        expectClose(b.sliced(dim: 0, start: 1, end: 2), shape: [1, 4], [0, 0, 1, 1])
    }

    @Test("select and slice backward place the gradient, and differentiate again")
    func sliceGradients() throws {
        let x = grid(requiresGrad: true)
        let y = (x.sliced(dim: 1, start: 1, step: 2) * 2).sum() + x.select(dim: 0, index: 1).sum()
        try y.backward()
        expectClose(x.grad, shape: [3, 4], [0, 2, 0, 2, 1, 3, 1, 3, 0, 2, 0, 2])
        // d/dx of sum(g ** 2) where g = d(sum(x[:, 1::2] ** 2))/dx = 2 x at the slice: 8 x there.
        let z = Tensor(shape: [4], scalars: [1.0, 2, 3, 4], dtype: .float64, requiresGrad: true)
        let g = try grad(of: [(z.sliced(step: 2) ** 2).sum()], wrt: [z], createGraph: true)[0]!
        let h = try grad(of: [(g ** 2).sum()], wrt: [z])[0]!
        expectClose(h, shape: [4], [8, 0, 24, 0])
    }

    @Test("slice's gradient of large tensors, filled block by block on several threads, as a copy into the window gives")
    func largeSliceGradient() throws {
        for (shape, dim) in [([1024, 1024], 1), ([8, 512, 256], 1)] {
            let x = Tensor.zeros(shape, dtype: .float64, requiresGrad: true)
            let y = x.sliced(dim: dim, start: 1, step: 3)
            let g = Tensor(shape: y.shape, scalars: (0..<y.scalarCount).map(Double.init), dtype: .float64)
            try y.backward(gradient: g)
            let expected = Tensor.zeros(shape, dtype: .float64)
            try expected.sliced(dim: dim, start: 1, step: 3).copy(from: g)
            #expect(x.grad!.scalars == expected.scalars, "\(shape)")
        }
    }

    @Test("gather and scatter_add by hand, every dtype")
    func gatherScatter() {
        let index = Tensor([[3, 0], [1, 1], [0, 2]])
        for dtype in DType.allCases where dtype != .bool {
            expectClose(grid(dtype).gather(dim: 1, index: index), shape: [3, 2], [3, 0, 5, 5, 8, 10])
            let added = Tensor.zeros([3, 4], dtype: dtype).scatterAdd(dim: 1, index: index, source: Tensor.ones([3, 2], dtype: dtype))
            expectClose(added, shape: [3, 4], [1, 0, 0, 1, 0, 2, 0, 0, 1, 0, 1, 0])
        }
        let mask = grid(.int64) .> 4
        expectClose(mask.gather(dim: 1, index: index), shape: [3, 2], [0, 0, 1, 1, 1, 1])
        // true + true is true, as PyTorch's bool scatter_add.
        let flags = Tensor.zeros([3, 4], dtype: .bool).scatterAdd(dim: 1, index: index, source: Tensor.ones([3, 2], dtype: .bool))
        #expect(flags.dtype == .bool)
        expectClose(flags, shape: [3, 4], [1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0])
        // Along dim 0, from a transposed (strided) input.
        let t = grid().transposed(0, 1)  // [4, 3]
        expectClose(t.gather(dim: 0, index: Tensor([[3, 0, 1]])), shape: [1, 3], [3, 4, 9])
        // 0-d: a position in a one-element dim.
        expectClose(Tensor(5.0).gather(dim: 0, index: Tensor(0)), shape: [], [5])
    }

    @Test("gather and scatter_add refuse positions outside the dim, naming it")
    func gatherErrors() {
        expectError(["gather", "index 4 at position 1", "dim 1 of size 4"]) {
            _ = try OpRegistry.shared.call("gather", [grid(), Tensor([[0, 4]])], attributes: ["dim": 1])
        }
        expectError(["gather", "index -1 at position 0", "dim 0 of size 3"]) {
            _ = try OpRegistry.shared.call("gather", [grid(), Tensor([[-1]])], attributes: ["dim": 0])
        }
        expectError(["scatter_add", "index 3 at position 0", "dim 0 of size 3"]) {
            _ = try OpRegistry.shared.call("scatter_add", [grid(), Tensor([[3]]), grid()], attributes: ["dim": 0])
        }
        expectError(["gather", "x's rank"]) {
            _ = try OpRegistry.shared.call("gather", [grid(), Tensor([0, 1])], attributes: ["dim": 1])
        }
        expectError(["gather", "index", "int64"]) {
            _ = try OpRegistry.shared.call("gather", [grid(), Tensor([[0.0]])], attributes: ["dim": 1])
        }
    }

    @Test("scatter_add with an index smaller than src: src's unread elements get zero gradient")
    func scatterAddPartialSource() throws {
        let x = Tensor.zeros([2, 3], dtype: .float64, requiresGrad: true)
        let src = Tensor(shape: [2, 4], scalars: (0..<8).map(Double.init), dtype: .float64, requiresGrad: true)
        let y = x.scatterAdd(dim: 1, index: Tensor([[2], [0]]), source: src)
        expectClose(y, shape: [2, 3], [0, 0, 0, 4, 0, 0])
        let weights = Tensor(shape: [2, 3], scalars: [1.0, 2, 3, 4, 5, 6], dtype: .float64)
        try (y * weights).sum().backward()
        expectClose(src.grad, shape: [2, 4], [3, 0, 0, 0, 4, 0, 0, 0])
        expectClose(x.grad, shape: [2, 3], [1, 2, 3, 4, 5, 6])
    }

    @Test("masked_fill broadcasts, fills every dtype, and passes no gradient through filled elements")
    func maskedFill() throws {
        let mask = Tensor([true, false, false, true])
        let x = grid(requiresGrad: true)
        let y = x.maskedFill(mask, with: -1)
        expectClose(y, shape: [3, 4], [-1, 1, 2, -1, -1, 5, 6, -1, -1, 9, 10, -1])
        try y.sum().backward()
        expectClose(x.grad, shape: [3, 4], [0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0])
        expectClose(grid(.int64).maskedFill(mask, with: 7).sliced(dim: 1, end: 1), shape: [3, 1], [7, 7, 7])
        // A mask larger than x: the output takes the broadcast shape; x's gradient sums back.
        let v = Tensor([1.0, 2.0], dtype: .float64, requiresGrad: true)
        let w = v.maskedFill(Tensor([[true, false], [false, false]]), with: 0)
        expectClose(w, shape: [2, 2], [0, 2, 1, 2])
        try w.sum().backward()
        expectClose(v.grad, shape: [2], [1, 2])
    }

    @Test("masked_select's length comes from the mask's values")
    func maskedSelect() throws {
        let x = grid(requiresGrad: true)
        let mask = grid(.int64) .> 8
        let y = x.maskedSelect(mask)
        expectClose(y, shape: [3], [9, 10, 11])
        try (y * Tensor([1.0, 2, 3], dtype: .float64)).sum().backward()
        expectClose(x.grad, shape: [3, 4], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3])
        expectClose(x.maskedSelect(Tensor.zeros([3, 4], dtype: .bool)), shape: [0], [])
        // Broadcast: a row mask picks columns of every row, in row-major order.
        expectClose(grid().maskedSelect(Tensor([false, true, false, true])), shape: [6], [1, 3, 5, 7, 9, 11])
        expectClose(grid(.int64).transposed(0, 1).maskedSelect(Tensor([true, false, true])), shape: [8],
                     [0, 8, 1, 9, 2, 10, 3, 11])
        expectClose(Tensor(true).maskedSelect(Tensor(true)), shape: [1], [1])
        expectError(["masked_select", "broadcasts"]) {
            _ = try OpRegistry.shared.call("masked_select", [grid(), Tensor([true, false])])
        }
    }

    @Test("masked_select differentiates again, and in forward mode")
    func maskedSelectHigherOrder() throws {
        let x = Tensor([1.0, 2, 3], dtype: .float64, requiresGrad: true)
        let mask = Tensor([true, false, true])
        let g = try grad(of: [(x.maskedSelect(mask) ** 3).sum()], wrt: [x], createGraph: true)[0]!
        expectClose(g, shape: [3], [3, 0, 27])
        expectClose(try grad(of: [g.sum()], wrt: [x])[0], shape: [3], [6, 0, 18])
        let (_, tangents) = try jvp({ xs in [xs[0].maskedSelect(mask)] },
                                    primals: [x.detach()], tangents: [Tensor([10.0, 20, 30], dtype: .float64)])
        expectClose(tangents[0], shape: [2], [10, 30])
    }

    @Test("masked_scatter needs enough source elements, and says so")
    func maskedScatter() {
        let x = Tensor.zeros([2, 2])
        let mask = Tensor([[true, false], [true, true]])
        expectClose(x.maskedScatter(mask, source: Tensor([5.0, 6, 7, 8])), shape: [2, 2], [5, 0, 6, 7])
        expectError(["masked_scatter", "selects 3 elements", "only 2"]) {
            _ = try OpRegistry.shared.call("masked_scatter", [x, mask, Tensor([1.0, 2])])
        }
    }
}
