import Autograd
import Testing
import TestSupport

/// A kernel's non-zero status becomes an error naming the op, the status and the
/// plugin's own message, or why there is none.
@Suite struct KernelStatusTests {
    static func plugin(exportingLastError: Bool) throws -> String {
        let lastError = exportingLastError
            ? "AUTOGRAD_PLUGIN_EXPORT const char *autograd_plugin_last_error(void) { return 0; }" : ""
        let name = exportingLastError ? "quiet_null" : "quiet_none"
        return try CCompiler.plugin(source: #"""
            #include <stdint.h>
            #include "autograd_plugin.h"
            \#(lastError)
            AUTOGRAD_PLUGIN_EXPORT int quiet_fail(const double *x, double *out, int64_t n) { return AUTOGRAD_PLUGIN_INVALID_ARGUMENT; }
            AUTOGRAD_PLUGIN_EXPORT const char *autograd_plugin_manifest(void) {
                return "{\"abi\": 1, \"name\": \"\#(name)\", \"ops\": [{\"name\": \"\#(name).fail\", \"inputs\": [\"x\"],"
                    " \"elementwise\": true, \"forward\": {\"float64\": {\"symbol\": \"quiet_fail\", \"returns\": \"i32\","
                    " \"args\": [\"ptr:x\", \"ptr:out\", \"i64:numel(x)\"]}}}]}";
            }
            """#, name: name)
    }

    @Test("a NULL message is told apart from no message function", arguments: [true, false])
    func statusWithoutMessage(exportingLastError: Bool) throws {
        let registry = OpRegistry.withBuiltins()
        let plugin = try registry.loadPlugin(at: Self.plugin(exportingLastError: exportingLastError))
        let op = try #require(plugin.opNames.first)
        let error = #expect(throws: AutogradError.self) { try registry.call(op, [Tensor([1.0, 2.0], dtype: .float64)]) }
        #expect(error?.message.contains("\(op)") == true && error?.message.contains("status 2") == true, "\(error?.message ?? "")")
        let why = exportingLastError ? "its autograd_plugin_last_error returned NULL" : "the plugin exports no autograd_plugin_last_error"
        #expect(error?.message.contains(why) == true, "\(error?.message ?? "")")
    }
}
