// The manifest the host reads through autograd_plugin_manifest(): four
// activations, each with float32 and float64 kernels for forward and backward.

#include "autograd_plugin.h"

#define KERNEL(symbol, extra) \
    "{\"symbol\": \"" symbol "\", \"returns\": \"i32\", \"args\": [" extra "]}"
#define FORWARD_ARGS "\"ptr:x\", \"ptr:out\", \"i64:numel(x)\""
#define BACKWARD_ARGS "\"ptr:x\", \"ptr:grad_out\", \"ptr:grad_x\", \"i64:numel(x)\""
#define SOFTPLUS_ATTRS ", \"f64:attr.beta\", \"f64:attr.threshold\""

// An elementwise op of one input x whose kernels are act_<base>_{f32,f64} and
// act_<base>_backward_{f32,f64}, with `extra` appended to every argument list.
#define UNARY_OP(name, base, attributes, extra, reference)                                          \
    "{\"name\": \"" name "\", \"inputs\": [\"x\"], \"elementwise\": true,"                          \
    " \"attributes\": {" attributes "},"                                                              \
    " \"forward\": {\"float32\": " KERNEL("act_" base "_f32", FORWARD_ARGS extra) ","                 \
    " \"float64\": " KERNEL("act_" base "_f64", FORWARD_ARGS extra) "},"                               \
    " \"backward\": {\"x\": {\"float32\": " KERNEL("act_" base "_backward_f32", BACKWARD_ARGS extra) "," \
    " \"float64\": " KERNEL("act_" base "_backward_f64", BACKWARD_ARGS extra) "}},"                    \
    " \"reference\": \"" reference "\"}"

static const char manifest[] =
    "{\"abi\": 1, \"name\": \"activations\", \"ops\": ["
    UNARY_OP("act.softplus", "softplus",
             "\"beta\": {\"type\": \"double\", \"default\": 1.0},"
             " \"threshold\": {\"type\": \"double\", \"default\": 20.0}",
             SOFTPLUS_ATTRS, "where(gt(beta * x, threshold), x, log(1 + exp(beta * x)) / beta)") ", "
    UNARY_OP("act.gelu", "gelu", "", "", "0.5 * x * (1 + erf(x * 0.7071067811865476))") ", "
    UNARY_OP("act.gelu_tanh", "gelu_tanh", "", "",
             "0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))") ", "
    UNARY_OP("act.silu", "silu", "", "", "x * sigmoid(x)") ", "
    UNARY_OP("act.mish", "mish", "", "", "x * tanh(log(1 + exp(x)))")
    "]}";

AUTOGRAD_PLUGIN_EXPORT const char *autograd_plugin_manifest(void) { return manifest; }
