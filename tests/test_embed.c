/* test_embed.c: the generated code and exported weights used the way an
 * embedding project uses them, with no constnet runtime. Built with
 * -DCONSTNET_RUNTIME against nets/mnist.lua; runs the generator, make, cmake
 * and the C/C++ compilers, from CONSTNET_ROOT (default ".").
 *
 *   core:   examples/embed builds with its own Makefile against a freshly
 *           generated mnist and its exported weights (trained three epochs on the
 *           committed subset) and classifies all 500 test images, as PGMs,
 *           exactly as the runtime does; its digit-extraction script cuts the
 *           same PGMs; the generated .h/.c of every test spec compile clean as
 *           pedantic C99 under gcc and clang and the headers as C++11 under
 *           g++ and clang++; cmake/constnet.cmake builds tests/cmake and
 *           regenerates when the spec changes; the Cortex-M4 build works
 *           where arm-none-eabi-gcc is installed;
 *   limits: malformed PGMs (bad magic, wrong size or maxval, truncated,
 *           trailing data, bad header) get one-line errors naming the file,
 *           and a missing weights file gets a hint from the Makefile. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <check.h>
#include <glob.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "export.h"
#include "idx.h"
#include "testutil.h"
#include "train.h"

static const train_net *net = &train_net_desc;
static char *root; /* CONSTNET_ROOT, absolute */
static idx_dataset test_set;
static idx_file test_images; /* the raw bytes, for PGMs */
static float *trained;

/* Built once, before the tests: SHARED/net holds mnist.{h,c} and the
 * exported weights, SHARED/build the example's classify. */
static char shared[256];
static int shared_status = -1;
static char shared_log[4096];

static char tmp[256]; /* per test */

/* Run cmd with its output in DIR/log; on failure, the log's tail in msg. */
static int run_logged(const char *dir, const char *cmd, char *msg, size_t msglen)
{
    char path[512];
    snprintf(path, sizeof path, "%s/log", dir);
    const int rc = tu_sh("( %s ) >'%s' 2>&1", cmd, path);
    if (msg != NULL) {
        char *log = tu_slurp(path, NULL);
        const size_t n = log ? strlen(log) : 0;
        const int w = snprintf(msg, msglen, "%s\n-> exit %d:\n%s", cmd, rc,
                               log ? log + (n > msglen / 2 ? n - msglen / 2 : 0) : "(no log)");
        /* a long command may cut msg short, as it always could; using the
         * result tells -Wformat-truncation that this is expected */
        if (w < 0)
            msg[0] = '\0';
        free(log);
    }
    return rc;
}

/* The scratch base is made and removed in Check's parent process, so a
 * failed test (whose child never reaches teardown) leaves nothing behind. */
static void open_scratch(void)
{
    ck_assert(tu_scratch_open("constnet-embed-") == 0);
}

static void setup(void)
{
    ck_assert(tu_scratch_enter() == 0);
    snprintf(tmp, sizeof tmp, "%s", tu_scratch_dir());
    ck_assert_msg(shared_status == 0, "building examples/embed failed:\n%s", shared_log);
}

static void teardown(void)
{
    tu_scratch_leave();
}

/* Write test image k as a binary PGM. */
static void write_pgm(const char *path, size_t k)
{
    char pgm[32 + 784];
    const int h = snprintf(pgm, sizeof pgm, "P5\n28 28\n255\n");
    memcpy(pgm + h, test_images.data + k * 784, 784);
    ck_assert_msg(tu_write(path, pgm, (size_t)h + 784) == 0, "%s", path);
}

START_TEST(test_classify_agrees_with_the_runtime)
{
    char cmd[4096], path[512], msg[4096];
    snprintf(path, sizeof path, "%s/pgm", tmp);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    for (size_t k = 0; k < test_set.n; ++k) {
        snprintf(path, sizeof path, "%s/pgm/%04zu.pgm", tmp, k);
        write_pgm(path, k);
    }
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/build/classify' pgm/*.pgm >out.txt", tmp, shared);
    ck_assert_msg(run_logged(tmp, cmd, msg, sizeof msg) == 0, "%s", msg);

    snprintf(path, sizeof path, "%s/out.txt", tmp);
    char *out = tu_slurp(path, NULL);
    ck_assert(out != NULL);
    char *p = out;
    size_t right = 0;
    for (size_t k = 0; k < test_set.n; ++k) {
        float y[10];
        net->predict(trained, test_set.x + k * test_set.dim, y);
        const unsigned want = train_argmax(y, net->n_out);
        char head[64];
        snprintf(head, sizeof head, "pgm/%04zu.pgm: ", k);
        ck_assert_msg(strncmp(p, head, strlen(head)) == 0, "line for image %zu: %.40s", k, p);
        char *end;
        const unsigned long got = strtoul(p + strlen(head), &end, 10);
        ck_assert_msg(got == want, "image %zu: classify says %lu, the runtime %u", k, got, want);
        right += got == test_set.y[k];
        ck_assert(*end == '\n');
        p = end + 1;
        for (unsigned j = 0; j < net->n_out; ++j) { /* "  j:0.1234" */
            ck_assert_uint_eq(strtoul(p, &end, 10), j);
            ck_assert(*end == ':');
            const double v = strtod(end + 1, &p);
            ck_assert_msg(fabs(v - y[j]) <= 0.00005 + 1e-6, "image %zu, output %u: %g vs %g", k, j,
                          v, (double)y[j]);
        }
        ck_assert(*p == '\n');
        ++p;
    }
    ck_assert_msg(*p == '\0', "extra output: %.40s", p);
    ck_assert_msg(right > test_set.n / 2, "only %zu of %zu right: weights not the trained ones?",
                  right, test_set.n);
    free(out);
}
END_TEST

START_TEST(test_extract_script_cuts_the_same_pgms)
{
    char cmd[4096], msg[4096], path[512];
    snprintf(cmd, sizeof cmd,
             "cd '%s/examples/embed' && sh extract-digits.sh '%s/tests/data/t10k-images-idx3-ubyte.gz' "
             "'%s/tests/data/t10k-labels-idx1-ubyte.gz' '%s/digits' 4 496",
             root, root, root, tmp);
    ck_assert_msg(run_logged(tmp, cmd, msg, sizeof msg) == 0, "%s", msg);
    for (size_t k = 496; k < 500; ++k) {
        snprintf(path, sizeof path, "%s/want.pgm", tmp);
        write_pgm(path, k);
        snprintf(cmd, sizeof cmd, "cmp '%s/want.pgm' '%s/digits/%04zu-%u.pgm'", tmp, tmp, k,
                 (unsigned)test_set.y[k]);
        ck_assert_msg(run_logged(tmp, cmd, msg, sizeof msg) == 0, "%s", msg);
    }
    /* and the default paths, from the example's own directory, by make */
    snprintf(cmd, sizeof cmd,
             "make -s -C '%s/examples/embed' NET_DIR='%s/net' BUILD_DIR='%s' DIGITS=3 try",
             root, shared, tmp);
    ck_assert_msg(run_logged(tmp, cmd, msg, sizeof msg) == 0, "%s", msg);
    snprintf(path, sizeof path, "%s/log", tmp);
    char *log = tu_slurp(path, NULL);
    ck_assert(log != NULL);
    ck_assert_msg(strstr(log, "/digits/0002-1.pgm: ") != NULL, "%s", log);
    free(log);
}
END_TEST

/* Generate every test spec, plus nets/mnist.lua, into tmp/gen; the net
 * names (file stems) go to names[], space-separated. */
static void generate_all(char *names, size_t len)
{
    char cmd[8192], msg[4096], pattern[512];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && mkdir -p '%s/gen' && for s in nets/mnist.lua tests/specs/*.lua; do "
             "lua5.4 gen/constnet.lua -q \"$s\" -o '%s/gen' || exit 1; done",
             root, tmp, tmp);
    ck_assert_msg(run_logged(tmp, cmd, msg, sizeof msg) == 0, "%s", msg);
    snprintf(pattern, sizeof pattern, "%s/gen/*.h", tmp);
    glob_t g;
    ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0);
    ck_assert_uint_ge(g.gl_pathc, 5);
    names[0] = '\0';
    for (size_t i = 0; i < g.gl_pathc; ++i) {
        const char *base = strrchr(g.gl_pathv[i], '/') + 1;
        const size_t used = strlen(names);
        ck_assert(used + strlen(base) < len);
        snprintf(names + used, len - used, "%.*s ", (int)(strlen(base) - 2), base);
    }
    globfree(&g);
}

START_TEST(test_generated_code_is_pedantic_c99)
{
    char names[2048], cmd[8192], msg[4096];
    generate_all(names, sizeof names);
    const char *ccs[] = {"gcc", "clang"};
    for (int c = 0; c < 2; ++c) {
        /* each net with and without its training code */
        snprintf(cmd, sizeof cmd,
                 "cd '%s/gen' && for n in %s; do N=$(echo $n | tr a-z A-Z); "
                 "for d in '' \"-D${N}_INFERENCE_ONLY\"; do "
                 "%s -std=c99 -Wall -Wextra -Wpedantic -Werror $d -c $n.c -o $n.o "
                 "|| { echo \"$n.c $d: not clean\"; exit 1; }; done; done",
                 tmp, names, ccs[c]);
        ck_assert_msg(run_logged(tmp, cmd, msg, sizeof msg) == 0, "%s", msg);
    }
}
END_TEST

START_TEST(test_headers_are_cplusplus)
{
    char names[2048], cmd[8192], msg[4096], path[512];
    generate_all(names, sizeof names);
    /* one translation unit that includes every header and uses its types */
    snprintf(path, sizeof path, "%s/gen/all.cpp", tmp);
    FILE *f = fopen(path, "w");
    ck_assert(f != NULL);
    char *save, *list = strdup(names);
    for (char *n = strtok_r(list, " ", &save); n; n = strtok_r(NULL, " ", &save))
        fprintf(f, "#include \"%s.h\"\n", n);
    fprintf(f, "#include \"mnist_weights.h\"\n\nint use_all();\nint use_all()\n{\n    int k = 0;\n");
    free(list);
    list = strdup(names);
    for (char *n = strtok_r(list, " ", &save); n; n = strtok_r(NULL, " ", &save))
        fprintf(f,
                "    {\n        static %s_params p;\n        %s_input x = %s_input();\n"
                "        %s_output y;\n        k += %s_predict(&y, &p, &x);\n    }\n",
                n, n, n, n, n);
    free(list);
    fprintf(f, "    return k;\n}\n");
    ck_assert(fclose(f) == 0);
    snprintf(path, sizeof path, "%s/gen/main.cpp", tmp);
    static const char main_cpp[] =
        "#include <cstdio>\n#include \"mnist.h\"\n#include \"mnist_weights.h\"\n"
        "int main()\n{\n    mnist_input x = mnist_input();\n    mnist_output y;\n"
        "    std::printf(\"%d\\n\", mnist_predict(&y, &mnist_weights, &x));\n    return 0;\n}\n";
    ck_assert_msg(tu_write(path, main_cpp, strlen(main_cpp)) == 0, "%s", path);

    const char *cxxs[] = {"g++", "clang++"};
    for (int c = 0; c < 2; ++c) {
        snprintf(cmd, sizeof cmd,
                 "cd '%s/gen' && cp '%s/net/mnist_weights.c' '%s/net/mnist_weights.h' . && "
                 "%s -std=c++11 -Wall -Wextra -Wpedantic -Werror -c all.cpp -o all.o && "
                 "D=; for n in %s; do D=\"$D -D$(echo $n | tr a-z A-Z)_INFERENCE_ONLY\"; done && "
                 "%s -std=c++11 -Wall -Wextra -Wpedantic -Werror $D -c all.cpp -o all.o && "
                 /* and C++ calls the C functions: extern "C" links */
                 "gcc -std=c99 -O1 -DMNIST_INFERENCE_ONLY -c mnist.c mnist_weights.c && "
                 "%s -std=c++11 -Wall -Wextra -Werror main.cpp mnist.o mnist_weights.o -o main && "
                 "./main >main.out",
                 tmp, shared, shared, cxxs[c], names, cxxs[c], cxxs[c]);
        ck_assert_msg(run_logged(tmp, cmd, msg, sizeof msg) == 0, "%s", msg);
        snprintf(path, sizeof path, "%s/gen/main.out", tmp);
        char *out = tu_slurp(path, NULL);
        ck_assert(out != NULL);
        float y[10];
        const float zero[784] = {0};
        net->predict(trained, zero, y);
        char want[16];
        snprintf(want, sizeof want, "%u\n", train_argmax(y, net->n_out));
        ck_assert_str_eq(out, want);
        free(out);
    }
}
END_TEST

START_TEST(test_cmake_builds_and_regenerates)
{
    char cmd[8192], msg[4096], path[512];
    if (tu_sh("command -v cmake >/dev/null 2>&1") != 0)
        ck_abort_msg("cmake is not installed (apt-get install cmake)");
    snprintf(cmd, sizeof cmd,
             "cp '%s/tests/specs/tiny.lua' '%s/tiny.lua' && "
             "cmake -S '%s/tests/cmake' -B '%s/build' -DSPEC='%s/tiny.lua' && "
             "cmake --build '%s/build' && '%s/build/infer' >'%s/run1'",
             root, tmp, root, tmp, tmp, tmp, tmp, tmp);
    ck_assert_msg(run_logged(tmp, cmd, msg, sizeof msg) == 0, "%s", msg);
    snprintf(path, sizeof path, "%s/run1", tmp);
    char *out = tu_slurp(path, NULL);
    ck_assert(out != NULL);
    ck_assert_msg(strncmp(out, "sizes 3 4 2\nclass ", 18) == 0, "%s", out);
    free(out);

    /* nothing changed: nothing regenerated */
    snprintf(cmd, sizeof cmd, "cmake --build '%s/build'", tmp);
    ck_assert_msg(run_logged(tmp, cmd, msg, sizeof msg) == 0, "%s", msg);
    ck_assert_msg(strstr(msg, "constnet: generating") == NULL, "%s", msg);

    /* the spec touched: regenerated and rebuilt; the generator and templates
     * are dependencies too */
    snprintf(cmd, sizeof cmd, "sleep 1; touch '%s/tiny.lua' && cmake --build '%s/build'", tmp, tmp);
    ck_assert_msg(run_logged(tmp, cmd, msg, sizeof msg) == 0, "%s", msg);
    ck_assert_msg(strstr(msg, "constnet: generating tiny.h and tiny.c") != NULL, "%s", msg);
    snprintf(cmd, sizeof cmd,
             "grep -q 'templates/net.c.tpl' '%s/build/CMakeFiles/infer.dir/build.make' && "
             "grep -q 'gen/model.lua' '%s/build/CMakeFiles/infer.dir/build.make'",
             tmp, tmp);
    ck_assert_msg(run_logged(tmp, cmd, msg, sizeof msg) == 0, "%s", msg);

    /* the spec edited: the new shape reaches the program */
    snprintf(cmd, sizeof cmd,
             "sed 's/dense { 4,/dense { 5,/' '%s/tiny.lua' >'%s/tiny.new' && "
             "mv '%s/tiny.new' '%s/tiny.lua' && cmake --build '%s/build' && "
             "'%s/build/infer' >'%s/run2'",
             tmp, tmp, tmp, tmp, tmp, tmp, tmp);
    ck_assert_msg(run_logged(tmp, cmd, msg, sizeof msg) == 0, "%s", msg);
    snprintf(path, sizeof path, "%s/run2", tmp);
    out = tu_slurp(path, NULL);
    ck_assert(out != NULL);
    ck_assert_msg(strncmp(out, "sizes 3 5 2\n", 12) == 0, "%s", out);
    free(out);
}
END_TEST

/* A C++-only project: the module enables C for the generated sources (the
 * build would otherwise fail at link time), and the banner records the spec
 * relative to the project, not the absolute path of this machine. */
START_TEST(test_cmake_cxx_only_project)
{
    char cmd[8192], msg[4096], path[512];
    if (tu_sh("command -v cmake >/dev/null 2>&1") != 0)
        ck_abort_msg("cmake is not installed (apt-get install cmake)");
    snprintf(cmd, sizeof cmd,
             "cp -r '%s/tests/cmake_cxx' '%s/proj' && cp '%s/tests/specs/tiny.lua' '%s/proj/tiny.lua' && "
             "cmake -S '%s/proj' -B '%s/build' -DCONSTNET_ROOT='%s' && "
             "cmake --build '%s/build' && '%s/build/infer' >'%s/run1'",
             root, tmp, root, tmp, tmp, tmp, root, tmp, tmp, tmp);
    ck_assert_msg(run_logged(tmp, cmd, msg, sizeof msg) == 0, "%s", msg);
    ck_assert_msg(strstr(msg, "constnet: enabling C for the generated sources") != NULL, "%s", msg);
    snprintf(path, sizeof path, "%s/run1", tmp);
    char *out = tu_slurp(path, NULL);
    ck_assert(out != NULL);
    ck_assert_msg(strncmp(out, "sizes 3 4 2 class ", 18) == 0, "%s", out);
    free(out);
    snprintf(path, sizeof path, "%s/build/gen/tiny.h", tmp);
    char *h = tu_slurp(path, NULL);
    ck_assert(h != NULL);
    ck_assert_msg(strncmp(h, "/* generated by constnet from tiny.lua \xe2\x80\x94 do not edit\n", 46) == 0, "%.120s", h);
    free(h);
}
END_TEST

START_TEST(test_cortex_m4)
{
    char cmd[4096], msg[8192];
    if (tu_sh("command -v arm-none-eabi-gcc >/dev/null 2>&1") != 0) {
        fprintf(stderr, "embed: arm-none-eabi-gcc not installed; Cortex-M4 build not checked\n");
        return;
    }
    snprintf(cmd, sizeof cmd, "make -s -C '%s/examples/embed' NET_DIR='%s/net' BUILD_DIR='%s' cortex-m4",
             root, shared, tmp);
    ck_assert_msg(run_logged(tmp, cmd, msg, sizeof msg) == 0, "%s", msg);
    /* the weights are all read-only data: n_params floats of text, no data */
    char want[128];
    snprintf(want, sizeof want, " %lu\t      0\t      0\t %lu\t", net->n_params * 4, net->n_params * 4);
    ck_assert_msg(strstr(msg, want) != NULL, "no '%s' in:\n%s", want, msg);
    ck_assert_msg(strstr(msg, "mnist_weights.o (ex ") != NULL, "%s", msg);
    const char *s = strstr(msg, "deepest stack of mnist_predict: ");
    ck_assert_msg(s != NULL, "%s", msg);
    const long stack = strtol(s + strlen("deepest stack of mnist_predict: "), NULL, 10);
    ck_assert_msg(stack > 808 && stack < 8192, "stack %ld bytes?\n%s", stack, msg);
}
END_TEST

/* limits */

START_TEST(test_malformed_pgm)
{
    static const struct {
        const char *name, *head;
        size_t pixels;
        const char *error; /* after "FILE: error: "; NULL: valid */
    } cases[] = {
        {"p6.pgm", "P6\n28 28\n255\n", 784, "not a binary PGM (the file must start with \"P5\")"},
        {"p2.pgm", "P2\n28 28\n255\n", 784, "not a binary PGM (the file must start with \"P5\")"},
        {"empty.pgm", "", 0, "not a binary PGM (the file must start with \"P5\")"},
        {"narrow.pgm", "P5\n27 28\n255\n", 756, "image is 27x28, expected 28x28"},
        {"big.pgm", "P5\n280 280\n255\n", 784, "image is 280x280, expected 28x28"},
        {"deep.pgm", "P5\n28 28\n65535\n", 1568, "maxval is 65535, expected 255"},
        {"short.pgm", "P5\n28 28\n255\n", 700, "truncated: 700 of 784 pixel bytes"},
        {"header-only.pgm", "P5\n28 28\n255\n", 0, "truncated: 0 of 784 pixel bytes"},
        {"long.pgm", "P5\n28 28\n255\n", 785, "data after the 784 pixel bytes"},
        {"cut.pgm", "P5\n28 28\n255", 0,
         "bad PGM header (expected \"P5 WIDTH HEIGHT MAXVAL\" and one whitespace character)"},
        {"minus.pgm", "P5\n28 -28\n255\n", 784,
         "bad PGM header (expected \"P5 WIDTH HEIGHT MAXVAL\" and one whitespace character)"},
        {"glued.pgm", "P528 28\n255\n", 784,
         "bad PGM header (expected \"P5 WIDTH HEIGHT MAXVAL\" and one whitespace character)"},
        {"huge.pgm", "P5\n2800000000 28\n255\n", 784,
         "bad PGM header (expected \"P5 WIDTH HEIGHT MAXVAL\" and one whitespace character)"},
        {"comment.pgm", "P5\n# drawn by hand\n28 28 # size\n255\n", 784, NULL},
        {"one-line.pgm", "P5 28 28 255 ", 784, NULL},
    };
    char path[512], cmd[4096], msg[4096];
    unsigned char buf[2048];
    for (size_t i = 0; i < sizeof buf; ++i)
        buf[i] = (unsigned char)(i * 7);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        const size_t h = strlen(cases[c].head);
        unsigned char file[4096];
        memcpy(file, cases[c].head, h);
        memcpy(file + h, buf, cases[c].pixels);
        snprintf(path, sizeof path, "%s/%s", tmp, cases[c].name);
        ck_assert_msg(tu_write(path, file, h + cases[c].pixels) == 0, "%s", path);
        const int rc = tu_sh("cd '%s' && '%s/build/classify' %s >out 2>err", tmp, shared,
                             cases[c].name);
        snprintf(path, sizeof path, "%s/err", tmp);
        char *err = tu_slurp(path, NULL);
        snprintf(path, sizeof path, "%s/out", tmp);
        char *out = tu_slurp(path, NULL);
        ck_assert(err != NULL && out != NULL);
        if (cases[c].error == NULL) {
            ck_assert_msg(rc == 0 && err[0] == '\0', "%s: exit %d: %s", cases[c].name, rc, err);
            ck_assert_msg(strncmp(out, cases[c].name, strlen(cases[c].name)) == 0, "%s", out);
        } else {
            char want[512];
            snprintf(want, sizeof want, "%s: error: %s\n", cases[c].name, cases[c].error);
            ck_assert_msg(rc == 1, "%s: exit %d", cases[c].name, rc);
            ck_assert_str_eq(err, want);
            ck_assert_str_eq(out, "");
        }
        free(err);
        free(out);
    }
    /* several files: the good ones are classified, the status says one failed */
    snprintf(path, sizeof path, "%s/good.pgm", tmp);
    write_pgm(path, 0);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/build/classify' good.pgm missing.pgm comment.pgm",
             tmp, shared);
    ck_assert_int_eq(run_logged(tmp, cmd, msg, sizeof msg), 1);
    ck_assert_msg(strstr(msg, "missing.pgm: error: cannot open: No such file or directory\n"), "%s", msg);
    ck_assert_msg(strstr(msg, "\ngood.pgm: ") || strstr(msg, ":\ngood.pgm: "), "%s", msg);
    ck_assert_msg(strstr(msg, "\ncomment.pgm: "), "%s", msg);
    /* no arguments: usage, status 2 */
    snprintf(cmd, sizeof cmd, "'%s/build/classify'", shared);
    ck_assert_int_eq(run_logged(tmp, cmd, msg, sizeof msg), 2);
    ck_assert_msg(strstr(msg, "usage: "), "%s", msg);
}
END_TEST

START_TEST(test_makefile_without_weights)
{
    char cmd[4096], msg[4096];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/net' && cp '%s/net/mnist.h' '%s/net/mnist.c' '%s/net/' && "
             "make -s -C '%s/examples/embed' NET_DIR='%s/net' BUILD_DIR='%s/build'",
             tmp, shared, shared, tmp, root, tmp, tmp);
    ck_assert_int_ne(run_logged(tmp, cmd, msg, sizeof msg), 0);
    ck_assert_msg(strstr(msg, "mnist_weights.c: missing: train and export first") != NULL, "%s", msg);
    ck_assert_msg(strstr(msg, "export --load out/mnist/mnist.model") != NULL, "%s", msg);
}
END_TEST

/* Outside any test: load the subset, train three epochs, generate, export and
 * build the example into SHARED. Returns -1 only when the data is missing;
 * a failed build is reported by every test. */
static int prepare(void)
{
    char err[ERR_MAX], dir[512];
    if ((root = realpath(tu_root(), NULL)) == NULL) /* the tests cd elsewhere */
        return perror(tu_root()), -1;
    snprintf(dir, sizeof dir, "%s/tests/data", root);
    idx_dataset train_set = {0};
    train_state state = {0};
    char images[600];
    snprintf(images, sizeof images, "%s/t10k-images-idx3-ubyte.gz", dir);
    if (idx_load_mnist(&train_set, dir, "train", 10, err, sizeof err) != 0 ||
        idx_load_mnist(&test_set, dir, "t10k", 10, err, sizeof err) != 0 ||
        idx_load(&test_images, images, err, sizeof err) != 0 ||
        train_state_init(&state, net, net->seed, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    if (test_images.count != test_set.n || test_images.item_size != 784)
        return fprintf(stderr, "%s: not 28x28 images\n", images), -1;
    uint32_t *order = malloc(train_set.n * sizeof *order);
    trained = malloc(net->n_params * net->real_size);
    if (order == NULL || trained == NULL)
        return -1;
    for (size_t k = 0; k < train_set.n; ++k)
        order[k] = (uint32_t)k;
    train_stats st;
    int rc = 0;
    for (unsigned e = 1; e <= 3 && rc == 0; ++e)
        rc = train_epoch(net, &state, &train_set, order, train_set.n, net->rate, e, &st, err,
                         sizeof err);
    memcpy(trained, state.params, net->n_params * net->real_size);
    train_state_free(&state);
    free(order);
    idx_dataset_free(&train_set);
    if (rc != 0)
        return fprintf(stderr, "%s\n", err), -1;

    if (tu_mkdtemp(shared, sizeof shared, "constnet-embed-shared-") != 0)
        return perror("mkdtemp"), -1;
    char cmd[4096], path[512];
    snprintf(cmd, sizeof cmd, "cd '%s' && lua5.4 gen/constnet.lua -q nets/mnist.lua -o '%s/net'",
             root, shared);
    if ((shared_status = run_logged(shared, cmd, shared_log, sizeof shared_log)) != 0)
        return 0;
    snprintf(path, sizeof path, "%s/net/mnist_weights.c", shared);
    if (export_c_weights(path, net, trained, err, sizeof err) != 0) {
        snprintf(shared_log, sizeof shared_log, "%s", err);
        shared_status = 1;
        return 0;
    }
    snprintf(cmd, sizeof cmd, "make -C '%s/examples/embed' NET_DIR='%s/net' BUILD_DIR='%s/build'",
             root, shared, shared);
    shared_status = run_logged(shared, cmd, shared_log, sizeof shared_log);
    return 0;
}

int main(void)
{
    if (prepare() != 0)
        return EXIT_FAILURE;
    Suite *s = suite_create("embed");
    TCase *core = tcase_create("core");
    tcase_add_unchecked_fixture(core, open_scratch, tu_scratch_close);
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_classify_agrees_with_the_runtime);
    tcase_add_test(core, test_extract_script_cuts_the_same_pgms);
    tcase_add_test(core, test_generated_code_is_pedantic_c99);
    tcase_add_test(core, test_headers_are_cplusplus);
    tcase_add_test(core, test_cmake_builds_and_regenerates);
    tcase_add_test(core, test_cmake_cxx_only_project);
    tcase_add_test(core, test_cortex_m4);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_unchecked_fixture(limits, open_scratch, tu_scratch_close);
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 60);
    tcase_add_test(limits, test_malformed_pgm);
    tcase_add_test(limits, test_makefile_without_weights);
    suite_add_tcase(s, limits);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (shared[0] && tu_rmtree(shared) != 0)
        fprintf(stderr, "%s: could not remove\n", shared);
    free(trained);
    free(root);
    idx_free(&test_images);
    idx_dataset_free(&test_set);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
