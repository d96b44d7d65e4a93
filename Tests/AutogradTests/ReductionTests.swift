import Testing
@testable import Autograd
import TestSupport

/// max/min, argmax/argmin, amax/amin, prod, var, std, logsumexp, cumsum, cumprod,
/// norm: the Swift spelling, dtypes, ties, NaN, zeros, 0-d and empty inputs,
/// errors, and reductions large enough to split across cores. Values against
/// PyTorch are in the format-2 cases (ReferenceCaseTests).
@Suite("Reductions")
struct ReductionTests {
    @Test("max(dim:) gives values and int64 indices: first occurrence on ties, NaN wins, gradient to the index")
    func maxAlongDim() throws {
        let x = Tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]], dtype: .float64, requiresGrad: true)
        let (values, indices) = x.max(dim: 1)
        #expect(values.scalars == [5, 7] && indices.scalars == [1, 0] && indices.dtype == .int64)
        #expect(values.gradFn?.name == "MaxBackward0")
        try (values * Tensor([1.0, 2.0], dtype: .float64)).sum().backward()
        expectClose(x.grad, shape: [2, 3], [0, 1, 0, 2, 0, 0])
        let (low, at) = x.detach().min(dim: 0, keepdim: true)
        #expect(low.shape == [1, 3] && low.scalars == [1, 2, 5] && at.scalars == [0, 1, 0])
        let (_, last) = x.detach().max(dim: -1, keepdim: true)
        #expect(last.shape == [2, 1] && last.scalars == [1, 0])
        let nan = Tensor([[1.0, .nan, 3.0, .nan]]).max(dim: 1)
        #expect(nan.values.scalars[0].isNaN && nan.indices.scalars == [1])
        #expect(Tensor([[1.0, .nan]]).min(dim: 1).indices.scalars == [1])
        let ints = Tensor([[3, 9, 9], [-4, -8, 0]]).max(dim: 1)
        #expect(ints.values.dtype == .int64 && ints.values.scalars == [9, 0] && ints.indices.scalars == [1, 2])
        let scalar = Tensor(4.0).max(dim: 0)
        #expect(scalar.values.shape == [] && scalar.values.scalars == [4] && scalar.indices.scalars == [0])
        #expect(Tensor.zeros([0, 3]).max(dim: 1).values.shape == [0])
        expectError(["max", "a non-empty dim 0 to reduce, got size 0", "x [0, 3]"]) {
            _ = try OpRegistry.shared.callOutputs("max", [Tensor.zeros([0, 3])], attributes: ["dim": 0])
        }
        expectError(["max returns several outputs (values, indices); call it with callOutputs"]) {
            _ = try OpRegistry.shared.call("max", [x], attributes: ["dim": 0])
        }
        expectError(["min", "dim in [-2, 1], got 2"]) {
            _ = try OpRegistry.shared.callOutputs("min", [x], attributes: ["dim": 2])
        }
    }

    @Test("max_reduce and min_reduce are the values of max and min, with their node")
    func valuesOnly() throws {
        let x = Tensor([[2.0, 8.0], [6.0, 4.0]], requiresGrad: true)
        let y = try OpRegistry.shared.call("min_reduce", [x], attributes: ["dim": 0])
        #expect(y.scalars == [2, 4] && y.gradFn?.name == "MinBackward0")
        try y.sum().backward()
        #expect(x.grad?.scalars == [1, 0, 0, 1])
        #expect(try OpRegistry.shared.call("max_reduce", [x], attributes: ["dim": 1, "keepdim": true]).shape == [2, 1])
    }

    @Test("max() and min() of all elements share the gradient among ties; amax and amin over dims")
    func extremaOverDims() throws {
        let x = Tensor([[1.0, 3.0, 3.0], [3.0, 0.0, 2.0]], dtype: .float64, requiresGrad: true)
        let top = x.max()
        #expect(top.shape == [] && top.item() == 3)
        try top.backward()
        expectClose(x.grad, shape: [2, 3], [0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 0, 0])
        #expect(x.detach().min().item() == 0)
        #expect(x.detach().amax(dims: [0]).scalars == [3, 3, 3] && x.detach().amin(dims: [-1], keepdim: true).shape == [2, 1])
        #expect(x.detach().amax(dims: [0, 1]).scalars == [3])
        #expect(Tensor([[1.0, .nan], [2.0, 3.0]]).amax(dims: [1]).scalars.first!.isNaN)
        #expect(Tensor([4, 9, -2]).amin().dtype == .int64 && Tensor([4, 9, -2]).amin().scalars == [-2])
        #expect(Tensor(2.5).amax().scalars == [2.5])
        try expectDerivativesMatchDifferences([0.3, -1.2, 2.5, 0.7, 1.1, -0.4], shape: [2, 3], "amin") { $0.amin(dims: [0]) }
        expectError(["amax", "non-empty dims to reduce", "got dim 0 of size 0"]) {
            _ = try OpRegistry.shared.call("amax", [Tensor.zeros([0, 3])])
        }
    }

    @Test("argmax and argmin: int64 positions along a dim or in the flattened tensor")
    func positions() throws {
        let x = Tensor([[1.0, 9.0, 9.0], [8.0, 0.0, 8.0]])
        #expect(x.argmax().shape == [] && x.argmax().scalars == [1] && x.argmax().dtype == .int64)
        #expect(argmax(x, keepdim: true).shape == [1, 1])
        #expect(x.argmax(dim: 1).scalars == [1, 0] && x.argmin(dim: 0).scalars == [0, 1, 1])
        #expect(argmin(x, dim: -1, keepdim: true).shape == [2, 1] && x.argmin().scalars == [4])
        #expect(Tensor([3, 7, 7, 1]).argmax().scalars == [1])
        #expect(Tensor([2.0, .nan, 5.0]).argmax().scalars == [1])
        #expect(Tensor(1.5).argmax().scalars == [0])
        let y = Tensor([[0.5, 2.0]], requiresGrad: true).argmax(dim: 1)
        #expect(!y.requiresGrad && y.gradFn == nil)
        expectError(["argmax", "a non-empty tensor (or a dim)", "x [0]"]) {
            _ = try OpRegistry.shared.call("argmax", [Tensor.zeros([0])])
        }
    }

    @Test("prod handles zeros exactly: one zero gets the product of the others, two give zero gradients")
    func prod() throws {
        let x = Tensor([[2.0, 0.0, 3.0], [0.0, 5.0, 0.0], [1.0, 2.0, 4.0]], dtype: .float64, requiresGrad: true)
        let p = x.prod(dim: 1)
        #expect(p.scalars == [0, 0, 8])
        try p.sum().backward()
        expectClose(x.grad, shape: [3, 3], [0, 6, 0, 0, 0, 0, 8, 4, 2])
        let all = Tensor([2.0, 0.0, 3.0, 4.0], dtype: .float64, requiresGrad: true)
        try all.prod().backward()
        expectClose(all.grad, shape: [4], [0, 24, 0, 0])
        #expect(Tensor([[2.0, 3.0]]).prod(keepdim: true).shape == [1, 1])
        #expect(Tensor([3, -2, 5]).prod().dtype == .int64 && Tensor([3, -2, 5]).prod().scalars == [-30])
        #expect(Tensor([true, true]).prod().dtype == .int64)
        #expect(Tensor.zeros([2, 0]).prod(dim: 1).scalars == [1, 1])
        #expect(Tensor(3.0).prod(dim: 0).scalars == [3])
        try expectDerivativesMatchDifferences([0.5, -1.5, 2.0, 1.25, 0.75, -0.5], shape: [2, 3], "prod") { $0.prod(dim: 0) }
        try expectDerivativesMatchDifferences([0.5, 0, 2.0, 1.25, 0, -0.5], shape: [2, 3], "prod with zeros") { $0.prod(dim: 1) }
    }

    @Test("variance and standardDeviation with a correction, over dims or all")
    func moments() throws {
        let x = Tensor([[1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 2.0]], dtype: .float64)
        expectClose(x.variance(dims: [1]), shape: [2], [5.0 / 3, 0], atol: 1e-12, rtol: 1e-12)
        expectClose(variance(x, dims: [1], correction: 0, keepdim: true), shape: [2, 1], [1.25, 0], atol: 1e-12, rtol: 1e-12)
        expectClose(x.standardDeviation(dims: [-1], correction: 0), shape: [2], [Double(1.25).squareRoot(), 0])
        expectClose(standardDeviation(x).item(), (5.5 / 7).squareRoot(), atol: 1e-12, rtol: 0, "std of all")
        #expect(Tensor(1.0).variance().item().isNaN && Tensor(1.0).variance(correction: 0).item() == 0)
        #expect(Tensor([1.0, 2.0]).variance(correction: 3).item() == .infinity)
        #expect(Tensor([1, 3]).variance().dtype == .float32)
        // A constant row has std 0, whose gradient PyTorch defines as 0.
        let constant = Tensor([2.0, 2.0, 2.0], dtype: .float64, requiresGrad: true)
        try constant.standardDeviation().backward()
        #expect(constant.grad?.scalars == [0, 0, 0])
        try expectDerivativesMatchDifferences([0.5, -1.5, 2.0, 1.25, 0.75, -0.5], shape: [2, 3], "std") {
            $0.standardDeviation(dims: [1], correction: 1)
        }
        // Two passes keep float32 variances of large offsets accurate.
        let shifted = Tensor((0..<10_000).map { 1e4 + Double($0 % 2) })
        expectClose(shifted.variance(correction: 0).item(), 0.25, atol: 1e-3, rtol: 0, "float32 variance of large offsets")
    }

    @Test("logSumExp is stable for large magnitudes and rows of -inf")
    func logSumExp() throws {
        let x = Tensor([[1000.0, 1000.0], [-1000.0, -1000.0], [-.infinity, -.infinity], [.infinity, 1.0]], dtype: .float64)
        let y = x.logSumExp(dims: [1])
        expectClose(Tensor(shape: [2], scalars: Array(y.scalars[0..<2]), dtype: .float64), shape: [2],
                     [1000 + Double.log(2), -1000 + Double.log(2)], atol: 1e-9, rtol: 1e-12)
        #expect(y.scalars[2] == -.infinity && y.scalars[3] == .infinity)
        let f32 = Tensor([[88.0, 89.0, -104.0]]).logSumExp(dims: [1])
        expectClose(f32.item(), 89 + Double.log(1 + Double.exp(-1)), atol: 1e-4, rtol: 0, "float32 logsumexp near overflow")
        #expect(Tensor([[1.0, .nan]]).logSumExp(dims: [1]).item().isNaN)
        #expect(Autograd.logSumExp(Tensor.zeros([2, 0]), dims: [1]).scalars == [-.infinity, -.infinity])
        #expect(Tensor([1, 2]).logSumExp().dtype == .float32)
        try expectDerivativesMatchDifferences([0.5, -1.5, 2.0, 1.25, 0.75, -0.5], shape: [3, 2], "logsumexp") {
            $0.logSumExp(dims: [0], keepdim: true)
        }
    }

    @Test("float32 logSumExp runs eight lanes at a time and agrees with float64, special values included")
    func logSumExpLanes() throws {
        func row(_ value: (Int) -> Double) -> [Double] { (0..<21).map(value) }
        var rows = (0..<4).map { r in row { Double(($0 * 37 + r * 11) % 23) / 3 - 4 + Double(r) * 300 } }
        rows.append(row { _ in -.infinity })
        rows.append(row { $0 == 13 ? .infinity : Double($0) })
        rows.append(row { $0 == 17 ? .nan : Double($0) })
        rows.append(row { $0 % 2 == 0 ? -.infinity : Double($0) - 90 })
        let values = rows.flatMap { $0 }
        let x32 = Tensor(shape: [rows.count, 21], scalars: values, requiresGrad: true)
        // The same (float32-rounded) values in float64.
        let x64 = Tensor(shape: [rows.count, 21], scalars: x32.scalars, dtype: .float64, requiresGrad: true)
        let (y32, y64) = (x32.logSumExp(dims: [1]), x64.logSumExp(dims: [1]))
        expectClose(y32.scalars, y64.scalars, atol: 1e-5, rtol: 1e-6, "float32 against float64")
        let upstream = (0..<rows.count).map { 0.5 + Double($0) }
        try y32.backward(gradient: Tensor(upstream))
        try y64.backward(gradient: Tensor(upstream, dtype: .float64))
        expectClose(try #require(x32.grad).scalars, try #require(x64.grad).scalars, atol: 1e-5, rtol: 1e-4, "gradients, within the float32 cases' tolerance")
    }

    @Test("cumulativeSum and cumulativeProduct along a dim, for int64 too; cumprod's gradient with zeros")
    func scans() throws {
        let x = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        #expect(x.cumulativeSum(dim: 1).scalars == [1, 3, 6, 4, 9, 15])
        #expect(cumulativeSum(x, dim: 0).scalars == [1, 2, 3, 5, 7, 9])
        #expect(x.cumulativeProduct(dim: -1).scalars == [1, 2, 6, 4, 20, 120])
        #expect(cumulativeProduct(x.transposed(0, 1), dim: 0).scalars == [1, 4, 2, 20, 6, 120])
        let ints = Tensor([3, -1, 2])
        #expect(ints.cumulativeSum(dim: 0).dtype == .int64 && ints.cumulativeProduct(dim: 0).scalars == [3, -3, -6])
        #expect(Tensor([true, false, true]).cumulativeSum(dim: 0).scalars == [1, 1, 2])
        #expect(Tensor(2.0).cumulativeSum(dim: -1).scalars == [2] && Tensor.zeros([0, 2]).cumulativeProduct(dim: 0).shape == [0, 2])
        try expectDerivativesMatchDifferences([0.5, -1.5, 2.0, 1.25, 0.75, -0.5], shape: [2, 3], "cumsum") { $0.cumulativeSum(dim: 1) }
        try expectDerivativesMatchDifferences([0.5, -1.5, 2.0, 1.25, 0.75, -0.5], shape: [2, 3], "cumprod") {
            $0.cumulativeProduct(dim: 0)
        }
        // Reverse and forward mode (every one-hot tangent and a random one) at zeros.
        for zeros in [[0.5, 0, 2.0, 1.5, -1.0], [0.5, 0, 2.0, 0, -1.0], [0, 1.5, 2.0, 0.5, 0], [0, 0, 0, 0.5, 2]] {
            try expectDerivativesMatchDifferences(zeros, shape: [5], "cumprod of \(zeros)", checks: [.gradient, .forwardMode],
                                                  atol: 1e-7, rtol: 1e-6) { $0.cumulativeProduct(dim: 0) }
        }
        expectError(["cumsum", "dim in [-2, 1], got 2"]) {
            _ = try OpRegistry.shared.call("cumsum", [x], attributes: ["dim": 2])
        }
    }

    @Test("norm: p = 2, 1, inf, -inf, 0 and others; zero gradient at zero")
    func norms() throws {
        let x = Tensor([[3.0, -4.0, 0.0], [1.0, -1.0, 1.0]], dtype: .float64)
        expectClose(x.norm(dims: [1]), shape: [2], [5, 3.0.squareRoot()])
        expectClose(x.norm(p: 1, dims: [1]), shape: [2], [7, 3])
        expectClose(x.norm(p: .infinity, dims: [1]), shape: [2], [4, 1])
        expectClose(x.norm(p: -.infinity, dims: [1]), shape: [2], [0, 1])
        expectClose(x.norm(p: 0, dims: [1], keepdim: true), shape: [2, 1], [2, 3])
        expectClose(norm(x, p: 3), shape: [], [Double.pow(27 + 64 + 3, 1.0 / 3)], atol: 1e-12, rtol: 1e-12)
        expectClose(Tensor.zeros([0, 2]).norm(), shape: [], [0])
        let zero = Tensor([0.0, 0.0], dtype: .float64, requiresGrad: true)
        try zero.norm().backward()
        #expect(zero.grad?.scalars == [0, 0])
        let tied = Tensor([2.0, -2.0, 1.0], dtype: .float64, requiresGrad: true)
        try tied.norm(p: .infinity).backward()
        #expect(tied.grad?.scalars == [0.5, -0.5, 0])
        for p in [2.0, 1.0, 3.0, 1.5, 0.5] {
            try expectDerivativesMatchDifferences([0.5, -1.5, 2.0, 1.25, 0.75, -0.5], shape: [2, 3], "norm p = \(p)") {
                $0.norm(p: p, dims: [1])
            }
        }
        expectError(["norm", "non-empty dims for p = inf", "got dim 1 of size 0"]) {
            _ = try OpRegistry.shared.call("norm", [Tensor.zeros([2, 0])], attributes: ["p": .double(.infinity), "dims": [1]])
        }
    }

    @Test("reductions over leading dims read their rows through a tiled transpose")
    func leadingDims() throws {
        let (a, b, c) = (3, 50, 37)
        let values = (0..<(a * b * c)).map { Double(($0 &* 7919) % 1009) / 100 - 5 }
        func at(_ i: Int, _ j: Int, _ k: Int) -> Double { values[(i * b + j) * c + k] }
        let x = Tensor(shape: [a, b, c], scalars: values, dtype: .float64)
        let columns = (0..<a).flatMap { i in (0..<c).map { k in (0..<b).map { at(i, $0, k) } } }
        #expect(x.amax(dims: [1]).scalars == columns.map { $0.max()! })
        #expect(x.argmin(dim: 1).scalars == columns.map { Double($0.firstIndex(of: $0.min()!)!) })
        expectClose(x.prod(dim: 1).scalars, columns.map { $0.reduce(1, *) }, atol: 1e-12, rtol: 1e-12, "prod over dim 1")
        expectClose(x.norm(p: 1, dims: [1]).scalars, columns.map { $0.reduce(0) { $0 + Swift.abs($1) } },
                    atol: 1e-12, rtol: 1e-12, "norm over dim 1")
        let f32 = Tensor(shape: [a, b, c], scalars: values)
        #expect(f32.max(dim: 1).values.scalars == columns.map { Double(Float($0.max()!)) })
        let first = (0..<(b * c)).map { j in (0..<a).map { values[$0 * b * c + j] } }
        expectClose(x.variance(dims: [0]).scalars, first.map { column in
            let mean = column.reduce(0, +) / Double(a)
            return column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(a - 1)
        }, atol: 1e-12, rtol: 1e-10, "variance over dim 0")
    }

    @Test("reductions too long for one core split the row and combine in order")
    func splitRows() throws {
        let n = (Parallel.minimumChunk << 1) + 7
        var values = (0..<n).map { Double(($0 &* 7919) % 1000) / 100 }
        values[n - 3] = 20
        values[n - 2] = 20
        let x = Tensor(shape: [n], scalars: values, dtype: .float64)
        #expect(x.argmax().scalars == [Double(n - 3)] && x.max(dim: 0).indices.scalars == [Double(n - 3)])
        #expect(x.amin().item() == 0 && x.argmin().scalars == [0])
        let mean = values.reduce(0, +) / Double(n)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        expectClose(x.variance().item(), variance, atol: 0, rtol: 1e-9, "split variance")
        let top = values.max()!
        let lse = top + Double.log(values.reduce(0) { $0 + Double.exp($1 - top) })
        expectClose(x.logSumExp().item(), lse, atol: 0, rtol: 1e-12, "split logsumexp")
        expectClose(x.norm(p: 1).item(), values.reduce(0, +), atol: 0, rtol: 1e-9, "split 1-norm")
        values[n / 2 + 5] = .nan
        let withNaN = Tensor(shape: [n], scalars: values, dtype: .float64)
        #expect(withNaN.argmax().scalars == [Double(n / 2 + 5)] && withNaN.amax().item().isNaN)
        #expect(withNaN.logSumExp().item().isNaN)
    }
}
