/* bench_xcore.c: what moving data between two threads costs on this machine,
 * measured in the same rounds as the two-thread rows of bench/run.sh, so that
 * each run's two-thread figures stand next to the costs that bound them.
 *
 * Two OpenMP threads, each on its own 16 KiB block (the size of the row
 * blocks and weight halves that move between the threads of a two-thread
 * step of mnist at batch 64):
 *   round_trip_ns  one cache line passed to the other thread and back (an
 *                  atomic counter each thread waits for in turn)
 *   barrier_us     an OpenMP barrier with no work around it
 *   read_us        reading the block the other thread has just written
 *   write_us       writing one's own block after the other thread has read it
 *                  (every line is in the other core's cache: it must give it up)
 *   local_us       the same write when no other core has read the block
 * Each figure is the median of 7 blocks of repetitions.
 *
 * Prints: impl=xcore round_trip_ns=N barrier_us=N read_us=N write_us=N local_us=N
 * Needs 2 threads: built without OpenMP, it says so and fails. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

#ifdef _OPENMP
#include <omp.h>
#endif

enum {
    BLOCK = 16384 / sizeof(uint32_t), /* 16 KiB of words */
    TRIES = 7,                        /* blocks of repetitions; the median is kept */
    PINGS = 20000,                    /* round trips in a block */
    BARRIERS = 20000,                 /* barriers in a block */
    PASSES = 2000                     /* write-read passes in a block */
};

#ifdef _OPENMP
static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* The two blocks, each on its own lines; the counter on a line of its own. */
static _Alignas(64) uint32_t blocks[2][BLOCK];
static _Alignas(64) atomic_uint turn;

/* Thread `me` writes its block: every word, as a kernel's store of its rows does. */
static void write_block(int me, uint32_t k)
{
    uint32_t *v = blocks[me];
    for (int i = 0; i < BLOCK; ++i)
        v[i] = v[i] * 3u + k;
}

/* Thread `me` reads block `which`: every word (summed, so that it is read). */
static uint32_t read_block(int which)
{
    const uint32_t *v = blocks[which];
    uint32_t s = 0;
    for (int i = 0; i < BLOCK; ++i)
        s += v[i];
    return s;
}

/* Median microseconds a thread spends writing its block when, between its
 * writes, the block is read by the other thread (cross != 0) or by itself. */
static void passes(int cross, double *write_us, double *read_us, uint32_t *sink)
{
    double w[2][TRIES], r[2][TRIES];
#pragma omp parallel num_threads(2)
    {
        const int me = omp_get_thread_num();
        const int reads = cross ? 1 - me : me;
        uint32_t s = 0;
        for (int t = 0; t < TRIES; ++t) {
            double tw = 0.0, tr = 0.0;
            for (int k = 0; k < PASSES; ++k) {
                double t0 = bench_now();
                write_block(me, (uint32_t)k);
                double t1 = bench_now();
#pragma omp barrier
                double t2 = bench_now();
                s += read_block(reads);
                double t3 = bench_now();
#pragma omp barrier
                tw += t1 - t0;
                tr += t3 - t2;
            }
            w[me][t] = tw / PASSES * 1e6;
            r[me][t] = tr / PASSES * 1e6;
        }
#pragma omp critical
        *sink += s;
    }
    double wv[TRIES], rv[TRIES];
    for (int t = 0; t < TRIES; ++t) {
        wv[t] = (w[0][t] + w[1][t]) / 2.0;
        rv[t] = (r[0][t] + r[1][t]) / 2.0;
    }
    *write_us = median(wv, TRIES);
    *read_us = median(rv, TRIES);
}

static double round_trip_ns(void)
{
    double v[TRIES];
    for (int t = 0; t < TRIES; ++t) {
        atomic_store(&turn, 0u);
        double t0 = 0.0, t1 = 0.0;
#pragma omp parallel num_threads(2)
        {
            const unsigned me = (unsigned)omp_get_thread_num();
#pragma omp barrier
            if (me == 0)
                t0 = bench_now();
            for (unsigned k = 0; k < PINGS; ++k) { /* thread 0 waits for 2k, thread 1 for 2k + 1 */
                const unsigned mine = 2u * k + me;
                while (atomic_load_explicit(&turn, memory_order_acquire) != mine)
                    ;
                atomic_store_explicit(&turn, mine + 1u, memory_order_release);
            }
            if (me == 0)
                t1 = bench_now();
        }
        v[t] = (t1 - t0) / PINGS * 1e9;
    }
    return median(v, TRIES);
}

static double barrier_us(void)
{
    double v[TRIES];
    for (int t = 0; t < TRIES; ++t) {
        double t0 = 0.0, t1 = 0.0;
#pragma omp parallel num_threads(2)
        {
#pragma omp barrier
#pragma omp master
            t0 = bench_now();
            for (int k = 0; k < BARRIERS; ++k) {
#pragma omp barrier
            }
#pragma omp master
            t1 = bench_now();
        }
        v[t] = (t1 - t0) / BARRIERS * 1e6;
    }
    return median(v, TRIES);
}
#endif

int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: bench_xcore (no arguments; needs 2 OpenMP threads)\n");
        return 2;
    }
#ifndef _OPENMP
    fprintf(stderr, "bench_xcore: error: built without OpenMP, so there is no second thread to measure\n");
    return 1;
#else
    if (omp_get_num_procs() < 2) {
        fprintf(stderr, "bench_xcore: error: %d processor(s): the two threads would share one\n", omp_get_num_procs());
        return 1;
    }
    uint32_t sink = 0;
    double write_us, read_us, local_us, local_read_us;
    const double rt = round_trip_ns(), bar = barrier_us();
    passes(1, &write_us, &read_us, &sink);
    passes(0, &local_us, &local_read_us, &sink);
    fprintf(stderr, "bench_xcore: reading one's own block: %.3f us (checksum %u)\n", local_read_us, (unsigned)sink);
    printf("impl=xcore round_trip_ns=%.0f barrier_us=%.3f read_us=%.3f write_us=%.3f local_us=%.3f\n", rt, bar,
           read_us, write_us, local_us);
    return 0;
#endif
}
