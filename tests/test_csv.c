/* test_csv.c: Check suite for runtime/csv.c (and the data-set helpers of
 * runtime/data.c it feeds).
 *
 * "core" reads the committed tables (tests/data/iris.csv and digits.csv.gz,
 * as scikit-learn ships them), headers, class names, label and target
 * columns, quoting, the split and the normalization statistics; "limits"
 * asserts every bad input by its exact message, FILE:LINE:COLUMN first. */
#define _POSIX_C_SOURCE 200809L
#include "csv.h"
#include "data.h"
#include "err.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static char err[ERR_MAX];
static data_classes names;
static data_set d;

static void setup(void)
{
    memset(&names, 0, sizeof names);
    memset(&d, 0, sizeof d);
    err[0] = '\0';
}

static void teardown(void)
{
    data_set_free(&d);
    data_classes_free(&names);
}

/* Options for a classifier of n_in features and n_out classes. */
static csv_options classes_of(unsigned n_in, unsigned n_out)
{
    return (csv_options){.n_in = n_in, .n_out = n_out, .classes = &names};
}

static int parse(const char *text, const csv_options *o)
{
    data_set_free(&d);
    return csv_parse(&d, text, strlen(text), "t.csv", o, err, sizeof err);
}

/* text must be refused with exactly want, and leave d zeroed. */
static void refused(const char *text, const csv_options *o, const char *want)
{
    ck_assert_msg(parse(text, o) == -1, "accepted: %s", text);
    ck_assert_str_eq(err, want);
    ck_assert(d.n == 0 && d.x == NULL && d.y == NULL && d.t == NULL);
}

/* ---- core ------------------------------------------------------------------ */

START_TEST(test_iris_as_scikit_learn_ships_it)
{
    /* first line "150,4,setosa,versicolor,virginica": a description, its names the classes */
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/iris.csv", tu_root());
    const csv_options o = classes_of(4, 3);
    ck_assert_msg(csv_load(&d, path, &o, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(d.n, 150);
    ck_assert_uint_eq(d.dim, 4);
    ck_assert_uint_eq(names.n, 3);
    ck_assert_str_eq(names.name[0], "setosa");
    ck_assert_str_eq(names.name[2], "virginica");
    ck_assert_float_eq(d.x[0], 5.1f);
    ck_assert_float_eq(d.x[3], 0.2f);
    unsigned count[3] = {0};
    for (size_t k = 0; k < d.n; ++k)
        count[d.y[k]]++;
    ck_assert(count[0] == 50 && count[1] == 50 && count[2] == 50);
    ck_assert_uint_eq(d.y[149], 2);
}
END_TEST

START_TEST(test_digits_gzip)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/digits.csv.gz", tu_root());
    const csv_options o = classes_of(64, 10);
    ck_assert_msg(csv_load(&d, path, &o, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(d.n, 1797);
    ck_assert_uint_eq(d.dim, 64);
    ck_assert_uint_eq(names.n, 0); /* integer labels, no names */
    ck_assert_uint_eq(d.y[0], 0);
    ck_assert_float_eq(d.x[2], 5.0f);
    ck_assert_uint_eq(d.y[1796], 8);
}
END_TEST

START_TEST(test_header_names_and_label_names)
{
    /* a header; labels named, numbered in order of first appearance; quotes,
     * spaces, CRLF and blank lines */
    const char *text = "a, b ,\"label\"\r\n"
                       "1,2,dog\r\n"
                       "\n"
                       "  3 ,\t4, \"cat, black\"\r\n"
                       "5,6,dog\n";
    csv_options o = classes_of(2, 3);
    ck_assert_msg(parse(text, &o) == 0, "%s", err);
    ck_assert_uint_eq(d.n, 3);
    ck_assert_uint_eq(names.n, 2);
    ck_assert_str_eq(names.name[0], "dog");
    ck_assert_str_eq(names.name[1], "cat, black");
    ck_assert(d.y[0] == 0 && d.y[1] == 1 && d.y[2] == 0);
    ck_assert(d.x[2] == 3.0f && d.x[3] == 4.0f);
    /* a second file (the test file) keeps the numbering and adds new names after */
    ck_assert_msg(parse("x,y,z\n1,1,cat, black\n2,2,bird\n", &o) == -1, "commas split fields");
    ck_assert_msg(parse("x,y,z\n1,1,\"cat, black\"\n2,2,bird\n", &o) == 0, "%s", err);
    ck_assert(d.y[0] == 1 && d.y[1] == 2);
    ck_assert_str_eq(names.name[2], "bird");
}
END_TEST

START_TEST(test_first_row_with_a_class_name_is_data)
{
    /* "5,4,setosa" looks like a description line but the count does not fit:
     * it is a data row; and a name in the label column is no header */
    csv_options o = classes_of(2, 2);
    ck_assert_msg(parse("5,4,setosa\n1,2,virginica\n", &o) == 0, "%s", err);
    ck_assert_uint_eq(d.n, 2);
    ck_assert_float_eq(d.x[0], 5.0f);
    ck_assert_str_eq(names.name[0], "setosa");
}
END_TEST

START_TEST(test_description_then_header)
{
    /* as scikit-learn's boston_house_prices.csv: "506,13,,,..." then a header */
    const char *text = "2,3,,,\n\"A\",\"B\",\"C\",\"T\"\n1,2,3,10\n4,5,6,20\n";
    csv_options o = {.n_in = 3, .n_out = 1, .regression = 1, .classes = &names};
    ck_assert_msg(parse(text, &o) == 0, "%s", err);
    ck_assert_uint_eq(d.n, 2);
    ck_assert_ptr_null(d.y);
    ck_assert_uint_eq(d.n_targets, 1);
    ck_assert(d.t[0] == 10.0f && d.t[1] == 20.0f);
    ck_assert_uint_eq(names.n, 0);
}
END_TEST

START_TEST(test_label_and_target_columns)
{
    const char *text = "y,a,b,z\n0,1,2,7\n1,3,4,8\n";
    csv_options o = classes_of(3, 2);
    o.label = "y"; /* by name */
    ck_assert_msg(parse(text, &o) == 0, "%s", err);
    ck_assert(d.y[0] == 0 && d.y[1] == 1);
    ck_assert(d.x[0] == 1.0f && d.x[2] == 7.0f); /* a, b, z */
    o.label = "1"; /* by number */
    ck_assert_msg(parse(text, &o) == 0, "%s", err);
    ck_assert(d.x[3] == 3.0f);
    /* regression: two targets, by default the last two, or named */
    csv_options r = {.n_in = 2, .n_out = 2, .regression = 1, .classes = &names};
    ck_assert_msg(parse(text, &r) == 0, "%s", err);
    ck_assert(d.t[0] == 2.0f && d.t[1] == 7.0f && d.x[0] == 0.0f && d.x[1] == 1.0f);
    r.label = "z,y";
    ck_assert_msg(parse(text, &r) == 0, "%s", err);
    ck_assert(d.t[0] == 0.0f && d.t[1] == 7.0f && d.x[0] == 1.0f && d.x[1] == 2.0f);
    /* features only (predict) */
    csv_options f = {.n_in = 4, .no_label = 1, .classes = &names};
    ck_assert_msg(parse(text, &f) == 0, "%s", err);
    ck_assert_ptr_null(d.y);
    ck_assert(d.x[7] == 8.0f);
    /* or features and the label, which is skipped: a training file predicts too */
    csv_options g = {.n_in = 3, .n_out = 2, .no_label = 1, .label = "y", .classes = &names};
    ck_assert_msg(parse(text, &g) == 0, "%s", err);
    ck_assert_ptr_null(d.y);
    ck_assert(d.dim == 3 && d.x[0] == 1.0f && d.x[5] == 8.0f);
}
END_TEST

START_TEST(test_split_and_normalization)
{
    /* 10 rows: x = k, label k % 2 */
    char text[256] = "";
    for (int k = 0; k < 10; ++k)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d,%d\n", k, k % 2);
    csv_options o = classes_of(1, 2);
    ck_assert_msg(parse(text, &o) == 0, "%s", err);
    data_set tr, te;
    ck_assert_int_eq(data_split(&d, 0.2, 7, &tr, &te, "t.csv", err, sizeof err), 0);
    ck_assert_uint_eq(tr.n, 8);
    ck_assert_uint_eq(te.n, 2);
    /* every row lands in exactly one part, file order kept, label with its row */
    float seen = 0;
    for (size_t k = 0; k < tr.n; ++k) {
        seen += tr.x[k];
        ck_assert_uint_eq(tr.y[k], (unsigned)tr.x[k] % 2);
        ck_assert(k == 0 || tr.x[k] > tr.x[k - 1]);
    }
    for (size_t k = 0; k < te.n; ++k)
        seen += te.x[k];
    ck_assert_float_eq(seen, 45.0f);
    /* the same seed, the same split */
    data_set tr2, te2;
    ck_assert_int_eq(data_split(&d, 0.2, 7, &tr2, &te2, "t.csv", err, sizeof err), 0);
    ck_assert_mem_eq(te.x, te2.x, 2 * sizeof(float));
    /* a seeded shuffle keeps each label with its row */
    ck_assert_int_eq(data_shuffle(&tr2, 3, err, sizeof err), 0);
    ck_assert_uint_eq(tr2.n, 8);
    for (size_t k = 0; k < tr2.n; ++k)
        ck_assert_uint_eq(tr2.y[k], (unsigned)tr2.x[k] % 2);
    ck_assert_msg(memcmp(tr.x, tr2.x, 8 * sizeof(float)) != 0, "the order did not change");
    /* statistics of the training rows only */
    data_norm nm;
    ck_assert_int_eq(data_norm_fit(&nm, DATA_NORM_MINMAX, &tr, err, sizeof err), 0);
    float lo = 99, hi = -1;
    for (size_t k = 0; k < tr.n; ++k)
        lo = fminf(lo, tr.x[k]), hi = fmaxf(hi, tr.x[k]);
    ck_assert_float_eq(nm.shift[0], lo);
    ck_assert_float_eq(nm.scale[0], 1.0f / (hi - lo));
    data_norm_apply(&nm, tr.x, tr.n);
    ck_assert_float_eq(tr.x[0], 0.0f);
    ck_assert_float_eq(tr.x[tr.n - 1], 1.0f);
    data_norm_free(&nm);
    /* standardize: mean 0, deviation 1; a constant feature keeps scale 1 */
    ck_assert_int_eq(data_norm_fit(&nm, DATA_NORM_STANDARDIZE, &d, err, sizeof err), 0);
    ck_assert_float_eq_tol(nm.shift[0], 4.5f, 1e-6f);
    ck_assert_float_eq_tol(nm.scale[0], 1.0f / sqrtf(8.25f), 1e-6f);
    data_norm_free(&nm);
    float same[3] = {2, 2, 2};
    const data_set flat = {.n = 3, .dim = 1, .x = same};
    ck_assert_int_eq(data_norm_fit(&nm, DATA_NORM_STANDARDIZE, &flat, err, sizeof err), 0);
    ck_assert_float_eq(nm.scale[0], 1.0f);
    data_norm_free(&nm);
    data_set_free(&tr);
    data_set_free(&te);
    data_set_free(&tr2);
    data_set_free(&te2);
    /* a set of one row cannot be split */
    ck_assert_int_eq(parse("1,0\n", &o), 0);
    ck_assert_int_eq(data_split(&d, 0.2, 7, &tr, &te, "t.csv", err, sizeof err), -1);
    ck_assert_str_eq(err, "t.csv: error: 1 rows cannot be split into training and test rows");
}
END_TEST

/* ---- limits ---------------------------------------------------------------- */

START_TEST(test_bad_tables)
{
    const csv_options o = classes_of(2, 3);
    refused("", &o, "t.csv:1:1: error: empty file: no rows");
    refused("\n  \n\r\n", &o, "t.csv:1:1: error: empty file: no rows");
    refused("a,b,label\n", &o, "t.csv:1:1: error: a header but no data rows");
    refused("1,2,0\n3,abc,1\n", &o, "t.csv:2:3: error: 'abc' is not a number");
    refused("1,2,0\n3,,1\n", &o, "t.csv:2:3: error: empty field, expected a number");
    refused("1,2,0\nnan,4,1\n", &o, "t.csv:2:1: error: 'nan' is not a finite number a float can hold");
    refused("1,2,0\n3,-inf,1\n", &o, "t.csv:2:3: error: '-inf' is not a finite number a float can hold");
    refused("1,2,0\n3,1e39,1\n", &o, "t.csv:2:3: error: '1e39' is not a finite number a float can hold");
    refused("1,2,0\n3,4\n", &o, "t.csv:2:4: error: 2 fields, expected 3 as on line 1");
    refused("a,b,c\n1,2,0\n3,4,1,9\n", &o, "t.csv:3:7: error: 4 fields, expected 3 as on line 1");
    refused("1,2,3\n", &o, "t.csv:1:5: error: label 3 is not below 3, the number of classes of the network");
    refused("1,2,1.5\n", &o, "t.csv:1:5: error: label 1.5 is not a class number (0, 1, ...) or a name");
    refused("1,2,-1\n", &o, "t.csv:1:5: error: label -1 is not a class number (0, 1, ...) or a name");
    refused("1,2,a\n1,2,b\n1,2,c\n1,2,d\n", &o, "t.csv:4:5: error: class 'd' would be class 3, but the network has 3 outputs");
    refused("1,2,0\n1,2,\"\"\n", &o, "t.csv:2:5: error: empty label");
    refused("1,2,3,0\n", &o, "t.csv:1:1: error: 4 columns less the label make 3 features; the network takes 2 inputs");
    refused("1,2,\"abc\n", &o, "t.csv:1:5: error: a quoted field is not closed on its line");
    refused("1,2,\"abc\" x\n", &o, "t.csv:1:11: error: text after the closing quote of a field");
    static const char nul[] = "1,2,0\n1,2\0,0\n";
    ck_assert_int_eq(csv_parse(&d, nul, sizeof nul - 1, "t.csv", &o, err, sizeof err), -1);
    ck_assert_str_eq(err, "t.csv:2:1: error: a NUL byte: this is not a text file");
    refused("1,2,0\n1,2,\"a\tb\"\n", &o, "t.csv:2:5: error: class name with a control character");
    csv_options r = {.n_in = 1, .n_out = 1, .regression = 1, .classes = &names};
    refused("1,2\n3,x\n", &r, "t.csv:2:3: error: 'x' is not a number");
    refused("1\n", &r, "t.csv:1:1: error: 1 column leave no room for 1 target column and a feature");
}
END_TEST

START_TEST(test_bad_label_flag)
{
    csv_options o = classes_of(2, 3);
    o.label = "species";
    refused("a,b,c\n1,2,0\n", &o, "t.csv: error: --label 'species' is neither a column number (1..3) nor a name in the header");
    refused("1,2,0\n", &o, "t.csv: error: --label 'species' is neither a column number (1..3) nor possible without a header");
    o.label = "4";
    refused("1,2,0\n", &o, "t.csv: error: --label '4' is neither a column number (1..3) nor possible without a header");
    o.label = "1,2";
    refused("1,2,0\n", &o, "t.csv: error: --label names 2 columns; the network needs 1 label column");
    o.label = "1,1";
    refused("1,2,0\n", &o, "t.csv: error: --label names column 1 twice");
    csv_options r = {.n_in = 1, .n_out = 2, .regression = 1, .label = "2", .classes = &names};
    refused("1,2,0\n", &r, "t.csv: error: --label names 1 column; the network needs 2 targets");
}
END_TEST

START_TEST(test_bad_files)
{
    const csv_options o = classes_of(2, 3);
    ck_assert_int_eq(csv_load(&d, "/nonexistent/x.csv", &o, err, sizeof err), -1);
    ck_assert_str_eq(err, "/nonexistent/x.csv: error: cannot open: No such file or directory");
    /* a gzip stream cut short */
    char dir[256], path[512];
    ck_assert_int_eq(tu_mkdtemp(dir, sizeof dir, "constnet-csv-"), 0);
    snprintf(path, sizeof path, "%s/cut.csv.gz", dir);
    gzFile gz = gzopen(path, "wb");
    ck_assert_ptr_nonnull(gz);
    for (int k = 0; k < 2000; ++k)
        gzprintf(gz, "%d,%d,%d\n", k, k * 7 % 13, k % 3);
    gzclose(gz);
    size_t len = 0;
    char *bytes = tu_slurp(path, &len);
    ck_assert_ptr_nonnull(bytes);
    ck_assert_int_eq(tu_write(path, bytes, len / 2), 0);
    ck_assert_int_eq(csv_load(&d, path, &o, err, sizeof err), -1);
    char want[600];
    snprintf(want, sizeof want, "%s: error: cannot read: unexpected end of file", path);
    ck_assert_str_eq(err, want);
    /* the whole file reads, as gzip, whatever its name */
    ck_assert_int_eq(tu_write(path, bytes, len), 0);
    ck_assert_msg(csv_load(&d, path, &o, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(d.n, 2000);
    free(bytes);
    ck_assert_int_eq(tu_rmtree(dir), 0);
    ck_assert(csv_is_csv_name("a.csv") && csv_is_csv_name("dir/a.csv.gz"));
    ck_assert(!csv_is_csv_name(".csv") && !csv_is_csv_name("a.csv.txt") && !csv_is_csv_name("data/mnist"));
}
END_TEST

static Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_iris_as_scikit_learn_ships_it);
    tcase_add_test(core, test_digits_gzip);
    tcase_add_test(core, test_header_names_and_label_names);
    tcase_add_test(core, test_first_row_with_a_class_name_is_data);
    tcase_add_test(core, test_description_then_header);
    tcase_add_test(core, test_label_and_target_columns);
    tcase_add_test(core, test_split_and_normalization);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_add_test(limits, test_bad_tables);
    tcase_add_test(limits, test_bad_label_flag);
    tcase_add_test(limits, test_bad_files);
    suite_add_tcase(s, limits);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(csv_suite());
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
