/* bench_fann.c: (b) FANN 2.2.0 (Debian libfann-dev, float build), the same
 * network trained the same way, one fann_train call per sample.
 *
 * How the settings make FANN compute what the others compute:
 *   FANN_SIGMOID with steepness s is 1 / (1 + exp(-2 s z)): s = 0.5 gives the
 *     logistic function.
 *   FANN_ERRORFUNC_LINEAR back-propagates (t - a) * f'(z). Our loss
 *     sum (a - t)^2 back-propagates 2 (a - t) f'(z), so FANN's learning rate
 *     is twice ours (0.2 for 0.1).
 *   learning momentum 0 and FANN_TRAIN_INCREMENTAL: plain SGD, batch 1.
 * One difference remains, and it is FANN's own: its sigmoid derivative
 * clips the activation into [0.01, 0.99] first (fann_activation_derived in
 * fann_train.c), so a saturated unit still learns a little. That is why
 * FANN's accuracy can differ slightly from the other two.
 *
 * Copying the shared weights in. FANN numbers its neurons layer after layer,
 * each layer followed by its bias neuron (value 1), and stores one weight per
 * connection, target neuron after target neuron, each target's sources in
 * order with the bias last. fann_get_connection_array lists the connections
 * in exactly that storage order (index k is ann->weights[k]), as
 * (from_neuron, to_neuron, weight). fann_set_weight_array would take that
 * array back, but it sets each weight by a brute-force search over all
 * connections (quadratic: 1.2e10 steps for this net, 14 s per run on the
 * benchmark machine), so the weights are written by index instead, and then
 * read back through fann_get_connection_array and compared with the shared
 * start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <floatfann.h>

#include "common.h"
#include "err.h"

static int fail(const char *msg)
{
    fprintf(stderr, "bench_fann: error: %s\n", msg);
    return 1;
}

/* Which layer a neuron index is in, given each layer's first neuron. */
static int layer_of(unsigned neuron, const unsigned first[BENCH_LAYERS + 2])
{
    for (int l = 0; l <= BENCH_LAYERS; ++l)
        if (neuron >= first[l] && neuron < first[l + 1])
            return l;
    return -1;
}

/* The shared start's value for connection c; -1 if c is not in this net. */
static int shared_weight(const bench_setup *s, const struct fann_connection *c,
                         const unsigned first[BENCH_LAYERS + 2], float *w)
{
    const int lt = layer_of(c->to_neuron, first), lf = layer_of(c->from_neuron, first);
    if (lt < 1 || lf != lt - 1)
        return -1;
    const unsigned j = c->to_neuron - first[lt], i = c->from_neuron - first[lf];
    const unsigned nin = (unsigned)bench_sizes[lf], nout = (unsigned)bench_sizes[lt];
    if (j >= nout || i > nin)
        return -1;
    *w = i == nin ? s->b[lf][j] : s->w[lf][(size_t)i * nout + j];
    return 0;
}

static int load_weights(struct fann *ann, const bench_setup *s)
{
    unsigned layers[BENCH_LAYERS + 1], bias[BENCH_LAYERS + 1];
    if (fann_get_num_layers(ann) != BENCH_LAYERS + 1)
        return fail("unexpected layer count");
    fann_get_layer_array(ann, layers);
    fann_get_bias_array(ann, bias);
    unsigned first[BENCH_LAYERS + 2];
    first[0] = 0;
    for (int l = 0; l <= BENCH_LAYERS; ++l) {
        if (layers[l] != (unsigned)bench_sizes[l] || bias[l] != (l < BENCH_LAYERS ? 1u : 0u))
            return fail("unexpected layer or bias layout");
        first[l + 1] = first[l] + layers[l] + 1; /* every layer, the last too, has a bias slot */
    }

    const unsigned n = fann_get_total_connections(ann);
    unsigned expect = 0;
    for (int l = 0; l < BENCH_LAYERS; ++l)
        expect += (unsigned)(bench_sizes[l] + 1) * (unsigned)bench_sizes[l + 1];
    if (n != expect)
        return fail("unexpected connection count");

    struct fann_connection *con = malloc(n * sizeof *con);
    if (con == NULL)
        return fail("out of memory");
    fann_get_connection_array(ann, con);
    for (unsigned k = 0; k < n; ++k) {
        float w;
        if (shared_weight(s, &con[k], first, &w) != 0) {
            free(con);
            return fail("a connection outside the 784-128-64-10 layout");
        }
        ann->weights[k] = w; /* = fann_set_weight(ann, from, to, w), by index */
    }
    /* Read back through the public API. */
    fann_get_connection_array(ann, con);
    for (unsigned k = 0; k < n; ++k) {
        float w;
        if (shared_weight(s, &con[k], first, &w) != 0 || memcmp(&w, &con[k].weight, sizeof w) != 0) {
            free(con);
            return fail("weights read back differ from the shared start");
        }
    }
    free(con);
    return 0;
}

int main(int argc, char **argv)
{
    char err[ERR_MAX];
    bench_setup s;
    if (bench_setup_init(&s, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    struct fann *ann = fann_create_standard(4, (unsigned)bench_sizes[0], (unsigned)bench_sizes[1],
                                            (unsigned)bench_sizes[2], (unsigned)bench_sizes[3]);
    if (ann == NULL)
        return fail("fann_create_standard failed");
    fann_set_activation_function_hidden(ann, FANN_SIGMOID);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    fann_set_activation_steepness_hidden(ann, 0.5f);
    fann_set_activation_steepness_output(ann, 0.5f);
    fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
    fann_set_learning_rate(ann, (float)(2.0 * s.rate));
    fann_set_learning_momentum(ann, 0.0f);
    fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
    if (load_weights(ann, &s) != 0)
        return 1;

    fann_reset_MSE(ann);
    const double t0 = bench_now();
    for (size_t k = 0; k < s.n_train; ++k) {
        const uint32_t n = s.order[k];
        fann_train(ann, s.train.x + (size_t)n * s.train.dim, s.onehot[s.train.y[n]]);
    }
    const double t1 = bench_now();
    const double mean_loss = (double)fann_get_MSE(ann) * BENCH_CLASSES;

    size_t correct = 0;
    const double t2 = bench_now();
    for (size_t k = 0; k < s.test.n; ++k) {
        const fann_type *y = fann_run(ann, s.test.x + k * s.test.dim);
        correct += (size_t)(bench_argmax(y, BENCH_CLASSES) == (int)s.test.y[k]);
    }
    const double t3 = bench_now();

    fprintf(stderr, "fann: mean training loss %.6f\n", mean_loss);
    bench_report("fann", s.n_train, t1 - t0, s.test.n, t3 - t2, correct);

    fann_destroy(ann);
    bench_setup_free(&s);
    return 0;
}
