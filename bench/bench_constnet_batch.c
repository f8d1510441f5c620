/* bench_constnet_batch.c: (e) the generated code at a fixed mini-batch size,
 * driven through its batched typed API: mnistb_batch_forward,
 * mnistb_batch_backward (the mean gradient over the batch) and mnistb_update
 * (plain SGD), one call each per batch.
 *
 * Built once per batch size against bench/work/gen_b<B>/mnistb.{h,c}, which
 * bench/run.sh generates with
 *   lua5.4 gen/constnet.lua nets/mnist.lua --batch B --name mnistb
 * so the batch size is the generated MNISTB_BATCH, not a runtime value.
 *
 * The same start and order as the other programs (common.h); the samples are
 * taken in that order, B at a time, and the last batch of the epoch holds the
 * remainder (60,000 = 468 x 128 + 96), passed as n. The gather of each batch
 * (copying its rows into the batch struct) is timed, as PyTorch's indexing is.
 * Inference runs mnistb_batch_forward over the test set, B images at a time.
 * Prints: impl=constnet_b<B> train_sps=N infer_sps=N acc=P */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "err.h"
#include "mnistb.h"
#include "rng.h"

enum { B = MNISTB_BATCH };

static void load_params(mnistb_params *p, const bench_setup *s)
{
    for (int i = 0; i < MNISTB_IN; ++i)
        for (int j = 0; j < MNISTB_L1; ++j)
            p->l1.w[i][j] = s->w[0][i * MNISTB_L1 + j];
    for (int j = 0; j < MNISTB_L1; ++j)
        p->l1.b[j] = s->b[0][j];
    for (int i = 0; i < MNISTB_L1; ++i)
        for (int j = 0; j < MNISTB_L2; ++j)
            p->l2.w[i][j] = s->w[1][i * MNISTB_L2 + j];
    for (int j = 0; j < MNISTB_L2; ++j)
        p->l2.b[j] = s->b[1][j];
    for (int i = 0; i < MNISTB_L2; ++i)
        for (int j = 0; j < MNISTB_OUT; ++j)
            p->l3.w[i][j] = s->w[2][i * MNISTB_OUT + j];
    for (int j = 0; j < MNISTB_OUT; ++j)
        p->l3.b[j] = s->b[2][j];
}

int main(int argc, char **argv)
{
    char err[ERR_MAX];
    bench_setup s;
    if (bench_setup_init(&s, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (bench_sizes[0] != MNISTB_IN || bench_sizes[1] != MNISTB_L1 || bench_sizes[2] != MNISTB_L2 ||
        bench_sizes[3] != MNISTB_OUT) {
        fprintf(stderr, "bench_constnet_batch: error: generated sizes differ from 784-128-64-10\n");
        bench_setup_free(&s);
        return 1;
    }

    mnistb_params *p = malloc(sizeof *p);
    mnistb_params *ref = malloc(sizeof *ref);
    mnistb_grads *g = malloc(sizeof *g);
    mnistb_batch_deltas *d = malloc(sizeof *d);
    mnistb_batch_acts *a = malloc(sizeof *a);
    mnistb_batch_input *xb = malloc(sizeof *xb);
    mnistb_batch_target *tb = malloc(sizeof *tb);
    if (p == NULL || ref == NULL || g == NULL || d == NULL || a == NULL || xb == NULL || tb == NULL) {
        fprintf(stderr, "bench_constnet_batch: error: out of memory\n");
        return 1;
    }
    memset(xb, 0, sizeof *xb);
    memset(tb, 0, sizeof *tb);
    load_params(p, &s);

    rng_state rng;
    rng_seed(&rng, s.seed);
    mnistb_init(ref, rng_uniform_cb, &rng);
    if (memcmp(ref, p, sizeof *p) != 0)
        fprintf(stderr, "bench_constnet_batch: note: mnistb_init(seed %llu) differs from the shared init\n",
                (unsigned long long)s.seed);
    free(ref);

    const float rate = (float)s.rate;
    mnistb_opt opt;
    memset(&opt, 0, sizeof opt);
    double loss = 0.0;
    const double t0 = bench_now();
    for (size_t k = 0; k < s.n_train; k += B) {
        const int n = s.n_train - k < (size_t)B ? (int)(s.n_train - k) : B;
        for (int r = 0; r < n; ++r) {
            const uint32_t idx = s.order[k + (size_t)r];
            memcpy(xb->row[r].v, s.train.x + (size_t)idx * MNISTB_IN, sizeof xb->row[r].v);
            memcpy(tb->row[r].v, s.onehot[s.train.y[idx]], sizeof tb->row[r].v);
        }
        mnistb_batch_forward(a, p, xb);
        loss += mnistb_batch_backward(g, d, p, a, xb, tb, n);
        mnistb_update(p, &opt, g, rate);
    }
    const double t1 = bench_now();

    size_t correct = 0;
    const double t2 = bench_now();
    for (size_t k = 0; k < s.test.n; k += B) {
        const int n = s.test.n - k < (size_t)B ? (int)(s.test.n - k) : B;
        for (int r = 0; r < n; ++r)
            memcpy(xb->row[r].v, s.test.x + (k + (size_t)r) * MNISTB_IN, sizeof xb->row[r].v);
        mnistb_batch_forward(a, p, xb);
        for (int r = 0; r < n; ++r)
            correct += (size_t)(bench_argmax(a->out.row[r].v, MNISTB_OUT) == (int)s.test.y[k + (size_t)r]);
    }
    const double t3 = bench_now();

    char impl[32];
    snprintf(impl, sizeof impl, "constnet_b%d", B);
    fprintf(stderr, "%s: mean training loss %.6f, %llu updates\n", impl, loss / (double)s.n_train,
            (unsigned long long)opt.step);
    bench_report(impl, s.n_train, t1 - t0, s.test.n, t3 - t2, correct);

    free(p);
    free(g);
    free(d);
    free(a);
    free(xb);
    free(tb);
    bench_setup_free(&s);
    return 0;
}
