#ifndef AUTOGRAD_GEMM_H
#define AUTOGRAD_GEMM_H

#include <stdbool.h>
#include <stddef.h>

/// Row-major matrix multiply, C = op(A) · op(B), overwriting C (no beta).
///
/// op(A) is m × k and op(B) is k × n. Without transposition, element (i, p) of A
/// is `a[i * lda + p]`; with `trans_a` it is `a[p * lda + i]`, that is, `a` holds
/// Aᵀ in row-major order (a transposed view of a contiguous matrix). Likewise for
/// B with `ldb`. Element (i, j) of C is `c[i * ldc + j]`. Any m, n, k ≥ 0 is
/// allowed: k == 0 writes zeros. C must not overlap A or B.
///
/// Single-threaded and re-entrant: callers split large products across threads
/// by calling this on disjoint blocks of C. It uses AVX2 + FMA when the CPU has
/// them (checked at run time) and portable C otherwise.
void autograd_sgemm(bool trans_a, bool trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                    const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc);
void autograd_dgemm(bool trans_a, bool trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                    const double *a, ptrdiff_t lda, const double *b, ptrdiff_t ldb, double *c, ptrdiff_t ldc);

/// The same products computed with the portable micro-kernel only, whatever the
/// CPU: for tests, so that the fallback stays correct on machines that never use it.
void autograd_sgemm_portable(bool trans_a, bool trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                             const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc);
void autograd_dgemm_portable(bool trans_a, bool trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                             const double *a, ptrdiff_t lda, const double *b, ptrdiff_t ldb, double *c, ptrdiff_t ldc);

/// Whether `autograd_sgemm` and `autograd_dgemm` use the AVX2 + FMA micro-kernels on this CPU.
bool autograd_gemm_uses_avx2(void);

#endif
