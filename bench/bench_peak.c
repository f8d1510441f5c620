/* bench_peak.c: the single-thread float FMA peak of this core, measured, as
 * the ceiling for the GFLOP/s of the mini-batch table in bench/RESULTS.md.
 *
 * 16 independent chains of fused multiply-adds on vectors (acc = acc * m + c),
 * enough to cover the FMA latency times the number of FMA pipes on current
 * x86 cores, so the loop runs at the FMA throughput. 2 flops per lane per FMA.
 * Built with -O2 -march=native: 512-bit vectors when the compiler may use
 * AVX-512F, else 256-bit with FMA, else 128-bit SSE multiply and add (then
 * not fused; counted the same).
 *
 * Prints: peak isa=NAME bits=N gflops=G */
#define _POSIX_C_SOURCE 199309L
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#if defined(__AVX512F__)
#define ISA "avx512f"
typedef __m512 vec;
#define SET1 _mm512_set1_ps
#define FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define ADD _mm512_add_ps
#define STORE _mm512_storeu_ps
#elif defined(__FMA__) && defined(__AVX__)
#define ISA "avx2-fma"
typedef __m256 vec;
#define SET1 _mm256_set1_ps
#define FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define ADD _mm256_add_ps
#define STORE _mm256_storeu_ps
#else
#define ISA "sse"
typedef __m128 vec;
#define SET1 _mm_set1_ps
#define FMA(a, b, c) _mm_add_ps(_mm_mul_ps(a, b), c)
#define ADD _mm_add_ps
#define STORE _mm_storeu_ps
#endif
enum { LANES = sizeof(vec) / sizeof(float), CHAINS = 16 };

/* iters x CHAINS FMAs; returns a sum that depends on all of them. The chains
 * are named variables, not an array, so that they live in registers. */
static float run(long iters, float m, float c)
{
    const vec vm = SET1(m), vc = SET1(c);
    vec a0 = SET1(0.00f), a1 = SET1(0.01f), a2 = SET1(0.02f), a3 = SET1(0.03f);
    vec a4 = SET1(0.04f), a5 = SET1(0.05f), a6 = SET1(0.06f), a7 = SET1(0.07f);
    vec a8 = SET1(0.08f), a9 = SET1(0.09f), a10 = SET1(0.10f), a11 = SET1(0.11f);
    vec a12 = SET1(0.12f), a13 = SET1(0.13f), a14 = SET1(0.14f), a15 = SET1(0.15f);
    for (long i = 0; i < iters; ++i) {
        a0 = FMA(a0, vm, vc);
        a1 = FMA(a1, vm, vc);
        a2 = FMA(a2, vm, vc);
        a3 = FMA(a3, vm, vc);
        a4 = FMA(a4, vm, vc);
        a5 = FMA(a5, vm, vc);
        a6 = FMA(a6, vm, vc);
        a7 = FMA(a7, vm, vc);
        a8 = FMA(a8, vm, vc);
        a9 = FMA(a9, vm, vc);
        a10 = FMA(a10, vm, vc);
        a11 = FMA(a11, vm, vc);
        a12 = FMA(a12, vm, vc);
        a13 = FMA(a13, vm, vc);
        a14 = FMA(a14, vm, vc);
        a15 = FMA(a15, vm, vc);
    }
    vec s = ADD(ADD(ADD(ADD(a0, a1), ADD(a2, a3)), ADD(ADD(a4, a5), ADD(a6, a7))),
                ADD(ADD(ADD(a8, a9), ADD(a10, a11)), ADD(ADD(a12, a13), ADD(a14, a15))));
    float out[LANES];
    STORE(out, s);
    float total = 0.0f;
    for (int j = 0; j < LANES; ++j)
        total += out[j];
    return total;
}

int main(void)
{
    volatile float m = 0.999999f, c = 1e-7f; /* opaque to the compiler; values stay finite */
    float sink = run(1000000, m, c);        /* warm-up: clocks up, pages in */
    double best = 0.0;
    for (int rep = 0; rep < 5; ++rep) {
        const long iters = 20000000;
        const double t0 = now();
        sink += run(iters, m, c);
        const double t = now() - t0;
        const double gflops = 2.0 * LANES * CHAINS * (double)iters / t * 1e-9;
        if (gflops > best)
            best = gflops;
    }
    fprintf(stderr, "peak: checksum %g\n", (double)sink);
    printf("peak isa=%s bits=%d gflops=%.2f\n", ISA, (int)(8 * sizeof(vec)), best);
    return 0;
}
