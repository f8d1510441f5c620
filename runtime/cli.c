/* cli.c: strict parsing of the trainer's flags. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "err.h"

/* The value of --name VALUE or --name=VALUE; advances *i past it. */
static const char *cli_value(int argc, char *const *argv, int *i, const char *name, char *err,
                             size_t errlen)
{
    const char *arg = argv[*i];
    const size_t n = strlen(name);
    if (arg[n] == '=')
        return arg + n + 1;
    if (*i + 1 >= argc) {
        err_set(err, errlen, name, "needs a value; see --help");
        return NULL;
    }
    *i += 1;
    return argv[*i];
}

static int cli_number(const char *s, const char *name, double lo, double hi, double *out,
                      char *err, size_t errlen)
{
    char *end = NULL;
    errno = 0;
    const double v = strtod(s, &end);
    if (s[0] == '\0' || end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return err_set(err, errlen, name, "'%s' is not a number", s);
    if (v < lo || v > hi)
        return err_set(err, errlen, name, "%s is out of range [%g, %g]", s, lo, hi);
    *out = v;
    return 0;
}

static int cli_unsigned(const char *s, const char *name, unsigned long long hi,
                        unsigned long long *out, char *err, size_t errlen)
{
    char *end = NULL;
    errno = 0;
    if (s[0] < '0' || s[0] > '9')
        return err_set(err, errlen, name, "'%s' is not a whole number", s);
    const unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return err_set(err, errlen, name, "'%s' is not a whole number", s);
    if (v > hi)
        return err_set(err, errlen, name, "%s is more than %llu", s, hi);
    *out = v;
    return 0;
}

/* A file name after --name; empty names are refused. */
static int cli_path(int argc, char *const *argv, int *i, const char *name, const char **dest, char *err,
                    size_t errlen)
{
    const char *v = cli_value(argc, argv, i, name, err, errlen);
    if (v == NULL)
        return -1;
    if (v[0] == '\0')
        return err_set(err, errlen, name, "needs a file name");
    *dest = v;
    return 0;
}

/* s is a C identifier of 1..64 characters */
static int cli_is_ident(const char *s)
{
    size_t n = 0;
    for (; s[n]; ++n)
        if (!(s[n] == '_' || (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
              (n > 0 && s[n] >= '0' && s[n] <= '9')))
            return 0;
    return n >= 1 && n <= 64;
}

/* argv[i] is exactly --name or starts with --name= */
static int cli_is(const char *arg, const char *name)
{
    const size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int cli_parse(int argc, char *const *argv, cli_options *o, char *err, size_t errlen)
{
    int i = 1;
    if (i < argc && argv[i][0] != '-') {
        if (strcmp(argv[i], "train") == 0)
            o->command = CLI_TRAIN;
        else if (strcmp(argv[i], "eval") == 0)
            o->command = CLI_EVAL;
        else if (strcmp(argv[i], "export") == 0)
            o->command = CLI_EXPORT;
        else if (strcmp(argv[i], "predict") == 0)
            o->command = CLI_PREDICT;
        else if (strcmp(argv[i], "quantize") == 0)
            o->command = CLI_QUANTIZE;
        else
            return err_set(err, errlen, argv[i], "unknown command (train, eval, export, predict, quantize); see --help");
        ++i;
    }
    int help = 0;
    for (; i < argc; ++i) {
        const char *arg = argv[i];
        const char *v;
        double d = 0.0;
        unsigned long long u = 0;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            help = 1;
        } else if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
            o->quiet = 1;
        } else if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
            o->verbose = 1;
        } else if (strcmp(arg, "--show") == 0) {
            o->show = 1;
        } else if (cli_is(arg, "--checkpoint")) {
            if (cli_path(argc, argv, &i, "--checkpoint", &o->checkpoint_path, err, errlen))
                return -1;
        } else if (cli_is(arg, "--resume")) {
            if (cli_path(argc, argv, &i, "--resume", &o->resume_path, err, errlen))
                return -1;
        } else if (cli_is(arg, "--csv")) {
            if (cli_path(argc, argv, &i, "--csv", &o->csv_path, err, errlen))
                return -1;
        } else if (cli_is(arg, "--gallery")) {
            if (cli_path(argc, argv, &i, "--gallery", &o->gallery_path, err, errlen))
                return -1;
        } else if (cli_is(arg, "--rate")) {
            if (!(v = cli_value(argc, argv, &i, "--rate", err, errlen)))
                return -1;
            if (cli_number(v, "--rate", CKPT_MIN_RATE, CKPT_MAX_RATE, &d, err, errlen))
                return -1;
            o->rate = d;
        } else if (cli_is(arg, "--epochs")) {
            if (!(v = cli_value(argc, argv, &i, "--epochs", err, errlen)))
                return -1;
            if (cli_unsigned(v, "--epochs", CKPT_MAX_EPOCHS, &u, err, errlen))
                return -1;
            if (u == 0)
                return err_set(err, errlen, "--epochs", "must be at least 1");
            o->epochs = (unsigned)u;
        } else if (cli_is(arg, "--threads")) {
            if (!(v = cli_value(argc, argv, &i, "--threads", err, errlen)))
                return -1;
            if (cli_unsigned(v, "--threads", CLI_MAX_THREADS, &u, err, errlen))
                return -1;
            if (u == 0)
                return err_set(err, errlen, "--threads", "must be at least 1");
            o->threads = (unsigned)u;
        } else if (cli_is(arg, "--seed")) {
            if (!(v = cli_value(argc, argv, &i, "--seed", err, errlen)))
                return -1;
            if (cli_unsigned(v, "--seed", UINT64_MAX, &u, err, errlen))
                return -1;
            o->seed = (uint64_t)u;
        } else if (cli_is(arg, "--calibration")) {
            if (!(v = cli_value(argc, argv, &i, "--calibration", err, errlen)))
                return -1;
            if (cli_unsigned(v, "--calibration", 100000000, &u, err, errlen))
                return -1;
            if (u == 0)
                return err_set(err, errlen, "--calibration", "must be at least 1");
            o->calibration = (unsigned long)u;
        } else if (cli_is(arg, "--validation")) {
            if (!(v = cli_value(argc, argv, &i, "--validation", err, errlen)))
                return -1;
            if (cli_number(v, "--validation", 0.0, CKPT_MAX_VALIDATION, &d, err, errlen))
                return -1;
            o->validation = d;
        } else if (cli_is(arg, "--test-split")) {
            if (!(v = cli_value(argc, argv, &i, "--test-split", err, errlen)))
                return -1;
            if (cli_number(v, "--test-split", 0.01, 0.9, &d, err, errlen))
                return -1;
            o->test_split = d;
        } else if (cli_is(arg, "--test")) {
            if (cli_path(argc, argv, &i, "--test", &o->test_path, err, errlen))
                return -1;
        } else if (cli_is(arg, "--label")) {
            if (!(v = cli_value(argc, argv, &i, "--label", err, errlen)))
                return -1;
            if (v[0] == '\0')
                return err_set(err, errlen, "--label", "needs a column number or name");
            o->label = v;
        } else if (cli_is(arg, "--save")) {
            if (cli_path(argc, argv, &i, "--save", &o->save_path, err, errlen))
                return -1;
        } else if (cli_is(arg, "--load")) {
            if (cli_path(argc, argv, &i, "--load", &o->load_path, err, errlen))
                return -1;
        } else if (cli_is(arg, "--out") || cli_is(arg, "-o")) {
            if (cli_path(argc, argv, &i, arg[1] == 'o' ? "-o" : "--out", &o->out_path, err, errlen))
                return -1;
        } else if (strcmp(arg, "--no-save") == 0) {
            o->save_path = NULL;
        } else if (strcmp(arg, "--no-csv") == 0) {
            o->csv_path = NULL;
        } else if (strcmp(arg, "--no-gallery") == 0) {
            o->gallery_path = NULL;
        } else if (cli_is(arg, "--predictions")) {
            if (cli_path(argc, argv, &i, "--predictions", &o->predictions_path, err, errlen))
                return -1;
        } else if (cli_is(arg, "--symbol")) {
            if (!(v = cli_value(argc, argv, &i, "--symbol", err, errlen)))
                return -1;
            if (!cli_is_ident(v))
                return err_set(err, errlen, "--symbol", "'%s' is not a C identifier of 1..64 characters", v);
            o->symbol = v;
        } else if (cli_is(arg, "--data")) {
            if (!(v = cli_value(argc, argv, &i, "--data", err, errlen)))
                return -1;
            if (v[0] == '\0')
                return err_set(err, errlen, "--data", "needs a directory or a CSV file");
            o->data_dir = v;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return err_set(err, errlen, arg, "unknown option; see --help");
        } else if (o->command == CLI_PREDICT) {
            if (o->files == NULL)
                o->files = argv + i;
            else if (o->files + o->n_files != argv + i)
                return err_set(err, errlen, arg, "image files must come together, after the options");
            o->n_files++;
        } else {
            return err_set(err, errlen, arg, "unexpected argument; see --help");
        }
    }
    if (help)
        o->command = CLI_HELP;
    else if (o->command == CLI_PREDICT && o->n_files == 0)
        return err_set(err, errlen, "predict", "needs at least one image file (PGM or PNG) or CSV file");
    if (o->quiet && o->verbose)
        return err_set(err, errlen, "--quiet", "cannot be combined with --verbose");
    if (o->predictions_path && o->command != CLI_EVAL && o->command != CLI_HELP)
        return err_set(err, errlen, "--predictions", "applies only to eval");
    if (o->symbol && o->command != CLI_EXPORT && o->command != CLI_HELP)
        return err_set(err, errlen, "--symbol", "applies only to export");
    return 0;
}

size_t cli_usage(const char *prog, const cli_options *d, char *buf, size_t len)
{
    const int n = snprintf(buf, len,
             "usage: %s [train] [options]           train, evaluate on the test set, save the model\n"
             "       %s eval [--load MODEL]         evaluate a saved model on the test set\n"
             "       %s predict [--show] FILE...    classify PGM or PNG images (any size is resized),\n"
             "                                      or the rows of CSV files (features only)\n"
             "       %s export [--load MODEL]       write the model's weights as C source\n"
             "       %s quantize [--load MODEL]     int8 weights and scales for the int8 C (-o FILE.lua)\n"
             "\n"
             "options:\n"
             "  --epochs N        passes over the training set (default %u)\n"
             "  --rate R          learning rate (default %g)\n"
             "  --seed S          seed for the initial weights and the shuffles (default %llu)\n"
             "  --threads N       threads that split each batch; every count gives the\n"
             "                    same result to the bit (default %u, from the spec)\n"
             "  --validation F    hold out this fraction of the training set and keep the\n"
             "                    epoch that does best on it (default %g)\n"
             "  --data DIR|FILE   folder with the four MNIST IDX files, raw or .gz\n"
             "                    (default %s; MNIST_DIR sets it too); or a CSV\n"
             "                    file (.csv, .csv.gz); or a folder of class folders of\n"
             "                    PNG/PGM images (DIR/<class>/*.png, or DIR/train, DIR/test)\n"
             "  --test FILE       CSV: the test file (default: split off --test-split)\n"
             "  --test-split F    hold out this seeded fraction of a single CSV file or\n"
             "                    image folder as the test set (default 0.2)\n"
             "  --label COLS      CSV: the label column, or the target columns of a\n"
             "                    regression net: numbers from 1 or header names, comma-\n"
             "                    separated (default: the last column, or the last ones)\n"
             "  --save FILE       where training saves the model (default %s)\n"
             "  --no-save         do not save\n"
             "  --load FILE       start from (train) or use (eval, predict, export) a saved\n"
             "                    model (default for eval, predict, export: the --save default)\n"
             "  --csv FILE        per-epoch log (default %s)\n"
             "  --no-csv          write no log\n"
             "  --checkpoint FILE save the whole training state after every epoch\n"
             "  --resume FILE     continue a run from its checkpoint, exactly as if it had\n"
             "                    never stopped (epochs, rate, seed and split come from it)\n"
             "  --gallery FILE    PNG of misclassified test digits (default %s; only for\n"
             "                    28x28 images and up to 10 classes, skipped with a note otherwise)\n"
             "  --no-gallery      draw no gallery\n"
             "  --predictions FILE  eval: write each test image's outputs and prediction as CSV\n"
             "  -o, --out FILE    export: the C file to write (default %s);\n"
             "                    quantize: the Lua file (default NAME_q8.lua beside the program)\n"
             "  --symbol NAME     export: the C name of the weights object (default NAME_weights);\n"
             "                    its header is NAME.h beside the C file\n"
             "  --calibration N   quantize: training images, drawn with --seed, whose\n"
             "                    ranges set the int8 scales (default %lu)\n"
             "  --show            predict: draw each image as ASCII art\n"
             "  -q, --quiet       print only the final accuracy\n"
             "  -v, --verbose     print the rate and timings of each epoch too\n"
             "  -h, --help        show this help\n"
             "\n"
             "On a terminal, a progress bar shows each epoch; in a pipe or a log, only\n"
             "one line per epoch is printed.\n"
             "\n"
             "examples:\n"
             "  %s --epochs 3\n"
             "  %s --rate 0.05 --seed 2 --data tests/data --no-save\n"
             "  %s eval\n"
             "  %s predict --show digit.png\n",
             prog, prog, prog, prog, prog, d->epochs, d->rate, (unsigned long long)d->seed, d->threads, d->validation,
             d->data_dir, d->save_path ? d->save_path : "none", d->csv_path ? d->csv_path : "none",
             d->gallery_path ? d->gallery_path : "none", d->out_path ? d->out_path : "-", d->calibration, prog, prog, prog,
             prog);
    return n < 0 ? 0 : (size_t)n + 1;
}
