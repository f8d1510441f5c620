/* common.h: what every benchmark program shares, so that they all train the
 * same network from the same start on the same data in the same order.
 *
 * The network is the article's: 784 -> 128 -> 64 -> 10, sigmoid everywhere,
 * squared error, plain SGD with batch 1. The shared start is Glorot uniform,
 * w ~ U(-l, l) with l = sqrt(6 / (fan_in + fan_out)), biases zero, drawn from
 * runtime/rng.c exactly as the generated mnist_init and the trainer draw them
 * (rng seeded with SEED, layer by layer, input-major), so the weights are
 * bit for bit those of `out/mnist/mnist --seed SEED`. The sample order is one
 * Fisher-Yates shuffle from the trainer's shuffle stream (SEED ^ golden
 * ratio), i.e. the trainer's first epoch.
 *
 * Each program prints exactly one line on stdout:
 *   impl=NAME train_sps=N infer_sps=N acc=P
 * train_sps: training samples per second over the epoch; infer_sps: samples
 * per second over one pass of the test set; acc: test accuracy in percent
 * after the epoch. Everything else goes to stderr. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "idx.h"

enum { BENCH_LAYERS = 3, BENCH_CLASSES = 10 };

/* Layer widths, input first: {784, 128, 64, 10}. */
extern const int bench_sizes[BENCH_LAYERS + 1];

typedef struct {
    /* options */
    const char *data_dir; /* --data DIR, default data/mnist */
    uint64_t seed;        /* --seed N, default 1 */
    double rate;          /* --rate R, default 0.1 (of the loss sum_j (a_j - y_j)^2) */
    size_t n_train;       /* --n-train N, default all: train on the first N of the order */
    unsigned threads;     /* --threads N, default 1: threads per batch (bench_constnet_batch only) */
    unsigned copies;      /* --copies K, default 1: K models trained at once, one thread each,
                           * nothing shared but the data (bench_constnet_batch only) */

    idx_dataset train, test; /* pixels / 255 as float, labels 0..9 */
    uint32_t *order;         /* train.n indices: the shared sample order */
    /* The shared initial parameters of layer l (0-based):
     * w[l][i * bench_sizes[l + 1] + j] is the weight from input i to output j,
     * b[l][j] the bias of output j (all zero). */
    float *w[BENCH_LAYERS];
    float *b[BENCH_LAYERS];
    float onehot[BENCH_CLASSES][BENCH_CLASSES]; /* targets: onehot[label] */
} bench_setup;

/* Parse the options, load MNIST, draw the init and the order. On failure
 * returns -1 with a one-line message in err (and frees what it took). */
int bench_setup_init(bench_setup *s, int argc, char **argv, char *err, size_t errlen);
void bench_setup_free(bench_setup *s);

/* Monotonic seconds. */
double bench_now(void);

/* Index of the largest of v[0..n), the first one on ties. */
int bench_argmax(const float *v, int n);

/* Print the one result line. */
void bench_report(const char *impl, size_t n_train, double train_seconds, size_t n_test,
                  double infer_seconds, size_t correct);

#endif
