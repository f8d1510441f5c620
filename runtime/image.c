/* image.c: PGM/PNG input, PNG galleries and ASCII art (see image.h).
 *
 * Decoding streams the file a row at a time into a separable box-filter
 * resampler, so memory is O(width) whatever the size of the picture (an
 * interlaced PNG is the exception: libpng needs it whole). PNG goes through
 * libpng; its errors arrive by longjmp and are turned into one-line
 * messages. Everything a longjmp may cross lives in a heap context, never in
 * a non-volatile local of the function that called setjmp. */
#define _POSIX_C_SOURCE 200809L

#include "image.h"
#include "atomic.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

_Static_assert(IMAGE_MAX_SIDE <= 65535, "sides must fit the resampler's 64-bit arithmetic");

/* ---- resampler ------------------------------------------------------------
 *
 * Source pixel (x, y) covers [x, x+1) x [y, y+1); destination pixel (i, j)
 * covers [i*sw/w, (i+1)*sw/w) x [j*sh/h, (j+1)*sh/h). Each destination pixel
 * is the mean of the source over its area. Scaling x by w (and y by h) makes
 * every boundary an integer, so the overlaps are exact integers: source x
 * spans [x*w, (x+1)*w), destination i spans [i*sw, (i+1)*sw). Sums are kept
 * in double and divided once by maxval * sw * sh (the destination area in
 * scaled units). When the sizes agree, each output is sample / maxval in
 * float, bit for bit what the training data holds. */

typedef struct {
    unsigned sw, sh, w, h;
    unsigned maxval;
    float *out;
    double *hrow; /* w: the current source row, resampled horizontally */
    double *acc;  /* w: the destination row being summed */
    unsigned y;   /* next source row */
    unsigned j;   /* destination row being summed */
} resampler;

static int rs_init(resampler *rs, unsigned sw, unsigned sh, unsigned w, unsigned h,
                   unsigned maxval, float *out)
{
    memset(rs, 0, sizeof *rs);
    rs->sw = sw, rs->sh = sh, rs->w = w, rs->h = h;
    rs->maxval = maxval;
    rs->out = out;
    if (sw == w && sh == h)
        return 0;
    rs->hrow = malloc((size_t)w * sizeof *rs->hrow);
    rs->acc = calloc(w, sizeof *rs->acc);
    return rs->hrow != NULL && rs->acc != NULL ? 0 : -1;
}

static void rs_free(resampler *rs)
{
    free(rs->hrow);
    free(rs->acc);
    rs->hrow = rs->acc = NULL;
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* Feed the next source row (sw samples, each 0..maxval). */
static void rs_push(resampler *rs, const uint16_t *s)
{
    const uint64_t sw = rs->sw, sh = rs->sh, w = rs->w, h = rs->h;
    const uint64_t y = rs->y++;
    if (rs->hrow == NULL) { /* same size: no resampling */
        float *o = rs->out + (size_t)y * rs->w;
        const float m = (float)rs->maxval;
        for (unsigned x = 0; x < rs->w; x++)
            o[x] = (float)s[x] / m;
        return;
    }
    uint64_t x = 0;
    for (uint64_t i = 0; i < w; i++) {
        const uint64_t lo = i * sw, hi = (i + 1) * sw;
        double sum = 0.0;
        x = lo / w;
        for (; x < sw && x * w < hi; x++) {
            uint64_t ov = min_u64((x + 1) * w, hi) - max_u64(x * w, lo);
            sum += (double)ov * (double)s[x];
        }
        rs->hrow[i] = sum;
    }
    const double denom = (double)rs->maxval * (double)sw * (double)sh;
    while (rs->j < h) {
        const uint64_t j = rs->j;
        const uint64_t lo = max_u64(y * h, j * sh), hi = min_u64((y + 1) * h, (j + 1) * sh);
        if (hi > lo)
            for (uint64_t i = 0; i < w; i++)
                rs->acc[i] += (double)(hi - lo) * rs->hrow[i];
        if ((j + 1) * sh > (y + 1) * h)
            break; /* destination row j goes on into the next source row */
        float *o = rs->out + (size_t)j * rs->w;
        for (uint64_t i = 0; i < w; i++) {
            o[i] = (float)(rs->acc[i] / denom);
            rs->acc[i] = 0.0;
        }
        rs->j++;
    }
}

/* ---- input ---------------------------------------------------------------- */

typedef struct {
    FILE *fp;
    unsigned char pend[8]; /* the first bytes, read to detect the format */
    size_t ip, np;
} src_in;

static int in_getc(src_in *in)
{
    if (in->ip < in->np)
        return in->pend[in->ip++];
    return getc(in->fp);
}

static size_t in_read(src_in *in, unsigned char *buf, size_t n)
{
    size_t k = 0;
    while (k < n && in->ip < in->np)
        buf[k++] = in->pend[in->ip++];
    if (k < n)
        k += fread(buf + k, 1, n - k, in->fp);
    return k;
}

/* "'x'" for a printable character, "byte 0xNN" otherwise, "end of file" for EOF. */
static const char *describe(int c, char *buf, size_t len)
{
    if (c == EOF)
        snprintf(buf, len, "end of file");
    else if (c >= 0x21 && c <= 0x7e)
        snprintf(buf, len, "'%c'", c);
    else
        snprintf(buf, len, "byte 0x%02x", (unsigned)c);
    return buf;
}

/* ---- PGM ------------------------------------------------------------------ */

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* A header number: its value (saturated) and its text (for messages). */
typedef struct {
    unsigned long long v;
    char text[24];
} pgm_num;

/* Read one header field starting at character c, after any whitespace and
 * comments, which must be present. On success *next is the character after
 * the number. */
static int pgm_field(src_in *in, const char *path, const char *what, int c, pgm_num *num,
                     int *next, char *err, size_t errlen)
{
    int seen = 0;
    for (;;) {
        if (c == '#') {
            seen = 1;
            do
                c = in_getc(in);
            while (c != '\n' && c != '\r' && c != EOF);
        } else if (is_ws(c)) {
            seen = 1;
            c = in_getc(in);
        } else {
            break;
        }
    }
    char d[24];
    if (c == EOF && ferror(in->fp))
        return err_set(err, errlen, path, "read error in PGM header: %s", strerror(errno));
    if (c == EOF)
        return err_set(err, errlen, path, "truncated PGM header: file ends before the %s", what);
    if (!is_digit(c))
        return err_set(err, errlen, path, "bad PGM header: expected the %s, found %s", what,
                       describe(c, d, sizeof d));
    if (!seen)
        return err_set(err, errlen, path, "bad PGM header: no whitespace before the %s", what);
    size_t n = 0;
    num->v = 0;
    while (is_digit(c)) {
        if (num->v < 10000000000ULL)
            num->v = num->v * 10 + (unsigned)(c - '0');
        if (n < sizeof num->text - 4)
            num->text[n++] = (char)c;
        else if (n == sizeof num->text - 4)
            memcpy(num->text + n, "...", 3), n += 3;
        c = in_getc(in);
    }
    num->text[n] = '\0';
    *next = c;
    return 0;
}

/* Whatever follows the raster may be whitespace, nothing else. */
static int pgm_trailing(src_in *in, const char *path, unsigned sw, unsigned sh, char *err,
                        size_t errlen)
{
    int c;
    while ((c = in_getc(in)) != EOF)
        if (!is_ws(c))
            return err_set(err, errlen, path,
                           "PGM has data after the %u x %u image (wrong size in the header?)",
                           sw, sh);
    if (ferror(in->fp))
        return err_set(err, errlen, path, "read error: %s", strerror(errno));
    return 0;
}

static int pgm_exceeds(const char *path, unsigned v, unsigned maxval, unsigned x, unsigned y,
                       char *err, size_t errlen)
{
    return err_set(err, errlen, path, "PGM sample %u at row %u, column %u exceeds maxval %u", v,
                   y + 1, x + 1, maxval);
}

/* P5 raster: rows of sw samples, 1 byte each if maxval < 256, else 2 (big-endian). */
static int pgm_raw_row(src_in *in, const char *path, unsigned char *raw, uint16_t *s, unsigned sw,
                       unsigned sh, unsigned y, unsigned maxval, char *err, size_t errlen)
{
    const size_t bps = maxval < 256 ? 1 : 2, want = (size_t)sw * bps;
    size_t got = in_read(in, raw, want);
    if (got < want) {
        if (ferror(in->fp))
            return err_set(err, errlen, path, "read error: %s", strerror(errno));
        unsigned long long have = (unsigned long long)y * want + got;
        return err_set(err, errlen, path,
                       "truncated PGM: %llu bytes of pixel data, header promises %llu (%u x %u, "
                       "%zu byte%s per sample)",
                       have, (unsigned long long)want * sh, sw, sh, bps, bps == 1 ? "" : "s");
    }
    for (unsigned x = 0; x < sw; x++) {
        unsigned v = bps == 1 ? raw[x] : (unsigned)raw[2 * x] << 8 | raw[2 * x + 1];
        if (v > maxval)
            return pgm_exceeds(path, v, maxval, x, y, err, errlen);
        s[x] = (uint16_t)v;
    }
    return 0;
}

/* P2 raster: decimal samples separated by whitespace. */
static int pgm_plain_row(src_in *in, const char *path, uint16_t *s, unsigned sw, unsigned sh,
                         unsigned y, unsigned maxval, char *err, size_t errlen)
{
    char d[24];
    for (unsigned x = 0; x < sw; x++) {
        int c = in_getc(in);
        while (is_ws(c))
            c = in_getc(in);
        if (c == EOF && ferror(in->fp))
            return err_set(err, errlen, path, "read error: %s", strerror(errno));
        if (c == EOF)
            return err_set(err, errlen, path,
                           "truncated PGM: %llu samples, header promises %llu (%u x %u)",
                           (unsigned long long)y * sw + x, (unsigned long long)sw * sh, sw, sh);
        if (!is_digit(c))
            return err_set(err, errlen, path,
                           "bad PGM data: expected a number at row %u, column %u, found %s", y + 1,
                           x + 1, describe(c, d, sizeof d));
        unsigned long v = 0;
        while (is_digit(c)) {
            if (v <= 65535)
                v = v * 10 + (unsigned long)(c - '0');
            c = in_getc(in);
        }
        if (c != EOF && !is_ws(c))
            return err_set(err, errlen, path,
                           "bad PGM data: expected whitespace after the number at row %u, column "
                           "%u, found %s",
                           y + 1, x + 1, describe(c, d, sizeof d));
        if (v > maxval)
            return pgm_exceeds(path, v > 65535 ? 65536u : (unsigned)v, maxval, x, y, err, errlen);
        s[x] = (uint16_t)v;
    }
    return 0;
}

static int pgm_load(src_in *in, const char *path, unsigned w, unsigned h, float *out, char *err,
                    size_t errlen)
{
    const int plain = in->pend[1] == '2';
    in->ip = 2; /* past the magic */
    pgm_num wd, ht, mx;
    int c = in_getc(in);
    if (pgm_field(in, path, "width", c, &wd, &c, err, errlen) != 0 ||
        pgm_field(in, path, "height", c, &ht, &c, err, errlen) != 0 ||
        pgm_field(in, path, "maxval", c, &mx, &c, err, errlen) != 0)
        return -1;
    char d[24];
    if (c == EOF && ferror(in->fp))
        return err_set(err, errlen, path, "read error in PGM header: %s", strerror(errno));
    if (c == EOF)
        return err_set(err, errlen, path, "truncated PGM: file ends after the header");
    if (!is_ws(c))
        return err_set(err, errlen, path, "bad PGM header: expected whitespace after the maxval, found %s",
                       describe(c, d, sizeof d));
    if (wd.v == 0 || ht.v == 0)
        return err_set(err, errlen, path, "PGM image is %s x %s pixels, which is empty", wd.text,
                       ht.text);
    if (wd.v > IMAGE_MAX_SIDE || ht.v > IMAGE_MAX_SIDE)
        return err_set(err, errlen, path,
                       "PGM image is %s x %s pixels, absurd (limit %d per side)", wd.text, ht.text,
                       IMAGE_MAX_SIDE);
    if (mx.v == 0 || mx.v > 65535)
        return err_set(err, errlen, path, "bad PGM maxval %s, expected 1..65535", mx.text);

    const unsigned sw = (unsigned)wd.v, sh = (unsigned)ht.v, maxval = (unsigned)mx.v;
    unsigned char *raw = plain ? NULL : malloc((size_t)sw * 2);
    uint16_t *s = malloc((size_t)sw * sizeof *s);
    resampler rs;
    memset(&rs, 0, sizeof rs);
    int rc = -1;
    if ((!plain && raw == NULL) || s == NULL || rs_init(&rs, sw, sh, w, h, maxval, out) != 0) {
        err_set(err, errlen, path, "out of memory for a %u-pixel row", sw);
        goto done;
    }
    for (unsigned y = 0; y < sh; y++) {
        if ((plain ? pgm_plain_row(in, path, s, sw, sh, y, maxval, err, errlen)
                   : pgm_raw_row(in, path, raw, s, sw, sh, y, maxval, err, errlen)) != 0)
            goto done;
        rs_push(&rs, s);
    }
    rc = pgm_trailing(in, path, sw, sh, err, errlen);
done:
    rs_free(&rs);
    free(raw);
    free(s);
    return rc;
}

/* ---- PNG input ------------------------------------------------------------ */

typedef struct {
    src_in *in;
    const char *path;
    png_structp png;
    png_infop info;
    char msg[200]; /* libpng's last error message */
    int eof;       /* the read callback hit end of file */
    int read_errno;
    unsigned char *row;
    unsigned char *image; /* whole image, interlaced files only */
    png_bytep *rows;
    uint16_t *samples;
    resampler rs;
} png_reader;

static void png_on_error(png_structp png, png_const_charp msg)
{
    png_reader *r = png_get_error_ptr(png);
    snprintf(r->msg, sizeof r->msg, "%s", msg ? msg : "unknown libpng error");
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void png_on_read(png_structp png, png_bytep data, size_t n)
{
    png_reader *r = png_get_io_ptr(png);
    if (in_read(r->in, data, n) < n) {
        if (ferror(r->in->fp))
            r->read_errno = errno ? errno : EIO;
        else
            r->eof = 1;
        png_error(png, "read failed");
    }
}

/* One decoded row (gray, or gray + alpha) into samples; alpha is composited
 * over black as gray * alpha, on the scale 0..255*255. */
static void png_samples(const unsigned char *row, unsigned ch, uint16_t *s, unsigned sw)
{
    if (ch == 1)
        for (unsigned x = 0; x < sw; x++)
            s[x] = row[x];
    else
        for (unsigned x = 0; x < sw; x++)
            s[x] = (uint16_t)(row[2 * x] * row[2 * x + 1]);
}

/* Everything after setjmp; a libpng error longjmps out of here. */
static int png_body(png_reader *r, unsigned w, unsigned h, float *out, char *err, size_t errlen)
{
    png_structp png = r->png;
    png_infop info = r->info;
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);
    png_uint_32 sw, sh;
    int depth, ctype, interlace;
    png_get_IHDR(png, info, &sw, &sh, &depth, &ctype, &interlace, NULL, NULL);
    if (sw == 0 || sh == 0 || sw > IMAGE_MAX_SIDE || sh > IMAGE_MAX_SIDE)
        return err_set(err, errlen, r->path, "PNG image is %lu x %lu pixels, absurd (limit %d per side)",
                       (unsigned long)sw, (unsigned long)sh, IMAGE_MAX_SIDE);

    /* to 8-bit gray, plus alpha if the file has any transparency */
    if (ctype == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    if (depth == 16)
#ifdef PNG_READ_SCALE_16_TO_8_SUPPORTED
        png_set_scale_16(png);
#else
        png_set_strip_16(png);
#endif
    if (ctype & PNG_COLOR_MASK_COLOR || ctype == PNG_COLOR_TYPE_PALETTE)
        png_set_rgb_to_gray_fixed(png, 1, -1, -1);
    const int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);

    const unsigned ch = png_get_channels(png, info);
    const size_t rowbytes = png_get_rowbytes(png, info);
    if ((ch != 1 && ch != 2) || png_get_bit_depth(png, info) != 8 || rowbytes != (size_t)sw * ch)
        return err_set(err, errlen, r->path,
                       "unsupported PNG layout (color type %d, %d-bit): converts to %u channels",
                       ctype, depth, ch);

    r->samples = malloc((size_t)sw * sizeof *r->samples);
    if (r->samples == NULL || rs_init(&r->rs, sw, sh, w, h, ch == 2 ? 255u * 255u : 255u, out) != 0)
        return err_set(err, errlen, r->path, "out of memory for a %lu-pixel row", (unsigned long)sw);
    if (passes > 1) {
        r->image = malloc(rowbytes * sh);
        r->rows = malloc((size_t)sh * sizeof *r->rows);
        if (r->image == NULL || r->rows == NULL)
            return err_set(err, errlen, r->path, "out of memory for an interlaced %lu x %lu image",
                           (unsigned long)sw, (unsigned long)sh);
        for (png_uint_32 y = 0; y < sh; y++)
            r->rows[y] = r->image + (size_t)y * rowbytes;
        png_read_image(png, r->rows);
        for (png_uint_32 y = 0; y < sh; y++) {
            png_samples(r->rows[y], ch, r->samples, sw);
            rs_push(&r->rs, r->samples);
        }
    } else {
        r->row = malloc(rowbytes);
        if (r->row == NULL)
            return err_set(err, errlen, r->path, "out of memory for a %lu-pixel row", (unsigned long)sw);
        for (png_uint_32 y = 0; y < sh; y++) {
            png_read_row(png, r->row, NULL);
            png_samples(r->row, ch, r->samples, sw);
            rs_push(&r->rs, r->samples);
        }
    }
    png_read_end(png, NULL); /* checks the rest of the file up to IEND */
    return 0;
}

static int png_failed(const png_reader *r, char *err, size_t errlen)
{
    if (r->eof)
        return err_set(err, errlen, r->path, "truncated PNG: file ends early");
    if (r->read_errno)
        return err_set(err, errlen, r->path, "read error: %s", strerror(r->read_errno));
    return err_set(err, errlen, r->path, "corrupt PNG: %s", r->msg);
}

static int png_load(src_in *in, const char *path, unsigned w, unsigned h, float *out, char *err,
                    size_t errlen)
{
    png_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return err_set(err, errlen, path, "out of memory");
    r->in = in;
    r->path = path;
    r->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, r, png_on_error, png_on_warning);
    if (r->png != NULL)
        r->info = png_create_info_struct(r->png);
    int rc;
    if (r->png == NULL || r->info == NULL) {
        rc = err_set(err, errlen, path, "cannot initialise libpng");
    } else {
        png_set_read_fn(r->png, r, png_on_read);
        if (setjmp(png_jmpbuf(r->png)))
            rc = png_failed(r, err, errlen);
        else
            rc = png_body(r, w, h, out, err, errlen);
    }
    png_destroy_read_struct(r->png ? &r->png : NULL, r->info ? &r->info : NULL, NULL);
    rs_free(&r->rs);
    free(r->row);
    free(r->image);
    free(r->rows);
    free(r->samples);
    free(r);
    return rc;
}

/* ---- image_load_gray ------------------------------------------------------ */

int image_load_gray(const char *path, unsigned w, unsigned h, float *out, char *err, size_t errlen)
{
    const char *where = path != NULL && path[0] != '\0' ? path : "image";
    if (path == NULL || path[0] == '\0')
        return err_set(err, errlen, where, "no path");
    if (out == NULL)
        return err_set(err, errlen, where, "image_load_gray: no output buffer");
    if (w == 0 || h == 0 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE)
        return err_set(err, errlen, where, "output size %u x %u is absurd (1..%d per side)", w, h,
                       IMAGE_MAX_SIDE);

    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return err_set(err, errlen, path, "cannot open: %s", strerror(errno));
    src_in in = {.fp = fp};
    in.np = fread(in.pend, 1, sizeof in.pend, fp);
    int rc;
    if (in.np < sizeof in.pend && ferror(fp)) {
        rc = err_set(err, errlen, path, "cannot read: %s", strerror(errno));
    } else if (in.np == 0) {
        rc = err_set(err, errlen, path, "not a PGM or PNG image: the file is empty");
    } else if (in.np >= 2 && in.pend[0] == 'P' && (in.pend[1] == '5' || in.pend[1] == '2')) {
        rc = pgm_load(&in, path, w, h, out, err, errlen);
    } else if (in.np >= 2 && in.pend[0] == 'P' && in.pend[1] >= '1' && in.pend[1] <= '7') {
        rc = err_set(err, errlen, path,
                     "netpbm format P%c is not supported, only PGM (P2, P5) and PNG", in.pend[1]);
    } else if (png_sig_cmp(in.pend, 0, in.np) == 0) {
        if (in.np < sizeof in.pend)
            rc = err_set(err, errlen, path, "truncated PNG: file ends in the signature");
        else {
            in.ip = in.np; /* libpng is told the signature was read */
            rc = png_load(&in, path, w, h, out, err, errlen);
        }
    } else {
        rc = err_set(err, errlen, path, "not a PGM or PNG image (unknown signature)");
    }
    fclose(fp);
    return rc;
}

/* ---- gallery -------------------------------------------------------------- */

/* 5x7 glyphs, one byte per row, bit 4 = leftmost column. */
enum { GLYPH_W = 5, GLYPH_H = 7, GLYPH_SCALE = 2, GLYPH_ADVANCE = (GLYPH_W + 1) * GLYPH_SCALE };
enum { GLYPH_GT = 10, GLYPH_QUESTION = 11 };
static const uint8_t image_font[12][GLYPH_H] = {
    {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e}, /* 0 */
    {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e}, /* 1 */
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f}, /* 2 */
    {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e}, /* 3 */
    {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02}, /* 4 */
    {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e}, /* 5 */
    {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e}, /* 6 */
    {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}, /* 7 */
    {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e}, /* 8 */
    {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c}, /* 9 */
    {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08}, /* > */
    {0x0e, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04}, /* ? */
};

static const uint8_t COLOR_GAP[3] = {48, 48, 64};
static const uint8_t COLOR_STRIP[3] = {20, 20, 20};
static const uint8_t COLOR_TRUE[3] = {80, 220, 80};
static const uint8_t COLOR_WRONG[3] = {240, 70, 70};
static const uint8_t COLOR_ARROW[3] = {170, 170, 170};

typedef struct {
    const char *path;
    FILE *fp;
    png_structp png;
    png_infop info;
    char msg[200];
    int write_errno;
    unsigned char *row;
} png_writer;

static void gal_on_error(png_structp png, png_const_charp msg)
{
    png_writer *g = png_get_error_ptr(png);
    snprintf(g->msg, sizeof g->msg, "%s", msg ? msg : "unknown libpng error");
    png_longjmp(png, 1);
}

static void gal_on_write(png_structp png, png_bytep data, size_t n)
{
    png_writer *g = png_get_io_ptr(png);
    if (fwrite(data, 1, n, g->fp) != n) {
        g->write_errno = errno ? errno : EIO;
        png_error(png, "write failed");
    }
}

static void gal_on_flush(png_structp png)
{
    (void)png;
}

static void put_rgb(unsigned char *p, const uint8_t *c)
{
    p[0] = c[0], p[1] = c[1], p[2] = c[2];
}

/* The label of one tile: up to 3 glyphs and their colors. */
typedef struct {
    int n;
    int glyph[3];
    const uint8_t *color[3];
} label;

static label make_label(const unsigned char *true_label, const unsigned char *pred_label, size_t k)
{
    label l = {0, {0, 0, 0}, {NULL, NULL, NULL}};
    int t = true_label ? (true_label[k] <= 9 ? true_label[k] : GLYPH_QUESTION) : -1;
    int p = pred_label ? (pred_label[k] <= 9 ? pred_label[k] : GLYPH_QUESTION) : -1;
    if (t >= 0) {
        l.glyph[l.n] = t;
        l.color[l.n++] = COLOR_TRUE;
    }
    if (t >= 0 && p >= 0) {
        l.glyph[l.n] = GLYPH_GT;
        l.color[l.n++] = COLOR_ARROW;
    }
    if (p >= 0) {
        l.glyph[l.n] = p;
        l.color[l.n++] = t < 0 || true_label[k] == pred_label[k] ? COLOR_TRUE : COLOR_WRONG;
    }
    return l;
}

/* Fill image row y of a gallery of n digits in `cols` columns, `width` pixels wide. */
static void gallery_row(unsigned char *row, unsigned y, unsigned width, unsigned cols,
                        const uint8_t *const *digits, const unsigned char *true_label,
                        const unsigned char *pred_label, size_t n)
{
    for (unsigned x = 0; x < width; x++)
        put_rgb(row + 3 * (size_t)x, COLOR_GAP);
    if (y < IMAGE_GALLERY_GAP)
        return;
    const unsigned pitch = IMAGE_GALLERY_TILE_H + IMAGE_GALLERY_GAP;
    const unsigned r = (y - IMAGE_GALLERY_GAP) / pitch, ty = (y - IMAGE_GALLERY_GAP) % pitch;
    if (ty >= IMAGE_GALLERY_TILE_H)
        return;
    for (unsigned c = 0; c < cols; c++) {
        const size_t k = (size_t)r * cols + c;
        if (k >= n)
            break;
        unsigned char *t = row + 3 * ((size_t)IMAGE_GALLERY_GAP +
                                      (size_t)c * (IMAGE_GALLERY_TILE_W + IMAGE_GALLERY_GAP));
        if (ty < 28 * IMAGE_GALLERY_SCALE) {
            const uint8_t *px = digits[k] + (ty / IMAGE_GALLERY_SCALE) * 28;
            for (unsigned tx = 0; tx < IMAGE_GALLERY_TILE_W; tx++) {
                uint8_t v = px[tx / IMAGE_GALLERY_SCALE];
                t[3 * tx] = t[3 * tx + 1] = t[3 * tx + 2] = v;
            }
            continue;
        }
        for (unsigned tx = 0; tx < IMAGE_GALLERY_TILE_W; tx++)
            put_rgb(t + 3 * tx, COLOR_STRIP);
        const label l = make_label(true_label, pred_label, k);
        const unsigned top = (IMAGE_GALLERY_LABEL_H - GLYPH_H * GLYPH_SCALE) / 2;
        const unsigned ly = ty - 28 * IMAGE_GALLERY_SCALE;
        if (l.n == 0 || ly < top || ly >= top + GLYPH_H * GLYPH_SCALE)
            continue;
        const unsigned gy = (ly - top) / GLYPH_SCALE;
        const unsigned text_w = (unsigned)l.n * GLYPH_ADVANCE - GLYPH_SCALE;
        const unsigned left = (IMAGE_GALLERY_TILE_W - text_w) / 2;
        for (int g = 0; g < l.n; g++) {
            const uint8_t bits = image_font[l.glyph[g]][gy];
            for (unsigned gx = 0; gx < GLYPH_W * GLYPH_SCALE; gx++)
                if (bits & (0x10 >> (gx / GLYPH_SCALE)))
                    put_rgb(t + 3 * (left + (unsigned)g * GLYPH_ADVANCE + gx), l.color[g]);
        }
    }
}

typedef struct {
    const uint8_t *const *digits;
    const unsigned char *true_label, *pred_label;
    size_t n;
    unsigned cols, width, height;
} gallery;

/* Everything after setjmp; a libpng error longjmps out of here. */
static void gallery_body(png_writer *g, const gallery *gal)
{
    png_set_write_fn(g->png, g, gal_on_write, gal_on_flush);
    png_set_IHDR(g->png, g->info, gal->width, gal->height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(g->png, g->info);
    for (unsigned y = 0; y < gal->height; y++) {
        gallery_row(g->row, y, gal->width, gal->cols, gal->digits, gal->true_label,
                    gal->pred_label, gal->n);
        png_write_row(g->png, g->row);
    }
    png_write_end(g->png, NULL);
}

/* Write the PNG to g->fp; 0 or -1 with the message set. */
static int gallery_write(png_writer *g, const gallery *gal, const char *tmp, char *err,
                         size_t errlen)
{
    g->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, g, gal_on_error, png_on_warning);
    if (g->png != NULL)
        g->info = png_create_info_struct(g->png);
    g->row = malloc((size_t)gal->width * 3);
    int rc = 0;
    if (g->png == NULL || g->info == NULL || g->row == NULL) {
        rc = err_set(err, errlen, g->path, "out of memory setting up libpng");
    } else if (setjmp(png_jmpbuf(g->png))) {
        if (g->write_errno)
            rc = err_set(err, errlen, g->path, "cannot write %s: %s", tmp, strerror(g->write_errno));
        else
            rc = err_set(err, errlen, g->path, "libpng cannot write %s: %s", tmp, g->msg);
    } else {
        gallery_body(g, gal);
    }
    png_destroy_write_struct(g->png ? &g->png : NULL, g->info ? &g->info : NULL);
    free(g->row);
    g->row = NULL;
    return rc;
}

int image_write_gallery_png(const char *path, const uint8_t *const *digits,
                            const unsigned char *true_label, const unsigned char *pred_label,
                            size_t n, unsigned cols, char *err, size_t errlen)
{
    const char *where = path != NULL && path[0] != '\0' ? path : "gallery";
    if (path == NULL || path[0] == '\0')
        return err_set(err, errlen, where, "no path");
    if (n == 0 || digits == NULL)
        return err_set(err, errlen, where, "no digits to draw");
    if (cols == 0)
        return err_set(err, errlen, where, "gallery needs at least 1 column");
    gallery gal = {digits, true_label, pred_label, n, cols, 0, 0};
    if (gal.cols > n)
        gal.cols = (unsigned)n;
    const size_t rows = n / gal.cols + (n % gal.cols != 0);
    const unsigned long long width = (unsigned long long)gal.cols * IMAGE_GALLERY_TILE_W +
                                     ((unsigned long long)gal.cols + 1) * IMAGE_GALLERY_GAP;
    const unsigned long long height =
        rows > IMAGE_MAX_SIDE ? ULLONG_MAX
                              : (unsigned long long)rows * IMAGE_GALLERY_TILE_H +
                                    ((unsigned long long)rows + 1) * IMAGE_GALLERY_GAP;
    if (width > IMAGE_MAX_SIDE || height > IMAGE_MAX_SIDE)
        return err_set(err, errlen, where,
                       "a gallery of %zu digits in %u columns is %zu rows of tiles, too large "
                       "(limit %d pixels per side)",
                       n, gal.cols, rows, IMAGE_MAX_SIDE);
    for (size_t i = 0; i < n; i++)
        if (digits[i] == NULL)
            return err_set(err, errlen, where, "digit %zu of %zu is NULL", i, n);
    gal.width = (unsigned)width;
    gal.height = (unsigned)height;

    png_writer *g = calloc(1, sizeof *g);
    if (g == NULL)
        return err_set(err, errlen, where, "out of memory");
    atomic_file af;
    if (atomic_open(&af, path, err, errlen) != 0) {
        free(g);
        return -1;
    }
    g->path = path;
    g->fp = af.fp;
    int status = -1;
    if (gallery_write(g, &gal, af.tmp, err, errlen) == 0)
        status = atomic_commit(&af, 1, err, errlen);
    else
        atomic_abandon(&af);
    free(g);
    return status;
}

/* ---- ASCII art ------------------------------------------------------------ */

size_t image_ascii_size(unsigned w, unsigned h)
{
    const size_t line = 2 * (size_t)w + 1;
    if (line < w || (h != 0 && line > (SIZE_MAX - 1) / h))
        return 0;
    return line * h + 1;
}

int image_ascii(const float *px, unsigned w, unsigned h, char *buf, size_t len)
{
    static const char ramp[] = " .:-=+*#%@";
    const int top = (int)sizeof ramp - 2;
    if (buf != NULL && len > 0)
        buf[0] = '\0';
    const size_t need = image_ascii_size(w, h);
    if (px == NULL || buf == NULL || w == 0 || h == 0 || need == 0 || len < need)
        return -1;
    char *o = buf;
    for (unsigned y = 0; y < h; y++) {
        for (unsigned x = 0; x < w; x++) {
            const float v = px[(size_t)y * w + x];
            int k = 0;
            if (v >= 1.0f)
                k = top;
            else if (v > 0.0f) /* false for NaN */
                k = (int)(v * (float)top + 0.5f);
            o[0] = o[1] = ramp[k];
            o += 2;
        }
        *o++ = '\n';
    }
    *o = '\0';
    return 0;
}
