import Testing
@testable import Autograd
import TestSupport

/// linspace, eye, full, zeros(like:)/ones(like:), and the random factories with a
/// seedable generator (`using:`) or the default one.
@Suite("Factories")
struct FactoryTests {
    @Test("linspace includes both ends; eye has ones on the main diagonal")
    func grids() {
        let l = Tensor.linspace(0, 1, count: 5)
        #expect(l.shape == [5] && l.dtype == .float32 && l.scalars == [0, 0.25, 0.5, 0.75, 1])
        #expect(Tensor.linspace(-1, 1, count: 3, dtype: .float64).scalars == [-1, 0, 1])
        #expect(Tensor.linspace(2, 5, count: 1).scalars == [2] && Tensor.linspace(2, 5, count: 0).shape == [0])
        #expect(Tensor.linspace(1, 0, count: 3).scalars == [1, 0.5, 0])
        #expect(Tensor.linspace(0, 1, count: 2, requiresGrad: true).requiresGrad)
        let i = Tensor.eye(3)
        #expect(i.shape == [3, 3] && i.scalars == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(Tensor.eye(2, columns: 3, dtype: .int64).scalars == [1, 0, 0, 0, 1, 0])
        #expect(Tensor.eye(3, columns: 2, dtype: .bool).scalars == [1, 0, 0, 1, 0, 0])
        #expect(Tensor.eye(0).shape == [0, 0] && Tensor.eye(2, columns: 0).shape == [2, 0])
    }

    @Test("full takes its dtype from the value, as torch.full; zeros(like:) and ones(like:) copy shape and dtype")
    func filled() {
        #expect(Tensor.full([2], 7).dtype == .int64 && Tensor.full([2], 7).scalars == [7, 7])
        #expect(Tensor.full([2], 7, dtype: .float64).dtype == .float64)
        #expect(Tensor.full([2], 0.5).dtype == .float32 && Tensor.full([1, 2], true).dtype == .bool)
        #expect(Tensor.full([2], true).scalars == [1, 1])
        let x = Tensor([[1, 2, 3]])
        #expect(Tensor.zeros(like: x).dtype == .int64 && Tensor.zeros(like: x).shape == [1, 3])
        #expect(Tensor.ones(like: Tensor(2.0, dtype: .float64)).scalars == [1])
    }

    @Test("randint draws from low..<high; randperm is a permutation; both repeat with the seed")
    func randomIntegers() {
        var g1 = RandomGenerator(seed: 3), g2 = RandomGenerator(seed: 3)
        let a = Tensor.randint(low: -2, high: 3, shape: [1000], using: &g1)
        #expect(a.dtype == .int64 && a.shape == [1000])
        #expect(a.scalars.allSatisfy { (-2..<3).contains($0) } && Set(a.scalars).count == 5)
        #expect(Tensor.randint(low: -2, high: 3, shape: [1000], using: &g2).scalars == a.scalars)
        #expect(Tensor.randint(high: 2, shape: [2, 3], dtype: .float64, using: &g1).dtype == .float64)
        let p = Tensor.randperm(50, using: &g1)
        #expect(p.dtype == .int64 && p.scalars.sorted() == (0..<50).map(Double.init))
        #expect(Tensor.randperm(0, using: &g1).shape == [0])
        manualSeed(11)
        let (x, y) = (Tensor.randint(high: 100, shape: [8]), Tensor.randperm(8))
        manualSeed(11)
        #expect(Tensor.randint(high: 100, shape: [8]).scalars == x.scalars && Tensor.randperm(8).scalars == y.scalars)
    }
}
