/* model.h: trained parameters in a small binary file.
 *
 * Layout (every integer little-endian, whatever the host):
 *
 *   offset  size  field
 *        0     8  magic "CNMODEL\0"
 *        8     4  u32 format version (MODEL_VERSION)
 *       12     4  u32 header size: bytes before the payload (30 + name length)
 *       16     1  u8 name length L (1..MODEL_NAME_MAX)
 *       17     L  net name, no NUL
 *     17+L     4  u32 shape fingerprint (train_net.fingerprint)
 *     21+L     1  u8 dtype: 1 = float32, 2 = float64
 *     22+L     8  u64 parameter count N
 *     30+L   N*s  payload: N reals, little-endian IEEE 754 (s = 4 or 8)
 *   30+L+N*s   4  u32 CRC-32 (zlib's crc32) of every byte before it
 *
 * Version 2 adds what the network needs besides its parameters (the input
 * normalization and the class names, model_meta) and is written only when
 * there is such a thing to keep; version 1 files load as before, with no
 * meta. In version 2 the header is 4 bytes longer (34 + L):
 *
 *     30+L     4  u32 meta size M
 *     34+L   N*s  payload, as above
 *   34+L+N*s   M  meta:  u8 normalization (0 none, 1 standardize, 2 minmax)
 *                        u32 D, the values per statistic (0 with none)
 *                        D f32 shift, D f32 scale (x' = (x - shift) * scale)
 *                        u16 class names K (0..256), then each name as
 *                        u8 length (1..64) and its bytes (no control characters)
 *   then the u32 CRC-32 of every byte before it.
 *
 * A file is loaded only when everything in it matches the running network;
 * the caller's params are written only when the whole file is valid. */
#ifndef CONSTNET_MODEL_H
#define CONSTNET_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"

enum {
    MODEL_VERSION = 2,                           /* the newest version read and written */
    MODEL_NAME_MAX = 32,                         /* bytes in the net name */
    MODEL_HEADER_FIXED = 30,                     /* version-1 header bytes besides the name */
    MODEL_HEADER_MAX = 34 + 32                   /* largest header (version 2) */
};

typedef struct {
    const char *name;        /* net name, 1..MODEL_NAME_MAX bytes */
    uint32_t fingerprint;    /* shape fingerprint */
    unsigned real_size;      /* 4 (float) or 8 (double) */
    unsigned long n_params;  /* number of reals in params */
} model_info;

/* What a model keeps besides its parameters. */
typedef struct {
    data_norm norm;       /* the input normalization; kind DATA_NORM_NONE: none */
    data_classes classes; /* class names; n = 0: none */
} model_meta;

void model_meta_free(model_meta *m);

/* model_save with meta (NULL, or one with nothing in it: a version-1 file). */
int model_save_meta(const char *path, const model_info *info, const void *params, const model_meta *meta,
                    char *err, size_t errlen);

/* model_load and model_parse that also fill *meta (allocated; free it with
 * model_meta_free) when meta is not NULL; a version-1 file gives an empty
 * meta. With meta NULL, a version-2 file's meta is checked and dropped. */
int model_load_meta(const char *path, const model_info *info, void *params, model_meta *meta, char *err,
                    size_t errlen);
int model_parse_meta(const uint8_t *buf, size_t len, const char *name, const model_info *info, void *params,
                     model_meta *meta, char *err, size_t errlen);

/* Write params (n_params reals of real_size bytes, host layout) to path
 * atomically: write PATH.tmp.<pid>, fflush, fsync, fclose, then rename over
 * path. The temporary file is removed on any failure. */
int model_save(const char *path, const model_info *info, const void *params, char *err,
               size_t errlen);

/* Read path into params (caller-allocated, n_params * real_size bytes) after
 * checking that magic, version, name, fingerprint, dtype, parameter count,
 * file size and CRC all match info. params is untouched on failure. */
int model_load(const char *path, const model_info *info, void *params, char *err,
               size_t errlen);

/* The same checks on a whole file held in memory; name is used in messages. */
int model_parse(const uint8_t *buf, size_t len, const char *name, const model_info *info,
                void *params, char *err, size_t errlen);

#endif
