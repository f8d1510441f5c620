/* bench_naive.c: (c) the network written from scratch the way the article's
 * plain C version is: matrices of runtime size on the heap, a generic
 * triple-loop matrix product, the gradient computed in full and then
 * applied. Nothing here knows a size at compile time. Built with -O2 only.
 *
 * Layout: W[l] is out x in (row j holds the weights into output j), a
 * sample is an in x 1 column, so
 *   z = W a + b,  a' = sigmoid(z)
 *   d_out = 2 (a - t) .* a (1 - a)
 *   d_prev = (W^T d) .* a_prev (1 - a_prev)
 *   dW = d a_prev^T,  db = d
 *   W -= rate dW,  b -= rate db
 * All matrices are allocated once, before the clock starts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "err.h"

typedef struct {
    int rows, cols;
    float *data;
} matrix;

#define AT(m, i, j) ((m)->data[(size_t)(i) * (size_t)(m)->cols + (size_t)(j)])

static int mat_alloc(matrix *m, int rows, int cols)
{
    m->rows = rows;
    m->cols = cols;
    m->data = calloc((size_t)rows * (size_t)cols, sizeof(float));
    return m->data == NULL ? -1 : 0;
}

/* c = a b */
static void mat_mul(matrix *c, const matrix *a, const matrix *b)
{
    for (int i = 0; i < a->rows; ++i)
        for (int j = 0; j < b->cols; ++j) {
            float s = 0.0f;
            for (int k = 0; k < a->cols; ++k)
                s += AT(a, i, k) * AT(b, k, j);
            AT(c, i, j) = s;
        }
}

/* c = a^T b */
static void mat_mul_tn(matrix *c, const matrix *a, const matrix *b)
{
    for (int i = 0; i < a->cols; ++i)
        for (int j = 0; j < b->cols; ++j) {
            float s = 0.0f;
            for (int k = 0; k < a->rows; ++k)
                s += AT(a, k, i) * AT(b, k, j);
            AT(c, i, j) = s;
        }
}

/* c = a b^T */
static void mat_mul_nt(matrix *c, const matrix *a, const matrix *b)
{
    for (int i = 0; i < a->rows; ++i)
        for (int j = 0; j < b->rows; ++j) {
            float s = 0.0f;
            for (int k = 0; k < a->cols; ++k)
                s += AT(a, i, k) * AT(b, j, k);
            AT(c, i, j) = s;
        }
}

/* m -= rate g */
static void mat_axpy(matrix *m, float rate, const matrix *g)
{
    for (int i = 0; i < m->rows; ++i)
        for (int j = 0; j < m->cols; ++j)
            AT(m, i, j) -= rate * AT(g, i, j);
}

static float sigmoid(float z) { return 1.0f / (1.0f + expf(-z)); }

typedef struct {
    int n_layers;
    matrix w[BENCH_LAYERS], b[BENCH_LAYERS];   /* out x in, out x 1 */
    matrix dw[BENCH_LAYERS], db[BENCH_LAYERS]; /* the gradient */
    matrix a[BENCH_LAYERS + 1];                /* a[0] the input, a[l+1] = layer l's output */
    matrix d[BENCH_LAYERS];                    /* dL/dz of layer l */
} net;

static int net_alloc(net *n, const int *sizes, int n_layers)
{
    n->n_layers = n_layers;
    if (mat_alloc(&n->a[0], sizes[0], 1) != 0)
        return -1;
    for (int l = 0; l < n_layers; ++l)
        if (mat_alloc(&n->w[l], sizes[l + 1], sizes[l]) != 0 || mat_alloc(&n->b[l], sizes[l + 1], 1) != 0 ||
            mat_alloc(&n->dw[l], sizes[l + 1], sizes[l]) != 0 ||
            mat_alloc(&n->db[l], sizes[l + 1], 1) != 0 || mat_alloc(&n->a[l + 1], sizes[l + 1], 1) != 0 ||
            mat_alloc(&n->d[l], sizes[l + 1], 1) != 0)
            return -1;
    return 0;
}

static void net_free(net *n)
{
    free(n->a[0].data);
    for (int l = 0; l < n->n_layers; ++l) {
        free(n->w[l].data);
        free(n->b[l].data);
        free(n->dw[l].data);
        free(n->db[l].data);
        free(n->a[l + 1].data);
        free(n->d[l].data);
    }
}

static void forward(net *n, const float *x)
{
    for (int i = 0; i < n->a[0].rows; ++i)
        n->a[0].data[i] = x[i];
    for (int l = 0; l < n->n_layers; ++l) {
        matrix *out = &n->a[l + 1];
        mat_mul(out, &n->w[l], &n->a[l]);
        for (int j = 0; j < out->rows; ++j)
            out->data[j] = sigmoid(out->data[j] + n->b[l].data[j]);
    }
}

/* One sample: forward, the gradient of sum (a - t)^2, then the SGD step. */
static float train_step(net *n, const float *x, const float *t, float rate)
{
    forward(n, x);
    const int last = n->n_layers - 1;
    const matrix *y = &n->a[last + 1];
    float loss = 0.0f;
    for (int j = 0; j < y->rows; ++j) {
        const float a = y->data[j], e = a - t[j];
        loss += e * e;
        n->d[last].data[j] = 2.0f * e * (a * (1.0f - a));
    }
    for (int l = last; l >= 0; --l) {
        mat_mul_nt(&n->dw[l], &n->d[l], &n->a[l]);
        for (int j = 0; j < n->d[l].rows; ++j)
            n->db[l].data[j] = n->d[l].data[j];
        if (l > 0) {
            matrix *dp = &n->d[l - 1];
            mat_mul_tn(dp, &n->w[l], &n->d[l]);
            for (int i = 0; i < dp->rows; ++i) {
                const float a = n->a[l].data[i];
                dp->data[i] *= a * (1.0f - a);
            }
        }
    }
    for (int l = 0; l < n->n_layers; ++l) {
        mat_axpy(&n->w[l], rate, &n->dw[l]);
        mat_axpy(&n->b[l], rate, &n->db[l]);
    }
    return loss;
}

int main(int argc, char **argv)
{
    char err[ERR_MAX];
    bench_setup s;
    if (bench_setup_init(&s, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    net n = {0};
    if (net_alloc(&n, bench_sizes, BENCH_LAYERS) != 0) {
        fprintf(stderr, "bench_naive: error: out of memory\n");
        return 1;
    }
    for (int l = 0; l < BENCH_LAYERS; ++l)
        for (int j = 0; j < n.w[l].rows; ++j) {
            for (int i = 0; i < n.w[l].cols; ++i)
                AT(&n.w[l], j, i) = s.w[l][(size_t)i * (size_t)n.w[l].rows + (size_t)j];
            n.b[l].data[j] = s.b[l][j];
        }

    const float rate = (float)s.rate;
    const size_t dim = s.train.dim;
    double loss = 0.0;
    const double t0 = bench_now();
    for (size_t k = 0; k < s.n_train; ++k) {
        const uint32_t i = s.order[k];
        loss += train_step(&n, s.train.x + (size_t)i * dim, s.onehot[s.train.y[i]], rate);
    }
    const double t1 = bench_now();

    size_t correct = 0;
    const matrix *y = &n.a[BENCH_LAYERS];
    const double t2 = bench_now();
    for (size_t k = 0; k < s.test.n; ++k) {
        forward(&n, s.test.x + k * dim);
        correct += (size_t)(bench_argmax(y->data, y->rows) == (int)s.test.y[k]);
    }
    const double t3 = bench_now();

    fprintf(stderr, "naive: mean training loss %.6f\n", loss / (double)s.n_train);
    bench_report("naive", s.n_train, t1 - t0, s.test.n, t3 - t2, correct);

    net_free(&n);
    bench_setup_free(&s);
    return 0;
}
