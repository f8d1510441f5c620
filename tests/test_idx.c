/* test_idx.c: Check suite for runtime/idx.c.
 *
 * "core" covers good raw and gzip files, dataset pairs and the committed
 * subset in tests/data; "limits" covers bad input, each by its message.
 * Fixtures are built in memory and written to a fresh mkdtemp directory.
 * The repo root comes from $CONSTNET_ROOT (default "."). */
#define ZLIB_CONST

#include "idx.h"
#include "err.h"
#include "testutil.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* ---- fixtures ------------------------------------------------------------ */

/* A scratch directory per TCase (unchecked fixture, so even a failed test
 * leaves nothing behind) and a fresh subdirectory of it per test (checked
 * fixture); see tu_scratch_open in testutil.h. */
static char err[ERR_MAX];

static void base_setup(void)
{
    if (tu_scratch_open("test_idx.") != 0) {
        perror("test_idx: mkdtemp");
        exit(EXIT_FAILURE);
    }
}

static void base_teardown(void)
{
    tu_scratch_close();
}

static void setup(void)
{
    ck_assert_int_eq(tu_scratch_enter(), 0);
    err[0] = '\0';
}

static void teardown(void)
{
    tu_scratch_leave();
}

/* Path of NAME inside the test's directory (owned by the fixture). */
static const char *tmp_path(const char *name)
{
    const char *p = tu_scratch_path(name);
    ck_assert_ptr_nonnull(p);
    return p;
}

static const char *write_file(const char *name, const uint8_t *buf, size_t len)
{
    const char *path = tmp_path(name);
    ck_assert_int_eq(tu_write(path, buf, len), 0);
    return path;
}

typedef struct {
    uint8_t *p;
    size_t n;
} bytes;

/* An IDX image: header (type, ndim, dims) + payload of `payload` bytes,
 * payload byte i = (i * 7 + 3) mod 256. */
static bytes make_idx(uint8_t type, int ndim, const uint32_t *dims, size_t payload)
{
    bytes b;
    b.n = 4 + 4 * (size_t)ndim + payload;
    b.p = malloc(b.n);
    ck_assert_ptr_nonnull(b.p);
    b.p[0] = 0;
    b.p[1] = 0;
    b.p[2] = type;
    b.p[3] = (uint8_t)ndim;
    for (int i = 0; i < ndim; i++) {
        b.p[4 + 4 * i] = (uint8_t)(dims[i] >> 24);
        b.p[5 + 4 * i] = (uint8_t)(dims[i] >> 16);
        b.p[6 + 4 * i] = (uint8_t)(dims[i] >> 8);
        b.p[7 + 4 * i] = (uint8_t)dims[i];
    }
    for (size_t i = 0; i < payload; i++)
        b.p[4 + 4 * (size_t)ndim + i] = (uint8_t)((i * 7 + 3) & 0xff);
    return b;
}

static bytes gzip_bytes(const uint8_t *src, size_t n)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    bytes b;
    size_t cap = deflateBound(&zs, (uLong)n);
    b.p = malloc(cap);
    ck_assert_ptr_nonnull(b.p);
    zs.next_in = src;
    zs.avail_in = (uInt)n;
    zs.next_out = b.p;
    zs.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    b.n = (size_t)zs.total_out;
    deflateEnd(&zs);
    return b;
}

/* rc is -1, the message starts "NAME: error: " and contains PHRASE. */
#define ASSERT_FAILS(rc, name, phrase)                                                        \
    do {                                                                                      \
        ck_assert_int_eq((rc), -1);                                                           \
        ck_assert_msg(strncmp(err, (name), strlen(name)) == 0 &&                              \
                          strncmp(err + strlen(name), ": error: ", 9) == 0,                   \
                      "message does not start with '%s: error: ': %s", (name), err);          \
        ck_assert_msg(strstr(err, (phrase)) != NULL, "message lacks '%s': %s", (phrase), err); \
    } while (0)

static const uint32_t DIMS3[3] = {3, 2, 2};

/* ---- core ---------------------------------------------------------------- */

static void check_3x2x2(const idx_file *f)
{
    ck_assert_int_eq(f->ndim, 3);
    ck_assert_uint_eq(f->dims[0], 3);
    ck_assert_uint_eq(f->dims[1], 2);
    ck_assert_uint_eq(f->dims[2], 2);
    ck_assert_uint_eq(f->count, 3);
    ck_assert_uint_eq(f->item_size, 4);
    ck_assert_ptr_nonnull(f->data);
    for (size_t i = 0; i < 12; i++)
        ck_assert_uint_eq(f->data[i], (i * 7 + 3) & 0xff);
}

START_TEST(test_raw_good)
{
    bytes b = make_idx(0x08, 3, DIMS3, 12);
    idx_file f;
    ck_assert_int_eq(idx_parse(&f, b.p, b.n, "mem", err, sizeof err), 0);
    check_3x2x2(&f);
    idx_free(&f);
    ck_assert_ptr_null(f.data);

    const char *path = write_file("raw-idx3-ubyte", b.p, b.n);
    ck_assert_int_eq(idx_load(&f, path, err, sizeof err), 0);
    check_3x2x2(&f);
    idx_free(&f);

    /* one dimension: item_size 1 */
    uint32_t d1[1] = {5};
    bytes l = make_idx(0x08, 1, d1, 5);
    ck_assert_int_eq(idx_parse(&f, l.p, l.n, "labels", err, sizeof err), 0);
    ck_assert_int_eq(f.ndim, 1);
    ck_assert_uint_eq(f.count, 5);
    ck_assert_uint_eq(f.item_size, 1);
    ck_assert_uint_eq(f.data[4], (4 * 7 + 3) & 0xff);
    idx_free(&f);

    /* four dimensions */
    uint32_t d4[4] = {2, 3, 4, 5};
    bytes q = make_idx(0x08, 4, d4, 120);
    ck_assert_int_eq(idx_parse(&f, q.p, q.n, "4d", err, sizeof err), 0);
    ck_assert_uint_eq(f.count, 2);
    ck_assert_uint_eq(f.item_size, 60);
    idx_free(&f);
    idx_free(&f); /* twice is harmless */
    free(q.p);
    free(l.p);
    free(b.p);
}
END_TEST

START_TEST(test_gzip_good)
{
    bytes b = make_idx(0x08, 3, DIMS3, 12);
    bytes z = gzip_bytes(b.p, b.n);
    idx_file f;
    ck_assert_int_eq(idx_parse(&f, z.p, z.n, "mem.gz", err, sizeof err), 0);
    check_3x2x2(&f);
    idx_free(&f);

    /* detected by content: no .gz in the name */
    const char *path = write_file("gz-idx3-ubyte", z.p, z.n);
    ck_assert_int_eq(idx_load(&f, path, err, sizeof err), 0);
    check_3x2x2(&f);
    idx_free(&f);

    /* two gzip members back to back (cat a.gz b.gz) */
    bytes z1 = gzip_bytes(b.p, 10);
    bytes z2 = gzip_bytes(b.p + 10, b.n - 10);
    bytes cat = {malloc(z1.n + z2.n), z1.n + z2.n};
    ck_assert_ptr_nonnull(cat.p);
    memcpy(cat.p, z1.p, z1.n);
    memcpy(cat.p + z1.n, z2.p, z2.n);
    ck_assert_int_eq(idx_parse(&f, cat.p, cat.n, "cat.gz", err, sizeof err), 0);
    check_3x2x2(&f);
    idx_free(&f);

    /* a payload big enough to make the output buffer grow several times */
    uint32_t dbig[3] = {100, 100, 100};
    bytes big = make_idx(0x08, 3, dbig, 1000000);
    bytes zbig = gzip_bytes(big.p, big.n);
    ck_assert_int_eq(idx_parse(&f, zbig.p, zbig.n, "big.gz", err, sizeof err), 0);
    ck_assert_uint_eq(f.count, 100);
    ck_assert_uint_eq(f.item_size, 10000);
    ck_assert_int_eq(memcmp(f.data, big.p + 16, 1000000), 0);
    idx_free(&f);

    free(zbig.p);
    free(big.p);
    free(cat.p);
    free(z2.p);
    free(z1.p);
    free(z.p);
    free(b.p);
}
END_TEST

START_TEST(test_dataset_pair)
{
    uint32_t di[3] = {4, 2, 3};
    bytes im = make_idx(0x08, 3, di, 24);
    im.p[16] = 0;
    im.p[17] = 255;
    uint32_t dl[1] = {4};
    bytes lb = make_idx(0x08, 1, dl, 4);
    const uint8_t labels[4] = {3, 0, 9, 1};
    memcpy(lb.p + 8, labels, 4);
    const char *ip = write_file("pair-images", im.p, im.n);
    bytes lz = gzip_bytes(lb.p, lb.n);
    const char *lp = write_file("pair-labels.gz", lz.p, lz.n);

    idx_dataset d;
    ck_assert_int_eq(idx_load_dataset(&d, ip, lp, 10, err, sizeof err), 0);
    ck_assert_uint_eq(d.n, 4);
    ck_assert_uint_eq(d.dim, 6);
    ck_assert_float_eq(d.x[0], 0.0f);
    ck_assert_float_eq(d.x[1], 1.0f);
    for (size_t i = 0; i < 24; i++)
        ck_assert_float_eq(d.x[i], (float)im.p[16 + i] / 255.0f);
    for (size_t i = 0; i < 4; i++)
        ck_assert_uint_eq(d.y[i], labels[i]);
    idx_dataset_free(&d);
    ck_assert_ptr_null(d.x);
    ck_assert_ptr_null(d.y);
    idx_dataset_free(&d);

    /* idx_load_mnist: plain images, labels only as .gz */
    write_file("t10k-images-idx3-ubyte", im.p, im.n);
    write_file("t10k-labels-idx1-ubyte.gz", lz.p, lz.n);
    ck_assert_int_eq(idx_load_mnist(&d, tu_scratch_dir(), "t10k", 10, err, sizeof err), 0);
    ck_assert_uint_eq(d.n, 4);
    ck_assert_uint_eq(d.y[2], 9);
    idx_dataset_free(&d);

    free(lz.p);
    free(lb.p);
    free(im.p);
}
END_TEST

static void check_subset(const char *prefix, size_t n, const uint8_t first[10])
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/data", tu_root());
    idx_dataset d;
    int rc = idx_load_mnist(&d, dir, prefix, 10, err, sizeof err);
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_uint_eq(d.n, n);
    ck_assert_uint_eq(d.dim, 784);
    for (int i = 0; i < 10; i++)
        ck_assert_uint_eq(d.y[i], first[i]);
    size_t lit = 0, bad = 0;
    for (size_t i = 0; i < d.n * d.dim; i++) {
        bad += !(d.x[i] >= 0.0f && d.x[i] <= 1.0f);
        lit += d.x[i] > 0.0f;
    }
    ck_assert_uint_eq(bad, 0);
    ck_assert_uint_gt(lit, d.n * 50); /* digits, not blank images */
    idx_dataset_free(&d);
}

START_TEST(test_committed_subset)
{
    const uint8_t train[10] = {5, 0, 4, 1, 9, 2, 1, 3, 1, 4};
    const uint8_t t10k[10] = {7, 2, 1, 0, 4, 1, 4, 9, 5, 9};
    check_subset("train", 1000, train);
    check_subset("t10k", 500, t10k);
}
END_TEST

START_TEST(test_free_zeroed)
{
    idx_file f;
    memset(&f, 0, sizeof f);
    idx_free(&f);
    idx_free(NULL);
    idx_dataset d;
    memset(&d, 0, sizeof d);
    idx_dataset_free(&d);
    idx_dataset_free(NULL);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

/* idx_load on a file with these bytes must fail with PHRASE. */
static void load_fails(const char *name, const uint8_t *buf, size_t len, const char *phrase)
{
    const char *path = write_file(name, buf, len);
    idx_file f;
    memset(&f, 0xab, sizeof f);
    ASSERT_FAILS(idx_load(&f, path, err, sizeof err), path, phrase);
    ck_assert_ptr_null(f.data);
    idx_free(&f);
}

START_TEST(test_bad_magic)
{
    bytes b = make_idx(0x08, 3, DIMS3, 12);
    b.p[1] = 0x42;
    load_fails("magic-idx3-ubyte", b.p, b.n, "bad magic bytes 0x00 0x42");
    free(b.p);
}
END_TEST

START_TEST(test_bad_type)
{
    bytes b = make_idx(0x0D, 3, DIMS3, 12); /* 0x0D = float */
    load_fails("float-idx3-ubyte", b.p, b.n, "unsupported data type 0x0d");
    free(b.p);
}
END_TEST

START_TEST(test_bad_ndim)
{
    bytes b = make_idx(0x08, 0, NULL, 12);
    load_fails("ndim0", b.p, b.n, "number of dimensions is 0, expected 1..4");
    free(b.p);
    uint32_t d5[5] = {1, 1, 1, 1, 1};
    bytes c = make_idx(0x08, 5, d5, 1);
    load_fails("ndim5", c.p, c.n, "number of dimensions is 5, expected 1..4");
    free(c.p);
}
END_TEST

START_TEST(test_zero_dim)
{
    uint32_t d[3] = {3, 0, 2};
    bytes b = make_idx(0x08, 3, d, 12);
    load_fails("zero-dim", b.p, b.n, "dimension 2 of 3 is 0");
    free(b.p);
}
END_TEST

START_TEST(test_truncated)
{
    bytes b = make_idx(0x08, 3, DIMS3, 12);
    load_fails("short-payload", b.p, b.n - 1,
               "file is 27 bytes, header promises 28 (3 x 2 x 2): truncated, 1 bytes missing");
    load_fails("short-header", b.p, 10, "file is 10 bytes, truncated inside the 16-byte header");
    load_fails("empty", b.p, 0, "file is 0 bytes, truncated");
    /* absurd but representable dimensions: rejected by length, nothing allocated */
    uint32_t d[3] = {60000, 100000, 100000}; /* 6e14 bytes promised */
    bytes c = make_idx(0x08, 3, d, 12);
    load_fails("absurd", c.p, c.n, "file is 28 bytes, header promises 600000000000016");
    free(c.p);
    free(b.p);
}
END_TEST

START_TEST(test_trailing)
{
    bytes b = make_idx(0x08, 3, DIMS3, 15);
    load_fails("trailing", b.p, b.n, "file is 31 bytes, header promises 28 (3 x 2 x 2): 3 trailing bytes");
    free(b.p);
}
END_TEST

START_TEST(test_count_mismatch)
{
    bytes im = make_idx(0x08, 3, DIMS3, 12);
    uint32_t dl[1] = {2};
    bytes lb = make_idx(0x08, 1, dl, 2);
    lb.p[8] = lb.p[9] = 1;
    const char *ip = write_file("cm-images", im.p, im.n);
    const char *lp = write_file("cm-labels", lb.p, lb.n);
    idx_dataset d;
    ASSERT_FAILS(idx_load_dataset(&d, ip, lp, 10, err, sizeof err), lp,
                 "count mismatch: 2 labels, but");
    ck_assert_msg(strstr(err, ip) != NULL, "message lacks images path: %s", err);
    ck_assert_msg(strstr(err, "has 3 images") != NULL, "%s", err);
    ck_assert_ptr_null(d.x);
    ck_assert_ptr_null(d.y);
    free(lb.p);
    free(im.p);
}
END_TEST

START_TEST(test_label_range)
{
    bytes im = make_idx(0x08, 3, DIMS3, 12);
    uint32_t dl[1] = {3};
    bytes lb = make_idx(0x08, 1, dl, 3);
    lb.p[8] = 0;
    lb.p[9] = 9;
    lb.p[10] = 10;
    const char *ip = write_file("lr-images", im.p, im.n);
    const char *lp = write_file("lr-labels", lb.p, lb.n);
    idx_dataset d;
    ASSERT_FAILS(idx_load_dataset(&d, ip, lp, 10, err, sizeof err), lp,
                 "label 10 at index 2 is out of range (n_classes = 10)");
    ck_assert_int_eq(idx_load_dataset(&d, ip, lp, 11, err, sizeof err), 0);
    idx_dataset_free(&d);
    /* wrong ndim for each role */
    ASSERT_FAILS(idx_load_dataset(&d, lp, lp, 10, err, sizeof err), lp,
                 "image file has 1 dimension, expected at least 2");
    ASSERT_FAILS(idx_load_dataset(&d, ip, ip, 10, err, sizeof err), ip,
                 "label file has 3 dimensions, expected 1");
    free(lb.p);
    free(im.p);
}
END_TEST

START_TEST(test_overflow_dims)
{
    uint32_t d[4] = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
    bytes b = make_idx(0x08, 4, d, 4);
    load_fails("overflow", b.p, b.n,
               "dimensions 4294967295 x 4294967295 x 4294967295 x 4294967295 are absurd: "
               "their product overflows");
    free(b.p);
}
END_TEST

START_TEST(test_corrupt_gzip)
{
    bytes b = make_idx(0x08, 3, DIMS3, 12);
    bytes z = gzip_bytes(b.p, b.n);
    z.p[z.n - 8] ^= 0xff; /* CRC32 trailer */
    load_fails("crc.gz", z.p, z.n, "corrupt gzip data");
    z.p[z.n - 8] ^= 0xff;
    z.p[2] = 9; /* compression method: not deflate */
    load_fails("method.gz", z.p, z.n, "corrupt gzip data");
    z.p[2] = 8;
    z.p[10] = 0xff; /* first deflate byte: reserved block type 3 */
    load_fails("block.gz", z.p, z.n, "corrupt gzip data");
    free(z.p);

    /* gzip that inflates cleanly to a bad IDX reports the IDX problem */
    bytes t = make_idx(0x08, 3, DIMS3, 11);
    bytes zt = gzip_bytes(t.p, t.n);
    load_fails("short.gz", zt.p, zt.n, "decompressed data is 27 bytes, header promises 28");
    free(zt.p);
    free(t.p);

    /* garbage after the gzip member */
    bytes zg = gzip_bytes(b.p, b.n);
    uint8_t *g = malloc(zg.n + 5);
    ck_assert_ptr_nonnull(g);
    memcpy(g, zg.p, zg.n);
    memset(g + zg.n, 0x55, 5);
    load_fails("garbage.gz", g, zg.n + 5, "5 bytes of trailing garbage after the gzip data");
    free(g);
    free(zg.p);
    free(b.p);
}
END_TEST

START_TEST(test_truncated_gzip)
{
    uint32_t d[3] = {10, 28, 28};
    bytes b = make_idx(0x08, 3, d, 7840);
    bytes z = gzip_bytes(b.p, b.n);
    load_fails("cut-trailer.gz", z.p, z.n - 4, "gzip data is truncated");
    load_fails("cut-middle.gz", z.p, z.n / 2, "gzip data is truncated");
    load_fails("cut-header.gz", z.p, 5, "gzip data is truncated");
    free(z.p);
    free(b.p);
}
END_TEST

/* A small .gz whose header promises more than the limit is refused after
 * its first bytes: 8 MiB of zeros after a header for one 32768 x 32768 image
 * (1 GiB + 16 bytes) are never inflated, so the message is about the header,
 * not about data that ends early. */
START_TEST(test_gzip_bomb_refused_at_the_header)
{
    const size_t zeros = (size_t)8 << 20;
    uint8_t *raw = calloc(16 + zeros, 1);
    ck_assert_ptr_nonnull(raw);
    const uint8_t hdr[16] = {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0x80, 0, 0, 0, 0x80, 0};
    memcpy(raw, hdr, sizeof hdr);
    bytes gz = gzip_bytes(raw, 16 + zeros);
    free(raw);
    idx_file f;
    ASSERT_FAILS(idx_parse(&f, gz.p, gz.n, "bomb.gz", err, sizeof err), "bomb.gz",
                 "IDX header promises 1073741840 bytes, more than the 1073741824-byte (1 GiB) limit; refused "
                 "before decompressing the rest");
    free(gz.p);
}
END_TEST

/* Images of another size than the network's inputs: refused from the
 * header of the .gz, before the rest is decompressed; labels (one
 * dimension) pass the same check. */
START_TEST(test_gzip_of_another_image_size_refused_at_the_header)
{
    const uint32_t dims[3] = {2, 32, 32};
    bytes raw = make_idx(0x08, 3, dims, 2 * 32 * 32);
    bytes gz = gzip_bytes(raw.p, raw.n);
    idx_file f;
    ASSERT_FAILS(idx_parse_expect(&f, gz.p, gz.n, 784, "im.gz", err, sizeof err), "im.gz",
                 "images of 1024 values each, the network takes 784; refused before decompressing the rest");
    ck_assert_int_eq(idx_parse_expect(&f, gz.p, gz.n, 1024, "im.gz", err, sizeof err), 0);
    idx_free(&f);
    const uint32_t ldims[1] = {5};
    bytes lraw = make_idx(0x08, 1, ldims, 5);
    bytes lgz = gzip_bytes(lraw.p, lraw.n);
    ck_assert_int_eq(idx_parse_expect(&f, lgz.p, lgz.n, 784, "lb.gz", err, sizeof err), 0);
    idx_free(&f);
    free(raw.p);
    free(gz.p);
    free(lraw.p);
    free(lgz.p);
}
END_TEST

/* A folder where a file should be: said so, not "file is 9223372036854775807 bytes". */
START_TEST(test_folder_is_not_a_file)
{
    const char *path = tmp_path("adir");
    ck_assert_int_eq(mkdir(path, 0700), 0);
    idx_file f;
    ASSERT_FAILS(idx_load(&f, path, err, sizeof err), path, "is a folder, not an IDX file");
}
END_TEST

START_TEST(test_missing_file)
{
    const char *path = tmp_path("no-such-file");
    idx_file f;
    ASSERT_FAILS(idx_load(&f, path, err, sizeof err), path, "cannot open: No such file or directory");
    ck_assert_ptr_null(f.data);

    idx_dataset d;
    char images[256];
    snprintf(images, sizeof images, "%s/train-images-idx3-ubyte", tu_scratch_dir());
    ASSERT_FAILS(idx_load_mnist(&d, tu_scratch_dir(), "train", 10, err, sizeof err), images,
                 "cannot open: No such file or directory (and no");
    ck_assert_msg(strstr(err, "train-images-idx3-ubyte.gz either") != NULL, "%s", err);
    ck_assert_ptr_null(d.x);

    /* images present, labels missing: the labels are named */
    bytes im = make_idx(0x08, 3, DIMS3, 12);
    write_file("train-images-idx3-ubyte", im.p, im.n);
    char labels[256];
    snprintf(labels, sizeof labels, "%s/train-labels-idx1-ubyte", tu_scratch_dir());
    ASSERT_FAILS(idx_load_mnist(&d, tu_scratch_dir(), "train", 10, err, sizeof err), labels, "cannot open");
    free(im.p);
}
END_TEST

START_TEST(test_size_limits)
{
    /* a sparse file just over 1 GiB: refused before anything is read */
    const char *path = tmp_path("huge");
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fseek(fp, (long)IDX_MAX_BYTES, SEEK_SET), 0);
    ck_assert_int_eq(fputc(0, fp), 0);
    ck_assert_int_eq(fclose(fp), 0);
    idx_file f;
    ASSERT_FAILS(idx_load(&f, path, err, sizeof err), path,
                 "file is 1073741825 bytes, larger than the 1073741824-byte (1 GiB) limit");

    /* gzip bomb: 1025 members of 1 MiB of zeros each inflate past 1 GiB */
    size_t mib = (size_t)1 << 20;
    uint8_t *zeros = calloc(mib, 1);
    ck_assert_ptr_nonnull(zeros);
    bytes m = gzip_bytes(zeros, mib);
    size_t k = 1025;
    uint8_t *bomb = malloc(m.n * k);
    ck_assert_ptr_nonnull(bomb);
    for (size_t i = 0; i < k; i++)
        memcpy(bomb + i * m.n, m.p, m.n);
    ASSERT_FAILS(idx_parse(&f, bomb, m.n * k, "bomb.gz", err, sizeof err), "bomb.gz",
                 "decompressed data exceeds the 1073741824-byte (1 GiB) limit");
    ck_assert_ptr_null(f.data);
    free(bomb);
    free(m.p);
    free(zeros);
}
END_TEST

START_TEST(test_parse_args)
{
    idx_file f;
    ASSERT_FAILS(idx_parse(&f, NULL, 4, "nullbuf", err, sizeof err), "nullbuf", "NULL buffer");
    ASSERT_FAILS(idx_parse(&f, NULL, 0, "nothing", err, sizeof err), "nothing", "file is 0 bytes");
    idx_dataset d;
    ASSERT_FAILS(idx_load_dataset(&d, "a", "b", 0, err, sizeof err), "b", "n_classes is 0, expected 1..256");
    /* a tiny error buffer is truncated, never overrun */
    char small[8];
    memset(small, 'x', sizeof small);
    ck_assert_int_eq(idx_parse(&f, NULL, 0, "nothing", small, sizeof small), -1);
    ck_assert_uint_eq(strlen(small), 7);
}
END_TEST

static Suite *idx_suite(void)
{
    Suite *s = suite_create("idx");

    TCase *core = tcase_create("core");
    tcase_add_unchecked_fixture(core, base_setup, base_teardown);
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_set_timeout(core, 120); /* generous for valgrind */
    tcase_add_test(core, test_raw_good);
    tcase_add_test(core, test_gzip_good);
    tcase_add_test(core, test_dataset_pair);
    tcase_add_test(core, test_committed_subset);
    tcase_add_test(core, test_free_zeroed);
    suite_add_tcase(s, core);

    TCase *limits = tcase_create("limits");
    tcase_add_unchecked_fixture(limits, base_setup, base_teardown);
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 600); /* the 1 GiB cases are slow under valgrind */
    tcase_add_test(limits, test_bad_magic);
    tcase_add_test(limits, test_bad_type);
    tcase_add_test(limits, test_bad_ndim);
    tcase_add_test(limits, test_zero_dim);
    tcase_add_test(limits, test_truncated);
    tcase_add_test(limits, test_trailing);
    tcase_add_test(limits, test_count_mismatch);
    tcase_add_test(limits, test_label_range);
    tcase_add_test(limits, test_overflow_dims);
    tcase_add_test(limits, test_corrupt_gzip);
    tcase_add_test(limits, test_truncated_gzip);
    tcase_add_test(limits, test_missing_file);
    tcase_add_test(limits, test_gzip_bomb_refused_at_the_header);
    tcase_add_test(limits, test_folder_is_not_a_file);
    tcase_add_test(limits, test_gzip_of_another_image_size_refused_at_the_header);
    tcase_add_test(limits, test_size_limits);
    tcase_add_test(limits, test_parse_args);
    suite_add_tcase(s, limits);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(idx_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
