// The manifest the host reads through autograd_plugin_manifest(): one op per
// broken kernel in broken.c, each with float32 and float64 kernels for forward
// and backward, and a reference expression for what the op is meant to compute.
// Only tests build this plugin; it is no product of the package.

#include "autograd_plugin.h"

#define KERNEL(symbol, args) \
    "{\"symbol\": \"" symbol "\", \"returns\": \"i32\", \"args\": [" args "]}"
#define FORWARD_ARGS "\"ptr:x\", \"ptr:out\", \"i64:numel(x)\""
#define BACKWARD_ARGS "\"ptr:x\", \"ptr:grad_out\", \"ptr:grad_x\", \"i64:numel(x)\""

// An elementwise op of one input x: forward kernels broken_<base>_{f32,f64},
// backward kernels broken_<backward>_backward_{f32,f64}.
#define UNARY_OP(base, backward, reference)                                                          \
    "{\"name\": \"broken." base "\", \"inputs\": [\"x\"], \"elementwise\": true,"                    \
    " \"forward\": {\"float32\": " KERNEL("broken_" base "_f32", FORWARD_ARGS) ","                    \
    " \"float64\": " KERNEL("broken_" base "_f64", FORWARD_ARGS) "},"                                 \
    " \"backward\": {\"x\": {\"float32\": " KERNEL("broken_" backward "_backward_f32", BACKWARD_ARGS) "," \
    " \"float64\": " KERNEL("broken_" backward "_backward_f64", BACKWARD_ARGS) "}},"                  \
    " \"reference\": \"" reference "\"}"

// The same with float32 kernels only.
#define FLOAT32_OP(base, backward, reference)                                                        \
    "{\"name\": \"broken." base "\", \"inputs\": [\"x\"], \"elementwise\": true,"                    \
    " \"forward\": {\"float32\": " KERNEL("broken_" base "_f32", FORWARD_ARGS) "},"                    \
    " \"backward\": {\"x\": {\"float32\": " KERNEL("broken_" backward "_backward_f32", BACKWARD_ARGS) "}}," \
    " \"reference\": \"" reference "\"}"

// A row sum over a 2-D x: not elementwise, with its forward-mode rule as a formula.
#define ROWSUM_ARGS "\"ptr:x\", \"ptr:out\", \"i64:dim(x,0)\", \"i64:dim(x,1)\""
#define ROWSUM_BACKWARD_ARGS "\"ptr:grad_out\", \"ptr:grad_x\", \"i64:dim(x,0)\", \"i64:dim(x,1)\""
#define ROWSUM_OP(base)                                                                                      \
    "{\"name\": \"broken." base "\", \"inputs\": [{\"name\": \"x\", \"ndim\": 2}],"                          \
    " \"output\": {\"shape\": [\"dim(x,0)\"]},"                                                               \
    " \"forward\": {\"float32\": " KERNEL("broken_" base "_f32", ROWSUM_ARGS) ","                              \
    " \"float64\": " KERNEL("broken_" base "_f64", ROWSUM_ARGS) "},"                                            \
    " \"backward\": {\"x\": {\"float32\": " KERNEL("broken_" base "_backward_f32", ROWSUM_BACKWARD_ARGS) ","   \
    " \"float64\": " KERNEL("broken_" base "_backward_f64", ROWSUM_BACKWARD_ARGS) "}},"                         \
    " \"jvp\": \"sum(x_t, dims=[1])\", \"reference\": \"sum(x, dims=[1])\"}"

static const char manifest[] =
    "{\"abi\": 1, \"abi_minor\": 3, \"name\": \"broken\", \"ops\": ["
    UNARY_OP("wrong_grad", "wrong_grad", "x * x") ", "
    UNARY_OP("out_of_bounds", "scale2", "2 * x") ", "
    UNARY_OP("segfault", "identity", "x") ", "
    UNARY_OP("mutates_input", "scale2", "2 * x") ", "
    UNARY_OP("nondeterministic", "scale3", "3 * x") ", "
    FLOAT32_OP("float32_wrong_grad", "float32_wrong_grad", "x * x") ", "
    UNARY_OP("shared_scratch", "scale2", "2 * x") ", "
    UNARY_OP("nan_at_zero", "scale2", "2 * x") ", "
    UNARY_OP("wrong_past_two", "scale2", "2 * x") ", "
    UNARY_OP("reads_past_input", "scale2", "2 * x") ", "
    UNARY_OP("writes_far_past", "scale2", "2 * x") ", "
    ROWSUM_OP("rowsum_wrong_grad")
    "]}";

AUTOGRAD_PLUGIN_EXPORT const char *autograd_plugin_manifest(void) { return manifest; }
