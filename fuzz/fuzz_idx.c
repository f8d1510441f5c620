/* fuzz_idx.c: libFuzzer target for the IDX reader (runtime/idx.c).
 *
 * Each input is used three ways:
 *   1. idx_parse on the bytes as they are (raw IDX, or gzip when they start
 *      with 1f 8b, so corrupt gzip streams are reached too);
 *   2. idx_parse on the bytes wrapped in valid gzip (one member, or two when
 *      the input length is even, as `cat a.gz b.gz` makes), which must give
 *      the same verdict and the same payload as the raw parse (differential);
 *   3. if the input holds the separator PAIR_SEP, the bytes before it and
 *      after it are written to two temporary files and loaded with
 *      idx_load_dataset (images + labels), covering idx_load's file reading
 *      and the pairing checks.
 * Invariants checked (abort() on violation, so libFuzzer reports a crash):
 * on failure the output is zeroed and the message is one non-empty line; on
 * success the sizes agree with the dims and every payload byte is readable. */
#define _GNU_SOURCE /* memmem, mkdtemp */
#define ZLIB_CONST

#include "err.h"
#include "idx.h"
#include "scratch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define PAIR_SEP "--IDXPAIR--"
enum { N_CLASSES = 10 };

static const char *images_path, *labels_path; /* NULL: no scratch directory */
static z_stream gz;            /* one deflate state, reset per input: cheap */
static int gz_ready;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_idx: invariant violated: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (scratch_init("fuzz-idx") == 0) {
        images_path = scratch_file("images");
        labels_path = scratch_file("labels");
    }
    if (deflateInit2(&gz, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK)
        gz_ready = 1;
    return 0;
}

static int is_zeroed(const idx_file *f)
{
    idx_file z;
    memset(&z, 0, sizeof z);
    return f->ndim == 0 && f->count == 0 && f->item_size == 0 && f->data == NULL &&
           memcmp(f->dims, z.dims, sizeof z.dims) == 0;
}

static void check_err(const char *err)
{
    scratch_check_message(err, die);
}

/* Parse buf and check the result; returns rc, leaves *f for the caller to free. */
static int parse_checked(idx_file *f, const uint8_t *buf, size_t len)
{
    char err[ERR_MAX];
    err[0] = '\0';
    memset(f, 0xa5, sizeof *f); /* idx_parse must zero it whatever it held */
    int rc = idx_parse(f, buf, len, "fuzz.idx", err, sizeof err);
    if (rc != 0) {
        if (rc != -1)
            die("return code is neither 0 nor -1", NULL);
        if (!is_zeroed(f))
            die("output not zeroed on failure", err);
        check_err(err);
        return rc;
    }
    if (f->ndim < 1 || f->ndim > 4 || f->data == NULL)
        die("bad ndim or NULL data on success", NULL);
    size_t item = 1;
    for (int i = 1; i < f->ndim; i++)
        item *= f->dims[i];
    if (f->count != f->dims[0] || f->item_size != item || f->count == 0 || item == 0)
        die("count/item_size disagree with dims", NULL);
    size_t n = f->count * f->item_size;
    /* Touch the first and last payload byte: ASan flags a short buffer. */
    volatile uint8_t sink = f->data[0];
    sink ^= f->data[n - 1];
    (void)sink;
    return rc;
}

/* Wrap in[0..len) in gzip: one member, or two split at len/2. Returns a
 * malloc'd buffer (caller frees) or NULL if zlib fails. */
static uint8_t *gzip_wrap(const uint8_t *in, size_t len, size_t *outlen)
{
    if (!gz_ready)
        return NULL;
    int members = (len >= 2 && len % 2 == 0) ? 2 : 1;
    size_t cap = 2 * deflateBound(&gz, (uLong)len) + 64;
    uint8_t *out = malloc(cap);
    if (out == NULL)
        return NULL;
    size_t have = 0;
    size_t cut[3] = {0, members == 2 ? len / 2 : len, len};
    for (int m = 0; m < members; m++) {
        if (deflateReset(&gz) != Z_OK)
            goto fail;
        gz.next_in = in + cut[m];
        gz.avail_in = (uInt)(cut[m + 1] - cut[m]);
        gz.next_out = out + have;
        gz.avail_out = (uInt)(cap - have);
        if (deflate(&gz, Z_FINISH) != Z_STREAM_END)
            goto fail;
        have = cap - gz.avail_out;
    }
    *outlen = have;
    return out;
fail:
    free(out);
    return NULL;
}

static void pair(const uint8_t *data, size_t size)
{
    const size_t seplen = sizeof PAIR_SEP - 1;
    const uint8_t *sep = memmem(data, size, PAIR_SEP, seplen);
    if (sep == NULL || images_path == NULL || labels_path == NULL)
        return;
    size_t a = (size_t)(sep - data);
    if (scratch_write(images_path, data, a) != 0 ||
        scratch_write(labels_path, sep + seplen, size - a - seplen) != 0)
        return;

    idx_dataset d;
    char err[ERR_MAX];
    err[0] = '\0';
    memset(&d, 0xa5, sizeof d);
    int rc = idx_load_dataset(&d, images_path, labels_path, N_CLASSES, err, sizeof err);
    if (rc != 0) {
        if (d.n != 0 || d.dim != 0 || d.x != NULL || d.y != NULL)
            die("dataset not zeroed on failure", err);
        check_err(err);
        return;
    }
    if (d.n == 0 || d.dim == 0 || d.x == NULL || d.y == NULL)
        die("empty dataset on success", NULL);
    for (size_t i = 0; i < d.n; i++)
        if (d.y[i] >= N_CLASSES)
            die("label out of range on success", NULL);
    for (size_t i = 0; i < d.n * d.dim; i++)
        if (!(d.x[i] >= 0.0f && d.x[i] <= 1.0f))
            die("pixel outside [0, 1]", NULL);
    idx_dataset_free(&d);
    if (d.x != NULL || d.y != NULL)
        die("idx_dataset_free left pointers set", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    idx_file raw, wrapped;
    int rc = parse_checked(&raw, data, size);

    size_t glen = 0;
    uint8_t *g = gzip_wrap(data, size, &glen);
    if (g != NULL) {
        int grc = parse_checked(&wrapped, g, glen);
        /* Input that is itself gzip is decompressed once by the raw parse and
         * twice by this one, so only plain input must agree exactly. */
        int plain = !(size >= 2 && data[0] == 0x1f && data[1] == 0x8b);
        if (plain) {
            if (rc != grc)
                die("raw and gzip-wrapped parses disagree", NULL);
            if (rc == 0 && (raw.ndim != wrapped.ndim ||
                            memcmp(raw.dims, wrapped.dims, sizeof raw.dims) != 0 ||
                            memcmp(raw.data, wrapped.data, raw.count * raw.item_size) != 0))
                die("raw and gzip-wrapped payloads differ", NULL);
        }
        idx_free(&wrapped);
        free(g);
    }
    idx_free(&raw);
    if (raw.data != NULL)
        die("idx_free left data set", NULL);

    pair(data, size);
    return 0;
}
