import Foundation

/// A shared object exporting every kernel symbol the plugin seed manifests name,
/// each one aborting: binding resolves symbols in it, and loading must never call
/// a kernel (a call would be a crash the fuzzer reports).
enum StubLibrary {
    static let source = """
        #include <stdlib.h>
        #define STUB(name) void name(void) { abort(); }
        #define PAIR(base) STUB(base##_f32) STUB(base##_f64)
        #define FORWARD_BACKWARD(base) PAIR(base) PAIR(base##_backward)
        /* Plugins/Activations */
        FORWARD_BACKWARD(act_softplus) FORWARD_BACKWARD(act_gelu) FORWARD_BACKWARD(act_gelu_tanh)
        FORWARD_BACKWARD(act_silu) FORWARD_BACKWARD(act_mish)
        /* Plugins/OpenBLAS */
        STUB(cblas_sgemm) STUB(cblas_dgemm)
        /* Plugins/Broken */
        FORWARD_BACKWARD(broken_wrong_grad) PAIR(broken_out_of_bounds) PAIR(broken_segfault)
        PAIR(broken_mutates_input) PAIR(broken_nondeterministic) PAIR(broken_shared_scratch)
        PAIR(broken_nan_at_zero) PAIR(broken_wrong_past_two) PAIR(broken_identity_backward)
        PAIR(broken_scale2_backward) PAIR(broken_scale3_backward)
        STUB(broken_float32_wrong_grad_f32) STUB(broken_float32_wrong_grad_backward_f32)
        PAIR(broken_reads_past_input) PAIR(broken_writes_far_past) FORWARD_BACKWARD(broken_rowsum_wrong_grad)
        /* Tests/PluginTests: the tiny and bare test plugins */
        STUB(tiny_axpb) STUB(tiny_axpb_grad_x) STUB(tiny_axpb_grad_w) STUB(tiny_copy)
        STUB(tiny_rowsum) STUB(tiny_rowsum_grad) STUB(tiny_exp2) STUB(tiny_exp2_grad)
        STUB(bare_negate) STUB(bare_negate_grad)
        /* Tests/PluginTests: the list-input test plugin */
        STUB(ls_cat) STUB(ls_cat_grad) STUB(ls_scaled_sum) STUB(ls_scaled_sum_grad_xs) STUB(ls_scaled_sum_grad_s)
        /* Plugins/Bindings: libm's and OpenBLAS's level-1 functions */
        STUB(erf) STUB(erff) STUB(atan2) STUB(atan2f)
        STUB(cblas_sdot) STUB(cblas_ddot) STUB(cblas_sscal) STUB(cblas_dscal)

        """

    /// The compiled stub, built with `cc` on first use and kept in the temporary
    /// directory under a name from its source's hash, so runs share one build.
    static let path: String = {
        let directory = FileManager.default.temporaryDirectory.path
        let library = directory + "/fuzz-parsers-stub-\(fnv1a(source)).so"
        if FileManager.default.fileExists(atPath: library) { return library }
        // Built under a unique name, then renamed: concurrent runs never see half a file.
        let unique = directory + "/fuzz-parsers-stub-\(UUID().uuidString)"
        let cSource = unique + ".c"
        do {
            try source.write(toFile: cSource, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: cSource) }
            let cc = Process()
            cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            cc.arguments = ["cc", "-fno-builtin", "-shared", "-fPIC", "-o", unique + ".so", cSource]
            try cc.run()
            cc.waitUntilExit()
            guard cc.terminationStatus == 0 else { FuzzParsers.fail("cc could not build the stub library") }
            guard rename(unique + ".so", library) == 0 else { FuzzParsers.fail("cannot create \(library)") }
        } catch {
            FuzzParsers.fail("cannot build the stub library: \(error)")
        }
        return library
    }()

    /// FNV-1a: a hash that, unlike `Hasher`, is the same in every process.
    private static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }
}
