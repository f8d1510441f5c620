/* main.c: the trainer, out/<net>/<net>. The only place that exits.
 *
 *   <net> [train] [flags]     train, report test accuracy, save the model
 *   <net> eval                evaluate a saved model on the test set
 *   <net> predict FILE...     classify images
 *   <net> export              write the model's weights as C source
 *   <net> quantize            int8 weights and scales for the int8 backend */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include <sys/stat.h>

#include "ckpt.h"
#include "cli.h"
#include "csv.h"
#include "data.h"
#include "err.h"
#include "export.h"
#include "idx.h"
#include "image.h"
#include "imgdir.h"
#include "model.h"
#include "quant.h"
#include "rng.h"
#include "train.h"

/* The shuffles draw from their own stream, so that changing the number of
 * epochs never changes the initial weights. */
#define MAIN_SHUFFLE_STREAM 0x9e3779b97f4a7c15u
/* and the rows of a table shuffled before its validation rows are held out */
#define MAIN_VALIDATION_STREAM 0x6a09e667f3bcc909u

static const train_net *net = &train_net_desc;

/* "DIR/<stem><suffix>" where DIR is the folder of the program itself. */
static char *main_beside_program(const char *argv0, const char *stem, const char *suffix)
{
    const char *slash = strrchr(argv0, '/');
    const size_t dir = slash ? (size_t)(slash - argv0 + 1) : 0;
    const size_t len = dir + strlen(stem) + strlen(suffix) + 1;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%.*s%s%s", (int)dir, argv0, stem, suffix);
    return p;
}

/* Where the data came from, and what came with it. */
typedef enum { MAIN_IDX, MAIN_CSV, MAIN_IMAGES } main_source;

typedef struct {
    main_source source;
    data_set train, test;  /* train is empty for eval */
    data_classes classes;  /* class names (CSV label names, folder names) */
    char split[256];       /* how the test set was made */
} main_data;

static void main_data_free(main_data *d)
{
    data_set_free(&d->train);
    data_set_free(&d->test);
    data_classes_free(&d->classes);
}

static int main_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* An MNIST folder: it holds the IDX files of either set, raw or .gz. */
static int main_is_mnist(const char *dir)
{
    static const char *const names[] = {"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz",
                                        "t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; ++k) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        if (stat(path, &st) == 0)
            return 1;
    }
    return 0;
}

/* Read one set: a CSV file or an image folder. */
static int main_read(main_data *d, const cli_options *o, const char *path, int add, data_set *out, char *err,
                     size_t errlen)
{
    if (d->source == MAIN_IMAGES) {
        if (net->in_c != 1)
            return err_set(err, errlen, path, "images are read as gray; network '%s' takes %u channels", net->name,
                           net->in_c);
        return imgdir_load(out, path, &d->classes, net->n_out, add, net->in_w, net->in_h, err, errlen);
    }
    const csv_options co = {.n_in = net->n_in, .n_out = net->n_out, .regression = train_is_regression(net),
                            .label = o->label, .classes = &d->classes};
    return csv_load(out, path, &co, err, errlen);
}

/* Load the data named by --data (and --test): the training set when
 * need_train, and the test set, whatever the source. */
static int main_load_data(main_data *d, const cli_options *o, int need_train, char *err, size_t errlen)
{
    const char *path = o->data_dir;
    struct stat st;
    const int exists = stat(path, &st) == 0;
    /* an MNIST folder, or a name that is neither a CSV file nor a folder (whose
     * error then names the IDX file looked for, as it always has) */
    if ((main_is_dir(path) && main_is_mnist(path)) || (!exists && !csv_is_csv_name(path))) {
        d->source = MAIN_IDX;
        if (o->test_path || o->label || o->test_split > 0)
            return err_set(err, errlen, o->test_path ? "--test" : o->label ? "--label" : "--test-split",
                           "applies to CSV files and image folders, not to the MNIST folder %s", path);
        if (need_train && (idx_load_mnist(&d->train, path, "train", net->n_out, err, errlen) != 0 ||
                           train_check_data(net, &d->train, path, err, errlen) != 0))
            return -1;
        return idx_load_mnist(&d->test, path, "t10k", net->n_out, err, errlen) != 0 ||
                       train_check_data(net, &d->test, path, err, errlen) != 0
                   ? -1
                   : 0;
    }
    d->source = main_is_dir(path) ? MAIN_IMAGES : MAIN_CSV;
    if (d->source == MAIN_IMAGES && (o->test_path || o->label))
        return err_set(err, errlen, o->test_path ? "--test" : "--label",
                       "applies to CSV files; an image folder holds its test set in %s/test", path);
    const double frac = o->test_split > 0 ? o->test_split : 0.2;
    int rc;
    if (d->source == MAIN_IMAGES && imgdir_has_split(path)) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/train", path);
        rc = main_read(d, o, sub, 1, &d->train, err, errlen);
        snprintf(sub, sizeof sub, "%s/test", path);
        if (rc == 0)
            rc = main_read(d, o, sub, 0, &d->test, err, errlen);
        snprintf(d->split, sizeof d->split, "%s/train and %s/test", path, path);
    } else if (o->test_path) {
        rc = main_read(d, o, path, 1, &d->train, err, errlen);
        if (rc == 0)
            rc = main_read(d, o, o->test_path, 1, &d->test, err, errlen);
        snprintf(d->split, sizeof d->split, "training rows from %s, test rows from %s", path, o->test_path);
    } else {
        data_set all;
        rc = main_read(d, o, path, 1, &all, err, errlen);
        if (rc == 0)
            rc = data_split(&all, frac, o->seed, &d->train, &d->test, path, err, errlen);
        data_set_free(&all);
        snprintf(d->split, sizeof d->split, "%g of the rows of %s held out for test, seed %llu (--test-split, --seed)",
                 frac, path, (unsigned long long)o->seed);
    }
    if (rc == 0 && need_train)
        rc = train_check_data(net, &d->train, path, err, errlen);
    if (rc == 0)
        rc = train_check_data(net, &d->test, o->test_path ? o->test_path : path, err, errlen);
    if (!need_train)
        data_set_free(&d->train);
    return rc;
}

/* A resumed run splits its data with the seed it started with: read it from
 * the checkpoint before the data. */
static int main_resume_seed(cli_options *o, char *err, size_t errlen)
{
    const size_t bytes = net->n_params * net->real_size;
    ckpt_state ck = {.params = malloc(bytes), .opt = malloc(net->opt_bytes ? net->opt_bytes : 1),
                     .best = malloc(bytes)};
    int rc = ck.params && ck.opt && ck.best ? ckpt_load(o->resume_path, net, &ck, err, errlen)
                                            : err_set(err, errlen, net->name, "out of memory");
    if (rc == 0)
        o->seed = ck.seed;
    free(ck.params);
    free(ck.opt);
    free(ck.best);
    return rc;
}

static model_info main_model_info(void)
{
    return (model_info){.name = net->name, .fingerprint = net->fingerprint,
                        .real_size = net->real_size, .n_params = net->n_params};
}

static void main_print_confusion(const unsigned long *conf)
{
    const unsigned n = net->n_out;
    printf("confusion matrix (rows: true class, columns: predicted)\n%9s", "");
    for (unsigned j = 0; j < n; ++j)
        printf("%6u", j);
    printf("    recall\n");
    for (unsigned i = 0; i < n; ++i) {
        unsigned long row = 0;
        printf("%9u", i);
        for (unsigned j = 0; j < n; ++j) {
            printf("%6lu", conf[i * n + j]);
            row += conf[i * n + j];
        }
        printf("   %6.2f%%\n", row ? 100.0 * (double)conf[i * n + i] / (double)row : 0.0);
    }
    printf("precision");
    for (unsigned j = 0; j < n; ++j) {
        unsigned long col = 0;
        for (unsigned i = 0; i < n; ++i)
            col += conf[i * n + j];
        printf("%5.0f%%", col ? 100.0 * (double)conf[j * n + j] / (double)col : 0.0);
    }
    printf("\n");
}

/* The progress bar: one line on stderr, redrawn a few times a second. */
typedef struct {
    unsigned epoch, epochs;
    double start, last_draw;
} main_progress;

static void main_draw_progress(void *ctx, size_t done, size_t total, double loss_sum)
{
    main_progress *p = ctx;
    const double now = train_now();
    if (now - p->last_draw < 0.25 && done < total)
        return;
    p->last_draw = now;
    const double rate = (double)done / fmax(now - p->start, 1e-9);
    const double eta = (double)(total - done) / fmax(rate, 1e-9);
    enum { WIDTH = 24 };
    char bar[WIDTH + 1];
    const size_t filled = total ? done * WIDTH / total : WIDTH;
    for (size_t k = 0; k < WIDTH; ++k)
        bar[k] = k < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    fprintf(stderr, "\repoch %u/%u [%s] %zu/%zu  %.0f samples/s  ETA %d:%02d  loss %.4f\033[K", p->epoch,
            p->epochs, bar, done, total, rate, (int)eta / 60, (int)eta % 60, loss_sum / (double)done);
    fflush(stderr);
}

/* A gallery of this net's mistakes can be drawn: 28x28 inputs, at most 10 classes. */
static int main_gallery_fits(void)
{
    return net->n_in == 28 * 28 && net->n_out <= 10;
}

/* Write a PNG of up to 100 misclassified test digits. The gallery is an
 * extra: for a net it does not fit, it is skipped with a note. */
static int main_gallery(const char *path, const void *params, const idx_dataset *test, int quiet, char *err,
                        size_t errlen)
{
    enum { MAX = 100 };
    if (!main_gallery_fits() || test->dim != 28 * 28 || test->y == NULL) {
        if (!quiet)
            printf("gallery: skipped: it needs 28x28 images and at most 10 classes (this net: %u inputs, "
                   "%u classes)\n", net->n_in, net->n_out);
        return 0;
    }
    if (net->normalize != DATA_NORM_NONE) {
        if (!quiet)
            printf("gallery: skipped: the net's inputs are normalized, not pixels\n");
        return 0;
    }
    uint8_t *pix = malloc(MAX * test->dim);
    float *out = malloc(net->n_out * sizeof *out);
    const uint8_t *digits[MAX];
    unsigned char truth[MAX], pred[MAX];
    size_t n = 0;
    if (pix == NULL || out == NULL) {
        free(pix);
        free(out);
        return err_set(err, errlen, path, "out of memory");
    }
    for (size_t k = 0; k < test->n && n < MAX; ++k) {
        const float *x = test->x + k * test->dim;
        net->predict(params, x, out);
        const unsigned p = train_argmax(out, net->n_out);
        if (p == test->y[k])
            continue;
        for (size_t i = 0; i < test->dim; ++i)
            pix[n * test->dim + i] = (uint8_t)lrintf(x[i] * 255.0f);
        digits[n] = pix + n * test->dim;
        truth[n] = test->y[k];
        pred[n] = (unsigned char)p;
        ++n;
    }
    int status = 0;
    if (n > 0)
        status = image_write_gallery_png(path, digits, truth, pred, n, 10, err, errlen);
    if (status == 0 && !quiet)
        printf("gallery: %zu misclassified test digits in %s (true>predicted)\n", n, path);
    free(pix);
    free(out);
    return status;
}

/* Test accuracy of params, with the confusion matrix unless quiet; for a
 * regression net RMSE, MAE and R^2. */
static int main_report(const void *params, const idx_dataset *test, int quiet, const char *what,
                       char *err, size_t errlen)
{
    if (test->t != NULL) {
        train_fit fit;
        if (train_evaluate_regression(net, params, test, &fit, err, errlen) != 0)
            return -1;
        printf("test RMSE: %.4g, MAE: %.4g, R^2: %.4f (%zu rows)%s\n", fit.rmse, fit.mae, fit.r2, test->n, what);
        return 0;
    }
    unsigned long *conf = calloc((size_t)net->n_out * net->n_out, sizeof *conf);
    double acc = 0.0;
    if (conf == NULL)
        return err_set(err, errlen, net->name, "out of memory");
    if (train_evaluate(net, params, test, &acc, conf, err, errlen) != 0) {
        free(conf);
        return -1;
    }
    if (!quiet)
        main_print_confusion(conf);
    printf("test accuracy: %.2f%% (%.0f/%zu)%s\n", 100.0 * acc, acc * (double)test->n, test->n, what);
    free(conf);
    return 0;
}

/* Every file a run will write, checked before the first epoch, so that a bad
 * path never costs a finished training. */
static int main_check_outputs(const cli_options *o, char *err, size_t errlen)
{
    const struct {
        const char *path, *flag;
    } outs[] = {{o->command == CLI_TRAIN ? o->save_path : NULL, "--save"},
                {o->command == CLI_TRAIN ? o->checkpoint_path : NULL, "--checkpoint"},
                {o->command == CLI_TRAIN ? o->csv_path : NULL, "--csv"},
                {main_gallery_fits() ? o->gallery_path : NULL, "--gallery"},
                {o->predictions_path, "--predictions"}};
    for (size_t k = 0; k < sizeof outs / sizeof outs[0]; ++k)
        if (outs[k].path && atomic_check_writable(outs[k].path, outs[k].flag, err, errlen) != 0)
            return -1;
    return 0;
}

/* eval --predictions: one CSV row per test image, with the outputs printed
 * to full float precision (%.9g reads back as the same float). */
static int main_write_predictions(const char *path, const void *params, const idx_dataset *test, char *err,
                                  size_t errlen)
{
    float *out = malloc(net->n_out * sizeof *out);
    atomic_file af;
    if (out == NULL)
        return err_set(err, errlen, path, "out of memory");
    if (atomic_open(&af, path, err, errlen) != 0) {
        free(out);
        return -1;
    }
    int ok = fprintf(af.fp, "index,label,predicted") > 0;
    for (unsigned j = 0; j < net->n_out; ++j)
        ok = ok && fprintf(af.fp, ",out%u", j) > 0;
    ok = ok && fputc('\n', af.fp) != EOF;
    for (size_t k = 0; k < test->n && ok; ++k) {
        net->predict(params, test->x + k * test->dim, out);
        if (test->y != NULL)
            ok = fprintf(af.fp, "%zu,%u,%u", k, (unsigned)test->y[k], train_argmax(out, net->n_out)) > 0;
        else /* a regression: no class, the outputs are the prediction */
            ok = fprintf(af.fp, "%zu,,", k) > 0;
        for (unsigned j = 0; j < net->n_out; ++j)
            ok = ok && fprintf(af.fp, ",%.9g", (double)out[j]) > 0;
        ok = ok && fputc('\n', af.fp) != EOF;
    }
    free(out);
    return atomic_commit(&af, ok, err, errlen);
}

/* The score of params on d that picks the best epoch (higher is better):
 * accuracy, or minus the RMSE; *fit gets the regression metrics. */
static int main_score(const void *params, const data_set *d, double *score, train_fit *fit, char *err,
                      size_t errlen)
{
    if (d->t == NULL)
        return train_evaluate(net, params, d, score, NULL, err, errlen);
    if (train_evaluate_regression(net, params, d, fit, err, errlen) != 0)
        return -1;
    *score = -fit->rmse;
    return 0;
}

static int main_train(const cli_options *opts, main_data *d, char *err, size_t errlen)
{
    cli_options o = *opts; /* a resumed run takes its settings from the checkpoint */
    data_set *train = &d->train, *test = &d->test;
    const int regression = train->t != NULL;
    model_meta meta = {.classes = d->classes};
    train_state s;
    if (train_state_init(&s, net, o.seed, err, errlen) != 0)
        return -1;
    s.threads = o.threads;
    const model_info info = main_model_info();
    const size_t bytes = net->n_params * net->real_size;
    void *best = malloc(bytes);
    rng_state shuffle;
    rng_seed(&shuffle, o.seed ^ MAIN_SHUFFLE_STREAM);
    unsigned start = 1, best_epoch = 0;
    double best_val = -1.0;
    int status = 0;
    if (best == NULL) {
        status = err_set(err, errlen, net->name, "out of memory");
    } else if (o.resume_path) {
        ckpt_state ck = {.params = s.params, .opt = s.opt, .best = best};
        status = ckpt_load(o.resume_path, net, &ck, err, errlen);
        if (status == 0) {
            start = ck.epoch + 1;
            o.epochs = ck.epochs;
            o.seed = ck.seed;
            s.seed = ck.seed;
            o.rate = ck.rate;
            o.validation = ck.validation;
            shuffle = ck.shuffle;
            best_epoch = ck.best_epoch;
            best_val = ck.best_epoch ? ck.best_val : -1.0;
        }
    } else if (o.load_path) {
        status = model_load(o.load_path, &info, s.params, err, errlen);
    }

    /* the validation split: the last samples of the training file; a table or
     * a folder is often sorted by class, so its rows are shuffled first (by the
     * run's seed, so that a resumed run holds out the same rows) */
    const size_t n_val = (size_t)(o.validation * (double)train->n);
    if (status == 0 && n_val > 0 && d->source != MAIN_IDX &&
        data_shuffle(train, o.seed ^ MAIN_VALIDATION_STREAM, err, errlen) != 0)
        status = -1;
    const size_t n_train = train->n - n_val;
    const idx_dataset val = {.n = n_val, .dim = train->dim, .x = train->x + n_train * train->dim,
                             .y = train->y ? train->y + n_train : NULL,
                             .t = train->t ? train->t + n_train * train->n_targets : NULL,
                             .n_targets = train->n_targets};
    /* the input normalization: statistics of the rows trained on, applied to all */
    const data_set fitted = {.n = n_train, .dim = train->dim, .x = train->x};
    if (status == 0 && data_norm_fit(&meta.norm, net->normalize, &fitted, err, errlen) != 0)
        status = -1;
    data_norm_apply(&meta.norm, train->x, train->n);
    data_norm_apply(&meta.norm, test->x, test->n);
    uint32_t *order = malloc(n_train * sizeof *order);
    train_log_row *log = calloc(o.epochs, sizeof *log);
    if (status == 0 && (order == NULL || log == NULL))
        status = err_set(err, errlen, net->name, "out of memory");
    size_t logged = 0; /* rows of the log carried over from before a resume */
    if (status == 0 && o.resume_path && o.csv_path &&
        train_log_read(o.csv_path, log, start - 1, &logged) != 0 && !o.quiet)
        printf("log: %s does not hold epochs 1-%u; it restarts at epoch %u\n", o.csv_path, start - 1, start);

    if (status == 0 && !o.quiet) {
        printf("%s: from %s, %lu parameters (%s), %s, batch %u\n", net->name, net->spec, net->n_params,
               net->real_size == 4 ? "float" : "double", net->optimizer, net->batch);
        if (d->source == MAIN_IDX) {
            printf("data: %zu training%s, %zu test images from %s\n", n_train, n_val ? " + validation" : "",
                   test->n, o.data_dir);
        } else {
            const data_set shown = {.n = n_train, .dim = train->dim, .x = train->x, .y = train->y, .t = train->t,
                                    .n_targets = train->n_targets};
            data_summary("training", &shown, &d->classes, net->n_out);
            data_summary("test", test, &d->classes, net->n_out);
            printf("split: %s\n", d->split);
            printf("normalization: %s%s\n", data_norm_name(meta.norm.kind),
                   meta.norm.kind != DATA_NORM_NONE ? ", statistics of the training rows, kept in the model" : "");
        }
        if (n_val)
            printf(d->source == MAIN_IDX ? "validation: the last %zu training images\n"
                                         : "validation: %zu of the training rows, drawn by the seed\n",
                   n_val);
        printf("training: %u epoch%s, rate %g, seed %llu", o.epochs, o.epochs == 1 ? "" : "s", o.rate,
               (unsigned long long)o.seed);
        if (o.threads > 1)
            printf(", %u threads", o.threads);
        printf("\n");
        if (o.resume_path)
            printf("resuming: from %s, after epoch %u\n", o.resume_path, start - 1);
        fflush(stdout);
    }

    double acc = 0.0;
    const double t0 = train_now() - (logged ? log[logged - 1].seconds : 0.0);
    main_progress bar = {.epochs = o.epochs};
    if (status == 0 && !o.quiet && isatty(STDERR_FILENO)) {
        s.progress = main_draw_progress;
        s.progress_ctx = &bar;
    }
    for (unsigned e = start; e <= o.epochs && status == 0; ++e) {
        train_stats st;
        const double rate = train_rate(net, o.rate, e, o.epochs);
        /* each epoch's order depends on the shuffle generator alone */
        for (size_t k = 0; k < n_train; ++k)
            order[k] = (uint32_t)k;
        rng_shuffle(&shuffle, order, n_train);
        double vacc = 0.0;
        train_fit vfit = {0}, tfit = {0};
        bar.epoch = e;
        bar.start = train_now();
        bar.last_draw = 0.0;
        const int failed = train_epoch(net, &s, train, order, n_train, rate, e, &st, err, errlen);
        if (s.progress) {
            fprintf(stderr, "\r\033[K");
            fflush(stderr);
        }
        if (failed || (n_val && main_score(s.params, &val, &vacc, &vfit, err, errlen) != 0) ||
            main_score(s.params, test, &acc, &tfit, err, errlen) != 0) {
            status = -1;
            break;
        }
        if (n_val && (vacc > best_val || best_epoch == 0)) {
            best_val = vacc;
            best_epoch = e;
            memcpy(best, s.params, bytes);
        }
        log[logged++] = (train_log_row){.epoch = e, .loss = st.loss, .train_acc = st.accuracy,
                                        .val_acc = n_val ? (regression ? vfit.rmse : vacc) : NAN,
                                        .test_acc = regression ? tfit.rmse : acc,
                                        .samples_per_s = st.samples_per_s, .seconds = train_now() - t0,
                                        .test_mae = tfit.mae, .test_r2 = tfit.r2};
        if (o.csv_path && (regression ? train_log_write_regression(o.csv_path, log, logged, err, errlen)
                                      : train_log_write(o.csv_path, log, logged, err, errlen)) != 0) {
            status = -1;
            break;
        }
        if (o.checkpoint_path) {
            const ckpt_state ck = {.epoch = e, .epochs = o.epochs, .best_epoch = best_epoch, .seed = o.seed,
                                   .rate = o.rate, .validation = o.validation, .best_val = best_val,
                                   .shuffle = shuffle, .params = s.params, .opt = s.opt, .best = best};
            if (ckpt_save(o.checkpoint_path, net, &ck, err, errlen) != 0) {
                status = -1;
                break;
            }
        }
        if (!o.quiet) {
            char vtext[48] = "", rtext[48] = "";
            if (n_val)
                snprintf(vtext, sizeof vtext, regression ? "  val rmse %.4g" : "  val %6.2f%%",
                         regression ? vfit.rmse : 100.0 * vacc);
            if (o.verbose)
                snprintf(rtext, sizeof rtext, "  rate %.3g  %.1f s train", rate, st.seconds);
            const int w = o.epochs >= 1000 ? 4 : o.epochs >= 100 ? 3 : o.epochs >= 10 ? 2 : 1;
            if (regression)
                printf("epoch %*u/%u  loss %.4g  train rmse %.4g%s  test rmse %.4g  mae %.4g  r2 %.3f  %8.0f samples/s  "
                       "%6.1f s%s\n",
                       w, e, o.epochs, st.loss, st.accuracy, vtext, tfit.rmse, tfit.mae, tfit.r2, st.samples_per_s,
                       train_now() - t0, rtext);
            else
                printf("epoch %*u/%u  loss %.4f  train %6.2f%%%s  test %6.2f%%  %8.0f samples/s  %6.1f s%s\n",
                       w, e, o.epochs, st.loss, 100.0 * st.accuracy, vtext, 100.0 * acc, st.samples_per_s,
                       train_now() - t0, rtext);
            fflush(stdout);
        }
    }
    if (status == 0) {
        char what[96];
        snprintf(what, sizeof what, " after %u epochs, %.1f s", o.epochs, train_now() - t0);
        if (n_val) {
            memcpy(s.params, best, bytes);
            if (regression)
                snprintf(what, sizeof what, " at epoch %u, the best on validation (RMSE %.4g)", best_epoch, -best_val);
            else
                snprintf(what, sizeof what, " at epoch %u, the best on validation (%.2f%%)", best_epoch,
                         100.0 * best_val);
        }
        status = main_report(s.params, test, o.quiet, what, err, errlen);
    }
    if (status == 0 && o.save_path) {
        status = model_save_meta(o.save_path, &info, s.params, &meta, err, errlen);
        if (status == 0 && !o.quiet)
            printf("model: saved to %s\n", o.save_path);
    }
    if (status == 0 && o.csv_path && !o.quiet)
        printf("log: %s\n", o.csv_path);
    if (status == 0 && o.gallery_path && d->source == MAIN_IDX)
        status = main_gallery(o.gallery_path, s.params, test, o.quiet, err, errlen);
    data_norm_free(&meta.norm);
    free(log);
    free(order);
    free(best);
    train_state_free(&s);
    return status;
}

/* Quantize the model with a seeded sample of the training set; write the Lua file. */
static int main_quantize(const cli_options *o, const idx_dataset *train, char *err, size_t errlen)
{
    const model_info info = main_model_info();
    void *params = malloc(net->n_params * net->real_size);
    idx_dataset calib = {0};
    quant_model *q = calloc(1, sizeof *q);
    model_meta meta = {0}; /* a normalized net is calibrated on normalized images */
    int status = -1;
    if (params == NULL || q == NULL)
        err_set(err, errlen, net->name, "out of memory");
    else if (model_load_meta(o->load_path, &info, params, &meta, err, errlen) == 0 &&
             quant_sample(&calib, train, o->calibration, o->seed, err, errlen) == 0 &&
             (data_norm_apply(&meta.norm, calib.x, calib.n), 1) &&
             quant_build(q, net, params, &calib, o->seed, err, errlen) == 0 &&
             quant_write(o->out_path, q, net, o->load_path, err, errlen) == 0)
        status = 0;
    if (status == 0 && !o->quiet)
        printf("quantize: %s -> %s (ranges from %zu training images, seed %llu)\n", o->load_path, o->out_path,
               calib.n, (unsigned long long)o->seed);
    if (q != NULL)
        quant_free(q);
    free(q);
    free(params);
    idx_dataset_free(&calib);
    model_meta_free(&meta);
    return status;
}

/* Print the prediction out for one input named where: the values of a
 * regression, or the class. */
static void main_print_prediction(const char *where, const float *out, const data_classes *names, int values)
{
    if (values) {
        printf("%s:", where);
        for (unsigned j = 0; j < net->n_out; ++j)
            printf(" %.6g", out[j]);
        printf("\n");
        return;
    }
    const int softmax = strcmp(net->out_activation, "softmax") == 0;
    double sum = 0.0;
    for (unsigned j = 0; j < net->n_out; ++j)
        sum += softmax ? out[j] : fmax(out[j], 0.0);
    const unsigned best = train_argmax(out, net->n_out);
    printf("%s: %u", where, best);
    if (best < names->n)
        printf(" '%s'", names->name[best]);
    printf("  (%s", softmax ? "probabilities" : "outputs, normalized");
    for (unsigned j = 0; j < net->n_out; ++j)
        printf(" %u:%.3f", j, sum > 0 ? (softmax ? out[j] : fmax(out[j], 0.0)) / sum : 0.0);
    printf(")\n");
}

/* Predict the rows of a CSV file of features (raw values: the model's
 * normalization is applied). */
static int main_predict_csv(const char *path, const char *label, const void *params, model_meta *meta, float *out)
{
    char err[ERR_MAX];
    data_classes none = {0};
    const csv_options co = {.n_in = net->n_in, .n_out = net->n_out, .regression = train_is_regression(net),
                            .no_label = 1, .label = label, .classes = &none};
    data_set rows;
    if (csv_load(&rows, path, &co, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    data_norm_apply(&meta->norm, rows.x, rows.n);
    for (size_t k = 0; k < rows.n; ++k) {
        char where[4200];
        snprintf(where, sizeof where, "%s row %zu", path, k + 1);
        net->predict(params, rows.x + k * rows.dim, out);
        main_print_prediction(where, out, &meta->classes, train_is_regression(net));
    }
    data_set_free(&rows);
    return 0;
}

/* Classify each image or CSV row; a bad file gets a one-line error and the rest go on. */
static int main_predict(const cli_options *o)
{
    char err[ERR_MAX];
    const unsigned w = net->in_w, h = net->in_h;
    const model_info info = main_model_info();
    void *params = malloc(net->n_params * net->real_size);
    float *x = malloc(net->n_in * sizeof *x), *out = malloc(net->n_out * sizeof *out);
    char *art = malloc(image_ascii_size(w, h));
    model_meta meta = {0};
    if (!params || !x || !out || !art || model_load_meta(o->load_path, &info, params, &meta, err, sizeof err) != 0 ||
        (net->normalize != DATA_NORM_NONE && meta.norm.dim != net->n_in &&
         err_set(err, sizeof err, o->load_path, "model has no normalization statistics for the %u inputs", net->n_in))) {
        fprintf(stderr, "%s\n", params && x && out && art ? err : "out of memory");
        free(params);
        free(x);
        free(out);
        free(art);
        model_meta_free(&meta);
        return 1;
    }
    int failed = 0;
    for (int f = 0; f < o->n_files; ++f) {
        const char *path = o->files[f];
        if (csv_is_csv_name(path)) {
            failed |= main_predict_csv(path, o->label, params, &meta, out);
            continue;
        }
        if (net->in_c != 1) {
            fprintf(stderr, "%s: error: images are read as gray; network '%s' takes %u channels\n", path, net->name,
                    net->in_c);
            failed = 1;
            continue;
        }
        if (image_load_gray(path, w, h, x, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            failed = 1;
            continue;
        }
        data_norm_apply(&meta.norm, x, 1);
        net->predict(params, x, out);
        main_print_prediction(path, out, &meta.classes, 0);
        if (o->show && image_load_gray(path, w, h, x, err, sizeof err) == 0 &&
            image_ascii(x, w, h, art, image_ascii_size(w, h)) == 0)
            fputs(art, stdout);
    }
    model_meta_free(&meta);
    free(params);
    free(x);
    free(out);
    free(art);
    return failed;
}

int main(int argc, char **argv)
{
    char err[ERR_MAX];
    const char *env_dir = getenv("MNIST_DIR");
    char *model_path = main_beside_program(argv[0], net->name, ".model");
    char *weights_path = main_beside_program(argv[0], net->name, "_weights.c");
    char *csv_path = main_beside_program(argv[0], "train", ".csv");
    char *gallery_path = main_beside_program(argv[0], "errors", ".png");
    char *q8_path = main_beside_program(argv[0], net->name, "_q8.lua");
    if (model_path == NULL || weights_path == NULL || csv_path == NULL || gallery_path == NULL || q8_path == NULL) {
        fprintf(stderr, "%s: error: out of memory\n", net->name);
        return 1;
    }
    cli_options o = {
        .command = CLI_TRAIN,
        .rate = net->rate,
        .epochs = net->epochs,
        .seed = net->seed,
        .threads = net->threads > 0 ? net->threads : 1,
        .validation = net->validation,
        .data_dir = (env_dir && env_dir[0]) ? env_dir : "data/mnist",
        .save_path = model_path,
        .out_path = weights_path,
        .csv_path = csv_path,
        .gallery_path = gallery_path,
        .calibration = QUANT_CALIBRATION,
    };
    int status = 0;
    if (cli_parse(argc, argv, &o, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        status = 2;
    } else if ((o.command != CLI_TRAIN) && o.load_path == NULL) {
        o.load_path = model_path;
    }
    if (status == 0 && o.threads > 1 && net->batch == 1) {
        fprintf(stderr, "--threads: error: %s trains one sample at a time (batch 1); threads split a batch\n",
                net->name);
        status = 2;
    }
    if (status == 0 && o.command == CLI_QUANTIZE && o.out_path == weights_path)
        o.out_path = q8_path;
    if (status != 0) {
        /* the usage error is printed */
    } else if (o.command == CLI_HELP) {
        cli_options shown = o;
        shown.save_path = model_path;
        shown.out_path = weights_path;
        shown.csv_path = csv_path;
        shown.gallery_path = gallery_path;
        const size_t len = cli_usage(argv[0], &shown, NULL, 0);
        char *usage = malloc(len);
        if (usage == NULL) {
            fprintf(stderr, "%s: error: out of memory\n", net->name);
            status = 1;
        } else {
            cli_usage(argv[0], &shown, usage, len);
            fputs(usage, stdout);
        }
        free(usage);
    } else if (o.command == CLI_EXPORT) {
        const model_info info = main_model_info();
        void *params = malloc(net->n_params * net->real_size);
        model_meta meta = {0};
        if (params == NULL || model_load_meta(o.load_path, &info, params, &meta, err, sizeof err) != 0 ||
            export_c_weights_full(o.out_path, o.symbol, net, params, &meta, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", params ? err : "out of memory");
            status = 1;
        } else if (!o.quiet) {
            printf("export: %s -> %s\n", o.load_path, o.out_path);
        }
        model_meta_free(&meta);
        free(params);
    } else if (o.command == CLI_PREDICT) {
        status = main_predict(&o);
    } else {
        main_data d = {0};
        const int need_train = (o.command == CLI_TRAIN || o.command == CLI_QUANTIZE);
        const model_info info = main_model_info();
        void *params = need_train ? NULL : malloc(net->n_params * net->real_size);
        model_meta meta = {0};
        if (main_check_outputs(&o, err, sizeof err) != 0) {
            status = 1;
        } else if (!need_train && (params == NULL || model_load_meta(o.load_path, &info, params, &meta, err, sizeof err) != 0)) {
            if (params == NULL)
                err_set(err, sizeof err, net->name, "out of memory");
            status = 1;
        } else if (!need_train && net->normalize != DATA_NORM_NONE && meta.norm.dim != net->n_in) {
            err_set(err, sizeof err, o.load_path, "model has no normalization statistics for the %u inputs", net->n_in);
            status = 1;
        }
        if (status == 0) {
            /* eval maps class names as the model was trained */
            d.classes = meta.classes;
            memset(&meta.classes, 0, sizeof meta.classes);
            status = (o.resume_path && main_resume_seed(&o, err, sizeof err) != 0) ||
                     main_load_data(&d, &o, need_train, err, sizeof err) != 0;
        }
        if (status != 0) {
            /* the error is in err */
        } else if (need_train && (d.train.n > UINT32_MAX || d.train.n - (size_t)(o.validation * (double)d.train.n) == 0)) {
            err_set(err, sizeof err, o.data_dir, "%zu training %s leave none to train on", d.train.n,
                    d.source == MAIN_IDX ? "images" : "rows");
            status = 1;
        } else if (o.command == CLI_QUANTIZE) {
            status = main_quantize(&o, &d.train, err, sizeof err) != 0;
        } else if (need_train) {
            status = main_train(&o, &d, err, sizeof err) != 0;
        } else {
            char what[600];
            snprintf(what, sizeof what, " of %s", o.load_path);
            data_norm_apply(&meta.norm, d.test.x, d.test.n);
            status = main_report(params, &d.test, o.quiet, what, err, sizeof err) != 0 ||
                     (o.predictions_path &&
                      main_write_predictions(o.predictions_path, params, &d.test, err, sizeof err) != 0) ||
                     (o.gallery_path && d.source == MAIN_IDX &&
                      main_gallery(o.gallery_path, params, &d.test, o.quiet, err, sizeof err) != 0);
        }
        if (status)
            fprintf(stderr, "%s\n", err);
        free(params);
        model_meta_free(&meta);
        main_data_free(&d);
    }
    free(model_path);
    free(weights_path);
    free(csv_path);
    free(gallery_path);
    free(q8_path);
    return status;
}
