import Testing
@testable import Autograd

/// Every format-2 case PyTorch generated: each output, the vector-Jacobian
/// products, the forward-mode Jacobian-vector products, in-place effects, and
/// Hessian-vector products.
@Suite("PyTorch format-2 cases")
struct OpCaseTests {
    @Test("forward, backward and forward mode match PyTorch", arguments: OpCase.ops)
    func op(_ op: String) {
        for c in OpCase.cases(of: op) where c.kind == "vjp" {
            do {
                try check(c)
            } catch {
                Issue.record("\(c.id) \(c.op): \(error)")
            }
        }
    }

    private func check(_ c: OpCase) throws {
        let (atol, rtol) = c.tolerance
        let wantsGrad = (c.grads ?? []).map { $0 != nil } + Array(repeating: false, count: c.inputs.count)
        let inputs = OpCase.trimmed(c.inputTensors(requiringGrad: wantsGrad))
        let outputs = try OpRegistry.shared.callOutputs(c.op, inputs, attributes: c.attributes)
        let expected = c.outputs ?? []
        #expect(outputs.count == expected.count, "\(c.id): \(outputs.count) outputs, expected \(expected.count)")
        for (k, want) in expected.enumerated() where k < outputs.count {
            expectValues(outputs[k], want, atol: atol, rtol: rtol, "\(c.id) \(c.op) output \(k)")
        }
        for (name, want) in (c.effects ?? [:]).sorted(by: { $0.key < $1.key }) {
            let index = name == "running_mean" ? 1 : 2
            expectValues(inputs[index], want, atol: atol, rtol: rtol, "\(c.id) \(c.op) \(name) after the call")
        }
        try checkGradients(c, inputs: inputs, outputs: outputs)
        try checkTangents(c, inputs: inputs)
    }

    private func checkGradients(_ c: OpCase, inputs: [Tensor?], outputs: [Tensor]) throws {
        let (atol, rtol) = c.tolerance
        let wrt = (c.grads ?? []).indices.filter { c.grads![$0] != nil }
        let used = (c.upstreams ?? []).indices.filter { $0 < outputs.count && c.upstreams![$0] != nil }
        guard !wrt.isEmpty, !used.isEmpty else { return }
        let grads = try grad(of: used.map { outputs[$0] }, wrt: wrt.map { inputs[$0]! },
                             gradOutputs: used.map { c.upstreams![$0]!.tensor() }, allowUnused: true)
        for (slot, i) in wrt.enumerated() {
            let got = grads[slot] ?? Tensor.zeros(inputs[i]!.shape, dtype: inputs[i]!.dtype)
            expectValues(got, c.grads![i]!, atol: atol, rtol: rtol, "\(c.id) \(c.op) grad of input \(i)")
        }
    }

    private func checkTangents(_ c: OpCase, inputs: [Tensor?]) throws {
        let (atol, rtol) = c.tolerance
        guard let tangents = c.tangents, let jvps = c.jvps else { return }
        let primalIndices = tangents.indices.filter { tangents[$0] != nil }
        guard !primalIndices.isEmpty else { return }
        let constants = inputs.map { $0?.detach() }
        let (_, results) = try jvp({ xs in
            var all = constants
            for (j, i) in primalIndices.enumerated() { all[i] = xs[j] }
            return try OpRegistry.shared.callOutputs(c.op, all, attributes: c.attributes)
        }, primals: primalIndices.map { inputs[$0]!.detach() }, tangents: primalIndices.map { tangents[$0]!.tensor() })
        for (k, want) in jvps.enumerated() {
            guard let want, k < results.count else { continue }
            let got = results[k] ?? Tensor.zeros(want.shape, dtype: want.dataType)
            expectValues(got, want, atol: atol, rtol: rtol, "\(c.id) \(c.op) jvp of output \(k)")
        }
    }

    @Test("Hessian-vector products match PyTorch", arguments: OpCase.all.filter { $0.kind == "hvp" }.map(\.id))
    func hvp(_ id: String) throws {
        let c = OpCase.all.first { $0.id == id }!
        let wrt = (c.direction ?? []).indices.filter { c.direction![$0] != nil }
        let inputs = OpCase.trimmed(c.inputTensors(requiringGrad: c.inputs.indices.map { wrt.contains($0) }))
        let outputs = try OpRegistry.shared.callOutputs(c.op, inputs, attributes: c.attributes)
        let used = (c.upstreams ?? []).indices.filter { c.upstreams![$0] != nil }
        let firsts = try grad(of: used.map { outputs[$0] }, wrt: wrt.map { inputs[$0]! },
                              gradOutputs: used.map { c.upstreams![$0]!.tensor() }, createGraph: true, allowUnused: true)
        var dot: Tensor?
        for (slot, i) in wrt.enumerated() {
            guard let g = firsts[slot] else { continue }
            let term = (g * c.direction![i]!.tensor()).sum()
            dot = dot.map { $0 + term } ?? term
        }
        let (atol, rtol) = c.tolerance
        let seconds = try dot.map { try grad(of: [$0], wrt: wrt.map { inputs[$0]! }, allowUnused: true) }
            ?? wrt.map { _ in nil }
        for (slot, i) in wrt.enumerated() {
            let want = c.hvp![i]!
            let got = seconds[slot] ?? Tensor.zeros(want.shape, dtype: want.dataType)
            expectValues(got, want, atol: atol, rtol: rtol, "\(c.id) \(c.op) hvp of input \(i)")
        }
    }
}
