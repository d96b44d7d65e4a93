#if canImport(Glibc)
import Glibc
#endif
import Autograd
import Conformance
import Synchronization

/// Ops whose kernels are deliberately wrong in one way each, for proving that the
/// conformance check meant to catch each fault catches it, and no other check does.
///
/// They live in a private registry (`BrokenOps.registry()`), never in the shared one.
/// Each declares its `reference`, as every op should.
public enum BrokenOps {
    /// Each broken op and the check that must catch it.
    public static let expectedFailures: [String: ConformanceCheck] = [
        "broken.wrong_grad": .gradient,
        "broken.out_of_bounds": .guardBytes,
        "broken.mutates_input": .inputsUnmodified,
        "broken.nondeterministic": .determinism,
        "broken.segfault": .crashIsolation,
        "broken.hang": .crashIsolation,
        "broken.wrong_jvp": .forwardMode,
        "broken.float32_wrong_grad": .gradient,
        "broken.shared_scratch": .threadSafety,
        "broken.nan_at_zero": .specialValues,
        "broken.wrong_past_two": .specialValues,
    ]

    /// The built-in ops plus the broken ones.
    public static func registry() -> OpRegistry {
        let registry = OpRegistry.withBuiltins()
        do {
            try registry.register(definitions + BrokenKernels.definitions)
        } catch {
            fatalError("broken ops failed to register: \(error)")
        }
        return registry
    }

    /// A configuration for checking a broken op: small inputs throughout.
    ///
    /// The out-of-bounds kernel writes one element past its output. Inside the
    /// guard-bytes check that lands in a guard; elsewhere it must land in the
    /// allocation's 64-byte minimum rather than in the heap, so its sample stays
    /// under 64 bytes and has no large variant.
    public static func configuration(for op: String) -> KernelCheck.Configuration {
        var configuration = KernelCheck.Configuration()
        configuration.largeElementCount = 1 << 12
        configuration.threadCount = 3
        var sample = OpSample.elementwise(arity: 1)
        sample.inputs = [InputSpec([5])]
        if op == "broken.out_of_bounds" { sample.large = nil }
        configuration.sample = sample
        return configuration
    }

    static var definitions: [OpDefinition] {
        [
            // Right forward and forward-mode rule, backward missing the factor 2 of d(x²)/dx.
            OpDefinition(name: "broken.wrong_grad", inputs: ["x"], elementwise: true,
                         forward: .composite { ctx in ctx.inputs[0] * ctx.inputs[0] }, reference: "x * x",
                         jvp: .rule { ctx in [2 * ctx.inputs[0] * ctx.tangent(0)] }) { ctx in
                [ctx.gradOutput * ctx.inputs[0]]
            },
            // Right values, then one more store than there are elements.
            OpDefinition(name: "broken.out_of_bounds", inputs: ["x"], elementwise: true,
                         forward: kernels { (x: UnsafeMutablePointer<Double>, out, n) in
                             for i in 0...n { out[i] = i < n ? 2 * x[i] : 0 }
                         } float: { x, out, n in
                             for i in 0...n { out[i] = i < n ? 2 * x[i] : 0 }
                         }, saves: [], reference: "2 * x", jvp: .rule { ctx in [2 * ctx.tangent(0)] }) { ctx in
                [ctx.gradOutput * 2]
            },
            // Doubles its input in place to save a buffer, then copies it out.
            OpDefinition(name: "broken.mutates_input", inputs: ["x"], elementwise: true,
                         forward: kernels { (x: UnsafeMutablePointer<Double>, out, n) in
                             for i in 0..<n { x[i] *= 2; out[i] = x[i] }
                         } float: { x, out, n in
                             for i in 0..<n { x[i] *= 2; out[i] = x[i] }
                         }, saves: [], reference: "2 * x", jvp: .rule { ctx in [2 * ctx.tangent(0)] }) { ctx in
                [ctx.gradOutput * 2]
            },
            // Every other call nudges the first element by one ulp, as a reduction
            // whose order depends on thread timing would.
            OpDefinition(name: "broken.nondeterministic", inputs: ["x"], elementwise: true,
                         forward: kernels { (x: UnsafeMutablePointer<Double>, out, n) in
                             for i in 0..<n { out[i] = 3 * x[i] }
                             if n > 0, out[0].isFinite, nudge() { out[0] = out[0].nextUp }
                         } float: { x, out, n in
                             for i in 0..<n { out[i] = 3 * x[i] }
                             if n > 0, out[0].isFinite, nudge() { out[0] = out[0].nextUp }
                         }, saves: [], reference: "3 * x", jvp: .rule { ctx in [3 * ctx.tangent(0)] }) { ctx in
                [ctx.gradOutput * 3]
            },
            // Stores through a wild pointer.
            OpDefinition(name: "broken.segfault", inputs: ["x"], elementwise: true,
                         forward: kernels { (_: UnsafeMutablePointer<Double>, _, _) in
                             UnsafeMutablePointer<Double>(bitPattern: 0x10)!.pointee = 1
                         } float: { _, _, _ in
                             UnsafeMutablePointer<Float>(bitPattern: 0x10)!.pointee = 1
                         }, saves: [], reference: "x", jvp: .linear) { ctx in
                [ctx.gradOutput]
            },
            // Never returns.
            OpDefinition(name: "broken.hang", inputs: ["x"], elementwise: true,
                         forward: kernels { (_: UnsafeMutablePointer<Double>, _, _) in
                             while true { sleep(1) }
                         } float: { _, _, _ in
                             while true { sleep(1) }
                         }, saves: [], reference: "x", jvp: .linear) { ctx in
                [ctx.gradOutput]
            },
        ]
    }

    private static let calls = Atomic<Int>(0)

    /// True on every other call.
    private static func nudge() -> Bool {
        calls.add(1, ordering: .relaxed).newValue % 2 == 0
    }

    /// Kernels for both dtypes from raw loops over a contiguous input and a new output,
    /// the way a C kernel sees its buffers.
    static func kernels(
        _ double: @escaping @Sendable (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Void,
        float: (@Sendable (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)?
    ) -> ForwardKernels {
        var kernels: [DType: Kernel] = [
            .float64: { ctx in
                let (x, out) = (ctx.inputs[0].contiguous(), try ctx.makeOutput())
                double(x.unsafeRawPointer.assumingMemoryBound(to: Double.self),
                       out.unsafeRawPointer.assumingMemoryBound(to: Double.self), out.scalarCount)
                return out
            },
        ]
        if let float {
            kernels[.float32] = { ctx in
                let (x, out) = (ctx.inputs[0].contiguous(), try ctx.makeOutput())
                float(x.unsafeRawPointer.assumingMemoryBound(to: Float.self),
                      out.unsafeRawPointer.assumingMemoryBound(to: Float.self), out.scalarCount)
                return out
            }
        }
        return ForwardKernels(kernels)
    }
}
