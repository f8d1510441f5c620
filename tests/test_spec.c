/* test_spec.c: the generator seen from outside, as a build system runs it.
 *
 *   core:   golden files for tiny nets, byte-identical reruns, --check,
 *           --help, warnings that do not stop generation;
 *   limits: every spec in tests/specs/bad/ fails with exactly the messages in
 *           its "-- expect:" lines, exit status 1, no traceback, nothing written.
 *
 * Runs `lua5.4 gen/constnet.lua` from CONSTNET_ROOT (default "."). */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char tmp[256];
static const char *root = ".";

/* Run the generator with args; returns its exit status, stdout and stderr. */
static int gen(const char *args, char **out, char **err)
{
    const int status = tu_sh("cd '%s' && lua5.4 gen/constnet.lua %s >'%s/stdout' 2>'%s/stderr'", root,
                             args, tmp, tmp);
    char path[512];
    snprintf(path, sizeof path, "%s/stdout", tmp);
    *out = tu_slurp(path, NULL);
    snprintf(path, sizeof path, "%s/stderr", tmp);
    *err = tu_slurp(path, NULL);
    ck_assert(*out && *err);
    return status;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* The scratch base is made and removed in Check's parent process, so a
 * failed test (whose child never reaches teardown) leaves nothing behind. */
static void open_scratch(void)
{
    ck_assert(tu_scratch_open("constnet-spec-") == 0);
}

static void setup(void)
{
    root = tu_root();
    ck_assert(tu_scratch_enter() == 0);
    snprintf(tmp, sizeof tmp, "%s", tu_scratch_dir());
}

static void teardown(void)
{
    tu_scratch_leave();
}

static void assert_same_file(const char *a, const char *b)
{
    char *x = tu_slurp(a, NULL), *y = tu_slurp(b, NULL);
    ck_assert_msg(x != NULL, "cannot read %s", a);
    ck_assert_msg(y != NULL, "cannot read %s", b);
    ck_assert_msg(strcmp(x, y) == 0, "%s differs from %s (run 'make golden' after reviewing)", a, b);
    free(x);
    free(y);
}

/* one golden pair per net in GOLDEN of tests/tests.mk: tiny (dense), and
 * tiny_cnn (every other kind) */
static const char *const golden[] = {"tiny", "tiny_cnn"};

START_TEST(test_golden)
{
    char *out, *err, args[512], a[512], b[512];
    const char *name = golden[_i];
    snprintf(args, sizeof args, "-q tests/specs/%s.lua -o '%s/gen'", name, tmp);
    ck_assert_int_eq(gen(args, &out, &err), 0);
    ck_assert_str_eq(err, "");
    ck_assert_str_eq(out, "");
    for (int k = 0; k < 2; ++k) {
        const char *ext = k ? "c" : "h";
        snprintf(a, sizeof a, "%s/gen/%s.%s", tmp, name, ext);
        snprintf(b, sizeof b, "%s/tests/golden/%s.%s", root, name, ext);
        assert_same_file(a, b);
    }
    free(out);
    free(err);
}
END_TEST

START_TEST(test_reruns_are_byte_identical)
{
    char *out, *err, args[512], a[512], b[512];
    for (int run = 0; run < 2; ++run) {
        snprintf(args, sizeof args, "-q nets/mnist.lua -o '%s/run%d'", tmp, run);
        ck_assert_int_eq(gen(args, &out, &err), 0);
        free(out);
        free(err);
    }
    for (int k = 0; k < 2; ++k) {
        snprintf(a, sizeof a, "%s/run0/mnist.%s", tmp, k ? "c" : "h");
        snprintf(b, sizeof b, "%s/run1/mnist.%s", tmp, k ? "c" : "h");
        assert_same_file(a, b);
    }
    /* and nothing but the two files */
    ck_assert_int_eq(tu_sh("test $(ls '%s/run0' | wc -l) -eq 2", tmp), 0);
}
END_TEST

START_TEST(test_check_and_help)
{
    char *out, *err;
    ck_assert_int_eq(gen("--check nets/mnist.lua", &out, &err), 0);
    ck_assert_str_eq(out, "nets/mnist.lua: ok: 784 -> 128 sigmoid -> 64 sigmoid -> 10 sigmoid, 109386 parameters\n");
    free(out);
    free(err);
    ck_assert_int_eq(gen("--help", &out, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "Usage: constnet"));
    ck_assert_ptr_nonnull(strstr(out, "Examples:"));
    free(out);
    free(err);
}
END_TEST

START_TEST(test_warning_does_not_stop_generation)
{
    char *out, *err, args[512], path[512];
    snprintf(args, sizeof args, "-q tests/specs/grad_softmax_se.lua -o '%s/w'", tmp);
    ck_assert_int_eq(gen(args, &out, &err), 0);
    ck_assert_str_eq(err, "tests/specs/grad_softmax_se.lua:6: warning: network: softmax trained with "
                          "squared_error learns slowly; cross_entropy is the usual loss\n");
    snprintf(path, sizeof path, "%s/w/grad_softmax_se.c", tmp);
    ck_assert(exists(path));
    free(out);
    free(err);
}
END_TEST

/* The "-- expect: " lines of a spec, joined with newlines. */
static char *expected_errors(const char *text)
{
    const char *tag = "-- expect: ";
    char *want = calloc(strlen(text) + 2, 1);
    size_t len = 0;
    ck_assert(want != NULL);
    for (const char *p = strstr(text, tag); p; p = strstr(p, tag)) {
        p += strlen(tag);
        const char *e = strchr(p, '\n');
        const size_t n = e ? (size_t)(e - p) : strlen(p);
        memcpy(want + len, p, n);
        len += n;
        want[len++] = '\n';
    }
    want[len] = '\0';
    return want;
}

static int is_lua(const struct dirent *d)
{
    const size_t n = strlen(d->d_name);
    return n > 4 && strcmp(d->d_name + n - 4, ".lua") == 0;
}

/* Run the generator on every spec in tests/specs/SUB (at least `least` of
 * them) and hold it to the spec's "-- expect: " lines: "ok" means accepted
 * with nothing on stderr, anything else is the exact stderr of a refusal
 * (exit status 1, no traceback, nothing written). Returns how many were
 * accepted. */
static int run_expectations(const char *sub, int least)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/tests/specs/%s", root, sub);
    struct dirent **list;
    const int n = scandir(dir, &list, is_lua, alphasort);
    ck_assert_msg(n >= least, "expected at least %d specs in %s, found %d", least, dir, n);
    int accepted = 0;
    for (int k = 0; k < n; ++k) {
        char rel[512], path[768], args[2048], outdir[512];
        snprintf(rel, sizeof rel, "tests/specs/%s/%s", sub, list[k]->d_name);
        snprintf(path, sizeof path, "%s/%s", root, rel);
        snprintf(outdir, sizeof outdir, "%s/out-%s-%d", tmp, sub, k);
        char *text = tu_slurp(path, NULL);
        ck_assert(text != NULL);
        char *want = expected_errors(text);
        ck_assert_msg(want[0] != '\0', "%s has no -- expect: lines", rel);
        char *out, *err;
        const int ok = strcmp(want, "ok\n") == 0;
        snprintf(args, sizeof args, ok ? "--check '%s'" : "'%s' -o '%s'", rel, outdir);
        const int status = gen(args, &out, &err);
        if (ok) {
            ck_assert_msg(status == 0 && err[0] == '\0', "%s: refused (%d):\n%s", rel, status, err);
            ++accepted;
        } else {
            ck_assert_msg(status == 1, "%s: exit status %d, want 1", rel, status);
            ck_assert_msg(strcmp(err, want) == 0, "%s:\n--- got\n%s--- want\n%s", rel, err, want);
            ck_assert_msg(strstr(err, "traceback") == NULL, "%s: traceback", rel);
            ck_assert_msg(!exists(outdir), "%s: wrote %s", rel, outdir);
        }
        free(text);
        free(want);
        free(out);
        free(err);
        free(list[k]);
    }
    free(list);
    return accepted;
}

START_TEST(test_bad_specs_fail_with_exact_messages)
{
    ck_assert_int_eq(run_expectations("bad", 10), 0);
    /* the sandbox spec could not run os.execute */
    ck_assert(!exists("/tmp/constnet-was-here"));
}
END_TEST

/* A mistake in a template fails at the template's own line, in one line,
 * and writes nothing: a misspelled field, a nil value, a Lua syntax error. */
START_TEST(test_template_mistakes_fail_at_their_line)
{
    static const struct {
        const char *edit, *want;
    } cases[] = {
        {"s/$(L.activation)$(L.unroll/$(L.activaton)$(L.unroll/",
         "constnet: error: templates/layers/dense.c.tpl:5: no field 'activaton'\n"},
        {"5s/$(L.activation)/$(L.unroll == 1 or nil)/",
         "constnet: error: templates/layers/dense.c.tpl:5: $(L.unroll == 1 or nil) is nil\n"},
        {"s/^@ if L.unroll == \"full\" then$/@ if L.unroll == then/",
         "constnet: error: templates/layers/dense.c.tpl:17: unexpected symbol near 'then'\n"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
        ck_assert_int_eq(tu_sh("rm -rf '%s/tree' && mkdir '%s/tree' && cp -r '%s/gen' '%s/templates' '%s/tree/' && "
                               "sed -i '%s' '%s/tree/templates/layers/dense.c.tpl'",
                               tmp, tmp, root, root, tmp, cases[k].edit, tmp),
                         0);
        ck_assert_int_eq(tu_sh("cd '%s' && lua5.4 '%s/tree/gen/constnet.lua' tests/specs/tiny.lua -o '%s/tree/out' "
                               ">'%s/stdout' 2>'%s/stderr'",
                               root, tmp, tmp, tmp, tmp),
                         1);
        char path[512];
        snprintf(path, sizeof path, "%s/stderr", tmp);
        char *err = tu_slurp(path, NULL);
        ck_assert(err != NULL);
        ck_assert_str_eq(err, cases[k].want);
        free(err);
        ck_assert_int_ne(tu_sh("test -e '%s/tree/out'", tmp), 0);
    }
}
END_TEST

/* Both sides of every limit, by message: tests/specs/edge/ holds a spec at
 * each limit ("-- expect: ok": accepted, nothing on stderr) and one just past
 * it (its exact messages), so an off-by-one in either direction fails. */
START_TEST(test_every_limit_both_sides)
{
    ck_assert_int_ge(run_expectations("edge", 20), 10);
}
END_TEST

START_TEST(test_missing_spec_and_bad_flags)
{
    char *out, *err;
    ck_assert_int_eq(gen("nets/no-such-net.lua", &out, &err), 1);
    ck_assert_str_eq(err, "nets/no-such-net.lua: error: cannot read spec: No such file or directory\n");
    free(out);
    free(err);
    ck_assert_int_eq(gen("--frobnicate nets/mnist.lua", &out, &err), 2);
    ck_assert_str_eq(err, "constnet: error: unknown option '--frobnicate'\n"
                          "Try 'lua5.4 gen/constnet.lua --help'.\n");
    free(out);
    free(err);
    ck_assert_int_eq(gen("--name 'bad name' nets/mnist.lua", &out, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "--name 'bad name' must be a C identifier"));
    free(out);
    free(err);
    /* the limit on generated C, and the way around it for measurements */
    ck_assert_int_eq(gen("--check --unroll full nets/mnist.lua", &out, &err), 1);
    ck_assert_str_eq(err, "nets/mnist.lua:5: error: dense: unroll 'full' of 784 x 128 weights would generate about "
                          "14.6 MiB of C, more than the limit of 8.0 MiB; use unroll = \"loops\"\n");
    free(out);
    free(err);
    ck_assert_int_eq(gen("--check --unroll full --max-c-mib 0 nets/mnist.lua", &out, &err), 0);
    ck_assert_str_eq(err, "");
    free(out);
    free(err);
    ck_assert_int_eq(gen("--check --max-c-mib lots nets/mnist.lua", &out, &err), 2);
    ck_assert_str_eq(err, "constnet: error: --max-c-mib 'lots' must be a whole number of MiB (0: no limit)\n");
    free(out);
    free(err);
}
END_TEST

/* The spec's path reaches the generated C only as a reduced, relative name:
 * a folder named like C code cannot inject it, a quote cannot break the
 * string, and an absolute path under the current folder gives the same bytes
 * as the relative one. */
START_TEST(test_spec_path_is_reduced_and_relative)
{
    char *out, *err, args[1024], dir[512], path[600], a[600], b[600];
    snprintf(dir, sizeof dir, "%s/x*/int injected = 42;/*\"q", tmp);
    ck_assert_int_eq(tu_sh("mkdir -p '%s' && cp '%s/tests/specs/tiny.lua' '%s/'", dir, root, dir), 0);
    snprintf(args, sizeof args, "-q '%s/tiny.lua' -o '%s/inj'", dir, tmp);
    ck_assert_int_eq(gen(args, &out, &err), 0);
    free(out);
    free(err);
    snprintf(path, sizeof path, "%s/inj/tiny.h", tmp);
    char *h = tu_slurp(path, NULL);
    ck_assert(h != NULL);
    char want[1024];
    snprintf(want, sizeof want, "/* generated by constnet from %s/x_/int_injected___42_/__q/tiny.lua \xe2\x80\x94", tmp);
    ck_assert_msg(strncmp(h, want, strlen(want)) == 0, "%.200s", h);
    ck_assert(strstr(h, "injected = 42") == NULL);
    free(h);
    /* the C builds, and defines nothing but the net */
    ck_assert_int_eq(tu_sh("cd '%s/inj' && gcc -std=c11 -Wall -Wextra -Werror -DCONSTNET_RUNTIME -I'%s/runtime' "
                           "-c tiny.c -o tiny.o && ! nm tiny.o | grep -q injected", tmp, root), 0);

    /* an absolute path under the current folder: the golden bytes */
    snprintf(args, sizeof args, "-q '%s/tests/specs/tiny.lua' -o '%s/abs'", root, tmp);
    ck_assert_int_eq(tu_sh("cd '%s' && PWD='%s' lua5.4 gen/constnet.lua %s", root, root, args), 0);
    for (int k = 0; k < 2; ++k) {
        snprintf(a, sizeof a, "%s/abs/tiny.%s", tmp, k ? "c" : "h");
        snprintf(b, sizeof b, "%s/tests/golden/tiny.%s", root, k ? "c" : "h");
        assert_same_file(a, b);
    }
    /* --spec-name records what the caller says (the CMake module's relative path) */
    snprintf(args, sizeof args, "-q '%s/tiny.lua' --spec-name tests/specs/tiny.lua -o '%s/named'", dir, tmp);
    ck_assert_int_eq(gen(args, &out, &err), 0);
    free(out);
    free(err);
    snprintf(a, sizeof a, "%s/named/tiny.c", tmp);
    snprintf(b, sizeof b, "%s/tests/golden/tiny.c", root);
    assert_same_file(a, b);
}
END_TEST

/* A net named like a runtime module is refused by --name too; a spec whose
 * network is not named after its file is refused by make with both names. */
START_TEST(test_names_that_cannot_build)
{
    char *out, *err;
    ck_assert_int_eq(gen("--name main nets/mnist.lua", &out, &err), 2);
    ck_assert_str_eq(err, "constnet: error: --name: name 'main' is reserved: main.h and main.c would clash "
                          "with the runtime's or the C library's files of that name\n");
    free(out);
    free(err);
    char args[512];
    snprintf(args, sizeof args, "--expect-name foo tests/specs/tiny.lua -o '%s/e'", tmp);
    ck_assert_int_eq(gen(args, &out, &err), 1);
    ck_assert_str_eq(err, "tests/specs/tiny.lua:2: error: network: the spec names its network 'tiny', but it is "
                          "built as 'foo' (from the file name); name the network \"foo\" or the file tiny.lua\n");
    ck_assert(!exists(args + strlen("--expect-name foo tests/specs/tiny.lua -o '")));
    free(out);
    free(err);
    /* make NET=foo.lua with network "tiny" in it: the same message, not a missing out/foo/foo.c */
    ck_assert_int_eq(tu_sh("cp '%s/tests/specs/tiny.lua' '%s/foo.lua' && cd '%s' && "
                           "make --no-print-directory -s gen NET='%s/foo.lua' >'%s/make.log' 2>&1",
                           root, tmp, root, tmp, tmp) != 0, 1);
    char path[600];
    snprintf(path, sizeof path, "%s/make.log", tmp);
    char *log = tu_slurp(path, NULL);
    ck_assert(log != NULL);
    ck_assert_msg(strstr(log, "foo.lua:2: error: network: the spec names its network 'tiny', but it is built as "
                              "'foo'") != NULL, "%s", log);
    ck_assert_msg(strstr(log, "No such file") == NULL, "%s", log);
    free(log);
}
END_TEST

/* A write that fails (here a file-size limit; a full disk alike) names the
 * file and the reason, and leaves nothing behind. */
START_TEST(test_write_failure_is_reported)
{
    char path[600];
    ck_assert_int_eq(tu_sh("cd '%s' && (trap '' XFSZ; ulimit -f 1; exec lua5.4 gen/constnet.lua -q nets/mnist.lua "
                           "-o '%s/full') >'%s/stdout' 2>'%s/stderr'", root, tmp, tmp, tmp) != 0, 1);
    snprintf(path, sizeof path, "%s/stderr", tmp);
    char *err = tu_slurp(path, NULL), want[700];
    ck_assert(err != NULL);
    snprintf(want, sizeof want, "%s/full/mnist.h: error: cannot write: File too large\n", tmp);
    ck_assert_str_eq(err, want);
    free(err);
    ck_assert_int_eq(tu_sh("test -z \"$(ls -A '%s/full')\"", tmp), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("spec");
    TCase *core = tcase_create("core");
    tcase_add_unchecked_fixture(core, open_scratch, tu_scratch_close);
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_set_timeout(core, 60);
    tcase_add_loop_test(core, test_golden, 0, (int)(sizeof golden / sizeof golden[0]));
    tcase_add_test(core, test_spec_path_is_reduced_and_relative);
    tcase_add_test(core, test_reruns_are_byte_identical);
    tcase_add_test(core, test_check_and_help);
    tcase_add_test(core, test_warning_does_not_stop_generation);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_unchecked_fixture(limits, open_scratch, tu_scratch_close);
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 60);
    tcase_add_test(limits, test_names_that_cannot_build);
    tcase_add_test(limits, test_every_limit_both_sides);
    tcase_add_test(limits, test_write_failure_is_reported);
    tcase_add_test(limits, test_bad_specs_fail_with_exact_messages);
    tcase_add_test(limits, test_missing_spec_and_bad_flags);
    tcase_add_test(limits, test_template_mistakes_fail_at_their_line);
    suite_add_tcase(s, limits);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
