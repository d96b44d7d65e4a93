// The blocked GEMM loop nest and its packing routines, written once and
// instantiated by gemm.c for float and for double. Before including, define:
//   GEMM_T           element type
//   GEMM_MR, GEMM_NR micro-tile (see gemm_internal.h)
//   GEMM_MC, GEMM_KC, GEMM_NC  cache blocks (see gemm.c)
//   GEMM_NAME(x)     prefix for the functions defined here
//   GEMM_KERNEL      micro-kernel function pointer type
//
// Loop order (the usual one for packed GEMM): for each NC-wide column block of
// C and KC-deep slice of k, pack that KC × NC block of B once (it is reused by
// every row of C); for each MC-tall row block, pack the MC × KC block of A;
// then sweep micro-tiles, column panel outer and row panel inner so that one
// KC × NR panel of B stays in L1 while the A panels stream from L2.

// The address of element (i, p) of op(X), for X stored with leading dimension ld.
#define GEMM_AT(x, ld, trans, i, p) ((trans) ? (x) + (p) * (ld) + (i) : (x) + (i) * (ld) + (p))

/// Packs rows [0, mc) and columns [0, kc) of op(A), `a` pointing at its element
/// (0, 0), into MR-row panels: for each panel, MR consecutive values per step of
/// k. Rows past mc are zero so the micro-kernel needs no edge case.
static void GEMM_NAME(pack_a)(ptrdiff_t mc, ptrdiff_t kc, const GEMM_T *a, ptrdiff_t lda, bool trans, GEMM_T *dst) {
    for (ptrdiff_t i0 = 0; i0 < mc; i0 += GEMM_MR) {
        ptrdiff_t rows = mc - i0 < GEMM_MR ? mc - i0 : GEMM_MR;
        if (trans) {
            // Aᵀ is stored: the MR values of one step of k are contiguous.
            for (ptrdiff_t p = 0; p < kc; p++) {
                const GEMM_T *src = a + p * lda + i0;
                GEMM_T *d = dst + p * GEMM_MR;
                for (ptrdiff_t i = 0; i < rows; i++) d[i] = src[i];
                for (ptrdiff_t i = rows; i < GEMM_MR; i++) d[i] = 0;
            }
        } else {
            // Read each row of A contiguously and scatter it into the panel.
            for (ptrdiff_t i = 0; i < rows; i++) {
                const GEMM_T *src = a + (i0 + i) * lda;
                for (ptrdiff_t p = 0; p < kc; p++) dst[p * GEMM_MR + i] = src[p];
            }
            for (ptrdiff_t i = rows; i < GEMM_MR; i++)
                for (ptrdiff_t p = 0; p < kc; p++) dst[p * GEMM_MR + i] = 0;
        }
        dst += GEMM_MR * kc;
    }
}

/// Packs rows [0, kc) and columns [0, nc) of op(B), `b` pointing at its element
/// (0, 0), into NR-column panels: NR consecutive values per step of k, columns
/// past nc zero.
static void GEMM_NAME(pack_b)(ptrdiff_t kc, ptrdiff_t nc, const GEMM_T *b, ptrdiff_t ldb, bool trans, GEMM_T *dst) {
    for (ptrdiff_t j0 = 0; j0 < nc; j0 += GEMM_NR) {
        ptrdiff_t cols = nc - j0 < GEMM_NR ? nc - j0 : GEMM_NR;
        if (trans) {
            for (ptrdiff_t j = 0; j < cols; j++) {
                const GEMM_T *src = b + (j0 + j) * ldb;
                for (ptrdiff_t p = 0; p < kc; p++) dst[p * GEMM_NR + j] = src[p];
            }
            for (ptrdiff_t j = cols; j < GEMM_NR; j++)
                for (ptrdiff_t p = 0; p < kc; p++) dst[p * GEMM_NR + j] = 0;
        } else {
            for (ptrdiff_t p = 0; p < kc; p++) {
                const GEMM_T *src = b + p * ldb + j0;
                GEMM_T *d = dst + p * GEMM_NR;
                for (ptrdiff_t j = 0; j < cols; j++) d[j] = src[j];
                for (ptrdiff_t j = cols; j < GEMM_NR; j++) d[j] = 0;
            }
        }
        dst += GEMM_NR * kc;
    }
}

/// C = op(A) · op(B) with the given micro-kernel; m, n, k > 0. `packed_a` holds
/// GEMM_MC × GEMM_KC elements and `packed_b` GEMM_KC × GEMM_NC, both 64-byte aligned.
static void GEMM_NAME(blocked)(GEMM_KERNEL kernel, bool trans_a, bool trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                               const GEMM_T *a, ptrdiff_t lda, const GEMM_T *b, ptrdiff_t ldb, GEMM_T *c, ptrdiff_t ldc,
                               GEMM_T *packed_a, GEMM_T *packed_b) {
    // Partial tiles at the right and bottom edges are computed into this buffer
    // and the valid part copied out.
    _Alignas(64) GEMM_T edge[GEMM_MR * GEMM_NR];
    for (ptrdiff_t jc = 0; jc < n; jc += GEMM_NC) {
        ptrdiff_t nc = n - jc < GEMM_NC ? n - jc : GEMM_NC;
        for (ptrdiff_t pc = 0; pc < k; pc += GEMM_KC) {
            ptrdiff_t kc = k - pc < GEMM_KC ? k - pc : GEMM_KC;
            // The first slice of k overwrites C; later ones add to it.
            bool accumulate = pc > 0;
            GEMM_NAME(pack_b)(kc, nc, GEMM_AT(b, ldb, trans_b, pc, jc), ldb, trans_b, packed_b);
            for (ptrdiff_t ic = 0; ic < m; ic += GEMM_MC) {
                ptrdiff_t mc = m - ic < GEMM_MC ? m - ic : GEMM_MC;
                GEMM_NAME(pack_a)(mc, kc, GEMM_AT(a, lda, trans_a, ic, pc), lda, trans_a, packed_a);
                for (ptrdiff_t jr = 0; jr < nc; jr += GEMM_NR) {
                    ptrdiff_t cols = nc - jr < GEMM_NR ? nc - jr : GEMM_NR;
                    const GEMM_T *panel_b = packed_b + jr * kc;
                    for (ptrdiff_t ir = 0; ir < mc; ir += GEMM_MR) {
                        ptrdiff_t rows = mc - ir < GEMM_MR ? mc - ir : GEMM_MR;
                        const GEMM_T *panel_a = packed_a + ir * kc;
                        GEMM_T *tile = c + (ic + ir) * ldc + jc + jr;
                        if (rows == GEMM_MR && cols == GEMM_NR) {
                            kernel(kc, panel_a, panel_b, tile, ldc, accumulate);
                            continue;
                        }
                        kernel(kc, panel_a, panel_b, edge, GEMM_NR, false);
                        for (ptrdiff_t i = 0; i < rows; i++)
                            for (ptrdiff_t j = 0; j < cols; j++)
                                tile[i * ldc + j] = accumulate ? tile[i * ldc + j] + edge[i * GEMM_NR + j]
                                                               : edge[i * GEMM_NR + j];
                    }
                }
            }
        }
    }
}

/// The portable micro-kernel: plain C that compilers vectorise for the baseline
/// SIMD (SSE2, NEON). The tile is done in two column halves, each a 6 × 8 float
/// or 6 × 4 double block of accumulators: 12 SSE registers, where the whole tile
/// would spill out of the 16 that SSE2 has.
static void GEMM_NAME(micro_portable)(ptrdiff_t kc, const GEMM_T *a, const GEMM_T *b, GEMM_T *c, ptrdiff_t ldc,
                                      bool accumulate) {
    enum { half = GEMM_NR / 2 };
    for (int h = 0; h < 2; h++) {
        GEMM_T acc[GEMM_MR][half] = {{0}};
        const GEMM_T *pa = a, *pb = b + h * half;
        for (ptrdiff_t p = 0; p < kc; p++) {
            for (int i = 0; i < GEMM_MR; i++) {
                GEMM_T x = pa[i];
                for (int j = 0; j < half; j++) acc[i][j] += x * pb[j];
            }
            pa += GEMM_MR;
            pb += GEMM_NR;
        }
        GEMM_T *out = c + h * half;
        for (int i = 0; i < GEMM_MR; i++)
            for (int j = 0; j < half; j++)
                out[i * ldc + j] = accumulate ? out[i * ldc + j] + acc[i][j] : acc[i][j];
    }
}

/// The whole product: empty shapes, workspace, then the blocked loop (or a
/// plain loop if the workspace cannot be allocated).
static void GEMM_NAME(gemm)(GEMM_KERNEL kernel, bool trans_a, bool trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                            const GEMM_T *a, ptrdiff_t lda, const GEMM_T *b, ptrdiff_t ldb, GEMM_T *c, ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        for (ptrdiff_t i = 0; i < m; i++)
            for (ptrdiff_t j = 0; j < n; j++) c[i * ldc + j] = 0;
        return;
    }
    // Only as much workspace as this product needs: small products stay small.
    ptrdiff_t mc = m < GEMM_MC ? (m + GEMM_MR - 1) / GEMM_MR * GEMM_MR : GEMM_MC;
    ptrdiff_t nc = n < GEMM_NC ? (n + GEMM_NR - 1) / GEMM_NR * GEMM_NR : GEMM_NC;
    ptrdiff_t kc = k < GEMM_KC ? k : GEMM_KC;
    size_t a_bytes = ((size_t)(mc * kc) * sizeof(GEMM_T) + 63) / 64 * 64;
    size_t b_bytes = (size_t)(kc * nc) * sizeof(GEMM_T);
    char *space = gemm_workspace(a_bytes + b_bytes);
    if (!space) {
        for (ptrdiff_t i = 0; i < m; i++)
            for (ptrdiff_t j = 0; j < n; j++) {
                GEMM_T sum = 0;
                for (ptrdiff_t p = 0; p < k; p++)
                    sum += *GEMM_AT(a, lda, trans_a, i, p) * *GEMM_AT(b, ldb, trans_b, p, j);
                c[i * ldc + j] = sum;
            }
        return;
    }
    GEMM_NAME(blocked)(kernel, trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc,
                       (GEMM_T *)space, (GEMM_T *)(space + a_bytes));
}

#undef GEMM_AT
// The parameters are the includer's; clearing them here lets it include this file again.
#undef GEMM_T
#undef GEMM_MR
#undef GEMM_NR
#undef GEMM_MC
#undef GEMM_KC
#undef GEMM_NC
#undef GEMM_NAME
#undef GEMM_KERNEL
