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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ckpt.h"
#include "err.h"
#include "idx.h"
#include "model.h"
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

/* The scratch base lives in Check's parent process: a failed test leaves
 * nothing behind. */
static void open_scratch(void)
{
    ck_assert(tu_scratch_open("constnet-trainer-") == 0);
}

static void setup(void)
{
    const char *dir = getenv("CONSTNET_TEST_DIR");
    snprintf(trainer, sizeof trainer, "%s/%s/trainer_mnist", tu_root(), dir ? dir : "out/tests");
    snprintf(data, sizeof data, "%s/tests/data", tu_root());
    ck_assert(tu_scratch_enter() == 0);
    snprintf(tmp, sizeof tmp, "%s", tu_scratch_dir());
}

static void teardown(void)
{
    tu_scratch_leave();
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
                           "--load", "--csv", "--no-csv", "--checkpoint", "--resume", "--gallery", "--no-gallery",
                           "--predictions", "--symbol", "--out", "--show",
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

/* Every output path is checked before the first epoch: a bad one costs no
 * training. */
START_TEST(test_outputs_checked_before_training)
{
    const char *flags[] = {"--save", "--checkpoint", "--csv", "--gallery"};
    for (size_t k = 0; k < sizeof flags / sizeof *flags; ++k) {
        ck_assert_int_eq(sh("'%s' --data '%s' --epochs 3 --no-save --no-csv --no-gallery %s '%s/no/such/dir/f'",
                            trainer, data, flags[k], tmp),
                         1);
        char want[600];
        snprintf(want, sizeof want, "%s/no/such/dir/f: error: %s: the folder %s/no/such/dir does not exist\n", tmp,
                 flags[k], tmp);
        char *err = slurp("err", NULL), *out = slurp("out", NULL);
        ck_assert(err && out);
        ck_assert_str_eq(err, want);
        ck_assert_msg(strstr(out, "epoch") == NULL, "trained before failing:\n%s", out);
        free(err);
        free(out);
    }
    /* a folder given as a file */
    ck_assert_int_eq(sh("'%s' --data '%s' --epochs 3 --save '%s'", trainer, data, tmp), 1);
    assert_output_has("err", ": error: --save: is a folder; give a file name");
}
END_TEST

/* A FIFO given as an output is written through and stays a FIFO; one with no
 * reader is refused at once. --no-csv and --no-gallery write nothing. */
START_TEST(test_special_files_are_written_through)
{
    char fifo[512];
    snprintf(fifo, sizeof fifo, "%s/log.fifo", tmp);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    /* a reader for each of the two whole logs the trainer writes, one per epoch */
    ck_assert_int_eq(sh("(cat '%s'; cat '%s') >'%s/copy.csv' & "
                        "'%s' --data '%s' --epochs 2 -q --no-save --no-gallery --csv '%s'; s=$?; wait; exit $s",
                        fifo,
                        fifo, tmp, trainer, data, fifo),
                     0);
    struct stat st;
    ck_assert_int_eq(stat(fifo, &st), 0);
    ck_assert_msg(S_ISFIFO(st.st_mode), "the FIFO was replaced by a regular file");
    char *copy = slurp("copy.csv", NULL);
    ck_assert(copy != NULL);
    ck_assert_msg(strncmp(copy, "epoch,loss,", 11) == 0 && strstr(copy, "\n2,") != NULL, "%s", copy);
    free(copy);
    /* no leftover temporary beside it */
    ck_assert_int_eq(tu_sh("test -z \"$(ls '%s' | grep tmp)\"", tmp), 0);
    /* a FIFO nobody reads: an error, not a hang */
    ck_assert_int_eq(sh("timeout 60 '%s' --data '%s' --epochs 1 -q --no-save --no-gallery --csv '%s'", trainer, data,
                        fifo),
                     1);
    assert_output_has("err", "log.fifo: error: cannot open for writing: a FIFO with no reader");
    /* a character device (a private /dev/null, where mknod is allowed): written
     * through, still a device afterwards */
    char dev[512];
    snprintf(dev, sizeof dev, "%s/null", tmp);
    if (tu_sh("mknod '%s' c 1 3 2>/dev/null", dev) == 0) {
        ck_assert_int_eq(sh("'%s' --data '%s' --epochs 1 -q --no-save --no-gallery --csv '%s'", trainer, data, dev), 0);
        ck_assert_int_eq(stat(dev, &st), 0);
        ck_assert_msg(S_ISCHR(st.st_mode), "the device was replaced by a regular file");
    }
    /* --no-csv, --no-gallery: only the model */
    ck_assert_int_eq(tu_sh("mkdir '%s/only'", tmp), 0);
    ck_assert_int_eq(sh("cd '%s/only' && '%s' --data '%s' --epochs 1 -q --no-csv --no-gallery --save m.model", tmp,
                        trainer, data),
                     0);
    ck_assert_int_eq(tu_sh("test \"$(ls '%s/only')\" = m.model", tmp), 0);
}
END_TEST

/* eval --load FIFO: refused at once, not blocked waiting for a writer. */
START_TEST(test_fifo_model_is_refused_without_blocking)
{
    char fifo[512];
    snprintf(fifo, sizeof fifo, "%s/m.fifo", tmp);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(sh("timeout 20 '%s' eval --data '%s' --no-gallery --load '%s'", trainer, data, fifo), 1);
    assert_output_has("err", "m.fifo: error: not a regular file (a FIFO)");
    ck_assert_int_eq(sh("timeout 20 '%s' --data '%s' --resume '%s'", trainer, data, fifo), 1);
    assert_output_has("err", "m.fifo: error: not a regular file (a FIFO)");
}
END_TEST

/* A temporary left by a killed save (PATH.tmp.<pid of a dead process>) is
 * removed by the next save of PATH. */
START_TEST(test_stale_temporary_is_removed)
{
    const pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0)
        _exit(0);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    ck_assert_int_eq(tu_sh("head -c 100000 /dev/zero >'%s/m.model.tmp.%ld'", tmp, (long)pid), 0);
    ck_assert_int_eq(sh("'%s' --data '%s' --epochs 1 -q --no-csv --no-gallery --save '%s/m.model'", trainer, data, tmp),
                     0);
    ck_assert_int_eq(tu_sh("test \"$(ls '%s' | grep model)\" = m.model", tmp), 0);
}
END_TEST

/* A checkpoint with a valid CRC but fields no run writes is refused by name. */
START_TEST(test_impossible_checkpoint_fields_are_refused)
{
    char ckpt[512], err[ERR_MAX];
    snprintf(ckpt, sizeof ckpt, "%s/run.ckpt", tmp);
    ck_assert_int_eq(sh("'%s' --data '%s' --epochs 2 -q --no-save --no-csv --no-gallery --validation 0.1 "
                        "--checkpoint '%s'",
                        trainer, data, ckpt),
                     0);
    const train_net *net = &train_net_desc;
    ckpt_state good = {0};
    good.params = malloc(net->n_params * net->real_size);
    good.opt = malloc(net->opt_bytes);
    good.best = malloc(net->n_params * net->real_size);
    ck_assert(good.params && good.opt && good.best);
    ck_assert_msg(ckpt_load(ckpt, net, &good, err, sizeof err) == 0, "%s", err);
    const struct {
        const char *field;
        double validation, best_val, rate;
        unsigned epochs, best_epoch;
        const char *want;
    } bad[] = {
        {"validation 1", 1.0, 0.5, 0.1, 2, 2, "corrupt checkpoint: validation 1 is out of range [0, 0.9]"},
        {"validation 1.5", 1.5, 0.5, 0.1, 2, 2, "corrupt checkpoint: validation 1.5 is out of range [0, 0.9]"},
        {"epochs 4e9", 0.1, 0.5, 0.1, 4000000000u, 2, "corrupt checkpoint: epoch 2 of 4000000000"},
        {"best without validation", 0.0, 0.5, 0.1, 2, 2, "corrupt checkpoint: best epoch 2 with validation 0"},
        {"best accuracy 3", 0.1, 3.0, 0.1, 2, 2, "corrupt checkpoint: best validation accuracy 3 is not in [0, 1]"},
        {"rate -1", 0.1, 0.5, -1.0, 2, 2, "corrupt checkpoint: rate -1 is out of range [1e-12, 1e+06]"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; ++k) {
        ckpt_state s = good;
        s.validation = bad[k].validation;
        s.best_val = bad[k].best_val;
        s.rate = bad[k].rate;
        s.epochs = bad[k].epochs;
        s.best_epoch = bad[k].best_epoch;
        ck_assert_msg(ckpt_save(ckpt, net, &s, err, sizeof err) == 0, "%s", err);
        ck_assert_int_eq(sh("'%s' --data '%s' --no-save --no-csv --no-gallery --resume '%s'", trainer, data, ckpt), 1);
        char want[700];
        snprintf(want, sizeof want, "%s: error: %s\n", ckpt, bad[k].want);
        char *e = slurp("err", NULL);
        ck_assert(e != NULL);
        ck_assert_msg(strcmp(e, want) == 0, "%s: got %s", bad[k].field, e);
        free(e);
    }
    free(good.params);
    free(good.opt);
    free(good.best);
}
END_TEST

/* eval --predictions: one row per test image, outputs at full float
 * precision, exactly what the network computes. */
START_TEST(test_predictions_csv_is_exact)
{
    ck_assert_int_eq(train("p", "-q --seed 3"), 0);
    ck_assert_int_eq(sh("'%s' eval -q --data '%s' --no-gallery --load '%s/p.model' --predictions '%s/p.csv'", trainer,
                        data, tmp, tmp),
                     0);
    const train_net *net = &train_net_desc;
    char err[ERR_MAX], path[512];
    idx_dataset test = {0};
    ck_assert_msg(idx_load_mnist(&test, data, "t10k", net->n_out, err, sizeof err) == 0, "%s", err);
    float *params = malloc(net->n_params * net->real_size), out[16];
    ck_assert(params != NULL && net->n_out <= 16);
    const model_info info = {.name = net->name, .fingerprint = net->fingerprint, .real_size = net->real_size,
                             .n_params = net->n_params};
    snprintf(path, sizeof path, "%s/p.model", tmp);
    ck_assert_msg(model_load(path, &info, params, err, sizeof err) == 0, "%s", err);
    char *csv = slurp("p.csv", NULL);
    ck_assert(csv != NULL);
    ck_assert(strncmp(csv, "index,label,predicted,out0,out1,", 32) == 0);
    const char *p = strchr(csv, '\n') + 1;
    size_t rows = 0;
    for (; *p; ++rows) {
        char *end;
        ck_assert_uint_eq(strtoul(p, &end, 10), rows);
        ck_assert_uint_eq(strtoul(end + 1, &end, 10), test.y[rows]);
        const unsigned pred = (unsigned)strtoul(end + 1, &end, 10);
        net->predict(params, test.x + rows * test.dim, out);
        ck_assert_uint_eq(pred, train_argmax(out, net->n_out));
        for (unsigned j = 0; j < net->n_out; ++j) {
            const float v = strtof(end + 1, &end);
            ck_assert_msg(memcmp(&v, &out[j], sizeof v) == 0, "row %zu out%u: %.9g != %.9g", rows, j, v, out[j]);
        }
        ck_assert(*end == '\n');
        p = end + 1;
    }
    ck_assert_uint_eq(rows, test.n);
    free(csv);
    free(params);
    idx_dataset_free(&test);
}
END_TEST

/* A net whose inputs are not 28x28 trains, saves and evaluates; its gallery,
 * an extra, is skipped with a note instead of failing the run. */
START_TEST(test_gallery_is_skipped_for_other_nets)
{
    const char *root = tu_root();
    ck_assert_int_eq(sh("cd '%s' && lua5.4 gen/constnet.lua -q tests/specs/xor.lua -o '%s/gen' && "
                        "cc -std=c11 -O1 -DCONSTNET_RUNTIME -Iruntime -I'%s/gen' runtime/*.c '%s/gen/xor.c' "
                        "$(pkg-config --cflags --libs libpng) -lz -lm -o '%s/xor'",
                        root, tmp, tmp, tmp, tmp),
                     0);
    /* XOR's four samples as IDX files: images 4 x 1 x 2, labels 4 */
    for (int k = 0; k < 2; ++k)
        ck_assert_int_eq(sh("mkdir -p '%s/d' && cd '%s/d' && "
                            "printf '\\0\\0\\10\\3\\0\\0\\0\\4\\0\\0\\0\\1\\0\\0\\0\\2"
                            "\\0\\0\\0\\377\\377\\0\\377\\377' >%s-images-idx3-ubyte && "
                            "printf '\\0\\0\\10\\1\\0\\0\\0\\4\\0\\1\\1\\0' >%s-labels-idx1-ubyte",
                            tmp, tmp, k ? "t10k" : "train", k ? "t10k" : "train"),
                         0);
    ck_assert_int_eq(sh("'%s/xor' --data '%s/d' --epochs 2 --no-csv --gallery '%s/g.png' --save '%s/m.model'", tmp, tmp,
                        tmp, tmp),
                     0);
    assert_output_has("out", "gallery: skipped: it needs 28x28 images and at most 10 classes (this net: 2 inputs, "
                             "2 classes)\n");
    assert_output_has("out", "model: saved to");
    ck_assert_int_eq(sh("'%s/xor' eval --data '%s/d' --gallery '%s/g.png' --load '%s/m.model'", tmp, tmp, tmp, tmp), 0);
    assert_output_has("out", "gallery: skipped:");
    ck_assert_int_eq(tu_sh("test ! -e '%s/g.png'", tmp), 0);
}
END_TEST

/* --help from a long folder: the whole text, not cut at 4 KiB. */
START_TEST(test_help_from_a_long_path_is_whole)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/%0220d", tmp, 0);
    ck_assert_int_eq(tu_sh("mkdir -p '%s' && cp '%s' '%s/mnist'", dir, trainer, dir), 0);
    ck_assert_int_eq(sh("'%s/mnist' --help", dir), 0);
    char *out = slurp("out", NULL);
    ck_assert(out != NULL);
    ck_assert_uint_gt(strlen(out), 4096);
    char want[700];
    snprintf(want, sizeof want, "%s/mnist predict --show digit.png\n", dir);
    ck_assert_msg(strlen(out) >= strlen(want) && strcmp(out + strlen(out) - strlen(want), want) == 0, "%s", out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trainer");
    TCase *core = tcase_create("core");
    tcase_add_unchecked_fixture(core, open_scratch, tu_scratch_close);
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_predictions_csv_is_exact);
    tcase_add_test(core, test_same_seed_byte_identical_models);
    tcase_add_test(core, test_killed_run_resumes_exactly);
    tcase_add_test(core, test_csv_eval_predict_agree);
    tcase_add_test(core, test_help_lists_every_flag);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_unchecked_fixture(limits, open_scratch, tu_scratch_close);
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 120);
    tcase_add_test(limits, test_outputs_checked_before_training);
    tcase_add_test(limits, test_special_files_are_written_through);
    tcase_add_test(limits, test_fifo_model_is_refused_without_blocking);
    tcase_add_test(limits, test_stale_temporary_is_removed);
    tcase_add_test(limits, test_impossible_checkpoint_fields_are_refused);
    tcase_add_test(limits, test_help_from_a_long_path_is_whole);
    tcase_add_test(limits, test_gallery_is_skipped_for_other_nets);
    tcase_add_test(limits, test_bad_input_is_refused_clearly);
    suite_add_tcase(s, limits);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
