/* bench_constnet_batch.c: (e) the generated code at a fixed mini-batch size,
 * driven through its batched typed API as the trainer runs it: each of
 * --threads N threads (OpenMP; default 1) gathers its rows of the batch
 * (mnistb_batch_rows), then every thread runs each of the MNISTB_BATCH_STAGES
 * stages of mnistb_batch_train_stage (the forward pass, the input gradients,
 * the weight gradients with plain SGD fused in) with a barrier before each.
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
 *
 * --copies K (K > 1): K models trained at once, one thread each, each from the
 * same start on its own memory, sharing only the training images: what K
 * cores give when nothing moves between them, the ceiling for K threads on
 * one model. train_sps counts the samples of all K.
 *
 * Prints: impl=constnet_b<B>_t<N> (or _c<K>) train_sps=N infer_sps=N acc=P loss=L
 *         stages s0=S s1=S ... other_s=S busy_s0_t0=S busy_s0_t1=S ...
 * the wall seconds of the epoch in each stage (timed by thread 0 from the
 * barrier before it to the barrier after it), the rest (the gather, the
 * loss), and the seconds each thread t spent in stage q's own work, without
 * the wait at the barrier after it (busy_sq_tt; copy 0's with --copies). */
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
/* one thread: the parallel regions below run once, as plain blocks */
#pragma GCC diagnostic ignored "-Wunknown-pragmas"
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

/* One model's training state, on 64-byte boundaries as bench_constnet.c
 * allocates its parameters: rows of weights and of the batch then start on a
 * cache line. */
typedef struct {
    mnistb_params *p;
    mnistb_batch_deltas *d;
    mnistb_batch_acts *a;
    mnistb_batch_input *xb[2]; /* two batch buffers, used in turn */
    mnistb_batch_target *tb[2];
    mnistb_opt opt;
    double loss;                            /* summed over the epoch */
    double ph[MNISTB_BATCH_STAGES + 1];     /* seconds in each stage, then the rest */
    double *busy; /* busy[p * STAGES + q]: seconds thread p spent in stage q's own work */
} model;

static void model_free(model *m)
{
    free(m->p);
    free(m->d);
    free(m->a);
    free(m->busy);
    for (int k = 0; k < 2; ++k) {
        free(m->xb[k]);
        free(m->tb[k]);
    }
}

static int model_init(model *m, const bench_setup *s, int threads) /* 0, or -1 (out of memory) */
{
    memset(m, 0, sizeof *m);
    m->p = aligned_alloc(64, ALIGN64(sizeof *m->p));
    m->d = aligned_alloc(64, ALIGN64(sizeof *m->d));
    m->a = aligned_alloc(64, ALIGN64(sizeof *m->a));
    m->busy = calloc((size_t)threads * MNISTB_BATCH_STAGES, sizeof *m->busy);
    int ok = m->p != NULL && m->d != NULL && m->a != NULL && m->busy != NULL;
    for (int k = 0; k < 2; ++k) {
        m->xb[k] = aligned_alloc(64, ALIGN64(sizeof *m->xb[k]));
        m->tb[k] = aligned_alloc(64, ALIGN64(sizeof *m->tb[k]));
        ok = ok && m->xb[k] != NULL && m->tb[k] != NULL;
        if (ok) {
            memset(m->xb[k], 0, sizeof *m->xb[k]);
            memset(m->tb[k], 0, sizeof *m->tb[k]);
        }
    }
    if (!ok) {
        model_free(m);
        m->p = NULL;
        return -1;
    }
    memset(m->d, 0, sizeof *m->d);
    memset(m->a, 0, sizeof *m->a);
    load_params(m->p, s);
    return 0;
}

/* whether every copy has its memory (model_init leaves p NULL where not) */
static int all_ready(const model *ms, int copies)
{
    for (int c = 0; c < copies; ++c)
        if (ms[c].p == NULL)
            return 0;
    return 1;
}

/* One epoch of m on `threads` threads, in one parallel region: per batch, each
 * thread gathers its rows into one of two batch buffers (so that gathering the
 * next batch never waits for thread 0 to sum the loss of this one), then runs
 * each stage after a barrier; thread 0 then adds up the loss. */
static void train_epoch(model *m, const bench_setup *s, const float *train_x, int threads)
{
    const float rate = (float)s->rate;
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
#ifdef _OPENMP
        const int part = omp_get_thread_num(), parts = omp_get_num_threads();
#else
        const int part = 0, parts = 1;
        (void)threads;
#endif
        int s0, s1;
        mnistb_batch_rows(part, parts, &s0, &s1);
        for (size_t k = 0; k < s->n_train; k += B) {
            const double g0 = part == 0 ? bench_now() : 0.0;
            const int n = s->n_train - k < (size_t)B ? (int)(s->n_train - k) : B;
            mnistb_batch_input *xb = m->xb[(k / B) % 2];
            mnistb_batch_target *tb = m->tb[(k / B) % 2];
            for (int r = s0; r < s1 && r < n; ++r) { /* each thread gathers its own rows */
                const uint32_t idx = s->order[k + (size_t)r];
                memcpy(xb->row[r].v, train_x + (size_t)idx * MNISTB_IN, sizeof xb->row[r].v);
                memcpy(tb->row[r].v, s->onehot[s->train.y[idx]], sizeof tb->row[r].v);
            }
            double ts[MNISTB_BATCH_STAGES + 1];
            for (int stage = 0; stage < MNISTB_BATCH_STAGES; ++stage) {
                BARRIER
                const double w0 = bench_now();
                if (part == 0)
                    ts[stage] = w0;
                /* plain SGD, fused into the weight gradients: no gradient struct */
                mnistb_batch_train_stage(stage, m->p, &m->opt, NULL, m->d, m->a, xb, tb, n, rate, part, parts);
                m->busy[part * MNISTB_BATCH_STAGES + stage] += bench_now() - w0;
            }
            /* the next batch's rows, fetched while the others finish (the training
             * set is far larger than the caches, and its rows come in random order) */
            for (int r = s0; r < s1 && k + B + (size_t)r < s->n_train; ++r)
                for (size_t o = 0; o < MNISTB_IN; o += 16)
                    BENCH_PREFETCH(train_x + (size_t)s->order[k + B + (size_t)r] * MNISTB_IN + o);
            BARRIER /* every part of the last stage done: the loss, and the stage's time */
            if (part == 0) {
                ts[MNISTB_BATCH_STAGES] = bench_now();
                m->opt.step += 1;
                m->loss += mnistb_batch_loss(m->a, tb, n);
                for (int q = 0; q < MNISTB_BATCH_STAGES; ++q)
                    m->ph[q] += ts[q + 1] - ts[q];
                m->ph[MNISTB_BATCH_STAGES] += (ts[0] - g0) + (bench_now() - ts[MNISTB_BATCH_STAGES]);
            }
        }
    }
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
    const int threads = (int)s.threads, copies = (int)s.copies;
#ifndef _OPENMP
    if (threads > 1 || copies > 1) {
        fprintf(stderr, "bench_constnet_batch: error: --threads %d --copies %d, but built without OpenMP\n", threads,
                copies);
        return 1;
    }
#endif
    if (threads > 1 && copies > 1) {
        fprintf(stderr, "bench_constnet_batch: error: --threads and --copies do not go together\n");
        return 1;
    }

    /* The shared init is meant to be the generated init: say so if not. */
    mnistb_params *ref = malloc(sizeof *ref), *p0 = malloc(sizeof *p0);
    model *ms = calloc((size_t)copies, sizeof *ms);
    /* The training and test images copied once into memory written just now,
     * before the clock starts: on the VM of bench/RESULTS.md, gathering rows
     * from the loader's buffer took from 0.01 to 0.3 s an epoch, run to run
     * (the same copies; the state of the pages, not the code; inference from
     * it ran at a fifth of the speed), and a fresh copy is what a program that
     * keeps its data set in memory works from. */
    float *train_x = aligned_alloc(4096, ALIGN4K((size_t)s.train.n * MNISTB_IN * sizeof(float)));
    float *test_x = aligned_alloc(4096, ALIGN4K((size_t)s.test.n * MNISTB_IN * sizeof(float)));
    if (ref == NULL || p0 == NULL || ms == NULL || train_x == NULL || test_x == NULL) {
        fprintf(stderr, "bench_constnet_batch: error: out of memory\n");
        return 1;
    }
    load_params(p0, &s);
    rng_state rng;
    rng_seed(&rng, s.seed);
    mnistb_init(ref, rng_uniform_cb, &rng);
    if (memcmp(ref, p0, sizeof *p0) != 0)
        fprintf(stderr, "bench_constnet_batch: note: mnistb_init(seed %llu) differs from the shared init\n",
                (unsigned long long)s.seed);
    free(ref);
    free(p0);
    memcpy(train_x, s.train.x, (size_t)s.train.n * MNISTB_IN * sizeof(float));
    memcpy(test_x, s.test.x, (size_t)s.test.n * MNISTB_IN * sizeof(float));

    /* each copy's memory first touched by the thread that trains it */
    double t0 = 0.0, t1 = 0.0;
#pragma omp parallel num_threads(copies) if (copies > 1)
    {
#ifdef _OPENMP
        const int c = omp_get_thread_num();
#else
        const int c = 0;
#endif
        model_init(&ms[c], &s, threads);
        BARRIER
        if (c == 0)
            t0 = bench_now();
        if (all_ready(ms, copies))
            train_epoch(&ms[c], &s, train_x, threads);
        BARRIER
        if (c == 0)
            t1 = bench_now();
    }
    if (!all_ready(ms, copies)) {
        fprintf(stderr, "bench_constnet_batch: error: out of memory\n");
        return 1;
    }
    model *m = &ms[0];
    for (int c = 1; c < copies; ++c)
        if (memcmp(ms[c].p, m->p, sizeof *m->p) != 0 || ms[c].loss != m->loss)
            fprintf(stderr, "bench_constnet_batch: note: copy %d differs from copy 0\n", c);

    size_t correct = 0;
    const double t2 = bench_now();
    for (size_t k = 0; k < s.test.n; k += B) {
        const int n = s.test.n - k < (size_t)B ? (int)(s.test.n - k) : B;
        for (int r = 0; r < n; ++r)
            memcpy(m->xb[0]->row[r].v, test_x + (k + (size_t)r) * MNISTB_IN, sizeof m->xb[0]->row[r].v);
        mnistb_batch_forward(m->a, m->p, m->xb[0]);
        for (int r = 0; r < n; ++r)
            correct += (size_t)(bench_argmax(m->a->out.row[r].v, MNISTB_OUT) == (int)s.test.y[k + (size_t)r]);
    }
    const double t3 = bench_now();

    char impl[48];
    snprintf(impl, sizeof impl, copies > 1 ? "constnet_b%d_c%d" : "constnet_b%d_t%d", B, copies > 1 ? copies : threads);
    fprintf(stderr, "%s: mean training loss %.9f, %llu updates\n", impl, m->loss / (double)s.n_train,
            (unsigned long long)m->opt.step);
    printf("impl=%s train_sps=%.0f infer_sps=%.0f acc=%.2f loss=%.9f\n", impl,
           (double)copies * (double)s.n_train / (t1 - t0), (double)s.test.n / (t3 - t2),
           100.0 * (double)correct / (double)s.test.n, m->loss / (double)s.n_train);
    printf("stages");
    for (int q = 0; q < MNISTB_BATCH_STAGES; ++q)
        printf(" s%d=%.6f", q, m->ph[q]);
    printf(" other_s=%.6f", m->ph[MNISTB_BATCH_STAGES]);
    for (int q = 0; q < MNISTB_BATCH_STAGES; ++q)
        for (int t = 0; t < threads; ++t)
            printf(" busy_s%d_t%d=%.6f", q, t, m->busy[t * MNISTB_BATCH_STAGES + q]);
    printf("\n");
    fflush(stdout);

    for (int c = 0; c < copies; ++c)
        model_free(&ms[c]);
    free(ms);
    free(train_x);
    free(test_x);
    bench_setup_free(&s);
    return 0;
}
