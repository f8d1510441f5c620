/* test_docs.c: the README cannot drift from the generator.
 *   core:   tests/check_readme.lua finds every network, dense, train and
 *           budget key and every enumerated value in the README's spec
 *           reference, and nothing the generator does not know;
 *   limits: the same check fails, naming the key, on a README with a key
 *           removed and on one with an invented key; tests/run.sh, which
 *           reports the totals of make test, counts a failed suite's own
 *           results even when its output holds other suites' summaries. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "testutil.h"

/* Run the check on a README; returns the exit status, output in out. */
static int check_readme(const char *readme, char *out, size_t len)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && lua5.4 tests/check_readme.lua '%s' 2>&1", tu_root(), readme);
    FILE *p = popen(cmd, "r");
    ck_assert(p != NULL);
    const size_t n = fread(out, 1, len - 1, p);
    out[n] = '\0';
    const int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_readme_matches_generator)
{
    char out[4096];
    ck_assert_msg(check_readme("README.md", out, sizeof out) == 0, "%s", out);
    ck_assert_str_eq(out, "");
}
END_TEST

/* A copy of the README with one edit made by sed. */
static void doctored(const char *sed, const char *copy)
{
    ck_assert_int_eq(tu_sh("sed '%s' '%s/README.md' > '%s'", sed, tu_root(), copy), 0);
}

START_TEST(test_drift_is_caught)
{
    char out[4096];
    doctored("/^| `weight_decay` |/d", "/tmp/constnet-readme-a.md");
    ck_assert_int_eq(check_readme("/tmp/constnet-readme-a.md", out, sizeof out), 1);
    ck_assert_msg(strstr(out, "train key 'weight_decay' is not documented") != NULL, "%s", out);
    doctored("s/^| `slope` |/| `slop` |/", "/tmp/constnet-readme-b.md");
    ck_assert_int_eq(check_readme("/tmp/constnet-readme-b.md", out, sizeof out), 1);
    ck_assert_msg(strstr(out, "dense key 'slop' is documented but the generator does not know it") != NULL,
                  "%s", out);
    remove("/tmp/constnet-readme-a.md");
    remove("/tmp/constnet-readme-b.md");
}
END_TEST

/* A failed suite whose log ends with a nested suite's summary, the way
 * test_props prints a failing spec's test_net output: run.sh counts the
 * suite's own 3 checks and 1 failure, not the nested 99. */
START_TEST(test_run_sh_counts_a_failed_suite_right)
{
    char dir[256];
    ck_assert_int_eq(tu_mkdtemp(dir, sizeof dir, "constnet-runsh-"), 0);
    ck_assert_int_eq(tu_sh("mkdir '%s/t' && printf '%%s\\n' '#!/bin/sh' 'echo \"Running suite(s): outer\"' "
                           "'printf \"ok 1 - a\\\\nnot ok 2 - b\\\\nok 3 - c\\\\n1..3\\\\n\" >\"$CK_TAP_LOG_FILE_NAME\"' "
                           "'echo \"66%%: Checks: 3, Failures: 1, Errors: 0\"' "
                           "'echo \"x.c:1:F:core:b:0: the nested suite said:\"' "
                           "'echo \"100%%: Checks: 99, Failures: 0, Errors: 0\"' 'exit 1' >'%s/t/suite' && "
                           "chmod +x '%s/t/suite' && cd '%s' && bash '%s/tests/run.sh' t/suite >'%s/log'",
                           dir, dir, dir, dir, tu_root(), dir) != 0, 1);
    char path[300];
    snprintf(path, sizeof path, "%s/log", dir);
    char *log = tu_slurp(path, NULL);
    ck_assert(log != NULL);
    ck_assert_msg(strstr(log, "suites: 1, checks: 3, failed checks (failures and errors): 1\n"
                              "failed: t/suite\n2 passed, 1 failed\n") != NULL, "%s", log);
    free(log);
    ck_assert_int_eq(tu_rmtree(dir), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("docs");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_readme_matches_generator);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_test(limits, test_drift_is_caught);
    tcase_add_test(limits, test_run_sh_counts_a_failed_suite_right);
    suite_add_tcase(s, limits);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
