import Testing
@testable import Autograd

/// Every case PyTorch generated: forward values, first-order gradients, and
/// Hessian-vector products through `createGraph: true`.
@Suite("PyTorch reference cases")
struct ReferenceCaseTests {
    @Test("forward and vector-Jacobian product", arguments: ReferenceCase.vjp)
    func vjp(_ c: ReferenceCase) throws {
        let dtype = c.dataType
        let inputs = c.differentiable.indices.map { c.input($0, dtype, requiresGrad: c.differentiable[$0]) }
        let output = try OpRegistry.shared.call(c.op, inputs, attributes: c.attributes)
        let (atol, rtol) = c.tolerance
        #expect(output.dtype == dtype)
        #expect(output.shape == c.output!.shape)
        expectClose(output.scalars, c.output!.values, atol: atol, rtol: rtol, "\(c.id) output")

        try output.backward(gradient: c.upstream.tensor(dtype))
        for (i, want) in c.grads!.enumerated() {
            guard let want else {
                #expect(inputs[i].grad == nil, "\(c.id): input \(i) is not differentiable but got a gradient")
                continue
            }
            let got = try #require(inputs[i].grad, "\(c.id): no gradient for input \(i)")
            #expect(got.shape == want.shape, "\(c.id) grad \(i) shape")
            #expect(got.dtype == dtype)
            expectClose(got.scalars, want.values, atol: atol, rtol: rtol, "\(c.id) grad \(i)")
        }
    }

    @Test("Hessian-vector product", arguments: ReferenceCase.hvpCases)
    func hvp(_ c: ReferenceCase) throws {
        let inputs = c.inputs.indices.map { c.input($0, .float64, requiresGrad: c.dtype(ofInput: $0, floating: .float64) == .float64) }
        let wrt = inputs.indices.filter { inputs[$0].requiresGrad }
        let output = try OpRegistry.shared.call(c.op, inputs, attributes: c.attributes)
        let firsts = try grad(of: [output], wrt: wrt.map { inputs[$0] }, gradOutputs: [c.upstream.tensor(.float64)],
                              createGraph: true)
        var dot: Tensor?
        for (g, i) in zip(firsts, wrt) {
            let term = (g! * c.direction![i].tensor(.float64)).sum()
            dot = dot.map { $0 + term } ?? term
        }
        let seconds = try grad(of: [dot!], wrt: wrt.map { inputs[$0] }, allowUnused: true)
        let (atol, rtol) = c.tolerance
        for (slot, i) in wrt.enumerated() {
            let want = c.hvp![i]
            // An input the first gradient does not depend on has a zero Hessian block.
            let got = seconds[slot]?.scalars ?? Array(repeating: 0, count: want.values.count)
            expectClose(got, want.values, atol: atol, rtol: rtol, "\(c.id) hvp \(i)")
        }
    }

    @Test("every differentiable built-in op has reference cases")
    func coverage() {
        // Format 1 or format 2: both are PyTorch's cases, checked by this suite or OpCaseTests.
        let covered = Set(ReferenceCase.all.map(\.op)).union(OpCase.all.map(\.op))
        // Ops that exist to differentiate others, checked through them (and by kernel-check).
        // max_pool2d_with_indices is the kernel max_pool2d runs, checked through max_pool2d's cases.
        let helpers: Set = ["contiguous", "slice_backward", "masked_scatter", "max_pool2d_with_indices"]
        for def in BuiltinOps.all where def.backward != nil && !helpers.contains(def.name) {
            #expect(covered.contains(def.name), "no reference case for \(def.name)")
        }
    }
}
