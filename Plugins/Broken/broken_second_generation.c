// Deliberately broken kernels for the second generation of kernel-check's checks
// (float32 gradients, threads with inputs of their own, special values, guard
// pages): each is right everywhere the first generation looked, and wrong where
// one new check looks. Signatures as in broken.c; manifest.c declares them.

#define _DEFAULT_SOURCE  // usleep
#include <math.h>
#include <stdint.h>
#include <unistd.h>

#define FOR_EACH(i, n) for (int64_t i = 0; i < (n); i++)

// broken.float32_wrong_grad: y = x * x (reference "x * x"), float32 kernels only;
// the backward forgets the 2. gradcheck in float64 cannot run it; kernel-check
// compares it with the reference in float64. Caught by: gradient.
int broken_float32_wrong_grad_f32(const float *x, float *out, int64_t n) {
    FOR_EACH(i, n) out[i] = x[i] * x[i];
    return 0;
}
int broken_float32_wrong_grad_backward_f32(const float *x, const float *grad_out, float *grad_x, int64_t n) {
    FOR_EACH(i, n) grad_x[i] = grad_out[i] * x[i];
    return 0;
}

// broken.shared_scratch: y = 2 * x (reference "2 * x") through one static scratch
// buffer, to save an allocation per call: right on one thread, and on many threads
// as long as they all pass the same values. The sleep widens the race that a
// real kernel loses now and then. Caught by: thread-safety.
#define BROKEN_SCRATCH (1 << 16)
static double broken_scratch_f64[BROKEN_SCRATCH];
static float broken_scratch_f32[BROKEN_SCRATCH];

int broken_shared_scratch_f64(const double *x, double *out, int64_t n) {
    if (n > BROKEN_SCRATCH) {
        FOR_EACH(i, n) out[i] = 2 * x[i];
        return 0;
    }
    FOR_EACH(i, n) broken_scratch_f64[i] = 2 * x[i];
    usleep(200);
    FOR_EACH(i, n) out[i] = broken_scratch_f64[i];
    return 0;
}
int broken_shared_scratch_f32(const float *x, float *out, int64_t n) {
    if (n > BROKEN_SCRATCH) {
        FOR_EACH(i, n) out[i] = 2 * x[i];
        return 0;
    }
    FOR_EACH(i, n) broken_scratch_f32[i] = 2 * x[i];
    usleep(200);
    FOR_EACH(i, n) out[i] = broken_scratch_f32[i];
    return 0;
}

// broken.nan_at_zero: y = 2 * x (reference "2 * x"), but NaN at exactly 0, a
// value no sample reaches. Caught by: special-values.
int broken_nan_at_zero_f64(const double *x, double *out, int64_t n) {
    FOR_EACH(i, n) out[i] = x[i] == 0 ? NAN : 2 * x[i];
    return 0;
}
int broken_nan_at_zero_f32(const float *x, float *out, int64_t n) {
    FOR_EACH(i, n) out[i] = x[i] == 0 ? NAN : 2 * x[i];
    return 0;
}

// broken.wrong_past_two: y = 2 * x (reference "2 * x") for |x| <= 2, the samples'
// whole range, and 0 past it. Caught by: special-values.
int broken_wrong_past_two_f64(const double *x, double *out, int64_t n) {
    FOR_EACH(i, n) out[i] = x[i] > 2 || x[i] < -2 ? 0 : 2 * x[i];
    return 0;
}
int broken_wrong_past_two_f32(const float *x, float *out, int64_t n) {
    FOR_EACH(i, n) out[i] = x[i] > 2 || x[i] < -2 ? 0 : 2 * x[i];
    return 0;
}

// broken.reads_past_input: y = 2 * x (reference "2 * x"), but each call also loads
// x[n], one element past the input, as a vector loop's unmasked tail does; the
// value is never used, so every output is right and no NaN ever shows. Caught by:
// guard-bytes, whose guard page after the input faults on the load.
int broken_reads_past_input_f64(const double *x, double *out, int64_t n) {
    volatile double tail = ((const volatile double *)x)[n];
    (void)tail;
    FOR_EACH(i, n) out[i] = 2 * x[i];
    return 0;
}
int broken_reads_past_input_f32(const float *x, float *out, int64_t n) {
    volatile float tail = ((const volatile float *)x)[n];
    (void)tail;
    FOR_EACH(i, n) out[i] = 2 * x[i];
    return 0;
}

// broken.writes_far_past: y = 2 * x (reference "2 * x"), and each call also zeroes
// the element 1000 past the end of out, as a stride taken from the wrong dimension
// does: thousands of bytes away, past any guard bytes, into whatever the heap holds
// there. Caught by: guard-bytes, where every buffer ends at guard pages in every row
// (without them, the heap it corrupts would crash a later row).
#define BROKEN_FAR 1000
int broken_writes_far_past_f64(const double *x, double *out, int64_t n) {
    FOR_EACH(i, n) out[i] = 2 * x[i];
    ((volatile double *)out)[n + BROKEN_FAR] = 0;
    return 0;
}
int broken_writes_far_past_f32(const float *x, float *out, int64_t n) {
    FOR_EACH(i, n) out[i] = 2 * x[i];
    ((volatile float *)out)[n + BROKEN_FAR] = 0;
    return 0;
}

// broken.rowsum_wrong_grad: y[i] = x[i, 0] + ... + x[i, cols - 1] (reference
// "sum(x, dims=[1])"), an op that is not elementwise; the backward spreads twice
// the upstream gradient over each row. Its samples are synthesised from the
// declaration (an input of 2 dims, an output of dim(x,0)), so the data checks run
// as for an elementwise op. Caught by: gradient.
int broken_rowsum_wrong_grad_f64(const double *x, double *out, int64_t rows, int64_t cols) {
    FOR_EACH(i, rows) {
        double total = 0;
        FOR_EACH(j, cols) total += x[i * cols + j];
        out[i] = total;
    }
    return 0;
}
int broken_rowsum_wrong_grad_f32(const float *x, float *out, int64_t rows, int64_t cols) {
    FOR_EACH(i, rows) {
        float total = 0;
        FOR_EACH(j, cols) total += x[i * cols + j];
        out[i] = total;
    }
    return 0;
}
int broken_rowsum_wrong_grad_backward_f64(const double *grad_out, double *grad_x, int64_t rows, int64_t cols) {
    FOR_EACH(i, rows) FOR_EACH(j, cols) grad_x[i * cols + j] = 2 * grad_out[i];
    return 0;
}
int broken_rowsum_wrong_grad_backward_f32(const float *grad_out, float *grad_x, int64_t rows, int64_t cols) {
    FOR_EACH(i, rows) FOR_EACH(j, cols) grad_x[i * cols + j] = 2 * grad_out[i];
    return 0;
}
