/* idx.h: read IDX files (the MNIST format), raw or gzip-compressed.
 *
 * An IDX file is: two zero bytes, a type byte, a dimension count, then one
 * big-endian uint32 per dimension, then the payload. Only type 0x08
 * (unsigned byte) is supported. Every function validates its input fully:
 * a header that disagrees with the data, absurd dimensions, truncated or
 * corrupt gzip all give -1 and a one-line message "NAME: error: PROBLEM"
 * (see err.h). Nothing is allocated on the strength of a header alone, and
 * decompressed data is capped at IDX_MAX_BYTES. */
#ifndef CONSTNET_IDX_H
#define CONSTNET_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"

/* Largest file, and largest decompressed image, accepted: 1 GiB. */
#define IDX_MAX_BYTES ((size_t)1 << 30)

typedef struct {
    int ndim;              /* 1..4 */
    uint32_t dims[4];      /* dims[0] = item count */
    size_t count;          /* dims[0] */
    size_t item_size;      /* product of dims[1..ndim-1], 1 if ndim == 1 */
    uint8_t *data;         /* count * item_size bytes, malloc'd; only type 0x08 (unsigned byte) is supported */
} idx_file;

/* Parse an IDX image already in memory; buf may be gzip (magic 1f 8b) or raw.
 * `name` is used in messages. On failure *out is left zeroed. */
int idx_parse(idx_file *out, const uint8_t *buf, size_t len, const char *name, char *err, size_t errlen);

/* Read a file (raw or gzip, detected by content, not by extension) and parse it. */
int idx_load(idx_file *out, const char *path, char *err, size_t errlen);

/* The same, for a file whose items (images) must hold expect_item values
 * each (0: any): gzip data is refused as soon as its header says otherwise,
 * before the rest is decompressed. Files of one dimension (labels) pass. */
int idx_parse_expect(idx_file *out, const uint8_t *buf, size_t len, size_t expect_item, const char *name,
                     char *err, size_t errlen);
int idx_load_expect(idx_file *out, const char *path, size_t expect_item, char *err, size_t errlen);

/* Free the payload; safe on a zeroed struct, sets data NULL. */
void idx_free(idx_file *f);

/* The data set every reader fills (data.h); from IDX files x holds
 * pixel/255.0f and y the labels. */
typedef data_set idx_dataset;

/* Load an image file + label file pair. Images must have ndim >= 2, labels
 * ndim == 1; the counts must agree and every label must be < n_classes
 * (1..256). On failure *out is left zeroed. */
int idx_load_dataset(idx_dataset *out, const char *images_path, const char *labels_path, unsigned n_classes, char *err, size_t errlen);

/* The same for a network of dim inputs (0: any): an image file of another
 * size is refused from its header (see idx_load_expect). */
int idx_load_dataset_dim(idx_dataset *out, const char *images_path, const char *labels_path, unsigned n_classes,
                         size_t dim, char *err, size_t errlen);

/* Load "<dir>/<prefix>-images-idx3-ubyte" and "<dir>/<prefix>-labels-idx1-ubyte"
 * (prefix "train" or "t10k"); for each file, if the plain name does not exist
 * but NAME.gz does, use the .gz. */
int idx_load_mnist(idx_dataset *out, const char *dir, const char *prefix, unsigned n_classes, char *err, size_t errlen);
int idx_load_mnist_dim(idx_dataset *out, const char *dir, const char *prefix, unsigned n_classes, size_t dim,
                       char *err, size_t errlen);

/* data_set_free, under its old name. */
void idx_dataset_free(idx_dataset *d);

#endif
