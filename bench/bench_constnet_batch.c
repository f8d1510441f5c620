/* bench_constnet_batch.c: (e) the generated code at a fixed mini-batch size,
 * driven through its batched typed API in the phases the header documents
 * (mnistb_batch_prepare, mnistb_batch_forward_rows, mnistb_batch_deltas_rows,
 * and mnistb_batch_step: the mean gradient over the batch with plain SGD fused
 * in, as the trainer runs it), on --threads N threads (OpenMP; default 1): each thread takes its
 * part of every phase, with a barrier between phases, as the trainer does.
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
 * Prints: impl=constnet_b<B>_t<N> train_sps=N infer_sps=N acc=P loss=L
 *         phases fwd_s=S dx_s=S grad_s=S upd_s=S other_s=S
 * the wall seconds of the epoch spent in the forward pass, the input
 * gradients (with the transposed weights), the weight gradients with the
 * update fused in (upd_s is then 0), the rest (each thread gathering its rows, the loss). The phases are
 * timed by thread 0 after a barrier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "err.h"
#include "mnistb.h"
#include "rng.h"

#if defined(__GNUC__)
#define BENCH_PREFETCH(p) __builtin_prefetch((p), 0, 1)
#else
#define BENCH_PREFETCH(p) ((void)(p))
#endif

#ifdef _OPENMP
#include <omp.h>
#define BARRIER _Pragma("omp barrier")
#else
#define BARRIER
#endif

enum { B = MNISTB_BATCH };
#define ALIGN64(n) (((n) + 63) / 64 * 64) /* aligned_alloc wants a multiple of the alignment */
#define ALIGN4K(n) (((n) + 4095) / 4096 * 4096)

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

    /* on 64-byte boundaries, as bench_constnet.c allocates its parameters:
     * rows of weights and of the batch then start on a cache line */
    mnistb_params *p = aligned_alloc(64, ALIGN64(sizeof *p));
    mnistb_params *ref = malloc(sizeof *ref);
    mnistb_batch_deltas *d = aligned_alloc(64, ALIGN64(sizeof *d));
    mnistb_batch_acts *a = aligned_alloc(64, ALIGN64(sizeof *a));
    mnistb_batch_input *xb = aligned_alloc(64, ALIGN64(sizeof *xb));
    mnistb_batch_target *tb = malloc(sizeof *tb);
    if (p == NULL || ref == NULL || d == NULL || a == NULL || xb == NULL || tb == NULL) {
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
    double ph[5] = {0}; /* forward, input gradients, weight gradients, update, rest */
    const int threads = (int)s.threads;
#ifndef _OPENMP
    if (threads > 1) {
        fprintf(stderr, "bench_constnet_batch: error: --threads %d, but built without OpenMP\n", threads);
        return 1;
    }
#endif
    /* The training images copied once into memory written just now, before the
     * clock starts: on the VM of bench/RESULTS.md, gathering rows from the
     * loader's buffer took from 0.01 to 0.3 s an epoch, run to run (the same
     * copies; the state of the pages, not the code), and a fresh copy is what
     * a training loop that keeps its data set in memory works from. */
    float *train_x = aligned_alloc(4096, ALIGN4K((size_t)s.train.n * MNISTB_IN * sizeof(float)));
    if (train_x == NULL) {
        fprintf(stderr, "bench_constnet_batch: error: out of memory\n");
        return 1;
    }
    memcpy(train_x, s.train.x, (size_t)s.train.n * MNISTB_IN * sizeof(float));
    const double t0 = bench_now();
    for (size_t k = 0; k < s.n_train; k += B) {
        const double g0 = bench_now();
        const int n = s.n_train - k < (size_t)B ? (int)(s.n_train - k) : B;
        double ts[5] = {0};
#pragma omp parallel num_threads(threads) if (threads > 1)
        {
#ifdef _OPENMP
            const int part = omp_get_thread_num(), parts = omp_get_num_threads();
#else
            const int part = 0, parts = 1;
#endif
            int s0, s1;
            mnistb_batch_rows(part, parts, &s0, &s1);
            for (int r = s0; r < s1 && r < n; ++r) { /* each thread gathers its own rows */
                const uint32_t idx = s.order[k + (size_t)r];
                memcpy(xb->row[r].v, train_x + (size_t)idx * MNISTB_IN, sizeof xb->row[r].v);
                memcpy(tb->row[r].v, s.onehot[s.train.y[idx]], sizeof tb->row[r].v);
            }
            if (part == 0)
                ts[0] = bench_now();
            mnistb_batch_forward_rows(a, p, xb, s0, s1);
            BARRIER
            if (part == 0)
                ts[1] = bench_now();
            mnistb_batch_prepare(d, p, part, parts);
            BARRIER
            mnistb_batch_deltas_rows(d, p, a, tb, n, s0, s1);
            BARRIER
            if (part == 0)
                ts[2] = bench_now();
            mnistb_batch_step(p, d, a, xb, n, rate, part, parts); /* the gradient with SGD fused in */
            BARRIER
            if (part == 0)
                ts[3] = bench_now();
            /* the next batch's rows, fetched while the others finish (the training
             * set is far larger than the caches, and its rows come in random order) */
            for (int r = s0; r < s1 && k + B + (size_t)r < s.n_train; ++r)
                for (size_t o = 0; o < MNISTB_IN; o += 16)
                    BENCH_PREFETCH(train_x + (size_t)s.order[k + B + (size_t)r] * MNISTB_IN + o);
        }
        ts[4] = bench_now();
        opt.step += 1;
        loss += mnistb_batch_loss(a, tb, n);
        const double g1 = bench_now();
        for (int q = 0; q < 4; ++q)
            ph[q] += ts[q + 1] - ts[q];
        ph[4] += (ts[0] - g0) + (g1 - ts[4]);
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

    char impl[48];
    snprintf(impl, sizeof impl, "constnet_b%d_t%d", B, threads);
    fprintf(stderr, "%s: mean training loss %.9f, %llu updates\n", impl, loss / (double)s.n_train,
            (unsigned long long)opt.step);
    printf("impl=%s train_sps=%.0f infer_sps=%.0f acc=%.2f loss=%.9f\n", impl, (double)s.n_train / (t1 - t0),
           (double)s.test.n / (t3 - t2), 100.0 * (double)correct / (double)s.test.n, loss / (double)s.n_train);
    printf("phases fwd_s=%.6f dx_s=%.6f grad_s=%.6f upd_s=%.6f other_s=%.6f\n", ph[0], ph[1], ph[2], ph[3], ph[4]);
    fflush(stdout);

    free(train_x);
    free(p);
    free(d);
    free(a);
    free(xb);
    free(tb);
    bench_setup_free(&s);
    return 0;
}
