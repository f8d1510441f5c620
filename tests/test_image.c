/* test_image.c: Check suite for runtime/image.c.
 *
 * "core" covers PGM (P5, P2, 16-bit) and PNG (gray, RGB, palette, alpha,
 * interlaced) input, box-filter resampling, the gallery PNG and ASCII art;
 * "limits" covers bad input, each by its message. Fixtures are written with
 * fprintf and libpng into a fresh mkdtemp directory. */
#define _XOPEN_SOURCE 700 /* opendir, access */

#include "image.h"
#include "err.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <math.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- fixtures ------------------------------------------------------------ */

/* A scratch directory per TCase (unchecked fixture, so even a failed test
 * leaves nothing behind) and a fresh subdirectory of it per test (checked
 * fixture); see tu_scratch_open in testutil.h. */
static char err[ERR_MAX];

static void base_setup(void)
{
    if (tu_scratch_open("test_image.") != 0) {
        perror("test_image: mkdtemp");
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

static const char *write_file(const char *name, const void *buf, size_t len)
{
    const char *path = tmp_path(name);
    ck_assert_int_eq(tu_write(path, buf, len), 0);
    return path;
}

static const char *write_text(const char *name, const char *text)
{
    return write_file(name, text, strlen(text));
}

/* A PGM: HEADER as given (magic through the whitespace after maxval), then
 * `len` raster bytes. */
static const char *write_pgm(const char *name, const char *header, const uint8_t *raster,
                             size_t len)
{
    size_t hl = strlen(header);
    uint8_t *buf = malloc(hl + len + 1);
    ck_assert_ptr_nonnull(buf);
    memcpy(buf, header, hl);
    if (len > 0)
        memcpy(buf + hl, raster, len);
    const char *path = write_file(name, buf, hl + len);
    free(buf);
    return path;
}

typedef struct {
    int ctype, depth, interlace;
    const png_color *pal;
    int npal;
    const png_byte *trns; /* palette alpha, npal entries */
} png_opts;

/* A PNG of w x h from packed rows (libpng's row layout; 16-bit big-endian). */
static const char *write_png(const char *name, unsigned w, unsigned h, const png_opts *o,
                             const uint8_t *data)
{
    const char *path = tmp_path(name);
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(png);
    png_infop info = png_create_info_struct(png);
    ck_assert_ptr_nonnull(info);
    if (setjmp(png_jmpbuf(png)))
        ck_abort_msg("libpng failed writing fixture %s", name);
    png_init_io(png, fp);
    png_set_IHDR(png, info, w, h, o->depth, o->ctype, o->interlace, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (o->pal != NULL)
        png_set_PLTE(png, info, o->pal, o->npal);
    if (o->trns != NULL)
        png_set_tRNS(png, info, o->trns, o->npal, NULL);
    png_write_info(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    png_bytep *rows = malloc(h * sizeof *rows);
    ck_assert_ptr_nonnull(rows);
    for (unsigned y = 0; y < h; y++)
        rows[y] = (png_bytep)(uintptr_t)(data + y * rowbytes);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    ck_assert_int_eq(fclose(fp), 0);
    return path;
}

/* Read an 8-bit RGB PNG back; *px is malloc'd w*h*3 bytes. */
static void read_png_rgb(const char *path, unsigned *w, unsigned *h, uint8_t **px)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(png);
    png_infop info = png_create_info_struct(png);
    ck_assert_ptr_nonnull(info);
    if (setjmp(png_jmpbuf(png)))
        ck_abort_msg("libpng cannot read back %s", path);
    png_init_io(png, fp);
    png_read_info(png, info);
    ck_assert_int_eq(png_get_color_type(png, info), PNG_COLOR_TYPE_RGB);
    ck_assert_int_eq(png_get_bit_depth(png, info), 8);
    *w = png_get_image_width(png, info);
    *h = png_get_image_height(png, info);
    ck_assert_uint_eq(png_get_rowbytes(png, info), (size_t)*w * 3);
    *px = malloc((size_t)*w * *h * 3);
    ck_assert_ptr_nonnull(*px);
    for (unsigned y = 0; y < *h; y++)
        png_read_row(png, *px + (size_t)y * *w * 3, NULL);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
}

/* Pseudo-random bytes, reproducible. */
static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (uint8_t)(seed >> 24);
    }
}

/* rc is -1, the message starts "NAME: error: " and contains PHRASE. */
#define ASSERT_FAILS(rc, name, phrase)                                                        \
    do {                                                                                      \
        ck_assert_int_eq((rc), -1);                                                           \
        ck_assert_msg(strncmp(err, (name), strlen(name)) == 0 &&                              \
                          strncmp(err + strlen(name), ": error: ", 9) == 0,                   \
                      "message does not start with '%s: error: ': %s", (name), err);          \
        ck_assert_msg(strstr(err, (phrase)) != NULL, "message lacks '%s': %s", (phrase), err); \
        ck_assert_msg(strchr(err, '\n') == NULL, "message is not one line: %s", err);         \
    } while (0)

/* call returns 0; on failure, show the message. */
#define ASSERT_OK(call)                                                          \
    do {                                                                         \
        err[0] = '\0';                                                           \
        int rc_ = (call);                                                        \
        ck_assert_msg(rc_ == 0, "%s returned %d: %s", #call, rc_, err);          \
    } while (0)

#define ASSERT_NEAR(a, b, tol)                                                                 \
    ck_assert_msg(fabs((double)(a) - (double)(b)) <= (tol), "%s = %.9g, expected %.9g (+-%g)", \
                  #a, (double)(a), (double)(b), (double)(tol))

/* ---- core: PGM ------------------------------------------------------------ */

START_TEST(test_pgm_p5)
{
    const uint8_t raster[6] = {0, 1, 127, 128, 254, 255};
    const char *path = write_pgm("a.pgm", "P5\n# made by test_image\n3 # width\n2\n#maxval next\n255\n",
                                 raster, 6);
    float out[6];
    ASSERT_OK(image_load_gray(path, 3, 2, out, err, sizeof err));
    for (int i = 0; i < 6; i++)
        ck_assert_float_eq(out[i], (float)raster[i] / 255.0f); /* bit for bit like training data */

    /* a raster whose first byte is whitespace or '#' is still raster */
    const uint8_t tricky[2] = {'#', '\n'};
    path = write_pgm("b.pgm", "P5 2 1 255\n", tricky, 2);
    ASSERT_OK(image_load_gray(path, 2, 1, out, err, sizeof err));
    ck_assert_float_eq(out[0], (float)'#' / 255.0f);
    ck_assert_float_eq(out[1], (float)'\n' / 255.0f);

    /* small maxval, trailing whitespace */
    const uint8_t r3[3] = {0, 3, 7};
    path = write_pgm("c.pgm", "P5\t3\r\n1\r\n7\n", r3, 3);
    ASSERT_OK(image_load_gray(path, 3, 1, out, err, sizeof err));
    ck_assert_float_eq(out[1], 3.0f / 7.0f);
    ck_assert_float_eq(out[2], 1.0f);
}
END_TEST

START_TEST(test_pgm_p2)
{
    const char *path = write_text("a.pgm", "P2\n# plain PGM\n# two comments\n4 2 # trailing comment\n"
                                           "15\n0 1 2 3\n\t4  5\r\n6 15\n\n");
    float out[8];
    ASSERT_OK(image_load_gray(path, 4, 2, out, err, sizeof err));
    const unsigned v[8] = {0, 1, 2, 3, 4, 5, 6, 15};
    for (int i = 0; i < 8; i++)
        ck_assert_float_eq(out[i], (float)v[i] / 15.0f);

    /* no newline at end of file */
    path = write_text("b.pgm", "P2 2 1 255 10 200");
    ASSERT_OK(image_load_gray(path, 2, 1, out, err, sizeof err));
    ck_assert_float_eq(out[1], 200.0f / 255.0f);
}
END_TEST

START_TEST(test_pgm_16bit)
{
    const uint8_t raster[8] = {0x00, 0x00, 0xff, 0xff, 0x80, 0x00, 0x00, 0x01};
    const char *path = write_pgm("a.pgm", "P5\n4 1\n65535\n", raster, 8);
    float out[4];
    ASSERT_OK(image_load_gray(path, 4, 1, out, err, sizeof err));
    ck_assert_float_eq(out[0], 0.0f);
    ck_assert_float_eq(out[1], 1.0f);
    ck_assert_float_eq(out[2], 32768.0f / 65535.0f);
    ck_assert_float_eq(out[3], 1.0f / 65535.0f);

    /* maxval 1000: still two bytes per sample */
    const uint8_t r2[4] = {0x01, 0xf4, 0x03, 0xe8}; /* 500, 1000 */
    path = write_pgm("b.pgm", "P5 2 1 1000\n", r2, 4);
    ASSERT_OK(image_load_gray(path, 2, 1, out, err, sizeof err));
    ck_assert_float_eq(out[0], 0.5f);
    ck_assert_float_eq(out[1], 1.0f);

    /* plain, 16-bit */
    path = write_text("c.pgm", "P2 2 1 65535\n65535 13107\n");
    ASSERT_OK(image_load_gray(path, 2, 1, out, err, sizeof err));
    ck_assert_float_eq(out[0], 1.0f);
    ck_assert_float_eq(out[1], 13107.0f / 65535.0f);
}
END_TEST

/* ---- core: PNG ------------------------------------------------------------ */

START_TEST(test_png_gray)
{
    uint8_t px[28 * 28];
    fill(px, sizeof px, 7);
    float out[28 * 28];
    const png_opts g8 = {PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, NULL, 0, NULL};
    const char *path = write_png("g8.png", 28, 28, &g8, px);
    ASSERT_OK(image_load_gray(path, 28, 28, out, err, sizeof err));
    for (int i = 0; i < 28 * 28; i++)
        ck_assert_float_eq(out[i], (float)px[i] / 255.0f);

    /* interlaced: the same numbers */
    const png_opts gi = {PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_ADAM7, NULL, 0, NULL};
    path = write_png("gi.png", 28, 28, &gi, px);
    memset(out, 0, sizeof out);
    ASSERT_OK(image_load_gray(path, 28, 28, out, err, sizeof err));
    for (int i = 0; i < 28 * 28; i++)
        ck_assert_float_eq(out[i], (float)px[i] / 255.0f);

    /* 1-bit gray: 10110000 */
    const uint8_t bits[1] = {0xb0};
    const png_opts g1 = {PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE, NULL, 0, NULL};
    path = write_png("g1.png", 4, 1, &g1, bits);
    ASSERT_OK(image_load_gray(path, 4, 1, out, err, sizeof err));
    ck_assert_float_eq(out[0], 1.0f);
    ck_assert_float_eq(out[1], 0.0f);
    ck_assert_float_eq(out[2], 1.0f);
    ck_assert_float_eq(out[3], 1.0f);

    /* 16-bit gray: scaled to 8 bits */
    const uint8_t g16px[6] = {0x00, 0x00, 0xff, 0xff, 0x80, 0x80};
    const png_opts g16 = {PNG_COLOR_TYPE_GRAY, 16, PNG_INTERLACE_NONE, NULL, 0, NULL};
    path = write_png("g16.png", 3, 1, &g16, g16px);
    ASSERT_OK(image_load_gray(path, 3, 1, out, err, sizeof err));
    ck_assert_float_eq(out[0], 0.0f);
    ck_assert_float_eq(out[1], 1.0f);
    ASSERT_NEAR(out[2], 0x8080 / 65535.0, 1.0 / 255);
}
END_TEST

START_TEST(test_png_rgb)
{
    /* white, black, mid gray, pure red, pure green, pure blue */
    const uint8_t px[18] = {255, 255, 255, 0, 0, 0, 128, 128, 128, 255, 0, 0, 0, 255, 0, 0, 0, 255};
    const png_opts rgb = {PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_NONE, NULL, 0, NULL};
    const char *path = write_png("rgb.png", 6, 1, &rgb, px);
    float out[6];
    ASSERT_OK(image_load_gray(path, 6, 1, out, err, sizeof err));
    ck_assert_float_eq(out[0], 1.0f);
    ck_assert_float_eq(out[1], 0.0f);
    ck_assert_float_eq(out[2], 128.0f / 255.0f);
    /* luminance weights (BT.709 in libpng: .2126, .7152, .0722) */
    ASSERT_NEAR(out[3], 0.2126, 2.0 / 255);
    ASSERT_NEAR(out[4], 0.7152, 2.0 / 255);
    ASSERT_NEAR(out[5], 0.0722, 2.0 / 255);
    ck_assert_float_gt(out[4], out[3]);
    ck_assert_float_gt(out[3], out[5]);

    /* palette, 2-bit */
    const png_color pal[3] = {{0, 0, 0}, {255, 255, 255}, {100, 100, 100}};
    const uint8_t idx[1] = {0x24}; /* 00 10 01 00 */
    const png_opts p2 = {PNG_COLOR_TYPE_PALETTE, 2, PNG_INTERLACE_NONE, pal, 3, NULL};
    path = write_png("pal.png", 4, 1, &p2, idx);
    ASSERT_OK(image_load_gray(path, 4, 1, out, err, sizeof err));
    ck_assert_float_eq(out[0], 0.0f);
    ck_assert_float_eq(out[1], 100.0f / 255.0f);
    ck_assert_float_eq(out[2], 1.0f);
    ck_assert_float_eq(out[3], 0.0f);
}
END_TEST

START_TEST(test_png_alpha)
{
    /* gray + alpha: opaque white, transparent white, half-transparent 200 */
    const uint8_t ga[6] = {255, 255, 255, 0, 200, 128};
    const png_opts gao = {PNG_COLOR_TYPE_GRAY_ALPHA, 8, PNG_INTERLACE_NONE, NULL, 0, NULL};
    const char *path = write_png("ga.png", 3, 1, &gao, ga);
    float out[4];
    ASSERT_OK(image_load_gray(path, 3, 1, out, err, sizeof err));
    ck_assert_float_eq(out[0], 1.0f);
    ck_assert_float_eq(out[1], 0.0f); /* over black */
    ASSERT_NEAR(out[2], 200.0 * 128.0 / (255.0 * 255.0), 1e-6);

    /* RGBA */
    const uint8_t rgba[8] = {255, 255, 255, 128, 255, 255, 255, 255};
    const png_opts rgbao = {PNG_COLOR_TYPE_RGB_ALPHA, 8, PNG_INTERLACE_NONE, NULL, 0, NULL};
    path = write_png("rgba.png", 2, 1, &rgbao, rgba);
    ASSERT_OK(image_load_gray(path, 2, 1, out, err, sizeof err));
    ASSERT_NEAR(out[0], 128.0 / 255.0, 1e-6);
    ck_assert_float_eq(out[1], 1.0f);

    /* palette with tRNS */
    const png_color pal[2] = {{255, 255, 255}, {255, 255, 255}};
    const png_byte trns[2] = {255, 64};
    const uint8_t idx[2] = {0, 1};
    const png_opts p8 = {PNG_COLOR_TYPE_PALETTE, 8, PNG_INTERLACE_NONE, pal, 2, trns};
    path = write_png("palt.png", 2, 1, &p8, idx);
    ASSERT_OK(image_load_gray(path, 2, 1, out, err, sizeof err));
    ck_assert_float_eq(out[0], 1.0f);
    ASSERT_NEAR(out[1], 64.0 / 255.0, 1e-6);
}
END_TEST

/* ---- core: resampling ----------------------------------------------------- */

START_TEST(test_downsample)
{
    uint8_t big[56 * 56];
    fill(big, sizeof big, 42);
    float out[28 * 28];
    const char *pgm = write_pgm("big.pgm", "P5 56 56 255\n", big, sizeof big);
    const png_opts g8 = {PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, NULL, 0, NULL};
    const char *png = write_png("big.png", 56, 56, &g8, big);
    const char *paths[2] = {pgm, png};
    for (int f = 0; f < 2; f++) {
        memset(out, 0xff, sizeof out);
        ASSERT_OK(image_load_gray(paths[f], 28, 28, out, err, sizeof err));
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++) {
                unsigned s = big[(2 * y) * 56 + 2 * x] + big[(2 * y) * 56 + 2 * x + 1] +
                             big[(2 * y + 1) * 56 + 2 * x] + big[(2 * y + 1) * 56 + 2 * x + 1];
                ASSERT_NEAR(out[y * 28 + x], s / (4.0 * 255.0), 1e-6);
            }
    }

    /* non-integer factor: 3 -> 2 is [s0 + s1/2, s1/2 + s2] / 1.5 */
    const uint8_t three[3] = {30, 60, 90};
    const char *path = write_pgm("three.pgm", "P5 3 1 90\n", three, 3);
    ASSERT_OK(image_load_gray(path, 2, 1, out, err, sizeof err));
    ASSERT_NEAR(out[0], (30 + 30) / 1.5 / 90.0, 1e-6);
    ASSERT_NEAR(out[1], (30 + 90) / 1.5 / 90.0, 1e-6);

    /* up: 2 -> 3 is s0, (s0 + s1) / 2, s1; and vertically 1 -> 2 repeats */
    const uint8_t two[2] = {0, 200};
    path = write_pgm("two.pgm", "P5 2 1 200\n", two, 2);
    ASSERT_OK(image_load_gray(path, 3, 2, out, err, sizeof err));
    const float want[6] = {0.0f, 0.5f, 1.0f, 0.0f, 0.5f, 1.0f};
    for (int i = 0; i < 6; i++)
        ASSERT_NEAR(out[i], want[i], 1e-6);

    /* a constant image stays constant at any size */
    uint8_t flat[37 * 23];
    memset(flat, 77, sizeof flat);
    path = write_pgm("flat.pgm", "P5 37 23 255\n", flat, sizeof flat);
    ASSERT_OK(image_load_gray(path, 28, 28, out, err, sizeof err));
    for (int i = 0; i < 28 * 28; i++)
        ASSERT_NEAR(out[i], 77.0 / 255.0, 1e-6);

    /* the mean is kept: 100 x 60 -> 7 x 3 (non-integer both ways) */
    uint8_t odd[100 * 60];
    fill(odd, sizeof odd, 3);
    double mean_in = 0, mean_out = 0;
    for (size_t i = 0; i < sizeof odd; i++)
        mean_in += odd[i] / 255.0;
    mean_in /= (double)sizeof odd;
    path = write_pgm("odd.pgm", "P5 100 60 255\n", odd, sizeof odd);
    ASSERT_OK(image_load_gray(path, 7, 3, out, err, sizeof err));
    for (int i = 0; i < 21; i++) {
        ck_assert(out[i] >= 0.0f && out[i] <= 1.0f);
        mean_out += out[i] / 21.0;
    }
    ASSERT_NEAR(mean_out, mean_in, 1e-5);
}
END_TEST

/* ---- core: gallery and ASCII ---------------------------------------------- */

static int is_green(const uint8_t *p) { return p[1] > 150 && p[0] < 120 && p[2] < 120; }
static int is_red(const uint8_t *p) { return p[0] > 150 && p[1] < 120 && p[2] < 120; }

/* Count label pixels of tile (r, c) in a gallery of `cols` columns and width w. */
static void label_colors(const uint8_t *px, unsigned w, unsigned r, unsigned c, int *green, int *red)
{
    *green = *red = 0;
    unsigned x0 = IMAGE_GALLERY_GAP + c * (IMAGE_GALLERY_TILE_W + IMAGE_GALLERY_GAP);
    unsigned y0 = IMAGE_GALLERY_GAP + r * (IMAGE_GALLERY_TILE_H + IMAGE_GALLERY_GAP) +
                  28 * IMAGE_GALLERY_SCALE;
    for (unsigned y = y0; y < y0 + IMAGE_GALLERY_LABEL_H; y++)
        for (unsigned x = x0; x < x0 + IMAGE_GALLERY_TILE_W; x++) {
            const uint8_t *p = px + 3 * ((size_t)y * w + x);
            *green += is_green(p);
            *red += is_red(p);
        }
}

START_TEST(test_gallery)
{
    enum { N = 5, COLS = 3 };
    static uint8_t digit[N][784];
    const uint8_t *digits[N];
    for (int i = 0; i < N; i++) {
        fill(digit[i], 784, (uint32_t)i + 100);
        digits[i] = digit[i];
    }
    const unsigned char truth[N] = {7, 2, 1, 0, 4};
    const unsigned char pred[N] = {7, 3, 1, 6, 4};
    const char *path = tmp_path("gallery.png");
    ASSERT_OK(image_write_gallery_png(path, digits, truth, pred, N, COLS, err, sizeof err));
    /* again, over the existing file */
    ASSERT_OK(image_write_gallery_png(path, digits, truth, pred, N, COLS, err, sizeof err));

    unsigned w, h;
    uint8_t *px;
    read_png_rgb(path, &w, &h, &px);
    ck_assert_uint_eq(w, COLS * IMAGE_GALLERY_TILE_W + (COLS + 1) * IMAGE_GALLERY_GAP);
    ck_assert_uint_eq(h, 2 * IMAGE_GALLERY_TILE_H + 3 * IMAGE_GALLERY_GAP);
    ck_assert_uint_eq(w, 3 * 84 + 4 * 4);
    ck_assert_uint_eq(h, 2 * (84 + 18) + 3 * 4);

    /* every digit pixel is scaled 3x, gray */
    for (unsigned k = 0; k < N; k++) {
        unsigned x0 = IMAGE_GALLERY_GAP + (k % COLS) * (IMAGE_GALLERY_TILE_W + IMAGE_GALLERY_GAP);
        unsigned y0 = IMAGE_GALLERY_GAP + (k / COLS) * (IMAGE_GALLERY_TILE_H + IMAGE_GALLERY_GAP);
        for (unsigned y = 0; y < 28 * IMAGE_GALLERY_SCALE; y++)
            for (unsigned x = 0; x < 28 * IMAGE_GALLERY_SCALE; x++) {
                const uint8_t *p = px + 3 * ((size_t)(y0 + y) * w + x0 + x);
                uint8_t v = digit[k][(y / 3) * 28 + x / 3];
                ck_assert_msg(p[0] == v && p[1] == v && p[2] == v, "digit %u pixel (%u,%u)", k, x, y);
            }
    }
    /* labels: right ones all green, wrong ones green and red */
    for (unsigned k = 0; k < N; k++) {
        int green, red;
        label_colors(px, w, k / COLS, k % COLS, &green, &red);
        ck_assert_int_gt(green, 20);
        if (truth[k] == pred[k])
            ck_assert_int_eq(red, 0);
        else
            ck_assert_int_gt(red, 20);
    }
    /* the sixth slot is empty: one color, the gap's */
    {
        unsigned x0 = IMAGE_GALLERY_GAP + 2 * (IMAGE_GALLERY_TILE_W + IMAGE_GALLERY_GAP);
        unsigned y0 = IMAGE_GALLERY_GAP + IMAGE_GALLERY_TILE_H + IMAGE_GALLERY_GAP;
        const uint8_t *ref = px + 3 * ((size_t)y0 * w + x0);
        for (unsigned y = y0; y < y0 + IMAGE_GALLERY_TILE_H; y++)
            for (unsigned x = x0; x < x0 + IMAGE_GALLERY_TILE_W; x++)
                ck_assert_int_eq(memcmp(px + 3 * ((size_t)y * w + x), ref, 3), 0);
        ck_assert_int_eq(memcmp(px, ref, 3), 0); /* = the frame */
    }
    free(px);

    /* no labels at all, fewer digits than columns */
    path = tmp_path("plain.png");
    ASSERT_OK(image_write_gallery_png(path, digits, NULL, NULL, 2, 10, err, sizeof err));
    read_png_rgb(path, &w, &h, &px);
    ck_assert_uint_eq(w, 2 * IMAGE_GALLERY_TILE_W + 3 * IMAGE_GALLERY_GAP);
    ck_assert_uint_eq(h, IMAGE_GALLERY_TILE_H + 2 * IMAGE_GALLERY_GAP);
    int green, red;
    label_colors(px, w, 0, 0, &green, &red);
    ck_assert_int_eq(green + red, 0);
    free(px);

    /* nothing but the two galleries in the directory: no temp file left */
    DIR *d = opendir(tu_scratch_dir());
    ck_assert_ptr_nonnull(d);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            entries++;
            ck_assert_msg(strcmp(e->d_name, "gallery.png") == 0 || strcmp(e->d_name, "plain.png") == 0,
                          "unexpected file %s", e->d_name);
        }
    closedir(d);
    ck_assert_int_eq(entries, 2);
}
END_TEST

START_TEST(test_ascii)
{
    const float px[6] = {0.0f, 0.5f, 1.0f, NAN, -1.0f, 2.0f};
    char buf[64];
    ck_assert_uint_eq(image_ascii_size(3, 2), 15);
    ck_assert_int_eq(image_ascii(px, 3, 2, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "  ++@@\n    @@\n");
    ck_assert_int_eq(image_ascii(px, 3, 2, buf, 15), 0); /* exactly enough */
    ck_assert_int_eq(image_ascii(px, 3, 2, buf, 14), -1);
    ck_assert_str_eq(buf, "");

    /* a 28x28 digit from a file: 28 lines of 56 characters */
    uint8_t d[784];
    fill(d, sizeof d, 9);
    const char *path = write_pgm("d.pgm", "P5 28 28 255\n", d, sizeof d);
    float img[784];
    ASSERT_OK(image_load_gray(path, 28, 28, img, err, sizeof err));
    size_t need = image_ascii_size(28, 28);
    ck_assert_uint_eq(need, 28 * 57 + 1);
    char *art = malloc(need);
    ck_assert_ptr_nonnull(art);
    ck_assert_int_eq(image_ascii(img, 28, 28, art, need), 0);
    ck_assert_uint_eq(strlen(art), need - 1);
    const char *line = art;
    for (int y = 0; y < 28; y++) {
        const char *nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        ck_assert_int_eq(nl - line, 56);
        for (const char *c = line; c < nl; c++)
            ck_assert_ptr_nonnull(strchr(" .:-=+*#%@", *c));
        line = nl + 1;
    }
    ck_assert_str_eq(line, "");
    free(art);

    ck_assert_int_eq(image_ascii(NULL, 3, 2, buf, sizeof buf), -1);
    ck_assert_int_eq(image_ascii(px, 0, 2, buf, sizeof buf), -1);
}
END_TEST

/* ---- limits --------------------------------------------------------------- */

START_TEST(test_not_an_image)
{
    float out[784];
    const char *path = write_text("notes.txt", "hello, this is not a picture\n");
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path, "not a PGM or PNG image");
    path = write_text("empty.png", "");
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path, "empty");
    path = write_text("color.ppm", "P6 1 1 255\nabc");
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path, "P6 is not supported");
    /* content decides, not the name: a PGM called .png loads */
    const uint8_t one[1] = {9};
    path = write_pgm("really-a-pgm.png", "P5 1 1 9\n", one, 1);
    ASSERT_OK(image_load_gray(path, 1, 1, out, err, sizeof err));
    ck_assert_float_eq(out[0], 1.0f);
}
END_TEST

START_TEST(test_truncated_pgm)
{
    float out[784];
    uint8_t px[784];
    fill(px, sizeof px, 1);
    const char *path = write_pgm("short.pgm", "P5\n28 28\n255\n", px, 100);
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path,
                 "truncated PGM: 100 bytes of pixel data, header promises 784");
    path = write_pgm("short16.pgm", "P5 2 2 65535\n", px, 7);
    ASSERT_FAILS(image_load_gray(path, 2, 2, out, err, sizeof err), path,
                 "7 bytes of pixel data, header promises 8");
    path = write_text("short.pgm2", "P2 3 2 255\n1 2 3\n4 5\n");
    ASSERT_FAILS(image_load_gray(path, 3, 2, out, err, sizeof err), path,
                 "truncated PGM: 5 samples, header promises 6");
    path = write_text("head.pgm", "P5\n28 ");
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path,
                 "truncated PGM header: file ends before the height");
    path = write_text("head2.pgm", "P5\n28 28\n255");
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path, "file ends after the header");
    path = write_text("magic.pgm", "P5");
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path, "before the width");
    /* too much data is as wrong as too little */
    path = write_pgm("long.pgm", "P5 2 1 255\n", px, 3);
    ASSERT_FAILS(image_load_gray(path, 2, 1, out, err, sizeof err), path, "data after the 2 x 1 image");
    path = write_text("long.pgm2", "P2 2 1 255\n1 2 3\n");
    ASSERT_FAILS(image_load_gray(path, 2, 1, out, err, sizeof err), path, "data after the 2 x 1 image");
}
END_TEST

START_TEST(test_bad_pgm_header)
{
    float out[784];
    const uint8_t px[4] = {0, 1, 2, 3};
    const char *path = write_pgm("max0.pgm", "P5 2 2 0\n", px, 4);
    ASSERT_FAILS(image_load_gray(path, 2, 2, out, err, sizeof err), path,
                 "bad PGM maxval 0, expected 1..65535");
    path = write_pgm("max70000.pgm", "P5 2 2 70000\n", px, 4);
    ASSERT_FAILS(image_load_gray(path, 2, 2, out, err, sizeof err), path,
                 "bad PGM maxval 70000, expected 1..65535");
    path = write_pgm("over.pgm", "P5 2 2 2\n", px, 4);
    ASSERT_FAILS(image_load_gray(path, 2, 2, out, err, sizeof err), path,
                 "PGM sample 3 at row 2, column 2 exceeds maxval 2");
    path = write_text("over2.pgm", "P2 2 1 100\n5 101\n");
    ASSERT_FAILS(image_load_gray(path, 2, 1, out, err, sizeof err), path,
                 "PGM sample 101 at row 1, column 2 exceeds maxval 100");
    path = write_text("letter.pgm", "P5\n28 x\n255\n");
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path,
                 "bad PGM header: expected the height, found 'x'");
    path = write_text("neg.pgm", "P5 -2 2 255\n");
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path,
                 "expected the width, found '-'");
    path = write_text("glued.pgm", "P528 28 255\n");
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path,
                 "no whitespace before the width");
    path = write_text("after.pgm", "P5 1 1 255x");
    ASSERT_FAILS(image_load_gray(path, 1, 1, out, err, sizeof err), path,
                 "expected whitespace after the maxval, found 'x'");
    path = write_text("zero.pgm", "P5 0 28 255\n");
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path,
                 "PGM image is 0 x 28 pixels, which is empty");
    path = write_text("word.pgm", "P2 2 1 255\n1 two\n");
    ASSERT_FAILS(image_load_gray(path, 2, 1, out, err, sizeof err), path,
                 "expected a number at row 1, column 2, found 't'");
    path = write_text("glue2.pgm", "P2 2 1 255\n1 2x\n");
    ASSERT_FAILS(image_load_gray(path, 2, 1, out, err, sizeof err), path,
                 "expected whitespace after the number at row 1, column 2, found 'x'");
}
END_TEST

START_TEST(test_absurd_dimensions)
{
    float out[784];
    const char *path = write_text("huge.pgm", "P5\n100000 100000\n255\n");
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path,
                 "PGM image is 100000 x 100000 pixels, absurd (limit 16384 per side)");
    path = write_text("huger.pgm", "P2 99999999999999999999999999999 1 255\n");
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path,
                 "PGM image is 99999999999999999999... x 1 pixels, absurd");
    path = write_text("tall.pgm", "P5 1 16385 255\n");
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path, "1 x 16385 pixels, absurd");

    /* a PNG wider than the limit is refused after its header */
    uint8_t *wide = calloc(20000, 1);
    ck_assert_ptr_nonnull(wide);
    const png_opts g8 = {PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, NULL, 0, NULL};
    path = write_png("wide.png", 20000, 1, &g8, wide);
    free(wide);
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path,
                 "PNG image is 20000 x 1 pixels, absurd (limit 16384 per side)");

    /* and so are absurd output sizes, before the file is opened */
    ASSERT_FAILS(image_load_gray("any.pgm", 0, 28, out, err, sizeof err), "any.pgm",
                 "output size 0 x 28 is absurd");
    ASSERT_FAILS(image_load_gray("any.pgm", 28, 16385, out, err, sizeof err), "any.pgm",
                 "output size 28 x 16385 is absurd");
    ASSERT_FAILS(image_load_gray("any.pgm", 28, 28, NULL, err, sizeof err), "any.pgm", "no output buffer");
    ASSERT_FAILS(image_load_gray(NULL, 28, 28, out, err, sizeof err), "image", "no path");
}
END_TEST

START_TEST(test_truncated_png)
{
    uint8_t px[28 * 28];
    fill(px, sizeof px, 5); /* noise: the IDAT is nearly 784 bytes */
    const png_opts g8 = {PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, NULL, 0, NULL};
    const char *good = write_png("good.png", 28, 28, &g8, px);
    size_t len;
    uint8_t *buf = (uint8_t *)tu_slurp(good, &len);
    ck_assert_ptr_nonnull(buf);
    float out[784];

    const char *path = write_file("half.png", buf, len / 2);
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path, "truncated PNG");
    path = write_file("noend.png", buf, len - 12); /* IEND missing */
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path, "truncated PNG");
    path = write_file("sig.png", buf, 5);
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path,
                 "truncated PNG: file ends in the signature");
    path = write_file("head.png", buf, 20);
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path, "truncated PNG");

    /* a flipped byte in the IDAT data: zlib or CRC error, whichever libpng meets first */
    buf[len / 2] ^= 0x55;
    path = write_file("flipped.png", buf, len);
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path, "corrupt PNG: ");
    /* a bad IHDR CRC (the CRC is bytes 29..32) */
    buf[len / 2] ^= 0x55;
    buf[29] ^= 0x01;
    path = write_file("ihdr.png", buf, len);
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path, "corrupt PNG: IHDR: CRC error");
    free(buf);
}
END_TEST

START_TEST(test_missing_file)
{
    float out[784];
    const char *path = tmp_path("no-such-file.png");
    ASSERT_FAILS(image_load_gray(path, 28, 28, out, err, sizeof err), path,
                 "cannot open: No such file or directory");
    ASSERT_FAILS(image_load_gray(tu_scratch_dir(), 28, 28, out, err, sizeof err), tu_scratch_dir(), "cannot read: ");
}
END_TEST

START_TEST(test_gallery_limits)
{
    static uint8_t digit[784];
    const uint8_t *digits[2] = {digit, NULL};
    const unsigned char lab[2] = {1, 2};
    const char *path = tmp_path("g.png");
    ASSERT_FAILS(image_write_gallery_png(path, digits, lab, lab, 0, 3, err, sizeof err), path,
                 "no digits to draw");
    ASSERT_FAILS(image_write_gallery_png(path, digits, lab, lab, 1, 0, err, sizeof err), path,
                 "at least 1 column");
    ASSERT_FAILS(image_write_gallery_png(path, digits, lab, lab, 2, 3, err, sizeof err), path,
                 "digit 1 of 2 is NULL");
    ASSERT_FAILS(image_write_gallery_png(NULL, digits, lab, lab, 1, 3, err, sizeof err), "gallery",
                 "no path");
    /* too big: refused before anything is read from digits[] */
    const uint8_t *many[1] = {digit};
    ASSERT_FAILS(image_write_gallery_png(path, many, NULL, NULL, (size_t)1 << 40, 1, err, sizeof err),
                 path, "too large (limit 16384 pixels per side)");
    ASSERT_FAILS(image_write_gallery_png(path, many, NULL, NULL, 1000, 1000, err, sizeof err), path,
                 "too large");
    (void)many;
    ck_assert_int_eq(access(path, F_OK), -1); /* nothing written */

    char dirpath[200];
    snprintf(dirpath, sizeof dirpath, "%s/no-such-dir/g.png", tu_scratch_dir());
    ASSERT_FAILS(image_write_gallery_png(dirpath, many, lab, lab, 1, 1, err, sizeof err), dirpath,
                 "cannot create ");
    ck_assert_msg(strstr(err, "No such file or directory") != NULL, "%s", err);
}
END_TEST

static Suite *image_suite(void)
{
    Suite *s = suite_create("image");

    TCase *core = tcase_create("core");
    tcase_add_unchecked_fixture(core, base_setup, base_teardown);
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_set_timeout(core, 120); /* generous for valgrind */
    tcase_add_test(core, test_pgm_p5);
    tcase_add_test(core, test_pgm_p2);
    tcase_add_test(core, test_pgm_16bit);
    tcase_add_test(core, test_png_gray);
    tcase_add_test(core, test_png_rgb);
    tcase_add_test(core, test_png_alpha);
    tcase_add_test(core, test_downsample);
    tcase_add_test(core, test_gallery);
    tcase_add_test(core, test_ascii);
    suite_add_tcase(s, core);

    TCase *limits = tcase_create("limits");
    tcase_add_unchecked_fixture(limits, base_setup, base_teardown);
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 120);
    tcase_add_test(limits, test_not_an_image);
    tcase_add_test(limits, test_truncated_pgm);
    tcase_add_test(limits, test_bad_pgm_header);
    tcase_add_test(limits, test_absurd_dimensions);
    tcase_add_test(limits, test_truncated_png);
    tcase_add_test(limits, test_missing_file);
    tcase_add_test(limits, test_gallery_limits);
    suite_add_tcase(s, limits);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(image_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
