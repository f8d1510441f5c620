/* bench_cnn.c: (g) a generated convolutional network, trained and run through
 * its runtime descriptor, as the trainer drives it: N training samples of
 * MNIST in batches of the spec's size (the rate and optimizer the spec sets),
 * then inference over the test set one image at a time.
 *
 *   bench_cnn MNIST_DIR N_TRAIN SEED [THREADS]
 *
 * THREADS (default 1) split each batch, as the trainer's --threads does.
 * Prints one line, as the other C programs of bench/run.sh do:
 *   impl=constnet_cnn_b<B>_t<THREADS> train_sps=N infer_sps=N acc=P loss=L
 * Samples are taken in order 0..N-1 (the same as bench_torch_cnn.py), with no
 * augmentation and with dropout masks drawn per batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "err.h"
#include "idx.h"
#include "rng.h"
#include "train.h"

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: bench_cnn MNIST_DIR N_TRAIN SEED [THREADS]\n");
        return 2;
    }
    const unsigned threads = argc == 5 ? (unsigned)strtoul(argv[4], NULL, 10) : 1;
    if (threads < 1 || threads > 256) {
        fprintf(stderr, "bench_cnn: error: THREADS '%s' is not from 1 to 256\n", argv[4]);
        return 2;
    }
    const train_net *net = &train_net_desc;
    char err[ERR_MAX];
    idx_dataset train, test;
    if (idx_load_mnist(&train, argv[1], "train", net->n_out, err, sizeof err) != 0 ||
        idx_load_mnist(&test, argv[1], "t10k", net->n_out, err, sizeof err) != 0) {
        fprintf(stderr, "bench_cnn: %s\n", err);
        return 1;
    }
    const size_t n = (size_t)strtoul(argv[2], NULL, 10) < train.n ? (size_t)strtoul(argv[2], NULL, 10) : train.n;
    train_state s;
    if (train_state_init(&s, net, strtoull(argv[3], NULL, 10), err, sizeof err) != 0) {
        fprintf(stderr, "bench_cnn: %s\n", err);
        return 1;
    }
    const unsigned B = net->batch, I = net->n_in, O = net->n_out;
    rng_state noise;
    rng_seed(&noise, 7);
    double loss = 0.0;
    const double t0 = bench_now();
    for (size_t first = 0; first < n; first += B) {
        const unsigned rows = (unsigned)(n - first < B ? n - first : B);
        memset(s.t, 0, (size_t)B * O * sizeof *s.t);
        for (unsigned r = 0; r < rows; ++r) {
            memcpy(s.x + (size_t)r * I, train.x + (first + r) * train.dim, I * sizeof *s.x);
            s.t[(size_t)r * O + train.y[first + r]] = 1.0f;
        }
        if (net->draw_masks != NULL)
            net->draw_masks(s.work, rng_uniform_cb, &noise);
        loss += net->train_batch(s.params, s.opt, s.work, s.x, s.t, rows, net->rate, s.out, threads);
    }
    const double t1 = bench_now();
    size_t right = 0;
    float *out = malloc(O * sizeof *out);
    for (size_t k = 0; k < test.n; ++k) {
        net->predict(s.params, test.x + k * test.dim, out);
        right += train_argmax(out, O) == test.y[k];
    }
    const double t2 = bench_now();
    printf("impl=constnet_cnn_b%u_t%u train_sps=%.0f infer_sps=%.0f acc=%.2f loss=%.4f\n", B, threads,
           (double)n / (t1 - t0),
           (double)test.n / (t2 - t1), 100.0 * (double)right / (double)test.n, loss / (double)n);
    free(out);
    train_state_free(&s);
    idx_dataset_free(&train);
    idx_dataset_free(&test);
    return 0;
}
