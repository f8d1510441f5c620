/* q8eval/q8eval.c: out/<net>/<net>_q8eval, the float network and its int8 form side
 * by side on the test set. Built by `make quantize` from this file, the
 * generated <net>.c and <net>_q8.c (both with -DCONSTNET_RUNTIME) and the
 * runtime; the int8 numbers come from the very code that goes to a device.
 * In a folder of its own: the .c files right in runtime/ are the library
 * plus the trainer's main.c, which tests/memcheck.sh and tests/test_props.c
 * compile as one glob.
 *
 *   <net>_q8eval [--data DIR] [--load MODEL] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "idx.h"
#include "model.h"
#include "quant.h"
#include "train.h"

static const train_net *net = &train_net_desc;
static const q8_net *q8 = &q8_net_desc;

typedef struct {
    size_t right, same;
    double seconds;
} q8eval_result;

static int q8eval_run(const void *params, const idx_dataset *test, q8eval_result *f, q8eval_result *q,
                      char *err, size_t errlen)
{
    float *out = malloc(net->n_out * sizeof *out);
    unsigned *fpred = malloc(test->n * sizeof *fpred);
    int8_t *xq = malloc(test->n * q8->n_in), *yq = malloc(q8->n_out);
    if (out == NULL || fpred == NULL || xq == NULL || yq == NULL) {
        free(out);
        free(fpred);
        free(xq);
        free(yq);
        return err_set(err, errlen, net->name, "out of memory");
    }
    double t0 = train_now();
    for (size_t k = 0; k < test->n; ++k) {
        net->predict(params, test->x + k * test->dim, out);
        fpred[k] = train_argmax(out, net->n_out);
        f->right += fpred[k] == test->y[k];
    }
    f->seconds = train_now() - t0;
    f->same = test->n;
    for (size_t k = 0; k < test->n; ++k) /* the images as a device gets them, before the clock */
        quant_input(xq + k * q8->n_in, test->x + k * test->dim, q8->n_in, q8->input);
    t0 = train_now();
    for (size_t k = 0; k < test->n; ++k) {
        const unsigned p = q8->predict(yq, xq + k * q8->n_in);
        q->right += p == test->y[k];
        q->same += p == fpred[k];
    }
    q->seconds = train_now() - t0;
    free(out);
    free(fpred);
    free(xq);
    free(yq);
    return 0;
}

int main(int argc, char **argv)
{
    char err[ERR_MAX];
    const char *data = getenv("MNIST_DIR") && getenv("MNIST_DIR")[0] ? getenv("MNIST_DIR") : "data/mnist";
    const char *load = NULL;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data = argv[++i];
        } else if (strcmp(argv[i], "--load") == 0 && i + 1 < argc) {
            load = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--data DIR] [--load MODEL]\n", argv[0]);
            return 2;
        }
    }
    if (load == NULL) {
        fprintf(stderr, "%s: error: --load MODEL is needed (the float model %s was quantized from)\n", q8->name,
                q8->name);
        return 2;
    }
    if (q8->fingerprint != net->fingerprint || q8->n_in != net->n_in || q8->n_out != net->n_out) {
        fprintf(stderr, "%s: error: quantized from another network than %s\n", q8->name, net->name);
        return 1;
    }
    const model_info info = {.name = net->name, .fingerprint = net->fingerprint, .real_size = net->real_size,
                             .n_params = net->n_params};
    void *params = malloc(net->n_params * net->real_size);
    idx_dataset test = {0};
    q8eval_result f = {0}, q = {0};
    int status = 1;
    if (params == NULL) {
        err_set(err, sizeof err, net->name, "out of memory");
    } else if (model_load(load, &info, params, err, sizeof err) == 0 &&
               idx_load_mnist(&test, data, "t10k", net->n_out, err, sizeof err) == 0 &&
               train_check_data(net, &test, data, err, sizeof err) == 0 &&
               q8eval_run(params, &test, &f, &q, err, sizeof err) == 0) {
        status = 0;
    }
    if (status != 0) {
        fprintf(stderr, "%s\n", err);
    } else {
        size_t units = 0;
        for (unsigned l = 1; l <= net->n_layers; ++l)
            units += net->sizes[l];
        const size_t n = test.n;
        printf("%s: %s, float and int8 on %zu test images from %s\n", net->name, load, n, data);
        printf("%-6s %9s %16s %22s %14s\n", "", "accuracy", "flash (weights)", "RAM (one prediction)", "samples/s");
        printf("%-6s %8.2f%% %14zu B %20zu B %14.0f\n", "float", 100.0 * (double)f.right / (double)n,
               (size_t)net->n_params * net->real_size, (net->n_in + units + net->n_out) * net->real_size,
               (double)n / (f.seconds > 0 ? f.seconds : 1e-9));
        printf("%-6s %8.2f%% %14zu B %20zu B %14.0f\n", "int8", 100.0 * (double)q.right / (double)n,
               q8->flash_bytes, q8->ram_bytes, (double)n / (q.seconds > 0 ? q.seconds : 1e-9));
        printf("int8 - float: %+.2f points; the same class on %.2f%% of the images\n",
               100.0 * ((double)q.right - (double)f.right) / (double)n, 100.0 * (double)q.same / (double)n);
    }
    free(params);
    idx_dataset_free(&test);
    return status;
}
