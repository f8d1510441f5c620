/* model.c: save and load trained parameters (format in model.h). */
#define _POSIX_C_SOURCE 200809L

#include "model.h"
#include "atomic.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

_Static_assert(sizeof(float) == 4 && sizeof(double) == 8, "float/double are not 32/64-bit");
_Static_assert(CHAR_BIT == 8, "bytes are not 8 bits");

static const uint8_t model_magic[8] = {'C', 'N', 'M', 'O', 'D', 'E', 'L', '\0'};

/* ---- little-endian bytes -------------------------------------------------- */

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* zlib's crc32 takes a uInt length; feed it in pieces. */
static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t n)
{
    while (n > 0) {
        uInt k = n > 0x40000000u ? 0x40000000u : (uInt)n;
        crc = (uint32_t)crc32(crc, p, k);
        p += k;
        n -= k;
    }
    return crc;
}

/* Encode reals [0, n) of params (host layout) as little-endian bytes. */
static void encode_reals(uint8_t *out, const void *params, size_t first, size_t n,
                         unsigned real_size)
{
    const uint8_t *src = (const uint8_t *)params + first * real_size;
    for (size_t i = 0; i < n; i++, src += real_size, out += real_size) {
        if (real_size == 4) {
            uint32_t u;
            memcpy(&u, src, 4);
            put_u32(out, u);
        } else {
            uint64_t u;
            memcpy(&u, src, 8);
            put_u64(out, u);
        }
    }
}

static void decode_reals(void *params, const uint8_t *in, size_t n, unsigned real_size)
{
    uint8_t *dst = params;
    for (size_t i = 0; i < n; i++, dst += real_size, in += real_size) {
        if (real_size == 4) {
            uint32_t u = get_u32(in);
            memcpy(dst, &u, 4);
        } else {
            uint64_t u = get_u64(in);
            memcpy(dst, &u, 8);
        }
    }
}

/* ---- layout ---------------------------------------------------------------- */

typedef struct {
    size_t name_len;
    size_t header;  /* bytes before the payload */
    size_t payload; /* n_params * real_size */
    size_t meta;    /* version 2: the meta bytes after the payload */
    size_t total;   /* the whole file, CRC included */
    unsigned version;
} layout;

/* Largest meta section: statistics for 2^20 inputs and 256 names, with room. */
#define MODEL_META_MAX ((size_t)16 << 20)

static const char *dtype_name(unsigned dtype)
{
    return dtype == 1 ? "float32" : "float64";
}

/* Check info itself and work out the size of the file it describes. */
static int info_layout(const model_info *info, const char *where, layout *lo, char *err,
                       size_t errlen)
{
    if (info == NULL || info->name == NULL)
        return err_set(err, errlen, where, "invalid model_info: no net name");
    size_t len = strlen(info->name);
    if (len == 0 || len > MODEL_NAME_MAX)
        return err_set(err, errlen, where,
                       "invalid model_info: net name is %zu bytes, must be 1..%d", len,
                       MODEL_NAME_MAX);
    if (info->real_size != 4 && info->real_size != 8)
        return err_set(err, errlen, where, "invalid model_info: real size %u, must be 4 or 8",
                       info->real_size);
    lo->name_len = len;
    lo->header = MODEL_HEADER_FIXED + len;
    if (info->n_params > (SIZE_MAX - lo->header - 4) / info->real_size)
        return err_set(err, errlen, where, "invalid model_info: %lu parameters is too many",
                       info->n_params);
    lo->payload = (size_t)info->n_params * info->real_size;
    lo->meta = 0;
    lo->version = 1;
    lo->total = lo->header + lo->payload + 4;
    return 0;
}

/* The file's net name, made safe to quote in a message. */
static void printable_name(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\'') ? (char)p[i] : '?';
    out[n] = '\0';
}

/* Check every byte before the payload against info, then the file size.
 * buf holds the first `avail` bytes of a file of `file_len` bytes, where
 * avail >= min(file_len, MODEL_HEADER_MAX). */
static int check_front(const uint8_t *buf, size_t avail, size_t file_len, const char *where,
                       const model_info *info, layout *lo, char *err, size_t errlen)
{
    if (info_layout(info, where, lo, err, errlen) != 0)
        return -1;
    if (avail < file_len && avail < MODEL_HEADER_MAX)
        return err_set(err, errlen, where, "internal error: header buffer too short");

    if (file_len == 0)
        goto truncated;
    if (file_len < sizeof model_magic) {
        if (memcmp(buf, model_magic, file_len) != 0)
            return err_set(err, errlen, where, "not a constnet model file");
        goto truncated;
    }
    if (memcmp(buf, model_magic, sizeof model_magic) != 0)
        return err_set(err, errlen, where, "not a constnet model file");

    size_t off = 8;
    if (file_len < off + 4)
        goto truncated;
    uint32_t version = get_u32(buf + off);
    off += 4;
    if (version > MODEL_VERSION)
        return err_set(err, errlen, where,
                       "format version %" PRIu32 " is newer than this program's %d", version,
                       MODEL_VERSION);
    if (version == 0)
        return err_set(err, errlen, where, "corrupt: format version 0");

    if (file_len < off + 4 + 1)
        goto truncated;
    uint32_t header = get_u32(buf + off);
    unsigned name_len = buf[off + 4];
    off += 5;
    if (name_len == 0 || name_len > MODEL_NAME_MAX)
        return err_set(err, errlen, where, "corrupt: net name length %u, must be 1..%d",
                       name_len, MODEL_NAME_MAX);
    const unsigned want_header = MODEL_HEADER_FIXED + (version >= 2 ? 4 : 0) + name_len;
    if (header != want_header)
        return err_set(err, errlen, where, "corrupt: header size %" PRIu32 ", expected %u",
                       header, want_header);

    if (file_len < off + name_len)
        goto truncated;
    if (name_len != lo->name_len || memcmp(buf + off, info->name, name_len) != 0) {
        char shown[MODEL_NAME_MAX + 1];
        printable_name(shown, buf + off, name_len);
        return err_set(err, errlen, where, "model is for network '%s', not '%s'", shown,
                       info->name);
    }
    off += name_len;

    if (file_len < off + 4)
        goto truncated;
    uint32_t fp = get_u32(buf + off);
    off += 4;
    if (fp != info->fingerprint)
        return err_set(err, errlen, where,
                       "model is for a different network shape (fingerprint 0x%08" PRIx32
                       ", this network's is 0x%08" PRIx32 ")",
                       fp, info->fingerprint);

    if (file_len < off + 1)
        goto truncated;
    unsigned dtype = buf[off];
    off += 1;
    if (dtype != 1 && dtype != 2)
        return err_set(err, errlen, where, "corrupt: unknown dtype %u", dtype);
    unsigned want_dtype = info->real_size == 4 ? 1 : 2;
    if (dtype != want_dtype)
        return err_set(err, errlen, where, "model holds %s parameters, this network uses %s",
                       dtype_name(dtype), dtype_name(want_dtype));

    if (file_len < off + 8)
        goto truncated;
    uint64_t n = get_u64(buf + off);
    off += 8;
    if (n != (uint64_t)info->n_params)
        return err_set(err, errlen, where,
                       "model has %" PRIu64 " parameters, this network has %lu", n,
                       info->n_params);
    if (version >= 2) {
        if (file_len < off + 4)
            goto truncated;
        const uint32_t meta = get_u32(buf + off);
        off += 4;
        if (meta > MODEL_META_MAX)
            return err_set(err, errlen, where, "corrupt: meta section of %" PRIu32 " bytes", meta);
        lo->version = version;
        lo->header = want_header;
        lo->meta = meta;
        lo->total = lo->header + lo->payload + lo->meta + 4;
    }

    if (file_len < lo->total)
        goto truncated;
    if (file_len > lo->total)
        return err_set(err, errlen, where,
                       "%zu trailing bytes: file is %zu bytes, expected %zu",
                       file_len - lo->total, file_len, lo->total);
    return 0;

truncated:
    return err_set(err, errlen, where, "truncated: file is %zu bytes, expected %zu", file_len,
                   lo->total);
}

/* ---- meta (version 2) ----------------------------------------------------- */

void model_meta_free(model_meta *m)
{
    if (m == NULL)
        return;
    data_norm_free(&m->norm);
    data_classes_free(&m->classes);
}

static int meta_empty(const model_meta *m)
{
    return m == NULL || (m->norm.kind == DATA_NORM_NONE && m->classes.n == 0);
}

/* The meta bytes of m (malloc'd) and their count; NULL when out of memory. */
static uint8_t *meta_encode(const model_meta *m, size_t *len)
{
    const size_t dim = m->norm.kind == DATA_NORM_NONE ? 0 : m->norm.dim;
    size_t n = 1 + 4 + 8 * dim + 2;
    for (unsigned k = 0; k < m->classes.n; ++k)
        n += 1 + strlen(m->classes.name[k]);
    uint8_t *b = malloc(n), *p = b;
    if (b == NULL)
        return NULL;
    *p++ = (uint8_t)m->norm.kind;
    put_u32(p, (uint32_t)dim);
    p += 4;
    for (size_t i = 0; i < dim; ++i, p += 4)
        encode_reals(p, m->norm.shift, i, 1, 4);
    for (size_t i = 0; i < dim; ++i, p += 4)
        encode_reals(p, m->norm.scale, i, 1, 4);
    *p++ = (uint8_t)(m->classes.n & 0xff);
    *p++ = (uint8_t)(m->classes.n >> 8);
    for (unsigned k = 0; k < m->classes.n; ++k) {
        const size_t l = strlen(m->classes.name[k]);
        *p++ = (uint8_t)l;
        memcpy(p, m->classes.name[k], l);
        p += l;
    }
    *len = n;
    return b;
}

/* Check and decode len meta bytes into *m (zeroed first; left empty on failure). */
static int meta_decode(const uint8_t *p, size_t len, const char *where, model_meta *m, char *err,
                       size_t errlen)
{
    memset(m, 0, sizeof *m);
    const uint8_t *end = p + len;
    if (len < 5)
        return err_set(err, errlen, where, "corrupt: meta section of %zu bytes", len);
    const unsigned kind = *p++;
    const uint32_t dim = get_u32(p);
    p += 4;
    if (kind > DATA_NORM_MINMAX)
        return err_set(err, errlen, where, "corrupt: unknown normalization %u", kind);
    if ((kind == DATA_NORM_NONE) != (dim == 0) || dim > (1u << 20))
        return err_set(err, errlen, where, "corrupt: normalization '%s' with %" PRIu32 " values",
                       data_norm_name((data_norm_kind)kind), dim);
    if ((size_t)(end - p) < 8 * (size_t)dim + 2)
        return err_set(err, errlen, where, "corrupt: meta section cut short");
    m->norm.kind = (data_norm_kind)kind;
    m->norm.dim = dim;
    if (dim > 0) {
        m->norm.shift = malloc(dim * sizeof *m->norm.shift);
        m->norm.scale = malloc(dim * sizeof *m->norm.scale);
        if (m->norm.shift == NULL || m->norm.scale == NULL) {
            model_meta_free(m);
            return err_set(err, errlen, where, "out of memory");
        }
        decode_reals(m->norm.shift, p, dim, 4);
        decode_reals(m->norm.scale, p + 4 * (size_t)dim, dim, 4);
        p += 8 * (size_t)dim;
        for (size_t i = 0; i < dim; ++i)
            if (!isfinite(m->norm.shift[i]) || !isfinite(m->norm.scale[i])) {
                model_meta_free(m);
                return err_set(err, errlen, where, "corrupt: normalization value %zu is not finite", i);
            }
    }
    const unsigned n = (unsigned)p[0] | ((unsigned)p[1] << 8);
    p += 2;
    if (n > DATA_MAX_CLASSES) {
        model_meta_free(m);
        return err_set(err, errlen, where, "corrupt: %u class names, at most %d", n, DATA_MAX_CLASSES);
    }
    for (unsigned k = 0; k < n; ++k) {
        const size_t l = p < end ? *p++ : 0;
        int bad = l == 0 || l > DATA_NAME_MAX || (size_t)(end - p) < l;
        for (size_t i = 0; !bad && i < l; ++i)
            bad = p[i] < 0x20 || p[i] == 0x7f;
        char name[DATA_NAME_MAX + 1];
        if (!bad) {
            memcpy(name, p, l);
            name[l] = '\0';
            p += l;
        }
        if (bad || data_classes_find(&m->classes, name, DATA_MAX_CLASSES) != (int)k) {
            model_meta_free(m);
            return err_set(err, errlen, where, "corrupt: class name %u", k);
        }
    }
    if (p != end) {
        model_meta_free(m);
        return err_set(err, errlen, where, "corrupt: %zu bytes after the class names", (size_t)(end - p));
    }
    if (meta_empty(m)) /* such a model is written as version 1: one file, one form */
        return err_set(err, errlen, where, "corrupt: a version-2 file with an empty meta section");
    return 0;
}

/* ---- public ---------------------------------------------------------------- */

int model_parse(const uint8_t *buf, size_t len, const char *name, const model_info *info,
                void *params, char *err, size_t errlen)
{
    return model_parse_meta(buf, len, name, info, params, NULL, err, errlen);
}

int model_parse_meta(const uint8_t *buf, size_t len, const char *name, const model_info *info,
                     void *params, model_meta *meta, char *err, size_t errlen)
{
    const char *where = name ? name : "model";
    layout lo;
    if (buf == NULL && len > 0)
        return err_set(err, errlen, where, "no buffer");
    if (check_front(buf, len, len, where, info, &lo, err, errlen) != 0)
        return -1;
    if (params == NULL && lo.payload > 0)
        return err_set(err, errlen, where, "no parameter buffer");
    uint32_t stored = get_u32(buf + lo.total - 4);
    uint32_t crc = crc_update((uint32_t)crc32(0L, Z_NULL, 0), buf, lo.total - 4);
    if (crc != stored)
        return err_set(err, errlen, where,
                       "corrupt: CRC-32 mismatch (stored 0x%08" PRIx32 ", computed 0x%08" PRIx32
                       ")",
                       stored, crc);
    model_meta m = {0};
    if (lo.version >= 2 &&
        meta_decode(buf + lo.header + lo.payload, lo.meta, where, &m, err, errlen) != 0)
        return -1;
    /* Every byte has been checked: only now touch the caller's params. */
    decode_reals(params, buf + lo.header, (size_t)info->n_params, info->real_size);
    if (meta)
        *meta = m;
    else
        model_meta_free(&m);
    return 0;
}

int model_load(const char *path, const model_info *info, void *params, char *err,
               size_t errlen)
{
    return model_load_meta(path, info, params, NULL, err, errlen);
}

int model_load_meta(const char *path, const model_info *info, void *params, model_meta *meta,
                    char *err, size_t errlen)
{
    const char *where = path ? path : "model";
    layout lo;
    if (path == NULL)
        return err_set(err, errlen, where, "no path");
    if (info_layout(info, where, &lo, err, errlen) != 0)
        return -1;

    long long size = 0;
    FILE *fp = atomic_fopen_regular(path, &size, err, errlen);
    if (fp == NULL)
        return -1;
    if (size < 0 || (uintmax_t)size > SIZE_MAX) {
        fclose(fp);
        return err_set(err, errlen, where, "file is too large (%lld bytes)", size);
    }
    size_t file_len = (size_t)size;

    /* Check the header against info and the size against the real file
     * before allocating anything. */
    uint8_t front[MODEL_HEADER_MAX];
    size_t want = file_len < sizeof front ? file_len : sizeof front;
    size_t got = fread(front, 1, want, fp);
    if (got != want) {
        int e = ferror(fp) ? errno : 0;
        fclose(fp);
        if (e != 0)
            return err_set(err, errlen, where, "read error: %s", strerror(e));
        return err_set(err, errlen, where, "file shrank while being read");
    }
    if (check_front(front, got, file_len, where, info, &lo, err, errlen) != 0) {
        fclose(fp);
        return -1;
    }

    /* The file has exactly the size info implies: read all of it. */
    uint8_t *buf = malloc(lo.total);
    if (buf == NULL) {
        fclose(fp);
        return err_set(err, errlen, where, "out of memory reading %zu bytes", lo.total);
    }
    memcpy(buf, front, got);
    size_t rest = fread(buf + got, 1, lo.total - got, fp);
    int rerr = ferror(fp) ? errno : 0;
    int extra = (rest == lo.total - got && !rerr) ? fgetc(fp) : EOF;
    fclose(fp);
    int rc;
    if (rerr != 0)
        rc = err_set(err, errlen, where, "read error: %s", strerror(rerr));
    else if (rest != lo.total - got || extra != EOF)
        rc = err_set(err, errlen, where, "file changed while being read");
    else
        rc = model_parse_meta(buf, lo.total, where, info, params, meta, err, errlen);
    free(buf);
    return rc;
}

int model_save(const char *path, const model_info *info, const void *params, char *err,
               size_t errlen)
{
    return model_save_meta(path, info, params, NULL, err, errlen);
}

int model_save_meta(const char *path, const model_info *info, const void *params,
                    const model_meta *meta, char *err, size_t errlen)
{
    const char *where = path ? path : "model";
    layout lo;
    if (path == NULL || path[0] == '\0')
        return err_set(err, errlen, where, "no path");
    if (info_layout(info, where, &lo, err, errlen) != 0)
        return -1;
    if (params == NULL && lo.payload > 0)
        return err_set(err, errlen, where, "no parameters to save");

    size_t meta_len = 0;
    uint8_t *meta_bytes = NULL;
    if (!meta_empty(meta)) {
        if ((meta_bytes = meta_encode(meta, &meta_len)) == NULL)
            return err_set(err, errlen, where, "out of memory");
        lo.header += 4;
    }
    atomic_file af;
    if (atomic_open(&af, path, err, errlen) != 0) {
        free(meta_bytes);
        return -1;
    }
    FILE *fp = af.fp;

    /* Header. */
    uint8_t head[MODEL_HEADER_MAX];
    memcpy(head, model_magic, 8);
    put_u32(head + 8, meta_bytes ? 2 : 1);
    put_u32(head + 12, (uint32_t)lo.header);
    head[16] = (uint8_t)lo.name_len;
    memcpy(head + 17, info->name, lo.name_len);
    size_t off = 17 + lo.name_len;
    put_u32(head + off, info->fingerprint);
    head[off + 4] = info->real_size == 4 ? 1 : 2;
    put_u64(head + off + 5, (uint64_t)info->n_params);
    if (meta_bytes)
        put_u32(head + off + 13, (uint32_t)meta_len);

    int ok = fwrite(head, 1, lo.header, fp) == lo.header;
    uint32_t crc = crc_update((uint32_t)crc32(0L, Z_NULL, 0), head, lo.header);

    /* Payload, a chunk at a time. */
    uint8_t chunk[4096];
    size_t per = sizeof chunk / info->real_size;
    for (size_t i = 0; ok && i < (size_t)info->n_params; i += per) {
        size_t n = (size_t)info->n_params - i < per ? (size_t)info->n_params - i : per;
        encode_reals(chunk, params, i, n, info->real_size);
        ok = fwrite(chunk, 1, n * info->real_size, fp) == n * info->real_size;
        crc = crc_update(crc, chunk, n * info->real_size);
    }
    if (ok && meta_bytes) {
        ok = fwrite(meta_bytes, 1, meta_len, fp) == meta_len;
        crc = crc_update(crc, meta_bytes, meta_len);
    }
    free(meta_bytes);
    uint8_t tail[4];
    put_u32(tail, crc);
    if (ok)
        ok = fwrite(tail, 1, 4, fp) == 4;

    return atomic_commit(&af, ok, err, errlen);
}
