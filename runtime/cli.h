/* cli.h: the trainer's command line, parsed without global state so that it
 * can be tested and fuzzed like any other input. */
#ifndef CONSTNET_CLI_H
#define CONSTNET_CLI_H

#include <stddef.h>
#include <stdint.h>

typedef enum { CLI_TRAIN, CLI_EVAL, CLI_EXPORT, CLI_PREDICT, CLI_QUANTIZE, CLI_HELP } cli_command;

enum { CLI_MAX_THREADS = 256 };

typedef struct {
    cli_command command;
    double rate;           /* defaults come from the spec */
    unsigned epochs;
    uint64_t seed;
    unsigned threads;      /* train: threads per batch (1..CLI_MAX_THREADS) */
    double validation;     /* fraction of the training set held out */
    const char *data_dir;  /* the strings point into argv or at defaults: an MNIST folder,
                            * a CSV file, or a folder of class folders of images */
    const char *test_path; /* CSV: the test file; NULL: split the --data file */
    double test_split;     /* fraction of a single CSV file or image folder held out for test */
    const char *label;     /* CSV: the label or target columns (csv.h); NULL: the last */
    const char *save_path; /* where training saves the model; NULL: nowhere */
    const char *load_path; /* model to start from (train) or to use (eval, export) */
    const char *out_path;  /* export: the C file to write; quantize: the Lua file */
    unsigned long calibration; /* quantize: training images drawn (with --seed) for the ranges */
    const char *csv_path;  /* train: the per-epoch log; NULL: none */
    const char *checkpoint_path; /* train: checkpoint after every epoch; NULL: none */
    const char *resume_path;     /* train: continue from this checkpoint */
    const char *gallery_path; /* train, eval: PNG of misclassified test digits; NULL: none */
    const char *predictions_path; /* eval: CSV of every test image's outputs; NULL: none */
    const char *symbol;    /* export: the weights object's C name; NULL: <net>_weights */
    char *const *files;    /* predict: the image files */
    int n_files;
    int show;              /* predict: draw each input as ASCII art */
    int quiet, verbose;
} cli_options;

/* Parse argv[1..argc). o must hold the defaults on entry. Returns 0 on
 * success and -1 with a one-line message on a bad flag or value. */
int cli_parse(int argc, char *const *argv, cli_options *o, char *err, size_t errlen);

/* The --help text for a trainer called prog, cut to fit buf[len] like
 * snprintf. Returns the bytes the whole text needs, its final '\0' included,
 * so that a caller can size buf with a first call (buf NULL, len 0). */
size_t cli_usage(const char *prog, const cli_options *defaults, char *buf, size_t len);

#endif
