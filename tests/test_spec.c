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

static void setup(void)
{
    root = tu_root();
    ck_assert(tu_mkdtemp(tmp, sizeof tmp, "constnet-spec-") == 0);
    /* the generator runs from root: make tmp absolute */
}

static void teardown(void)
{
    ck_assert_int_eq(tu_rmtree(tmp), 0);
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

START_TEST(test_bad_specs_fail_with_exact_messages)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/tests/specs/bad", root);
    struct dirent **list;
    const int n = scandir(dir, &list, is_lua, alphasort);
    ck_assert_msg(n >= 10, "expected at least 10 bad specs in %s, found %d", dir, n);
    for (int k = 0; k < n; ++k) {
        char rel[512], path[768], args[2048], outdir[512];
        snprintf(rel, sizeof rel, "tests/specs/bad/%s", list[k]->d_name);
        snprintf(path, sizeof path, "%s/%s", root, rel);
        snprintf(outdir, sizeof outdir, "%s/out-%d", tmp, k);
        char *text = tu_slurp(path, NULL);
        ck_assert(text != NULL);
        char *want = expected_errors(text);
        ck_assert_msg(want[0] != '\0', "%s has no -- expect: lines", rel);
        char *out, *err;
        snprintf(args, sizeof args, "'%s' -o '%s'", rel, outdir);
        const int status = gen(args, &out, &err);
        ck_assert_msg(status == 1, "%s: exit status %d, want 1", rel, status);
        ck_assert_msg(strcmp(err, want) == 0, "%s:\n--- got\n%s--- want\n%s", rel, err, want);
        ck_assert_msg(strstr(err, "traceback") == NULL, "%s: traceback", rel);
        ck_assert_msg(!exists(outdir), "%s: wrote %s", rel, outdir);
        free(text);
        free(want);
        free(out);
        free(err);
        free(list[k]);
    }
    free(list);
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
         "constnet: error: templates/layers/dense.c.tpl:11: unexpected symbol near 'then'\n"},
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
}
END_TEST

int main(void)
{
    Suite *s = suite_create("spec");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_set_timeout(core, 60);
    tcase_add_loop_test(core, test_golden, 0, (int)(sizeof golden / sizeof golden[0]));
    tcase_add_test(core, test_reruns_are_byte_identical);
    tcase_add_test(core, test_check_and_help);
    tcase_add_test(core, test_warning_does_not_stop_generation);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 60);
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
