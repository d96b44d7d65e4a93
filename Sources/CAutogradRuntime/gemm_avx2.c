// AVX2 + FMA micro-kernels. Compiled without -mavx2 (SwiftPM passes no -march,
// and per-file flags would need unsafeFlags), so each function enables the
// instructions itself with a target attribute; gemm.c calls them only after a
// run-time CPU check.

#include "gemm_internal.h"

#ifdef AUTOGRAD_GEMM_HAVE_AVX2_KERNELS

#include <immintrin.h>

#define AVX2_FMA __attribute__((target("avx2,fma")))

// The tile's rows are unrolled by hand into 12 named accumulators, which the
// compiler keeps in registers for the whole k loop.
AVX2_FMA
void autograd_sgemm_micro_avx2(ptrdiff_t kc, const float *a, const float *b, float *c, ptrdiff_t ldc,
                               bool accumulate) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
    __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
    __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (ptrdiff_t p = 0; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        __m256 x;
        x = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
        x = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
        x = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
        a += SGEMM_MR;
        b += SGEMM_NR;
    }
#define STORE_ROW(row, lo, hi)                                                              \
    do {                                                                                    \
        float *r = c + (row) * ldc;                                                         \
        if (accumulate) {                                                                   \
            lo = _mm256_add_ps(lo, _mm256_loadu_ps(r));                                     \
            hi = _mm256_add_ps(hi, _mm256_loadu_ps(r + 8));                                 \
        }                                                                                   \
        _mm256_storeu_ps(r, lo);                                                            \
        _mm256_storeu_ps(r + 8, hi);                                                        \
    } while (0)
    STORE_ROW(0, c00, c01);
    STORE_ROW(1, c10, c11);
    STORE_ROW(2, c20, c21);
    STORE_ROW(3, c30, c31);
    STORE_ROW(4, c40, c41);
    STORE_ROW(5, c50, c51);
#undef STORE_ROW
}

AVX2_FMA
void autograd_dgemm_micro_avx2(ptrdiff_t kc, const double *a, const double *b, double *c, ptrdiff_t ldc,
                               bool accumulate) {
    __m256d c00 = _mm256_setzero_pd(), c01 = _mm256_setzero_pd();
    __m256d c10 = _mm256_setzero_pd(), c11 = _mm256_setzero_pd();
    __m256d c20 = _mm256_setzero_pd(), c21 = _mm256_setzero_pd();
    __m256d c30 = _mm256_setzero_pd(), c31 = _mm256_setzero_pd();
    __m256d c40 = _mm256_setzero_pd(), c41 = _mm256_setzero_pd();
    __m256d c50 = _mm256_setzero_pd(), c51 = _mm256_setzero_pd();
    for (ptrdiff_t p = 0; p < kc; p++) {
        __m256d b0 = _mm256_load_pd(b), b1 = _mm256_load_pd(b + 4);
        __m256d x;
        x = _mm256_broadcast_sd(a + 0); c00 = _mm256_fmadd_pd(x, b0, c00); c01 = _mm256_fmadd_pd(x, b1, c01);
        x = _mm256_broadcast_sd(a + 1); c10 = _mm256_fmadd_pd(x, b0, c10); c11 = _mm256_fmadd_pd(x, b1, c11);
        x = _mm256_broadcast_sd(a + 2); c20 = _mm256_fmadd_pd(x, b0, c20); c21 = _mm256_fmadd_pd(x, b1, c21);
        x = _mm256_broadcast_sd(a + 3); c30 = _mm256_fmadd_pd(x, b0, c30); c31 = _mm256_fmadd_pd(x, b1, c31);
        x = _mm256_broadcast_sd(a + 4); c40 = _mm256_fmadd_pd(x, b0, c40); c41 = _mm256_fmadd_pd(x, b1, c41);
        x = _mm256_broadcast_sd(a + 5); c50 = _mm256_fmadd_pd(x, b0, c50); c51 = _mm256_fmadd_pd(x, b1, c51);
        a += DGEMM_MR;
        b += DGEMM_NR;
    }
#define STORE_ROW(row, lo, hi)                                                              \
    do {                                                                                    \
        double *r = c + (row) * ldc;                                                        \
        if (accumulate) {                                                                   \
            lo = _mm256_add_pd(lo, _mm256_loadu_pd(r));                                     \
            hi = _mm256_add_pd(hi, _mm256_loadu_pd(r + 4));                                 \
        }                                                                                   \
        _mm256_storeu_pd(r, lo);                                                            \
        _mm256_storeu_pd(r + 4, hi);                                                        \
    } while (0)
    STORE_ROW(0, c00, c01);
    STORE_ROW(1, c10, c11);
    STORE_ROW(2, c20, c21);
    STORE_ROW(3, c30, c31);
    STORE_ROW(4, c40, c41);
    STORE_ROW(5, c50, c51);
#undef STORE_ROW
}

#endif
