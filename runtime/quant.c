/* quant.c: post-training int8 quantization (see quant.h). */
#include "quant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "err.h"
#include "rng.h"

_Static_assert((-3 >> 1) == -2 && ((int64_t)-3 >> 1) == -2, "quant.c assumes arithmetic right shifts");

int quant_multiplier(double real, int32_t *mult, int *shift)
{
    if (!(real > 0.0) || !isfinite(real))
        return -1;
    int e;
    const double f = frexp(real, &e); /* real = f * 2^e, 0.5 <= f < 1 */
    int64_t m = llround(ldexp(f, 31));
    if (m == (INT64_C(1) << 31)) { /* f rounded up to 1 */
        m >>= 1;
        ++e;
    }
    const int s = 31 - e;
    if (s < 1 || s > 62)
        return -1;
    *mult = (int32_t)m;
    *shift = s;
    return 0;
}

int32_t quant_requant(int32_t acc, int32_t mult, int shift)
{
    const int64_t r = ((int64_t)acc * mult + ((int64_t)1 << (shift - 1))) >> shift;
    return r > INT32_MAX ? INT32_MAX : r < INT32_MIN ? INT32_MIN : (int32_t)r;
}

int8_t quant_weight(double w, double scale)
{
    const double q = round(w / scale);
    return (int8_t)(q > 127.0 ? 127 : q < -127.0 ? -127 : (int)q);
}

double quant_weight_scale(const double *w, size_t n, size_t stride)
{
    double m = 0.0;
    for (size_t i = 0; i < n; ++i)
        m = fmax(m, fabs(w[i * stride]));
    return m > 0.0 ? m / 127.0 : 1.0;
}

static int8_t quant_clamp8(int32_t v)
{
    return (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
}

void quant_input(int8_t *q, const float *x, size_t n, quant_tensor t)
{
    for (size_t i = 0; i < n; ++i) {
        const double v = round((double)x[i] / t.scale) + t.zero_point;
        q[i] = (int8_t)(v > 127.0 ? 127 : v < -128.0 ? -128 : (int)v);
    }
}

/* Offset, in reals, of layer l's w in the parameter block. */
static size_t quant_offset(const train_net *net, unsigned l)
{
    size_t off = 0;
    for (unsigned k = 0; k < l; ++k)
        off += (size_t)net->sizes[k] * net->sizes[k + 1] + net->sizes[k + 1];
    return off;
}

static double quant_param(const train_net *net, const void *params, size_t k)
{
    return net->real_size == 4 ? (double)((const float *)params)[k] : ((const double *)params)[k];
}

void quant_float_layer(const train_net *net, const void *params, unsigned l, const double *x, double *z,
                       double *y)
{
    const size_t n_in = net->sizes[l], n_out = net->sizes[l + 1], off = quant_offset(net, l);
    const char *a = net->activations[l];
    for (size_t j = 0; j < n_out; ++j)
        z[j] = quant_param(net, params, off + n_in * n_out + j);
    for (size_t i = 0; i < n_in; ++i)
        for (size_t j = 0; j < n_out; ++j)
            z[j] += x[i] * quant_param(net, params, off + i * n_out + j);
    for (size_t j = 0; j < n_out; ++j) {
        const double v = z[j];
        y[j] = strcmp(a, "sigmoid") == 0 ? 1.0 / (1.0 + exp(-v))
             : strcmp(a, "tanh") == 0    ? tanh(v)
             : strcmp(a, "relu") == 0    ? fmax(v, 0.0)
                                         : v; /* identity; softmax: the logits */
    }
}

void quant_layer_int8(const quant_model *q, unsigned l, const int8_t *x, int8_t *y)
{
    const quant_layer *L = &q->layer[l];
    for (unsigned j = 0; j < L->n_out; ++j) {
        int32_t acc = L->b[j];
        for (unsigned i = 0; i < L->n_in; ++i)
            acc += (x[i] - L->in.zero_point) * L->w[(size_t)i * L->n_out + j];
        const int32_t r = quant_requant(acc, L->mult[j], L->shift[j]);
        if (strcmp(L->activation, "sigmoid") == 0) {
            const int32_t n = (int32_t)q->sigmoid_n - 1, k = r > n ? n : r < -n ? -n : r;
            y[j] = (int8_t)(k >= 0 ? q->sigmoid[k] - 128 : 127 - q->sigmoid[-k]);
        } else if (strcmp(L->activation, "tanh") == 0) {
            const int32_t n = (int32_t)q->tanh_n - 1, k = r > n ? n : r < -n ? -n : r;
            y[j] = (int8_t)(k >= 0 ? q->tanh[k] : -q->tanh[-k]);
        } else {
            y[j] = quant_clamp8(L->out.zero_point + (r > 255 ? 255 : r < -255 ? -255 : r));
        }
    }
}

int quant_sample(idx_dataset *out, const idx_dataset *d, size_t n, uint64_t seed, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (n > d->n)
        n = d->n;
    uint32_t *order = malloc((d->n ? d->n : 1) * sizeof *order);
    out->x = malloc((n ? n : 1) * d->dim * sizeof *out->x);
    out->y = malloc(n ? n : 1);
    if (order == NULL || out->x == NULL || out->y == NULL) {
        free(order);
        idx_dataset_free(out);
        return err_set(err, errlen, "quantize", "out of memory");
    }
    for (size_t k = 0; k < d->n; ++k)
        order[k] = (uint32_t)k;
    rng_state r;
    rng_seed(&r, seed);
    rng_shuffle(&r, order, d->n);
    for (size_t k = 0; k < n; ++k) {
        memcpy(out->x + k * d->dim, d->x + (size_t)order[k] * d->dim, d->dim * sizeof *out->x);
        out->y[k] = d->y[order[k]];
    }
    out->n = n;
    out->dim = d->dim;
    free(order);
    return 0;
}

/* An affine int8 map of [lo, hi] (widened to hold 0). */
static quant_tensor quant_range(double lo, double hi)
{
    lo = fmin(lo, 0.0);
    hi = fmax(hi, 0.0);
    if (hi - lo < 1e-12)
        hi = lo + 1.0;
    const double scale = (hi - lo) / 255.0;
    const double zp = round(-128.0 - lo / scale);
    return (quant_tensor){scale, (int32_t)(zp > 127 ? 127 : zp < -128 ? -128 : zp)};
}

/* Fill a table of round(top * f(k * step)) from k = 0 until it reaches top. */
static int quant_table(double (*f)(double), int top, int step_log2, unsigned *n, int *values, char *err,
                       size_t errlen)
{
    for (unsigned k = 0; k < QUANT_TABLE_MAX; ++k) {
        values[k] = (int)lround(top * f(ldexp((double)k, -step_log2)));
        if (values[k] >= top) {
            *n = k + 1;
            return 0;
        }
    }
    return err_set(err, errlen, "quantize", "table does not saturate within %d entries", QUANT_TABLE_MAX);
}

static double quant_sigmoid(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

void quant_free(quant_model *q)
{
    for (unsigned l = 0; l < QUANT_MAX_LAYERS; ++l) {
        quant_layer *L = &q->layer[l];
        free(L->w_scale);
        free(L->w);
        free(L->b);
        free(L->mult);
        free(L->shift);
        L->w_scale = NULL;
        L->w = NULL;
        L->b = L->mult = NULL;
        L->shift = NULL;
    }
    q->n_layers = 0;
}

static int quant_supported(const char *a)
{
    static const char *const ok[] = {"sigmoid", "tanh", "relu", "identity", "softmax"};
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; ++k)
        if (strcmp(a, ok[k]) == 0)
            return 1;
    return 0;
}

/* Calibration: the range of the input and of every layer's output. */
static int quant_ranges(const train_net *net, const void *params, const idx_dataset *calib, double *lo,
                        double *hi, char *err, size_t errlen)
{
    unsigned width = net->n_in;
    for (unsigned l = 0; l < net->n_layers; ++l)
        width = net->sizes[l + 1] > width ? net->sizes[l + 1] : width;
    double *x = malloc(width * sizeof *x), *z = malloc(width * sizeof *z), *y = malloc(width * sizeof *y);
    if (x == NULL || z == NULL || y == NULL) {
        free(x);
        free(z);
        free(y);
        return err_set(err, errlen, "quantize", "out of memory");
    }
    for (unsigned l = 0; l <= net->n_layers; ++l) {
        lo[l] = INFINITY;
        hi[l] = -INFINITY;
    }
    for (size_t s = 0; s < calib->n; ++s) {
        for (unsigned i = 0; i < net->n_in; ++i) {
            x[i] = calib->x[s * calib->dim + i];
            lo[0] = fmin(lo[0], x[i]);
            hi[0] = fmax(hi[0], x[i]);
        }
        for (unsigned l = 0; l < net->n_layers; ++l) {
            quant_float_layer(net, params, l, x, z, y);
            for (unsigned j = 0; j < net->sizes[l + 1]; ++j) {
                lo[l + 1] = fmin(lo[l + 1], y[j]);
                hi[l + 1] = fmax(hi[l + 1], y[j]);
                x[j] = y[j];
            }
        }
    }
    free(x);
    free(z);
    free(y);
    return 0;
}

static int quant_dense(quant_layer *L, const train_net *net, const void *params, unsigned l, char *err,
                       size_t errlen)
{
    const size_t n_in = L->n_in, n_out = L->n_out, off = quant_offset(net, l);
    double *col = malloc(n_in * sizeof *col);
    L->w_scale = malloc(n_out * sizeof *L->w_scale);
    L->w = malloc(n_in * n_out);
    L->b = malloc(n_out * sizeof *L->b);
    L->mult = malloc(n_out * sizeof *L->mult);
    L->shift = malloc(n_out);
    if (col == NULL || L->w_scale == NULL || L->w == NULL || L->b == NULL || L->mult == NULL || L->shift == NULL) {
        free(col);
        return err_set(err, errlen, "quantize", "out of memory");
    }
    int rc = 0;
    for (size_t j = 0; j < n_out && rc == 0; ++j) {
        for (size_t i = 0; i < n_in; ++i)
            col[i] = quant_param(net, params, off + i * n_out + j);
        const double s = quant_weight_scale(col, n_in, 1);
        L->w_scale[j] = s;
        for (size_t i = 0; i < n_in; ++i)
            L->w[i * n_out + j] = quant_weight(col[i], s);
        const double acc_scale = L->in.scale * s;
        const double b = round(quant_param(net, params, off + n_in * n_out + j) / acc_scale);
        /* the bias plus the largest sum of products must stay in int32 */
        if (fabs(b) + 255.0 * 127.0 * (double)n_in >= 2147483647.0)
            rc = err_set(err, errlen, "quantize", "layer l%u, unit %zu: the bias %g does not fit the int32 accumulator",
                         l + 1, j, quant_param(net, params, off + n_in * n_out + j));
        L->b[j] = (int32_t)b;
        const double real = acc_scale / (L->z_step > 0.0 ? L->z_step : L->out.scale);
        int shift = 0;
        if (rc == 0 && quant_multiplier(real, &L->mult[j], &shift) != 0)
            rc = err_set(err, errlen, "quantize", "layer l%u, unit %zu: requantization factor %g out of range",
                         l + 1, j, real);
        L->shift[j] = (int8_t)shift;
    }
    free(col);
    return rc;
}

int quant_build(quant_model *q, const train_net *net, const void *params, const idx_dataset *calib,
                uint64_t seed, char *err, size_t errlen)
{
    memset(q, 0, sizeof *q);
    if (net->n_layers > QUANT_MAX_LAYERS)
        return err_set(err, errlen, "quantize", "%u layers, at most %d supported", net->n_layers, QUANT_MAX_LAYERS);
    for (unsigned l = 0; l < net->n_layers; ++l)
        if (!quant_supported(net->activations[l]))
            return err_set(err, errlen, "quantize",
                           "layer l%u: activation %s has no int8 form (sigmoid, tanh, relu, identity, softmax)",
                           l + 1, net->activations[l]);
    /* dense layers only: their parameters fill the block exactly */
    if (quant_offset(net, net->n_layers) != net->n_params)
        return err_set(err, errlen, "quantize", "%s: only networks of dense layers have an int8 form yet", net->name);
    if (calib->n == 0 || calib->dim != net->n_in)
        return err_set(err, errlen, "quantize", "no calibration samples of %u values", net->n_in);
    double lo[QUANT_MAX_LAYERS + 1], hi[QUANT_MAX_LAYERS + 1];
    if (quant_ranges(net, params, calib, lo, hi, err, errlen) != 0)
        return -1;
    q->calibration_n = calib->n;
    q->seed = seed;
    q->n_layers = net->n_layers;
    /* pixels in [0, 1]: q = pixel - 128 is exact */
    quant_tensor in = (lo[0] >= 0.0 && hi[0] <= 1.0) ? (quant_tensor){1.0 / 255.0, -128} : quant_range(lo[0], hi[0]);
    int tab[QUANT_TABLE_MAX];
    for (unsigned l = 0; l < net->n_layers; ++l) {
        quant_layer *L = &q->layer[l];
        const char *a = net->activations[l];
        L->n_in = net->sizes[l];
        L->n_out = net->sizes[l + 1];
        L->activation = a;
        L->in = in;
        if (strcmp(a, "sigmoid") == 0) {
            L->out = (quant_tensor){1.0 / 255.0, -128};
            L->z_step = ldexp(1.0, -QUANT_SIGMOID_STEP_LOG2);
            if (q->sigmoid_n == 0) {
                if (quant_table(quant_sigmoid, 255, QUANT_SIGMOID_STEP_LOG2, &q->sigmoid_n, tab, err, errlen) != 0)
                    return -1;
                for (unsigned k = 0; k < q->sigmoid_n; ++k)
                    q->sigmoid[k] = (uint8_t)tab[k];
            }
        } else if (strcmp(a, "tanh") == 0) {
            L->out = (quant_tensor){1.0 / 127.0, 0};
            L->z_step = ldexp(1.0, -QUANT_TANH_STEP_LOG2);
            if (q->tanh_n == 0) {
                if (quant_table(tanh, 127, QUANT_TANH_STEP_LOG2, &q->tanh_n, tab, err, errlen) != 0)
                    return -1;
                for (unsigned k = 0; k < q->tanh_n; ++k)
                    q->tanh[k] = (int8_t)tab[k];
            }
        } else if (strcmp(a, "relu") == 0) {
            L->out = quant_range(0.0, hi[l + 1]);
        } else {
            L->out = quant_range(lo[l + 1], hi[l + 1]);
        }
        if (quant_dense(L, net, params, l, err, errlen) != 0)
            return -1;
        in = L->out;
    }
    return 0;
}

/* "name = { v, v, ... }," with per_line values a line. */
#define QUANT_WRITE_LIST(fp, indent, name, n, per_line, fmt, expr)                                           \
    do {                                                                                                     \
        fprintf(fp, "%s%s = {", indent, name);                                                               \
        for (size_t k_ = 0; k_ < (size_t)(n); ++k_)                                                          \
            fprintf(fp, "%s" fmt ",", k_ % (per_line) == 0 ? "\n  " indent : " ", expr);                    \
        fprintf(fp, "\n%s},\n", indent);                                                                     \
    } while (0)

static void quant_write_tensor(FILE *fp, const char *name, quant_tensor t)
{
    fprintf(fp, "    %s = { scale = %.17g, zero_point = %d },\n", name, t.scale, (int)t.zero_point);
}

/* A table, when it has entries: "name = { step_log2 = S, values = {...} }," */
static void quant_write_table(FILE *fp, const char *name, int step_log2, const int *v, unsigned n)
{
    if (n == 0)
        return;
    fprintf(fp, "  %s = {\n    step_log2 = %d,\n", name, step_log2);
    QUANT_WRITE_LIST(fp, "    ", "values", n, 16, "%d", v[k_]);
    fprintf(fp, "  },\n");
}

int quant_write(const char *path, const quant_model *q, const train_net *net, const char *model_path,
                char *err, size_t errlen)
{
    atomic_file f = {0};
    if (atomic_open(&f, path, err, errlen) != 0)
        return -1;
    FILE *fp = f.fp;
    fprintf(fp, "-- int8 quantization of %s (%s), written by `%s quantize`; read by\n", net->name, net->spec,
            net->name);
    fprintf(fp, "-- lua5.4 gen/constnet.lua %s --int8 THIS_FILE. Do not edit.\n", net->spec);
    fprintf(fp, "-- model: %s; calibration: %zu training images drawn with seed %llu\n", model_path,
            q->calibration_n, (unsigned long long)q->seed);
    fprintf(fp, "-- real = scale * (q - zero_point); w[i][j] = w_scale[j] * q; see runtime/quant.h\n");
    fprintf(fp, "return {\n  format = \"constnet-q8\",\n  version = %d,\n", QUANT_VERSION);
    fprintf(fp, "  name = \"%s\",\n  fingerprint = 0x%08lx,\n", net->name, (unsigned long)net->fingerprint);
    fprintf(fp, "  calibration = { samples = %zu, seed = \"%llu\" },\n", q->calibration_n,
            (unsigned long long)q->seed);
    int tab[QUANT_TABLE_MAX];
    for (unsigned k = 0; k < q->sigmoid_n; ++k)
        tab[k] = q->sigmoid[k];
    quant_write_table(fp, "sigmoid", QUANT_SIGMOID_STEP_LOG2, tab, q->sigmoid_n);
    for (unsigned k = 0; k < q->tanh_n; ++k)
        tab[k] = q->tanh[k];
    quant_write_table(fp, "tanh", QUANT_TANH_STEP_LOG2, tab, q->tanh_n);
    fprintf(fp, "  layers = {\n");
    for (unsigned l = 0; l < q->n_layers; ++l) {
        const quant_layer *L = &q->layer[l];
        fprintf(fp, "   {\n    kind = \"dense\",\n    n_in = %u,\n    n_out = %u,\n    activation = \"%s\",\n",
                L->n_in, L->n_out, L->activation);
        quant_write_tensor(fp, "input", L->in);
        quant_write_tensor(fp, "output", L->out);
        QUANT_WRITE_LIST(fp, "    ", "w_scale", L->n_out, 4, "%.17g", L->w_scale[k_]);
        QUANT_WRITE_LIST(fp, "    ", "w", (size_t)L->n_in * L->n_out, 32, "%d", (int)L->w[k_]);
        QUANT_WRITE_LIST(fp, "    ", "b", L->n_out, 8, "%ld", (long)L->b[k_]);
        QUANT_WRITE_LIST(fp, "    ", "mult", L->n_out, 8, "%ld", (long)L->mult[k_]);
        QUANT_WRITE_LIST(fp, "    ", "shift", L->n_out, 16, "%d", (int)L->shift[k_]);
        fprintf(fp, "   },\n");
    }
    fprintf(fp, "  },\n}\n");
    return atomic_commit(&f, !ferror(fp), err, errlen);
}
