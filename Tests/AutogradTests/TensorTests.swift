import Testing
@testable import Autograd
import TestSupport

@Suite("Tensors")
struct TensorTests {
    @Test("creation from nested arrays, shapes and dtypes")
    func creation() {
        let t = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        #expect(t.shape == [2, 3] && t.dtype == .float32 && t.rank == 2 && t.scalarCount == 6)
        #expect(t.scalars == [1, 2, 3, 4, 5, 6])
        let s = Tensor(2.5, dtype: .float64)
        #expect(s.shape == [] && s.item() == 2.5 && s.dtype == .float64)
        let empty = Tensor(shape: [0, 3], scalars: [Double]())
        #expect(empty.scalarCount == 0 && empty.scalars.isEmpty)
        #expect(Tensor.zeros([2]).scalars == [0, 0])
        #expect(Tensor.ones([2], dtype: .float64).scalars == [1, 1])
        #expect(Tensor.full([3], 7).scalars == [7, 7, 7])
        #expect(Tensor.arange(0, 5, step: 2).scalars == [0, 2, 4])
        #expect(Tensor.arange(3, 0, step: -1).scalars == [3, 2, 1])
    }

    @Test("storage is 64-byte aligned, and views share it")
    func storage() {
        let t = Tensor([[1.0, 2.0], [3.0, 4.0]])
        #expect(Int(bitPattern: t.unsafeRawPointer) % 64 == 0)
        let tt = t.transposed(0, 1)
        #expect(tt.sharesStorage(with: t) && !tt.isContiguous)
        #expect(tt.scalars == [1, 3, 2, 4])
        #expect(t.reshaped([4]).sharesStorage(with: t))
        #expect(tt.reshaped([4]).scalars == [1, 3, 2, 4])
        let e = Tensor([1.0, 2.0]).expanded(to: [3, 2])
        #expect(e.strides == [0, 1] && e.scalars == [1, 2, 1, 2, 1, 2])
        #expect(tt.contiguous().isContiguous && tt.contiguous().scalars == [1, 3, 2, 4])
    }

    @Test("seeded generators repeat; rand is in [0, 1); randn has mean 0 and variance 1")
    func random() {
        var g1 = RandomGenerator(seed: 42), g2 = RandomGenerator(seed: 42)
        #expect(Tensor.rand([5], using: &g1).scalars == Tensor.rand([5], using: &g2).scalars)
        let u = Tensor.rand([10_000], dtype: .float64, using: &g1).scalars
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        let n = Tensor.randn([20_000], dtype: .float64, using: &g1).scalars
        let mean = n.reduce(0, +) / Double(n.count)
        let variance = n.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n.count)
        expectClose(mean, 0, atol: 0.03, rtol: 0, "mean of the normal draws")
        expectClose(variance, 1, atol: 0.05, rtol: 0, "variance of the normal draws")
        manualSeed(7)
        let a = Tensor.randn([3]).scalars
        manualSeed(7)
        #expect(Tensor.randn([3]).scalars == a)
    }

    @Test("scalars mix with tensors on either side, in the tensor's dtype")
    func scalars() {
        let x = Tensor([1.0, 2.0], dtype: .float64)
        #expect((2 * x).scalars == [2, 4] && (2 * x).dtype == .float64)
        #expect((x * 1.5).scalars == [1.5, 3])
        #expect((x + 1).scalars == [2, 3] && (1 - x).scalars == [0, -1])
        #expect((x / 2).scalars == [0.5, 1] && (2 / x).scalars == [2, 1])
        #expect((-x).scalars == [-1, -2] && (x ** 2).scalars == [1, 4])
        #expect((2 ** x).scalars == [2, 4] && (x ** x).scalars == [1, 4])
        #expect((Tensor([0.1]) * 3).dtype == .float32)
    }

    @Test("printing follows PyTorch's repr")
    func printing() throws {
        #expect(Tensor([6.0]).description == "tensor([6.])")
        #expect(Tensor([2.0, 4.0, 6.0]).description == "tensor([2., 4., 6.])")
        #expect(Tensor([[1.5]], requiresGrad: true).description == "tensor([[1.5000]], requires_grad=True)")
        #expect(Tensor([1.0, -2.5]).description == "tensor([ 1.0000, -2.5000])")
        #expect(Tensor(30.0).description == "tensor(30.)")
        #expect(Tensor([1.0, 2.0], dtype: .float64).description == "tensor([1., 2.], dtype=torch.float64)")
        #expect(Tensor([0.00001, 1.0]).description == "tensor([1.0000e-05, 1.0000e+00])")
        #expect(Tensor([Double.nan, .infinity, 1]).description == "tensor([nan, inf, 1.])")
        #expect(Tensor(shape: [0, 3], scalars: [Double]()).description == "tensor([], size=(0, 3))")
        #expect(Tensor(shape: [0], scalars: [Double]()).description == "tensor([])")
        let long = Tensor.arange(0.0, 2000).description
        #expect(long.hasPrefix("tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,"))
        let wide = Tensor.arange(0.0, 30).description
        #expect(wide == """
            tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,
                    14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,
                    28., 29.])
            """)
    }
}
