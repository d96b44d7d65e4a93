import Autograd
import Conformance
import Foundation

extension FuzzTarget {
    /// The reference-case reader, both formats: an input is a cases file. Each case
    /// read, first and second order, is then turned into tensors as kernel-check
    /// and the tests turn it.
    static let referenceCases = FuzzTarget(name: "reference-cases", maxLength: 8192) { bytes in
        guard let file = try? ReferenceCases(json: Data(bytes), source: "fuzz.json") else { return }
        for c in file.cases {
            let values = c.inputs + c.outputs.map(Optional.some) + c.upstreams + c.grads + (c.tangents ?? [])
                + (c.jvps ?? []) + c.effects.values.map(Optional.some)
            for case let value? in values { _ = value.tensor(c.dtype) }
            _ = (c.output, c.upstream, c.outputDTypes, file.cases(op: c.op, dtype: c.dtype))
        }
        for c in file.secondOrderCases {
            for case let value? in c.inputs + c.upstreams + c.directions + c.hessianVectorProducts {
                _ = value.tensor(c.dtype)
            }
        }
    }
}
