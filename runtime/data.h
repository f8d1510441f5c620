/* data.h: the one contract every data reader fills, and what the trainer does
 * with a data set whatever its source: the seeded test split, the input
 * normalization statistics, the summary printed before training.
 *
 * Readers: runtime/idx.c (MNIST IDX files), runtime/csv.c (CSV tables),
 * runtime/imgdir.c (folders of images, one folder per class). Each fills a
 * data_set with n rows of dim floats and either a class label per row (y) or
 * n_targets regression targets per row (t), validated, with every problem
 * reported as one line "FILE[:LINE:COLUMN]: error: PROBLEM" (err.h). Class
 * names, where the data has them (CSV label strings, folder names), go to a
 * data_classes table shared by the training and the test file, so that a name
 * means the same class in both. */
#ifndef CONSTNET_DATA_H
#define CONSTNET_DATA_H

#include <stddef.h>
#include <stdint.h>

enum { DATA_MAX_CLASSES = 256, DATA_NAME_MAX = 64 };

typedef struct data_set {
    size_t n;           /* rows (samples) */
    size_t dim;         /* features per row, e.g. 784 */
    float *x;           /* n * dim features */
    uint8_t *y;         /* classification: n labels; NULL for regression */
    float *t;           /* regression: n * n_targets targets; NULL for classification */
    unsigned n_targets; /* 0 for classification */
} data_set;

/* Free x, y and t; safe on a zeroed struct and on NULL; leaves *d zeroed. */
void data_set_free(data_set *d);

/* Class names in label order: name[k] is the name of label k. */
typedef struct {
    unsigned n;
    char *name[DATA_MAX_CLASSES];
} data_classes;

/* The label of NAME, adding it as the next class when it is new and fewer
 * than max classes are known. -1 when it is new and there is no room (or no
 * memory). */
int data_classes_find(data_classes *c, const char *name, unsigned max);
void data_classes_free(data_classes *c);

/* Split all into train and test: a seeded shuffle of the rows, the first
 * round(frac * n) of them (at least 1, at most n - 1) to test, the rest to
 * train, each keeping the order of the file. all is left untouched. */
int data_split(const data_set *all, double frac, uint64_t seed, data_set *train, data_set *test,
               const char *where, char *err, size_t errlen);

/* Put the rows of d in a seeded random order (labels and targets with them). */
int data_shuffle(data_set *d, uint64_t seed, char *err, size_t errlen);

/* Input normalization: x' = (x - shift[i]) * scale[i]. */
typedef enum { DATA_NORM_NONE, DATA_NORM_STANDARDIZE, DATA_NORM_MINMAX } data_norm_kind;

typedef struct {
    data_norm_kind kind;
    size_t dim;   /* 0 when kind is DATA_NORM_NONE */
    float *shift; /* standardize: the mean; minmax: the minimum */
    float *scale; /* standardize: 1 / standard deviation; minmax: 1 / (max - min); 1 for a constant feature */
} data_norm;

/* The name of a kind: "none", "standardize", "minmax". */
const char *data_norm_name(data_norm_kind kind);

/* Compute the statistics of kind on the rows of d (the training split). */
int data_norm_fit(data_norm *nm, data_norm_kind kind, const data_set *d, char *err, size_t errlen);

/* Normalize n rows of nm->dim features in place. */
void data_norm_apply(const data_norm *nm, float *x, size_t n);

void data_norm_free(data_norm *nm);

/* The summary printed before training: rows, columns, classes and their
 * counts (with names where known), targets, and the normalization. */
void data_summary(const char *what, const data_set *d, const data_classes *names, unsigned n_classes);

#endif
