/* test_owndata.c: training on your own data, end to end, with the trainers
 * a user builds (out/tests/trainer_<net>, from nets/<net>.lua and runtime/):
 *
 *   iris:     a CSV file with a description line and class names, a seeded
 *             20% test split, >= 95% test accuracy, eval and predict agree,
 *             the model file keeps the normalization and the names; the
 *             exported weights compiled stand-alone with the generated C take
 *             raw rows and give the trainer's predictions;
 *   digits:   64 pixel columns from a gzip CSV, >= 97%;
 *   diabetes: regression, RMSE against a linear-regression baseline fitted
 *             here by least squares on the same training rows;
 *   images:   the MNIST trainer on a folder of class folders of PGM files
 *             (made here from the committed MNIST subset), class names from
 *             the folder names. */
#define _GNU_SOURCE /* memmem */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "data.h"
#include "err.h"
#include "idx.h"
#include "testutil.h"

static char tmp[256];
static char bin[4096];  /* the folder of the trainers, absolute */
static char data[512];  /* tests/data */

/* Run a shell command; its stdout and stderr go to tmp/out and tmp/err. */
#define sh(...) tu_sh_into(tmp, __VA_ARGS__)

static char *slurp(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    char *text = tu_slurp(path, NULL);
    ck_assert_msg(text != NULL, "no %s", path);
    return text;
}

static void assert_has(const char *file, const char *want)
{
    char *text = slurp(file);
    ck_assert_msg(strstr(text, want) != NULL, "%s lacks '%s':\n%s", file, want, text);
    free(text);
}

/* The number after `key` in tmp/out. */
static double number_after(const char *key)
{
    char *text = slurp("out");
    const char *p = strstr(text, key);
    ck_assert_msg(p != NULL, "no '%s' in:\n%s", key, text);
    const double v = strtod(p + strlen(key), NULL);
    free(text);
    return v;
}

static void setup(void)
{
    const char *dir = getenv("CONSTNET_TEST_DIR");
    char rel[600];
    snprintf(rel, sizeof rel, "%s/%s", tu_root(), dir ? dir : "out/tests");
    ck_assert_ptr_nonnull(realpath(rel, bin)); /* absolute: the stand-alone build runs in tmp */
    snprintf(data, sizeof data, "%s/tests/data", tu_root());
    ck_assert(tu_mkdtemp(tmp, sizeof tmp, "constnet-owndata-") == 0);
}

static void teardown(void)
{
    ck_assert_int_eq(tu_rmtree(tmp), 0);
}

/* ---- iris ------------------------------------------------------------------ */

/* A stand-alone program built from the generated iris.c and the exported
 * weights alone: raw rows in (4 numbers a line), class and probabilities out. */
static const char *standalone =
    "#include <stdio.h>\n"
    "#include \"iris.h\"\n"
    "#include \"iris_weights.h\"\n"
    "int main(void)\n"
    "{\n"
    "    float raw[IRIS_IN];\n"
    "    int row = 0;\n"
    "    while (scanf(\"%f,%f,%f,%f\", &raw[0], &raw[1], &raw[2], &raw[3]) == 4) {\n"
    "        iris_input x;\n"
    "        iris_output y;\n"
    "        iris_normalize(&x, raw);\n"
    "        const int best = iris_predict(&y, &iris_weights, &x);\n"
    "        printf(\"row %d: %d '%s'  (probabilities 0:%.3f 1:%.3f 2:%.3f)\\n\", ++row, best,\n"
    "               iris_class_names[best], y.v[0], y.v[1], y.v[2]);\n"
    "    }\n"
    "    return 0;\n"
    "}\n";

START_TEST(test_iris)
{
    char model[512];
    snprintf(model, sizeof model, "%s/iris.model", tmp);
    ck_assert_int_eq(sh("'%s/trainer_iris' --data '%s/iris.csv' --save '%s' --csv '%s/log.csv'", bin, data, model,
                        tmp),
                     0);
    assert_has("out", "training: 120 rows of 4 features, classes: 0 'setosa' 40, 1 'versicolor' 40, 2 'virginica' 40");
    assert_has("out", "split: 0.2 of the rows of ");
    assert_has("out", "normalization: standardize, statistics of the training rows, kept in the model");
    const double acc = number_after("test accuracy: ");
    ck_assert_msg(acc >= 95.0, "iris test accuracy %.2f%% < 95%%", acc);
    char *text = slurp("out");
    char line[64];
    snprintf(line, sizeof line, "%.21s", strstr(text, "test accuracy: "));
    free(text);

    /* a validation split of a table sorted by class holds out rows of every class */
    ck_assert_int_eq(sh("'%s/trainer_iris' --data '%s/iris.csv' --validation 0.2 --no-save", bin, data), 0);
    assert_has("out", "validation: 24 of the training rows, drawn by the seed");
    assert_has("out", "the best on validation (");

    /* the model file: version 2, with the statistics and the names */
    size_t len = 0;
    char *bytes = tu_slurp(model, &len);
    ck_assert_ptr_nonnull(bytes);
    ck_assert_int_eq(bytes[8], 2);
    ck_assert_ptr_nonnull(memmem(bytes, len, "versicolor", 10));
    free(bytes);

    /* eval recreates the same split from the seed and maps names as trained */
    ck_assert_int_eq(sh("'%s/trainer_iris' eval --data '%s/iris.csv' --load '%s'", bin, data, model), 0);
    assert_has("out", line);

    /* raw rows, as in the file (the last three flowers of each kind) */
    const char *rows = "5.0,3.3,1.4,0.2\n6.2,2.9,4.3,1.3\n5.7,2.8,4.1,1.3\n6.5,3.0,5.2,2.0\n5.9,3.0,5.1,1.8\n";
    char path[512];
    snprintf(path, sizeof path, "%s/raw.csv", tmp);
    ck_assert_int_eq(tu_write(path, rows, strlen(rows)), 0);
    ck_assert_int_eq(sh("'%s/trainer_iris' predict --load '%s' '%s'", bin, model, path), 0);
    char *predicted = slurp("out");
    ck_assert_msg(strstr(predicted, "raw.csv row 1: 0 'setosa'  (probabilities 0:") != NULL, "%s", predicted);
    ck_assert_msg(strstr(predicted, "raw.csv row 5: 2 'virginica'") != NULL, "%s", predicted);

    /* export, compile the weights with the generated code alone, feed the raw rows */
    ck_assert_int_eq(sh("'%s/trainer_iris' export --load '%s' -o '%s/iris_weights.c'", bin, model, tmp), 0);
    assert_has("iris_weights.h", "void iris_normalize(iris_input *x, const float raw[IRIS_IN]);");
    assert_has("iris_weights.h", "iris_predict (and every function of iris.h)");
    assert_has("iris_weights.c", "static const float iris_norm_shift[IRIS_IN] = {");
    snprintf(path, sizeof path, "%s/main.c", tmp);
    ck_assert_int_eq(tu_write(path, standalone, strlen(standalone)), 0);
    if (sh("cd '%s' && cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -DIRIS_INFERENCE_ONLY "
           "-I'%s/gen' main.c iris_weights.c '%s/gen/iris.c' -lm -o standalone",
           tmp, bin, bin) != 0) {
        char *why = slurp("err");
        ck_abort_msg("the stand-alone program does not compile:\n%s", why);
    }
    snprintf(path, sizeof path, "%s/raw.csv", tmp);
    ck_assert_int_eq(sh("'%s/standalone' < '%s'", tmp, path), 0);
    char *alone = slurp("out");
    /* the same classes as the trainer, row for row, and the same probabilities
     * (to the last printed digit, give or take one: the trainer may be built
     * with other flags, fused multiply-adds for one) */
    for (int r = 1; r <= 5; ++r) {
        char key[64];
        snprintf(key, sizeof key, "row %d: ", r);
        const char *a = strstr(alone, key), *b = strstr(predicted, key);
        ck_assert_msg(a && b, "row %d missing:\n%s\n%s", r, alone, predicted);
        const size_t upto = (size_t)(strstr(b, "probabilities") - b);
        ck_assert_msg(strncmp(a, b, upto) == 0, "row %d: another class:\n%s\n%s", r, alone, predicted);
        float pa[3], pb[3];
        ck_assert_int_eq(sscanf(a + upto, "probabilities 0:%f 1:%f 2:%f", &pa[0], &pa[1], &pa[2]), 3);
        ck_assert_int_eq(sscanf(b + upto, "probabilities 0:%f 1:%f 2:%f", &pb[0], &pb[1], &pb[2]), 3);
        for (int j = 0; j < 3; ++j)
            ck_assert_msg(fabsf(pa[j] - pb[j]) <= 0.0011f, "row %d:\n%s\n%s", r, alone, predicted);
    }
    free(alone);
    free(predicted);
}
END_TEST

START_TEST(test_digits)
{
    ck_assert_int_eq(sh("'%s/trainer_digits' --data '%s/digits.csv.gz' --no-save -q", bin, data), 0);
    const double acc = number_after("test accuracy: ");
    ck_assert_msg(acc >= 97.0, "digits test accuracy %.2f%% < 97%%", acc);
}
END_TEST

/* Threads split each batch: the digits net (batch 16, Adam) trained on 1 and
 * on 2 threads saves the same model file, byte for byte. */
START_TEST(test_threads_save_the_same_model)
{
    char dir[256];
    ck_assert(tu_mkdtemp(dir, sizeof dir, "constnet-threads-") == 0);
    char path[2][512];
    for (int k = 0; k < 2; ++k) {
        snprintf(path[k], sizeof path[k], "%s/t%d.model", dir, k + 1);
        ck_assert_int_eq(sh("'%s/trainer_digits' --data '%s/digits.csv.gz' --epochs 4 --threads %d --save '%s' "
                            "--no-csv --no-gallery -q",
                            bin, data, k + 1, path[k]),
                         0);
    }
    size_t n1 = 0, n2 = 0;
    char *m1 = tu_slurp(path[0], &n1), *m2 = tu_slurp(path[1], &n2);
    ck_assert(m1 != NULL && m2 != NULL);
    ck_assert_uint_gt(n1, 1000);
    ck_assert_msg(n1 == n2 && memcmp(m1, m2, n1) == 0, "1 and 2 threads saved different models");
    free(m1);
    free(m2);
    tu_rmtree(dir);
}
END_TEST

/* ---- diabetes: regression against least squares -------------------------- */

/* Least squares with an intercept on d (n rows of p < 16 features, one
 * target): the normal equations, solved by Gauss-Jordan with partial
 * pivoting, in double. */
static void least_squares(const data_set *d, double *beta)
{
    enum { MAXP = 16 };
    const size_t p = d->dim + 1;
    double a[MAXP][MAXP + 1] = {{0}};
    ck_assert_uint_lt(p, MAXP);
    for (size_t k = 0; k < d->n; ++k) {
        double row[MAXP];
        row[0] = 1.0;
        for (size_t i = 0; i < d->dim; ++i)
            row[i + 1] = d->x[k * d->dim + i];
        for (size_t i = 0; i < p; ++i) {
            for (size_t j = 0; j < p; ++j)
                a[i][j] += row[i] * row[j];
            a[i][p] += row[i] * d->t[k];
        }
    }
    for (size_t c = 0; c < p; ++c) {
        size_t piv = c;
        for (size_t r = c + 1; r < p; ++r)
            if (fabs(a[r][c]) > fabs(a[piv][c]))
                piv = r;
        for (size_t j = 0; j <= p; ++j) {
            const double t = a[c][j];
            a[c][j] = a[piv][j];
            a[piv][j] = t;
        }
        for (size_t r = 0; r < p; ++r)
            if (r != c) {
                const double f = a[r][c] / a[c][c];
                for (size_t j = c; j <= p; ++j)
                    a[r][j] -= f * a[c][j];
            }
    }
    for (size_t i = 0; i < p; ++i)
        beta[i] = a[i][p] / a[i][i];
}

START_TEST(test_diabetes_regression)
{
    char path[700], err[ERR_MAX];
    snprintf(path, sizeof path, "%s/diabetes.csv", data);
    ck_assert_int_eq(sh("'%s/trainer_diabetes' --data '%s' --save '%s/d.model' --csv '%s/log.csv'", bin, path, tmp,
                        tmp),
                     0);
    assert_has("out", "training: 354 rows of 10 features, 1 regression target");
    const double rmse = number_after("test RMSE: "), r2 = number_after("R^2: ");
    assert_has("log.csv", "epoch,loss,train_rmse,val_rmse,test_rmse,test_mae,test_r2,samples_per_s,seconds\n");

    /* the baseline: the same split (the trainer's default: 0.2, its seed 1) */
    data_classes none = {0};
    const csv_options o = {.n_in = 10, .n_out = 1, .regression = 1, .classes = &none};
    data_set all, tr, te;
    ck_assert_msg(csv_load(&all, path, &o, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(data_split(&all, 0.2, 1, &tr, &te, path, err, sizeof err), 0);
    double beta[11], sse = 0.0;
    least_squares(&tr, beta);
    for (size_t k = 0; k < te.n; ++k) {
        double y = beta[0];
        for (size_t i = 0; i < 10; ++i)
            y += beta[i + 1] * te.x[k * 10 + i];
        sse += (y - te.t[k]) * (y - te.t[k]);
    }
    const double baseline = sqrt(sse / (double)te.n);
    printf("diabetes: network test RMSE %.2f (R^2 %.3f), linear regression %.2f\n", rmse, r2, baseline);
    ck_assert_msg(rmse <= 1.05 * baseline, "RMSE %.2f is more than 5%% above linear regression's %.2f", rmse, baseline);
    ck_assert_msg(r2 >= 0.45, "R^2 %.3f", r2);

    /* predict prints the values, from raw rows */
    snprintf(path, sizeof path, "%s/rows.csv", tmp);
    const char *rows = "age,sex,bmi,bp,s1,s2,s3,s4,s5,s6\n59,2,32.1,101.0,157,93.2,38.0,4.0,4.8598,87\n";
    ck_assert_int_eq(tu_write(path, rows, strlen(rows)), 0);
    ck_assert_int_eq(sh("'%s/trainer_diabetes' predict --load '%s/d.model' '%s'", bin, tmp, path), 0);
    const double v = number_after("rows.csv row 1: ");
    ck_assert_msg(v > 25.0 && v < 346.0, "prediction %g", v);
    data_set_free(&all);
    data_set_free(&tr);
    data_set_free(&te);
}
END_TEST

/* ---- a folder of images ---------------------------------------------------- */

static const char *const digit_names[10] = {"zero", "one", "two", "three", "four",
                                            "five", "six", "seven", "eight", "nine"};

/* Write the first n images of the MNIST subset PREFIX as DIR/<name>/<k>.pgm. */
static void write_folder(const char *prefix, const char *dir, size_t n)
{
    char err[ERR_MAX], path[700];
    idx_dataset d;
    ck_assert_msg(idx_load_mnist(&d, data, prefix, 10, err, sizeof err) == 0, "%s", err);
    for (int c = 0; c < 10; ++c) {
        snprintf(path, sizeof path, "%s/%s", dir, digit_names[c]);
        mkdir(path, 0755);
    }
    for (size_t k = 0; k < n && k < d.n; ++k) {
        unsigned char buf[15 + 784];
        memcpy(buf, "P5\n28 28\n255\n", 13);
        for (int i = 0; i < 784; ++i)
            buf[13 + i] = (unsigned char)lrintf(d.x[k * 784 + i] * 255.0f);
        snprintf(path, sizeof path, "%s/%s/%04zu.pgm", dir, digit_names[d.y[k]], k);
        ck_assert_int_eq(tu_write(path, buf, 13 + 784), 0);
    }
    idx_dataset_free(&d);
}

START_TEST(test_image_folders)
{
    char dir[512], sub[600];
    snprintf(dir, sizeof dir, "%s/digits", tmp);
    mkdir(dir, 0755);
    snprintf(sub, sizeof sub, "%s/train", dir);
    mkdir(sub, 0755);
    write_folder("train", sub, 1000);
    snprintf(sub, sizeof sub, "%s/test", dir);
    mkdir(sub, 0755);
    write_folder("t10k", sub, 200);
    ck_assert_int_eq(sh("'%s/trainer_mnist' --data '%s' --save '%s/m.model' --epochs 3", bin, dir, tmp), 0);
    /* classes in name order: eight five four nine one seven six three two zero */
    assert_has("out", "training: 1000 rows of 784 features, classes: 0 'eight' ");
    assert_has("out", "split: ");
    const double acc = number_after("test accuracy: ");
    ck_assert_msg(acc >= 70.0, "test accuracy %.2f%% on the image folders", acc);
    /* predict names the class by its folder */
    snprintf(sub, sizeof sub, "%s/test/seven/0000.pgm", dir);
    ck_assert_int_eq(sh("'%s/trainer_mnist' predict --load '%s/m.model' '%s'", bin, tmp, sub), 0);
    assert_has("out", "0000.pgm: 5 'seven'");
}
END_TEST

/* The trainer refuses bad data before training, with the reader's message,
 * and saves nothing. */
START_TEST(test_bad_data_is_refused)
{
    char bad[600], model[600];
    snprintf(bad, sizeof bad, "%s/bad.csv", tmp);
    snprintf(model, sizeof model, "%s/never.model", tmp);
    const char *rows = "5.1,3.5,1.4,0.2,setosa\n4.9,3.0,abc,0.2,setosa\n";
    ck_assert_int_eq(tu_write(bad, rows, strlen(rows)), 0);
    ck_assert_int_eq(sh("'%s/trainer_iris' --data '%s' --save '%s'", bin, bad, model), 1);
    char want[1400];
    snprintf(want, sizeof want, "%s:2:9: error: 'abc' is not a number\n", bad);
    char *err = slurp("err");
    ck_assert_str_eq(err, want);
    free(err);
    ck_assert_int_ne(access(model, F_OK), 0);

    /* the iris table for a regression net of 10 inputs */
    ck_assert_int_eq(sh("'%s/trainer_diabetes' --data '%s/iris.csv' --save '%s'", bin, data, model), 1);
    snprintf(want, sizeof want, "%s/iris.csv:2:1: error: 5 columns less the targets make 4 features; "
                                "the network takes 10 inputs\n", data);
    err = slurp("err");
    ck_assert_str_eq(err, want);
    free(err);
    /* CSV flags on the MNIST folder */
    ck_assert_int_eq(sh("'%s/trainer_mnist' --data '%s' --test-split 0.3 --no-save", bin, data), 1);
    snprintf(want, sizeof want, "--test-split: error: applies to CSV files and image folders, not to the MNIST "
                                "folder %s\n", data);
    err = slurp("err");
    ck_assert_str_eq(err, want);
    free(err);
    ck_assert_int_ne(access(model, F_OK), 0);
}
END_TEST

static Suite *owndata_suite(void)
{
    Suite *s = suite_create("owndata");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_set_timeout(core, 120);
    tcase_add_test(core, test_iris);
    tcase_add_test(core, test_digits);
    tcase_add_test(core, test_threads_save_the_same_model);
    tcase_add_test(core, test_diabetes_regression);
    tcase_add_test(core, test_image_folders);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_add_test(limits, test_bad_data_is_refused);
    suite_add_tcase(s, limits);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(owndata_suite());
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
