/* test_unroll.c: the two forms of generated code compute the same numbers.
 * tests/specs/unroll.lua is generated twice, as ufull (--unroll full:
 * straight-line code) and uloops (--unroll loops), and both are linked here.
 *
 *   core:   same init, same forward pass, same gradients and the same
 *           parameters after training steps, bit for bit, on inputs that
 *           are mostly 0 (which the loops form skips and the full form adds);
 *   limits: the two really are different code (the full form has no loops),
 *           and extreme inputs give finite, equal results in both. */
#define _GNU_SOURCE /* memmem */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "testutil.h"
#include "ufull.h"
#include "uloops.h"

_Static_assert(sizeof(ufull_params) == sizeof(uloops_params), "same shapes");

static ufull_params pf;
static uloops_params pl;

static void init_both(uint64_t seed)
{
    rng_state r;
    rng_seed(&r, seed);
    ufull_init(&pf, rng_uniform_cb, &r);
    rng_seed(&r, seed);
    uloops_init(&pl, rng_uniform_cb, &r);
    ck_assert(memcmp(&pf, &pl, sizeof pf) == 0);
}

static void inputs(rng_state *r, ufull_input *xf, uloops_input *xl, ufull_target *tf,
                   uloops_target *tl, double scale)
{
    for (int i = 0; i < UFULL_IN; ++i) {
        const double u = rng_uniform(r);
        xf->v[i] = xl->v[i] = (u < 0.6) ? 0.0f : (float)(scale * (5.0 * u - 4.0)); /* 60% 0, else in [-1, 1) */
    }
    const int k = (int)rng_below(r, UFULL_OUT);
    for (int j = 0; j < UFULL_OUT; ++j)
        tf->v[j] = tl->v[j] = (j == k) ? 1.0f : 0.0f;
}

START_TEST(test_forward_backward_and_steps_agree)
{
    init_both(99);
    rng_state r;
    rng_seed(&r, 5);
    for (int step = 0; step < 50; ++step) {
        ufull_input xf;
        uloops_input xl;
        ufull_target tf;
        uloops_target tl;
        inputs(&r, &xf, &xl, &tf, &tl, 1.0);
        ufull_acts af;
        uloops_acts al;
        ufull_forward(&af, &pf, &xf);
        uloops_forward(&al, &pl, &xl);
        ck_assert(memcmp(&af, &al, sizeof af) == 0);
        static ufull_grads gf;
        static uloops_grads gl;
        static ufull_deltas df;
        static uloops_deltas dl;
        const float lf = ufull_backward(&gf, &df, &pf, &af, &xf, &tf);
        const float ll = uloops_backward(&gl, &dl, &pl, &al, &xl, &tl);
        ck_assert(lf == ll);
        ck_assert(memcmp(&gf, &gl, sizeof gf) == 0);
        ufull_train_step(&pf, &df, &af, &xf, &tf, 0.05f);
        uloops_train_step(&pl, &dl, &al, &xl, &tl, 0.05f);
        ck_assert_msg(memcmp(&pf, &pl, sizeof pf) == 0, "parameters differ after step %d", step);
    }
}
END_TEST

START_TEST(test_the_forms_really_differ)
{
    const char *dir = getenv("UNROLL_GEN_DIR");
    ck_assert_msg(dir != NULL, "UNROLL_GEN_DIR not set");
    char path[512];
    snprintf(path, sizeof path, "%s/ufull.c", dir);
    char *full = tu_slurp(path, NULL);
    ck_assert_msg(full != NULL, "cannot open %s", path);
    snprintf(path, sizeof path, "%s/uloops.c", dir);
    char *loops = tu_slurp(path, NULL);
    ck_assert_msg(loops != NULL, "cannot open %s", path);
    /* the per-layer forward passes of the full form are straight-line code */
    const char *l1 = strstr(full, "static void ufull_l1_forward");
    const char *end = l1 ? strstr(l1, "\n}\n") : NULL;
    ck_assert(l1 && end);
    ck_assert_msg(memmem(l1, (size_t)(end - l1), "for (", 5) == NULL, "ufull_l1_forward has a loop");
    ck_assert_ptr_nonnull(strstr(full, "y->v[8] = p->b[8] + x->v[0] * p->w[0][8]"));
    ck_assert_ptr_nonnull(strstr(loops, "for (int i = 0; i < 150; ++i)"));
    free(full);
    free(loops);
}
END_TEST

START_TEST(test_extreme_inputs_agree_and_stay_finite)
{
    init_both(3);
    rng_state r;
    rng_seed(&r, 8);
    ufull_input xf;
    uloops_input xl;
    ufull_target tf;
    uloops_target tl;
    inputs(&r, &xf, &xl, &tf, &tl, 1e4); /* logits far outside exp's range */
    ufull_acts af;
    uloops_acts al;
    ufull_forward(&af, &pf, &xf);
    uloops_forward(&al, &pl, &xl);
    ck_assert(memcmp(&af, &al, sizeof af) == 0);
    float sum = 0.0f;
    for (int j = 0; j < UFULL_OUT; ++j) {
        ck_assert(isfinite(af.out.v[j]));
        sum += af.out.v[j];
    }
    ck_assert_float_eq_tol(sum, 1.0f, 1e-5f);
    ck_assert(isfinite(ufull_loss(&af, &tf)));
    ck_assert(ufull_loss(&af, &tf) == uloops_loss(&al, &tl));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("unroll");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_forward_backward_and_steps_agree);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_test(limits, test_the_forms_really_differ);
    tcase_add_test(limits, test_extreme_inputs_agree_and_stay_finite);
    suite_add_tcase(s, limits);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
