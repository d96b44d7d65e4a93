// Packed, cache-blocked matrix multiply: the fallback used when no BLAS is bound.
// See gemm_driver.h for the loop nest and gemm_avx2.c for the AVX2 micro-kernels.

#include "autograd_gemm.h"
#include "gemm_internal.h"

#include <pthread.h>
#include <stdlib.h>

// MARK: - Workspace

// Packing buffers are kept per thread and grown on demand, so a product costs no
// allocation after a thread's first one of that size (a fresh multi-megabyte
// malloc would be an mmap and page faults on every call). At most about 2.3 MB
// per thread, freed when the thread exits.

struct workspace {
    size_t capacity;
    void *data;
};

static pthread_once_t gemm_once = PTHREAD_ONCE_INIT;
static pthread_key_t workspace_key;
static bool use_avx2;

static void free_workspace(void *value) {
    struct workspace *w = value;
    free(w->data);
    free(w);
}

static void gemm_init(void) {
    pthread_key_create(&workspace_key, free_workspace);
#ifdef AUTOGRAD_GEMM_HAVE_AVX2_KERNELS
    __builtin_cpu_init();
    use_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
}

/// A 64-byte-aligned buffer of at least `bytes` owned by the calling thread, or NULL.
static void *gemm_workspace(size_t bytes) {
    // The key is created here, where it is first read, whichever entry point led here
    // (the kernel choice that also runs gemm_init is compiled out on non-x86 builds).
    pthread_once(&gemm_once, gemm_init);
    struct workspace *w = pthread_getspecific(workspace_key);
    if (!w) {
        w = calloc(1, sizeof *w);
        if (!w || pthread_setspecific(workspace_key, w) != 0) {
            free(w);
            return NULL;
        }
    }
    if (w->capacity < bytes) {
        free(w->data);
        size_t rounded = (bytes + 63) / 64 * 64;
        w->data = aligned_alloc(64, rounded);
        w->capacity = w->data ? rounded : 0;
    }
    return w->data;
}

// MARK: - Instantiations

// Cache blocks, chosen for Zen 3 (32 KB L1d, 512 KB L2 per core) and safe on
// larger caches:
// - KC = 256: a KC × NR panel of B is 16 KB (float, NR = 16) or 16 KB (double,
//   NR = 8), half of L1, so it stays there while A panels stream past.
// - MC: the packed MC × KC block of A, 144 × 256 × 4 = 144 KB (float) or
//   72 × 256 × 8 = 144 KB (double), sits in L2 with room for C and B traffic.
//   Multiples of MR = 6.
// - NC: the packed KC × NC block of B, 2 MB for both types, lives in L3 and is
//   reused by every row block of A.

#define GEMM_T float
#define GEMM_MR SGEMM_MR
#define GEMM_NR SGEMM_NR
#define GEMM_MC 144
#define GEMM_KC 256
#define GEMM_NC 2048
#define GEMM_NAME(x) sgemm_##x
#define GEMM_KERNEL sgemm_micro_kernel
#include "gemm_driver.h"

#define GEMM_T double
#define GEMM_MR DGEMM_MR
#define GEMM_NR DGEMM_NR
#define GEMM_MC 72
#define GEMM_KC 256
#define GEMM_NC 1024
#define GEMM_NAME(x) dgemm_##x
#define GEMM_KERNEL dgemm_micro_kernel
#include "gemm_driver.h"

// MARK: - Entry points

bool autograd_gemm_uses_avx2(void) {
    pthread_once(&gemm_once, gemm_init);
    return use_avx2;
}

static sgemm_micro_kernel best_sgemm_kernel(void) {
#ifdef AUTOGRAD_GEMM_HAVE_AVX2_KERNELS
    if (autograd_gemm_uses_avx2()) return autograd_sgemm_micro_avx2;
#endif
    return sgemm_micro_portable;
}

static dgemm_micro_kernel best_dgemm_kernel(void) {
#ifdef AUTOGRAD_GEMM_HAVE_AVX2_KERNELS
    if (autograd_gemm_uses_avx2()) return autograd_dgemm_micro_avx2;
#endif
    return dgemm_micro_portable;
}

void autograd_sgemm(bool trans_a, bool trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                    const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc) {
    sgemm_gemm(best_sgemm_kernel(), trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc);
}

void autograd_dgemm(bool trans_a, bool trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                    const double *a, ptrdiff_t lda, const double *b, ptrdiff_t ldb, double *c, ptrdiff_t ldc) {
    dgemm_gemm(best_dgemm_kernel(), trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc);
}

void autograd_sgemm_portable(bool trans_a, bool trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                             const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc) {
    sgemm_gemm(sgemm_micro_portable, trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc);
}

void autograd_dgemm_portable(bool trans_a, bool trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                             const double *a, ptrdiff_t lda, const double *b, ptrdiff_t ldb, double *c, ptrdiff_t ldc) {
    dgemm_gemm(dgemm_micro_portable, trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc);
}
