/* csv.h: read a CSV table (plain or gzip) into a data set (data.h).
 *
 * The format: one row per line (LF or CRLF), fields separated by commas,
 * spaces and tabs around a field ignored, a field may be quoted ("a, b",
 * with "" for a quote inside; no line breaks inside quotes). Blank lines are
 * skipped. Every row has as many fields as the first.
 *
 * The first line is read one of three ways:
 *   - every field a number: it is the first data row;
 *   - two whole numbers N, F followed by at least one name (or empty field),
 *     in a file of N data rows after it (a header may follow it): a
 *     description line, as scikit-learn's tables start
 *     ("150,4,setosa,versicolor,virginica"); its names become the class
 *     names of labels 0, 1, ... (F, the feature count, is not checked: the
 *     columns the network reads are checked against its input instead);
 *   - anything else with a field that is not a number: a header, whose names
 *     --label can use.
 *
 * Which columns are the label (classification) or the targets (regression,
 * n_out of them) is set by CSV_OPTIONS.label: a comma-separated list of
 * column numbers (from 1) or header names; by default the last column, or the
 * last n_out columns. Every other column is a feature, in file order. A
 * label is a class number below n_out, or a class name: names get numbers in
 * order of first appearance, continuing the table in classes (so that the
 * test file maps names as the training file did).
 *
 * Every problem is reported as "FILE:LINE:COLUMN: error: PROBLEM" (COLUMN
 * counts bytes from 1, at the start of the field): a field that is not a
 * number, NaN or infinity, a wrong field count, an empty file, a label
 * outside the network's classes, a feature count that does not match the
 * network's input. On failure *out is left zeroed. */
#ifndef CONSTNET_CSV_H
#define CONSTNET_CSV_H

#include <stddef.h>

#include "data.h"

/* Largest file accepted, after decompression: 1 GiB. */
#define CSV_MAX_BYTES ((size_t)1 << 30)

typedef struct {
    unsigned n_in;          /* features each row must have */
    unsigned n_out;         /* classification: the classes; regression: the targets */
    int regression;         /* targets instead of a label */
    int no_label;           /* predict: rows of features only, or features and the label or
                             * targets (as --label picks them), which are then skipped */
    const char *label;      /* label or target columns (see above); NULL: the last */
    data_classes *classes;  /* class names, extended by new names; must not be NULL */
} csv_options;

/* Parse a whole CSV text of len bytes; name is used in messages. */
int csv_parse(data_set *out, const char *buf, size_t len, const char *name, const csv_options *o, char *err,
              size_t errlen);

/* Read path (raw or gzip, by content) and parse it. */
int csv_load(data_set *out, const char *path, const csv_options *o, char *err, size_t errlen);

/* 1 when path names a CSV file: it ends in .csv or .csv.gz. */
int csv_is_csv_name(const char *path);

#endif
