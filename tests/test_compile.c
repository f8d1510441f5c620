/* test_compile.c: the compiler as the shape checker.
 *
 *   core:   generated code compiles clean with -Werror under gcc and clang
 *           (and as C++ under g++ and clang++),
 *           and correct use of the API (misuse.c, case 0) compiles;
 *   limits: each wrong wiring in tests/compile_fail/misuse.c is rejected by
 *           both compilers with a type error.
 *
 * Runs from CONSTNET_ROOT (default "."). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char tmp[256];
static const char *root = ".";
static const char *const compilers[] = {"gcc", "clang"};
enum { N_MISUSE = 9 };

static void setup(void)
{
    root = tu_root();
    ck_assert(tu_mkdtemp(tmp, sizeof tmp, "constnet-compile-") == 0);
    ck_assert_int_eq(tu_sh("cd '%s' && lua5.4 gen/constnet.lua -q tests/specs/tiny.lua -o '%s' && "
                           "lua5.4 gen/constnet.lua -q nets/mnist.lua -o '%s' && "
                           "lua5.4 gen/constnet.lua -q tests/specs/budget_ok.lua -o '%s' && "
                           "lua5.4 gen/constnet.lua -q tests/specs/tiny_cnn.lua -o '%s'",
                           root, tmp, tmp, tmp, tmp),
                     0);
}

static void teardown(void)
{
    ck_assert_int_eq(tu_rmtree(tmp), 0);
}

/* Compile misuse.c with CASE; returns the status, compiler output in log
 * (at most loglen - 1 bytes of it). */
static int compile_case(const char *cc, int which, char *log, size_t loglen)
{
    char path[512];
    snprintf(path, sizeof path, "%s/log", tmp);
    const int status = tu_sh("%s -std=c11 -Wall -Wextra -Werror -I'%s' -DCASE=%d "
                             "-c '%s/tests/compile_fail/misuse.c' -o '%s/misuse.o' >'%s' 2>&1",
                             cc, tmp, which, root, tmp, path);
    size_t n;
    char *text = tu_slurp(path, &n);
    ck_assert(text != NULL);
    n = n < loglen - 1 ? n : loglen - 1;
    memcpy(log, text, n);
    log[n] = '\0';
    free(text);
    return status;
}

START_TEST(test_generated_code_compiles_clean)
{
    const char *cc = compilers[_i];
    const char *nets[] = {"tiny", "mnist", "budget_ok", "tiny_cnn"}; /* budget_ok: its budget asserts hold */
    for (int k = 0; k < 4; ++k) {
        ck_assert_msg(tu_sh("%s -std=c11 -Wall -Wextra -Werror -O1 -DCONSTNET_RUNTIME -I'%s/runtime' "
                            "-c '%s/%s.c' -o '%s/%s.o'",
                            cc, root, tmp, nets[k], tmp, nets[k]) == 0,
                      "%s: %s.c does not compile clean", cc, nets[k]);
    }
    char log[4096];
    ck_assert_msg(compile_case(cc, 0, log, sizeof log) == 0, "%s: correct use rejected:\n%s", cc, log);
    /* the .c compiles as C++ too (restrict becomes __restrict), for C++ projects */
    const char *cxx = _i == 0 ? "g++" : "clang++";
    for (int k = 0; k < 4; k += 3)
        ck_assert_msg(tu_sh("%s -std=c++11 -Wall -Wextra -Werror -O1 -x c++ -c '%s/%s.c' -o '%s/%s_cxx.o'", cxx, tmp,
                            nets[k], tmp, nets[k]) == 0,
                      "%s: %s.c does not compile as C++", cxx, nets[k]);
}
END_TEST

/* TINY_CNN_INFERENCE_ONLY leaves out every backward pass and the dropout
 * masks: at -O0 each static function keeps its symbol, so none may be named
 * backward, draw or forward_train. */
START_TEST(test_inference_only_has_no_training_code)
{
    const char *cc = compilers[_i];
    ck_assert(tu_sh("%s -std=c11 -Wall -Wextra -Werror -Wpedantic -O0 -DTINY_CNN_INFERENCE_ONLY -c '%s/tiny_cnn.c' "
                    "-o '%s/inf.o' && %s -std=c11 -O0 -c '%s/tiny_cnn.c' -o '%s/full.o'",
                    cc, tmp, tmp, cc, tmp, tmp) == 0);
    ck_assert_int_eq(tu_sh("nm '%s/full.o' | grep -q 'tiny_cnn_l1_backward' && nm '%s/full.o' | grep -q 'l3_draw'",
                           tmp, tmp), 0);
    ck_assert_int_ne(tu_sh("nm '%s/inf.o' | grep -E 'backward|_draw|forward_train|_opt|update'", tmp), 0);
    ck_assert_int_eq(tu_sh("nm '%s/inf.o' | grep -q 'T tiny_cnn_predict'", tmp), 0);
}
END_TEST

/* A large net's byte counts pass int (784-65536-10, Adam, batch 4096 needs
 * 2,994,602,152 bytes to train): the header is still pedantic C99. */
START_TEST(test_large_net_header_is_pedantic_c99)
{
    const char *cc = compilers[_i];
    ck_assert_int_eq(tu_sh("printf 'return network \"big\" { input = 784, dense { 65536, activation = \"relu\" }, "
                           "dense { 10, activation = \"softmax\" }, loss = \"cross_entropy\", "
                           "train = { optimizer = \"adam\", batch = 4096 }, budget = { training = \"3 GiB\" } }\\n' "
                           ">'%s/big.lua' && cd '%s' && lua5.4 gen/constnet.lua -q '%s/big.lua' -o '%s' && "
                           "grep -q '#define BIG_TRAINING_BYTES 2994602152$' '%s/big.h' && "
                           "printf '#include \"big.h\"\\nint main(void) { return BIG_TRAINING_BYTES < 1; }\\n' "
                           ">'%s/big_main.c'",
                           tmp, root, tmp, tmp, tmp, tmp),
                     0);
    ck_assert_msg(tu_sh("%s -std=c99 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I'%s' '%s/big_main.c'", cc, tmp,
                        tmp) == 0,
                  "%s: big.h is not pedantic C99", cc);
}
END_TEST

/* The init bounds and spreads themselves, against the README's formulas: a
 * wrong fan (Glorot from the inputs alone, say) fails here, not only in a
 * golden-file diff that a reviewer might refresh. */
START_TEST(test_init_bounds_follow_the_formulas)
{
    const int rc = tu_sh("cd '%s' && lua5.4 gen/constnet.lua -q tests/specs/init_bounds.lua -o '%s' && "
                         "gcc -std=c11 -Wall -Wextra -Werror -O1 -I'%s' tests/compile_fail/init_bounds.c '%s/initb.c' "
                         "-lm -o '%s/initb' >'%s/initb.log' 2>&1 && '%s/initb' >>'%s/initb.log' 2>&1",
                         root, tmp, tmp, tmp, tmp, tmp, tmp, tmp);
    char path[512];
    snprintf(path, sizeof path, "%s/initb.log", tmp);
    char *log = tu_slurp(path, NULL);
    ck_assert_msg(rc == 0, "init bounds:\n%s", log ? log : "(no log)");
    free(log);
}
END_TEST

/* NAME_STACK_BYTES holds for every function gcc compiles (-fstack-usage, at
 * -O2 and -Os), NAME_predict aside, which adds NAME_ACTS_BYTES; the bound
 * is no more than four times the largest frame, so it says something. */
START_TEST(test_stack_bound_holds)
{
    const char *nets[] = {"tiny", "mnist", "tiny_cnn", "layers", "grad_conv_batch"};
    const char *opts[] = {"-O2 -march=native", "-Os"};
    ck_assert_int_eq(tu_sh("cd '%s' && lua5.4 gen/constnet.lua -q tests/specs/layers.lua -o '%s' && "
                           "lua5.4 gen/constnet.lua -q tests/specs/grad_conv_batch.lua -o '%s'",
                           root, tmp, tmp),
                     0);
    for (size_t k = 0; k < sizeof nets / sizeof *nets; ++k)
        for (int o = 0; o < 2; ++o) {
            ck_assert_int_eq(tu_sh("cd '%s' && gcc -std=c11 %s -fstack-usage -c %s.c -o %s_su.o", tmp, opts[o],
                                   nets[k], nets[k]),
                             0);
            char path[600];
            snprintf(path, sizeof path, "%s/%s.h", tmp, nets[k]);
            char *h = tu_slurp(path, NULL);
            ck_assert(h != NULL);
            const char *sb = strstr(h, "_STACK_BYTES ");
            const char *ab = strstr(h, "_ACTS_BYTES ");
            ck_assert(sb && ab);
            const long bound = strtol(sb + strlen("_STACK_BYTES "), NULL, 10);
            const long acts = strtol(ab + strlen("_ACTS_BYTES "), NULL, 10);
            free(h);
            snprintf(path, sizeof path, "%s/%s_su.su", tmp, nets[k]);
            char *su = tu_slurp(path, NULL);
            ck_assert(su != NULL);
            long largest = 0;
            int functions = 0;
            for (char *line = strtok(su, "\n"); line; line = strtok(NULL, "\n")) {
                char *tab = strchr(line, '\t');
                ck_assert(tab != NULL);
                const long used = strtol(tab + 1, NULL, 10);
                *tab = '\0';
                const int predict = strstr(line, "_predict") != NULL;
                ck_assert_msg(used <= bound + (predict ? acts : 0), "%s %s: %s uses %ld bytes of stack, bound %ld",
                              nets[k], opts[o], line, used, bound);
                if (!predict && used > largest)
                    largest = used;
                ++functions;
            }
            ck_assert_int_gt(functions, 5);
            ck_assert_msg(bound <= 4 * largest + 1024, "%s: bound %ld, largest frame %ld", nets[k], bound, largest);
            free(su);
        }
}
END_TEST

START_TEST(test_misuse_is_a_compile_error)
{
    const char *cc = compilers[_i % 2];
    const int which = 1 + _i / 2;
    char log[4096];
    ck_assert_msg(compile_case(cc, which, log, sizeof log) != 0, "%s: misuse case %d compiled", cc,
                  which);
    ck_assert_msg(strstr(log, "incompatible") != NULL, "%s: case %d: not a type error:\n%s", cc,
                  which, log);
    ck_assert_msg(strstr(log, "misuse.c") != NULL, "%s: case %d:\n%s", cc, which, log);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compile");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_set_timeout(core, 120);
    tcase_add_loop_test(core, test_generated_code_compiles_clean, 0, 2);
    tcase_add_loop_test(core, test_inference_only_has_no_training_code, 0, 2);
    tcase_add_test(core, test_stack_bound_holds);
    tcase_add_loop_test(core, test_large_net_header_is_pedantic_c99, 0, 2);
    tcase_add_test(core, test_init_bounds_follow_the_formulas);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 120);
    tcase_add_loop_test(limits, test_misuse_is_a_compile_error, 0, 2 * N_MISUSE);
    suite_add_tcase(s, limits);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
