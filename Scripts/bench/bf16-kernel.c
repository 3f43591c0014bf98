// A probe, not part of Winnow: how fast the similarity products could run in bfloat16 on a CPU with
// AVX512-BF16 (vdpbf16ps: two bf16 products summed into each fp32 lane), against OpenBLAS's sgemm of
// the same shape. Built and run by Scripts/bench/bf16-products.
//
//   bf16-kernel ROWS DIM   -> one JSON line: seconds and GFLOP/s of C = A·Aᵀ (ROWS × ROWS, fp32
//                             accumulation) in bf16 and in sgemm, best of 3, one thread
//
// Deliberately simple: 8 × 32 register tiles, the right-hand side packed as column pairs in blocks
// of 256 columns (192 KiB at d = 384, inside the L2), no packing of the left-hand side. A serious
// kernel would do better, so its rate is a lower bound on what bf16 products could give.
#include <cblas.h>
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MR = 8, NR = 32, BLOCK = 256 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static uint16_t bf16(float f) {  // nearest, ties to even
    uint32_t u;
    memcpy(&u, &f, 4);
    u += 0x7FFF + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

static float widen(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 8192, d = argc > 2 ? atoi(argv[2]) : 384;
    if (n % BLOCK || d % 2) { fprintf(stderr, "ROWS must be a multiple of %d and DIM even\n", BLOCK); return 64; }
    size_t nd = (size_t)n * d, pairs = (size_t)d / 2;
    float *x = malloc(nd * 4);
    uint16_t *a = aligned_alloc(64, nd * 2);
    uint32_t *packed = aligned_alloc(64, nd * 2);
    float *c = aligned_alloc(64, (size_t)n * n * 4), *c32 = aligned_alloc(64, (size_t)n * n * 4);
    srand(1);
    for (size_t i = 0; i < nd; i++) { x[i] = (float)rand() / RAND_MAX - 0.5f; a[i] = bf16(x[i]); }
    for (int jb = 0; jb < n; jb += NR)
        for (size_t p = 0; p < pairs; p++)
            for (int j = 0; j < NR; j++)
                packed[(size_t)jb * pairs + p * NR + j] =
                    a[(size_t)(jb + j) * d + 2 * p] | (uint32_t)a[(size_t)(jb + j) * d + 2 * p + 1] << 16;

    double best = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        for (int block = 0; block < n; block += BLOCK)
            for (int i = 0; i < n; i += MR)
                for (int jb = block; jb < block + BLOCK; jb += NR) {
                    __m512 acc[MR][2];
                    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
                    const uint32_t *b = packed + (size_t)jb * pairs, *rows = (const uint32_t *)(a + (size_t)i * d);
                    for (size_t p = 0; p < pairs; p++) {
                        __m512bh b0 = (__m512bh)_mm512_load_si512(b + p * NR);
                        __m512bh b1 = (__m512bh)_mm512_load_si512(b + p * NR + 16);
                        for (int r = 0; r < MR; r++) {
                            __m512bh v = (__m512bh)_mm512_set1_epi32((int)rows[(size_t)r * pairs + p]);
                            acc[r][0] = _mm512_dpbf16_ps(acc[r][0], v, b0);
                            acc[r][1] = _mm512_dpbf16_ps(acc[r][1], v, b1);
                        }
                    }
                    for (int r = 0; r < MR; r++) {
                        _mm512_storeu_ps(c + (size_t)(i + r) * n + jb, acc[r][0]);
                        _mm512_storeu_ps(c + (size_t)(i + r) * n + jb + 16, acc[r][1]);
                    }
                }
        double t = now() - t0;
        if (t < best) best = t;
    }
    double best32 = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, d, 1, x, d, x, d, 0, c32, n);
        double t = now() - t0;
        if (t < best32) best32 = t;
    }
    // The bf16 result against the same rounded inputs multiplied in double: it must agree to fp32 rounding.
    double worst = 0;
    for (int s = 0; s < 64; s++) {
        int i = (s * 977) % n, j = (s * 7919 + 13) % n;
        double ref = 0;
        for (int k = 0; k < d; k++) ref += (double)widen(a[(size_t)i * d + k]) * widen(a[(size_t)j * d + k]);
        double e = c[(size_t)i * n + j] - ref;
        if (e < 0) e = -e;
        if (e > worst) worst = e;
    }
    double flop = 2.0 * n * n * d;
    printf("{\"rows\": %d, \"dim\": %d, \"bf16_s\": %.4f, \"bf16_gflops\": %.1f, \"sgemm_s\": %.4f, "
           "\"sgemm_gflops\": %.1f, \"speedup\": %.2f, \"max_abs_error\": %.2g}\n",
           n, d, best, flop / best / 1e9, best32, flop / best32 / 1e9, best32 / best, worst);
    return worst < 1e-4 ? 0 : 1;
}
