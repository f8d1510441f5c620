/* common.c: options, MNIST, the shared initial weights and sample order (see
 * common.h). Built with runtime/idx.c, runtime/err.c and runtime/rng.c. */
#define _POSIX_C_SOURCE 199309L
#include "common.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "rng.h"

const int bench_sizes[BENCH_LAYERS + 1] = {784, 128, 64, 10};

/* The trainer's shuffle stream (runtime/main.c, MAIN_SHUFFLE_STREAM). */
#define BENCH_SHUFFLE_STREAM 0x9e3779b97f4a7c15u

static int parse_u64(const char *flag, const char *text, uint64_t *out, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    if (text == NULL || *text == '\0' || *text == '-')
        return err_set(err, errlen, flag, "expected a non-negative integer");
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return err_set(err, errlen, flag, "'%s' is not a non-negative integer", text);
    *out = (uint64_t)v;
    return 0;
}

static int parse_options(bench_setup *s, int argc, char **argv, char *err, size_t errlen)
{
    s->data_dir = "data/mnist";
    s->seed = 1;
    s->rate = 0.1;
    s->n_train = 0;
    s->threads = 1;
    s->copies = 1;
    for (int k = 1; k < argc; ++k) {
        const char *flag = argv[k];
        const char *val = k + 1 < argc ? argv[k + 1] : NULL;
        if (strcmp(flag, "--data") != 0 && strcmp(flag, "--seed") != 0 && strcmp(flag, "--rate") != 0 &&
            strcmp(flag, "--n-train") != 0 && strcmp(flag, "--threads") != 0 && strcmp(flag, "--copies") != 0)
            return err_set(err, errlen, flag,
                           "unknown option (known: --data DIR, --seed N, --rate R, --n-train N, --threads N, --copies K)");
        if (val == NULL)
            return err_set(err, errlen, flag, "missing value");
        ++k;
        if (strcmp(flag, "--data") == 0) {
            s->data_dir = val;
        } else if (strcmp(flag, "--seed") == 0) {
            if (parse_u64(flag, val, &s->seed, err, errlen) != 0)
                return -1;
        } else if (strcmp(flag, "--threads") == 0 || strcmp(flag, "--copies") == 0) {
            uint64_t n = 0;
            if (parse_u64(flag, val, &n, err, errlen) != 0)
                return -1;
            if (n == 0 || n > 256)
                return err_set(err, errlen, flag, "must be from 1 to 256");
            *(strcmp(flag, "--threads") == 0 ? &s->threads : &s->copies) = (unsigned)n;
        } else if (strcmp(flag, "--n-train") == 0) {
            uint64_t n = 0;
            if (parse_u64(flag, val, &n, err, errlen) != 0)
                return -1;
            if (n == 0)
                return err_set(err, errlen, flag, "must be at least 1");
            s->n_train = (size_t)n;
        } else {
            char *end;
            errno = 0;
            double r = strtod(val, &end);
            if (errno != 0 || *end != '\0' || !(r > 0.0) || !isfinite(r))
                return err_set(err, errlen, flag, "'%s' is not a positive number", val);
            s->rate = r;
        }
    }
    return 0;
}

int bench_setup_init(bench_setup *s, int argc, char **argv, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (parse_options(s, argc, argv, err, errlen) != 0)
        return -1;
    if (idx_load_mnist(&s->train, s->data_dir, "train", BENCH_CLASSES, err, errlen) != 0 ||
        idx_load_mnist(&s->test, s->data_dir, "t10k", BENCH_CLASSES, err, errlen) != 0) {
        bench_setup_free(s);
        return -1;
    }
    if (s->train.dim != (size_t)bench_sizes[0] || s->test.dim != (size_t)bench_sizes[0] ||
        s->train.n == 0 || s->test.n == 0) {
        err_set(err, errlen, s->data_dir, "expected non-empty MNIST sets of %d pixels per image",
                bench_sizes[0]);
        bench_setup_free(s);
        return -1;
    }
    if (s->n_train == 0 || s->n_train > s->train.n)
        s->n_train = s->train.n;

    for (int l = 0; l < BENCH_LAYERS; ++l) {
        const size_t nin = (size_t)bench_sizes[l], nout = (size_t)bench_sizes[l + 1];
        s->w[l] = malloc(nin * nout * sizeof(float));
        s->b[l] = calloc(nout, sizeof(float));
        if (s->w[l] == NULL || s->b[l] == NULL) {
            bench_setup_free(s);
            return err_set(err, errlen, "bench", "out of memory");
        }
    }
    s->order = malloc(s->train.n * sizeof *s->order);
    if (s->order == NULL) {
        bench_setup_free(s);
        return err_set(err, errlen, "bench", "out of memory");
    }

    /* Glorot uniform, drawn as the generated mnist_init draws it: the same
     * double arithmetic, then one rounding to float. */
    rng_state rng;
    rng_seed(&rng, s->seed);
    for (int l = 0; l < BENCH_LAYERS; ++l) {
        const size_t nin = (size_t)bench_sizes[l], nout = (size_t)bench_sizes[l + 1];
        const double limit = sqrt(6.0 / (double)(nin + nout));
        for (size_t i = 0; i < nin; ++i)
            for (size_t j = 0; j < nout; ++j)
                s->w[l][i * nout + j] = (float)(-limit + 2.0 * limit * rng_uniform(&rng));
    }

    for (size_t k = 0; k < s->train.n; ++k)
        s->order[k] = (uint32_t)k;
    rng_state shuffle;
    rng_seed(&shuffle, s->seed ^ BENCH_SHUFFLE_STREAM);
    rng_shuffle(&shuffle, s->order, s->train.n);

    for (int c = 0; c < BENCH_CLASSES; ++c)
        for (int j = 0; j < BENCH_CLASSES; ++j)
            s->onehot[c][j] = c == j ? 1.0f : 0.0f;
    return 0;
}

void bench_setup_free(bench_setup *s)
{
    idx_dataset_free(&s->train);
    idx_dataset_free(&s->test);
    free(s->order);
    s->order = NULL;
    for (int l = 0; l < BENCH_LAYERS; ++l) {
        free(s->w[l]);
        free(s->b[l]);
        s->w[l] = NULL;
        s->b[l] = NULL;
    }
}

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int bench_argmax(const float *v, int n)
{
    int best = 0;
    for (int j = 1; j < n; ++j)
        if (v[j] > v[best])
            best = j;
    return best;
}

void bench_report(const char *impl, size_t n_train, double train_seconds, size_t n_test,
                  double infer_seconds, size_t correct)
{
    printf("impl=%s train_sps=%.0f infer_sps=%.0f acc=%.2f\n", impl, (double)n_train / train_seconds,
           (double)n_test / infer_seconds, 100.0 * (double)correct / (double)n_test);
    fflush(stdout);
}
