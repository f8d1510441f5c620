/* bench_constnet.c: (a) the generated code, driven through its typed API
 * (mnist.h from nets/mnist.lua), without the runtime's training loop.
 * Built against bench/work/gen/mnist.{h,c}; see bench/run.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "err.h"
#include "mnist.h"
#include "rng.h"

/* Copy the shared start into the generated parameter structs. */
static void load_params(mnist_params *p, const bench_setup *s)
{
    for (int i = 0; i < MNIST_IN; ++i)
        for (int j = 0; j < MNIST_L1; ++j)
            p->l1.w[i][j] = s->w[0][i * MNIST_L1 + j];
    for (int j = 0; j < MNIST_L1; ++j)
        p->l1.b[j] = s->b[0][j];
    for (int i = 0; i < MNIST_L1; ++i)
        for (int j = 0; j < MNIST_L2; ++j)
            p->l2.w[i][j] = s->w[1][i * MNIST_L2 + j];
    for (int j = 0; j < MNIST_L2; ++j)
        p->l2.b[j] = s->b[1][j];
    for (int i = 0; i < MNIST_L2; ++i)
        for (int j = 0; j < MNIST_OUT; ++j)
            p->l3.w[i][j] = s->w[2][i * MNIST_OUT + j];
    for (int j = 0; j < MNIST_OUT; ++j)
        p->l3.b[j] = s->b[2][j];
}

/* The data as the typed API takes it: one mnist_input per image. Converted
 * once, before any timing, as a program built on mnist.h would store it. */
static mnist_input *to_inputs(const idx_dataset *d)
{
    mnist_input *xs = malloc(d->n * sizeof *xs);
    if (xs != NULL)
        for (size_t k = 0; k < d->n; ++k)
            memcpy(xs[k].v, d->x + k * MNIST_IN, sizeof xs[k].v);
    return xs;
}

int main(int argc, char **argv)
{
    char err[ERR_MAX];
    bench_setup s;
    if (bench_setup_init(&s, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (bench_sizes[0] != MNIST_IN || bench_sizes[1] != MNIST_L1 || bench_sizes[2] != MNIST_L2 ||
        bench_sizes[3] != MNIST_OUT) {
        fprintf(stderr, "bench_constnet: error: generated sizes differ from 784-128-64-10\n");
        bench_setup_free(&s);
        return 1;
    }

    /* The weights on a 64-byte boundary, as a program that cares about speed
     * allocates them: each row of w is then whole cache lines, and no vector
     * load of a row straddles two (malloc's 16-byte alignment cost 7% of
     * inference and 16% of training speed on the benchmark machine). */
    mnist_params *p = aligned_alloc(64, (sizeof *p + 63) / 64 * 64);
    mnist_params *ref = malloc(sizeof *ref);
    mnist_input *xtrain = to_inputs(&s.train);
    mnist_input *xtest = to_inputs(&s.test);
    mnist_target *targets = malloc(BENCH_CLASSES * sizeof *targets);
    if (p == NULL || ref == NULL || xtrain == NULL || xtest == NULL || targets == NULL) {
        fprintf(stderr, "bench_constnet: error: out of memory\n");
        return 1;
    }
    for (int c = 0; c < BENCH_CLASSES; ++c)
        memcpy(targets[c].v, s.onehot[c], sizeof targets[c].v);
    load_params(p, &s);

    /* The shared init is meant to be the generated init: say so if not. */
    rng_state rng;
    rng_seed(&rng, s.seed);
    mnist_init(ref, rng_uniform_cb, &rng);
    if (memcmp(ref, p, sizeof *p) != 0)
        fprintf(stderr, "bench_constnet: note: mnist_init(seed %llu) differs from the shared init\n",
                (unsigned long long)s.seed);
    free(ref);

    const float rate = (float)s.rate;
    mnist_acts acts;
    mnist_deltas deltas;
    double loss = 0.0;
    const double t0 = bench_now();
    for (size_t k = 0; k < s.n_train; ++k) {
        const uint32_t n = s.order[k];
        loss += mnist_train_step(p, &deltas, &acts, &xtrain[n], &targets[s.train.y[n]], rate);
    }
    const double t1 = bench_now();

    size_t correct = 0;
    mnist_output y;
    const double t2 = bench_now();
    for (size_t k = 0; k < s.test.n; ++k)
        correct += (size_t)(mnist_predict(&y, p, &xtest[k]) == (int)s.test.y[k]);
    const double t3 = bench_now();

    fprintf(stderr, "constnet: mean training loss %.6f\n", loss / (double)s.n_train);
    bench_report("constnet", s.n_train, t1 - t0, s.test.n, t3 - t2, correct);

    free(p);
    free(xtrain);
    free(xtest);
    free(targets);
    bench_setup_free(&s);
    return 0;
}
