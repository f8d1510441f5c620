/* main.c: the trainer, out/<net>/<net>. The only place that exits. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "err.h"
#include "idx.h"
#include "rng.h"
#include "train.h"

/* The shuffles draw from their own stream, so that changing the number of
 * epochs never changes the initial weights. */
#define MAIN_SHUFFLE_STREAM 0x9e3779b97f4a7c15u

static int main_fail(const char *msg)
{
    fprintf(stderr, "%s\n", msg);
    return 1;
}

int main(int argc, char **argv)
{
    const train_net *net = &train_net_desc;
    char err[ERR_MAX];
    const char *env_dir = getenv("MNIST_DIR");
    cli_options o = {
        .command = CLI_TRAIN,
        .rate = net->rate,
        .epochs = net->epochs,
        .seed = net->seed,
        .data_dir = (env_dir && env_dir[0]) ? env_dir : "data/mnist",
    };
    if (cli_parse(argc, argv, &o, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    if (o.command == CLI_HELP) {
        char usage[2048];
        cli_usage(argv[0], &o, usage, sizeof usage);
        fputs(usage, stdout);
        return 0;
    }

    idx_dataset train = {0}, test = {0};
    if (idx_load_mnist(&train, o.data_dir, "train", net->n_out, err, sizeof err) != 0 ||
        train_check_data(net, &train, o.data_dir, err, sizeof err) != 0 ||
        idx_load_mnist(&test, o.data_dir, "t10k", net->n_out, err, sizeof err) != 0 ||
        train_check_data(net, &test, o.data_dir, err, sizeof err) != 0) {
        idx_dataset_free(&train);
        idx_dataset_free(&test);
        return main_fail(err);
    }
    if (train.n > UINT32_MAX) {
        idx_dataset_free(&train);
        idx_dataset_free(&test);
        return main_fail("constnet: error: more than 2^32 training samples");
    }

    void *params = train_new_params(net, o.seed, err, sizeof err);
    uint32_t *order = malloc(train.n * sizeof *order);
    if (params == NULL || order == NULL) {
        free(params);
        free(order);
        idx_dataset_free(&train);
        idx_dataset_free(&test);
        return main_fail(params ? "constnet: error: out of memory" : err);
    }
    for (size_t k = 0; k < train.n; ++k)
        order[k] = (uint32_t)k;
    rng_state shuffle;
    rng_seed(&shuffle, o.seed ^ MAIN_SHUFFLE_STREAM);

    if (!o.quiet) {
        printf("%s: from %s, %lu parameters (%s)\n", net->name, net->spec, net->n_params,
               net->real_size == 4 ? "float" : "double");
        printf("data: %zu training and %zu test images from %s\n", train.n, test.n, o.data_dir);
        printf("training: %u epochs, rate %g, seed %llu\n", o.epochs, o.rate,
               (unsigned long long)o.seed);
        fflush(stdout);
    }

    int status = 0;
    double acc = 0.0;
    const double t0 = train_now();
    for (unsigned e = 1; e <= o.epochs; ++e) {
        train_stats st;
        rng_shuffle(&shuffle, order, train.n);
        if (train_epoch(net, params, &train, order, o.rate, e, &st, err, sizeof err) != 0 ||
            train_evaluate(net, params, &test, &acc, NULL, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            status = 1;
            break;
        }
        if (!o.quiet) {
            printf("epoch %*u/%u  loss %.4f  train %6.2f%%  test %6.2f%%  %8.0f samples/s  %6.1f s\n",
                   o.epochs >= 10 ? 2 : 1, e, o.epochs, st.loss, 100.0 * st.accuracy, 100.0 * acc,
                   st.samples_per_s, train_now() - t0);
            fflush(stdout);
        }
    }
    if (status == 0)
        printf("test accuracy: %.2f%% (%.0f/%zu) after %u epochs, %.1f s\n", 100.0 * acc,
               acc * (double)test.n, test.n, o.epochs, train_now() - t0);

    free(order);
    free(params);
    idx_dataset_free(&train);
    idx_dataset_free(&test);
    return status;
}
