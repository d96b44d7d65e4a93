import Autograd
import Conformance
import Foundation

extension FuzzTarget {
    /// The reference-case reader, both formats: an input is a cases file. Each case
    /// read is then turned into tensors as kernel-check turns it.
    static let referenceCases = FuzzTarget(name: "reference-cases", maxLength: 8192) { bytes in
        guard let file = try? ReferenceCases(json: Data(bytes), source: "fuzz.json") else { return }
        for c in file.cases {
            let values = c.inputs + c.outputs.map(Optional.some) + c.upstreams + c.grads + (c.tangents ?? []) + (c.jvps ?? [])
            for case let value? in values { _ = value.tensor(c.dtype) }
            _ = (c.output, c.upstream, file.cases(op: c.op, dtype: c.dtype))
        }
    }
}
