#if canImport(Glibc)
import Glibc
#endif
import Autograd
import Conformance

/// Ops whose kernels are deliberately wrong in one way each, for proving that the
/// conformance check meant to catch each fault catches it, and no other check does:
/// the C plugin's (`BrokenPlugin`), and in Swift only what a C plugin cannot be.
///
/// They live in a private registry (`BrokenOps.registry(plugin:)`), never in the shared one.
/// Each declares its `reference`, as every op should.
public enum BrokenOps {
    /// The broken ops written in Swift and the check that must catch each.
    public static let swiftExpectedFailures: [String: ConformanceCheck] = [
        "broken.wrong_jvp": .forwardMode,
        "broken.hang": .crashIsolation,
    ]

    /// Every broken op, C and Swift, and the check that must catch it.
    public static let expectedFailures: [String: ConformanceCheck] = swiftExpectedFailures.merging(
        BrokenPlugin.expectedFailures.map { ($0.key, $0.value) }) { swift, _ in swift }

    /// The built-in ops, the C plugin's broken ops (loaded from `plugin`) and the Swift ones.
    ///
    /// - Parameter plugin: the path of the compiled plugin (`BrokenPlugin.library`).
    /// - Throws: when the plugin does not load.
    public static func registry(plugin: String) throws -> OpRegistry {
        let registry = OpRegistry.withBuiltins()
        try registry.loadPlugin(at: plugin)
        try registry.register(swiftDefinitions)
        return registry
    }

    /// A configuration for checking a broken op: small inputs throughout.
    ///
    /// The out-of-bounds kernel writes one element past its output. While the
    /// guard-bytes row is planned that lands on a guard page; in a run without it,
    /// it must land in the allocation's 64-byte minimum rather than in the heap, so
    /// its sample stays under 64 bytes and has no large variant.
    public static func configuration(for op: String) -> KernelCheck.Configuration {
        var configuration = KernelCheck.Configuration()
        configuration.largeElementCount = 1 << 12
        configuration.threadCount = 3
        // An op that is not elementwise keeps the sample kernel-check synthesises from its declaration.
        if BrokenPlugin.notElementwise.contains(op) { return configuration }
        var sample = OpSample.elementwise(arity: 1)
        sample.inputs = [InputSpec([5])]
        if op == "broken.out_of_bounds" { sample.large = nil }
        configuration.sample = sample
        return configuration
    }

    static var swiftDefinitions: [OpDefinition] {
        [
            // x², right both ways in reverse mode; the forward-mode rule forgets the 2.
            // A C plugin cannot be wrong this way: an elementwise plugin op's forward-mode
            // rule is its backward applied to tangents.
            OpDefinition(name: "broken.wrong_jvp", inputs: ["x"], elementwise: true,
                         forward: .composite { ctx in ctx.inputs[0] * ctx.inputs[0] }, reference: "x * x",
                         jvp: .rule { ctx in [ctx.inputs[0] * ctx.tangent(0)] }) { ctx in
                [2 * ctx.gradOutput * ctx.inputs[0]]
            },
            // Never returns: Swift, so that a kernel-check run over the C plugin need not wait out its timeout.
            OpDefinition(name: "broken.hang", inputs: ["x"], elementwise: true,
                         forward: [.float32: { _ in hang() }, .float64: { _ in hang() }],
                         reference: "x", jvp: .linear) { ctx in
                [ctx.gradOutput]
            },
        ]
    }

    private static func hang() -> Never {
        while true { sleep(1) }
    }
}
