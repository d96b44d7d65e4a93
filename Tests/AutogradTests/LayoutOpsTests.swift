import Testing
@testable import Autograd
import TestSupport

/// flatten, diagonal, flip, roll, pad, repeat (`tiled`), tril, triu: the Swift
/// spelling, views, dtypes, edge cases and errors. Values against PyTorch are in
/// the format-2 cases (ReferenceCaseTests).
@Suite("Layout ops")
struct LayoutOpsTests {
    let grid = Tensor(shape: [3, 4], scalars: (0..<12).map(Double.init), dtype: .float64)

    @Test("flattened merges dims, as a view when the layout allows and a copy otherwise")
    func flattened() throws {
        let x = Tensor(shape: [2, 3, 4], scalars: (0..<24).map(Double.init))
        #expect(x.flattened().shape == [24] && x.flattened().sharesStorage(with: x))
        #expect(x.flattened(startDim: 1).shape == [2, 12] && x.flattened(startDim: -2, endDim: -1).shape == [2, 12])
        #expect(x.flattened(startDim: 0, endDim: 1).shape == [6, 4] && Autograd.flattened(x, startDim: 1, endDim: 1).shape == [2, 3, 4])
        // A permuted tensor whose merged dims are still laid out as one stays a view.
        let permuted = x.permuted([1, 2, 0])
        #expect(permuted.flattened(startDim: 0, endDim: 1).sharesStorage(with: x))
        let t = x.transposed(1, 2)
        let copy = t.flattened(startDim: 1)
        #expect(!copy.sharesStorage(with: x) && copy.scalars == t.contiguous().scalars)
        let scalar = Tensor(3.0)
        #expect(scalar.flattened().shape == [1] && scalar.flattened().scalars == [3])
        #expect(Tensor(shape: [0, 3], scalars: [Double]()).flattened().shape == [0])
        expectError(["flatten", "start_dim <= end_dim, got start_dim 2 and end_dim 0", "x [2, 3, 4]"]) {
            _ = try OpRegistry.shared.call("flatten", [x], attributes: ["start_dim": 2, "end_dim": 0])
        }
        expectError(["flatten", "end_dim in [-3, 2], got 3"]) {
            _ = try OpRegistry.shared.call("flatten", [x], attributes: ["end_dim": 3])
        }
    }

    @Test("a flattened view sees its base's in-place updates and differentiates through them")
    func flattenedView() throws {
        let w = Tensor(shape: [2, 2], scalars: [1.0, 2, 3, 4], dtype: .float64, requiresGrad: true)
        let base = w * 1
        let flat = base.flattened()
        base *= 2.0
        #expect(flat.scalars == [2, 4, 6, 8])
        try (flat * flat).sum().backward()
        expectClose(w.grad, shape: [2, 2], [8, 16, 24, 32])
    }

    @Test("diagonal is a view of the main, upper and lower diagonals, appended as the last dim")
    func diagonal() throws {
        #expect(grid.diagonal().scalars == [0, 5, 10] && grid.diagonal().sharesStorage(with: grid))
        #expect(grid.diagonal(offset: 1).scalars == [1, 6, 11] && grid.diagonal(offset: -1).scalars == [4, 9])
        #expect(grid.diagonal(offset: 4).shape == [0] && grid.diagonal(offset: -3).shape == [0])
        #expect(Autograd.diagonal(grid, dim1: 1, dim2: 0).scalars == [0, 5, 10])
        let batch = Tensor(shape: [2, 2, 3], scalars: (0..<12).map(Double.init))
        let d = batch.diagonal(dim1: -2, dim2: -1)
        #expect(d.shape == [2, 2] && d.scalars == [0, 4, 6, 10])
        #expect(batch.diagonal(dim1: 0, dim2: 2).shape == [2, 2] && batch.diagonal(dim1: 0, dim2: 2).scalars == [0, 7, 3, 10])
        let ints = Tensor([[1, 2], [3, 4]])
        #expect(ints.diagonal().dtype == .int64 && ints.diagonal().scalars == [1, 4])
        let x = Tensor(shape: [3, 4], scalars: (0..<12).map(Double.init), dtype: .float64, requiresGrad: true)
        try (x.diagonal(offset: 1) * Tensor([1.0, 2, 3], dtype: .float64)).sum().backward()
        expectClose(x.grad, shape: [3, 4], [0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3])
        try expectDerivativesMatchDifferences((0..<12).map { Double($0) * 0.3 }, shape: [2, 3, 2], "diagonal") {
            $0.diagonal(offset: -1, dim1: 2, dim2: 1)
        }
        expectError(["diagonal", "two different dims, got dim1 and dim2 both 1"]) {
            _ = try OpRegistry.shared.call("diagonal", [grid], attributes: ["dim1": 1, "dim2": -1])
        }
        expectError(["diagonal", "a tensor of at least 2 dims", "x [3]"]) {
            _ = try OpRegistry.shared.call("diagonal", [Tensor([1.0, 2, 3])])
        }
    }

    @Test("an in-place update through a diagonal view reaches its base and its gradient")
    func diagonalView() throws {
        let w = Tensor([[1.0, 2], [3, 4]], dtype: .float64, requiresGrad: true)
        let base = w * 1
        let d = base.diagonal()
        d *= 3.0
        #expect(base.scalars == [3, 2, 3, 12])
        try (base * base).sum().backward()
        expectClose(w.grad, shape: [2, 2], [18, 4, 6, 72])
    }

    @Test("flipped reverses dims, for every dtype and any layout")
    func flipped() throws {
        #expect(grid.flipped(dims: [1]).scalars == [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8])
        #expect(grid.flipped(dims: [0, -1]).scalars == (0..<12).reversed().map(Double.init))
        #expect(grid.transposed(0, 1).flipped(dims: [0]).scalars == [3, 7, 11, 2, 6, 10, 1, 5, 9, 0, 4, 8])
        #expect(Tensor([true, false, false]).flipped(dims: [0]).scalars == [0, 0, 1])
        #expect(Tensor([1, 2, 3]).flipped(dims: [0]).dtype == .int64)
        #expect(Tensor(2.0).flipped(dims: [0]).scalars == [2])
        #expect(grid.flipped(dims: []).scalars == grid.scalars)
        try expectDerivativesMatchDifferences((0..<6).map(Double.init), shape: [2, 3], "flip") { $0.flipped(dims: [1]) }
        expectError(["flip", "each dim at most once in dims, got [1, -1]"]) {
            _ = try OpRegistry.shared.call("flip", [grid], attributes: ["dims": [1, -1]])
        }
    }

    @Test("rolled shifts with wrap-around, per dim or over the flattened tensor")
    func rolled() throws {
        let row = Tensor([1.0, 2, 3, 4, 5])
        #expect(row.rolled(shifts: [2], dims: [0]).scalars == [4, 5, 1, 2, 3])
        #expect(row.rolled(shifts: [-1], dims: [0]).scalars == [2, 3, 4, 5, 1])
        #expect(row.rolled(shifts: [7], dims: [-1]).scalars == [4, 5, 1, 2, 3])
        #expect(grid.rolled(shifts: [1]).scalars == [11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        #expect(grid.rolled(shifts: [1, 1], dims: [1, 1]).scalars == grid.rolled(shifts: [2], dims: [1]).scalars)
        #expect(grid.rolled(shifts: [1, -1], dims: [0, 1]).scalars == [9, 10, 11, 8, 1, 2, 3, 0, 5, 6, 7, 4])
        #expect(Tensor([[true, false]]).rolled(shifts: [1], dims: [1]).scalars == [0, 1])
        #expect(Tensor(shape: [0, 2], scalars: [Double]()).rolled(shifts: [1], dims: [0]).shape == [0, 2])
        try expectDerivativesMatchDifferences((0..<6).map(Double.init), shape: [2, 3], "roll") { $0.rolled(shifts: [1, 2], dims: [0, 1]) }
        expectError(["roll", "as many shifts as dims, got shifts [1] and dims [0, 1]"]) {
            _ = try OpRegistry.shared.call("roll", [grid], attributes: ["shifts": [1], "dims": [0, 1]])
        }
        expectError(["roll", "one shift when dims is empty"]) {
            _ = try OpRegistry.shared.call("roll", [grid], attributes: ["shifts": [1, 2]])
        }
    }

    @Test("padded takes PyTorch's order (last dim first), fills with a value, and crops with negative widths")
    func padded() throws {
        let x = Tensor([[1.0, 2], [3, 4]])
        expectClose(x.padded([1, 2]), shape: [2, 5], [0, 1, 2, 0, 0, 0, 3, 4, 0, 0])
        expectClose(x.padded([0, 0, 1, 0], value: -1), shape: [3, 2], [-1, -1, 1, 2, 3, 4])
        expectClose(x.padded([-1, 1]), shape: [2, 2], [2, 0, 4, 0])
        expectClose(Autograd.padded(x, [0, 0, -2, 0]), shape: [0, 2], [])
        let ints = Tensor([1, 2]).padded([1, 1], value: 7)
        #expect(ints.dtype == .int64 && ints.scalars == [7, 1, 2, 7])
        #expect(Tensor([true]).padded([1, 0]).scalars == [0, 1])
        try expectDerivativesMatchDifferences((0..<12).map(Double.init), shape: [3, 4], "pad") {
            $0.padded([-1, 2, 1, -1], value: 3)
        }
        expectError(["pad", "an even pad length of at most twice the rank 2, got pad [1, 2, 3]"]) {
            _ = try OpRegistry.shared.call("pad", [x], attributes: ["pad": [1, 2, 3]])
        }
        expectError(["pad", "pads that leave dim 1 of size 2 a size >= 0, got before -2 and after -1"]) {
            _ = try OpRegistry.shared.call("pad", [x], attributes: ["pad": [-2, -1]])
        }
        expectError(["pad: attribute 'mode' expects one of \"constant\""]) {
            _ = try OpRegistry.shared.call("pad", [x], attributes: ["pad": [1, 1], "mode": "reflect"])
        }
    }

    @Test("tiled repeats the tensor along each dim, adding leading dims")
    func tiled() throws {
        let x = Tensor([1, 2])
        #expect(x.tiled([2]).scalars == [1, 2, 1, 2] && x.tiled([2]).dtype == .int64)
        let t = x.tiled([2, 2])
        #expect(t.shape == [2, 4] && t.scalars == [1, 2, 1, 2, 1, 2, 1, 2])
        #expect(Autograd.tiled(Tensor([[1.0], [2]]), [1, 3]).scalars == [1, 1, 1, 2, 2, 2])
        #expect(Tensor(5.0).tiled([3]).scalars == [5, 5, 5] && x.tiled([0]).shape == [0])
        try expectDerivativesMatchDifferences([1, 2, 3, 4, 5, 6], shape: [2, 3], "repeat") { $0.tiled([2, 1, 2]) }
        expectError(["repeat", "at least one repeat count per dim (2), each >= 0, got repeats [2]"]) {
            _ = try OpRegistry.shared.call("repeat", [grid], attributes: ["repeats": [2]])
        }
    }

    @Test("tril and triu keep a triangle of each matrix in the last two dims")
    func triangles() throws {
        let ones = Tensor.ones([3, 3])
        #expect(ones.tril().scalars == [1, 0, 0, 1, 1, 0, 1, 1, 1])
        #expect(ones.triu().scalars == [1, 1, 1, 0, 1, 1, 0, 0, 1])
        #expect(tril(ones, diagonal: -1).scalars == [0, 0, 0, 1, 0, 0, 1, 1, 0])
        #expect(triu(ones, diagonal: 2).scalars == [0, 0, 1, 0, 0, 0, 0, 0, 0])
        #expect(ones.tril(diagonal: 5).scalars == ones.scalars && ones.triu(diagonal: -5).scalars == ones.scalars)
        let mask = Tensor.full([2, 2, 3], true).tril()
        #expect(mask.dtype == .bool && mask.scalars == [1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0])
        #expect(grid.transposed(0, 1).triu().scalars == [0, 4, 8, 0, 5, 9, 0, 0, 10, 0, 0, 0])
        try expectDerivativesMatchDifferences((0..<12).map(Double.init), shape: [3, 4], "triu") { $0.triu(diagonal: 1) }
        expectError(["tril", "a tensor of at least 2 dims", "x [3]"]) {
            _ = try OpRegistry.shared.call("tril", [Tensor([1.0, 2, 3])])
        }
    }
}
