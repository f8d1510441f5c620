/* train.c: the network-independent training loop. */
#define _POSIX_C_SOURCE 200809L
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "rng.h"

unsigned train_argmax(const float *v, unsigned n)
{
    unsigned best = 0;
    for (unsigned j = 1; j < n; ++j)
        if (v[j] > v[best])
            best = j;
    return best;
}

double train_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void *train_new_params(const train_net *net, uint64_t seed, char *err, size_t errlen)
{
    void *params = calloc(net->n_params, net->real_size);
    if (params == NULL) {
        err_set(err, errlen, net->name, "cannot allocate %lu parameters", net->n_params);
        return NULL;
    }
    rng_state rng;
    rng_seed(&rng, seed);
    net->init(params, rng_uniform_cb, &rng);
    return params;
}

int train_check_data(const train_net *net, const idx_dataset *d, const char *what, char *err,
                     size_t errlen)
{
    if (d->dim != net->n_in)
        return err_set(err, errlen, what, "samples have %zu values, network '%s' takes %u inputs",
                       d->dim, net->name, net->n_in);
    for (size_t k = 0; k < d->n; ++k)
        if (d->y[k] >= net->n_out)
            return err_set(err, errlen, what, "label %u of sample %zu is not below %u, the outputs of '%s'",
                           (unsigned)d->y[k], k, net->n_out, net->name);
    if (d->n == 0)
        return err_set(err, errlen, what, "no samples");
    return 0;
}

int train_epoch(const train_net *net, void *params, const idx_dataset *d, const uint32_t *order,
                double rate, unsigned epoch, train_stats *st, char *err, size_t errlen)
{
    float *t = calloc(2 * (size_t)net->n_out, sizeof *t);
    if (t == NULL)
        return err_set(err, errlen, net->name, "out of memory");
    float *out = t + net->n_out;
    double loss_sum = 0.0;
    size_t right = 0;
    const double start = train_now();
    for (size_t s = 0; s < d->n; ++s) {
        const size_t k = order[s];
        const unsigned label = d->y[k];
        t[label] = 1.0f;
        const double loss = net->train_step(params, d->x + k * d->dim, t, rate, out);
        t[label] = 0.0f;
        if (!isfinite(loss)) {
            free(t);
            return err_set(err, errlen, net->name,
                           "loss became %s at epoch %u, sample %zu; try a lower --rate (now %g)",
                           isnan(loss) ? "NaN" : "infinite", epoch, s + 1, rate);
        }
        loss_sum += loss;
        right += (train_argmax(out, net->n_out) == label);
    }
    free(t);
    st->seconds = train_now() - start;
    st->loss = loss_sum / (double)d->n;
    st->accuracy = (double)right / (double)d->n;
    st->samples_per_s = st->seconds > 0 ? (double)d->n / st->seconds : 0.0;
    return 0;
}

int train_evaluate(const train_net *net, const void *params, const idx_dataset *d,
                   double *accuracy, unsigned long *confusion, char *err, size_t errlen)
{
    if (d->n == 0)
        return err_set(err, errlen, net->name, "cannot evaluate on an empty data set");
    float *out = malloc(net->n_out * sizeof *out);
    if (out == NULL)
        return err_set(err, errlen, net->name, "out of memory");
    size_t right = 0;
    for (size_t k = 0; k < d->n; ++k) {
        net->predict(params, d->x + k * d->dim, out);
        const unsigned p = train_argmax(out, net->n_out);
        right += (p == d->y[k]);
        if (confusion)
            confusion[(size_t)d->y[k] * net->n_out + p]++;
    }
    free(out);
    *accuracy = (double)right / (double)d->n;
    return 0;
}
