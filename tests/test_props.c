/* test_props.c: property tests of the generator ("the generator is only as
 * good as its worst spec"), over specs from tests/prop/random_spec.lua.
 *
 *   core:        for PROP_VALID seeds (default 24), a random valid spec,
 *                and for PROP_CNN_VALID (default 10) a random convolutional
 *                one (tests/prop/random_cnn.lua), generates (exit 0, nothing
 *                on stderr but warnings), its C compiles with -std=c11 -Wall
 *                -Wextra -Werror under cc and clang for embedding and with
 *                -DCONSTNET_RUNTIME, and, when its dtype
 *                is "double", tests/test_net.c built against it passes
 *                (gradient checks, batch = mean of samples, optimizer formula);
 *   limits:      for PROP_BROKEN seeds (default 60), and PROP_CNN_BROKEN
 *                (default 30) convolutional ones, a spec with one
 *                corruption makes the generator exit with status 1, print
 *                nothing but "SPEC:LINE: error|warning: " lines (at least one
 *                error), no traceback, nothing on stdout, and write nothing;
 *   regressions: every spec in tests/prop/regressions/ once found a bug: one
 *                with "-- expect: " lines is broken and must fail as above
 *                with exactly those lines, one without is valid and must pass
 *                as in core.
 *
 * Seeds run from PROP_START (default 1). A failure names its seed and keeps
 * the spec in out/prop-failures/; reproduce one seed with
 *   PROP_START=SEED PROP_VALID=1 PROP_BROKEN=0 out/tests/test_props
 * Runs from CONSTNET_ROOT (default "."). The runtime objects and
 * tests/test_net.c are compiled once per run into a temporary directory. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define CFLAGS "-std=c11 -Wall -Wextra -Werror"

static const char *root = ".";
static char tmp[256];      /* this run's scratch directory, absolute */
static char objs[4096];    /* runtime objects and test_net.o, for linking */
static char setup_log[4096];
static int setup_ok;
static long start = 1;

static char *slurp(const char *path) { return tu_slurp(path, NULL); }

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Run a shell command from root; its exit status, or -1 if it did not exit. */
static int run(const char *fmt, ...) TU_PRINTF(1, 2);
static int run(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    char *cmd = malloc((size_t)n + 1);
    if (!cmd)
        return -1;
    va_start(ap, fmt);
    vsnprintf(cmd, (size_t)n + 1, fmt, ap);
    va_end(ap);
    const int st = tu_sh("cd '%s' && %s", root, cmd);
    free(cmd);
    return st;
}

/* The last max bytes of a file, for failure messages. */
static const char *tail(const char *path, size_t max)
{
    static char buf[2048];
    char *t = slurp(path);
    if (!t)
        return "(no output)";
    const size_t n = strlen(t);
    snprintf(buf, sizeof buf, "%s%s", n > max ? "..." : "", t + (n > max ? n - max : 0));
    free(t);
    return buf;
}

/* Every line of err is "path:LINE: error: ..." or "path:LINE: warning: ...".
 * Returns NULL when so (and counts the errors), else the first bad line. */
static const char *bad_line(const char *err, const char *path, int *errors)
{
    static char line[512];
    const size_t plen = strlen(path);
    *errors = 0;
    for (const char *p = err; *p;) {
        const char *e = strchr(p, '\n');
        const size_t n = e ? (size_t)(e - p) : strlen(p);
        snprintf(line, sizeof line, "%.*s", (int)(n < 400 ? n : 400), p);
        const char *q = p;
        int ok = strncmp(q, path, plen) == 0 && q[plen] == ':';
        if (ok) {
            q += plen + 1;
            ok = isdigit((unsigned char)*q);
            while (isdigit((unsigned char)*q))
                ++q;
            if (ok && strncmp(q, ": error: ", 9) == 0)
                ++*errors;
            else if (!(ok && strncmp(q, ": warning: ", 11) == 0))
                ok = 0;
        }
        if (!ok || !e)
            return line; /* also: a last line without its newline */
        p = e + 1;
    }
    return NULL;
}

static int contains_ci(const char *s, const char *word)
{
    const size_t n = strlen(word);
    for (; *s; ++s)
        if (strncasecmp(s, word, n) == 0)
            return 1;
    return 0;
}

/* Build the runtime (every .c in runtime/ but main.c, as tests/tests.mk does)
 * and tests/test_net.c once, all compilers at a time. */
static void build_once(void)
{
    char log[300];
    snprintf(log, sizeof log, "%s/build.log", tmp);
    setup_ok = run("mkdir -p '%s/rt' && pids= && "
                   "for f in runtime/*.c; do m=$(basename $f .c); [ $m = main ] && continue; "
                   "cc " CFLAGS " -O2 $(pkg-config --cflags libpng 2>/dev/null) -c $f -o '%s/rt/'$m.o "
                   ">>'%s' 2>&1 & pids=\"$pids $!\"; done; "
                   "cc " CFLAGS " -O1 -fopenmp -DCONSTNET_RUNTIME -Iruntime $(pkg-config --cflags check) "
                   "-c tests/test_net.c -o '%s/rt/test_net.o' >>'%s' 2>&1 & pids=\"$pids $!\"; "
                   "st=0; for p in $pids; do wait $p || st=1; done; exit $st",
                   tmp, tmp, log, tmp, log) == 0;
    if (!setup_ok)
        snprintf(setup_log, sizeof setup_log, "building the runtime and tests/test_net.c failed: %s",
                 tail(log, 1500));
    snprintf(objs, sizeof objs, "'%s/rt/'*.o $(pkg-config --libs check) $(pkg-config --libs libpng 2>/dev/null)",
             tmp);
}

/* ------------------------------------------------------------------ cases */

/* One spec under test: a seed's (kept on failure) or a regression's. */
typedef struct {
    const char *spec; /* path of the spec, as the generator is given it */
    const char *kind; /* "valid" or "broken" */
    long seed;        /* -1 for a regression */
} prop_case;

/* Fail with the case named; a seed's spec is kept in out/prop-failures/. */
static void fail_case(const prop_case *c, const char *fmt, ...)
{
    char why[3072];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (c->seed < 0)
        ck_abort_msg("regression %s: %s", c->spec, why);
    const int valid = strcmp(c->kind, "valid") == 0;
    run("mkdir -p out/prop-failures && cp '%s' out/prop-failures/%s-%ld.lua", c->spec, c->kind, c->seed);
    ck_abort_msg("%s seed %ld (kept as out/prop-failures/%s-%ld.lua; reproduce: PROP_START=%ld "
                 "PROP_%s=1 PROP_%s=0 out/tests/test_props): %s",
                 c->kind, c->seed, c->kind, c->seed, c->seed, valid ? "VALID" : "BROKEN",
                 valid ? "BROKEN" : "VALID", why);
}

/* A valid spec generates, compiles with -Werror and, in double, passes
 * tests/test_net.c. dir is an empty scratch directory. */
static void check_valid(const prop_case *c, const char *dir)
{
    ck_assert_msg(setup_ok, "%s", setup_log);
    char gen[600], out[600], err[600], log[600];
    snprintf(gen, sizeof gen, "%s/gen", dir);
    snprintf(out, sizeof out, "%s/stdout", dir);
    snprintf(err, sizeof err, "%s/stderr", dir);
    snprintf(log, sizeof log, "%s/log", dir);
    char *text = slurp(c->spec);
    ck_assert_msg(text != NULL, "cannot read %s", c->spec);
    const int dbl = strstr(text, "dtype = \"double\"") != NULL;
    char name[64];
    const char *q = strstr(text, "network \"");
    if (!q || sscanf(q, "network \"%63[A-Za-z0-9_]\"", name) != 1)
        fail_case(c, "no network \"NAME\" in the spec");
    free(text);

    /* generate: exit 0, stdout quiet, stderr only warnings */
    int st = run("lua5.4 gen/constnet.lua -q '%s' -o '%s' >'%s' 2>'%s'", c->spec, gen, out, err);
    char *e = slurp(err);
    ck_assert(e != NULL);
    int errors;
    const char *bad = bad_line(e, c->spec, &errors);
    if (st != 0 || errors > 0 || bad)
        fail_case(c, "generator exit %d on a valid spec: %s", st, tail(err, 1500));
    free(e);

    /* compile: the embedding form, then the runtime form */
    if (run("cc " CFLAGS " -O2 -c '%s/%s.c' -o '%s/embed.o' >'%s' 2>&1", gen, name, dir, log) != 0)
        fail_case(c, "generated C does not compile (embedding form): %s", tail(log, 1500));
    if (run("clang " CFLAGS " -O1 -c '%s/%s.c' -o '%s/embed.o' >'%s' 2>&1", gen, name, dir, log) != 0)
        fail_case(c, "generated C does not compile with clang (embedding form): %s", tail(log, 1500));
    if (run("cc " CFLAGS " -O2 -fopenmp -DCONSTNET_RUNTIME -Iruntime -c '%s/%s.c' -o '%s/net.o' >'%s' 2>&1", gen, name,
            dir, log) != 0)
        fail_case(c, "generated C does not compile with -DCONSTNET_RUNTIME: %s", tail(log, 1500));
    if (!dbl)
        return; /* float nets are only compiled: the gradient checks need double */

    /* link tests/test_net.c against it and run it */
    if (run("cc -fopenmp '%s/net.o' %s -lz -lm -o '%s/net' >'%s' 2>&1", dir, objs, dir, log) != 0)
        fail_case(c, "test_net does not link: %s", tail(log, 1500));
    st = run("'%s/net' >'%s' 2>&1", dir, log);
    if (st != 0)
        fail_case(c, "test_net.c fails (exit %d): %s", st, tail(log, 1500));
}

/* A broken spec fails cleanly: exit 1, only "SPEC:LINE: error|warning: "
 * lines with at least one error (exactly `want` when it is not NULL), no
 * traceback, nothing on stdout, nothing written. */
static void check_broken(const prop_case *c, const char *stem, const char *want)
{
    char outdir[600], out[600], err[600];
    snprintf(outdir, sizeof outdir, "%s-out", stem);
    snprintf(out, sizeof out, "%s.stdout", stem);
    snprintf(err, sizeof err, "%s.stderr", stem);
    char *text = slurp(c->spec);
    ck_assert_msg(text != NULL, "cannot read %s", c->spec);
    char what[200];
    snprintf(what, sizeof what, "%.*s", (int)strcspn(text, "\n"), text);
    free(text);

    const int st = run("lua5.4 gen/constnet.lua '%s' -o '%s' >'%s' 2>'%s'", c->spec, outdir, out, err);
    char *o = slurp(out), *e = slurp(err);
    ck_assert(o && e);
    int errors;
    const char *bad = bad_line(e, c->spec, &errors);
    if (st != 1)
        fail_case(c, "[%s] exit status %d, want 1; stderr: %s", what, st, tail(err, 1500));
    if (bad)
        fail_case(c, "[%s] stderr line is not 'SPEC:LINE: error|warning: ...': '%s'", what, bad);
    if (errors == 0)
        fail_case(c, "[%s] no error line; stderr: %s", what, tail(err, 1500));
    if (contains_ci(e, "traceback") || contains_ci(e, "stack"))
        fail_case(c, "[%s] traceback on stderr: %s", what, tail(err, 1500));
    if (want && strcmp(e, want) != 0)
        fail_case(c, "\n--- got\n%s--- want\n%s", e, want);
    if (o[0] != '\0')
        fail_case(c, "[%s] printed on stdout: %s", what, tail(out, 500));
    if (exists(outdir))
        fail_case(c, "[%s] wrote %s", what, outdir);
    free(o);
    free(e);
    unlink(out);
    unlink(err);
}

/* ------------------------------------------------------------------ core */

/* A valid spec from generator script (random_spec.lua or random_cnn.lua) for seed. */
static void valid_case(const char *script, long seed)
{
    char dir[512], spec[600];
    snprintf(dir, sizeof dir, "%s/valid-%s-%ld", tmp, script, seed);
    snprintf(spec, sizeof spec, "%s/spec.lua", dir);
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    ck_assert_msg(run("lua5.4 tests/prop/%s %ld valid '%s'", script, seed, spec) == 0, "%s failed for seed %ld",
                  script, seed);
    const prop_case c = {spec, "valid", seed};
    check_valid(&c, dir);
    run("rm -rf '%s'", dir);
}

START_TEST(test_valid_spec_generates_compiles_and_passes)
{
    valid_case("random_spec.lua", start + _i);
}
END_TEST

START_TEST(test_valid_cnn_generates_compiles_and_passes)
{
    valid_case("random_cnn.lua", start + _i);
}
END_TEST

/* ------------------------------------------------------------------ limits */

static void broken_case(const char *script, long seed)
{
    char stem[512], spec[600];
    snprintf(stem, sizeof stem, "%s/broken-%s-%ld", tmp, script, seed);
    snprintf(spec, sizeof spec, "%s.lua", stem);
    ck_assert_msg(run("lua5.4 tests/prop/%s %ld broken '%s'", script, seed, spec) == 0, "%s failed for seed %ld",
                  script, seed);
    const prop_case c = {spec, "broken", seed};
    check_broken(&c, stem, NULL);
    unlink(spec);
}

START_TEST(test_broken_spec_fails_cleanly)
{
    broken_case("random_spec.lua", start + _i);
}
END_TEST

START_TEST(test_broken_cnn_fails_cleanly)
{
    broken_case("random_cnn.lua", start + _i);
}
END_TEST

/* ------------------------------------------------------------------ regressions */

/* The "-- expect: " lines of a spec, joined with newlines ("" when none). */
static char *expected_errors(const char *text)
{
    const char *tag = "-- expect: ";
    char *want = calloc(strlen(text) + 1, 1);
    ck_assert(want != NULL);
    for (const char *p = strstr(text, tag); p; p = strstr(p, tag)) {
        p += strlen(tag);
        const size_t n = strcspn(p, "\n");
        strncat(want, p, n);
        strcat(want, "\n");
    }
    return want;
}

static int is_lua(const struct dirent *d)
{
    const size_t n = strlen(d->d_name);
    return n > 4 && strcmp(d->d_name + n - 4, ".lua") == 0;
}

static struct dirent **reg_list; /* the .lua files in tests/prop/regressions/, sorted */

START_TEST(test_regression_stays_fixed)
{
    char spec[600], path[900], scratch[600];
    snprintf(spec, sizeof spec, "tests/prop/regressions/%s", reg_list[_i]->d_name);
    snprintf(path, sizeof path, "%s/%s", root, spec);
    snprintf(scratch, sizeof scratch, "%s/regression-%d", tmp, _i);
    char *text = slurp(path);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    char *want = expected_errors(text);
    if (want[0]) {
        const prop_case c = {spec, "broken", -1};
        check_broken(&c, scratch, want);
    } else {
        const prop_case c = {spec, "valid", -1};
        ck_assert_int_eq(mkdir(scratch, 0777), 0);
        check_valid(&c, scratch);
    }
    free(want);
    free(text);
}
END_TEST

static long env_count(const char *name, long def)
{
    const char *v = getenv(name);
    if (!v || !v[0])
        return def;
    char *end;
    errno = 0;
    const long n = strtol(v, &end, 10);
    if (errno || *end || n < 0) {
        fprintf(stderr, "test_props: %s='%s' is not a count; using %ld\n", name, v, def);
        return def;
    }
    return n;
}

int main(void)
{
    root = tu_root();
    const long n_valid = env_count("PROP_VALID", 24);
    const long n_broken = env_count("PROP_BROKEN", 60);
    const long n_cnn_valid = env_count("PROP_CNN_VALID", 10);
    const long n_cnn_broken = env_count("PROP_CNN_BROKEN", 30);
    start = env_count("PROP_START", 1);
    if (tu_mkdtemp(tmp, sizeof tmp, "constnet-props-") != 0) {
        perror("test_props: mkdtemp");
        return EXIT_FAILURE;
    }
    build_once(); /* the valid regressions need it too */

    Suite *s = suite_create("props");
    TCase *core = tcase_create("core");
    tcase_set_timeout(core, 300);
    tcase_add_loop_test(core, test_valid_spec_generates_compiles_and_passes, 0, (int)n_valid);
    tcase_add_loop_test(core, test_valid_cnn_generates_compiles_and_passes, 0, (int)n_cnn_valid);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_set_timeout(limits, 60);
    tcase_add_loop_test(limits, test_broken_spec_fails_cleanly, 0, (int)n_broken);
    tcase_add_loop_test(limits, test_broken_cnn_fails_cleanly, 0, (int)n_cnn_broken);
    suite_add_tcase(s, limits);
    TCase *regressions = tcase_create("regressions");
    tcase_set_timeout(regressions, 300);
    char rdir[600];
    snprintf(rdir, sizeof rdir, "%s/tests/prop/regressions", root);
    const int n_reg = scandir(rdir, &reg_list, is_lua, alphasort);
    tcase_add_loop_test(regressions, test_regression_stays_fixed, 0, n_reg > 0 ? n_reg : 0);
    suite_add_tcase(s, regressions);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    for (int k = 0; k < n_reg; ++k)
        free(reg_list[k]);
    if (n_reg >= 0)
        free(reg_list);
    if (tu_rmtree(tmp) != 0)
        fprintf(stderr, "test_props: could not remove %s\n", tmp);
    printf("props: %ld valid and %ld broken specs, %ld valid and %ld broken CNN specs from seed %ld, %d regressions\n",
           n_valid, n_broken, n_cnn_valid, n_cnn_broken, start, n_reg > 0 ? n_reg : 0);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
