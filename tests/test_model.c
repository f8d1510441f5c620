/* test_model.c: Check suite for runtime/model.c.
 *
 * "core" covers round trips, the exact byte layout and atomic saving;
 * "limits" covers every rejection, each by its message, and checks that the
 * caller's params are untouched whenever a load fails. Files live in a fresh
 * mkdtemp directory under /tmp. */
#define _POSIX_C_SOURCE 200809L

#include "model.h"
#include "err.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- fixtures ------------------------------------------------------------ */

static char g_dir[64];
static char err[ERR_MAX];

static void setup(void)
{
    ck_assert_int_eq(tu_mkdtemp(g_dir, sizeof g_dir, "test_model."), 0);
    err[0] = '\0';
}

static void teardown(void)
{
    tu_rmtree(g_dir);
}

/* PATH of NAME in the temp dir, in a static ring of buffers. */
static const char *tmp_path(const char *name)
{
    static char ring[8][256];
    static int next;
    char *p = ring[next++ % 8];
    snprintf(p, sizeof ring[0], "%s/%s", g_dir, name);
    return p;
}

/* Number of entries in the temp dir whose name contains ".tmp". */
static int count_tmp(void)
{
    DIR *d = opendir(g_dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp") != NULL)
            n++;
    closedir(d);
    return n;
}

static int count_entries(void)
{
    DIR *d = opendir(g_dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

typedef struct {
    uint8_t *p;
    size_t n;
} bytes;

static bytes read_all(const char *path)
{
    bytes b = {NULL, 0};
    b.p = (uint8_t *)tu_slurp(path, &b.n);
    ck_assert_msg(b.p != NULL, "cannot read %s", path);
    return b;
}

static const char *write_file(const char *name, const uint8_t *buf, size_t len)
{
    const char *path = tmp_path(name);
    ck_assert_int_eq(tu_write(path, buf, len), 0);
    return path;
}

/* ---- a model file built by hand, independently of model.c ------------------ */

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void fix_crc(bytes *b)
{
    uint32_t c = (uint32_t)crc32(0L, b->p, (uInt)(b->n - 4));
    le32(b->p + b->n - 4, c);
}

/* A file with the given header fields and n reals of value i+1 (as dtype). */
static bytes build(const char *name, uint32_t version, uint32_t fp, uint8_t dtype, uint64_t n)
{
    size_t L = strlen(name), rs = dtype == 2 ? 8 : 4;
    bytes b;
    b.n = 30 + L + (size_t)n * rs + 4;
    b.p = calloc(b.n, 1);
    ck_assert_ptr_nonnull(b.p);
    memcpy(b.p, "CNMODEL", 8);
    le32(b.p + 8, version);
    le32(b.p + 12, (uint32_t)(30 + L));
    b.p[16] = (uint8_t)L;
    memcpy(b.p + 17, name, L);
    le32(b.p + 17 + L, fp);
    b.p[21 + L] = dtype;
    le64(b.p + 22 + L, n);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t *q = b.p + 30 + L + i * rs;
        if (rs == 4) {
            float f = (float)(i + 1);
            uint32_t u;
            memcpy(&u, &f, 4);
            le32(q, u);
        } else {
            double d = (double)(i + 1);
            uint64_t u;
            memcpy(&u, &d, 8);
            le64(q, u);
        }
    }
    fix_crc(&b);
    return b;
}

/* The network the "limits" files are checked against. */
static const model_info TINY = {"tiny", 0xC0FFEE01u, 4, 5};

static bytes tiny_file(void)
{
    return build("tiny", 1, TINY.fingerprint, 1, TINY.n_params);
}

enum { SENTINEL = 0xA5, PARAM_BYTES = 64 };

static void fill_sentinel(uint8_t *p)
{
    memset(p, SENTINEL, PARAM_BYTES);
}

static void assert_untouched(const uint8_t *p)
{
    for (int i = 0; i < PARAM_BYTES; i++)
        ck_assert_uint_eq(p[i], SENTINEL);
}

/* b must be rejected by both model_parse and model_load with a message that
 * contains want, names its source, and leaves params alone. */
static void expect_reject(const bytes *b, const model_info *info, const char *want)
{
    uint8_t params[PARAM_BYTES];
    char prefix[300];

    fill_sentinel(params);
    err[0] = '\0';
    ck_assert_int_eq(model_parse(b->p, b->n, "mem.model", info, params, err, sizeof err), -1);
    ck_assert_msg(strstr(err, want) != NULL, "parse: '%s' lacks '%s'", err, want);
    ck_assert_msg(strncmp(err, "mem.model: error: ", 18) == 0, "parse: '%s'", err);
    assert_untouched(params);

    const char *path = write_file("bad.model", b->p, b->n);
    fill_sentinel(params);
    err[0] = '\0';
    ck_assert_int_eq(model_load(path, info, params, err, sizeof err), -1);
    ck_assert_msg(strstr(err, want) != NULL, "load: '%s' lacks '%s'", err, want);
    snprintf(prefix, sizeof prefix, "%s: error: ", path);
    ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "load: '%s'", err);
    assert_untouched(params);
    unlink(path);
}

/* ---- core ---------------------------------------------------------------- */

START_TEST(test_roundtrip_float)
{
    static const uint32_t bits[] = {
        0x00000000u, 0x80000000u, 0x3f800000u, 0xbf8ccccdu, 0x00000001u, /* 0 -0 1 -1.1 denormal */
        0x7f7fffffu, 0x7f800000u, 0xff800000u, 0x7fc12345u, 0x12345678u, /* max inf -inf NaN */
    };
    enum { N = sizeof bits / sizeof bits[0] };
    float in[N], out[N];
    memcpy(in, bits, sizeof in);
    memset(out, 0, sizeof out);
    const model_info info = {"floaty", 0x01020304u, sizeof(float), N};
    const char *path = tmp_path("f.model");
    ck_assert_msg(model_save(path, &info, in, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(model_load(path, &info, out, err, sizeof err) == 0, "%s", err);
    ck_assert_mem_eq(in, out, sizeof in);
    ck_assert_int_eq(count_tmp(), 0);

    bytes b = read_all(path);
    ck_assert_uint_eq(b.n, 30 + 6 + N * 4 + 4);
    memset(out, 0, sizeof out);
    ck_assert_msg(model_parse(b.p, b.n, "mem", &info, out, err, sizeof err) == 0, "%s", err);
    ck_assert_mem_eq(in, out, sizeof in);
    free(b.p);
}
END_TEST

START_TEST(test_roundtrip_double)
{
    static const uint64_t bits[] = {
        0x0000000000000000u, 0x8000000000000000u, 0x3ff0000000000000u,
        0x3fb999999999999au, 0x0000000000000001u, 0x7fefffffffffffffu,
        0x7ff0000000000000u, 0xfff8000000000000u, 0x7ff123456789abcdu,
        0x0123456789abcdefu, 0xc00921fb54442d18u,
    };
    enum { N = sizeof bits / sizeof bits[0] };
    double in[N], out[N];
    memcpy(in, bits, sizeof in);
    memset(out, 0, sizeof out);
    const model_info info = {"doubly", 0xdeadbeefu, sizeof(double), N};
    const char *path = tmp_path("d.model");
    ck_assert_msg(model_save(path, &info, in, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(model_load(path, &info, out, err, sizeof err) == 0, "%s", err);
    ck_assert_mem_eq(in, out, sizeof in);
    ck_assert_int_eq(count_tmp(), 0);
}
END_TEST

START_TEST(test_roundtrip_large)
{
    /* More than one 4096-byte chunk, and not a whole number of them. */
    enum { N = 3001 };
    float *in = malloc(N * sizeof *in), *out = calloc(N, sizeof *out);
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(out);
    for (int i = 0; i < N; i++)
        in[i] = (float)i * 0.37f - 100.0f;
    const model_info info = {"big", 7u, sizeof(float), N};
    const char *path = tmp_path("big.model");
    ck_assert_msg(model_save(path, &info, in, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(model_load(path, &info, out, err, sizeof err) == 0, "%s", err);
    ck_assert_mem_eq(in, out, N * sizeof *in);
    free(in);
    free(out);
}
END_TEST

START_TEST(test_exact_layout)
{
    const float p[2] = {1.0f, -2.0f};
    const model_info info = {"xor", 0x11223344u, sizeof(float), 2};
    const char *path = tmp_path("xor.model");
    ck_assert_msg(model_save(path, &info, p, err, sizeof err) == 0, "%s", err);
    bytes got = read_all(path);
    static const uint8_t head[] = {
        'C', 'N', 'M', 'O', 'D', 'E', 'L', 0,  /* magic */
        1, 0, 0, 0,                             /* version */
        33, 0, 0, 0,                            /* header size 30 + 3 */
        3, 'x', 'o', 'r',                       /* name */
        0x44, 0x33, 0x22, 0x11,                 /* fingerprint */
        1,                                      /* float32 */
        2, 0, 0, 0, 0, 0, 0, 0,                 /* count */
        0x00, 0x00, 0x80, 0x3f,                 /* 1.0f */
        0x00, 0x00, 0x00, 0xc0,                 /* -2.0f */
    };
    ck_assert_uint_eq(got.n, sizeof head + 4);
    ck_assert_mem_eq(got.p, head, sizeof head);
    uint32_t crc = (uint32_t)crc32(0L, head, sizeof head);
    uint8_t want[4];
    le32(want, crc);
    ck_assert_mem_eq(got.p + sizeof head, want, 4);

    /* The hand-built file of test_model.c agrees with model_save. */
    const float q[3] = {1.0f, 2.0f, 3.0f};
    const model_info i3 = {"tiny", 0xC0FFEE01u, 4, 3};
    const char *path3 = tmp_path("three.model");
    ck_assert_msg(model_save(path3, &i3, q, err, sizeof err) == 0, "%s", err);
    bytes a = read_all(path3), b = build("tiny", 1, 0xC0FFEE01u, 1, 3);
    ck_assert_uint_eq(a.n, b.n);
    ck_assert_mem_eq(a.p, b.p, a.n);
    free(a.p);
    free(b.p);
    free(got.p);
}
END_TEST

START_TEST(test_save_twice_identical)
{
    double p[17];
    for (int i = 0; i < 17; i++)
        p[i] = 1.0 / (i + 1);
    const model_info info = {"twice", 42u, sizeof(double), 17};
    const char *a = tmp_path("a.model"), *b = tmp_path("b.model");
    ck_assert_msg(model_save(a, &info, p, err, sizeof err) == 0, "%s", err);
    bytes first = read_all(a);
    ck_assert_msg(model_save(b, &info, p, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(model_save(a, &info, p, err, sizeof err) == 0, "%s", err);
    bytes sa = read_all(a), sb = read_all(b);
    ck_assert_uint_eq(first.n, sa.n);
    ck_assert_uint_eq(first.n, sb.n);
    ck_assert_mem_eq(first.p, sa.p, sa.n);
    ck_assert_mem_eq(first.p, sb.p, sb.n);
    ck_assert_int_eq(count_tmp(), 0);
    free(first.p);
    free(sa.p);
    free(sb.p);
}
END_TEST

START_TEST(test_save_replaces)
{
    const char *path = tmp_path("r.model");
    const char *link_path = tmp_path("old.link");
    static const uint8_t junk[] = "an older, much longer file that must be replaced whole";
    write_file("r.model", junk, sizeof junk);
    ck_assert_int_eq(link(path, link_path), 0);

    const float p[3] = {0.5f, 0.25f, 0.125f};
    float out[3] = {0};
    const model_info info = {"repl", 9u, sizeof(float), 3};
    ck_assert_msg(model_save(path, &info, p, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(model_load(path, &info, out, err, sizeof err) == 0, "%s", err);
    ck_assert_mem_eq(p, out, sizeof p);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 30 + 4 + 3 * 4 + 4);

    /* Renamed over, not written in place: the old inode keeps the old bytes. */
    bytes old = read_all(link_path);
    ck_assert_uint_eq(old.n, sizeof junk);
    ck_assert_mem_eq(old.p, junk, sizeof junk);
    free(old.p);

    /* Replacing again with other values. */
    const float p2[3] = {-1.0f, -2.0f, -3.0f};
    ck_assert_msg(model_save(path, &info, p2, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(model_load(path, &info, out, err, sizeof err) == 0, "%s", err);
    ck_assert_mem_eq(p2, out, sizeof p2);
    ck_assert_int_eq(count_tmp(), 0);
}
END_TEST

START_TEST(test_stale_temp_replaced)
{
    /* A leftover PATH.tmp.<pid> (same pid, earlier process) does not block saving. */
    const char *path = tmp_path("s.model");
    char stale[300];
    snprintf(stale, sizeof stale, "%s.tmp.%ld", path, (long)getpid());
    ck_assert_int_eq(tu_write(stale, "stale", 5), 0);
    const float p[1] = {3.0f};
    const model_info info = {"stale", 1u, sizeof(float), 1};
    ck_assert_msg(model_save(path, &info, p, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(count_tmp(), 0);
    ck_assert_int_eq(count_entries(), 1);
}
END_TEST

/* ---- limits -------------------------------------------------------------- */

START_TEST(test_bad_magic)
{
    bytes b = tiny_file();
    memcpy(b.p, "IDXFILE!", 8);
    fix_crc(&b);
    expect_reject(&b, &TINY, "not a constnet model file");
    /* A short file that is not a prefix of the magic either. */
    bytes s = {(uint8_t *)"hello", 5};
    expect_reject(&s, &TINY, "not a constnet model file");
    free(b.p);
}
END_TEST

/* ---- version 2: what a model keeps besides its parameters ----------------- */

/* A model_meta with standardization of 3 inputs and the class names given. */
static model_meta meta_of(const char *const *names, unsigned n)
{
    model_meta m = {0};
    static float shift[3] = {5.5f, -1.0f, 0.0f}, scale[3] = {0.5f, 2.0f, 1.0f};
    m.norm.kind = DATA_NORM_STANDARDIZE;
    m.norm.dim = 3;
    m.norm.shift = shift;
    m.norm.scale = scale;
    for (unsigned k = 0; k < n; ++k)
        ck_assert_int_eq(data_classes_find(&m.classes, names[k], DATA_MAX_CLASSES), (int)k);
    return m;
}

START_TEST(test_meta_roundtrip)
{
    const char *names[] = {"setosa", "versicolor", "virginica"};
    model_meta m = meta_of(names, 3);
    const float params[5] = {1, 2, 3, 4, 5};
    const char *path = tmp_path("meta.model");
    ck_assert_msg(model_save_meta(path, &TINY, params, &m, err, sizeof err) == 0, "%s", err);
    bytes b = read_all(path);
    ck_assert_uint_eq(b.p[8], 2); /* version 2 */
    /* header 34 + 4, payload 20, meta 1 + 4 + 24 + 2 + 7 + 11 + 10, CRC 4 */
    ck_assert_uint_eq(b.n, 38 + 20 + 59 + 4);
    float back[5];
    model_meta got;
    ck_assert_msg(model_load_meta(path, &TINY, back, &got, err, sizeof err) == 0, "%s", err);
    ck_assert_mem_eq(back, params, sizeof back);
    ck_assert_int_eq(got.norm.kind, DATA_NORM_STANDARDIZE);
    ck_assert_uint_eq(got.norm.dim, 3);
    ck_assert_mem_eq(got.norm.shift, m.norm.shift, 3 * sizeof(float));
    ck_assert_mem_eq(got.norm.scale, m.norm.scale, 3 * sizeof(float));
    ck_assert_uint_eq(got.classes.n, 3);
    ck_assert_str_eq(got.classes.name[1], "versicolor");
    model_meta_free(&got);
    /* model_load, which knows no meta, reads the parameters all the same */
    memset(back, 0, sizeof back);
    ck_assert_msg(model_load(path, &TINY, back, err, sizeof err) == 0, "%s", err);
    ck_assert_mem_eq(back, params, sizeof back);
    data_classes_free(&m.classes);
    free(b.p);
}
END_TEST

/* A version-1 file (as every model saved before version 2) loads with an empty meta. */
START_TEST(test_meta_from_version_1)
{
    bytes b = tiny_file();
    const char *path = write_file("v1.model", b.p, b.n);
    float back[5];
    model_meta got;
    memset(&got, 0xff, sizeof got);
    ck_assert_msg(model_load_meta(path, &TINY, back, &got, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(got.norm.kind, DATA_NORM_NONE);
    ck_assert_uint_eq(got.classes.n, 0);
    ck_assert_float_eq(back[4], 5.0f);
    model_meta_free(&got);
    /* and a model with nothing to keep besides its parameters is still written as version 1 */
    model_meta none = {0};
    ck_assert_int_eq(model_save_meta(tmp_path("none.model"), &TINY, back, &none, err, sizeof err), 0);
    bytes c = read_all(tmp_path("none.model"));
    ck_assert_uint_eq(c.p[8], 1);
    ck_assert_uint_eq(c.n, b.n);
    free(b.p);
    free(c.p);
}
END_TEST

/* A corrupt meta section (with a right CRC) is refused by exact message, params untouched. */
START_TEST(test_meta_corrupt)
{
    const char *names[] = {"a", "b"};
    model_meta m = meta_of(names, 2);
    const float params[5] = {1, 2, 3, 4, 5};
    const char *path = tmp_path("meta.model");
    ck_assert_int_eq(model_save_meta(path, &TINY, params, &m, err, sizeof err), 0);
    data_classes_free(&m.classes);
    bytes b = read_all(path);
    const size_t meta = 38 + 20; /* where the meta section starts */
    b.p[meta] = 3;
    fix_crc(&b);
    expect_reject(&b, &TINY, "corrupt: unknown normalization 3");
    b.p[meta] = 0;
    fix_crc(&b);
    expect_reject(&b, &TINY, "corrupt: normalization 'none' with 3 values");
    b.p[meta] = 2;
    b.p[b.n - 5] = '\n'; /* the last byte of the name "b" */
    fix_crc(&b);
    expect_reject(&b, &TINY, "corrupt: class name 1");
    b.p[b.n - 5] = 'a'; /* the same name twice */
    fix_crc(&b);
    expect_reject(&b, &TINY, "corrupt: class name 1");
    /* a version-2 file whose meta holds nothing: such a model is version 1 */
    bytes e = {malloc(38 + 20 + 7 + 4), 38 + 20 + 7 + 4};
    ck_assert_ptr_nonnull(e.p);
    memcpy(e.p, b.p, 38 + 20);
    le32(e.p + 34, 7);
    memset(e.p + meta, 0, 7);
    fix_crc(&e);
    expect_reject(&e, &TINY, "corrupt: a version-2 file with an empty meta section");
    free(e.p);
    le32(b.p + 34, 1000); /* the meta size, past the end of the file */
    fix_crc(&b);
    expect_reject(&b, &TINY, "truncated: file is 97 bytes, expected 1062");
    free(b.p);
}
END_TEST

START_TEST(test_newer_version)
{
    bytes b = build("tiny", 3, TINY.fingerprint, 1, TINY.n_params);
    expect_reject(&b, &TINY, "format version 3 is newer than this program's 2");
    free(b.p);
    b = build("tiny", 0x01000000u, TINY.fingerprint, 1, TINY.n_params);
    expect_reject(&b, &TINY, "format version 16777216 is newer than this program's 2");
    free(b.p);
    b = build("tiny", 0, TINY.fingerprint, 1, TINY.n_params);
    expect_reject(&b, &TINY, "corrupt: format version 0");
    free(b.p);
}
END_TEST

START_TEST(test_other_name)
{
    bytes b = build("tinz", 1, TINY.fingerprint, 1, TINY.n_params);
    expect_reject(&b, &TINY, "model is for network 'tinz', not 'tiny'");
    free(b.p);
    b = build("mnist", 1, TINY.fingerprint, 1, TINY.n_params);
    expect_reject(&b, &TINY, "model is for network 'mnist', not 'tiny'");
    free(b.p);
    b = build("tin", 1, TINY.fingerprint, 1, TINY.n_params);
    expect_reject(&b, &TINY, "model is for network 'tin', not 'tiny'");
    free(b.p);
    /* Bytes that are not printable are not echoed raw. */
    b = build("t\n\x01y", 1, TINY.fingerprint, 1, TINY.n_params);
    expect_reject(&b, &TINY, "model is for network 't??y', not 'tiny'");
    free(b.p);
}
END_TEST

START_TEST(test_other_fingerprint)
{
    bytes b = build("tiny", 1, TINY.fingerprint ^ 0x100u, 1, TINY.n_params);
    expect_reject(&b, &TINY,
                  "model is for a different network shape (fingerprint 0xc0ffef01, "
                  "this network's is 0xc0ffee01)");
    free(b.p);
}
END_TEST

START_TEST(test_other_dtype)
{
    bytes b = build("tiny", 1, TINY.fingerprint, 2, TINY.n_params);
    expect_reject(&b, &TINY, "model holds float64 parameters, this network uses float32");
    const model_info dbl = {"tiny", TINY.fingerprint, 8, TINY.n_params};
    free(b.p);
    b = tiny_file();
    expect_reject(&b, &dbl, "model holds float32 parameters, this network uses float64");
    free(b.p);
    b = build("tiny", 1, TINY.fingerprint, 3, TINY.n_params);
    expect_reject(&b, &TINY, "corrupt: unknown dtype 3");
    free(b.p);
}
END_TEST

START_TEST(test_other_count)
{
    bytes b = build("tiny", 1, TINY.fingerprint, 1, 6);
    expect_reject(&b, &TINY, "model has 6 parameters, this network has 5");
    free(b.p);
    b = build("tiny", 1, TINY.fingerprint, 1, 4);
    expect_reject(&b, &TINY, "model has 4 parameters, this network has 5");
    free(b.p);
    /* An absurd count is caught by comparison, never allocated. */
    b = tiny_file();
    le64(b.p + 26, UINT64_MAX);
    fix_crc(&b);
    expect_reject(&b, &TINY, "model has 18446744073709551615 parameters, this network has 5");
    free(b.p);
}
END_TEST

START_TEST(test_bad_header_fields)
{
    bytes b = tiny_file();
    le32(b.p + 12, 35);
    fix_crc(&b);
    expect_reject(&b, &TINY, "corrupt: header size 35, expected 34");
    free(b.p);
    b = tiny_file();
    b.p[16] = 0;
    fix_crc(&b);
    expect_reject(&b, &TINY, "corrupt: net name length 0, must be 1..32");
    b.p[16] = 33;
    fix_crc(&b);
    expect_reject(&b, &TINY, "corrupt: net name length 33, must be 1..32");
    free(b.p);
}
END_TEST

START_TEST(test_truncated)
{
    bytes b = tiny_file(); /* 30 + 4 + 5*4 + 4 = 58 bytes */
    ck_assert_uint_eq(b.n, 58);
    bytes cut = {b.p, b.n - 1};
    expect_reject(&cut, &TINY, "truncated: file is 57 bytes, expected 58");
    /* Every shorter length is rejected as truncated too. */
    char want[64];
    for (size_t n = 0; n < b.n; n++) {
        uint8_t params[PARAM_BYTES];
        fill_sentinel(params);
        snprintf(want, sizeof want, "truncated: file is %zu bytes, expected 58", n);
        ck_assert_int_eq(model_parse(b.p, n, "cut", &TINY, params, err, sizeof err), -1);
        ck_assert_msg(strstr(err, want) != NULL, "'%s' lacks '%s'", err, want);
        assert_untouched(params);
    }
    bytes empty = {b.p, 0};
    expect_reject(&empty, &TINY, "truncated: file is 0 bytes, expected 58");
    free(b.p);
}
END_TEST

START_TEST(test_trailing)
{
    bytes b = tiny_file();
    bytes longer = {malloc(b.n + 3), b.n + 3};
    ck_assert_ptr_nonnull(longer.p);
    memcpy(longer.p, b.p, b.n);
    memset(longer.p + b.n, 0, 3);
    expect_reject(&longer, &TINY, "3 trailing bytes: file is 61 bytes, expected 58");
    free(longer.p);
    free(b.p);
}
END_TEST

START_TEST(test_crc_mismatch)
{
    bytes b = tiny_file();
    b.p[40] ^= 0x10; /* in the payload */
    expect_reject(&b, &TINY, "corrupt: CRC-32 mismatch");
    b.p[40] ^= 0x10;
    b.p[b.n - 1] ^= 0x80; /* in the CRC itself */
    expect_reject(&b, &TINY, "corrupt: CRC-32 mismatch");
    free(b.p);
}
END_TEST

START_TEST(test_missing_file)
{
    uint8_t params[PARAM_BYTES];
    fill_sentinel(params);
    const char *path = tmp_path("absent.model");
    ck_assert_int_eq(model_load(path, &TINY, params, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "absent.model: error: cannot open: No such file or directory") !=
                      NULL,
                  "%s", err);
    assert_untouched(params);

    /* A directory is not a model file. */
    fill_sentinel(params);
    ck_assert_int_eq(model_load(g_dir, &TINY, params, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);
    assert_untouched(params);
}
END_TEST

START_TEST(test_save_missing_dir)
{
    const float p[2] = {1.0f, 2.0f};
    const model_info info = {"tiny", 1u, sizeof(float), 2};
    const char *path = tmp_path("no/such/dir/m.model");
    ck_assert_int_eq(model_save(path, &info, p, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "m.model: error: cannot create ") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "No such file or directory") != NULL, "%s", err);
    ck_assert_int_eq(count_tmp(), 0);
    ck_assert_int_eq(count_entries(), 0);
    struct stat st;
    ck_assert_int_ne(stat(tmp_path("no"), &st), 0);
}
END_TEST

START_TEST(test_save_rename_fails)
{
    /* path is an existing non-empty directory: refused before a temporary
     * is made, never renamed over */
    const char *dir = tmp_path("taken");
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    char inner[300];
    snprintf(inner, sizeof inner, "%s/keep", dir);
    ck_assert_int_eq(tu_write(inner, "", 0), 0);
    const float p[2] = {1.0f, 2.0f};
    const model_info info = {"tiny", 1u, sizeof(float), 2};
    ck_assert_int_eq(model_save(dir, &info, p, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "taken: error: is a folder; give a file name") != NULL, "%s", err);
    ck_assert_int_eq(count_tmp(), 0);
    unlink(inner);
    rmdir(dir);
}
END_TEST

START_TEST(test_bad_info)
{
    const float p[2] = {1.0f, 2.0f};
    const char *path = tmp_path("i.model");
    const model_info longname = {"a_network_name_of_thirty_three_by", 1u, 4, 2};
    ck_assert_int_eq(model_save(path, &longname, p, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "net name is 33 bytes, must be 1..32") != NULL, "%s", err);
    const model_info empty = {"", 1u, 4, 2};
    ck_assert_int_eq(model_save(path, &empty, p, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "net name is 0 bytes") != NULL, "%s", err);
    const model_info rs = {"tiny", 1u, 2, 2};
    ck_assert_int_eq(model_save(path, &rs, p, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "real size 2, must be 4 or 8") != NULL, "%s", err);
    ck_assert_int_eq(count_entries(), 0);

    /* A 32-byte name is the longest allowed, and works. */
    const model_info max = {"a_network_name_of_thirty_two_by_", 1u, 4, 2};
    float out[2] = {0};
    ck_assert_msg(model_save(path, &max, p, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(model_load(path, &max, out, err, sizeof err) == 0, "%s", err);
    ck_assert_mem_eq(p, out, sizeof p);
}
END_TEST

START_TEST(test_every_byte_flip)
{
    bytes b = tiny_file();
    uint8_t params[PARAM_BYTES];
    for (size_t i = 0; i < b.n; i++) {
        for (unsigned x = 1; x < 256; x++) {
            b.p[i] ^= (uint8_t)x;
            fill_sentinel(params);
            err[0] = '\0';
            int rc = model_parse(b.p, b.n, "flip", &TINY, params, err, sizeof err);
            ck_assert_msg(rc == -1, "flip of byte %zu by 0x%02x accepted", i, x);
            ck_assert_msg(strncmp(err, "flip: error: ", 13) == 0, "%s", err);
            assert_untouched(params);
            b.p[i] ^= (uint8_t)x;
        }
    }
    /* And through the file system, one flip per byte. */
    for (size_t i = 0; i < b.n; i++) {
        b.p[i] ^= 0x01;
        const char *path = write_file("flip.model", b.p, b.n);
        fill_sentinel(params);
        ck_assert_msg(model_load(path, &TINY, params, err, sizeof err) == -1,
                      "flip of byte %zu accepted", i);
        assert_untouched(params);
        b.p[i] ^= 0x01;
    }
    /* The unflipped file is fine. */
    float out[5];
    ck_assert_msg(model_parse(b.p, b.n, "ok", &TINY, out, err, sizeof err) == 0, "%s", err);
    for (int i = 0; i < 5; i++)
        ck_assert_float_eq(out[i], (float)(i + 1));
    free(b.p);
}
END_TEST

/* ---- runner -------------------------------------------------------------- */

static Suite *model_suite(void)
{
    Suite *s = suite_create("model");

    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_roundtrip_float);
    tcase_add_test(core, test_roundtrip_double);
    tcase_add_test(core, test_roundtrip_large);
    tcase_add_test(core, test_exact_layout);
    tcase_add_test(core, test_save_twice_identical);
    tcase_add_test(core, test_save_replaces);
    tcase_add_test(core, test_stale_temp_replaced);
    suite_add_tcase(s, core);

    TCase *limits = tcase_create("limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 60);
    tcase_add_test(limits, test_bad_magic);
    tcase_add_test(limits, test_newer_version);
    tcase_add_test(limits, test_meta_roundtrip);
    tcase_add_test(limits, test_meta_from_version_1);
    tcase_add_test(limits, test_meta_corrupt);
    tcase_add_test(limits, test_other_name);
    tcase_add_test(limits, test_other_fingerprint);
    tcase_add_test(limits, test_other_dtype);
    tcase_add_test(limits, test_other_count);
    tcase_add_test(limits, test_bad_header_fields);
    tcase_add_test(limits, test_truncated);
    tcase_add_test(limits, test_trailing);
    tcase_add_test(limits, test_crc_mismatch);
    tcase_add_test(limits, test_missing_file);
    tcase_add_test(limits, test_save_missing_dir);
    tcase_add_test(limits, test_save_rename_fails);
    tcase_add_test(limits, test_bad_info);
    tcase_add_test(limits, test_every_byte_flip);
    suite_add_tcase(s, limits);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(model_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
