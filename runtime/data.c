/* data.c: what the trainer does with a data set whatever its source (see data.h). */
#include "data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "rng.h"

void data_set_free(data_set *d)
{
    if (d == NULL)
        return;
    free(d->x);
    free(d->y);
    free(d->t);
    memset(d, 0, sizeof *d);
}

int data_classes_find(data_classes *c, const char *name, unsigned max)
{
    for (unsigned k = 0; k < c->n; ++k)
        if (strcmp(c->name[k], name) == 0)
            return (int)k;
    if (c->n >= max || c->n >= DATA_MAX_CLASSES)
        return -1;
    const size_t len = strlen(name) + 1;
    char *copy = malloc(len);
    if (copy == NULL)
        return -1;
    memcpy(copy, name, len);
    c->name[c->n] = copy;
    return (int)c->n++;
}

void data_classes_free(data_classes *c)
{
    if (c == NULL)
        return;
    for (unsigned k = 0; k < c->n; ++k)
        free(c->name[k]);
    memset(c, 0, sizeof *c);
}

/* Allocate a set of n rows shaped like d. */
static int data_alloc(data_set *out, const data_set *d, size_t n)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    out->dim = d->dim;
    out->n_targets = d->n_targets;
    out->x = malloc((n ? n : 1) * d->dim * sizeof *out->x);
    if (d->t)
        out->t = malloc((n ? n : 1) * d->n_targets * sizeof *out->t);
    else
        out->y = malloc(n ? n : 1);
    if (out->x == NULL || (out->t == NULL && out->y == NULL)) {
        data_set_free(out);
        return -1;
    }
    return 0;
}

/* Copy row k of d to row r of out. */
static void data_copy_row(data_set *out, size_t r, const data_set *d, size_t k)
{
    memcpy(out->x + r * d->dim, d->x + k * d->dim, d->dim * sizeof *d->x);
    if (d->t)
        memcpy(out->t + r * d->n_targets, d->t + k * d->n_targets, d->n_targets * sizeof *d->t);
    else
        out->y[r] = d->y[k];
}

int data_split(const data_set *all, double frac, uint64_t seed, data_set *train, data_set *test,
               const char *where, char *err, size_t errlen)
{
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (all->n < 2 || all->n > UINT32_MAX)
        return err_set(err, errlen, where, "%zu rows cannot be split into training and test rows", all->n);
    size_t n_test = (size_t)llround(frac * (double)all->n);
    if (n_test < 1)
        n_test = 1;
    if (n_test > all->n - 1)
        n_test = all->n - 1;
    uint32_t *order = malloc(all->n * sizeof *order);
    unsigned char *is_test = calloc(all->n, 1);
    int rc = -1;
    if (order && is_test && data_alloc(train, all, all->n - n_test) == 0 && data_alloc(test, all, n_test) == 0) {
        rng_state r;
        rng_seed(&r, seed);
        for (size_t k = 0; k < all->n; ++k)
            order[k] = (uint32_t)k;
        rng_shuffle(&r, order, all->n);
        for (size_t k = 0; k < n_test; ++k)
            is_test[order[k]] = 1;
        size_t a = 0, b = 0;
        for (size_t k = 0; k < all->n; ++k) {
            if (is_test[k])
                data_copy_row(test, b++, all, k);
            else
                data_copy_row(train, a++, all, k);
        }
        rc = 0;
    } else {
        data_set_free(train);
        data_set_free(test);
        err_set(err, errlen, where, "out of memory");
    }
    free(order);
    free(is_test);
    return rc;
}

int data_shuffle(data_set *d, uint64_t seed, char *err, size_t errlen)
{
    if (d->n < 2)
        return 0;
    if (d->n > UINT32_MAX)
        return err_set(err, errlen, "shuffle", "%zu rows are too many", d->n);
    uint32_t *order = malloc(d->n * sizeof *order);
    data_set out;
    if (order == NULL || data_alloc(&out, d, d->n) != 0) {
        free(order);
        return err_set(err, errlen, "shuffle", "out of memory");
    }
    rng_state r;
    rng_seed(&r, seed);
    for (size_t k = 0; k < d->n; ++k)
        order[k] = (uint32_t)k;
    rng_shuffle(&r, order, d->n);
    for (size_t k = 0; k < d->n; ++k)
        data_copy_row(&out, k, d, order[k]);
    free(order);
    data_set_free(d);
    *d = out;
    return 0;
}

const char *data_norm_name(data_norm_kind kind)
{
    switch (kind) {
    case DATA_NORM_STANDARDIZE:
        return "standardize";
    case DATA_NORM_MINMAX:
        return "minmax";
    case DATA_NORM_NONE:
    default:
        return "none";
    }
}

int data_norm_fit(data_norm *nm, data_norm_kind kind, const data_set *d, char *err, size_t errlen)
{
    memset(nm, 0, sizeof *nm);
    nm->kind = kind;
    if (kind == DATA_NORM_NONE)
        return 0;
    if (d->n == 0)
        return err_set(err, errlen, "normalize", "no training rows to compute statistics on");
    nm->dim = d->dim;
    nm->shift = malloc(d->dim * sizeof *nm->shift);
    nm->scale = malloc(d->dim * sizeof *nm->scale);
    if (nm->shift == NULL || nm->scale == NULL) {
        data_norm_free(nm);
        return err_set(err, errlen, "normalize", "out of memory");
    }
    for (size_t i = 0; i < d->dim; ++i) {
        double a = 0.0, b = 0.0; /* standardize: sum and squared deviations; minmax: min and max */
        if (kind == DATA_NORM_STANDARDIZE) {
            for (size_t k = 0; k < d->n; ++k)
                a += d->x[k * d->dim + i];
            a /= (double)d->n;
            for (size_t k = 0; k < d->n; ++k) {
                const double v = d->x[k * d->dim + i] - a;
                b += v * v;
            }
            const double sd = sqrt(b / (double)d->n);
            nm->shift[i] = (float)a;
            nm->scale[i] = sd > 0.0 ? (float)(1.0 / sd) : 1.0f;
        } else {
            a = b = d->x[i];
            for (size_t k = 1; k < d->n; ++k) {
                const double v = d->x[k * d->dim + i];
                a = v < a ? v : a;
                b = v > b ? v : b;
            }
            nm->shift[i] = (float)a;
            nm->scale[i] = b > a ? (float)(1.0 / (b - a)) : 1.0f;
        }
    }
    return 0;
}

void data_norm_apply(const data_norm *nm, float *x, size_t n)
{
    if (nm == NULL || nm->kind == DATA_NORM_NONE)
        return;
    for (size_t k = 0; k < n; ++k, x += nm->dim)
        for (size_t i = 0; i < nm->dim; ++i)
            x[i] = (x[i] - nm->shift[i]) * nm->scale[i];
}

void data_norm_free(data_norm *nm)
{
    if (nm == NULL)
        return;
    free(nm->shift);
    free(nm->scale);
    memset(nm, 0, sizeof *nm);
}

void data_summary(const char *what, const data_set *d, const data_classes *names, unsigned n_classes)
{
    printf("%s: %zu rows of %zu features", what, d->n, d->dim);
    if (d->t) {
        printf(", %u regression target%s\n", d->n_targets, d->n_targets == 1 ? "" : "s");
        return;
    }
    unsigned long count[DATA_MAX_CLASSES] = {0};
    for (size_t k = 0; k < d->n; ++k)
        count[d->y[k]]++;
    printf(", classes:");
    for (unsigned c = 0; c < n_classes && c < DATA_MAX_CLASSES; ++c) {
        if (names && c < names->n)
            printf(" %u '%s' %lu%s", c, names->name[c], count[c], c + 1 < n_classes ? "," : "");
        else
            printf(" %u: %lu%s", c, count[c], c + 1 < n_classes ? "," : "");
    }
    printf("\n");
}
