import Foundation
import Testing
@testable import Autograd
import TestSupport

/// Tensor subscripts as a PyTorch user writes them, reading and assigning, and
/// their traps with messages.
@Suite("Subscripts")
struct SubscriptTests {
    /// [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    private func grid(_ dtype: DType = .float64) -> Tensor {
        Tensor(shape: [3, 4], scalars: (0..<12).map(Double.init), dtype: dtype)
    }

    private func standardError(_ result: ExitTest.Result?) -> String {
        String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    }

    @Test("positions and ranges read views, as Python's")
    func basic() {
        let x = grid()
        expectClose(x[0], shape: [4], [0, 1, 2, 3])
        expectClose(x[-1], shape: [4], [8, 9, 10, 11])
        expectClose(x[1, 2], shape: [], [6])
        expectClose(x[1..<3], shape: [2, 4], Array(4...11).map(Double.init))
        expectClose(x[1...], shape: [2, 4], Array(4...11).map(Double.init))
        expectClose(x[..<1], shape: [1, 4], [0, 1, 2, 3])
        expectClose(x[...1], shape: [2, 4], Array(0...7).map(Double.init))
        expectClose(x[0, ...(-1)], shape: [4], [0, 1, 2, 3])
        expectClose(x[0, -3..<(-1)], shape: [2], [1, 2])
        expectClose(x[0, 2...], shape: [2], [2, 3])
        expectClose(x[.ellipsis, 0], shape: [3], [0, 4, 8])
        expectClose(x[.all, 3], shape: [3], [3, 7, 11])
        expectClose(x[0..., .strided(from: 1, by: 2)], shape: [3, 2], [1, 3, 5, 7, 9, 11])
        expectClose(x[.strided(by: 2), .strided(from: 0, to: 3, by: 2)], shape: [2, 2], [0, 2, 8, 10])
        expectClose(x[1..<100], shape: [2, 4], Array(4...11).map(Double.init))  // ranges clamp, as Python's
        #expect(x[0, 1...].sharesStorage(with: x))
        #expect(x[].shape == [3, 4])
    }

    @Test("new axes, ellipses and 0-d results")
    func axes() {
        let x = grid()
        #expect(x[.newAxis].shape == [1, 3, 4])
        #expect(x[.all, .newAxis].shape == [3, 1, 4])
        #expect(x[.ellipsis, .newAxis].shape == [3, 4, 1])
        #expect(x[.ellipsis, .newAxis, 0].shape == [3, 1])
        #expect(x[0, .ellipsis, 1].shape == [])
        #expect(Tensor(2.0)[.newAxis].shape == [1])
        #expect(Tensor(2.0)[.ellipsis].shape == [])
        let cube = Tensor.zeros([2, 3, 4])
        #expect(cube[.ellipsis, 1..<3].shape == [2, 3, 2])
        #expect(cube[1, .ellipsis].shape == [3, 4])
    }

    @Test("an int64 tensor picks positions along its dim, with the index's shape")
    func positions() {
        let x = grid()
        expectClose(x[Tensor([2, 0])], shape: [2, 4], [8, 9, 10, 11, 0, 1, 2, 3])
        expectClose(x[Tensor([[-1], [0]])], shape: [2, 1, 4], [8, 9, 10, 11, 0, 1, 2, 3])
        expectClose(x[.all, Tensor([3, 3])], shape: [3, 2], [3, 3, 7, 7, 11, 11])
        expectClose(x[1, Tensor(2)], shape: [], [6])
        #expect(!x[Tensor([0])].sharesStorage(with: x))
    }

    @Test("a bool mask picks elements over the dims it covers")
    func masks() {
        let x = grid()
        expectClose(x[x .> 8.0], shape: [3], [9, 10, 11])
        expectClose(x[Tensor([true, false, true])], shape: [2, 4], [0, 1, 2, 3, 8, 9, 10, 11])
        expectClose(x[.all, Tensor([false, true, false, true])], shape: [3, 2], [1, 3, 5, 7, 9, 11])
        expectClose(x[1..., Tensor([true, false, false, true])], shape: [2, 2], [4, 7, 8, 11])
        #expect(x[Tensor.zeros([3], dtype: .bool)].shape == [0, 4])
        #expect(Tensor.zeros([2, 0])[Tensor([true, true])].shape == [2, 0])
        let cube = Tensor(shape: [2, 2, 2], scalars: (0..<8).map(Double.init), dtype: .float64)
        expectClose(cube[.all, Tensor([[true, false], [false, true]])], shape: [2, 2], [0, 3, 4, 7])
    }

    @Test("reads differentiate through the ops behind them")
    func readGradients() throws {
        let x = Tensor(shape: [2, 3], scalars: [1.0, 2, 3, 4, 5, 6], dtype: .float64, requiresGrad: true)
        let y = x[0, 1...].sum() + (x[x .> 4.0] * 10).sum() + x[Tensor([1, 1])].sum() + x[.all, .newAxis, -1].sum()
        try y.backward()
        expectClose(x.grad, shape: [2, 3], [0, 1, 2, 2, 12, 13])
    }

    @Test("assigning through a view updates x in place, and gradients reach x's history and the value")
    func assignment() throws {
        let a = Tensor(shape: [3, 2], scalars: [1.0, 2, 3, 4, 5, 6], dtype: .float64, requiresGrad: true)
        let v = Tensor([10.0, 20], dtype: .float64, requiresGrad: true)
        let x = a * 1
        x[1] = v
        x[2, 1...] = Tensor(7.0, dtype: .float64)
        expectClose(x, shape: [3, 2], [1, 2, 10, 20, 5, 7])
        let w = Tensor(shape: [3, 2], scalars: [1.0, 2, 3, 4, 5, 6], dtype: .float64)
        try (x * w).sum().backward()
        expectClose(a.grad, shape: [3, 2], [1, 2, 0, 0, 5, 0])
        expectClose(v.grad, shape: [2], [3, 4])
        // Without history: a plain write, converted to x's dtype, broadcast.
        let ints = Tensor.zeros([2, 3], dtype: .int64)
        ints[.all, .strided(by: 2)] = Tensor([5])
        #expect(ints.scalars == [5, 0, 5, 5, 0, 5])
        ints[.ellipsis] = Tensor(1)
        #expect(ints.scalars == [1, 1, 1, 1, 1, 1])
    }

    @Test("assigning through a mask writes the picked elements, with gradients")
    func maskAssignment() throws {
        let a = Tensor([1.0, -2, 3, -4], dtype: .float64, requiresGrad: true)
        let x = a * 1
        x[x .< 0.0] = Tensor(0.0, dtype: .float64)
        expectClose(x, shape: [4], [1, 0, 3, 0])
        try (x * Tensor([1.0, 2, 3, 4], dtype: .float64)).sum().backward()
        expectClose(a.grad, shape: [4], [1, 0, 3, 0])
        let m = Tensor.zeros([3, 2])
        let rows = Tensor(shape: [2, 2], scalars: [1.0, 2, 3, 4], dtype: .float64, requiresGrad: true)
        let n = m * 1
        n[Tensor([true, false, true])] = rows
        expectClose(n, shape: [3, 2], [1, 2, 0, 0, 3, 4])
        try (n * 2).sum().backward()
        expectClose(rows.grad, shape: [2, 2], [2, 2, 2, 2])
        let columns = Tensor.zeros([2, 3], dtype: .int64)
        columns[.all, Tensor([true, false, true])] = Tensor([[1, 2], [3, 4]])
        #expect(columns.scalars == [1, 0, 2, 3, 0, 4])
    }

    @Test("the registry throws where the subscript traps")
    func registryThrows() throws {
        let x = grid()
        expectError(["select", "index 7", "dim 1", "size 4"]) { _ = try x.indexed([0.tensorIndex, 7.tensorIndex]) }
        expectError(["select", "index 4 is out of range for dim 1 of size 4"]) { _ = try x.indexed([1.tensorIndex, 4.tensorIndex]) }
        expectError(["only one ellipsis"]) { _ = try x.indexed([TensorIndex.ellipsis, .ellipsis]) }
        expectError(["too many indices", "[3, 4]", "3 dims indexed"]) { _ = try x.indexed([0, 0, 0].map(\.tensorIndex)) }
        expectError(["0-d", "item()"]) { _ = try Tensor(1.0).indexed([0.tensorIndex]) }
        expectError(["step must be positive", "dim 1"]) { _ = try x.indexed([TensorIndex.all, .strided(by: 0)]) }
        expectError(["mask of shape [4]", "dims 0..<1", "[3, 4]"]) { _ = try x.indexed([Tensor([true, false, true, true]).tensorIndex]) }
        expectError(["index_select", "index 3 at position 1", "dim 0 of size 3"]) { _ = try x.indexed([Tensor([0, 3]).tensorIndex]) }
        expectError(["int64 (positions) or bool", "float64"]) { _ = try x.indexed([x.tensorIndex]) }
        expectError(["only one tensor entry"]) { _ = try x.indexed([Tensor([0]).tensorIndex, Tensor([0]).tensorIndex]) }
        expectError(["int64 tensor index is not supported"]) { try x.assign(Tensor(1.0), at: [Tensor([0]).tensorIndex]) }
        expectError(["cannot assign", "[3]", "[2, 4]"]) {
            try x.assign(Tensor([1.0, 2, 3]), at: [Tensor([true, false, true]).tensorIndex])
        }
        expectError(["select", "index 5 is out of range for dim 0 of size 4"]) {
            _ = try OpRegistry.shared.call("select", [Tensor.zeros([4, 3])], attributes: ["dim": 0, "index": 5])
        }
    }

    @Test("a position outside its dim traps, naming the dim, the position and the size")
    func positionTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor.zeros([3, 4])
            _ = x[1, 4]
        }
        let message = standardError(result)
        #expect(message.contains("index 4 is out of range for dim 1 of size 4"), "\(message)")
    }

    @Test("an int64 position outside its dim traps with its position in the index")
    func tensorPositionTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([3, 4])[.all, Tensor([0, -5])]
        }
        let message = standardError(result)
        #expect(message.contains("index -5 at position 1 is out of range for dim 1 of size 4"), "\(message)")
    }

    @Test("a wrong subscript shape or assignment traps with what was expected")
    func otherTraps() async {
        let mask = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([3, 4])[Tensor([true, false])]
        }
        #expect(standardError(mask).contains("the mask of shape [2]"))
        let tooMany = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([3])[0, 0]
        }
        #expect(standardError(tooMany).contains("too many indices"))
        let assign = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor.zeros([3, 4])
            x[0..<2] = Tensor.ones([3])
        }
        #expect(standardError(assign).contains("copy"))
    }
}
