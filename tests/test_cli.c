/* test_cli.c: the trainer's command line.
 *   core:   every flag in both spellings, defaults kept when absent, help;
 *   limits: unknown flags, missing values, bad numbers, out-of-range values,
 *           each with a message naming the flag. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"

static cli_options defaults(void)
{
    return (cli_options){.command = CLI_TRAIN, .rate = 0.1, .epochs = 3, .seed = 1,
                         .data_dir = "data/mnist", .calibration = 2000};
}

static int parse(cli_options *o, char *err, int argc, char **argv)
{
    *o = defaults();
    return cli_parse(argc, argv, o, err, ERR_MAX);
}

START_TEST(test_flags)
{
    char err[ERR_MAX];
    cli_options o;
    char *a1[] = {"net", "train", "--epochs", "7", "--rate=0.25", "--seed", "18446744073709551615",
                  "--data=tests/data", "-q"};
    ck_assert_int_eq(parse(&o, err, 9, a1), 0);
    ck_assert_uint_eq(o.epochs, 7);
    ck_assert_double_eq(o.rate, 0.25);
    ck_assert_uint_eq(o.seed, UINT64_MAX);
    ck_assert_str_eq(o.data_dir, "tests/data");
    ck_assert_int_eq(o.quiet, 1);
    ck_assert_int_eq(o.command, CLI_TRAIN);

    char *a2[] = {"net"};
    ck_assert_int_eq(parse(&o, err, 1, a2), 0);
    ck_assert_uint_eq(o.epochs, 3);
    ck_assert_double_eq(o.rate, 0.1);
    ck_assert_str_eq(o.data_dir, "data/mnist");

    char *a3[] = {"net", "--help"};
    ck_assert_int_eq(parse(&o, err, 2, a3), 0);
    ck_assert_int_eq(o.command, CLI_HELP);

    char *a4[] = {"net", "eval", "--load", "m.model", "--data", "d"};
    ck_assert_int_eq(parse(&o, err, 6, a4), 0);
    ck_assert_int_eq(o.command, CLI_EVAL);
    ck_assert_str_eq(o.load_path, "m.model");

    char *a5[] = {"net", "export", "--load=m.model", "-o", "w.c"};
    ck_assert_int_eq(parse(&o, err, 5, a5), 0);
    ck_assert_int_eq(o.command, CLI_EXPORT);
    ck_assert_str_eq(o.out_path, "w.c");

    char *a7[] = {"net", "predict", "--show", "a.png", "b.pgm"};
    ck_assert_int_eq(parse(&o, err, 5, a7), 0);
    ck_assert_int_eq(o.command, CLI_PREDICT);
    ck_assert_int_eq(o.n_files, 2);
    ck_assert_str_eq(o.files[1], "b.pgm");
    ck_assert_int_eq(o.show, 1);

    char *a8[] = {"net", "eval", "--gallery", "g.png", "--csv=t.csv", "-v"};
    ck_assert_int_eq(parse(&o, err, 6, a8), 0);
    ck_assert_ptr_null(o.load_path);
    ck_assert_str_eq(o.gallery_path, "g.png");
    ck_assert_str_eq(o.csv_path, "t.csv");
    ck_assert_int_eq(o.verbose, 1);

    char *a9[] = {"net", "eval", "--predictions", "p.csv", "--no-gallery", "--no-csv"};
    ck_assert_int_eq(parse(&o, err, 6, a9), 0);
    ck_assert_str_eq(o.predictions_path, "p.csv");
    ck_assert_ptr_null(o.gallery_path);
    ck_assert_ptr_null(o.csv_path);

    char *a10[] = {"net", "export", "--symbol", "digits_v2", "-o", "v2.c"};
    ck_assert_int_eq(parse(&o, err, 6, a10), 0);
    ck_assert_str_eq(o.symbol, "digits_v2");

    char *a11[] = {"net", "quantize", "--calibration", "500", "--seed=9", "-o", "q.lua"};
    ck_assert_int_eq(parse(&o, err, 7, a11), 0);
    ck_assert_int_eq(o.command, CLI_QUANTIZE);
    ck_assert_uint_eq(o.calibration, 500);
    ck_assert_uint_eq(o.seed, 9);
    ck_assert_str_eq(o.out_path, "q.lua");

    char *a12[] = {"net", "--data", "t.csv.gz", "--test=v.csv", "--test-split", "0.3", "--label", "species"};
    ck_assert_int_eq(parse(&o, err, 8, a12), 0);
    ck_assert_str_eq(o.data_dir, "t.csv.gz");
    ck_assert_str_eq(o.test_path, "v.csv");
    ck_assert_double_eq(o.test_split, 0.3);
    ck_assert_str_eq(o.label, "species");

    char *a6[] = {"net", "--validation", "0.1", "--save", "a.model", "--no-save"};
    ck_assert_int_eq(parse(&o, err, 6, a6), 0);
    ck_assert_double_eq(o.validation, 0.1);
    ck_assert_ptr_null(o.save_path);
}
END_TEST

START_TEST(test_usage_names_every_flag_and_default)
{
    char buf[4096];
    cli_options o = defaults();
    o.save_path = "out/mnist/mnist.model";
    cli_usage("out/mnist/mnist", &o, buf, sizeof buf);
    const char *want[] = {"usage: out/mnist/mnist", "--epochs N", "(default 3)", "--rate R",
                          "(default 0.1)", "--seed S", "--data DIR", "MNIST_DIR", "--quiet",
                          "--validation F", "--save FILE", "(default out/mnist/mnist.model)",
                          "--load FILE", "eval [--load MODEL]", "export [--load MODEL]", "predict [--show] FILE",
                          "quantize [--load MODEL]", "--calibration N", "(default 2000)",
                          "--csv FILE", "--gallery FILE", "--verbose", "--help", "--test FILE",
                          "--test-split F", "--label COLS", "examples:"};
    for (size_t k = 0; k < sizeof want / sizeof *want; ++k)
        ck_assert_msg(strstr(buf, want[k]) != NULL, "usage lacks '%s'", want[k]);
    /* the size it needs, whatever the length of the program's path */
    char prog[300];
    memset(prog, 'd', sizeof prog - 1);
    prog[sizeof prog - 1] = '\0';
    const size_t need = cli_usage(prog, &o, NULL, 0);
    ck_assert_uint_gt(need, sizeof buf);
    char *big = malloc(need);
    ck_assert_ptr_nonnull(big);
    ck_assert_uint_eq(cli_usage(prog, &o, big, need), need);
    ck_assert_uint_eq(strlen(big) + 1, need);
    ck_assert(strstr(big, "predict --show digit.png\n") != NULL);
    free(big);
}
END_TEST

static void refused(int argc, char **argv, const char *want)
{
    char err[ERR_MAX];
    cli_options o;
    ck_assert_int_eq(parse(&o, err, argc, argv), -1);
    ck_assert_msg(strstr(err, want) != NULL, "message '%s' lacks '%s'", err, want);
}

START_TEST(test_bad_flags)
{
    char *a[][3] = {
        {"net", "--epoch", "3"},     {"net", "--rate", "fast"},   {"net", "--rate", "-1"},
        {"net", "--rate", "nan"},    {"net", "--epochs", "0"},    {"net", "--epochs", "2.5"},
        {"net", "--seed", "-4"},     {"net", "--epochs", "1e99"}, {"net", "--rate", "1e999"},
        {"net", "stray", "x"},       {"net", "--data", ""},       {"net", "--epochs", "99999999"},
        {"net", "--calibration", "0"}, {"net", "--calibration", "x"},
    };
    const char *want[] = {
        "--epoch: error: unknown option; see --help", "--rate: error: 'fast' is not a number",
        "--rate: error: -1 is out of range",          "--rate: error: 'nan' is not a number",
        "--epochs: error: must be at least 1",        "--epochs: error: '2.5' is not a whole number",
        "--seed: error: '-4' is not a whole number",  "--epochs: error: '1e99' is not a whole number",
        "--rate: error: '1e999' is not a number",     "stray: error: unknown command",
        "--data: error: needs a directory or a CSV file", "--epochs: error: 99999999 is more than 1000000",
        "--calibration: error: must be at least 1",   "--calibration: error: 'x' is not a whole number",
    };
    for (size_t k = 0; k < sizeof want / sizeof *want; ++k)
        refused(3, a[k], want[k]);
    char *b[] = {"net", "--rate"};
    refused(2, b, "--rate: error: needs a value");
    char *c[][2] = {{"net", "predict"}, {"net", "--csv"}, {"net", "--validation=0.95"}, {"net", "--save="}};
    const char *cwant[] = {"predict: error: needs at least one image file", "--csv: error: needs a value",
                           "--validation: error: 0.95 is out of range", "--save: error: needs a file name"};
    for (size_t k = 0; k < sizeof cwant / sizeof *cwant; ++k)
        refused(2, c[k], cwant[k]);
    char *t[][3] = {{"net", "--test-split", "0"}, {"net", "--test-split", "0.95"}, {"net", "--label", ""},
                    {"net", "--test", ""}};
    const char *twant[] = {"--test-split: error: 0 is out of range [0.01, 0.9]",
                           "--test-split: error: 0.95 is out of range [0.01, 0.9]",
                           "--label: error: needs a column number or name", "--test: error: needs a file name"};
    for (size_t k = 0; k < sizeof twant / sizeof *twant; ++k)
        refused(3, t[k], twant[k]);
    char *d[] = {"net", "train", "extra"};
    refused(3, d, "extra: error: unexpected argument");
    char *e[] = {"net", "predict", "a.png", "--show", "b.png"};
    refused(5, e, "b.png: error: image files must come together");
    char *f[] = {"net", "-q", "-v"};
    refused(3, f, "--quiet: error: cannot be combined with --verbose");
    char *g[] = {"net", "--predictions", "p.csv"};
    refused(3, g, "--predictions: error: applies only to eval");
    char *h[] = {"net", "export", "--symbol", "9lives"};
    refused(4, h, "--symbol: error: '9lives' is not a C identifier of 1..64 characters");
    char *i[] = {"net", "eval", "--symbol", "w"};
    refused(4, i, "--symbol: error: applies only to export");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_flags);
    tcase_add_test(core, test_usage_names_every_flag_and_default);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("limits");
    tcase_add_test(limits, test_bad_flags);
    suite_add_tcase(s, limits);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    const int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
