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

typedef enum { TRAIN_CONSTANT, TRAIN_STEP, TRAIN_COSINE } train_schedule;
typedef enum { TRAIN_SGD, TRAIN_MOMENTUM, TRAIN_NESTEROV, TRAIN_ADAM } train_optimizer;

/* One parameter tensor: its name ("l2.w"), dimensions and first index in
 * the flat parameter block. */
typedef struct {
    const char *name;
    unsigned rank;           /* 1 to 4 */
    unsigned dims[4];
    unsigned long offset;
} train_tensor;

/* One layer's kind and shape (runtime/quant.c): the input c x h x w and the
 * output o x oh x ow (a flat vector of n is 1 x 1 x n); for conv2d and the
 * poolings the window kh x kw, stride sh x sw and padding ph x pw, else 0. */
typedef struct {
    const char *kind;        /* "dense", "conv2d", "maxpool2d", "avgpool2d", "flatten", "dropout" */
    unsigned c, h, w, o, oh, ow;
    unsigned kh, kw, sh, sw, ph, pw;
} train_layer;

typedef struct train_net {
    const char *name;        /* the spec's network name */
    const char *spec;        /* the spec file it was generated from */
    unsigned n_in, n_out;    /* input and output sizes */
    unsigned in_c, in_h, in_w; /* the input as an image: channels, height, width (n_in = c*h*w);
                              * a flat input of n values is 1 x s x s when n = s*s, else 1 x 1 x n */
    unsigned augment_shift;  /* train with images shifted by up to this many pixels */
    data_norm_kind normalize; /* the spec's input normalization, computed on the training split */
    unsigned batch;          /* batch size fixed in the spec */
    unsigned threads;        /* the spec's threads per batch (the trainer's --threads overrides) */
    unsigned n_layers;       /* layers */
    const unsigned *sizes;   /* n_layers + 1 sizes: input, then each layer's outputs */
    unsigned long n_params;  /* parameter count; params are n_params reals, no padding:
                              * per layer, w[n_in][n_out] then b[n_out] */
    unsigned real_size;      /* sizeof(float) or sizeof(double) */
    unsigned n_tensors;      /* the parameter tensors, in the order of the block */
    const train_tensor *tensors;
    uint32_t fingerprint;    /* FNV-1a of the shapes, for model files */
    size_t opt_bytes;        /* optimizer state, zeroed before the first step */
    size_t work_bytes;       /* scratch for train_batch and gradient */
    const char *out_activation; /* the last layer's activation */
    const char *const *activations; /* n_layers: each layer's activation (runtime/quant.c) */
    const train_layer *layers; /* n_layers: each layer's kind and shape (runtime/quant.c) */
    const char *optimizer;   /* description, for messages */
    train_optimizer opt_kind; /* and its settings, as generated into update() */
    double momentum, beta1, beta2, epsilon, weight_decay;

    /* the spec's training defaults */
    double rate;
    unsigned epochs;
    uint64_t seed;
    train_schedule schedule;
    unsigned step_size;      /* TRAIN_STEP: epochs between decays */
    double gamma;            /* TRAIN_STEP: factor per decay */
    double min_rate;         /* TRAIN_COSINE: the rate at the end */
    double validation;       /* fraction of the training set held out */

    void (*init)(void *params, double (*uniform01)(void *ctx), void *ctx);
    /* One training step on n samples (1..batch): x is n rows of n_in, t n rows
     * of n_out. Writes the n forward outputs to out, returns the summed loss.
     * threads (>= 1) split the batch; the result is the same for any count
     * (without OpenMP the step runs on one thread). */
    double (*train_batch)(void *params, void *opt, void *work, const float *x, const float *t,
                          unsigned n, double rate, float *out, unsigned threads);
    /* grads (laid out like params) = mean gradient over n rows (1..batch)
     * through the batched path; returns the summed loss */
    double (*gradient)(void *grads, const void *params, void *work, const float *x, const float *t,
                       unsigned n);
    /* the same for one sample through the per-sample path */
    double (*sample_gradient)(void *grads, const void *params, const float *x, const float *t);
    void (*update)(void *params, void *opt, const void *grads, double rate);
    double (*loss)(const void *params, const float *x, const float *t);
    void (*predict)(const void *params, const float *x, float *out);
    /* New dropout masks in work for the next train_batch or gradient, drawn
     * from uniform01; NULL when the net has no dropout. uniform01 == NULL
     * keeps every unit. */
    void (*draw_masks)(void *work, double (*uniform01)(void *ctx), void *ctx);
} train_net;

/* Defined by the generated code (with -DCONSTNET_RUNTIME). */
extern const train_net train_net_desc;

typedef struct {
    double loss;          /* mean loss per sample */
    double accuracy;      /* fraction right, from the predictions made while training;
                           * regression: the root mean squared error of those predictions */
    double seconds;       /* wall time */
    double samples_per_s;
} train_stats;

/* The name of parameter k with its index in its tensor, "l2.w[1][0][2][1]",
 * into buf; "parameter K" when the descriptor has no tensor table. */
void train_param_name(const train_net *net, unsigned long k, char *buf, size_t len);

/* Index of the largest of v[0..n). */
unsigned train_argmax(const float *v, unsigned n);

/* Called during an epoch with the samples done so far and the summed loss. */
typedef void (*train_progress_fn)(void *ctx, size_t done, size_t total, double loss_sum);

/* What training changes: parameters, optimizer state, scratch. */
typedef struct {
    void *params; /* n_params reals */
    void *opt;    /* opt_bytes, zeroed at the start */
    void *work;   /* work_bytes */
    float *x, *t, *out; /* one batch of inputs, one-hot targets and outputs */
    uint64_t seed;      /* the run's seed: dropout masks and shifts of batch b of
                         * epoch e come from a stream of (seed, e, b) alone, so a
                         * resumed run draws what the whole run would have */
    unsigned threads;   /* threads per batch, >= 1 (train_state_init: the spec's) */
    train_progress_fn progress; /* optional, called every TRAIN_PROGRESS_EVERY samples */
    void *progress_ctx;
} train_state;

enum { TRAIN_PROGRESS_EVERY = 1024 };

/* One row of the per-epoch log. val_acc is NaN without a validation split.
 * For a regression net the _acc fields hold RMSEs, and test_mae, test_r2 are
 * set too. */
typedef struct {
    unsigned epoch;
    double loss, train_acc, val_acc, test_acc, samples_per_s, seconds;
    double test_mae, test_r2;
} train_log_row;

/* Write the log as CSV (header epoch,loss,train_acc,val_acc,test_acc,
 * samples_per_s,seconds; accuracies in percent) to path, atomically. */
int train_log_write(const char *path, const train_log_row *rows, size_t n, char *err, size_t errlen);

/* The same for a regression net: header epoch,loss,train_rmse,val_rmse,
 * test_rmse,test_mae,test_r2,samples_per_s,seconds. */
int train_log_write_regression(const char *path, const train_log_row *rows, size_t n, char *err,
                               size_t errlen);

/* 1 when net can be a regression net: an identity output layer (trained on
 * squared error, the only loss an identity output takes). A CSV table is then
 * read with targets instead of a label; class labels (MNIST, image folders)
 * still train it as a classifier on one-hot targets, as before. */
int train_is_regression(const train_net *net);

/* Regression metrics of params on d: root mean squared error, mean absolute
 * error (both over every target value) and R^2 (1 - SSE / the sum of squares
 * about the mean of d's targets, per target, summed). */
typedef struct {
    double rmse, mae, r2;
} train_fit;
int train_evaluate_regression(const train_net *net, const void *params, const data_set *d, train_fit *fit,
                              char *err, size_t errlen);

/* Read back the rows for epochs 1..max of a log written by train_log_write;
 * *n gets how many. -1 (no message) when the file lacks any of them. */
int train_log_read(const char *path, train_log_row *rows, size_t max, size_t *n);

/* Allocate a state and fill the parameters by net->init from seed. */
int train_state_init(train_state *s, const train_net *net, uint64_t seed, char *err, size_t errlen);
void train_state_free(train_state *s);

/* Allocate params for net and fill them by net->init from seed. NULL on failure. */
void *train_new_params(const train_net *net, uint64_t seed, char *err, size_t errlen);

/* The learning rate for epoch (1-based) of epochs under the net's schedule. */
double train_rate(const train_net *net, double rate, unsigned epoch, unsigned epochs);

/* Check that a dataset fits the network: sample size n_in, labels < n_out,
 * or n_out targets per row for a regression net. */
int train_check_data(const train_net *net, const idx_dataset *d, const char *what, char *err,
                     size_t errlen);

/* Shift image x (c x h x w) by (dy, dx) pixels into out, filling with 0. */
void train_shift_image(float *out, const float *x, unsigned c, unsigned h, unsigned w, int dy, int dx);

/* One epoch over the samples order[0..n) of d, in batches of net->batch
 * (the last one partial). Each row is shifted by up to net->augment_shift
 * pixels, and the net's dropout masks are drawn anew for each batch. Stops with an error naming the epoch and sample
 * when the loss or a parameter stops being finite. */
int train_epoch(const train_net *net, train_state *s, const idx_dataset *d, const uint32_t *order,
                size_t n, double rate, unsigned epoch, train_stats *st, char *err, size_t errlen);

/* 0 when every parameter is finite; otherwise -1 and the index in *where. */
int train_params_finite(const train_net *net, const void *params, unsigned long *where);

/* Sets *accuracy to the fraction of d classified right; counts go to
 * confusion (n_out x n_out, row = true class) when it is not NULL. */
int train_evaluate(const train_net *net, const void *params, const idx_dataset *d,
                   double *accuracy, unsigned long *confusion, char *err, size_t errlen);

/* Seconds from a monotonic clock. */
double train_now(void);

#endif
