// Deliberately broken kernels, used only by tests: each is wrong in exactly one
// way, and kernel-check must fail exactly the check meant to catch it.
//
// Forward kernels:  int NAME_f64(const double *x, double *out, int64_t n)
// Backward kernels: int NAME_backward_f64(const double *x, const double *grad_out,
//                                         double *grad_x, int64_t n)
// (and _f32 twins). Every op is elementwise over one input, returns 0 for success,
// and has a correct reference expression over built-in ops, given in the comment.
// manifest.c declares them; README.md lists which check catches which fault.

#include <stdint.h>

#define FOR_EACH(i, n) for (int64_t i = 0; i < (n); i++)

// broken.wrong_grad: y = x * x (reference "x * x"); the backward forgets the 2.
// Caught by: gradient.
int broken_wrong_grad_f64(const double *x, double *out, int64_t n) {
    FOR_EACH(i, n) out[i] = x[i] * x[i];
    return 0;
}
int broken_wrong_grad_f32(const float *x, float *out, int64_t n) {
    FOR_EACH(i, n) out[i] = x[i] * x[i];
    return 0;
}
int broken_wrong_grad_backward_f64(const double *x, const double *grad_out, double *grad_x, int64_t n) {
    FOR_EACH(i, n) grad_x[i] = grad_out[i] * x[i];
    return 0;
}
int broken_wrong_grad_backward_f32(const float *x, const float *grad_out, float *grad_x, int64_t n) {
    FOR_EACH(i, n) grad_x[i] = grad_out[i] * x[i];
    return 0;
}

// broken.out_of_bounds: y = 2 * x (reference "2 * x"); on short inputs the loop
// runs one store too far. Caught by: guard-bytes (kernel-check's sample for an
// elementwise op has 12 elements, so it takes the short path).
//
// kernel-check puts guard pages after every buffer in every row while the
// guard-bytes row is planned, so the store faults there, is recorded and is
// harmless. Short inputs only, because that is how such kernels go wrong:
// a separate path for short inputs (the tail of a vector loop, a scalar fallback).
#define BROKEN_SHORT 16

int broken_out_of_bounds_f64(const double *x, double *out, int64_t n) {
    if (n >= BROKEN_SHORT) {
        FOR_EACH(i, n) out[i] = 2 * x[i];
        return 0;
    }
    for (int64_t i = 0; i <= n; i++) out[i] = i < n ? 2 * x[i] : 0;
    return 0;
}
int broken_out_of_bounds_f32(const float *x, float *out, int64_t n) {
    if (n >= BROKEN_SHORT) {
        FOR_EACH(i, n) out[i] = 2 * x[i];
        return 0;
    }
    for (int64_t i = 0; i <= n; i++) out[i] = i < n ? 2 * x[i] : 0;
    return 0;
}

// broken.segfault: y = x (reference "x"); stores through a wild pointer.
// Caught by: crash-isolation (SIGSEGV in the child process).
// Volatile, so the compiler can neither see that the address is bad nor drop the store.
static volatile uintptr_t broken_wild_address = 16;

int broken_segfault_f64(const double *x, double *out, int64_t n) {
    (void)x; (void)out; (void)n;
    volatile double *wild = (volatile double *)broken_wild_address;
    *wild = 1;
    return 0;
}
int broken_segfault_f32(const float *x, float *out, int64_t n) {
    (void)x; (void)out; (void)n;
    volatile float *wild = (volatile float *)broken_wild_address;
    *wild = 1;
    return 0;
}

// broken.mutates_input: y = 2 * x (reference "2 * x"); doubles its input in place
// to save a buffer, then copies it out. Caught by: inputs-unmodified.
int broken_mutates_input_f64(const double *x, double *out, int64_t n) {
    double *scratch = (double *)x;
    FOR_EACH(i, n) { scratch[i] *= 2; out[i] = scratch[i]; }
    return 0;
}
int broken_mutates_input_f32(const float *x, float *out, int64_t n) {
    float *scratch = (float *)x;
    FOR_EACH(i, n) { scratch[i] *= 2; out[i] = scratch[i]; }
    return 0;
}

// broken.nondeterministic: y = 3 * x (reference "3 * x"); every other call nudges
// the first element by one ulp, as a reduction whose order follows thread timing
// would. Within every tolerance, so only the bitwise check sees it.
// Caught by: determinism.
static _Atomic long broken_calls;

static int broken_nudge(void) { return ++broken_calls % 2 == 0; }

int broken_nondeterministic_f64(const double *x, double *out, int64_t n) {
    FOR_EACH(i, n) out[i] = 3 * x[i];
    if (n > 0 && out[0] - out[0] == 0 && broken_nudge()) {
        union { double d; uint64_t u; } bits = { out[0] };
        bits.u += 1;  // one ulp further from zero
        out[0] = bits.d;
    }
    return 0;
}
int broken_nondeterministic_f32(const float *x, float *out, int64_t n) {
    FOR_EACH(i, n) out[i] = 3 * x[i];
    if (n > 0 && out[0] - out[0] == 0 && broken_nudge()) {
        union { float f; uint32_t u; } bits = { out[0] };
        bits.u += 1;
        out[0] = bits.f;
    }
    return 0;
}

// The correct backward of y = c * x, shared by the ops above whose backward is not the fault.
int broken_scale2_backward_f64(const double *x, const double *grad_out, double *grad_x, int64_t n) {
    (void)x;
    FOR_EACH(i, n) grad_x[i] = 2 * grad_out[i];
    return 0;
}
int broken_scale2_backward_f32(const float *x, const float *grad_out, float *grad_x, int64_t n) {
    (void)x;
    FOR_EACH(i, n) grad_x[i] = 2 * grad_out[i];
    return 0;
}
int broken_scale3_backward_f64(const double *x, const double *grad_out, double *grad_x, int64_t n) {
    (void)x;
    FOR_EACH(i, n) grad_x[i] = 3 * grad_out[i];
    return 0;
}
int broken_scale3_backward_f32(const float *x, const float *grad_out, float *grad_x, int64_t n) {
    (void)x;
    FOR_EACH(i, n) grad_x[i] = 3 * grad_out[i];
    return 0;
}
int broken_identity_backward_f64(const double *x, const double *grad_out, double *grad_x, int64_t n) {
    (void)x;
    FOR_EACH(i, n) grad_x[i] = grad_out[i];
    return 0;
}
int broken_identity_backward_f32(const float *x, const float *grad_out, float *grad_x, int64_t n) {
    (void)x;
    FOR_EACH(i, n) grad_x[i] = grad_out[i];
    return 0;
}
