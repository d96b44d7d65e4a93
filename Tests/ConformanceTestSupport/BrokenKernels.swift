#if canImport(Glibc)
import Glibc
#endif
import Autograd

/// The broken ops of the second generation of checks: each right everywhere the
/// first generation looked, and wrong where one new check looks.
enum BrokenKernels {
    static var definitions: [OpDefinition] {
        [
            // x², right both ways in reverse mode; the forward-mode rule forgets the 2.
            OpDefinition(name: "broken.wrong_jvp", inputs: ["x"], elementwise: true,
                         forward: .composite { ctx in ctx.inputs[0] * ctx.inputs[0] }, reference: "x * x",
                         jvp: .rule { ctx in [ctx.inputs[0] * ctx.tangent(0)] }) { ctx in
                [2 * ctx.gradOutput * ctx.inputs[0]]
            },
            // x², float32 only, whose backward forgets the 2: gradcheck in float64 never sees it.
            OpDefinition(name: "broken.float32_wrong_grad", inputs: ["x"], elementwise: true,
                         forward: .composite(dtypes: [.float32]) { ctx in ctx.inputs[0] * ctx.inputs[0] }, reference: "x * x",
                         jvp: .rule { ctx in [2 * ctx.inputs[0] * ctx.tangent(0)] }) { ctx in
                [ctx.gradOutput * ctx.inputs[0]]
            },
            // 2x through one scratch buffer shared by every call: right on one thread,
            // and on many threads as long as they all pass the same values.
            OpDefinition(name: "broken.shared_scratch", inputs: ["x"], elementwise: true,
                         forward: BrokenOps.kernels { x, out, n in SharedScratch.double(x, out, n) } float: { x, out, n in
                             SharedScratch.float(x, out, n)
                         }, saves: [], reference: "2 * x", jvp: .rule { ctx in [2 * ctx.tangent(0)] }) { ctx in
                [ctx.gradOutput * 2]
            },
            // 2x, except NaN at exactly 0, where no sample value falls.
            OpDefinition(name: "broken.nan_at_zero", inputs: ["x"], elementwise: true,
                         forward: BrokenOps.kernels { (x: UnsafeMutablePointer<Double>, out, n) in
                             for i in 0..<n { out[i] = x[i] == 0 ? .nan : 2 * x[i] }
                         } float: { x, out, n in
                             for i in 0..<n { out[i] = x[i] == 0 ? .nan : 2 * x[i] }
                         }, saves: [], reference: "2 * x", jvp: .rule { ctx in [2 * ctx.tangent(0)] }) { ctx in
                [ctx.gradOutput * 2]
            },
            // 2x for |x| <= 2, the sample's whole range; 0 past it.
            OpDefinition(name: "broken.wrong_past_two", inputs: ["x"], elementwise: true,
                         forward: BrokenOps.kernels { (x: UnsafeMutablePointer<Double>, out, n) in
                             for i in 0..<n { out[i] = Swift.abs(x[i]) > 2 ? 0 : 2 * x[i] }
                         } float: { x, out, n in
                             for i in 0..<n { out[i] = Swift.abs(x[i]) > 2 ? 0 : 2 * x[i] }
                         }, saves: [], reference: "2 * x", jvp: .rule { ctx in [2 * ctx.tangent(0)] }) { ctx in
                [ctx.gradOutput * 2]
            },
        ]
    }
}

/// The static scratch buffers of `broken.shared_scratch`, as a C kernel might keep
/// one to avoid an allocation per call.
private enum SharedScratch {
    static let capacity = 1 << 16
    nonisolated(unsafe) static let doubles = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
    nonisolated(unsafe) static let floats = UnsafeMutablePointer<Float>.allocate(capacity: capacity)

    /// Fills the scratch buffer, gives other threads time to fill it too, then copies it out.
    static func double(_ x: UnsafeMutablePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ n: Int) {
        guard n <= capacity else {
            for i in 0..<n { out[i] = 2 * x[i] }
            return
        }
        for i in 0..<n { doubles[i] = 2 * x[i] }
        usleep(200)
        for i in 0..<n { out[i] = doubles[i] }
    }

    static func float(_ x: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        guard n <= capacity else {
            for i in 0..<n { out[i] = 2 * x[i] }
            return
        }
        for i in 0..<n { floats[i] = 2 * x[i] }
        usleep(200)
        for i in 0..<n { out[i] = floats[i] }
    }
}
