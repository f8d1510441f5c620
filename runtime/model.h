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
 * A file is loaded only when everything in it matches the running network;
 * the caller's params are written only when the whole file is valid. */
#ifndef CONSTNET_MODEL_H
#define CONSTNET_MODEL_H

#include <stddef.h>
#include <stdint.h>

enum {
    MODEL_VERSION = 1,
    MODEL_NAME_MAX = 32,                         /* bytes in the net name */
    MODEL_HEADER_FIXED = 30,                     /* header bytes besides the name */
    MODEL_HEADER_MAX = 30 + 32                   /* largest version-1 header */
};

typedef struct {
    const char *name;        /* net name, 1..MODEL_NAME_MAX bytes */
    uint32_t fingerprint;    /* shape fingerprint */
    unsigned real_size;      /* 4 (float) or 8 (double) */
    unsigned long n_params;  /* number of reals in params */
} model_info;

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
