/* test_trainer.c: the trainer binary as a user runs it, on the committed
 * MNIST subset (tests/data). The binary is $CONSTNET_TEST_DIR/trainer_mnist,
 * built from runtime/ and nets/mnist.lua.
 *
 *   core:   the same seed gives byte-identical model files; a run killed
 *           mid-training and resumed from its checkpoint ends with exactly
 *           the model of the run that was never killed, and the checkpoint
 *           on disk is always whole; the CSV log; eval and predict agree
 *           with training; the help text;
 *   limits: unknown flags, corrupt models, unreadable images among good
 *           ones, a model file given as a checkpoint. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ckpt.h"
#include "err.h"
#include "testutil.h"
#include "train.h"

static char tmp[256];
static char trainer[512];
static char data[512];

/* Run a shell command; its stdout and stderr go to tmp/out and tmp/err. */
#define sh(...) tu_sh_into(tmp, __VA_ARGS__)

/* The file NAME in tmp, or NULL. */
static char *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    return tu_slurp(path, len);
}

static void assert_output_has(const char *file, const char *want)
{
    char *text = slurp(file, NULL);
    ck_assert_msg(text != NULL, "no %s", file);
    ck_assert_msg(strstr(text, want) != NULL, "%s lacks '%s':\n%s", file, want, text);
    free(text);
}

static int same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = slurp(a, &na), *y = slurp(b, &nb);
    const int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

static void setup(void)
{
    const char *dir = getenv("CONSTNET_TEST_DIR");
    snprintf(trainer, sizeof trainer, "%s/%s/trainer_mnist", tu_root(), dir ? dir : "out/tests");
    snprintf(data, sizeof data, "%s/tests/data", tu_root());
    ck_assert(tu_mkdtemp(tmp, sizeof tmp, "constnet-trainer-") == 0);
}

static void teardown(void)
{
    ck_assert_int_eq(tu_rmtree(tmp), 0);
}

/* Train on the subset; the output files are named after tag. */
static int train(const char *tag, const char *extra)
{
    return sh("'%s' --data '%s' --epochs 4 --save '%s/%s.model' --csv '%s/%s.csv' --gallery '%s/%s.png' %s",
              trainer, data, tmp, tag, tmp, tag, tmp, tag, extra);
}

START_TEST(test_same_seed_byte_identical_models)
{
    ck_assert_int_eq(train("a", "--seed 5"), 0);
    ck_assert_int_eq(train("b", "--seed 5"), 0);
    ck_assert_int_eq(train("c", "--seed 6"), 0);
    ck_assert(same_file("a.model", "b.model"));
    ck_assert(!same_file("a.model", "c.model"));
}
END_TEST

START_TEST(test_killed_run_resumes_exactly)
{
    /* the run that is never interrupted */
    ck_assert_int_eq(sh("'%s' --data '%s' --epochs 40 -q --save '%s/full.model' --gallery '%s/g.png' "
                        "--csv '%s/full.csv'",
                        trainer, data, tmp, tmp, tmp),
                     0);
    /* the same run, killed part way through */
    char ckpt[512], model[512], csvp[512], gal[512], epochs[] = "40";
    snprintf(ckpt, sizeof ckpt, "%s/run.ckpt", tmp);
    snprintf(model, sizeof model, "%s/resumed.model", tmp);
    snprintf(csvp, sizeof csvp, "%s/resumed.csv", tmp);
    snprintf(gal, sizeof gal, "%s/g2.png", tmp);
    const pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        if (freopen("/dev/null", "w", stdout) == NULL)
            _exit(126);
        execl(trainer, trainer, "--data", data, "--epochs", epochs, "--checkpoint", ckpt, "--save", model, "--csv",
              csvp, "--gallery", gal, "-q", (char *)NULL);
        _exit(127);
    }
    /* while it runs, every checkpoint on disk must load whole */
    ckpt_state st = {0};
    const train_net *net = &train_net_desc;
    st.params = malloc(net->n_params * net->real_size);
    st.opt = malloc(net->opt_bytes);
    st.best = malloc(net->n_params * net->real_size);
    ck_assert(st.params && st.opt && st.best);
    int loads = 0;
    char err[ERR_MAX];
    for (int k = 0; k < 400 && loads < 5; ++k) {
        const struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
        if (access(ckpt, F_OK) == 0) {
            ck_assert_msg(ckpt_load(ckpt, net, &st, err, sizeof err) == 0, "checkpoint on disk: %s", err);
            ++loads;
        }
    }
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFSIGNALED(status), "the run finished before it could be killed");
    ck_assert_int_gt(loads, 0);
    ck_assert_msg(ckpt_load(ckpt, net, &st, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_lt(st.epoch, 40);
    free(st.params);
    free(st.opt);
    free(st.best);
    /* resumed, it ends exactly where the uninterrupted run ended */
    ck_assert_int_eq(sh("'%s' --data '%s' --resume '%s' --checkpoint '%s' --save '%s' --csv '%s' --gallery '%s'",
                        trainer, data, ckpt, ckpt, model, csvp, gal),
                     0);
    assert_output_has("out", "resuming: from");
    ck_assert_msg(same_file("full.model", "resumed.model"), "the resumed run ended with a different model");
    /* and the log holds every epoch once */
    char *csv = slurp("resumed.csv", NULL);
    ck_assert(csv != NULL);
    ck_assert_ptr_nonnull(strstr(csv, "\n40,"));
    ck_assert_ptr_null(strstr(csv, "\n41,"));
    free(csv);
}
END_TEST

START_TEST(test_csv_eval_predict_agree)
{
    ck_assert_int_eq(train("m", "--seed 2"), 0);
    char *out = slurp("out", NULL);
    ck_assert_ptr_nonnull(out);
    const char *acc = strstr(out, "test accuracy: ");
    ck_assert_ptr_nonnull(acc);
    char want[32];
    snprintf(want, sizeof want, "%.21s", acc); /* "test accuracy: 80.60%" */
    free(out);
    /* the CSV: a header and one row per epoch, no control characters */
    char *csv = slurp("m.csv", NULL);
    ck_assert_ptr_nonnull(csv);
    ck_assert(strncmp(csv, "epoch,loss,train_acc,val_acc,test_acc,samples_per_s,seconds\n1,", 62) == 0);
    int rows = 0;
    for (const char *p = csv; *p; ++p) {
        rows += (*p == '\n');
        ck_assert(*p == '\n' || (*p >= ' ' && *p < 127));
    }
    ck_assert_int_eq(rows, 5);
    free(csv);
    /* eval of the saved model reports the same accuracy */
    ck_assert_int_eq(sh("'%s' eval -q --data '%s' --load '%s/m.model'", trainer, data, tmp), 0);
    assert_output_has("out", want);
    /* predict: a PGM cut from the first test image (a 7) */
    ck_assert_int_eq(sh("(printf 'P5\\n28 28\\n255\\n'; gzip -dc '%s/t10k-images-idx3-ubyte.gz' | tail -c +17 | "
                        "head -c 784) > '%s/seven.pgm'",
                        data, tmp),
                     0);
    ck_assert_int_eq(sh("'%s' predict --show --load '%s/m.model' '%s/seven.pgm'", trainer, tmp, tmp), 0);
    assert_output_has("out", "seven.pgm: 7  (outputs, normalized 0:");
    assert_output_has("out", "@");
}
END_TEST

START_TEST(test_help_lists_every_flag)
{
    ck_assert_int_eq(sh("'%s' --help", trainer), 0);
    const char *flags[] = {"--epochs", "--rate", "--seed", "--validation", "--data", "--save", "--no-save",
                           "--load", "--csv", "--checkpoint", "--resume", "--gallery", "--out", "--show",
                           "--quiet", "--verbose", "--help", "eval", "predict", "export", "examples:"};
    for (size_t k = 0; k < sizeof flags / sizeof *flags; ++k)
        assert_output_has("out", flags[k]);
}
END_TEST

START_TEST(test_bad_input_is_refused_clearly)
{
    ck_assert_int_eq(sh("'%s' --epoks 3", trainer), 2);
    assert_output_has("err", "--epoks: error: unknown option; see --help");

    ck_assert_int_eq(sh("printf 'CNMODEL garbage' > '%s/bad.model'", tmp), 0);
    ck_assert_int_eq(sh("'%s' eval --data '%s' --load '%s/bad.model'", trainer, data, tmp), 1);
    assert_output_has("err", "bad.model: error:");

    ck_assert_int_eq(train("g", "-q"), 0);
    ck_assert_int_eq(sh("printf 'P5\\n28 28\\n255\\n' > '%s/short.pgm'; printf 'P2\\n2 2\\n255\\n0 9 9 0\\n' > "
                        "'%s/ok.pgm'",
                        tmp, tmp),
                     0);
    ck_assert_int_eq(sh("'%s' predict --load '%s/g.model' '%s/short.pgm' '%s/ok.pgm'", trainer, tmp, tmp, tmp), 1);
    assert_output_has("err", "short.pgm: error:");
    assert_output_has("out", "ok.pgm: ");

    ck_assert_int_eq(sh("'%s' --data '%s' --resume '%s/g.model'", trainer, data, tmp), 1);
    assert_output_has("err", "g.model: error: not a constnet checkpoint");

    ck_assert_int_eq(sh("'%s' --data '%s/nowhere'", trainer, tmp), 1);
    assert_output_has("err", "nowhere/train-images-idx3-ubyte: error:");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trainer");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_same_seed_byte_identical_models);
    tcase_add_test(core, test_killed_run_resumes_exactly);
    tcase_add_test(core, test_csv_eval_predict_agree);
    tcase_add_test(core, test_help_lists_every_flag);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 120);
    tcase_add_test(limits, test_bad_input_is_refused_clearly);
    suite_add_tcase(s, limits);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
