/* test_q8.c: the int8 backend, from quantization to a Cortex-M under QEMU.
 *
 * Built twice by tests/tests.mk, against a float net and its int8 form:
 * test_q8 (nets/mnist.lua: sigmoid) and test_q8_mix (tests/specs/q8_mix.lua:
 * tanh, relu, identity, softmax). tests.mk trains the net ten epochs on the
 * committed subset, quantizes it with the trainer (`quantize --calibration
 * Q8_CALIBRATION`) and generates Q8_DIR/NAME_q8.{h,c} with --int8; both the
 * float and the int8 descriptor are linked in.
 *
 *   core:   multipliers; weights that are multiples of their scale survive
 *           exactly; requantization (runtime and generated) against a
 *           wide-integer reference, ties and saturation included; the
 *           generated int8 code equals runtime/quant.c's integer layers bit
 *           for bit on the test images; every layer agrees with the float
 *           layer within the error bound its scales imply; int8 and float
 *           accuracy; the same quantization file gives the same C;
 *           examples/embed runs the net on a Cortex-M3 and a Cortex-M4 under
 *           QEMU with outputs identical to the host's, and the M3 object uses
 *           no floating-point helper;
 *   limits: bad quantization files get one-line errors and nothing is
 *           written; quantize's own errors. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "idx.h"
#include "model.h"
#include "quant.h"
#include "rng.h"
#include "testutil.h"
#include "train.h"

#define Q8_PASTE_(a, b) a##_##b
#define Q8_PASTE(a, b) Q8_PASTE_(a, b)
#define Q8_STR_(x) #x
#define Q8_STR(x) Q8_STR_(x)
#include Q8_STR(Q8_PASTE(Q8_NET, q8).h) /* "mnist_q8.h" */
#define Q8_REQUANT Q8_PASTE(Q8_NET, q8_requant)

static const train_net *net = &train_net_desc;
static const q8_net *q8 = &q8_net_desc;
static char *root;              /* CONSTNET_ROOT, absolute */
static idx_dataset test_set;    /* the committed 500 test images */
static void *params;            /* the trained float model */
static quant_model qm;          /* quant_build again, as the trainer did */
static size_t n_acts;           /* bytes of all layers' int8 outputs */
static char tmp[256];

static void setup(void)
{
    ck_assert(tu_mkdtemp(tmp, sizeof tmp, "constnet-q8-") == 0);
}

static void teardown(void)
{
    ck_assert_int_eq(tu_rmtree(tmp), 0);
}

/* Run cmd (from the repo root) with its output in tmp/log; the log, from malloc. */
static char *run(int *rc, const char *cmd)
{
    char path[512];
    snprintf(path, sizeof path, "%s/log", tmp);
    *rc = tu_sh("cd '%s' && ( %s ) >'%s' 2>&1", root, cmd, path);
    char *log = tu_slurp(path, NULL);
    ck_assert(log != NULL);
    return log;
}

START_TEST(test_multiplier)
{
    int32_t m;
    int s;
    ck_assert_int_eq(quant_multiplier(0.5, &m, &s), 0);
    ck_assert_int_eq(m, 1 << 30);
    ck_assert_int_eq(s, 31);
    ck_assert_int_eq(quant_multiplier(0.75, &m, &s), 0);
    ck_assert_int_eq(m, 3 << 29);
    ck_assert_int_eq(s, 31);
    /* just under a power of two rounds up to it: mult stays below 2^31 */
    ck_assert_int_eq(quant_multiplier(nextafter(1.0, 0.0), &m, &s), 0);
    ck_assert_int_eq(m, 1 << 30);
    ck_assert_int_eq(s, 30);
    rng_state r;
    rng_seed(&r, 7);
    for (int k = 0; k < 10000; ++k) {
        const double real = ldexp(0.5 + rng_uniform(&r), -(int)rng_below(&r, 28));
        ck_assert_int_eq(quant_multiplier(real, &m, &s), 0);
        ck_assert(m >= (1 << 30) && s >= 1 && s <= 62);
        ck_assert_msg(fabs(ldexp(m, -s) - real) <= ldexp(real, -31), "%.17g: %d * 2^-%d", real, m, s);
    }
    const double bad[] = {0.0, -0.5, INFINITY, NAN, 1e-30, 1e12};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; ++k)
        ck_assert_msg(quant_multiplier(bad[k], &m, &s) == -1, "%g", bad[k]);
}
END_TEST

START_TEST(test_weights_round_trip)
{
    rng_state r;
    rng_seed(&r, 3);
    for (int t = 0; t < 2000; ++t) {
        /* any scale; a weight k * scale comes back as k and dequantizes to itself */
        const double scale = ldexp(0.5 + rng_uniform(&r), -(int)rng_below(&r, 20));
        const int k = (int)rng_below(&r, 255) - 127;
        const double w = k * scale;
        ck_assert_int_eq(quant_weight(w, scale), k);
        ck_assert(quant_weight(w, scale) * scale == w);
    }
    /* a column's largest |w| maps to +-127 exactly; halves round away from zero */
    const double col[4] = {0.25, -1.0, 0.5, 0.0};
    const double s = quant_weight_scale(col, 2, 2); /* rows 0 and 2 of a stride-2 column */
    ck_assert(s == 0.5 / 127.0);
    ck_assert_int_eq(quant_weight(0.5, s), 127);
    ck_assert_int_eq(quant_weight(-0.5, s), -127);
    ck_assert_int_eq(quant_weight(2.5 * 0.125, 0.125), 3);
    ck_assert_int_eq(quant_weight(-2.5 * 0.125, 0.125), -3);
    ck_assert_int_eq(quant_weight(1000.0, 0.125), 127); /* clamped */
    ck_assert(quant_weight_scale(col + 3, 1, 1) == 1.0);   /* all zero */
}
END_TEST

__extension__ typedef __int128 q8_wide;

/* floor((acc * mult + 2^(shift-1)) / 2^shift), saturated to int32, in 128 bits */
static int32_t wide_requant(int32_t acc, int32_t mult, int shift)
{
    const q8_wide p = (q8_wide)acc * mult + ((q8_wide)1 << (shift - 1)), d = (q8_wide)1 << shift;
    q8_wide q = p / d;
    if (p % d != 0 && p < 0)
        --q;
    return q > INT32_MAX ? INT32_MAX : q < INT32_MIN ? INT32_MIN : (int32_t)q;
}

START_TEST(test_requant_against_wide_integers)
{
    /* ties round up: acc / 2 with mult 2^30, shift 31 */
    static const int32_t half[][2] = {{1, 1}, {-1, 0}, {3, 2}, {-3, -1}, {5, 3}, {-5, -2}, {0, 0}};
    for (size_t k = 0; k < sizeof half / sizeof half[0]; ++k) {
        ck_assert_int_eq(quant_requant(half[k][0], 1 << 30, 31), half[k][1]);
        ck_assert_int_eq(Q8_REQUANT(half[k][0], 1 << 30, 31), half[k][1]);
    }
    ck_assert_int_eq(Q8_REQUANT(INT32_MAX, INT32_MAX, 1), INT32_MAX); /* saturates */
    ck_assert_int_eq(Q8_REQUANT(INT32_MIN, INT32_MAX, 1), INT32_MIN);
    static const int32_t accs[] = {0, 1, -1, 2, -2, 3, -3, 255, -255, 1 << 20, -(1 << 20), INT32_MAX, INT32_MIN,
                                   INT32_MAX - 1, INT32_MIN + 1};
    static const int32_t mults[] = {1 << 30, (1 << 30) + 1, INT32_MAX, INT32_MAX - 1, 0x55555555};
    static const int shifts[] = {1, 2, 30, 31, 32, 33, 40, 61, 62};
    for (size_t a = 0; a < sizeof accs / sizeof accs[0]; ++a)
        for (size_t m = 0; m < sizeof mults / sizeof mults[0]; ++m)
            for (size_t s = 0; s < sizeof shifts / sizeof shifts[0]; ++s) {
                const int32_t want = wide_requant(accs[a], mults[m], shifts[s]);
                ck_assert_int_eq(quant_requant(accs[a], mults[m], shifts[s]), want);
                ck_assert_int_eq(Q8_REQUANT(accs[a], mults[m], shifts[s]), want);
            }
    rng_state r;
    rng_seed(&r, 11);
    for (int t = 0; t < 200000; ++t) {
        int32_t acc = (int32_t)(uint32_t)rng_next(&r) >> (int)rng_below(&r, 31);
        int32_t mult = (int32_t)((1u << 30) + (uint32_t)rng_below(&r, 1u << 30));
        int shift = 1 + (int)rng_below(&r, 62);
        if (t % 4 == 0) {
            /* a tie: with mult 2^30, acc = (2n + 1) * 2^(shift - 31) puts
             * acc * mult exactly halfway between two multiples of 2^shift */
            shift = 31 + (int)rng_below(&r, 31);
            const int e = shift - 31;
            const int64_t odd = 2 * ((int64_t)rng_below(&r, (uint64_t)1 << (30 - e)) - ((int64_t)1 << (29 - e + (e == 30)))) + 1;
            acc = (int32_t)(odd * ((int64_t)1 << e));
            mult = 1 << 30;
        }
        const int32_t want = wide_requant(acc, mult, shift);
        ck_assert_msg(quant_requant(acc, mult, shift) == want, "%d %d %d", acc, mult, shift);
        ck_assert_msg(Q8_REQUANT(acc, mult, shift) == want, "%d %d %d", acc, mult, shift);
    }
}
END_TEST

/* test image k as the int8 input */
static void input(int8_t *x, size_t k)
{
    quant_input(x, test_set.x + k * test_set.dim, net->n_in, q8->input);
}

START_TEST(test_generated_equals_runtime_integers)
{
    int8_t *acts = malloc(n_acts), *x = malloc(net->n_in), *want = malloc(n_acts);
    ck_assert(acts && x && want);
    for (size_t k = 0; k < test_set.n; ++k) {
        input(x, k);
        q8->forward(acts, x);
        const int8_t *in = x;
        size_t off = 0;
        for (unsigned l = 0; l < net->n_layers; ++l) {
            quant_layer_int8(&qm, l, in, want + off);
            for (unsigned j = 0; j < net->sizes[l + 1]; ++j)
                ck_assert_msg(acts[off + j] == want[off + j], "image %zu, l%u[%u]: generated %d, quant.c %d", k,
                              l + 1, j, acts[off + j], want[off + j]);
            in = want + off;
            off += net->sizes[l + 1];
        }
    }
    free(acts);
    free(x);
    free(want);
}
END_TEST

/* Each layer against the float layer on the same (dequantized) input. The
 * error of unit j is bounded by its scales: weights off by at most w_scale/2
 * and the bias by in.scale * w_scale / 2 move z by dz <= (sum |x| + in.scale) *
 * w_scale / 2; a table adds half its step in z, times the activation's largest
 * slope (1/4 for sigmoid, 1 for tanh), and rounding to the output half its scale.
 * Values past the output's calibrated range are compared clamped to it. */
START_TEST(test_layers_agree_with_float)
{
    unsigned width = net->n_in;
    for (unsigned l = 1; l <= net->n_layers; ++l)
        width = net->sizes[l] > width ? net->sizes[l] : width;
    int8_t *acts = malloc(n_acts), *x = malloc(net->n_in);
    double *xr = malloc(width * sizeof *xr), *z = malloc(width * sizeof *z), *y = malloc(width * sizeof *y);
    ck_assert(acts && x && xr && z && y);
    for (unsigned l = 0; l < net->n_layers; ++l) {
        const quant_layer *L = &qm.layer[l];
        const double slope = strcmp(L->activation, "sigmoid") == 0 ? 0.25 : 1.0;
        double sum_err = 0.0, worst = 0.0;
        size_t count = 0;
        for (size_t k = 0; k < test_set.n; ++k) {
            input(x, k);
            q8->forward(acts, x);
            size_t off = 0;
            for (unsigned p = 0; p < l; ++p)
                off += net->sizes[p + 1];
            const int8_t *in = l == 0 ? x : acts + off - net->sizes[l];
            const quant_tensor ti = l == 0 ? q8->input : q8->out[l - 1], to = q8->out[l];
            ck_assert(ti.scale == L->in.scale && to.scale == L->out.scale && to.zero_point == L->out.zero_point);
            double sum_abs = 0.0;
            for (unsigned i = 0; i < L->n_in; ++i) {
                xr[i] = ti.scale * (in[i] - ti.zero_point);
                sum_abs += fabs(xr[i]);
            }
            quant_float_layer(net, params, l, xr, z, y);
            const double lo = to.scale * (-128 - to.zero_point), hi = to.scale * (127 - to.zero_point);
            /* a conv2d's unit j is in channel j / (oh * ow); its bound takes every
             * input, not just its window: looser, still a bound. Max pooling,
             * flatten and dropout are exact, the mean of avgpool2d off by half a step. */
            const unsigned plane = strcmp(L->kind, "conv2d") == 0 ? L->g.oh * L->g.ow : 1;
            for (unsigned j = 0; j < L->n_out; ++j) {
                const double dz = L->w_scale ? (sum_abs + ti.scale) * L->w_scale[j / plane] / 2.0 : 0.0;
                const double half = L->w_scale || strcmp(L->kind, "avgpool2d") == 0 ? to.scale / 2.0 : 0.0;
                const double bound = slope * (dz + L->z_step / 2.0) + half + 1e-6;
                const double got = to.scale * (acts[off + j] - to.zero_point);
                const double err = fabs(got - fmin(fmax(y[j], lo), hi));
                ck_assert_msg(err <= bound, "image %zu, l%u[%u]: int8 %.6f, float %.6f: off by %.6f, bound %.6f", k,
                              l + 1, j, got, y[j], err, bound);
                sum_err += err / to.scale;
                worst = fmax(worst, err / to.scale);
                ++count;
            }
        }
        /* on average well inside the bound: about half a step of the output */
        const double mean = sum_err / (double)count;
        fprintf(stderr, "q8: %s l%u (%s, %s): mean error %.3f, worst %.2f output steps\n", net->name, l + 1,
                L->kind, L->activation, mean, worst);
        ck_assert_msg(mean < 0.6, "l%u: mean error %.3f output steps", l + 1, mean);
    }
    free(acts);
    free(x);
    free(xr);
    free(z);
    free(y);
}
END_TEST

START_TEST(test_accuracy)
{
    float *out = malloc(net->n_out * sizeof *out);
    int8_t *x = malloc(net->n_in), *yq = malloc(net->n_out);
    ck_assert(out && x && yq);
    size_t fr = 0, qr = 0, same = 0;
    for (size_t k = 0; k < test_set.n; ++k) {
        net->predict(params, test_set.x + k * test_set.dim, out);
        const unsigned f = train_argmax(out, net->n_out);
        input(x, k);
        const unsigned q = q8->predict(yq, x);
        fr += f == test_set.y[k];
        qr += q == test_set.y[k];
        same += f == q;
    }
    fprintf(stderr, "q8: %s on %zu test images: float %zu right, int8 %zu, the same class %zu\n", net->name,
            test_set.n, fr, qr, same);
    ck_assert_msg(fr > test_set.n * 3 / 4, "float only %zu right: not trained?", fr);
    ck_assert_msg(same >= test_set.n * 97 / 100, "int8 and float agree on %zu of %zu", same, test_set.n);
    ck_assert_msg(qr + test_set.n / 100 >= fr, "int8 %zu right, float %zu", qr, fr);
    free(out);
    free(x);
    free(yq);
}
END_TEST

START_TEST(test_same_file_same_code)
{
    int rc;
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "lua5.4 gen/constnet.lua -q %s --int8 '%s/%s_q8.lua' -o '%s' && cmp '%s/%s_q8.c' '%s/%s_q8.c' && "
             "cmp '%s/%s_q8.h' '%s/%s_q8.h'",
             Q8_SPEC, Q8_DIR, net->name, tmp, Q8_DIR, net->name, tmp, net->name, Q8_DIR, net->name, tmp,
             net->name);
    char *log = run(&rc, cmd);
    ck_assert_msg(rc == 0, "%s\n%s", cmd, log);
    free(log);
    /* the golden int8 pairs of the tiny nets (tiny: tanh, sigmoid; tiny_cnn:
     * conv2d, both poolings, dropout, flatten), from fixed quantization files:
     * a generator change shows up as a reviewed diff */
    static const char *const golden[] = {"tiny", "tiny_cnn"};
    for (size_t g = 0; g < sizeof golden / sizeof golden[0]; ++g) {
        const char *n = golden[g];
        snprintf(cmd, sizeof cmd,
                 "lua5.4 gen/constnet.lua -q tests/specs/%s.lua --int8 tests/golden/%s_q8.lua -o '%s' && "
                 "cmp '%s/%s_q8.c' tests/golden/%s_q8.c && cmp '%s/%s_q8.h' tests/golden/%s_q8.h && "
                 "gcc -std=c99 -Wall -Wextra -Wpedantic -Wconversion -Werror -c tests/golden/%s_q8.c -o '%s/t.o' && "
                 "clang -std=c99 -Wall -Wextra -Wpedantic -Werror -c tests/golden/%s_q8.c -o '%s/t.o' && "
                 "printf '#include \"%s_q8.h\"\\nint f();\\nint f() { %s_q8_input x = %s_q8_input(); "
                 "%s_q8_output y; return %s_q8_predict(&y, &%s_q8_weights, &x); }\\n' >'%s/t.cpp' && "
                 "g++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -Itests/golden -c '%s/t.cpp' -o '%s/t2.o'",
                 n, n, tmp, tmp, n, n, tmp, n, n, n, tmp, n, tmp, n, n, n, n, n, n, tmp, tmp, tmp);
        log = run(&rc, cmd);
        ck_assert_msg(rc == 0, "%s\n%s\n(run 'make golden' after reviewing)", cmd, log);
        free(log);
    }
}
END_TEST

/* examples/embed, as a user runs it: host, Cortex-M3 and Cortex-M4 under QEMU */
START_TEST(test_qemu_matches_host)
{
    if (tu_sh("command -v qemu-system-arm >/dev/null 2>&1 && command -v arm-none-eabi-gcc >/dev/null 2>&1") != 0)
        ck_abort_msg("qemu-system-arm or arm-none-eabi-gcc is not installed "
                     "(apt-get install qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi)");
    int rc;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "make -s -C examples/embed NAME=%s NET_DIR='%s/%s' BUILD_DIR='%s' Q8_COUNT=%zu "
             "q8-qemu q8-float-check", net->name, root, Q8_DIR, tmp, test_set.n);
    char *log = run(&rc, cmd);
    ck_assert_msg(rc == 0, "%s\n%s", cmd, log);
    char want[256];
    snprintf(want, sizeof want, "q8-qemu: %zu images: predictions and int8 outputs on the Cortex-M3 and the "
             "Cortex-M4 identical to the host's", test_set.n);
    ck_assert_msg(strstr(log, want) != NULL, "%s", log);
    ck_assert_msg(strstr(log, "_q8-m3.o: no floating-point helper") != NULL, "%s", log);
    ck_assert_msg(strstr(log, "cortex-m3.elf: no floating-point helper") != NULL, "%s", log);
    free(log);

    /* the host's lines are the runtime's predictions and outputs */
    char path[512];
    snprintf(path, sizeof path, "%s/q8/host.out", tmp);
    char *out = tu_slurp(path, NULL);
    ck_assert(out != NULL);
    int8_t *x = malloc(net->n_in), *y = malloc(net->n_out);
    const char *p = out;
    for (size_t k = 0; k < test_set.n; ++k) {
        input(x, k);
        const unsigned d = q8->predict(y, x);
        char line[128];
        int n = snprintf(line, sizeof line, "%04zu %u", k, d);
        for (unsigned j = 0; j < net->n_out; ++j)
            n += snprintf(line + n, sizeof line - (size_t)n, " %02x", (unsigned)(uint8_t)y[j]);
        snprintf(line + n, sizeof line - (size_t)n, "\n");
        ck_assert_msg(strncmp(p, line, strlen(line)) == 0, "image %zu: %.40s, want %s", k, p, line);
        p += strlen(line);
    }
    free(x);
    free(y);
    free(out);

    /* the symbol check can fail: the float net for the same Cortex-M3 needs soft float */
    char upper[64];
    snprintf(upper, sizeof upper, "%s", net->name);
    for (char *c = upper; *c; ++c)
        *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
    snprintf(cmd, sizeof cmd,
             "lua5.4 gen/constnet.lua -q %s -o '%s/f' && arm-none-eabi-gcc -std=c99 -mcpu=cortex-m3 -mthumb "
             "-mfloat-abi=soft -Os -D%s_INFERENCE_ONLY -c '%s/f/%s.c' -o '%s/f.o' && arm-none-eabi-nm -u '%s/f.o'",
             Q8_SPEC, tmp, upper, tmp, net->name, tmp, tmp);
    log = run(&rc, cmd);
    ck_assert_msg(rc == 0 && strstr(log, "__aeabi_f") != NULL, "%s\n%s", cmd, log);
    free(log);
}
END_TEST

/* limits */

/* The quantization file with its first `from` replaced by `to`, generated
 * into tmp/out: exit 1, exactly `want` (after "FILE: error: ") on stderr,
 * nothing written. */
static void bad_qfile(const char *from, const char *to, const char *want)
{
    char path[512], cmd[2048];
    snprintf(path, sizeof path, "%s/%s/%s_q8.lua", root, Q8_DIR, net->name);
    char *text = tu_slurp(path, NULL);
    ck_assert(text != NULL);
    char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "no '%s' in %s", from, path);
    snprintf(path, sizeof path, "%s/bad.lua", tmp);
    FILE *f = fopen(path, "w");
    ck_assert(f != NULL);
    fprintf(f, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    ck_assert(fclose(f) == 0);
    free(text);
    int rc;
    snprintf(cmd, sizeof cmd, "mkdir '%s/out' && lua5.4 gen/constnet.lua -q %s --int8 '%s' -o '%s/out'; "
             "s=$?; rmdir '%s/out' || s=99; exit $s", tmp, Q8_SPEC, path, tmp, tmp);
    char *log = run(&rc, cmd);
    char line[1024];
    snprintf(line, sizeof line, "%s: error: %s\n", path, want);
    ck_assert_msg(rc == 1, "%s: exit %d\n%s", from, rc, log);
    ck_assert_str_eq(log, line);
    free(log);
}

START_TEST(test_bad_quantization_files)
{
    char want[512];
    bad_qfile("version = 1,", "version = 2,", "version 2, this generator reads version 1");
    bad_qfile("format = \"constnet-q8\"", "format = \"q7\"", "format is q7, expected \"constnet-q8\"");
    bad_qfile("zero_point = -128", "zero_point = -129",
              "layer 1.input.zero_point must be an integer from -128 to 127");
    snprintf(want, sizeof want, "layer 1.shift has %u entries, expected %u", qm.layer[0].n_ch + 1, qm.layer[0].n_ch);
    bad_qfile("shift = {\n", "shift = { 7,\n", want);
    bad_qfile("scale = ", "scale = -", "layer 1.input.scale must be a positive number");
    bad_qfile("w_scale = {\n", "w_scale = { 0,\n", "layer 1.w_scale[1] is 0, expected a positive number");
}
END_TEST

START_TEST(test_bad_quantization_file_values)
{
    char want[512];
    int rc;
    char cmd[1024];
    /* a file for another spec */
    snprintf(cmd, sizeof cmd, "lua5.4 gen/constnet.lua -q tests/specs/tiny.lua --int8 '%s/%s_q8.lua' -o '%s'",
             Q8_DIR, net->name, tmp);
    char *log = run(&rc, cmd);
    ck_assert_int_eq(rc, 1);
    snprintf(want, sizeof want, "%s/%s_q8.lua: error: quantized from %s (fingerprint 0x%08x), not from this "
             "spec's tiny (", Q8_DIR, net->name, net->name, (unsigned)net->fingerprint);
    ck_assert_msg(strncmp(log, want, strlen(want)) == 0, "%s\nwant %s", log, want);
    free(log);
    /* a missing file, and one that is not Lua */
    snprintf(cmd, sizeof cmd, "lua5.4 gen/constnet.lua -q %s --int8 '%s/none.lua'", Q8_SPEC, tmp);
    log = run(&rc, cmd);
    ck_assert_int_eq(rc, 1);
    snprintf(want, sizeof want, "%s/none.lua: error: cannot read: No such file or directory\n", tmp);
    ck_assert_str_eq(log, want);
    free(log);
    snprintf(cmd, sizeof cmd, "printf 'return {\\n  x = = 1 }\\n' >'%s/syntax.lua' && "
             "lua5.4 gen/constnet.lua -q %s --int8 '%s/syntax.lua'", tmp, Q8_SPEC, tmp);
    log = run(&rc, cmd);
    ck_assert_int_eq(rc, 1);
    snprintf(want, sizeof want, "%s/syntax.lua:2: error: unexpected symbol near '='\n", tmp);
    ck_assert_str_eq(log, want);
    free(log);
}
END_TEST

START_TEST(test_quantize_errors)
{
    char err[ERR_MAX];
    /* a kind of activation without an int8 form */
    static const unsigned sizes[] = {2, 2};
    static const char *const acts[] = {"leaky_relu"};
    static const train_layer dense[] = {{"dense", 1, 1, 2, 1, 1, 2, 0, 0, 0, 0, 0, 0}};
    static const train_tensor tensors[] = {{"l1.w", 2, {2, 2, 0, 0}, 0}, {"l1.b", 1, {2, 0, 0, 0}, 4}};
    const train_net fake = {.name = "fake", .n_in = 2, .n_out = 2, .n_layers = 1, .sizes = sizes,
                            .n_params = 6, .real_size = 4, .activations = acts, .layers = dense,
                            .n_tensors = 2, .tensors = tensors};
    const float p[6] = {0};
    float xs[2] = {0.5f, 0.25f};
    uint8_t ys[1] = {0};
    const idx_dataset d = {.n = 1, .dim = 2, .x = xs, .y = ys};
    quant_model q;
    ck_assert_int_eq(quant_build(&q, &fake, p, &d, 1, err, sizeof err), -1);
    ck_assert_str_eq(err, "quantize: error: layer l1: activation leaky_relu has no int8 form "
                          "(sigmoid, tanh, relu, identity, softmax)");
    quant_free(&q);
    const idx_dataset empty = {.n = 0, .dim = 2, .x = xs, .y = ys};
    static const char *const ident[] = {"identity"};
    const train_net fake2 = {.name = "fake", .n_in = 2, .n_out = 2, .n_layers = 1, .sizes = sizes,
                             .n_params = 6, .real_size = 4, .activations = ident, .layers = dense,
                             .n_tensors = 2, .tensors = tensors};
    ck_assert_int_eq(quant_build(&q, &fake2, p, &empty, 1, err, sizeof err), -1);
    ck_assert_str_eq(err, "quantize: error: no calibration samples of 2 values");
    quant_free(&q);
    /* a kind without an int8 form, and a descriptor without the tables quantize reads */
    static const train_layer lstm[] = {{"lstm", 1, 1, 2, 1, 1, 2, 0, 0, 0, 0, 0, 0}};
    train_net fake3 = fake2;
    fake3.layers = lstm;
    ck_assert_int_eq(quant_build(&q, &fake3, p, &d, 1, err, sizeof err), -1);
    ck_assert_str_eq(err, "quantize: error: layer l1: a lstm layer has no int8 form");
    quant_free(&q);
    fake3.layers = NULL;
    ck_assert_int_eq(quant_build(&q, &fake3, p, &d, 1, err, sizeof err), -1);
    ck_assert_str_eq(err, "quantize: error: fake: the network descriptor has no layer and tensor tables; "
                          "generate the network again");
    quant_free(&q);
    /* a bias far beyond what int32 holds at this scale */
    const float big[6] = {1e-30f, 0, 0, 1e-30f, 1e9f, 0};
    ck_assert_int_eq(quant_build(&q, &fake2, big, &d, 1, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "quantize: error: layer l1, unit 0: the bias 1e+09 does not fit the int32 accumulator"),
                  "%s", err);
    quant_free(&q);

    /* the trainer's command */
    int rc;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s/trainer_%s' quantize --data tests/data --load '%s/none.model'", Q8_BIN_DIR,
             net->name, tmp);
    char *log = run(&rc, cmd);
    char want[512];
    snprintf(want, sizeof want, "%s/none.model: error: cannot open: No such file or directory\n", tmp);
    ck_assert_int_eq(rc, 1);
    ck_assert_str_eq(log, want);
    free(log);
    snprintf(cmd, sizeof cmd, "'%s/trainer_%s' quantize --calibration 0", Q8_BIN_DIR, net->name);
    log = run(&rc, cmd);
    ck_assert_int_eq(rc, 2);
    ck_assert_str_eq(log, "--calibration: error: must be at least 1\n");
    free(log);
}
END_TEST

/* Outside any test: load the trained model and the test images, and quantize
 * again exactly as the trainer did for the generated code. */
static int prepare(void)
{
    char err[ERR_MAX], path[512];
    if ((root = realpath(tu_root(), NULL)) == NULL)
        return perror(tu_root()), -1;
    snprintf(path, sizeof path, "%s/%s/%s.model", root, Q8_DIR, net->name);
    const model_info info = {.name = net->name, .fingerprint = net->fingerprint, .real_size = net->real_size,
                             .n_params = net->n_params};
    idx_dataset train = {0}, calib = {0};
    char data[512];
    snprintf(data, sizeof data, "%s/tests/data", root);
    params = malloc(net->n_params * net->real_size);
    int rc = params == NULL || model_load(path, &info, params, err, sizeof err) != 0 ||
             idx_load_mnist(&train, data, "train", net->n_out, err, sizeof err) != 0 ||
             idx_load_mnist(&test_set, data, "t10k", net->n_out, err, sizeof err) != 0 ||
             quant_sample(&calib, &train, Q8_CALIBRATION, net->seed, err, sizeof err) != 0 ||
             quant_build(&qm, net, params, &calib, net->seed, err, sizeof err) != 0;
    if (rc)
        fprintf(stderr, "%s\n", params ? err : "out of memory");
    idx_dataset_free(&train);
    idx_dataset_free(&calib);
    for (unsigned l = 1; l <= net->n_layers; ++l)
        n_acts += net->sizes[l];
    if (!rc && (q8->fingerprint != net->fingerprint || q8->n_layers != net->n_layers))
        return fprintf(stderr, "%s: not the int8 form of %s\n", q8->name, net->name), -1;
    return rc ? -1 : 0;
}

int main(void)
{
    if (prepare() != 0)
        return EXIT_FAILURE;
    Suite *s = suite_create("q8");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_multiplier);
    tcase_add_test(core, test_weights_round_trip);
    tcase_add_test(core, test_requant_against_wide_integers);
    tcase_add_test(core, test_generated_equals_runtime_integers);
    tcase_add_test(core, test_layers_agree_with_float);
    tcase_add_test(core, test_accuracy);
    tcase_add_test(core, test_same_file_same_code);
    tcase_add_test(core, test_qemu_matches_host);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 60);
    tcase_add_test(limits, test_bad_quantization_files);
    tcase_add_test(limits, test_bad_quantization_file_values);
    tcase_add_test(limits, test_quantize_errors);
    suite_add_tcase(s, limits);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    quant_free(&qm);
    free(params);
    free(root);
    idx_dataset_free(&test_set);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
