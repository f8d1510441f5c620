/* test_export.c: trained weights exported as C (runtime/export.h).
 * Built with -DCONSTNET_RUNTIME against nets/mnist.lua; runs the generator
 * and gcc/clang, from CONSTNET_ROOT (default ".").
 *
 *   core:   the mnist net, trained for one epoch on the committed subset (with
 *           awkward values planted in weights that only ever meet blank
 *           pixels), is exported, compiled with the generated mnist.c and no
 *           runtime, and run on the 500 test images: every prediction equals
 *           the runtime's, and the compiled weights are the trained ones bit
 *           for bit. The literals also parse back exactly with strtof/strtod,
 *           a double net round-trips through the compiler, and the hex
 *           formatter agrees with printf "%a";
 *   limits: a path that cannot be written, NaN and infinities, and a bad
 *           descriptor all give one-line errors and leave no file behind. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <check.h>
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "export.h"
#include "idx.h"
#include "rng.h"
#include "testutil.h"
#include "train.h"

static const train_net *net = &train_net_desc;
static char *root; /* CONSTNET_ROOT, absolute */
static idx_dataset test_set;
static float *trained; /* one epoch on the training subset, plus planted values */
static char tmp[256];

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Entries of dir, besides . and .., as one space-separated string. */
static void list_dir(const char *dir, char *out, size_t len)
{
    out[0] = '\0';
    DIR *d = opendir(dir);
    ck_assert(d != NULL);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        strncat(out, e->d_name, len - strlen(out) - 2);
        strncat(out, " ", len - strlen(out) - 1);
    }
    closedir(d);
}

static void setup(void)
{
    ck_assert(tu_mkdtemp(tmp, sizeof tmp, "constnet-export-") == 0);
}

static void teardown(void)
{
    ck_assert_int_eq(tu_rmtree(tmp), 0);
}

/* Generate spec into tmp. */
static void generate(const char *spec)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && lua5.4 gen/constnet.lua -q %s -o '%s'", root, spec, tmp);
    ck_assert_msg(tu_sh("%s", cmd) == 0, "%s", cmd);
}

/* Read the literals of an exported initializer back with strtod/strtof into
 * out (n reals of real_size bytes); returns how many were found. */
static size_t parse_back(const char *text, unsigned real_size, void *out, size_t n)
{
    const char *p = strstr(text, "_weights = {");
    ck_assert(p != NULL);
    p += strlen("_weights = {") - 1;
    size_t k = 0;
    int depth = 0;
    while (*p) {
        if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            ck_assert(e != NULL);
            p = e + 2;
        } else if (*p == '{') {
            ++depth, ++p;
        } else if (*p == '}') {
            ++p;
            if (--depth == 0)
                break;
        } else if (*p == ',' || *p == ' ' || *p == '\n') {
            ++p;
        } else {
            ck_assert_msg(*p == '-' || *p == '0', "unexpected text: %.40s", p);
            ck_assert_msg(p[*p == '-'] == '0' && p[(*p == '-') + 1] == 'x', "not hex: %.40s", p);
            char *end;
            ck_assert(k < n);
            if (real_size == 4) {
                const float f = strtof(p, &end);
                ck_assert_msg(*end == 'f', "no f suffix: %.40s", p);
                memcpy((char *)out + k * 4, &f, 4);
                ++end;
            } else {
                const double d = strtod(p, &end);
                ck_assert_msg(end != p && (*end == ',' || *end == '\n'), "bad literal: %.40s", p);
                memcpy((char *)out + k * 8, &d, 8);
            }
            ++k;
            p = end;
        }
    }
    ck_assert_int_eq(depth, 0);
    ck_assert_msg(strncmp(p, ";\n", 2) == 0, "after the initializer: %.20s", p);
    return k;
}

static const char driver_c[] =
    "#include <stdio.h>\n"
    "#include \"mnist.h\"\n"
    "#include \"mnist_weights.h\"\n"
    "/* driver IMAGES DUMP: one line per image: index, class, outputs as %a;\n"
    " * then the compiled weights, raw, to DUMP */\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    static mnist_input x;\n"
    "    mnist_output y;\n"
    "    FILE *in, *out;\n"
    "    unsigned k = 0;\n"
    "    if (argc != 3 || (in = fopen(argv[1], \"rb\")) == NULL)\n"
    "        return 2;\n"
    "    while (fread(&x, sizeof x, 1, in) == 1) {\n"
    "        int j, c = mnist_predict(&y, &mnist_weights, &x);\n"
    "        printf(\"%u %d\", k++, c);\n"
    "        for (j = 0; j < MNIST_OUT; ++j)\n"
    "            printf(\" %a\", (double)y.v[j]);\n"
    "        printf(\"\\n\");\n"
    "    }\n"
    "    fclose(in);\n"
    "    if ((out = fopen(argv[2], \"wb\")) == NULL ||\n"
    "        fwrite(&mnist_weights, sizeof mnist_weights, 1, out) != 1 || fclose(out) != 0)\n"
    "        return 3;\n"
    "    return 0;\n"
    "}\n";

START_TEST(test_exported_net_predicts_like_the_runtime)
{
    char err[ERR_MAX], path[512], cmd[4096];
    generate("nets/mnist.lua");
    snprintf(path, sizeof path, "%s/mnist_weights.c", tmp);
    ck_assert_msg(export_c_weights(path, net, trained, err, sizeof err) == 0, "%s", err);

    /* what an embedded user compiles: no runtime, inference only, pedantic */
    snprintf(path, sizeof path, "%s/driver.c", tmp);
    ck_assert_msg(tu_write(path, driver_c, strlen(driver_c)) == 0, "%s", path);
    snprintf(path, sizeof path, "%s/images.f32", tmp);
    ck_assert_msg(tu_write(path, test_set.x, test_set.n * test_set.dim * sizeof(float)) == 0, "%s",
                  path);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -O2 -DMNIST_INFERENCE_ONLY "
             "mnist.c mnist_weights.c driver.c -lm -o driver && "
             "./driver images.f32 weights.bin >pred.txt",
             tmp);
    ck_assert_msg(tu_sh("%s", cmd) == 0, "%s", cmd);

    size_t len;
    snprintf(path, sizeof path, "%s/weights.bin", tmp);
    char *bin = tu_slurp(path, &len);
    ck_assert(bin != NULL);
    ck_assert_uint_eq(len, net->n_params * sizeof(float));
    ck_assert_msg(memcmp(bin, trained, len) == 0, "compiled weights differ from the trained ones");
    free(bin);

    snprintf(path, sizeof path, "%s/pred.txt", tmp);
    char *pred = tu_slurp(path, NULL);
    ck_assert(pred != NULL);
    char *p = pred;
    unsigned bitwise = 0;
    double worst = 0.0;
    for (size_t k = 0; k < test_set.n; ++k) {
        float out[10];
        net->predict(trained, test_set.x + k * test_set.dim, out);
        const unsigned want = train_argmax(out, net->n_out);
        char *end;
        ck_assert_uint_eq(strtoul(p, &end, 10), k);
        const unsigned long got = strtoul(end, &end, 10);
        ck_assert_msg(got == want, "image %zu: exported net says %lu, runtime says %u", k, got, want);
        unsigned same = 1;
        for (unsigned j = 0; j < net->n_out; ++j) {
            const float y = strtof(end, &end);
            same &= memcmp(&y, &out[j], sizeof y) == 0;
            if (fabs((double)y - out[j]) > worst)
                worst = fabs((double)y - out[j]);
        }
        bitwise += same;
        ck_assert(*end == '\n');
        p = end + 1;
    }
    ck_assert_msg(*p == '\0', "extra output: %.40s", p);
    /* the same code and weights; only -ffp-contract or -march could differ */
    ck_assert_msg(worst < 1e-5, "outputs differ by up to %g (%u of %zu bitwise equal)", worst,
                  bitwise, test_set.n);
    free(pred);

    /* clang agrees the file is clean */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && clang -std=c99 -Wall -Wextra -Wpedantic -Werror -c mnist_weights.c -o w.o",
             tmp);
    ck_assert_msg(tu_sh("%s", cmd) == 0, "%s", cmd);
}
END_TEST

START_TEST(test_literals_parse_back_exactly)
{
    char err[ERR_MAX], path[512];
    snprintf(path, sizeof path, "%s/mnist_weights.c", tmp);
    ck_assert_msg(export_c_weights(path, net, trained, err, sizeof err) == 0, "%s", err);
    char *text = tu_slurp(path, NULL);
    ck_assert(text != NULL);
    ck_assert(strstr(text, "generated by constnet from nets/mnist.lua") != NULL);
    ck_assert(strstr(text, "const mnist_params mnist_weights = {") != NULL);
    ck_assert(strstr(text, "-0x0p+0f") != NULL);   /* the planted negative zero */
    ck_assert(strstr(text, "0x1p-149f") != NULL);  /* the smallest subnormal */
    float *back = calloc(net->n_params + 1, sizeof *back);
    ck_assert(back != NULL);
    ck_assert_uint_eq(parse_back(text, 4, back, net->n_params + 1), net->n_params);
    ck_assert(memcmp(back, trained, net->n_params * sizeof *back) == 0);
    free(back);
    free(text);

    snprintf(path, sizeof path, "%s/mnist_weights.h", tmp);
    text = tu_slurp(path, NULL);
    ck_assert(text != NULL);
    ck_assert(strstr(text, "extern const mnist_params mnist_weights;") != NULL);
    ck_assert(strstr(text, "#include \"mnist.h\"") != NULL);
    free(text);
}
END_TEST

/* The fingerprint in DIR/tiny.h. */
static uint32_t tiny_fingerprint(const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/tiny.h", dir);
    char *h = tu_slurp(path, NULL);
    ck_assert(h != NULL);
    const char *fp = strstr(h, "#define TINY_FINGERPRINT ");
    ck_assert(fp != NULL);
    const uint32_t v = (uint32_t)strtoul(fp + strlen("#define TINY_FINGERPRINT "), NULL, 16);
    free(h);
    return v;
}

/* Compile NET.c with the exported NET_weights.c under gcc and clang (C99,
 * inference only), dump the weights object, and check that it holds the n
 * doubles of v bit for bit. */
static void assert_compiles_to(const char *net, const char *upper, const double *v, size_t n)
{
    char path[600], cmd[4096];
    char dump_c[512];
    snprintf(dump_c, sizeof dump_c,
             "#include <stdio.h>\n#include \"%s_weights.h\"\n"
             "int main(void) { return fwrite(&%s_weights, sizeof %s_weights, 1, stdout) != 1; }\n",
             net, net, net);
    snprintf(path, sizeof path, "%s/dump.c", tmp);
    ck_assert_msg(tu_write(path, dump_c, strlen(dump_c)) == 0, "%s", path);
    const char *ccs[] = {"gcc", "clang"};
    for (int c = 0; c < 2; ++c) {
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && %s -std=c99 -Wall -Wextra -Wpedantic -Werror -D%s_INFERENCE_ONLY "
                 "%s.c %s_weights.c dump.c -lm -o dump && ./dump >dump.bin",
                 tmp, ccs[c], upper, net, net);
        ck_assert_msg(tu_sh("%s", cmd) == 0, "%s", cmd);
        size_t len;
        snprintf(path, sizeof path, "%s/dump.bin", tmp);
        char *bin = tu_slurp(path, &len);
        ck_assert(bin != NULL);
        ck_assert_uint_eq(len, n * sizeof *v);
        ck_assert_msg(memcmp(bin, v, n * sizeof *v) == 0, "%s: compiled weights differ", ccs[c]);
        free(bin);
    }
}

START_TEST(test_double_net_round_trips_through_the_compiler)
{
    /* tests/specs/tiny.lua: 3 -> 4 -> 2, double; a descriptor made by hand */
    generate("tests/specs/tiny.lua");
    char path[512], cmd[4096], err[ERR_MAX];
    const uint32_t fingerprint = tiny_fingerprint(tmp);
    static const unsigned sizes[] = {3, 4, 2};
    const train_net tiny = {.name = "tiny", .spec = "tests/specs/tiny.lua", .n_in = 3, .n_out = 2,
                            .n_layers = 2, .sizes = sizes, .n_params = 26, .real_size = 8,
                            .fingerprint = fingerprint};
    double v[26] = {-0.0, 0.0, 1.0, -1.0, DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN,
                    0x1p-1074, -0x1p-1074, 0x0.fffffffffffffp-1022, 0.1, -1.0 / 3.0, 3.14159265358979323846,
                    1e300, -1e-300, 0x1.fffffffffffffp+0, 0x1p+1023};
    rng_state r;
    rng_seed(&r, 7);
    for (int k = 18; k < 26; ++k)
        v[k] = (rng_uniform(&r) - 0.5) * ldexp(1.0, (int)(rng_uniform(&r) * 200) - 100);
    snprintf(path, sizeof path, "%s/tiny_weights.c", tmp);
    ck_assert_msg(export_c_weights(path, &tiny, v, err, sizeof err) == 0, "%s", err);

    char *text = tu_slurp(path, NULL);
    ck_assert(text != NULL);
    ck_assert(strstr(text, "-0x0p+0,") != NULL);
    ck_assert(strstr(text, "f,") == NULL); /* no float suffix on a double net */
    double back[27];
    ck_assert_uint_eq(parse_back(text, 8, back, 27), 26);
    ck_assert(memcmp(back, v, sizeof v) == 0);
    free(text);

    assert_compiles_to("tiny", "TINY", v, 26);

    /* weights of one shape do not compile against another net's header */
    const train_net other = {.name = "tiny", .spec = "elsewhere.lua", .n_layers = 2,
                             .sizes = sizes, .n_params = 26, .real_size = 8,
                             .fingerprint = fingerprint ^ 1};
    snprintf(path, sizeof path, "%s/tiny_weights.c", tmp);
    ck_assert_msg(export_c_weights(path, &other, v, err, sizeof err) == 0, "%s", err);
    snprintf(cmd, sizeof cmd, "cd '%s' && gcc -std=c99 -c tiny_weights.c -o w.o 2>log", tmp);
    ck_assert_int_ne(tu_sh("%s", cmd), 0);
    snprintf(path, sizeof path, "%s/log", tmp);
    char *log = tu_slurp(path, NULL);
    ck_assert(log != NULL);
    ck_assert_msg(strstr(log, "exported for another shape of tiny") != NULL, "%s", log);
    free(log);
}
END_TEST

/* A convolutional net's weights: the initializer follows the tensor table
 * (w[out][in][kh][kw] per conv layer, no block for the layers without
 * parameters) and compiles, with gcc and clang, to the exported values. */
START_TEST(test_conv_net_round_trips_through_the_compiler)
{
    generate("tests/specs/tiny_cnn.lua");
    char path[600], err[ERR_MAX];
    snprintf(path, sizeof path, "%s/tiny_cnn.h", tmp);
    char *h = tu_slurp(path, NULL);
    ck_assert(h != NULL);
    const char *fp = strstr(h, "#define TINY_CNN_FINGERPRINT ");
    ck_assert(fp != NULL);
    const uint32_t fingerprint = (uint32_t)strtoul(fp + strlen("#define TINY_CNN_FINGERPRINT "), NULL, 16);
    free(h);
    static const unsigned sizes[] = {30, 60, 12, 12, 4, 2, 2, 2, 3};
    static const train_tensor tensors[] = {{"l1.w", 4, {2, 1, 3, 3}, 0},  {"l1.b", 1, {2}, 18},
                                           {"l4.w", 4, {2, 2, 2, 1}, 20}, {"l4.b", 1, {2}, 28},
                                           {"l7.w", 2, {2, 3}, 30},       {"l7.b", 1, {3}, 36}};
    const train_net cnn = {.name = "tiny_cnn", .spec = "tests/specs/tiny_cnn.lua", .n_in = 30, .n_out = 3,
                           .n_layers = 7, .sizes = sizes, .n_params = 39, .real_size = 8,
                           .n_tensors = 6, .tensors = tensors, .fingerprint = fingerprint};
    double v[39];
    rng_state r;
    rng_seed(&r, 11);
    for (int k = 0; k < 39; ++k)
        v[k] = rng_uniform(&r) - 0.5;
    snprintf(path, sizeof path, "%s/tiny_cnn_weights.c", tmp);
    ck_assert_msg(export_c_weights(path, &cnn, v, err, sizeof err) == 0, "%s", err);
    char *text = tu_slurp(path, NULL);
    ck_assert(text != NULL);
    ck_assert_msg(strstr(text, "/* l4.w[2][2][2][1] */") != NULL, "%.600s", text);
    double back[40];
    ck_assert_uint_eq(parse_back(text, 8, back, 40), 39);
    ck_assert(memcmp(back, v, sizeof v) == 0);
    free(text);
    assert_compiles_to("tiny_cnn", "TINY_CNN", v, 39);
}
END_TEST

START_TEST(test_hex_literals)
{
    char buf[EXPORT_HEX_MAX], ref[64];
    static const struct {
        double v;
        const char *s;
    } known[] = {
        {0.0, "0x0p+0"},         {-0.0, "-0x0p+0"},      {1.0, "0x1p+0"},
        {-2.5, "-0x1.4p+1"},     {0.1, "0x1.999999999999ap-4"},
        {0x1p-1074, "0x1p-1074"}, {DBL_MAX, "0x1.fffffffffffffp+1023"},
        {(double)0x1p-149f, "0x1p-149"}, {(double)FLT_MAX, "0x1.fffffep+127"},
    };
    for (size_t k = 0; k < sizeof known / sizeof known[0]; ++k) {
        const int n = export_hex_double(buf, known[k].v);
        ck_assert_str_eq(buf, known[k].s);
        ck_assert_int_eq(n, (int)strlen(known[k].s));
    }
    ck_assert_int_eq(export_hex_double(buf, NAN), -1);
    ck_assert_int_eq(export_hex_double(buf, INFINITY), -1);
    ck_assert_int_eq(export_hex_double(buf, -INFINITY), -1);

    /* random bit patterns: exact through strtod and strtof, and the same
     * text as glibc's "%a" wherever that is normalized (normal numbers) */
    rng_state r;
    rng_seed(&r, 42);
    for (int k = 0; k < 20000; ++k) {
        uint64_t bits = rng_next(&r);
        double d;
        memcpy(&d, &bits, sizeof d);
        if (!isfinite(d))
            continue;
        ck_assert(export_hex_double(buf, d) > 0);
        const double back = strtod(buf, NULL);
        ck_assert_msg(memcmp(&back, &d, sizeof d) == 0, "%s", buf);
        if (isnormal(d) || d == 0.0) {
            snprintf(ref, sizeof ref, "%a", d);
            ck_assert_str_eq(buf, ref);
        }
        uint32_t fbits = (uint32_t)(bits >> 32);
        float f;
        memcpy(&f, &fbits, sizeof f);
        if (!isfinite(f))
            continue;
        ck_assert(export_hex_double(buf, f) > 0);
        const float fback = strtof(buf, NULL);
        ck_assert_msg(memcmp(&fback, &f, sizeof f) == 0, "%s", buf);
    }
}
END_TEST

/* limits */

START_TEST(test_unwritable_path)
{
    char err[ERR_MAX], path[512], seen[1024];
    /* a missing directory */
    snprintf(path, sizeof path, "%s/missing/mnist_weights.c", tmp);
    ck_assert_int_eq(export_c_weights(path, net, trained, err, sizeof err), -1);
    char want[1200];
    snprintf(want, sizeof want, "%s: error: cannot create %s.tmp.", path, path);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
    ck_assert(strchr(err, '\n') == NULL);
    list_dir(tmp, seen, sizeof seen);
    ck_assert_str_eq(seen, "");

    /* a directory in the way: refused, nothing is left */
    snprintf(path, sizeof path, "%s/mnist_weights.c", tmp);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    ck_assert_int_eq(export_c_weights(path, net, trained, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: error: is a folder; give a file name", path);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
    list_dir(tmp, seen, sizeof seen);
    ck_assert_str_eq(seen, "mnist_weights.c ");
    list_dir(path, seen, sizeof seen);
    ck_assert_str_eq(seen, "");

    /* the path of the header itself */
    snprintf(path, sizeof path, "%s/mnist_weights.h", tmp);
    ck_assert_int_eq(export_c_weights(path, net, trained, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "the name of the header") != NULL, "%s", err);
    ck_assert(!file_exists(path));
    ck_assert_int_eq(export_c_weights("", net, trained, err, sizeof err), -1);
}
END_TEST

START_TEST(test_non_finite_refused)
{
    char err[ERR_MAX], path[512], seen[1024];
    float *p = malloc(net->n_params * sizeof *p);
    ck_assert(p != NULL);
    snprintf(path, sizeof path, "%s/mnist_weights.c", tmp);
    ck_assert_msg(tu_write(path, "old\n", 4) == 0, "%s", path);
    const unsigned n1 = net->sizes[1], n2 = net->sizes[2], n3 = net->sizes[3];
    const unsigned long l2 = (unsigned long)net->sizes[0] * n1 + n1; /* start of l2 */
    const unsigned long l3 = l2 + (unsigned long)n1 * n2 + n2;
    static const struct {
        int which;
        const char *at, *what;
    } cases[] = {{0, "l2.w[3][4]", "is NaN"},
                 {1, "l3.b[9]", "is infinity"},
                 {2, "l1.w[0][0]", "is -infinity"}};
    for (int c = 0; c < 3; ++c) {
        memcpy(p, trained, net->n_params * sizeof *p);
        unsigned long k;
        if (cases[c].which == 0)
            k = l2 + 3 * n2 + 4, p[k] = NAN;
        else if (cases[c].which == 1)
            k = l3 + (unsigned long)n2 * n3 + 9, p[k] = INFINITY;
        else
            k = 0, p[k] = -INFINITY;
        if (k + 1 < net->n_params)
            p[k + 1] = NAN; /* only the first is reported */
        ck_assert_int_eq(export_c_weights(path, net, p, err, sizeof err), -1);
        char want[1200];
        snprintf(want, sizeof want,
                 "%s: error: mnist: parameter %s (number %lu) %s, which C cannot express; "
                 "did training diverge? nothing written",
                 path, cases[c].at, k, cases[c].what);
        ck_assert_str_eq(err, want);
        list_dir(tmp, seen, sizeof seen);
        ck_assert_str_eq(seen, "mnist_weights.c ");
        char *old = tu_slurp(path, NULL);
        ck_assert_str_eq(old, "old\n");
        free(old);
    }
    free(p);
}
END_TEST

START_TEST(test_bad_descriptor_refused)
{
    char err[ERR_MAX], path[512], seen[1024];
    snprintf(path, sizeof path, "%s/x_weights.c", tmp);
    static const unsigned sizes[] = {3, 4, 2};
    const train_net good = {.name = "x", .spec = "x.lua", .n_layers = 2, .sizes = sizes,
                            .n_params = 26, .real_size = 8};
    double v[26] = {0};
    train_net bad = good;
    bad.n_params = 27;
    ck_assert_int_eq(export_c_weights(path, &bad, v, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "x: the layer sizes make 26 parameters, the descriptor says 27"), "%s", err);
    bad = good;
    bad.name = "9lives";
    ck_assert_int_eq(export_c_weights(path, &bad, v, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "net name '9lives' is not a C identifier"), "%s", err);
    bad = good;
    bad.real_size = 2;
    ck_assert_int_eq(export_c_weights(path, &bad, v, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "only float and double"), "%s", err);
    bad = good;
    bad.n_layers = 0;
    ck_assert_int_eq(export_c_weights(path, &bad, v, err, sizeof err), -1);
    ck_assert_int_eq(export_c_weights(path, &good, NULL, err, sizeof err), -1);
    ck_assert_int_eq(export_c_weights(path, NULL, v, err, sizeof err), -1);
    list_dir(tmp, seen, sizeof seen);
    ck_assert_str_eq(seen, "");
    /* and a comment-closer in the spec name cannot break the banner */
    bad = good;
    bad.spec = "evil*/.lua";
    ck_assert_msg(export_c_weights(path, &bad, v, err, sizeof err) == 0, "%s", err);
    list_dir(tmp, seen, sizeof seen);
    ck_assert(strstr(seen, "x_weights.c") && strstr(seen, "x_weights.h"));
    char *text = tu_slurp(path, NULL);
    ck_assert(strstr(text, "evil*\\/.lua") != NULL);
    free(text);
}
END_TEST

/* Outside any test: load the subset and train for one epoch. */
static int prepare(void)
{
    char err[ERR_MAX], dir[512];
    if ((root = realpath(tu_root(), NULL)) == NULL) /* the tests cd elsewhere */
        return perror(tu_root()), -1;
    snprintf(dir, sizeof dir, "%s/tests/data", root);
    idx_dataset train_set = {0};
    train_state state = {0};
    if (idx_load_mnist(&train_set, dir, "train", 10, err, sizeof err) != 0 ||
        idx_load_mnist(&test_set, dir, "t10k", 10, err, sizeof err) != 0 ||
        train_state_init(&state, net, net->seed, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    uint32_t *order = malloc(train_set.n * sizeof *order);
    trained = malloc(net->n_params * net->real_size);
    if (order == NULL || trained == NULL)
        return -1;
    for (size_t k = 0; k < train_set.n; ++k)
        order[k] = (uint32_t)k;
    train_stats st;
    const int rc = train_epoch(net, &state, &train_set, order, train_set.n, net->rate, 1, &st, err,
                               sizeof err);
    memcpy(trained, state.params, net->n_params * net->real_size);
    train_state_free(&state);
    free(order);
    idx_dataset_free(&train_set);
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    /* Plant values that are hard to print in l1.w[0][*]: the weights of the
     * top-left pixel, which is blank in every MNIST image, so whatever they
     * hold is multiplied by zero and they cannot overflow a sum. */
    if (net->real_size != sizeof(float) || test_set.dim != net->sizes[0])
        return -1;
    for (size_t k = 0; k < test_set.n; ++k)
        if (test_set.x[k * test_set.dim] != 0.0f)
            return fprintf(stderr, "test image %zu: top-left pixel not blank\n", k), -1;
    static const float planted[] = {-0.0f, 0.0f, 0x1p-149f, -0x1p-149f, 0x1.fffffcp-127f,
                                    FLT_MIN, -FLT_MIN, FLT_MAX, -FLT_MAX, 1.0f, -1.0f,
                                    0x1.fffffep-1f, 1e-40f, 3.14159265f};
    for (size_t k = 0; k < sizeof planted / sizeof planted[0]; ++k)
        trained[k] = planted[k];
    return 0;
}

/* Export 26 weights of tiny 3-4-2 (double) into DIR as symbol (NULL: default). */
static void export_tiny(const char *dir, const char *file, const char *symbol, double scale)
{
    static const unsigned sizes[] = {3, 4, 2};
    const train_net tiny = {.name = "tiny", .spec = "tests/specs/tiny.lua", .n_in = 3, .n_out = 2,
                            .n_layers = 2, .sizes = sizes, .n_params = 26, .real_size = 8,
                            .fingerprint = tiny_fingerprint(dir)};
    double v[26];
    for (int k = 0; k < 26; ++k)
        v[k] = scale * (k % 7 - 3);
    char path[600], err[ERR_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    ck_assert_msg(export_c_weights_named(path, symbol, &tiny, v, err, sizeof err) == 0, "%s", err);
}

/* Weights exported for one shape, after the spec changed: whichever header
 * the weights file and the program each see, only the combination where both
 * are the weights' own shape builds; every stale one fails to compile (the
 * weights file's #error) or to link (the fingerprinted symbol). */
START_TEST(test_stale_weights_never_build)
{
    /* shape A (3-4-2) and shape B (3-5-2) of the same net "tiny" */
    ck_assert_int_eq(tu_sh("cd '%s' && mkdir -p '%s/A' '%s/B' '%s/prog' && "
                           "sed 's/dense { 4,/dense { 5,/' tests/specs/tiny.lua >'%s/tinyB.lua' && "
                           "lua5.4 gen/constnet.lua -q tests/specs/tiny.lua -o '%s/A' && "
                           "lua5.4 gen/constnet.lua -q '%s/tinyB.lua' -o '%s/B'",
                           root, tmp, tmp, tmp, tmp, tmp, tmp, tmp),
                     0);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/A", tmp);
    ck_assert_uint_ne(tiny_fingerprint(dir), 0);
    export_tiny(dir, "tiny_weights.c", NULL, 0.25);
    /* the same weights file moved next to B's header */
    ck_assert_int_eq(tu_sh("cp '%s/A/tiny_weights.c' '%s/A/tiny_weights.h' '%s/B/'", tmp, tmp, tmp), 0);
    static const char main_c[] =
        "#include \"tiny.h\"\n#include \"tiny_weights.h\"\n"
        "int main(void) { static tiny_input x; tiny_output y; return tiny_predict(&y, &tiny_weights, &x) < 0; }\n";
    char path[700];
    snprintf(path, sizeof path, "%s/prog/main.c", tmp);
    ck_assert(tu_write(path, main_c, strlen(main_c)) == 0);
    const char *shapes[] = {"A", "B"};
    for (int w = 0; w < 2; ++w) {
        for (int p = 0; p < 2; ++p) {
            /* the weights compiled beside header w; the program and the net with header p */
            const int rc = tu_sh("cd '%s' && rm -f w.o prog/main && "
                                 "gcc -std=c99 -Wall -Wextra -Werror -c %s/tiny_weights.c -o w.o 2>log && "
                                 "gcc -std=c99 -Wall -Wextra -Werror -DTINY_INFERENCE_ONLY -I%s -I%s prog/main.c "
                                 "%s/tiny.c w.o -lm -o prog/main 2>log && ./prog/main",
                                 tmp, shapes[w], shapes[p], shapes[w], shapes[p]);
            snprintf(path, sizeof path, "%s/log", tmp);
            char *log = tu_slurp(path, NULL);
            ck_assert(log != NULL);
            if (w == 0 && p == 0) {
                ck_assert_msg(rc == 0, "the fresh build failed:\n%s", log);
            } else {
                ck_assert_msg(rc != 0, "weights %s with program %s built", shapes[w], shapes[p]);
                const char *want = w == 1 ? "tiny_weights: exported for another shape of tiny than this tiny.h describes"
                                          : "undefined reference to `tiny_weights_fp";
                ck_assert_msg(strstr(log, want) != NULL, "weights %s, program %s:\n%s", shapes[w], shapes[p], log);
            }
            free(log);
        }
    }
}
END_TEST

/* Two weight sets of one net in one program, each under its own name. */
START_TEST(test_two_weight_sets_in_one_program)
{
    generate("tests/specs/tiny.lua");
    export_tiny(tmp, "a.c", "tiny_a", 0.25);
    export_tiny(tmp, "b.c", "tiny_b", -0.5);
    static const char main_c[] =
        "#include <stdio.h>\n#include \"tiny.h\"\n#include \"tiny_a.h\"\n#include \"tiny_b.h\"\n"
        "int main(void) { printf(\"%a %a\\n\", tiny_a.l1.w[0][0], tiny_b.l1.w[0][0]); return 0; }\n";
    char path[600];
    snprintf(path, sizeof path, "%s/two.c", tmp);
    ck_assert(tu_write(path, main_c, strlen(main_c)) == 0);
    ck_assert_int_eq(tu_sh("cd '%s' && gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -DTINY_INFERENCE_ONLY two.c "
                           "tiny.c a.c b.c -lm -o two && ./two >two.txt",
                           tmp),
                     0);
    snprintf(path, sizeof path, "%s/two.txt", tmp);
    char *out = tu_slurp(path, NULL);
    ck_assert(out != NULL);
    ck_assert_str_eq(out, "-0x1.8p-1 0x1.8p+0\n");
    free(out);
    /* a symbol that is no C identifier, or the net's own name, is refused */
    static const unsigned sizes[] = {3, 4, 2};
    const train_net tiny = {.name = "tiny", .n_layers = 2, .sizes = sizes, .n_params = 26, .real_size = 8};
    double v[26] = {0};
    char err[ERR_MAX];
    snprintf(path, sizeof path, "%s/c.c", tmp);
    ck_assert_int_eq(export_c_weights_named(path, "9lives", &tiny, v, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "symbol '9lives' is not a C identifier") != NULL, "%s", err);
    ck_assert_int_eq(export_c_weights_named(path, "tiny", &tiny, v, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "symbol 'tiny' is the net's own name") != NULL, "%s", err);
}
END_TEST

int main(void)
{
    if (prepare() != 0)
        return EXIT_FAILURE;
    Suite *s = suite_create("export");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_exported_net_predicts_like_the_runtime);
    tcase_add_test(core, test_literals_parse_back_exactly);
    tcase_add_test(core, test_double_net_round_trips_through_the_compiler);
    tcase_add_test(core, test_conv_net_round_trips_through_the_compiler);
    tcase_add_test(core, test_hex_literals);
    tcase_add_test(core, test_stale_weights_never_build);
    tcase_add_test(core, test_two_weight_sets_in_one_program);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 60);
    tcase_add_test(limits, test_unwritable_path);
    tcase_add_test(limits, test_non_finite_refused);
    tcase_add_test(limits, test_bad_descriptor_refused);
    suite_add_tcase(s, limits);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    free(trained);
    free(root);
    idx_dataset_free(&test_set);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
