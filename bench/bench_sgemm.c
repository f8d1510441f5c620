/* bench_sgemm.c: (d) a ceiling, not a competitor. OpenBLAS cblas_sgemm on
 * the shapes of the first layer (784 -> 128), one thread, at a few batch
 * sizes, in GFLOP/s (2 M N K flops per product). Not a training run: it only
 * shows how fast this machine multiplies matrices of this layer's shape.
 *
 *   bench_sgemm [BATCH...]     (default: 1 32 64 128)
 *
 * Prints one line per product:
 *   blas=openblas op=NAME batch=B m=M n=N k=K gflops=G
 * op=forward:  Z[B x 128] = X[B x 784] W[784 x 128]   (the layer's forward pass)
 * op=weight_grad: G[784 x 128] = X^T[784 x B] D[B x 128] (its weight gradient) */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

/* In libopenblas whatever cblas.h the alternatives system picked. */
void openblas_set_num_threads(int num_threads);
char *openblas_get_config(void);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void fill(float *a, size_t n, unsigned *state)
{
    for (size_t i = 0; i < n; ++i) {
        *state = *state * 1664525u + 1013904223u;
        a[i] = (float)(*state >> 8) * (1.0f / 16777216.0f) - 0.5f;
    }
}

/* Repeat one product for at least min_seconds (after a warm-up); GFLOP/s. */
static double time_sgemm(int trans_a, int m, int n, int k, const float *a, const float *b, float *c,
                         double min_seconds)
{
    const int lda = trans_a ? m : k;
    const enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
    cblas_sgemm(CblasRowMajor, ta, CblasNoTrans, m, n, k, 1.0f, a, lda, b, n, 0.0f, c, n);
    long reps = 0;
    const double t0 = now();
    double t;
    do {
        for (int r = 0; r < 16; ++r)
            cblas_sgemm(CblasRowMajor, ta, CblasNoTrans, m, n, k, 1.0f, a, lda, b, n, 0.0f, c, n);
        reps += 16;
        t = now() - t0;
    } while (t < min_seconds);
    return 2.0 * (double)m * (double)n * (double)k * (double)reps / t * 1e-9;
}

int main(int argc, char **argv)
{
    enum { IN = 784, OUT = 128, MAX_BATCH = 65536 };
    static const int default_batches[] = {1, 32, 64, 128};
    int nb = argc > 1 ? argc - 1 : (int)(sizeof default_batches / sizeof default_batches[0]);
    for (int q = 1; q < argc; ++q) {
        char *end;
        const long v = strtol(argv[q], &end, 10);
        if (end == argv[q] || *end != '\0' || v < 1 || v > MAX_BATCH) {
            fprintf(stderr, "bench_sgemm: error: batch '%s' is not an integer in 1..%d\n", argv[q], MAX_BATCH);
            return 2;
        }
    }
    openblas_set_num_threads(1);
    fprintf(stderr, "sgemm: %s, 1 thread\n", openblas_get_config());
    unsigned state = 1;
    for (int q = 0; q < nb; ++q) {
        const int bsz = argc > 1 ? (int)strtol(argv[q + 1], NULL, 10) : default_batches[q];
        float *x = malloc((size_t)bsz * IN * sizeof *x);
        float *w = malloc((size_t)IN * OUT * sizeof *w);
        float *z = malloc((size_t)bsz * OUT * sizeof *z);
        float *g = malloc((size_t)IN * OUT * sizeof *g);
        if (x == NULL || w == NULL || z == NULL || g == NULL) {
            fprintf(stderr, "bench_sgemm: error: out of memory\n");
            return 1;
        }
        fill(x, (size_t)bsz * IN, &state);
        fill(w, (size_t)IN * OUT, &state);
        fill(z, (size_t)bsz * OUT, &state);
        const double fwd = time_sgemm(0, bsz, OUT, IN, x, w, z, 0.5);
        printf("blas=openblas op=forward batch=%d m=%d n=%d k=%d gflops=%.2f\n", bsz, bsz, OUT, IN, fwd);
        const double wg = time_sgemm(1, IN, OUT, bsz, x, z, g, 0.5);
        printf("blas=openblas op=weight_grad batch=%d m=%d n=%d k=%d gflops=%.2f\n", bsz, IN, OUT, bsz, wg);
        fflush(stdout);
        free(x);
        free(w);
        free(z);
        free(g);
    }
    return 0;
}
