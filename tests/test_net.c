/* test_net.c: checks every generated network must pass, run against one net
 * at a time through its runtime descriptor (train_net_desc). Built once per
 * spec in tests/specs/grad_*.lua, all with dtype = "double" so that the
 * central differences can be tight.
 *
 *   core:   backward pass = central differences, and not all zero;
 *           the batched gradient (full and partial batches) = the mean of the
 *           per-sample gradients, and = central differences of the mean loss;
 *           a training step = gradient then the optimizer's update, bit for
 *           bit, and the update follows the optimizer's formula over steps;
 *           init is a function of the seed; 1, 2 and 3 threads give the
 *           same parameters (batched nets).
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

    const double loss = net->sample_gradient(g, p, x, t);
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
    char where[96];
    train_param_name(net, worst, where, sizeof where);
    ck_assert_msg(max_err < 1e-6, "%s: %s: backward %.12g, central difference off by %.3g", net->name, where,
                  g[worst], max_err);
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

/* n random samples, rows of x and t */
static void samples(rng_state *r, unsigned n, float **x, float **t)
{
    *x = calloc((size_t)n * net->n_in, sizeof **x);
    *t = calloc((size_t)n * net->n_out, sizeof **t);
    ck_assert(*x && *t);
    for (unsigned s = 0; s < n; ++s)
        sample(r, *x + (size_t)s * net->n_in, *t + (size_t)s * net->n_out);
}

/* The batched gradient g at p against central differences of the mean loss
 * of the same rows through the batched path (whatever masks work holds), for
 * every stride-th parameter; what names the check in a failure. Returns the
 * largest |g[k]| checked. */
static double check_batch_central_differences(double *p, const double *g, void *work, const float *x,
                                              const float *t, unsigned rows, size_t stride, const char *what)
{
    const size_t n = net->n_params;
    double *scratch = calloc(n, sizeof *scratch), max_abs = 0.0;
    ck_assert(scratch != NULL);
    const double h = 1e-6;
    for (size_t k = 0; k < n; k += stride) {
        const double keep = p[k];
        p[k] = keep + h;
        const double up = net->gradient(scratch, p, work, x, t, rows) / rows;
        p[k] = keep - h;
        const double down = net->gradient(scratch, p, work, x, t, rows) / rows;
        p[k] = keep;
        const double numeric = (up - down) / (2.0 * h);
        char where[96];
        train_param_name(net, k, where, sizeof where);
        ck_assert_msg(fabs(numeric - g[k]) <= 1e-6 * fmax(1e-3, fabs(numeric) + fabs(g[k])),
                      "%s: %s: %s %.12g, central difference %.12g", net->name, where, what, g[k], numeric);
        max_abs = fmax(max_abs, fabs(g[k]));
    }
    free(scratch);
    return max_abs;
}

START_TEST(test_batch_gradient_is_the_mean_of_sample_gradients)
{
    const size_t n = net->n_params;
    const unsigned rows = (_i == 0) ? net->batch : (net->batch + 1) / 2; /* full, then partial */
    char err[ERR_MAX];
    rng_state r;
    rng_seed(&r, 300 + (uint64_t)_i);
    double *p = train_new_params(net, 9, err, sizeof err);
    double *g = calloc(n, sizeof *g), *mean = calloc(n, sizeof *mean), *one = calloc(n, sizeof *one);
    void *work = calloc(1, net->work_bytes);
    float *x, *t;
    ck_assert(p && g && mean && one && work);
    if (net->draw_masks != NULL)
        net->draw_masks(work, NULL, NULL); /* keep every unit: the per-sample path's function */
    samples(&r, rows, &x, &t);
    double loss_sum = 0.0;
    for (unsigned s = 0; s < rows; ++s) {
        loss_sum += net->sample_gradient(one, p, x + (size_t)s * net->n_in, t + (size_t)s * net->n_out);
        for (size_t k = 0; k < n; ++k)
            mean[k] += one[k] / rows;
    }
    const double loss = net->gradient(g, p, work, x, t, rows);
    ck_assert_double_eq_tol(loss, loss_sum, 1e-12 * (1.0 + fabs(loss_sum)));
    double max_abs = 0.0;
    for (size_t k = 0; k < n; ++k) {
        ck_assert_msg(fabs(g[k] - mean[k]) <= 1e-12 * (1.0 + fabs(mean[k])),
                      "%s: %u rows: parameter %zu: batch %.15g, mean of samples %.15g", net->name, rows, k,
                      g[k], mean[k]);
        max_abs = fmax(max_abs, fabs(g[k]));
    }
    ck_assert_msg(max_abs > 1e-6, "%s: batch gradient is all zero", net->name);
    /* and directly: central differences of the mean batch loss */
    check_batch_central_differences(p, g, work, x, t, rows, 1 + n / 40, "batch");
    free(p);
    free(g);
    free(mean);
    free(one);
    free(work);
    free(x);
    free(t);
}
END_TEST

/* Dropout: with masks drawn and then held fixed, the gradient is the central
 * difference of the loss of the same masked net, and the masks matter. */
START_TEST(test_dropout_gradient_with_fixed_masks)
{
    const size_t n = net->n_params;
    const unsigned rows = net->batch;
    char err[ERR_MAX];
    rng_state r, noise;
    rng_seed(&r, 77);
    rng_seed(&noise, 78);
    double *p = train_new_params(net, 4, err, sizeof err);
    double *g = calloc(n, sizeof *g), *scratch = calloc(n, sizeof *scratch);
    void *work = calloc(1, net->work_bytes);
    float *x, *t;
    ck_assert(p && g && scratch && work);
    samples(&r, rows, &x, &t);
    net->draw_masks(work, NULL, NULL);
    const double plain = net->gradient(scratch, p, work, x, t, rows);
    net->draw_masks(work, rng_uniform_cb, &noise);
    const double loss = net->gradient(g, p, work, x, t, rows);
    ck_assert_msg(loss != plain, "%s: the dropout masks change nothing (loss %.17g)", net->name, loss);
    const double max_abs = check_batch_central_differences(p, g, work, x, t, rows, 1, "masked gradient");
    ck_assert_msg(max_abs > 1e-6, "%s: masked gradient is all zero", net->name);
    free(p);
    free(g);
    free(scratch);
    free(work);
    free(x);
    free(t);
}
END_TEST

START_TEST(test_train_step_is_gradient_then_update)
{
    const size_t n = net->n_params;
    char err[ERR_MAX];
    rng_state r;
    rng_seed(&r, 7);
    train_state a, b;
    ck_assert(train_state_init(&a, net, 5, err, sizeof err) == 0);
    ck_assert(train_state_init(&b, net, 5, err, sizeof err) == 0);
    double *g = calloc(n, sizeof *g);
    ck_assert(g != NULL);
    const double rate = 0.05;
    for (int step = 0; step < 20; ++step) {
        const unsigned rows = 1 + (unsigned)step % net->batch;
        float *x, *t;
        samples(&r, rows, &x, &t);
        const double l1 = net->train_batch(a.params, a.opt, a.work, x, t, rows, rate, a.out, 1);
        const double l2 = net->gradient(g, b.params, b.work, x, t, rows);
        net->update(b.params, b.opt, g, rate);
        ck_assert(memcmp(&l1, &l2, sizeof l1) == 0); /* also when both are NaN */
        ck_assert_msg(memcmp(a.params, b.params, n * net->real_size) == 0,
                      "%s: step %d: train_batch and gradient + update differ", net->name, step);
        free(x);
        free(t);
    }
    free(g);
    train_state_free(&a);
    train_state_free(&b);
}
END_TEST

/* Threads split each batch (OpenMP, tests/tests.mk builds with it): any
 * number of them gives the same parameters and outputs, bit for bit, with
 * dropout masks drawn alike, full and partial batches. */
START_TEST(test_threads_give_the_same_bits)
{
#ifndef _OPENMP
    ck_abort_msg("built without OpenMP: the threads are not tested");
#endif
    const size_t n = net->n_params;
    char err[ERR_MAX];
    rng_state r;
    rng_seed(&r, 9);
    const unsigned counts[] = {1, 2, 3};
    train_state st[3];
    for (int k = 0; k < 3; ++k)
        ck_assert(train_state_init(&st[k], net, 5, err, sizeof err) == 0);
    for (int step = 0; step < 12; ++step) {
        const unsigned rows = step % 3 == 2 ? 1 + (unsigned)step % net->batch : net->batch;
        float *x, *t;
        samples(&r, rows, &x, &t);
        double loss[3];
        for (int k = 0; k < 3; ++k) {
            if (net->draw_masks != NULL) {
                rng_state m;
                rng_seed(&m, 100 + (uint64_t)step);
                net->draw_masks(st[k].work, rng_uniform_cb, &m);
            }
            loss[k] = net->train_batch(st[k].params, st[k].opt, st[k].work, x, t, rows, 0.05, st[k].out, counts[k]);
        }
        for (int k = 1; k < 3; ++k) {
            ck_assert(memcmp(&loss[0], &loss[k], sizeof loss[0]) == 0);
            ck_assert_msg(memcmp(st[0].params, st[k].params, n * net->real_size) == 0,
                          "%s: step %d: %u threads give other parameters than 1", net->name, step, counts[k]);
            ck_assert(memcmp(st[0].out, st[k].out, (size_t)rows * net->n_out * sizeof *st[0].out) == 0);
        }
        free(x);
        free(t);
    }
    for (int k = 0; k < 3; ++k)
        train_state_free(&st[k]);
}
END_TEST

/* The optimizer's formula, written out here independently of the generator. */
START_TEST(test_update_follows_the_formula)
{
    const size_t n = net->n_params;
    char err[ERR_MAX];
    rng_state r;
    rng_seed(&r, 21);
    train_state s;
    ck_assert(train_state_init(&s, net, 3, err, sizeof err) == 0);
    double *p = s.params;
    double *want = malloc(n * sizeof *want), *g = calloc(n, sizeof *g);
    double *m = calloc(n, sizeof *m), *v = calloc(n, sizeof *v);
    ck_assert(want && g && m && v);
    memcpy(want, p, n * sizeof *want);
    const double rate = 0.01, mu = net->momentum, wd = net->weight_decay;
    for (int step = 1; step <= 5; ++step) {
        float *x, *t;
        samples(&r, 1, &x, &t);
        net->sample_gradient(g, p, x, t);
        net->update(p, s.opt, g, rate);
        for (size_t k = 0; k < n; ++k) {
            const double gk = g[k] + wd * want[k];
            switch (net->opt_kind) {
            case TRAIN_SGD:
                want[k] -= rate * gk;
                break;
            case TRAIN_MOMENTUM:
                v[k] = mu * v[k] + gk;
                want[k] -= rate * v[k];
                break;
            case TRAIN_NESTEROV:
                v[k] = mu * v[k] + gk;
                want[k] -= rate * (gk + mu * v[k]);
                break;
            case TRAIN_ADAM:
                m[k] = net->beta1 * m[k] + (1 - net->beta1) * gk;
                v[k] = net->beta2 * v[k] + (1 - net->beta2) * gk * gk;
                want[k] -= rate * (m[k] / (1 - pow(net->beta1, step))) /
                           (sqrt(v[k] / (1 - pow(net->beta2, step))) + net->epsilon);
                break;
            }
        }
        for (size_t k = 0; k < n; ++k)
            ck_assert_msg(fabs(p[k] - want[k]) <= 1e-12 * (1.0 + fabs(want[k])),
                          "%s (%s): step %d, parameter %zu: %.15g, formula %.15g", net->name, net->optimizer,
                          step, k, p[k], want[k]);
        free(x);
        free(t);
    }
    free(want);
    free(g);
    free(m);
    free(v);
    train_state_free(&s);
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
    train_state s;
    ck_assert(train_state_init(&s, net, 1, err, sizeof err) == 0);
    train_stats st;
    ck_assert_int_eq(train_epoch(net, &s, &d, order, N, 0.1, 2, &st, err, sizeof err), -1);
    char want[64];
    if (net->batch == 1)
        snprintf(want, sizeof want, "NaN at epoch 2, sample 4;");
    else {
        const unsigned first = (3 / net->batch) * net->batch; /* the batch holding sample 4 */
        const unsigned last = first + net->batch < N ? first + net->batch : N;
        snprintf(want, sizeof want, "NaN at epoch 2, samples %u-%u;", first + 1, last);
    }
    ck_assert_msg(strstr(err, want) != NULL, "message: %s, want %s", err, want);
    ck_assert_msg(strstr(err, "lower --rate") != NULL, "message: %s", err);
    train_state_free(&s);
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
    tcase_add_loop_test(core, test_batch_gradient_is_the_mean_of_sample_gradients, 0, 2);
    tcase_add_test(core, test_train_step_is_gradient_then_update);
    tcase_add_test(core, test_update_follows_the_formula);
    if (net->batch > 1)
        tcase_add_test(core, test_threads_give_the_same_bits);
    tcase_add_test(core, test_init_is_a_function_of_the_seed);
    if (net->draw_masks != NULL)
        tcase_add_test(core, test_dropout_gradient_with_fixed_masks);
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
