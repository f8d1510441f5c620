/* fuzz_csv.c: libFuzzer target for the CSV reader (runtime/csv.c).
 *
 * The first byte of an input chooses the options, the rest is the table:
 *   bits 0-2: features the network takes, 1..8
 *   bits 3-4: outputs, 1..4 (classes, or regression targets)
 *   bit 5:    regression
 *   bit 6:    --label: the first column ("1"), or by the name "t1,t2" / "label"
 *   bit 7:    features only (predict), no label column
 * Each input is parsed twice with csv_parse, the second time continuing the
 * class table of the first (the test file after the training file), and
 * once from a scratch file with csv_load, which must give the same verdict,
 * the same rows and the same message (csv_parse is given the file's path as
 * its name). Invariants (abort() on violation): rc is 0 or -1; on failure the
 * data set is zeroed and the message is one line "NAME:LINE:COL: error: ..."
 * or "NAME: error: ..."; on success there is at least one row of exactly the
 * network's features, every value finite, every label below the outputs, and
 * every class name 1..64 bytes without control characters, no name twice. */
#define _GNU_SOURCE /* memmem, mkdtemp */

#include "csv.h"
#include "data.h"
#include "err.h"
#include "scratch.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *table_path; /* NULL: no scratch directory */

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_csv: invariant violated: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (scratch_init("fuzz-csv") == 0)
        table_path = scratch_file("table.csv");
    return 0;
}

static void check_err(const char *err)
{
    scratch_check_message(err, die);
}

static void check_classes(const data_classes *c, unsigned max)
{
    if (c->n > max)
        die("more class names than outputs", NULL);
    for (unsigned k = 0; k < c->n; ++k) {
        const size_t n = strlen(c->name[k]);
        if (n == 0 || n > DATA_NAME_MAX)
            die("class name of a bad length", c->name[k]);
        for (size_t i = 0; i < n; ++i)
            if ((unsigned char)c->name[k][i] < 0x20 || c->name[k][i] == 0x7f)
                die("class name with a control character", NULL);
        for (unsigned j = 0; j < k; ++j)
            if (strcmp(c->name[j], c->name[k]) == 0)
                die("class name twice", c->name[k]);
    }
}

static int checked(data_set *d, const char *text, size_t len, const char *name, const csv_options *o, char *err)
{
    err[0] = '\0';
    memset(d, 0xa5, sizeof *d); /* csv_parse must set every field */
    const int rc = csv_parse(d, text, len, name, o, err, ERR_MAX);
    if (rc != 0) {
        if (rc != -1)
            die("return code is neither 0 nor -1", NULL);
        if (d->n || d->dim || d->x || d->y || d->t || d->n_targets)
            die("data set not zeroed on failure", err);
        check_err(err);
        return rc;
    }
    if (d->n == 0 || d->dim != o->n_in || d->x == NULL)
        die("accepted without rows of the network's features", NULL);
    for (size_t k = 0; k < d->n * d->dim; ++k)
        if (!isfinite(d->x[k]))
            die("a feature is not finite", NULL);
    if (o->no_label) {
        if (d->y || d->t)
            die("labels or targets without a label column", NULL);
    } else if (o->regression) {
        if (d->t == NULL || d->y || d->n_targets != o->n_out)
            die("regression without its targets", NULL);
        for (size_t k = 0; k < d->n * d->n_targets; ++k)
            if (!isfinite(d->t[k]))
                die("a target is not finite", NULL);
    } else {
        if (d->y == NULL || d->t)
            die("classification without labels", NULL);
        for (size_t k = 0; k < d->n; ++k)
            if (d->y[k] >= o->n_out)
                die("a label is not below the outputs", NULL);
    }
    check_classes(o->classes, o->n_out);
    return rc;
}

static int same(const data_set *a, const data_set *b)
{
    if (a->n != b->n || a->dim != b->dim || a->n_targets != b->n_targets)
        return 0;
    if (memcmp(a->x, b->x, a->n * a->dim * sizeof *a->x) != 0)
        return 0;
    if ((a->y == NULL) != (b->y == NULL) || (a->y && memcmp(a->y, b->y, a->n) != 0))
        return 0;
    if ((a->t == NULL) != (b->t == NULL) || (a->t && memcmp(a->t, b->t, a->n * a->n_targets * sizeof *a->t) != 0))
        return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static const char *const labels[4] = {NULL, "1", "t1,t2", "label"};
    const unsigned opt = data[0];
    data_classes names = {0};
    csv_options o = {.n_in = 1 + (opt & 7), .n_out = 1 + ((opt >> 3) & 3), .regression = (opt >> 5) & 1,
                     .no_label = (opt >> 7) & 1, .classes = &names};
    if (opt & 0x40)
        o.label = labels[(opt & 1) ? 1 : (opt & 2) ? 2 : 3];
    const char *text = (const char *)data + 1;
    const size_t len = size - 1;
    const char *name = table_path ? table_path : "fuzz.csv";

    char err[ERR_MAX], err2[ERR_MAX];
    data_set a, b;
    const int rc = checked(&a, text, len, name, &o, err);
    /* the same text again, as the test file: the class table only grows */
    const unsigned before = names.n;
    const int rc2 = checked(&b, text, len, name, &o, err2);
    if (rc == 0 && (rc2 != 0 || !same(&a, &b) || names.n != before))
        die("a table accepted once is read differently the second time", rc2 ? err2 : NULL);
    data_set_free(&b);

    /* from a file: the same verdict, rows and message (unless the bytes are
     * gzip, which csv_load unpacks and csv_parse does not) */
    const int gz = len >= 2 && (unsigned char)text[0] == 0x1f && (unsigned char)text[1] == 0x8b;
    if (table_path && !gz && scratch_write(table_path, (const uint8_t *)text, len) == 0) {
        data_classes names2 = {0};
        csv_options o2 = o;
        o2.classes = &names2;
        char err3[ERR_MAX] = "";
        data_set c;
        const int rc3 = csv_load(&c, table_path, &o2, err3, sizeof err3);
        if (rc3 != rc)
            die("csv_load and csv_parse disagree", rc3 ? err3 : err);
        if (rc != 0 && strcmp(err, err3) != 0) {
            fprintf(stderr, "csv_parse: %s\ncsv_load:  %s\n", err, err3);
            die("csv_load and csv_parse give different messages", NULL);
        }
        if (rc == 0 && !same(&a, &c))
            die("csv_load and csv_parse read different rows", NULL);
        data_set_free(&c);
        data_classes_free(&names2);
    }
    data_set_free(&a);
    data_classes_free(&names);
    return 0;
}
