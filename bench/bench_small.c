/* bench_small.c: training speed of a small generated net (bench/small.lua,
 * 16-8-4 sigmoid, squared error, SGD one sample at a time) for the unroll
 * policy table of bench/run.sh. Built once per policy against
 * bench/work/unroll/small_<policy>/small.{h,c}.
 *
 * The data are synthetic: a pool of 1024 random inputs in [0, 1), each with
 * the one-hot target of its largest quarter-sum (a task the net can learn),
 * cycled through in order for --steps training steps (default 4,000,000) with
 * small_train_step at rate 0.1. Everything is drawn from runtime/rng.c with
 * seed 1, so both policies do the same arithmetic up to the order of float
 * additions, and print the same mean loss up to rounding.
 *
 * Prints: impl=small train_sps=N loss=L */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "rng.h"
#include "small.h"

enum { POOL = 1024 };

int main(int argc, char **argv)
{
    unsigned long long steps = 4000000ULL;
    for (int k = 1; k < argc; ++k) {
        char *end;
        errno = 0;
        if (strcmp(argv[k], "--steps") == 0 && k + 1 < argc) {
            steps = strtoull(argv[++k], &end, 10);
            if (errno != 0 || *end != '\0' || steps == 0) {
                fprintf(stderr, "bench_small: error: --steps: expected a positive integer\n");
                return 2;
            }
        } else {
            fprintf(stderr, "bench_small: error: %s: unknown option (known: --steps N)\n", argv[k]);
            return 2;
        }
    }

    static small_input xs[POOL];
    static small_target ts[POOL];
    rng_state rng;
    rng_seed(&rng, 1);
    small_params p;
    small_init(&p, rng_uniform_cb, &rng);
    for (int n = 0; n < POOL; ++n) {
        float q[SMALL_OUT] = {0};
        for (int i = 0; i < SMALL_IN; ++i) {
            xs[n].v[i] = (float)rng_uniform(&rng);
            q[i * SMALL_OUT / SMALL_IN] += xs[n].v[i];
        }
        const int c = bench_argmax(q, SMALL_OUT);
        for (int j = 0; j < SMALL_OUT; ++j)
            ts[n].v[j] = j == c ? 1.0f : 0.0f;
    }

    small_acts a;
    small_deltas d;
    double loss = 0.0;
    const double t0 = bench_now();
    for (unsigned long long k = 0; k < steps; ++k)
        loss += small_train_step(&p, &d, &a, &xs[k % POOL], &ts[k % POOL], 0.1f);
    const double t1 = bench_now();

    printf("impl=small train_sps=%.0f loss=%.6f\n", (double)steps / (t1 - t0), loss / (double)steps);
    return 0;
}
