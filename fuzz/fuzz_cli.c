/* fuzz_cli.c: libFuzzer target for the trainer's flag parser (runtime/cli.c).
 *
 * The input is split on NUL bytes into argv (the first piece is argv[0], the
 * program name; a trailing NUL does not add an empty argument), each piece
 * in its own exact-size allocation so ASan catches any read past a string.
 * cli_parse runs on fixed defaults; then cli_usage renders the help text for
 * the result into a roomy buffer and into a tiny one (truncation).
 * Invariants checked (abort() on violation): the return code is 0 or -1; a
 * failure has a message "WHERE: error: ..."; a success leaves every option
 * in its documented range, predict has its files (a run of argv), and every
 * string option is NULL, its default, or a non-empty string inside argv (the
 * whole argument, or the part after "--flag=").
 * cli.h is still growing: a new field needs no change here (the designated
 * initializer zeroes it), but a renamed or removed one does. */
#include "cli.h"
#include "err.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ARGS = 4096 };

static const char default_dir[] = "data/mnist";
static const char default_save[] = "out/net/net.model";

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_cli: invariant violated: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

/* Does p point into one of the argv strings (terminator included)? */
static int in_argv(const char *p, int argc, char *const *argv)
{
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (p >= argv[i] && p <= argv[i] + n)
            return 1;
    }
    return 0;
}

/* A string option is NULL, its default, or a non-empty string inside argv. */
static void check_path(const char *what, const char *p, const char *dflt, int argc,
                       char *const *argv)
{
    if (p == NULL || p == dflt)
        return;
    if (!in_argv(p, argc, argv))
        die(what, "points outside argv");
    if (p[0] == '\0')
        die(what, "empty string accepted");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *argv[MAX_ARGS + 1];
    int argc = 0;
    size_t start = 0;
    for (size_t i = 0; i <= size && argc < MAX_ARGS; i++) {
        if (i < size && data[i] != '\0')
            continue;
        if (i == size && start == size && argc > 0)
            break; /* trailing NUL: no empty last argument */
        size_t n = i - start;
        char *s = malloc(n + 1);
        if (s == NULL)
            abort();
        memcpy(s, data + start, n);
        s[n] = '\0';
        argv[argc++] = s;
        start = i + 1;
    }
    argv[argc] = NULL;

    cli_options o = {
        .command = CLI_TRAIN,
        .rate = 0.1,
        .epochs = 3,
        .seed = 1,
        .validation = 0.0,
        .data_dir = default_dir,
        .save_path = default_save,
        .load_path = NULL,
        .out_path = NULL,
        .quiet = 0,
    };
    const cli_options defaults = o;
    char err[ERR_MAX];
    err[0] = '\0';
    int rc = cli_parse(argc, argv, &o, err, sizeof err);
    if (rc != 0) {
        if (rc != -1)
            die("return code is neither 0 nor -1", NULL);
        if (err[0] == '\0')
            die("failure without a message", NULL);
        if (strstr(err, ": error: ") == NULL)
            die("message is not 'WHERE: error: PROBLEM'", err);
    } else {
        if (o.command != CLI_TRAIN && o.command != CLI_EVAL && o.command != CLI_EXPORT &&
            o.command != CLI_PREDICT && o.command != CLI_QUANTIZE && o.command != CLI_HELP)
            die("unknown command", NULL);
        if (o.command == CLI_PREDICT && o.n_files < 1)
            die("predict accepted without image files", NULL);
        if (o.n_files < 0 || (o.n_files > 0 && (o.files == NULL || o.files < argv + 1 ||
                                                o.files + o.n_files > argv + argc)))
            die("files/n_files do not lie inside argv", NULL);
        if (o.rate != defaults.rate && !(isfinite(o.rate) && o.rate >= 1e-12 && o.rate <= 1e6))
            die("rate out of range", NULL);
        if (o.epochs != defaults.epochs && !(o.epochs >= 1 && o.epochs <= 1000000))
            die("epochs out of range", NULL);
        if (o.calibration != defaults.calibration && !(o.calibration >= 1 && o.calibration <= 100000000))
            die("calibration out of range", NULL);
        if (o.validation != defaults.validation &&
            !(isfinite(o.validation) && o.validation >= 0.0 && o.validation <= 0.9))
            die("validation out of range", NULL);
        if ((o.quiet != 0 && o.quiet != 1) || (o.verbose != 0 && o.verbose != 1) ||
            (o.show != 0 && o.show != 1))
            die("quiet/verbose/show is not 0 or 1", NULL);
        if (o.quiet && o.verbose)
            die("--quiet and --verbose both accepted", NULL);
        if (o.data_dir == NULL)
            die("data_dir set to NULL", NULL);
        check_path("data_dir", o.data_dir, default_dir, argc, argv);
        check_path("save_path", o.save_path, default_save, argc, argv);
        check_path("load_path", o.load_path, NULL, argc, argv);
        check_path("out_path", o.out_path, NULL, argc, argv);
        check_path("csv_path", o.csv_path, NULL, argc, argv);
        check_path("gallery_path", o.gallery_path, NULL, argc, argv);
    }

    char big[2048], tiny[16];
    const char *prog = argc > 0 ? argv[0] : "trainer";
    cli_usage(prog, &o, big, sizeof big);
    cli_usage(prog, &o, tiny, sizeof tiny);
    if (memchr(big, '\0', sizeof big) == NULL || memchr(tiny, '\0', sizeof tiny) == NULL)
        die("cli_usage left its buffer unterminated", NULL);

    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return 0;
}
