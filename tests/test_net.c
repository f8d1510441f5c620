/* test_net.c: checks every generated network must pass, run against one net
 * at a time through its runtime descriptor (train_net_desc). Built once per
 * spec in tests/specs/grad_*.lua, all with dtype = "double" so that the
 * central differences can be tight.
 *
 *   core:   backward pass = central differences, and not all zero;
 *           fused train step = backward then sgd, bit for bit;
 *           init is a function of the seed.
 *   limits: a NaN in the data stops training with the epoch and sample. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "rng.h"
#include "train.h"

static const train_net *net = &train_net_desc;

/* A random sample: inputs in [0, 1] like pixels, a one-hot target. */
static void sample(rng_state *r, float *x, float *t)
{
    for (unsigned i = 0; i < net->n_in; ++i)
        x[i] = (float)rng_uniform(r);
    for (unsigned j = 0; j < net->n_out; ++j)
        t[j] = 0.0f;
    t[rng_below(r, net->n_out)] = 1.0f;
}

START_TEST(test_gradient_matches_central_differences)
{
    ck_assert_uint_eq(net->real_size, sizeof(double));
    const size_t n = net->n_params;
    char err[ERR_MAX];
    rng_state r;
    rng_seed(&r, 1000 + (uint64_t)_i);
    double *p = train_new_params(net, 42 + (uint64_t)_i, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    double *g = calloc(n, sizeof *g);
    float *x = calloc(net->n_in, sizeof *x), *t = calloc(net->n_out, sizeof *t);
    ck_assert(g && x && t);
    sample(&r, x, t);

    const double loss = net->gradient(g, p, x, t);
    ck_assert(isfinite(loss));
    ck_assert_double_eq_tol(loss, net->loss(p, x, t), 1e-12);

    double max_abs = 0.0, max_err = 0.0;
    size_t nonzero = 0, worst = 0;
    const double h = 1e-6;
    for (size_t k = 0; k < n; ++k) {
        const double keep = p[k];
        p[k] = keep + h;
        const double up = net->loss(p, x, t);
        p[k] = keep - h;
        const double down = net->loss(p, x, t);
        p[k] = keep;
        const double numeric = (up - down) / (2.0 * h);
        const double e = fabs(numeric - g[k]) / fmax(1e-3, fabs(numeric) + fabs(g[k]));
        if (e > max_err) {
            max_err = e;
            worst = k;
        }
        max_abs = fmax(max_abs, fabs(g[k]));
        nonzero += (g[k] != 0.0);
    }
    ck_assert_msg(max_err < 1e-6, "%s: parameter %zu: backward %.12g, central difference off by %.3g",
                  net->name, worst, g[worst], max_err);
    /* a dead backward pass must not pass: the gradient is far from zero, and
     * no more than four fifths of it is exactly zero (dead relu units are) */
    ck_assert_msg(max_abs > 1e-6, "%s: gradient is all zero", net->name);
    ck_assert_msg(nonzero * 5 > n, "%s: only %zu of %zu gradients are non-zero", net->name, nonzero, n);
    free(p);
    free(g);
    free(x);
    free(t);
}
END_TEST

START_TEST(test_fused_step_equals_backward_then_sgd)
{
    const size_t n = net->n_params;
    char err[ERR_MAX];
    rng_state r;
    rng_seed(&r, 7);
    double *p1 = train_new_params(net, 5, err, sizeof err);
    double *p2 = train_new_params(net, 5, err, sizeof err);
    double *g = calloc(n, sizeof *g);
    float *x = calloc(net->n_in, sizeof *x), *t = calloc(net->n_out, sizeof *t);
    float *out = calloc(net->n_out, sizeof *out);
    ck_assert(p1 && p2 && g && x && t && out);
    const double rate = 0.25;
    for (int step = 0; step < 20; ++step) {
        sample(&r, x, t);
        const double l1 = net->train_step(p1, x, t, rate, out);
        const double l2 = net->gradient(g, p2, x, t);
        for (size_t k = 0; k < n; ++k)
            p2[k] -= rate * g[k];
        ck_assert(l1 == l2);
        ck_assert_msg(memcmp(p1, p2, n * sizeof *p1) == 0, "%s: step %d: fused and unfused differ",
                      net->name, step);
    }
    free(p1);
    free(p2);
    free(g);
    free(x);
    free(t);
    free(out);
}
END_TEST

START_TEST(test_init_is_a_function_of_the_seed)
{
    char err[ERR_MAX];
    const size_t bytes = net->n_params * net->real_size;
    void *a = train_new_params(net, 11, err, sizeof err);
    void *b = train_new_params(net, 11, err, sizeof err);
    void *c = train_new_params(net, 12, err, sizeof err);
    ck_assert(a && b && c);
    ck_assert(memcmp(a, b, bytes) == 0);
    ck_assert(memcmp(a, c, bytes) != 0);
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(test_nan_input_stops_training_with_epoch_and_sample)
{
    char err[ERR_MAX];
    enum { N = 6 };
    idx_dataset d = {.n = N, .dim = net->n_in};
    d.x = calloc(N * net->n_in, sizeof *d.x);
    d.y = calloc(N, 1);
    uint32_t order[N] = {0, 1, 2, 3, 4, 5};
    ck_assert(d.x && d.y);
    d.x[3 * net->n_in] = NAN; /* the fourth sample */
    void *p = train_new_params(net, 1, err, sizeof err);
    ck_assert(p != NULL);
    train_stats st;
    ck_assert_int_eq(train_epoch(net, p, &d, order, 0.1, 2, &st, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "NaN at epoch 2, sample 4") != NULL, "message: %s", err);
    ck_assert_msg(strstr(err, "lower --rate") != NULL, "message: %s", err);
    free(p);
    free(d.x);
    free(d.y);
}
END_TEST

START_TEST(test_data_that_does_not_fit_is_refused)
{
    char err[ERR_MAX];
    uint8_t y[2] = {0, (uint8_t)net->n_out};
    float x[2] = {0};
    idx_dataset wrong_dim = {.n = 1, .dim = net->n_in + 1, .x = x, .y = y};
    ck_assert_int_eq(train_check_data(net, &wrong_dim, "set", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "set: error: samples have") != NULL, "message: %s", err);
    idx_dataset bad_label = {.n = 2, .dim = net->n_in, .x = x, .y = y};
    ck_assert_int_eq(train_check_data(net, &bad_label, "set", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "is not below") != NULL, "message: %s", err);
}
END_TEST

int main(void)
{
    char name[128];
    snprintf(name, sizeof name, "net %s", net->name);
    Suite *s = suite_create(name);
    TCase *core = tcase_create("core");
    tcase_add_loop_test(core, test_gradient_matches_central_differences, 0, 5);
    tcase_add_test(core, test_fused_step_equals_backward_then_sgd);
    tcase_add_test(core, test_init_is_a_function_of_the_seed);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_test(limits, test_nan_input_stops_training_with_epoch_and_sample);
    tcase_add_test(limits, test_data_that_does_not_fit_is_refused);
    suite_add_tcase(s, limits);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
