/* idx.c: IDX (MNIST) reader, raw or gzip (see idx.h). */
#define _POSIX_C_SOURCE 200809L
#define ZLIB_CONST
#include "idx.h"

#include "err.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

enum { IDX_TYPE_UBYTE = 0x08 };

/* a * b without overflow; returns 0 and leaves *r alone if it would overflow. */
static int mul_ok(size_t a, size_t b, size_t *r)
{
    if (b != 0 && a > SIZE_MAX / b)
        return 0;
    *r = a * b;
    return 1;
}

static int oom(const char *name, size_t n, char *err, size_t errlen)
{
    return err_set(err, errlen, name, "out of memory allocating %zu bytes", n);
}

/* The total size, header included, that the IDX header at the start of buf
 * promises: 1 with *total set, 0 when more bytes are needed to tell, -1 when
 * the header is malformed or overflows (the full parse says why). */
static int header_total(const uint8_t *buf, size_t len, size_t *total)
{
    if (len < 4)
        return 0;
    if (buf[0] != 0 || buf[1] != 0 || buf[3] < 1 || buf[3] > 4)
        return -1;
    const size_t hdr = 4 + 4 * (size_t)buf[3];
    if (len < hdr)
        return 0;
    size_t n = 1;
    for (size_t i = 0; i < buf[3]; ++i)
        if (!mul_ok(n, ((size_t)buf[4 + 4 * i] << 24) | ((size_t)buf[5 + 4 * i] << 16) |
                           ((size_t)buf[6 + 4 * i] << 8) | buf[7 + 4 * i], &n))
            return -1;
    if (n > SIZE_MAX - hdr)
        return -1;
    *total = hdr + n;
    return 1;
}

/* The values per item of a well-formed IDX header at buf (its dimensions
 * after the first multiplied; header_total has checked it). */
static size_t header_item(const uint8_t *buf)
{
    size_t n = 1;
    for (size_t i = 1; i < buf[3]; ++i)
        n *= ((size_t)buf[4 + 4 * i] << 24) | ((size_t)buf[5 + 4 * i] << 16) | ((size_t)buf[6 + 4 * i] << 8) |
             buf[7 + 4 * i];
    return n;
}

/* Inflate a gzip image (one or more members) into a fresh buffer of at most
 * `limit` bytes. As soon as the IDX header is out, the size it promises is
 * checked against limit, so a small file that promises gigabytes (a "gzip
 * bomb") is refused after a few bytes, not after inflating them. The buffer starts near 4x the input and doubles, never past
 * limit + 1 (the extra byte detects a stream that goes over the limit). */
static int gunzip(uint8_t **out, size_t *outlen, const uint8_t *buf, size_t len,
                  size_t limit, size_t expect_item, const char *name, char *err, size_t errlen)
{
    *out = NULL;
    *outlen = 0;

    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int zr = inflateInit2(&zs, 16 + MAX_WBITS);
    if (zr != Z_OK)
        return err_set(err, errlen, name, "cannot initialise zlib (code %d)", zr);

    size_t cap = (len > limit / 4) ? limit + 1 : len * 4;
    if (cap < 4096)
        cap = 4096;
    uint8_t *dst = malloc(cap);
    if (dst == NULL) {
        inflateEnd(&zs);
        return oom(name, cap, err, errlen);
    }

    size_t have = 0;
    int header = 0;             /* 1 once the header's promise was checked */
    size_t in_left = len;       /* input not yet handed to zlib */
    const uint8_t *in = buf;
    int rc = -1;

    for (;;) {
        if (zs.avail_in == 0 && in_left > 0) {
            size_t chunk = in_left > UINT_MAX ? UINT_MAX : in_left;
            zs.next_in = in;
            zs.avail_in = (uInt)chunk;
            in += chunk;
            in_left -= chunk;
        }
        if (have == cap) {
            if (cap > limit) {
                err_set(err, errlen, name,
                        "decompressed data exceeds the %zu-byte (1 GiB) limit", limit);
                goto done;
            }
            size_t ncap = (cap > (limit + 1) / 2) ? limit + 1 : cap * 2;
            uint8_t *p = realloc(dst, ncap);
            if (p == NULL) {
                oom(name, ncap, err, errlen);
                goto done;
            }
            dst = p;
            cap = ncap;
        }
        size_t room = cap - have;
        if (room > UINT_MAX)
            room = UINT_MAX;
        zs.next_out = dst + have;
        /* the header first, alone, so that its promise is checked before more */
        if (!header && room > 64)
            room = 64;
        zs.avail_out = (uInt)room;
        zr = inflate(&zs, Z_NO_FLUSH);
        have += room - zs.avail_out;
        size_t promised = 0;
        const int told = header ? 0 : header_total(dst, have, &promised);
        if (told != 0)
            header = 1; /* checked, or malformed: the full parse will say why */
        if (told == 1) {
            if (promised > limit) {
                err_set(err, errlen, name,
                        "IDX header promises %zu bytes, more than the %zu-byte (1 GiB) limit; "
                        "refused before decompressing the rest", promised, limit);
                goto done;
            }
            const size_t item = header_item(dst);
            if (expect_item != 0 && dst[3] >= 2 && item != expect_item) {
                err_set(err, errlen, name,
                        "images of %zu values each, the network takes %zu; refused before "
                        "decompressing the rest", item, expect_item);
                goto done;
            }
        }
        if (have > limit) {
            err_set(err, errlen, name,
                    "decompressed data exceeds the %zu-byte (1 GiB) limit", limit);
            goto done;
        }
        size_t consumed = len - in_left - zs.avail_in;
        if (zr == Z_STREAM_END) {
            size_t rest = len - consumed;
            if (rest == 0)
                break;
            /* Another gzip member follows (as `cat a.gz b.gz` makes)? */
            if (rest >= 2 && buf[consumed] == 0x1f && buf[consumed + 1] == 0x8b) {
                if (inflateReset(&zs) != Z_OK) {
                    err_set(err, errlen, name, "cannot reset zlib stream");
                    goto done;
                }
                continue;
            }
            err_set(err, errlen, name,
                    "%zu bytes of trailing garbage after the gzip data (at offset %zu)",
                    rest, consumed);
            goto done;
        }
        if (zr == Z_OK)
            continue;
        if (zr == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0) {
            err_set(err, errlen, name,
                    "gzip data is truncated: input ends after %zu bytes with the stream "
                    "unfinished (%zu bytes decompressed)", len, have);
            goto done;
        }
        if (zr == Z_BUF_ERROR)
            continue; /* no progress this call but more input or room remains */
        if (zr == Z_DATA_ERROR) {
            err_set(err, errlen, name, "corrupt gzip data near compressed byte %zu: %s",
                    consumed, zs.msg ? zs.msg : "invalid data");
            goto done;
        }
        if (zr == Z_MEM_ERROR) {
            err_set(err, errlen, name, "out of memory while decompressing gzip data");
            goto done;
        }
        err_set(err, errlen, name, "zlib inflate failed (code %d%s%s)", zr,
                zs.msg ? ": " : "", zs.msg ? zs.msg : "");
        goto done;
    }

    *out = dst;
    *outlen = have;
    dst = NULL;
    rc = 0;
done:
    inflateEnd(&zs);
    free(dst);
    return rc;
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Validate a raw IDX image and fill h (all but data); *hdrlen gets the header
 * size. `what` names the bytes in messages: "file" or "decompressed data". */
static int parse_header(idx_file *h, size_t *hdrlen, const uint8_t *buf, size_t len,
                        const char *what, const char *name, char *err, size_t errlen)
{
    if (len < 4)
        return err_set(err, errlen, name,
                       "%s is %zu bytes, truncated: too short for an IDX header (4 bytes at least)",
                       what, len);
    if (buf[0] != 0 || buf[1] != 0)
        return err_set(err, errlen, name,
                       "bad magic bytes 0x%02x 0x%02x (expected 0x00 0x00): not an IDX file",
                       buf[0], buf[1]);
    if (buf[2] != IDX_TYPE_UBYTE)
        return err_set(err, errlen, name,
                       "unsupported data type 0x%02x (only 0x08, unsigned byte, is supported)",
                       buf[2]);
    int ndim = buf[3];
    if (ndim < 1 || ndim > 4)
        return err_set(err, errlen, name, "number of dimensions is %d, expected 1..4", ndim);

    size_t hdr = 4 + 4 * (size_t)ndim;
    if (len < hdr)
        return err_set(err, errlen, name,
                       "%s is %zu bytes, truncated inside the %zu-byte header", what, len, hdr);

    h->ndim = ndim;
    for (int i = 0; i < ndim; i++) {
        h->dims[i] = be32(buf + 4 + 4 * i);
        if (h->dims[i] == 0)
            return err_set(err, errlen, name, "dimension %d of %d is 0", i + 1, ndim);
    }

    char shape[64];
    int off = 0;
    for (int i = 0; i < ndim; i++)
        off += snprintf(shape + off, sizeof shape - (size_t)off, "%s%lu", i ? " x " : "",
                        (unsigned long)h->dims[i]);

    size_t item = 1;
    for (int i = 1; i < ndim; i++)
        if (!mul_ok(item, h->dims[i], &item))
            return err_set(err, errlen, name, "dimensions %s are absurd: their product overflows",
                           shape);
    size_t payload, total;
    if (!mul_ok(item, h->dims[0], &payload) || payload > SIZE_MAX - hdr)
        return err_set(err, errlen, name, "dimensions %s are absurd: their product overflows",
                       shape);
    total = hdr + payload;

    if (len < total)
        return err_set(err, errlen, name,
                       "%s is %zu bytes, header promises %zu (%s): truncated, %zu bytes missing",
                       what, len, total, shape, total - len);
    if (len > total)
        return err_set(err, errlen, name,
                       "%s is %zu bytes, header promises %zu (%s): %zu trailing bytes",
                       what, len, total, shape, len - total);

    h->count = h->dims[0];
    h->item_size = item;
    *hdrlen = hdr;
    return 0;
}

int idx_parse(idx_file *out, const uint8_t *buf, size_t len, const char *name, char *err, size_t errlen)
{
    return idx_parse_expect(out, buf, len, 0, name, err, errlen);
}

int idx_parse_expect(idx_file *out, const uint8_t *buf, size_t len, size_t expect_item, const char *name,
                     char *err, size_t errlen)
{
    if (out == NULL)
        return err_set(err, errlen, name, "idx_parse: no output struct");
    memset(out, 0, sizeof *out);
    if (name == NULL)
        name = "idx";
    if (buf == NULL && len > 0)
        return err_set(err, errlen, name, "idx_parse: NULL buffer of %zu bytes", len);

    idx_file h;
    memset(&h, 0, sizeof h);
    size_t hdr = 0;

    if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) {
        uint8_t *raw;
        size_t rawlen;
        if (gunzip(&raw, &rawlen, buf, len, IDX_MAX_BYTES, expect_item, name, err, errlen) != 0)
            return -1;
        if (parse_header(&h, &hdr, raw, rawlen, "decompressed data", name, err, errlen) != 0) {
            free(raw);
            return -1;
        }
        size_t n = rawlen - hdr;
        memmove(raw, raw + hdr, n);
        uint8_t *shrunk = realloc(raw, n);
        h.data = shrunk ? shrunk : raw;
    } else {
        if (parse_header(&h, &hdr, buf, len, "file", name, err, errlen) != 0)
            return -1;
        size_t n = len - hdr;
        h.data = malloc(n);
        if (h.data == NULL)
            return oom(name, n, err, errlen);
        memcpy(h.data, buf + hdr, n);
    }
    *out = h;
    return 0;
}

/* Read a whole file into a malloc'd buffer, at most `limit` bytes. */
static int read_file(uint8_t **out, size_t *outlen, const char *path, size_t limit,
                     char *err, size_t errlen)
{
    *out = NULL;
    *outlen = 0;
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return err_set(err, errlen, path, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(fp);
        return err_set(err, errlen, path, "is a folder, not an IDX file");
    }

    /* The size, where the file can tell us, is only a first guess. */
    size_t cap = 65536;
    if (fseek(fp, 0, SEEK_END) == 0) {
        long sz = ftell(fp);
        if (sz >= 0 && (unsigned long)sz > limit) {
            fclose(fp);
            return err_set(err, errlen, path, "file is %ld bytes, larger than the %zu-byte (1 GiB) limit",
                           sz, limit);
        }
        if (sz >= 0)
            cap = (size_t)sz + 1;
    }
    if (fseek(fp, 0, SEEK_SET) != 0)
        clearerr(fp); /* not seekable: just read from where we are */

    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        fclose(fp);
        return oom(path, cap, err, errlen);
    }
    size_t have = 0;
    for (;;) {
        if (have == cap) {
            if (cap > limit) {
                err_set(err, errlen, path, "file is larger than the %zu-byte (1 GiB) limit", limit);
                goto fail;
            }
            size_t ncap = (cap > (limit + 1) / 2) ? limit + 1 : cap * 2;
            uint8_t *p = realloc(buf, ncap);
            if (p == NULL) {
                oom(path, ncap, err, errlen);
                goto fail;
            }
            buf = p;
            cap = ncap;
        }
        size_t want = cap - have;
        errno = 0;
        size_t got = fread(buf + have, 1, want, fp);
        have += got;
        if (got < want) {
            if (ferror(fp)) {
                err_set(err, errlen, path, "read error after %zu bytes: %s", have,
                        errno ? strerror(errno) : "I/O error");
                goto fail;
            }
            break; /* EOF */
        }
    }
    if (have > limit) {
        err_set(err, errlen, path, "file is larger than the %zu-byte (1 GiB) limit", limit);
        goto fail;
    }
    fclose(fp);
    *out = buf;
    *outlen = have;
    return 0;
fail:
    fclose(fp);
    free(buf);
    return -1;
}

int idx_load(idx_file *out, const char *path, char *err, size_t errlen)
{
    return idx_load_expect(out, path, 0, err, errlen);
}

int idx_load_expect(idx_file *out, const char *path, size_t expect_item, char *err, size_t errlen)
{
    if (out == NULL || path == NULL)
        return err_set(err, errlen, path, "idx_load: NULL argument");
    memset(out, 0, sizeof *out);
    uint8_t *buf;
    size_t len;
    if (read_file(&buf, &len, path, IDX_MAX_BYTES, err, errlen) != 0)
        return -1;
    int rc = idx_parse_expect(out, buf, len, expect_item, path, err, errlen);
    free(buf);
    return rc;
}

void idx_free(idx_file *f)
{
    if (f == NULL)
        return;
    free(f->data);
    f->data = NULL;
}

int idx_load_dataset(idx_dataset *out, const char *images_path, const char *labels_path,
                     unsigned n_classes, char *err, size_t errlen)
{
    return idx_load_dataset_dim(out, images_path, labels_path, n_classes, 0, err, errlen);
}

int idx_load_dataset_dim(idx_dataset *out, const char *images_path, const char *labels_path,
                         unsigned n_classes, size_t dim, char *err, size_t errlen)
{
    if (out == NULL || images_path == NULL || labels_path == NULL)
        return err_set(err, errlen, images_path, "idx_load_dataset: NULL argument");
    memset(out, 0, sizeof *out);
    if (n_classes < 1 || n_classes > 256)
        return err_set(err, errlen, labels_path, "n_classes is %u, expected 1..256", n_classes);

    idx_file im, lb;
    memset(&im, 0, sizeof im);
    memset(&lb, 0, sizeof lb);
    int rc = -1;

    if (idx_load_expect(&im, images_path, dim, err, errlen) != 0)
        goto done;
    if (im.ndim < 2) {
        err_set(err, errlen, images_path,
                "image file has %d dimension, expected at least 2 (count x pixels)", im.ndim);
        goto done;
    }
    if (idx_load(&lb, labels_path, err, errlen) != 0)
        goto done;
    if (lb.ndim != 1) {
        err_set(err, errlen, labels_path, "label file has %d dimensions, expected 1", lb.ndim);
        goto done;
    }
    if (lb.count != im.count) {
        err_set(err, errlen, labels_path, "count mismatch: %zu labels, but %s has %zu images",
                lb.count, images_path, im.count);
        goto done;
    }
    for (size_t i = 0; i < lb.count; i++) {
        if (lb.data[i] >= n_classes) {
            err_set(err, errlen, labels_path,
                    "label %u at index %zu is out of range (n_classes = %u)",
                    (unsigned)lb.data[i], i, n_classes);
            goto done;
        }
    }

    size_t nx, bytes;
    if (!mul_ok(im.count, im.item_size, &nx) || !mul_ok(nx, sizeof(float), &bytes)) {
        err_set(err, errlen, images_path, "%zu images of %zu pixels do not fit in memory",
                im.count, im.item_size);
        goto done;
    }
    float *x = malloc(bytes);
    if (x == NULL) {
        oom(images_path, bytes, err, errlen);
        goto done;
    }
    float lut[256];
    for (int v = 0; v < 256; v++)
        lut[v] = (float)v / 255.0f;
    for (size_t i = 0; i < nx; i++)
        x[i] = lut[im.data[i]];

    out->n = im.count;
    out->dim = im.item_size;
    out->x = x;
    out->y = lb.data; /* exactly n bytes: adopt it */
    lb.data = NULL;
    rc = 0;
done:
    idx_free(&im);
    idx_free(&lb);
    return rc;
}

/* "<dir>/<prefix>-<kind>", or the same + ".gz" if only that exists. */
static char *mnist_path(const char *dir, const char *prefix, const char *kind,
                        char *err, size_t errlen)
{
    size_t n = strlen(dir) + 1 + strlen(prefix) + 1 + strlen(kind) + 3 + 1;
    char *path = malloc(n);
    if (path == NULL) {
        oom(dir, n, err, errlen);
        return NULL;
    }
    snprintf(path, n, "%s/%s-%s", dir, prefix, kind);

    FILE *fp = fopen(path, "rb");
    if (fp != NULL) {
        fclose(fp);
        return path;
    }
    if (errno != ENOENT)
        return path; /* exists but unreadable: let idx_load say why */
    size_t plain = strlen(path);
    memcpy(path + plain, ".gz", 4);
    fp = fopen(path, "rb");
    if (fp != NULL) {
        fclose(fp);
        return path;
    }
    int e = errno;
    if (e == ENOENT) {
        path[plain] = '\0';
        err_set(err, errlen, path, "cannot open: %s (and no %s.gz either)", strerror(ENOENT), path);
        free(path);
        return NULL;
    }
    return path; /* the .gz exists but is unreadable: let idx_load say why */
}

int idx_load_mnist(idx_dataset *out, const char *dir, const char *prefix, unsigned n_classes,
                   char *err, size_t errlen)
{
    return idx_load_mnist_dim(out, dir, prefix, n_classes, 0, err, errlen);
}

int idx_load_mnist_dim(idx_dataset *out, const char *dir, const char *prefix, unsigned n_classes, size_t dim,
                       char *err, size_t errlen)
{
    if (out == NULL || dir == NULL || prefix == NULL)
        return err_set(err, errlen, dir, "idx_load_mnist: NULL argument");
    memset(out, 0, sizeof *out);
    char *images = mnist_path(dir, prefix, "images-idx3-ubyte", err, errlen);
    if (images == NULL)
        return -1;
    char *labels = mnist_path(dir, prefix, "labels-idx1-ubyte", err, errlen);
    if (labels == NULL) {
        free(images);
        return -1;
    }
    int rc = idx_load_dataset_dim(out, images, labels, n_classes, dim, err, errlen);
    free(images);
    free(labels);
    return rc;
}

void idx_dataset_free(idx_dataset *d)
{
    data_set_free(d);
}
