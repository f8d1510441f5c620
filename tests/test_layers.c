/* test_layers.c: each kind's forward pass against loops written here, for
 * tests/specs/layers.lua. A gradient check compares backward with forward, so
 * it cannot see a forward pass that computes the wrong function: a flipped
 * kernel (convolution instead of correlation), padding on the wrong side, a
 * stride off by one, a pool window misplaced. These are the definitions,
 * written independently of the generator, one layer at a time from the
 * generated pass's own input.
 *
 *   core:   conv2d, maxpool2d, avgpool2d, dropout, flatten and dense each
 *           equal their definition; the batched forward pass (convolution
 *           as a matrix product over columns) equals the per-sample one row
 *           by row; dropout masks keep 0 or 1/(1 - rate).
 *   limits: the padding's zeros are really read as zeros (a kernel tap that
 *           falls outside the image adds nothing, whatever the weight). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "rng.h"

enum { MAXC = 8, MAXH = 16, MAXW = 16 };

/* y[o][i][j] = act(b[o] + sum over c, kh, kw of w[o][c][kh][kw] * x[c][i*sh + kh - ph][j*sw + kw - pw]),
 * x taken as 0 outside the image */
static void conv_ref(double y[MAXC][MAXH][MAXW], const double *x, int C, int H, int W, const double *w,
                     const double *b, int O, int KH, int KW, int SH, int SW, int PH, int PW, int OH, int OW,
                     int use_tanh)
{
    for (int o = 0; o < O; ++o)
        for (int i = 0; i < OH; ++i)
            for (int j = 0; j < OW; ++j) {
                double z = b[o];
                for (int c = 0; c < C; ++c)
                    for (int kh = 0; kh < KH; ++kh)
                        for (int kw = 0; kw < KW; ++kw) {
                            const int r = i * SH + kh - PH, q = j * SW + kw - PW;
                            if (r < 0 || r >= H || q < 0 || q >= W)
                                continue;
                            z += w[((o * C + c) * KH + kh) * KW + kw] * x[(c * H + r) * W + q];
                        }
                y[o][i][j] = use_tanh ? tanh(z) : z;
            }
}

static void pool_ref(double y[MAXC][MAXH][MAXW], const double *x, int C, int H, int W, int KH, int KW, int SH,
                     int SW, int OH, int OW, int is_max)
{
    for (int c = 0; c < C; ++c)
        for (int i = 0; i < OH; ++i)
            for (int j = 0; j < OW; ++j) {
                double acc = is_max ? -INFINITY : 0.0;
                for (int u = 0; u < KH; ++u)
                    for (int v = 0; v < KW; ++v) {
                        ck_assert(i * SH + u < H && j * SW + v < W);
                        const double xv = x[(c * H + i * SH + u) * W + j * SW + v];
                        acc = is_max ? fmax(acc, xv) : acc + xv;
                    }
                y[c][i][j] = is_max ? acc : acc / (KH * KW);
            }
}

static void check_same(const double *got, double want[MAXC][MAXH][MAXW], int C, int H, int W, const char *what)
{
    for (int c = 0; c < C; ++c)
        for (int i = 0; i < H; ++i)
            for (int j = 0; j < W; ++j) {
                const double g = got[(c * H + i) * W + j], e = want[c][i][j];
                ck_assert_msg(fabs(g - e) <= 1e-12 * (1.0 + fabs(e)), "%s[%d][%d][%d]: generated %.17g, definition %.17g",
                              what, c, i, j, g, e);
            }
}

static layers_params p;
static layers_input x;
static layers_acts a;

static void setup(void)
{
    rng_state r;
    rng_seed(&r, 2024);
    layers_init(&p, rng_uniform_cb, &r);
    /* biases too, so that a bias on the wrong channel shows */
    for (int o = 0; o < LAYERS_L1_C; ++o)
        p.l1.b[o] = rng_uniform(&r) - 0.5;
    for (int o = 0; o < LAYERS_L3_C; ++o)
        p.l3.b[o] = rng_uniform(&r) - 0.5;
    for (int c = 0; c < LAYERS_IN_C; ++c)
        for (int i = 0; i < LAYERS_IN_H; ++i)
            for (int j = 0; j < LAYERS_IN_W; ++j)
                x.v[c][i][j] = 2.0 * rng_uniform(&r) - 1.0;
    layers_forward(&a, &p, &x);
}

START_TEST(test_conv2d_is_cross_correlation_with_stride_and_padding)
{
    static double want[MAXC][MAXH][MAXW];
    /* l1: 2x9x7 -> 3x5x6, kernel 3x2, stride 2x1, padding 1x0, identity */
    conv_ref(want, &x.v[0][0][0], 2, 9, 7, &p.l1.w[0][0][0][0], p.l1.b, 3, 3, 2, 2, 1, 1, 0, 5, 6, 0);
    check_same(&a.l1.v[0][0][0], want, 3, 5, 6, "l1");
    /* l3: 3x4x5 -> 4x4x5, kernel 3x3, "same" (padding 1x1), tanh */
    conv_ref(want, &a.l2.v[0][0][0], 3, 4, 5, &p.l3.w[0][0][0][0], p.l3.b, 4, 3, 3, 1, 1, 1, 1, 4, 5, 1);
    check_same(&a.l3.v[0][0][0], want, 4, 4, 5, "l3");
}
END_TEST

START_TEST(test_pools_take_their_windows)
{
    static double want[MAXC][MAXH][MAXW];
    /* l2: max over 2x2 windows, stride 1: 3x5x6 -> 3x4x5 */
    pool_ref(want, &a.l1.v[0][0][0], 3, 5, 6, 2, 2, 1, 1, 4, 5, 1);
    check_same(&a.l2.v[0][0][0], want, 3, 4, 5, "l2");
    /* l4: mean over 2x3 windows, stride 2x3: 4x4x5 -> 4x2x1, the last two columns left out */
    pool_ref(want, &a.l3.v[0][0][0], 4, 4, 5, 2, 3, 2, 3, 2, 1, 0);
    check_same(&a.l4.v[0][0][0], want, 4, 2, 1, "l4");
}
END_TEST

START_TEST(test_dropout_flatten_and_dense)
{
    /* at inference dropout is the identity, and flatten keeps the order c, h, w */
    ck_assert(memcmp(&a.l5, &a.l4, sizeof a.l5) == 0);
    int k = 0;
    for (int c = 0; c < 4; ++c)
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 1; ++j, ++k)
                ck_assert(a.l6.v[k] == a.l5.v[c][i][j]);
    /* dense with softmax: logits z[j] = b[j] + sum_i x[i] w[i][j] */
    double z[3], zmax = -INFINITY, sum = 0.0;
    for (int j = 0; j < 3; ++j) {
        z[j] = p.l7.b[j];
        for (int i = 0; i < 8; ++i)
            z[j] += a.l6.v[i] * p.l7.w[i][j];
        zmax = fmax(zmax, z[j]);
    }
    for (int j = 0; j < 3; ++j)
        sum += exp(z[j] - zmax);
    for (int j = 0; j < 3; ++j) {
        ck_assert_double_eq_tol(a.logits.v[j], z[j], 1e-12);
        ck_assert_double_eq_tol(a.out.v[j], exp(z[j] - zmax) / sum, 1e-12);
    }
}
END_TEST

START_TEST(test_dropout_masks_while_training)
{
    rng_state r;
    rng_seed(&r, 5);
    static layers_acts t;
    layers_draw_masks(&t, rng_uniform_cb, &r);
    size_t dropped = 0, kept = 0;
    for (int c = 0; c < 4; ++c)
        for (int i = 0; i < 2; ++i) {
            const double m = t.l5_keep.v[c][i][0];
            ck_assert_msg(m == 0.0 || m == 2.0, "mask %g is neither 0 nor 1/(1 - 0.5)", m);
            dropped += (m == 0.0);
            kept += (m == 2.0);
        }
    layers_forward_train(&t, &p, &x);
    for (int c = 0; c < 4; ++c)
        for (int i = 0; i < 2; ++i)
            ck_assert(t.l5.v[c][i][0] == t.l4.v[c][i][0] * t.l5_keep.v[c][i][0]);
    /* 8 units at rate 0.5: both kinds occur for this seed, and a fresh draw differs */
    ck_assert(dropped > 0 && kept > 0);
    layers_draw_masks(&t, NULL, NULL);
    layers_forward_train(&t, &p, &x);
    ck_assert(memcmp(&t.out, &a.out, sizeof t.out) == 0);
}
END_TEST

START_TEST(test_batch_forward_equals_per_sample_rows)
{
    static layers_batch_input xb;
    static layers_batch_acts ab;
    rng_state r;
    rng_seed(&r, 9);
    for (int s = 0; s < LAYERS_BATCH; ++s)
        for (int c = 0; c < LAYERS_IN_C; ++c)
            for (int i = 0; i < LAYERS_IN_H; ++i)
                for (int j = 0; j < LAYERS_IN_W; ++j)
                    xb.row[s].v[c][i][j] = 2.0 * rng_uniform(&r) - 1.0;
    layers_batch_draw_masks(&ab, NULL, NULL);
    layers_batch_forward(&ab, &p, &xb);
    for (int s = 0; s < LAYERS_BATCH; ++s) {
        static layers_acts one;
        layers_forward(&one, &p, &xb.row[s]);
        /* convolution in batches is a matrix product over columns (another
         * algorithm, the same sums up to rounding); pooling, dropout and
         * flatten are the per-sample functions row by row */
        const double *bl = &ab.l3.row[s].v[0][0][0], *pl = &one.l3.v[0][0][0];
        for (int k = 0; k < LAYERS_L3; ++k)
            ck_assert_msg(fabs(bl[k] - pl[k]) <= 1e-13, "l3 value %d: batch %.17g, per sample %.17g", k, bl[k], pl[k]);
        const double *b1 = &ab.l1.row[s].v[0][0][0], *p1 = &one.l1.v[0][0][0];
        for (int k = 0; k < LAYERS_L1; ++k)
            ck_assert_msg(fabs(b1[k] - p1[k]) <= 1e-13, "l1 value %d: batch %.17g, per sample %.17g", k, b1[k], p1[k]);
        for (int j = 0; j < LAYERS_OUT; ++j) /* dense may use fused multiply-add in batches */
            ck_assert_double_eq_tol(ab.out.row[s].v[j], one.out.v[j], 1e-14);
    }
}
END_TEST

START_TEST(test_padding_reads_zeros)
{
    /* an image that is 0 everywhere: every output of l1 is its bias, whatever
     * the weights, so no tap reads outside the image */
    static layers_input zero;
    static layers_acts z;
    layers_forward(&z, &p, &zero);
    for (int o = 0; o < 3; ++o)
        for (int i = 0; i < 5; ++i)
            for (int j = 0; j < 6; ++j)
                ck_assert(z.l1.v[o][i][j] == p.l1.b[o]);
    /* one pixel in the top row: with padding 1 on rows, output row 0 reads
     * image row 0 through kernel row 1 only */
    static layers_input one;
    one.v[1][0][3] = 1.0;
    layers_forward(&z, &p, &one);
    for (int o = 0; o < 3; ++o) {
        ck_assert_double_eq_tol(z.l1.v[o][0][3], p.l1.b[o] + p.l1.w[o][1][1][0], 1e-15);
        ck_assert_double_eq_tol(z.l1.v[o][0][2], p.l1.b[o] + p.l1.w[o][1][1][1], 1e-15);
        ck_assert(z.l1.v[o][0][4] == p.l1.b[o]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("layers");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, NULL);
    tcase_add_test(core, test_conv2d_is_cross_correlation_with_stride_and_padding);
    tcase_add_test(core, test_pools_take_their_windows);
    tcase_add_test(core, test_dropout_flatten_and_dense);
    tcase_add_test(core, test_dropout_masks_while_training);
    tcase_add_test(core, test_batch_forward_equals_per_sample_rows);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, setup, NULL);
    tcase_add_test(limits, test_padding_reads_zeros);
    suite_add_tcase(s, limits);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
