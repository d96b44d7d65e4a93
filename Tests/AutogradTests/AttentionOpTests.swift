import Foundation
import Testing
@testable import Autograd
import TestSupport

/// scaled_dot_product_attention beyond the format-2 cases: bool masks, fully hidden
/// rows, the scale, dropout and the errors it reports.
@Suite("Scaled dot-product attention")
struct AttentionOpTests {
    let q = Tensor.randn([2, 3, 4], dtype: .float64)
    let k = Tensor.randn([2, 5, 4], dtype: .float64)
    let v = Tensor.randn([2, 5, 6], dtype: .float64)

    @Test("softmax(q kᵀ · scale + mask) v, with the default scale 1 / sqrt(E)")
    func definition() {
        let mask = Tensor.randn([3, 5], dtype: .float64)
        let want = matmul(softmax(matmul(q, k.transposed(-2, -1)) * 0.5 + mask, dim: -1), v)
        expectClose(scaledDotProductAttention(q, k, v, mask: mask), shape: [2, 3, 6], want.scalars, atol: 1e-14, rtol: 1e-12)
        let scaled = matmul(softmax(matmul(q, k.transposed(-2, -1)) * 0.25, dim: -1), v)
        expectClose(scaledDotProductAttention(q, k, v, scale: 0.25), shape: [2, 3, 6], scaled.scalars, atol: 1e-14, rtol: 1e-12)
    }

    @Test("a bool mask keeps the true positions, as an additive mask of 0 and -inf")
    func boolMask() {
        let keep = Tensor(shape: [3, 5], scalars: [1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0], dtype: .bool)
        let additive = which(keep, 0, -Double.infinity, dtype: .float64)
        expectClose(scaledDotProductAttention(q, k, v, mask: keep), shape: [2, 3, 6],
                     scaledDotProductAttention(q, k, v, mask: additive).scalars, atol: 1e-14, rtol: 1e-12)
    }

    @Test("is_causal equals the mask generateSquareSubsequentMask gives")
    func causal() {
        let x = Tensor.randn([2, 4, 4], dtype: .float64)
        expectClose(scaledDotProductAttention(x, x, x, isCausal: true), shape: [2, 4, 4],
                     scaledDotProductAttention(x, x, x, mask: generateSquareSubsequentMask(4, dtype: .float64)).scalars,
                     atol: 1e-14, rtol: 1e-12)
    }

    @Test("a query that may attend to no key gives zeros and a finite gradient")
    func hiddenRow() throws {
        let query = Tensor(shape: q.shape, scalars: q.scalars, dtype: .float64, requiresGrad: true)
        var values = [Double](repeating: 1, count: 15)
        for j in 5..<10 { values[j] = 0 }
        let keep = Tensor(shape: [3, 5], scalars: values, dtype: .bool)
        let out = scaledDotProductAttention(query, k, v, mask: keep)
        let rows = out.scalars
        let hidden = (0..<2).flatMap { b in (0..<6).map { rows[b * 18 + 6 + $0] } }
        #expect(hidden == [Double](repeating: 0, count: 12))
        let finite = rows.filter(\.isFinite).count
        #expect(finite == rows.count)
        try out.sum().backward()
        let gradient = query.grad!.scalars
        #expect(gradient.filter(\.isFinite).count == gradient.count)
    }

    @Test("dropout zeroes weights with probability p and scales the rest by 1 / (1 - p)")
    func dropout() {
        let ones = Tensor.ones([1, 1, 400], dtype: .float64)
        let query = Tensor.zeros([1, 400, 1], dtype: .float64)
        let key = Tensor.zeros([1, 1, 1], dtype: .float64)
        // One key, weight 1 everywhere: the output is the dropout mask itself.
        let out = scaledDotProductAttention(query, key, ones.reshaped([1, 1, 400]).sliced(dim: 2, end: 1), dropout: 0.25)
        let kept = out.scalars.filter { $0 != 0 }
        expectClose(kept, kept.map { _ in 1 / 0.75 }, atol: 1e-12, rtol: 0, "kept weights")
        #expect((240...360).contains(kept.count), "about 300 of 400 kept, got \(kept.count)")
    }

    @Test("errors name the op, the shapes and the dtypes")
    func errors() {
        func message(_ body: () throws -> Tensor) -> String {
            do {
                _ = try body()
                return ""
            } catch {
                return "\(error)"
            }
        }
        let shapes = message { try OpRegistry.shared.call("scaled_dot_product_attention", [q, k.sliced(dim: 2, end: 3), v]) }
        #expect(shapes.contains("scaled_dot_product_attention") && shapes.contains("[2, 5, 3]"), "\(shapes)")
        let maskShape = message {
            try OpRegistry.shared.call("scaled_dot_product_attention", [q, k, v, Tensor.zeros([4, 5], dtype: .float64)])
        }
        #expect(maskShape.contains("attn_mask"), "\(maskShape)")
        let both = message {
            try OpRegistry.shared.call("scaled_dot_product_attention", [q, k, v, Tensor.zeros([3, 5], dtype: .float64)],
                                       attributes: ["is_causal": .bool(true)])
        }
        #expect(both.contains("is_causal"), "\(both)")
        let dtype = message {
            try OpRegistry.shared.call("scaled_dot_product_attention", [q, k, v, Tensor.zeros([3, 5], dtype: .int64)])
        }
        #expect(dtype.contains("int64"), "\(dtype)")
    }
}
