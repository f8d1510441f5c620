/* train.h: the network descriptor and the training loop.
 *
 * runtime/ knows nothing about any particular network. Generated code built
 * with -DCONSTNET_RUNTIME defines `train_net_desc`, which tells the runtime the
 * sizes and gives it the functions to call. Samples cross this boundary as
 * float arrays: x has n_in values, targets and outputs n_out. */
#ifndef CONSTNET_TRAIN_H
#define CONSTNET_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "idx.h"

typedef struct train_net {
    const char *name;        /* the spec's network name */
    const char *spec;        /* the spec file it was generated from */
    unsigned n_in, n_out;    /* input and output sizes */
    unsigned batch;          /* batch size fixed in the spec */
    unsigned long n_params;  /* parameter count; params are n_params reals, no padding */
    unsigned real_size;      /* sizeof(float) or sizeof(double) */
    uint32_t fingerprint;    /* FNV-1a of the shapes, for model files */
    double rate;             /* the spec's training defaults */
    unsigned epochs;
    uint64_t seed;
    void (*init)(void *params, double (*uniform01)(void *ctx), void *ctx);
    /* one SGD step on one sample; writes the forward output, returns the loss */
    double (*train_step)(void *params, const float *x, const float *t, double rate, float *out);
    /* sets grads (same layout as params) to dL/dparams at (x, t); returns the loss */
    double (*gradient)(void *grads, const void *params, const float *x, const float *t);
    double (*loss)(const void *params, const float *x, const float *t);
    void (*predict)(const void *params, const float *x, float *out);
} train_net;

/* Defined by the generated code (with -DCONSTNET_RUNTIME). */
extern const train_net train_net_desc;

typedef struct {
    double loss;          /* mean loss per sample */
    double accuracy;      /* fraction right, from the predictions made while training */
    double seconds;       /* wall time */
    double samples_per_s;
} train_stats;

/* Index of the largest of v[0..n). */
unsigned train_argmax(const float *v, unsigned n);

/* Allocate params for net and fill them by net->init from seed. NULL on failure. */
void *train_new_params(const train_net *net, uint64_t seed, char *err, size_t errlen);

/* Check that a dataset fits the network: sample size n_in, labels < n_out. */
int train_check_data(const train_net *net, const idx_dataset *d, const char *what, char *err,
                     size_t errlen);

/* One epoch of SGD over d in the order order[0..d->n). Stops with an error
 * naming the epoch and sample when the loss stops being finite. */
int train_epoch(const train_net *net, void *params, const idx_dataset *d, const uint32_t *order,
                double rate, unsigned epoch, train_stats *st, char *err, size_t errlen);

/* Sets *accuracy to the fraction of d classified right; counts go to
 * confusion (n_out x n_out, row = true class) when it is not NULL. */
int train_evaluate(const train_net *net, const void *params, const idx_dataset *d,
                   double *accuracy, unsigned long *confusion, char *err, size_t errlen);

/* Seconds from a monotonic clock. */
double train_now(void);

#endif
