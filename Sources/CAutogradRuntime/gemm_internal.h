#ifndef AUTOGRAD_GEMM_INTERNAL_H
#define AUTOGRAD_GEMM_INTERNAL_H

// Shared by gemm.c (blocking, packing, dispatch) and gemm_avx2.c (micro-kernels).

#include <stdbool.h>
#include <stddef.h>

// Micro-tile sizes: each micro-kernel call computes an MR × NR block of C,
// held in registers across the whole k loop. With AVX2 (16 ymm registers) a
// 6 × 16 float tile is 6 × 2 = 12 accumulators, plus 2 registers for a row of
// the B panel and 1 for a broadcast element of A: 15 of 16. The double tile
// 6 × 8 has the same shape in vectors (4 doubles per register). Each step of k
// then does 12 FMAs for 2 loads of B and 6 broadcasts of A, enough to keep both
// FMA pipes busy. The portable kernels use the same tiles so that the packing
// and blocking code is shared.
#define SGEMM_MR 6
#define SGEMM_NR 16
#define DGEMM_MR 6
#define DGEMM_NR 8

/// c[0..<MR][0..<NR] (row stride ldc) = (accumulate ? c : 0) + Σ_p a[p][·] ⊗ b[p][·],
/// where a is a packed MR-row panel (MR values per step of k) and b a packed
/// NR-column panel (NR values per step of k, 32-byte aligned).
typedef void (*sgemm_micro_kernel)(ptrdiff_t kc, const float *a, const float *b, float *c, ptrdiff_t ldc,
                                   bool accumulate);
typedef void (*dgemm_micro_kernel)(ptrdiff_t kc, const double *a, const double *b, double *c, ptrdiff_t ldc,
                                   bool accumulate);

// AUTOGRAD_GEMM_PORTABLE_ONLY builds without them, to check the portable path compiles alone.
#if (defined(__x86_64__) || defined(__i386__)) && !defined(AUTOGRAD_GEMM_PORTABLE_ONLY)
#define AUTOGRAD_GEMM_HAVE_AVX2_KERNELS 1
void autograd_sgemm_micro_avx2(ptrdiff_t kc, const float *a, const float *b, float *c, ptrdiff_t ldc, bool accumulate);
void autograd_dgemm_micro_avx2(ptrdiff_t kc, const double *a, const double *b, double *c, ptrdiff_t ldc,
                               bool accumulate);
#endif

#endif
