import Foundation
import TestSupport

/// Plugins compiled from C at test time, as an author outside this package would build one.
enum TinyPlugin {
    /// `tiny.axpb` (w * x + b, broadcasting), `tiny.rowsum` (not elementwise, an
    /// output shape from dims, a 2-D input), `tiny.exp2` (a backward that reads the output), float64 only.
    static let source = #"""
        #include <math.h>
        #include <stdint.h>
        #include "autograd_plugin.h"

        static _Thread_local const char *message;
        AUTOGRAD_PLUGIN_EXPORT const char *autograd_plugin_last_error(void) { return message; }

        AUTOGRAD_PLUGIN_EXPORT void tiny_axpb(const double *x, const double *w, const double *b, double *out, int64_t n) {
            for (int64_t i = 0; i < n; i++) out[i] = w[i] * x[i] + b[i];
        }
        AUTOGRAD_PLUGIN_EXPORT void tiny_axpb_grad_x(const double *w, const double *g, double *gx, int64_t n) {
            for (int64_t i = 0; i < n; i++) gx[i] = g[i] * w[i];
        }
        AUTOGRAD_PLUGIN_EXPORT void tiny_axpb_grad_w(const double *x, const double *g, double *gw, int64_t n) {
            for (int64_t i = 0; i < n; i++) gw[i] = g[i] * x[i];
        }
        AUTOGRAD_PLUGIN_EXPORT void tiny_copy(const double *g, double *gb, int64_t n) {
            for (int64_t i = 0; i < n; i++) gb[i] = g[i];
        }
        AUTOGRAD_PLUGIN_EXPORT int tiny_rowsum(const double *x, double *out, int32_t rows, int32_t cols) {
            if (cols == 0) { message = "tiny.rowsum: no columns to sum"; return AUTOGRAD_PLUGIN_INVALID_ARGUMENT; }
            for (int32_t i = 0; i < rows; i++) {
                double s = 0;
                for (int32_t j = 0; j < cols; j++) s += x[i * cols + j];
                out[i] = s;
            }
            return AUTOGRAD_PLUGIN_OK;
        }
        AUTOGRAD_PLUGIN_EXPORT int tiny_rowsum_grad(const double *g, double *gx, int32_t rows, int32_t cols) {
            for (int32_t i = 0; i < rows; i++)
                for (int32_t j = 0; j < cols; j++) gx[i * cols + j] = g[i];
            return AUTOGRAD_PLUGIN_OK;
        }
        AUTOGRAD_PLUGIN_EXPORT void tiny_exp2(const double *x, double *out, int64_t n) {
            for (int64_t i = 0; i < n; i++) out[i] = exp2(x[i]);
        }
        AUTOGRAD_PLUGIN_EXPORT void tiny_exp2_grad(const double *out, const double *g, double *gx, int64_t n) {
            for (int64_t i = 0; i < n; i++) gx[i] = g[i] * out[i] * M_LN2;
        }

        #define CALL(symbol, args) "{\"symbol\": \"" symbol "\", \"args\": [" args "]}"
        #define STATUS_CALL(symbol, args) "{\"symbol\": \"" symbol "\", \"returns\": \"i32\", \"args\": [" args "]}"
        AUTOGRAD_PLUGIN_EXPORT const char *autograd_plugin_manifest(void) {
            return "{\"abi\": 1, \"name\": \"tiny\", \"ops\": ["
                "{\"name\": \"tiny.axpb\", \"inputs\": [\"x\", \"w\", \"b\"], \"elementwise\": true, \"dtypes\": [\"float64\"],"
                " \"forward\": {\"float64\": " CALL("tiny_axpb", "\"ptr:x\", \"ptr:w\", \"ptr:b\", \"ptr:out\", \"i64:numel(out)\"") "},"
                " \"backward\": {"
                "  \"x\": {\"float64\": " CALL("tiny_axpb_grad_x", "\"ptr:w\", \"ptr:grad_out\", \"ptr:grad_x\", \"i64:numel(x)\"") "},"
                "  \"w\": {\"float64\": " CALL("tiny_axpb_grad_w", "\"ptr:x\", \"ptr:grad_out\", \"ptr:grad_w\", \"i64:numel(x)\"") "},"
                "  \"b\": {\"float64\": " CALL("tiny_copy", "\"ptr:grad_out\", \"ptr:grad_b\", \"i64:numel(grad_out)\"") "}},"
                " \"reference\": \"w * x + b\"},"
                "{\"name\": \"tiny.rowsum\", \"inputs\": [{\"name\": \"x\", \"ndim\": 2}], \"output\": {\"shape\": [\"dim(x,0)\"]},"
                " \"forward\": {\"float64\": " STATUS_CALL("tiny_rowsum", "\"ptr:x\", \"ptr:out\", \"i32:dim(x,0)\", \"i32:dim(x,-1)\"") "},"
                " \"backward\": {\"x\": {\"float64\": " STATUS_CALL("tiny_rowsum_grad", "\"ptr:grad_out\", \"ptr:grad_x\", \"i32:dim(x,0)\", \"i32:dim(x,1)\"") "}}},"
                "{\"name\": \"tiny.exp2\", \"inputs\": [\"x\"], \"elementwise\": true,"
                " \"forward\": {\"float64\": " CALL("tiny_exp2", "\"ptr:x\", \"ptr:out\", \"i64:numel(x)\"") "},"
                " \"backward\": {\"x\": {\"float64\": " CALL("tiny_exp2_grad", "\"ptr:out\", \"ptr:grad_out\", \"ptr:grad_x\", \"i64:numel(x)\"") "}},"
                " \"reference\": \"2 ** x\"}"
                "]}";
        }
        """#

    /// A library with kernels but no manifest symbol: it needs a sidecar.
    static let bareSource = """
        #include <stdint.h>
        void bare_negate(const double *x, double *out, int64_t n) { for (int64_t i = 0; i < n; i++) out[i] = -x[i]; }
        void bare_negate_grad(const double *g, double *gx, int64_t n) { for (int64_t i = 0; i < n; i++) gx[i] = -g[i]; }
        """

    /// Compiled once per test run.
    static let library: String = compileOrFail(source, name: "tiny")
    static let bareLibrary: String = compileOrFail(bareSource, name: "bare")

    private static func compileOrFail(_ source: String, name: String) -> String {
        do {
            return try CCompiler.plugin(source: source, name: name)
        } catch {
            fatalError("cannot compile the \(name) test plugin: \(error)")
        }
    }

    /// A sidecar for the bare library with `op` as its one `ops` entry.
    static func sidecar(library: String = bareLibrary, abi: Int = 1, op: String) -> String {
        #"{"abi": \#(abi), "library": "\#(library)", "ops": [\#(op)]}"#
    }

    /// A valid `ops` entry for the bare library; `replacing` edits its JSON text.
    static func negateOp(_ replacing: [(String, String)] = []) -> String {
        var text = #"""
            {"name": "bare.negate", "inputs": ["x"], "elementwise": true,
             "forward": {"float64": {"symbol": "bare_negate", "args": ["ptr:x", "ptr:out", "i64:numel(x)"]}},
             "backward": {"x": {"float64": {"symbol": "bare_negate_grad", "args": ["ptr:grad_out", "ptr:grad_x", "i64:numel(x)"]}}}}
            """#
        for (old, new) in replacing {
            precondition(text.contains(old), "the op has no '\(old)' to replace")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return text
    }
}

