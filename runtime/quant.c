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

/* The parameter tensor "l<l+1>.<what>" of net: its first index in the block,
 * or -1 when the descriptor has none. */
static long quant_tensor_at(const train_net *net, unsigned l, const char *what)
{
    char name[32];
    snprintf(name, sizeof name, "l%u.%s", l + 1, what);
    for (unsigned k = 0; k < net->n_tensors; ++k)
        if (strcmp(net->tensors[k].name, name) == 0)
            return (long)net->tensors[k].offset;
    return -1;
}

static double quant_param(const train_net *net, const void *params, size_t k)
{
    return net->real_size == 4 ? (double)((const float *)params)[k] : ((const double *)params)[k];
}

static int quant_is(const train_layer *g, const char *kind)
{
    return strcmp(g->kind, kind) == 0;
}

/* The float dense and conv2d sums z, straight from the parameter block. */
static void quant_float_dense(const train_net *net, const void *params, unsigned l, const double *x, double *z)
{
    const size_t n_in = net->sizes[l], n_out = net->sizes[l + 1];
    const size_t w = (size_t)quant_tensor_at(net, l, "w"), b = (size_t)quant_tensor_at(net, l, "b");
    for (size_t j = 0; j < n_out; ++j)
        z[j] = quant_param(net, params, b + j);
    for (size_t i = 0; i < n_in; ++i)
        for (size_t j = 0; j < n_out; ++j)
            z[j] += x[i] * quant_param(net, params, w + i * n_out + j);
}

static void quant_float_conv(const train_net *net, const void *params, unsigned l, const double *x, double *z)
{
    const train_layer *g = &net->layers[l];
    const size_t w = (size_t)quant_tensor_at(net, l, "w"), b = (size_t)quant_tensor_at(net, l, "b");
    for (unsigned o = 0; o < g->o; ++o)
        for (unsigned i = 0; i < g->oh; ++i)
            for (unsigned j = 0; j < g->ow; ++j) {
                double acc = quant_param(net, params, b + o);
                for (unsigned c = 0; c < g->c; ++c)
                    for (unsigned u = 0; u < g->kh; ++u) {
                        const long r = (long)(i * g->sh + u) - (long)g->ph;
                        if (r < 0 || r >= (long)g->h)
                            continue;
                        for (unsigned v = 0; v < g->kw; ++v) {
                            const long s = (long)(j * g->sw + v) - (long)g->pw;
                            if (s < 0 || s >= (long)g->w)
                                continue;
                            acc += x[((size_t)c * g->h + (size_t)r) * g->w + (size_t)s] *
                                   quant_param(net, params, w + (((size_t)o * g->c + c) * g->kh + u) * g->kw + v);
                        }
                    }
                z[((size_t)o * g->oh + i) * g->ow + j] = acc;
            }
}

/* Max or mean over each pooling window: double or int8 (through t, 0 or 128). */
#define QUANT_POOL(g, x, y, T, start, fold, finish)                                                         \
    for (unsigned c_ = 0; c_ < (g)->c; ++c_)                                                                 \
        for (unsigned i_ = 0; i_ < (g)->oh; ++i_)                                                            \
            for (unsigned j_ = 0; j_ < (g)->ow; ++j_) {                                                      \
                T a_ = (start);                                                                              \
                for (unsigned u_ = 0; u_ < (g)->kh; ++u_)                                                    \
                    for (unsigned v_ = 0; v_ < (g)->kw; ++v_) {                                              \
                        const T e_ = (x)[((size_t)c_ * (g)->h + i_ * (g)->sh + u_) * (g)->w + j_ * (g)->sw + v_]; \
                        a_ = (fold);                                                                         \
                    }                                                                                        \
                (y)[((size_t)c_ * (g)->oh + i_) * (g)->ow + j_] = (finish);                                  \
            }

void quant_float_layer(const train_net *net, const void *params, unsigned l, const double *x, double *z,
                       double *y)
{
    const train_layer *g = &net->layers[l];
    const size_t n_out = net->sizes[l + 1];
    const double area = (double)g->kh * g->kw;
    if (quant_is(g, "dense"))
        quant_float_dense(net, params, l, x, z);
    else if (quant_is(g, "conv2d"))
        quant_float_conv(net, params, l, x, z);
    else if (quant_is(g, "maxpool2d"))
        QUANT_POOL(g, x, z, double, -INFINITY, fmax(a_, e_), a_)
    else if (quant_is(g, "avgpool2d"))
        QUANT_POOL(g, x, z, double, 0.0, a_ + e_, a_ / area)
    else /* flatten, dropout (identity at inference) */
        memcpy(z, x, n_out * sizeof *z);
    const char *a = net->activations[l];
    for (size_t j = 0; j < n_out; ++j) {
        const double v = z[j];
        y[j] = strcmp(a, "sigmoid") == 0 ? 1.0 / (1.0 + exp(-v))
             : strcmp(a, "tanh") == 0    ? tanh(v)
             : strcmp(a, "relu") == 0    ? fmax(v, 0.0)
                                         : v; /* identity, none; softmax: the logits */
    }
}

/* acc requantized to the output: through a table or saturated around its zero point */
static int8_t quant_out(const quant_model *q, const quant_layer *L, int32_t acc, unsigned ch)
{
    const int32_t r = quant_requant(acc, L->mult[ch], L->shift[ch]);
    if (strcmp(L->activation, "sigmoid") == 0) {
        const int32_t n = (int32_t)q->sigmoid_n - 1, k = r > n ? n : r < -n ? -n : r;
        return (int8_t)(k >= 0 ? q->sigmoid[k] - 128 : 127 - q->sigmoid[-k]);
    }
    if (strcmp(L->activation, "tanh") == 0) {
        const int32_t n = (int32_t)q->tanh_n - 1, k = r > n ? n : r < -n ? -n : r;
        return (int8_t)(k >= 0 ? q->tanh[k] : -q->tanh[-k]);
    }
    return quant_clamp8(L->out.zero_point + (r > 255 ? 255 : r < -255 ? -255 : r));
}

static void quant_conv_int8(const quant_model *q, const quant_layer *L, const int8_t *x, int8_t *y)
{
    const train_layer *g = &L->g;
    for (unsigned o = 0; o < g->o; ++o)
        for (unsigned i = 0; i < g->oh; ++i)
            for (unsigned j = 0; j < g->ow; ++j) {
                int32_t acc = L->b[o];
                for (unsigned c = 0; c < g->c; ++c)
                    for (unsigned u = 0; u < g->kh; ++u) {
                        const long r = (long)(i * g->sh + u) - (long)g->ph;
                        if (r < 0 || r >= (long)g->h)
                            continue; /* padding is the zero point: adds nothing */
                        for (unsigned v = 0; v < g->kw; ++v) {
                            const long s = (long)(j * g->sw + v) - (long)g->pw;
                            if (s < 0 || s >= (long)g->w)
                                continue;
                            acc += (x[((size_t)c * g->h + (size_t)r) * g->w + (size_t)s] - L->in.zero_point) *
                                   L->w[(((size_t)o * g->c + c) * g->kh + u) * g->kw + v];
                        }
                    }
                y[((size_t)o * g->oh + i) * g->ow + j] = quant_out(q, L, acc, o);
            }
}

void quant_layer_int8(const quant_model *q, unsigned l, const int8_t *x, int8_t *y)
{
    const quant_layer *L = &q->layer[l];
    const train_layer *g = &L->g;
    const int32_t area = (int32_t)(g->kh * g->kw);
    if (strcmp(L->kind, "dense") == 0) {
        for (unsigned j = 0; j < L->n_out; ++j) {
            int32_t acc = L->b[j];
            for (unsigned i = 0; i < L->n_in; ++i)
                acc += (x[i] - L->in.zero_point) * L->w[(size_t)i * L->n_out + j];
            y[j] = quant_out(q, L, acc, j);
        }
    } else if (strcmp(L->kind, "conv2d") == 0) {
        quant_conv_int8(q, L, x, y);
    } else if (strcmp(L->kind, "maxpool2d") == 0) {
        QUANT_POOL(g, x, y, int32_t, -128, e_ > a_ ? e_ : a_, (int8_t)a_)
    } else if (strcmp(L->kind, "avgpool2d") == 0) {
        /* the mean of q, halves up: t = sum (q + 128) >= 0, round(t / n) = (2t + n) / 2n */
        QUANT_POOL(g, x, y, int32_t, 0, a_ + e_ + 128, (int8_t)((2 * a_ + area) / (2 * area) - 128))
    } else {
        memcpy(y, x, L->n_out);
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

/* the activations a dense or conv2d layer may end in */
static int quant_supported(const char *a)
{
    static const char *const ok[] = {"sigmoid", "tanh", "relu", "identity", "softmax"};
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; ++k)
        if (strcmp(a, ok[k]) == 0)
            return 1;
    return 0;
}

/* 1: a kind with weights (dense, conv2d); 0: one that passes its input's
 * scale through (poolings, flatten, dropout); -1: no int8 form */
static int quant_weighted(const char *kind)
{
    static const char *const pass[] = {"maxpool2d", "avgpool2d", "flatten", "dropout"};
    if (strcmp(kind, "dense") == 0 || strcmp(kind, "conv2d") == 0)
        return 1;
    for (size_t k = 0; k < sizeof pass / sizeof pass[0]; ++k)
        if (strcmp(kind, pass[k]) == 0)
            return 0;
    return -1;
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

/* Weights per output channel (a dense layer's unit, a conv2d filter), int32
 * biases and the requantization of each channel. Weight k of channel ch sits
 * at w[ch * fan_in + k] (conv2d: w[o][c][kh][kw]) or w[k * n_out + ch]
 * (dense: w[i][j]), as in the parameter block. */
static int quant_weights(quant_layer *L, const train_net *net, const void *params, unsigned l, char *err,
                         size_t errlen)
{
    const int conv = strcmp(L->kind, "conv2d") == 0;
    const size_t n_ch = L->n_ch, fan = L->fan_in, n_w = n_ch * fan;
    const long w_at = quant_tensor_at(net, l, "w"), b_at = quant_tensor_at(net, l, "b");
    if (w_at < 0 || b_at < 0)
        return err_set(err, errlen, "quantize", "layer l%u: no tensors l%u.w and l%u.b in the descriptor", l + 1,
                       l + 1, l + 1);
    double *col = malloc(fan * sizeof *col);
    L->w_scale = malloc(n_ch * sizeof *L->w_scale);
    L->w = malloc(n_w);
    L->b = malloc(n_ch * sizeof *L->b);
    L->mult = malloc(n_ch * sizeof *L->mult);
    L->shift = malloc(n_ch);
    if (col == NULL || L->w_scale == NULL || L->w == NULL || L->b == NULL || L->mult == NULL || L->shift == NULL) {
        free(col);
        return err_set(err, errlen, "quantize", "out of memory");
    }
    int rc = 0;
    for (size_t j = 0; j < n_ch && rc == 0; ++j) {
        for (size_t i = 0; i < fan; ++i)
            col[i] = quant_param(net, params, (size_t)w_at + (conv ? j * fan + i : i * n_ch + j));
        const double s = quant_weight_scale(col, fan, 1);
        L->w_scale[j] = s;
        for (size_t i = 0; i < fan; ++i)
            L->w[conv ? j * fan + i : i * n_ch + j] = quant_weight(col[i], s);
        const double acc_scale = L->in.scale * s;
        const double bias = quant_param(net, params, (size_t)b_at + j);
        const double b = round(bias / acc_scale);
        /* the bias plus the largest sum of products must stay in int32 */
        if (fabs(b) + 255.0 * 127.0 * (double)fan >= 2147483647.0)
            rc = err_set(err, errlen, "quantize", "layer l%u, unit %zu: the bias %g does not fit the int32 accumulator",
                         l + 1, j, bias);
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
    if (net->layers == NULL || net->tensors == NULL)
        return err_set(err, errlen, "quantize", "%s: the network descriptor has no layer and tensor tables; "
                       "generate the network again", net->name);
    for (unsigned l = 0; l < net->n_layers; ++l) {
        const int weighted = quant_weighted(net->layers[l].kind);
        if (weighted < 0)
            return err_set(err, errlen, "quantize", "layer l%u: a %s layer has no int8 form", l + 1,
                           net->layers[l].kind);
        if (weighted && !quant_supported(net->activations[l]))
            return err_set(err, errlen, "quantize",
                           "layer l%u: activation %s has no int8 form (sigmoid, tanh, relu, identity, softmax)",
                           l + 1, net->activations[l]);
    }
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
        L->kind = net->layers[l].kind;
        L->g = net->layers[l];
        L->n_in = net->sizes[l];
        L->n_out = net->sizes[l + 1];
        L->activation = a;
        L->in = in;
        if (!quant_weighted(L->kind)) { /* max, mean, copy: the input's scale and zero point */
            L->out = in;
            continue;
        }
        const int conv = strcmp(L->kind, "conv2d") == 0;
        L->n_ch = conv ? L->g.o : L->n_out;
        L->fan_in = conv ? L->g.c * L->g.kh * L->g.kw : L->n_in;
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
        if (quant_weights(L, net, params, l, err, errlen) != 0)
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
    fprintf(fp, "-- real = scale * (q - zero_point); weights per output channel j (dense w[i][j], conv2d "
                "w[j][c][kh][kw]) = w_scale[j] * q; see runtime/quant.h\n");
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
        fprintf(fp, "   {\n    kind = \"%s\",\n    n_in = %u,\n    n_out = %u,\n    activation = \"%s\",\n",
                L->kind, L->n_in, L->n_out, L->activation);
        quant_write_tensor(fp, "input", L->in);
        quant_write_tensor(fp, "output", L->out);
        if (L->w != NULL) { /* dense: w[i][j]; conv2d: w[o][c][kh][kw] */
            QUANT_WRITE_LIST(fp, "    ", "w_scale", L->n_ch, 4, "%.17g", L->w_scale[k_]);
            QUANT_WRITE_LIST(fp, "    ", "w", (size_t)L->n_ch * L->fan_in, 32, "%d", (int)L->w[k_]);
            QUANT_WRITE_LIST(fp, "    ", "b", L->n_ch, 8, "%ld", (long)L->b[k_]);
            QUANT_WRITE_LIST(fp, "    ", "mult", L->n_ch, 8, "%ld", (long)L->mult[k_]);
            QUANT_WRITE_LIST(fp, "    ", "shift", L->n_ch, 16, "%d", (int)L->shift[k_]);
        }
        fprintf(fp, "   },\n");
    }
    fprintf(fp, "  },\n}\n");
    return atomic_commit(&f, !ferror(fp), err, errlen);
}
