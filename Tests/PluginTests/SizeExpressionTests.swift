import Foundation
import Testing
@testable import Autograd
import TestSupport

/// Arithmetic in output sizes and integer arguments: parsed at load time,
/// evaluated per call, and every bad value an error from `call`.
@Suite("Arithmetic in size and argument terms")
struct SizeExpressionTests {
    /// `calc.window`: sums of `kernel` consecutive elements every `stride`, with an
    /// output size and arguments (one a byte count) written as arithmetic.
    static let source = #"""
        #include <stdint.h>
        #include "autograd_plugin.h"

        static _Thread_local const char *message;
        AUTOGRAD_PLUGIN_EXPORT const char *autograd_plugin_last_error(void) { return message; }

        AUTOGRAD_PLUGIN_EXPORT int calc_window(const double *x, double *out, int64_t count, int64_t kernel,
                                               int64_t stride, int64_t out_bytes) {
            if (out_bytes != count * (int64_t)sizeof(double)) { message = "wrong byte count"; return AUTOGRAD_PLUGIN_INVALID_ARGUMENT; }
            for (int64_t i = 0; i < count; i++) {
                double s = 0;
                for (int64_t j = 0; j < kernel; j++) s += x[i * stride + j];
                out[i] = s;
            }
            return AUTOGRAD_PLUGIN_OK;
        }

        AUTOGRAD_PLUGIN_EXPORT const char *autograd_plugin_manifest(void) {
            return "{\"abi\": 1, \"name\": \"calc\", \"ops\": [{\"name\": \"calc.window\", \"inputs\": [\"x\"],"
                " \"attributes\": {\"kernel\": {\"type\": \"int\"}, \"stride\": {\"type\": \"int\", \"default\": 1}},"
                " \"output\": {\"shape\": [\"(dim(x,0) - attr.kernel) / attr.stride + 1\"]},"
                " \"forward\": {\"float64\": {\"symbol\": \"calc_window\", \"returns\": \"i32\", \"args\": [\"ptr:x\", \"ptr:out\","
                "  \"i64:(numel(x)-attr.kernel)/attr.stride+1\", \"i64:attr.kernel\", \"i64:attr.stride\", \"i64:8*numel(out)\"]}}}]}";
        }
        """#

    static let registry: OpRegistry = {
        let registry = OpRegistry.withBuiltins()
        do { try registry.loadPlugin(at: try CCompiler.plugin(source: source, name: "calc")) } catch { fatalError("\(error)") }
        return registry
    }()

    func window(_ x: Tensor, kernel: Int, stride: Int) throws -> Tensor {
        try Self.registry.call("calc.window", [x], attributes: ["kernel": .int(kernel), "stride": .int(stride)])
    }

    @Test("precedence, associativity, parentheses and floor division")
    func evaluation() throws {
        let cases: [(String, Int)] = [
            ("2+3*4", 14), ("(2+3)*4", 20), ("10-2-3", 5), ("100/10/5", 2), ("7/2", 3),
            ("-7/2", -4), ("7/-2", -4), ("-7/-2", 3), ("-(2+3)", -5), (" 2 * ( 3 + 4 ) ", 14),
        ]
        for (text, expected) in cases {
            let e = try SizeExpression.parse(text).get()
            #expect(try e.evaluate(value: { _ in 0 }, fail: { reason, _ in ExpressionError(message: reason) }) == expected, "\(text)")
        }
    }

    @Test("an output size and arguments computed by arithmetic")
    func values() throws {
        let x = Tensor.arange(0, 10, dtype: .float64)
        expectClose(try window(x, kernel: 3, stride: 2), Tensor([3.0, 9, 15, 21], dtype: .float64), atol: 0, rtol: 0)
        expectClose(try window(x, kernel: 10, stride: 1), Tensor([45.0], dtype: .float64), atol: 0, rtol: 0)
    }

    @Test("a division by zero, an overflow or a negative size is an error from call")
    func badValues() throws {
        let x = Tensor.arange(0, 10, dtype: .float64)
        let zero = try #require(throws: AutogradError.self) { try window(x, kernel: 3, stride: 0) }
        for text in ["calc.window", "'(dim(x,0) - attr.kernel) / attr.stride + 1'", "divides 7 by zero",
                     "dim(x,0) = 10", "attr.kernel = 3", "attr.stride = 0"] {
            #expect(zero.message.contains(text), "'\(text)' missing from: \(zero.message)")
        }
        let negative = try #require(throws: AutogradError.self) { try window(x, kernel: 20, stride: 2) }
        #expect(negative.kind == .shape)
        for text in ["calc.window", "non-negative output size, got -4", "attr.kernel = 20"] {
            #expect(negative.message.contains(text), "'\(text)' missing from: \(negative.message)")
        }
        let overflow = try #require(throws: AutogradError.self) { try window(x, kernel: Int.min, stride: 1) }
        for text in ["calc.window", "overflows in 10 - \(Int.min)", "attr.kernel = \(Int.min)"] {
            #expect(overflow.message.contains(text), "'\(text)' missing from: \(overflow.message)")
        }
    }

    /// `bare.negate` with its count written as `numel(x) * attr.k / attr.k`.
    func scaledNegate() throws -> OpRegistry {
        let op = TinyPlugin.negateOp([
            (#""elementwise": true"#, #""attributes": {"k": {"type": "int", "default": 1}}, "elementwise": true"#),
            (#""ptr:out", "i64:numel(x)""#, #""ptr:out", "i64:numel(x) * attr.k / attr.k""#),
        ])
        let registry = OpRegistry.withBuiltins()
        try registry.loadPlugin(at: try TemporaryFiles.write(TinyPlugin.sidecar(op: op), to: "scaled.json"))
        return registry
    }

    @Test("an argument's division by zero or overflow is an error from call, naming the op, argument and values")
    func badArguments() throws {
        let registry = try scaledNegate()
        let x = Tensor([1.0, -2.0, 3.0], dtype: .float64)
        expectClose(try registry.call("bare.negate", [x], attributes: ["k": .int(5)]), -x, atol: 0, rtol: 0)
        let zero = try #require(throws: AutogradError.self) { try registry.call("bare.negate", [x], attributes: ["k": .int(0)]) }
        #expect(zero.kind == .plugin)
        for text in ["bare.negate", "'i64:numel(x) * attr.k / attr.k'", "divides 0 by zero", "numel(x) = 3", "attr.k = 0"] {
            #expect(zero.message.contains(text), "'\(text)' missing from: \(zero.message)")
        }
        let overflow = try #require(throws: AutogradError.self) {
            try registry.call("bare.negate", [x], attributes: ["k": .int(Int.max)])
        }
        for text in ["bare.negate", "overflows in 3 * \(Int.max)", "attr.k = \(Int.max)"] {
            #expect(overflow.message.contains(text), "'\(text)' missing from: \(overflow.message)")
        }
    }
}
