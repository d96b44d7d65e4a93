import Autograd
import CFFI
import Foundation

/// W8: the cost of calling a kernel through a plugin (dlopen + libffi) against the
/// same loop built into the library as a Swift op.
enum PluginOverhead {
    static let source = """
        #include <stdint.h>
        void w8_affine(const float *x, float *out, int64_t n) {
            for (int64_t i = 0; i < n; i++) out[i] = x[i] * 2.0f + 1.0f;
        }
        """

    static let manifest = """
        {"abi": 1, "name": "w8", "library": "libw8.so", "ops": [{
            "name": "w8.affine", "inputs": ["x"], "elementwise": true,
            "forward": {"float32": {"symbol": "w8_affine", "args": ["ptr:x", "ptr:out", "i64:numel(x)"]}}
        }]}
        """

    /// The same loop as a Swift kernel registered through the same API.
    static let builtin = OpDefinition(
        name: "w8.affine_swift", inputs: ["x"], elementwise: true,
        forward: [.float32: { ctx in
            let x = ctx.inputs[0].contiguous(), out = try ctx.makeOutput()
            x.withUnsafeBufferPointer(as: Float.self) { src in
                out.withUnsafeMutableBufferPointer(as: Float.self) { dst in
                    for i in 0..<src.count { dst[i] = src[i] * 2 + 1 }
                }
            }
            return out
        }], backward: nil)

    /// Compiles the plugin with the system C compiler, loads it, and times both ops.
    static func run(quick: Bool) throws -> [String: Double] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("autograd-w8-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = dir.appendingPathComponent("w8.c"), so = dir.appendingPathComponent("libw8.so")
        let json = dir.appendingPathComponent("w8.json")
        try source.write(to: c, atomically: true, encoding: .utf8)
        try manifest.write(to: json, atomically: true, encoding: .utf8)
        let cc = Process()
        cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // -O3: GCC's -O2 does not vectorise a loop that needs a run-time aliasing check; Swift's -O does.
        cc.arguments = ["cc", "-O3", "-shared", "-fPIC", "-o", so.path, c.path]
        try cc.run()
        cc.waitUntilExit()
        guard cc.terminationStatus == 0 else { throw CocoaError(.executableLoad) }

        let registry = OpRegistry.withBuiltins()
        try registry.loadPlugin(at: json.path)
        try registry.register(builtin)
        func time(_ op: String, _ x: Tensor, runs: Int) -> Double {
            Measure.median(runs: quick ? 3 : 9, warmup: 2) {
                for _ in 0..<runs { _ = try! registry.call(op, [x]) }
            } / Double(runs)
        }
        let one = Tensor([0.5])
        let calls = quick ? 10_000 : 200_000
        let overhead = time("w8.affine", one, runs: calls) - time("w8.affine_swift", one, runs: calls)
        var g = RandomGenerator(seed: 8)
        let big = Tensor.randn([1 << 20], using: &g)
        let ratio = time("w8.affine", big, runs: 20) / time("w8.affine_swift", big, runs: 20)
        let bare = try bareCallSeconds(library: so.path, calls: calls)
        return ["W8_overhead_ns": overhead * 1e9, "W8_1m_ratio": ratio, "W8_ffi_call_ns": bare * 1e9]
    }

    /// One `ffi_call` of the kernel on a 1-element buffer, with its call interface and
    /// argument array prepared once: the floor under any libffi-based op call.
    static func bareCallSeconds(library: String, calls: Int) throws -> Double {
        guard let handle = dlopen(library, RTLD_NOW), let symbol = dlsym(handle, "w8_affine") else {
            throw CocoaError(.executableLoad)
        }
        defer { dlclose(handle) }
        var types: [UnsafeMutablePointer<ffi_type>?] = [cffi_type_pointer(), cffi_type_pointer(), cffi_type_sint64()]
        var cif = ffi_cif()
        let status = types.withUnsafeMutableBufferPointer {
            ffi_prep_cif(&cif, cffi_default_abi(), 3, cffi_type_void(), $0.baseAddress)
        }
        guard status == FFI_OK else { throw CocoaError(.executableLoad) }
        var input: Float = 0.5, output: Float = 0, count: Int64 = 1
        let function = unsafeBitCast(symbol, to: (@convention(c) () -> Void).self)
        return withUnsafeMutablePointer(to: &input) { x in
            withUnsafeMutablePointer(to: &output) { out in
                withUnsafeMutablePointer(to: &count) { n in
                    var xArg: UnsafeMutableRawPointer? = UnsafeMutableRawPointer(x)
                    var outArg: UnsafeMutableRawPointer? = UnsafeMutableRawPointer(out)
                    return withUnsafeMutablePointer(to: &xArg) { a0 in
                        withUnsafeMutablePointer(to: &outArg) { a1 in
                            var arguments: [UnsafeMutableRawPointer?] = [
                                UnsafeMutableRawPointer(a0), UnsafeMutableRawPointer(a1), UnsafeMutableRawPointer(n),
                            ]
                            return arguments.withUnsafeMutableBufferPointer { args in
                                Measure.median(runs: 9, warmup: 2) {
                                    for _ in 0..<calls { ffi_call(&cif, function, nil, args.baseAddress) }
                                } / Double(calls)
                            }
                        }
                    }
                }
            }
        }
    }
}
