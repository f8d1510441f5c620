/* train.c: the network-independent training loop. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* M_PI */
#include "train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomic.h"
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

void train_param_name(const train_net *net, unsigned long k, char *buf, size_t len)
{
    for (unsigned t = 0; t < net->n_tensors; ++t) {
        const train_tensor *T = &net->tensors[t];
        unsigned long size = 1;
        for (unsigned r = 0; r < T->rank; ++r)
            size *= T->dims[r];
        if (k < T->offset || k >= T->offset + size)
            continue;
        unsigned long rest = k - T->offset, idx[4] = {0, 0, 0, 0};
        for (unsigned r = T->rank; r-- > 0;) {
            idx[r] = rest % T->dims[r];
            rest /= T->dims[r];
        }
        int used = snprintf(buf, len, "%s", T->name);
        for (unsigned r = 0; r < T->rank && used >= 0 && (size_t)used < len; ++r)
            used += snprintf(buf + used, len - (size_t)used, "[%lu]", idx[r]);
        return;
    }
    snprintf(buf, len, "parameter %lu", k);
}

double train_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* bytes of zeros on a 64-byte boundary (a cache line, an AVX-512 vector), so
 * that the generated code's rows of weights and of a batch start on one:
 * with malloc's 16 bytes the batch-1 trainer of nets/mnist.lua ran 7 to 16%
 * slower (bench/RESULTS.md). Freed with free(). */
static void *train_zalloc(size_t bytes)
{
    const size_t n = bytes > 0 ? (bytes + 63) / 64 * 64 : 64; /* aligned_alloc wants a multiple */
    void *p = aligned_alloc(64, n);
    if (p != NULL)
        memset(p, 0, n);
    return p;
}

void *train_new_params(const train_net *net, uint64_t seed, char *err, size_t errlen)
{
    void *params = train_zalloc((size_t)net->n_params * net->real_size);
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
    if (d->t && !train_is_regression(net))
        return err_set(err, errlen, what, "the data has regression targets, network '%s' classifies (its output is %s)",
                       net->name, net->out_activation);
    if (d->t && d->n_targets != net->n_out)
        return err_set(err, errlen, what, "rows have %u targets, network '%s' has %u outputs", d->n_targets,
                       net->name, net->n_out);
    for (size_t k = 0; d->y && k < d->n; ++k)
        if (d->y[k] >= net->n_out)
            return err_set(err, errlen, what, "label %u of sample %zu is not below %u, the outputs of '%s'",
                           (unsigned)d->y[k], k, net->n_out, net->name);
    if (d->n == 0)
        return err_set(err, errlen, what, "no samples");
    return 0;
}

int train_state_init(train_state *s, const train_net *net, uint64_t seed, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->seed = seed;
    s->threads = net->threads > 0 ? net->threads : 1;
    s->params = train_new_params(net, seed, err, errlen);
    s->opt = train_zalloc(net->opt_bytes);
    s->work = train_zalloc(net->work_bytes);
    s->x = calloc((size_t)net->batch * net->n_in, sizeof *s->x);
    s->t = calloc((size_t)net->batch * net->n_out, sizeof *s->t);
    s->out = calloc((size_t)net->batch * net->n_out, sizeof *s->out);
    if (!s->params || !s->opt || !s->work || !s->x || !s->t || !s->out) {
        const int had_params = s->params != NULL;
        train_state_free(s);
        return had_params ? err_set(err, errlen, net->name, "out of memory") : -1;
    }
    if (net->draw_masks != NULL)
        net->draw_masks(s->work, NULL, NULL); /* every unit kept until a batch draws */
    return 0;
}

void train_state_free(train_state *s)
{
    free(s->params);
    free(s->opt);
    free(s->work);
    free(s->x);
    free(s->t);
    free(s->out);
    memset(s, 0, sizeof *s);
}

double train_rate(const train_net *net, double rate, unsigned epoch, unsigned epochs)
{
    switch (net->schedule) {
    case TRAIN_STEP:
        return rate * pow(net->gamma, (double)((epoch - 1) / net->step_size));
    case TRAIN_COSINE:
        if (epochs <= 1)
            return rate;
        return net->min_rate +
               0.5 * (rate - net->min_rate) * (1.0 + cos(M_PI * (double)(epoch - 1) / (double)(epochs - 1)));
    case TRAIN_CONSTANT:
    default:
        return rate;
    }
}

int train_params_finite(const train_net *net, const void *params, unsigned long *where)
{
    for (unsigned long k = 0; k < net->n_params; ++k) {
        const double v = net->real_size == sizeof(float) ? (double)((const float *)params)[k]
                                                         : ((const double *)params)[k];
        if (!isfinite(v)) {
            *where = k;
            return -1;
        }
    }
    return 0;
}

void train_shift_image(float *out, const float *x, unsigned c, unsigned h, unsigned w, int dy, int dx)
{
    for (unsigned k = 0; k < c; ++k)
        for (unsigned i = 0; i < h; ++i) {
            const long si = (long)i - dy;
            for (unsigned j = 0; j < w; ++j) {
                const long sj = (long)j - dx;
                const int inside = si >= 0 && si < (long)h && sj >= 0 && sj < (long)w;
                out[((size_t)k * h + i) * w + j] = inside ? x[((size_t)k * h + (size_t)si) * w + (size_t)sj] : 0.0f;
            }
        }
}

int train_epoch(const train_net *net, train_state *s, const idx_dataset *d, const uint32_t *order,
                size_t n, double rate, unsigned epoch, train_stats *st, char *err, size_t errlen)
{
    const unsigned B = net->batch, I = net->n_in, O = net->n_out;
    double loss_sum = 0.0, sq_sum = 0.0;
    size_t right = 0;
    const double start = train_now();
    memset(s->t, 0, (size_t)B * O * sizeof *s->t);
    for (size_t first = 0; first < n; first += B) {
        const unsigned rows = (unsigned)(n - first < B ? n - first : B);
        rng_state noise; /* this batch's own stream: (seed, epoch, first row) */
        const int noisy = net->augment_shift > 0 || net->draw_masks != NULL;
        if (noisy)
            rng_seed(&noise, s->seed ^ (UINT64_C(0x9e3779b97f4a7c15) * ((uint64_t)epoch << 32 ^ (uint64_t)first)));
        for (unsigned r = 0; r < rows; ++r) {
            const size_t k = order[first + r];
            if (net->augment_shift > 0) {
                const unsigned span = 2 * net->augment_shift + 1;
                const int dy = (int)rng_below(&noise, span) - (int)net->augment_shift;
                const int dx = (int)rng_below(&noise, span) - (int)net->augment_shift;
                train_shift_image(s->x + (size_t)r * I, d->x + k * d->dim, net->in_c, net->in_h, net->in_w, dy, dx);
            } else {
                memcpy(s->x + (size_t)r * I, d->x + k * d->dim, I * sizeof *s->x);
            }
            if (d->y)
                s->t[(size_t)r * O + d->y[k]] = 1.0f;
            else
                memcpy(s->t + (size_t)r * O, d->t + k * O, O * sizeof *s->t);
        }
        if (net->draw_masks != NULL)
            net->draw_masks(s->work, rng_uniform_cb, &noise);
        const double loss = net->train_batch(s->params, s->opt, s->work, s->x, s->t, rows, rate, s->out, s->threads);
        for (unsigned r = 0; r < rows; ++r) {
            if (d->y) {
                const unsigned label = d->y[order[first + r]];
                s->t[(size_t)r * O + label] = 0.0f;
                right += (train_argmax(s->out + (size_t)r * O, O) == label);
            } else {
                for (unsigned j = 0; j < O; ++j) {
                    const double e = (double)s->out[(size_t)r * O + j] - (double)s->t[(size_t)r * O + j];
                    sq_sum += e * e;
                }
            }
        }
        if (!isfinite(loss)) {
            char where[64];
            if (rows == 1)
                snprintf(where, sizeof where, "sample %zu", first + 1);
            else
                snprintf(where, sizeof where, "samples %zu-%zu", first + 1, first + rows);
            return err_set(err, errlen, net->name, "loss became %s at epoch %u, %s; try a lower --rate (now %g)",
                           isnan(loss) ? "NaN" : "infinite", epoch, where, rate);
        }
        loss_sum += loss;
        if (s->progress && (first / TRAIN_PROGRESS_EVERY != (first + rows) / TRAIN_PROGRESS_EVERY))
            s->progress(s->progress_ctx, first + rows, n, loss_sum);
    }
    unsigned long where;
    if (train_params_finite(net, s->params, &where) != 0)
        return err_set(err, errlen, net->name,
                       "parameter %lu became NaN or infinite in epoch %u; try a lower --rate (now %g)",
                       where, epoch, rate);
    st->seconds = train_now() - start;
    st->loss = loss_sum / (double)n;
    st->accuracy = d->y ? (double)right / (double)n : sqrt(sq_sum / ((double)n * O));
    st->samples_per_s = st->seconds > 0 ? (double)n / st->seconds : 0.0;
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

int train_is_regression(const train_net *net)
{
    return net->out_activation != NULL && strcmp(net->out_activation, "identity") == 0;
}

int train_evaluate_regression(const train_net *net, const void *params, const data_set *d, train_fit *fit,
                              char *err, size_t errlen)
{
    const unsigned O = net->n_out;
    if (d->n == 0 || d->t == NULL || d->n_targets != O)
        return err_set(err, errlen, net->name, "cannot evaluate a regression on %s",
                       d->n == 0 ? "an empty data set" : "data without targets");
    float *out = malloc(O * sizeof *out);
    double *mean = calloc(O, sizeof *mean);
    if (out == NULL || mean == NULL) {
        free(out);
        free(mean);
        return err_set(err, errlen, net->name, "out of memory");
    }
    for (size_t k = 0; k < d->n; ++k)
        for (unsigned j = 0; j < O; ++j)
            mean[j] += d->t[k * O + j] / (double)d->n;
    double sse = 0.0, sae = 0.0, sst = 0.0;
    for (size_t k = 0; k < d->n; ++k) {
        net->predict(params, d->x + k * d->dim, out);
        for (unsigned j = 0; j < O; ++j) {
            const double t = d->t[k * O + j], e = (double)out[j] - t;
            sse += e * e;
            sae += fabs(e);
            sst += (t - mean[j]) * (t - mean[j]);
        }
    }
    free(out);
    free(mean);
    const double count = (double)d->n * O;
    fit->rmse = sqrt(sse / count);
    fit->mae = sae / count;
    fit->r2 = sst > 0.0 ? 1.0 - sse / sst : 0.0;
    return 0;
}

int train_log_write_regression(const char *path, const train_log_row *rows, size_t n, char *err,
                               size_t errlen)
{
    atomic_file af;
    if (atomic_open(&af, path, err, errlen) != 0)
        return -1;
    FILE *f = af.fp;
    fprintf(f, "epoch,loss,train_rmse,val_rmse,test_rmse,test_mae,test_r2,samples_per_s,seconds\n");
    for (size_t k = 0; k < n; ++k) {
        const train_log_row *r = &rows[k];
        char val[32] = "";
        if (!isnan(r->val_acc))
            snprintf(val, sizeof val, "%.6g", r->val_acc);
        fprintf(f, "%u,%.6f,%.6g,%s,%.6g,%.6g,%.6f,%.0f,%.3f\n", r->epoch, r->loss, r->train_acc, val, r->test_acc,
                r->test_mae, r->test_r2, r->samples_per_s, r->seconds);
    }
    return atomic_commit(&af, 1, err, errlen);
}

int train_log_write(const char *path, const train_log_row *rows, size_t n, char *err, size_t errlen)
{
    atomic_file af;
    if (atomic_open(&af, path, err, errlen) != 0)
        return -1;
    FILE *f = af.fp;
    fprintf(f, "epoch,loss,train_acc,val_acc,test_acc,samples_per_s,seconds\n");
    for (size_t k = 0; k < n; ++k) {
        const train_log_row *r = &rows[k];
        char val[32] = "";
        if (!isnan(r->val_acc))
            snprintf(val, sizeof val, "%.4f", 100.0 * r->val_acc);
        fprintf(f, "%u,%.6f,%.4f,%s,%.4f,%.0f,%.3f\n", r->epoch, r->loss, 100.0 * r->train_acc, val,
                100.0 * r->test_acc, r->samples_per_s, r->seconds);
    }
    return atomic_commit(&af, 1, err, errlen);
}

int train_log_read(const char *path, train_log_row *rows, size_t max, size_t *n)
{
    *n = 0;
    if (max == 0)
        return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char line[512];
    if (fgets(line, sizeof line, f) == NULL || strncmp(line, "epoch,loss,", 11) != 0) {
        fclose(f);
        return -1;
    }
    while (*n < max && fgets(line, sizeof line, f) != NULL) {
        train_log_row r;
        char val[64] = "";
        double tr, te;
        /* val_acc may be empty */
        if (sscanf(line, "%u,%lf,%lf,%63[^,],%lf,%lf,%lf", &r.epoch, &r.loss, &tr, val, &te, &r.samples_per_s,
                   &r.seconds) != 7 &&
            sscanf(line, "%u,%lf,%lf,,%lf,%lf,%lf", &r.epoch, &r.loss, &tr, &te, &r.samples_per_s,
                   &r.seconds) != 6)
            break;
        if (r.epoch != *n + 1)
            break;
        r.train_acc = tr / 100.0;
        r.test_acc = te / 100.0;
        r.val_acc = val[0] ? strtod(val, NULL) / 100.0 : NAN;
        rows[(*n)++] = r;
    }
    fclose(f);
    return *n == max ? 0 : -1;
}
