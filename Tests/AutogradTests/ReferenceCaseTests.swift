import Conformance
import Testing
@testable import Autograd
import TestSupport

/// Every case PyTorch generated, in both formats, read by the conformance library's
/// reader: each output, the vector-Jacobian products, the forward-mode
/// Jacobian-vector products, in-place effects, and Hessian-vector products through
/// `createGraph: true`.
@Suite("PyTorch reference cases")
struct ReferenceCaseTests {
    static let cases = ReferenceFixtures.all
    static let ops = Array(Set(cases.cases.map(\.op))).sorted()

    @Test("forward, backward and forward mode match PyTorch", arguments: ops)
    func op(_ op: String) {
        for c in Self.cases.cases(op: op) {
            do {
                try check(c)
            } catch {
                Issue.record("\(c.id) \(c.op): \(error)")
            }
        }
    }

    /// Trailing omitted inputs dropped, as a caller leaves them out.
    static func trimmed(_ inputs: [Tensor?]) -> [Tensor?] {
        var trimmed = inputs
        while let last = trimmed.last, last == nil { trimmed.removeLast() }
        return trimmed
    }

    private func check(_ c: ReferenceCases.Case) throws {
        let tolerance = ReferenceCases.tolerance(c.dtype)
        let inputs = Self.trimmed(c.inputs.enumerated().map { i, values in
            values?.tensor(c.dtype, requiresGrad: i < c.grads.count && c.grads[i] != nil)
        })
        let outputs = try OpRegistry.shared.callOutputs(c.op, inputs, attributes: c.attributes)
        #expect(outputs.count == c.outputs.count, "\(c.id): \(outputs.count) outputs, expected \(c.outputs.count)")
        for (k, want) in c.outputs.enumerated() where k < outputs.count {
            expectClose(outputs[k], want, dtype: c.outputDTypes[k], tolerance: tolerance, "\(c.id) \(c.op) output \(k)")
        }
        for (name, want) in c.effects.sorted(by: { $0.key < $1.key }) {
            let index = name == "running_mean" ? 1 : 2
            expectClose(inputs[index], want, dtype: want.dtype ?? c.dtype, tolerance: tolerance,
                        "\(c.id) \(c.op) \(name) after the call")
        }
        try checkGradients(c, inputs: inputs, outputs: outputs)
        try checkTangents(c, inputs: inputs)
    }

    private func checkGradients(_ c: ReferenceCases.Case, inputs: [Tensor?], outputs: [Tensor]) throws {
        let wrt = c.grads.indices.filter { c.grads[$0] != nil }
        let used = c.upstreams.indices.filter { $0 < outputs.count && c.upstreams[$0] != nil }
        guard !wrt.isEmpty, !used.isEmpty else { return }
        let grads = try grad(of: used.map { outputs[$0] }, wrt: wrt.map { inputs[$0]! },
                             gradOutputs: used.map { c.upstreams[$0]!.tensor(c.outputDTypes[$0]) }, allowUnused: true)
        for (slot, i) in wrt.enumerated() {
            let want = c.grads[i]!
            let got = grads[slot] ?? Tensor.zeros(inputs[i]!.shape, dtype: inputs[i]!.dtype)
            expectClose(got, want, dtype: want.dtype ?? c.dtype, tolerance: ReferenceCases.tolerance(c.dtype),
                        "\(c.id) \(c.op) grad of input \(i)")
        }
    }

    private func checkTangents(_ c: ReferenceCases.Case, inputs: [Tensor?]) throws {
        guard let tangents = c.tangents, let jvps = c.jvps else { return }
        let primalIndices = tangents.indices.filter { tangents[$0] != nil }
        guard !primalIndices.isEmpty else { return }
        let constants = inputs.map { $0?.detach() }
        let (_, results) = try jvp({ xs in
            var all = constants
            for (j, i) in primalIndices.enumerated() { all[i] = xs[j] }
            return try OpRegistry.shared.callOutputs(c.op, all, attributes: c.attributes)
        }, primals: primalIndices.map { inputs[$0]!.detach() }, tangents: primalIndices.map { tangents[$0]!.tensor(c.dtype) })
        for (k, want) in jvps.enumerated() {
            guard let want, k < results.count else { continue }
            let got = results[k] ?? Tensor.zeros(want.shape, dtype: c.outputDTypes[k])
            expectClose(got, want, dtype: c.outputDTypes[k], tolerance: ReferenceCases.tolerance(c.dtype),
                        "\(c.id) \(c.op) jvp of output \(k)")
        }
    }

    @Test("Hessian-vector products match PyTorch", arguments: cases.secondOrderCases.map(\.id))
    func hvp(_ id: String) throws {
        let c = try #require(Self.cases.secondOrderCases.first { $0.id == id })
        // The floating inputs with a direction (format 1 gives cross_entropy's class indices one too).
        let wrt = c.inputs.indices.filter { c.directions[$0] != nil && c.inputs[$0]?.isFloatingPoint == true }
        let inputs = Self.trimmed(c.inputs.enumerated().map { i, values in values?.tensor(c.dtype, requiresGrad: wrt.contains(i)) })
        let outputs = try OpRegistry.shared.callOutputs(c.op, inputs, attributes: c.attributes)
        let used = c.upstreams.indices.filter { c.upstreams[$0] != nil }
        let firsts = try grad(of: used.map { outputs[$0] }, wrt: wrt.map { inputs[$0]! },
                              gradOutputs: used.map { c.upstreams[$0]!.tensor(outputs[$0].dtype) }, createGraph: true,
                              allowUnused: true)
        var dot: Tensor?
        for (slot, i) in wrt.enumerated() {
            guard let g = firsts[slot] else { continue }
            let term = (g * c.directions[i]!.tensor(c.dtype)).sum()
            dot = dot.map { $0 + term } ?? term
        }
        let seconds = try dot.map { try grad(of: [$0], wrt: wrt.map { inputs[$0]! }, allowUnused: true) }
            ?? wrt.map { _ in nil }
        for (slot, i) in wrt.enumerated() {
            let want = c.hessianVectorProducts[i]!
            // An input the first gradient does not depend on has a zero Hessian block.
            let got = seconds[slot] ?? Tensor.zeros(want.shape, dtype: c.dtype)
            expectClose(got, want, dtype: c.dtype, tolerance: ReferenceCases.tolerance(c.dtype, secondOrder: true),
                        "\(c.id) \(c.op) hvp of input \(i)")
        }
    }

    @Test("every differentiable built-in op has reference cases")
    func coverage() {
        let covered = Set(Self.cases.cases.map(\.op)).union(Self.cases.secondOrderCases.map(\.op))
        // Ops that exist to differentiate others, checked through them (and by kernel-check).
        // max_pool2d_with_indices is the kernel max_pool2d runs, checked through max_pool2d's cases.
        let helpers: Set = ["contiguous", "slice_backward", "masked_scatter", "max_pool2d_with_indices"]
        for def in BuiltinOps.all where def.backward != nil && !helpers.contains(def.name) {
            #expect(covered.contains(def.name), "no reference case for \(def.name)")
        }
    }
}
