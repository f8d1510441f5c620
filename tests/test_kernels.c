/* test_kernels.c: the batched kernels give the same bits however they run.
 * tests/specs/kernels.lua (float: conv, flatten, dense, dropout, softmax;
 * widths that are not whole vectors, a batch that is not whole row blocks,
 * inputs that are often 0) is generated twice, as ksimd and kplain, and kplain
 * is compiled with -DKPLAIN_NO_SIMD: plain loops where ksimd has the target's
 * vectors (on x86-64 with AVX-512; elsewhere both are loops).
 *
 *   core: ksimd and kplain agree bit for bit: forward, gradients of full and
 *         partial batches, and parameters after training steps;
 *         the stages of the header, split into any number of parts (as
 *         threads run them), give the gradient of batch_backward and the
 *         parameters of update bit for bit;
 *         where a * b + c is not fused (kscalar: the spec a third time, built
 *         for plain x86-64, without FMA), each batch row's forward pass is
 *         the per-sample forward pass, bit for bit: the same sums in the same
 *         order with the same roundings. (Where FMA is fast the batched passes
 *         fuse and the per-sample ones, which also run on microcontrollers,
 *         do not, so there they agree to rounding: tests/test_net.c.) */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kplain.h"
#include "kscalar.h"
#include "ksimd.h"
#include "rng.h"
#include "testutil.h"

_Static_assert(sizeof(ksimd_params) == sizeof(kplain_params), "same shapes");
_Static_assert(sizeof(ksimd_batch_acts) == sizeof(kplain_batch_acts), "same shapes");
_Static_assert(KSIMD_BATCH % KSIMD_BATCH_ROWS != 0, "the spec's batch leaves rows over");

enum { B = KSIMD_BATCH };

/* Everything one training step touches, for one of the two nets. */
typedef struct {
    ksimd_params p;
    ksimd_opt o;
    ksimd_grads g;
    ksimd_batch_acts a;
    ksimd_batch_deltas d;
    ksimd_batch_input x;
    ksimd_batch_target t;
} sset;
typedef struct {
    kplain_params p;
    kplain_opt o;
    kplain_grads g;
    kplain_batch_acts a;
    kplain_batch_deltas d;
    kplain_batch_input x;
    kplain_batch_target t;
} pset;

static sset *S;
static pset *Q;

static void setup(void)
{
    S = calloc(1, sizeof *S);
    Q = calloc(1, sizeof *Q);
    ck_assert(S && Q);
}

static void teardown(void)
{
    free(S);
    free(Q);
}

/* A batch of images with about half their pixels exactly 0 (so that blocks of
 * inputs are skipped and others not), one-hot targets, the same in both. */
static void batch(rng_state *r)
{
    for (int s = 0; s < B; ++s) {
        float *v = &S->x.row[s].v[0][0][0];
        for (int i = 0; i < KSIMD_IN; ++i)
            v[i] = rng_uniform(r) < 0.5 ? 0.0f : (float)rng_uniform(r);
        for (int j = 0; j < KSIMD_OUT; ++j)
            S->t.row[s].v[j] = 0.0f;
        S->t.row[s].v[rng_below(r, KSIMD_OUT)] = 1.0f;
    }
    memcpy(&Q->x, &S->x, sizeof Q->x);
    memcpy(&Q->t, &S->t, sizeof Q->t);
}

static void masks(uint64_t seed)
{
    rng_state r;
    rng_seed(&r, seed);
    ksimd_batch_draw_masks(&S->a, rng_uniform_cb, &r);
    rng_seed(&r, seed);
    kplain_batch_draw_masks(&Q->a, rng_uniform_cb, &r);
}

static void init_both(uint64_t seed)
{
    rng_state r;
    rng_seed(&r, seed);
    ksimd_init(&S->p, rng_uniform_cb, &r);
    memcpy(&Q->p, &S->p, sizeof Q->p);
    memset(&S->o, 0, sizeof S->o);
    memset(&Q->o, 0, sizeof Q->o);
}

START_TEST(test_simd_and_plain_agree)
{
    init_both(7);
    rng_state r;
    rng_seed(&r, 11);
    const int ns[] = {B, B - 4, 1};
    for (int step = 0; step < 24; ++step) {
        batch(&r);
        masks(100 + (uint64_t)step);
        ksimd_batch_forward(&S->a, &S->p, &S->x);
        kplain_batch_forward(&Q->a, &Q->p, &Q->x);
        ck_assert_msg(memcmp(&S->a.out, &Q->a.out, sizeof S->a.out) == 0, "step %d: outputs differ", step);
        const int n = ns[step % 3];
        const float ls = ksimd_batch_backward(&S->g, &S->d, &S->p, &S->a, &S->x, &S->t, n);
        const float lq = kplain_batch_backward(&Q->g, &Q->d, &Q->p, &Q->a, &Q->x, &Q->t, n);
        ck_assert_msg(memcmp(&ls, &lq, sizeof ls) == 0, "step %d: losses %.9g and %.9g", step, ls, lq);
        ck_assert_msg(memcmp(&S->g, &Q->g, sizeof S->g) == 0, "step %d (n = %d): gradients differ", step, n);
        ck_assert(tu_max_abs_float(&S->g.l3.w[0][0], sizeof S->g.l3.w / sizeof(float)) > 0.0);
        ck_assert(tu_max_abs_float(&S->g.l1.w[0][0][0][0], sizeof S->g.l1.w / sizeof(float)) > 0.0);
        ksimd_update(&S->p, &S->o, &S->g, 0.01f);
        kplain_update(&Q->p, &Q->o, &Q->g, 0.01f);
    }
    ck_assert(memcmp(&S->p, &Q->p, sizeof S->p) == 0);
}
END_TEST

/* One training step in the header's stages, split in parts as threads would
 * run them: the parts of each stage in reverse order, a stage only after
 * every part of the one before (the barrier). */
static void staged(int n, int parts, float rate)
{
    int end = B; /* batch_rows' ranges tile the batch at block boundaries */
    for (int k = parts - 1; k >= 0; --k) {
        int s0, s1;
        ksimd_batch_rows(k, parts, &s0, &s1);
        ck_assert_int_eq(s1, end);
        ck_assert_int_eq(s0 % KSIMD_BATCH_ROWS, 0);
        ck_assert_int_le(s0, s1);
        end = s0;
    }
    ck_assert_int_eq(end, 0);
    for (int stage = 0; stage < KSIMD_BATCH_STAGES; ++stage)
        for (int k = parts - 1; k >= 0; --k)
            ksimd_batch_train_stage(stage, &S->p, &S->o, &S->g, &S->d, &S->a, &S->x, &S->t, n, rate, k, parts);
    S->o.step += 1;
}

START_TEST(test_any_split_gives_the_same_bits)
{
    init_both(3);
    rng_state r;
    rng_seed(&r, 5);
    static ksimd_grads want;
    static ksimd_params p0, p1;
    for (int round = 0; round < 3; ++round) {
        batch(&r);
        masks(200 + (uint64_t)round);
        const int n = round == 1 ? B - 3 : B;
        /* the step without threads: forward, backward, update */
        memcpy(&p0, &S->p, sizeof p0);
        const ksimd_opt o0 = S->o;
        ksimd_batch_forward(&S->a, &S->p, &S->x);
        ksimd_batch_backward(&want, &S->d, &S->p, &S->a, &S->x, &S->t, n);
        ck_assert(tu_max_abs_float(&want.l1.w[0][0][0][0], sizeof want.l1.w / sizeof(float)) > 0.0);
        memcpy(&p1, &S->p, sizeof p1);
        ksimd_opt o1 = S->o;
        ksimd_update(&p1, &o1, &want, 0.01f);
        const int splits[] = {1, 2, 3, 4, 7, B};
        for (size_t k = 0; k < sizeof splits / sizeof splits[0]; ++k) {
            memcpy(&S->p, &p0, sizeof p0);
            S->o = o0;
            memset(&S->g, 0xff, sizeof S->g); /* NaNs: every element must be written */
            memset(&S->d, 0xff, sizeof S->d);
            staged(n, splits[k], 0.01f);
            ck_assert_msg(memcmp(&S->g, &want, sizeof want) == 0, "round %d, %d parts: gradients differ", round,
                          splits[k]);
            ck_assert_msg(memcmp(&S->p, &p1, sizeof p1) == 0, "round %d, %d parts: parameters differ", round,
                          splits[k]);
            ck_assert(memcmp(&S->o, &o1, sizeof o1) == 0);
        }
    }
}
END_TEST

START_TEST(test_batch_rows_are_the_per_sample_pass_without_fma)
{
    static kscalar_params p;
    static kscalar_batch_acts a;
    static kscalar_batch_input x;
    static kscalar_acts one;
    rng_state r;
    rng_seed(&r, 21);
    kscalar_init(&p, rng_uniform_cb, &r);
    for (int round = 0; round < 4; ++round) {
        batch(&r);
        memcpy(&x, &S->x, sizeof x);
        kscalar_batch_draw_masks(&a, rng_uniform_cb, &r);
        kscalar_batch_forward(&a, &p, &x);
        for (int s = 0; s < B; ++s) {
            one.l4_keep = a.l4_keep.row[s];
            kscalar_forward_train(&one, &p, &x.row[s]);
            ck_assert_msg(memcmp(&one.out, &a.out.row[s], sizeof one.out) == 0, "round %d, row %d differs", round, s);
            ck_assert_msg(memcmp(&one.l3, &a.l3.row[s], sizeof one.l3) == 0, "round %d, row %d: l3 differs", round, s);
        }
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kernels");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_simd_and_plain_agree);
    tcase_add_test(core, test_any_split_gives_the_same_bits);
    tcase_add_test(core, test_batch_rows_are_the_per_sample_pass_without_fma);
    tcase_set_timeout(core, 60);
    suite_add_tcase(s, core);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
