/* image.h: read a picture as an MNIST-like input, draw galleries and ASCII art.
 *
 * image_load_gray reads PGM (P5 binary or P2 plain, any maxval 1..65535) or
 * PNG (any color type and bit depth, via libpng), detected by content, and
 * resamples it with an area-averaging box filter to w x h floats in [0,1]
 * (sample / maxval), the same scale as the training data. Color is converted
 * to gray and alpha is composited over black (MNIST digits are white on
 * black). The file is streamed a row at a time: memory is O(width), except
 * for interlaced PNGs, which are decoded whole.
 *
 * Every function validates its input fully and reports failure as -1 plus a
 * one-line message "PATH: error: PROBLEM" (see err.h); nothing is allocated
 * on the strength of a header that claims more than IMAGE_MAX_SIDE pixels
 * per side. Link with $(pkg-config --libs libpng). */
#ifndef CONSTNET_IMAGE_H
#define CONSTNET_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Largest width or height accepted, for files and for w, h. */
enum { IMAGE_MAX_SIDE = 16384 };

/* Read PATH (PGM or PNG) and write w*h floats in [0,1], row-major, to out.
 * The header must be valid (magic, decimal width/height/maxval, comments
 * only where whitespace may be), every sample must be <= maxval, and a
 * truncated or corrupt file is an error; trailing whitespace is allowed,
 * other trailing data is not. On failure out may be partly written. */
int image_load_gray(const char *path, unsigned w, unsigned h, float *out, char *err, size_t errlen);

/* Gallery geometry: each 28x28 digit is scaled IMAGE_GALLERY_SCALE times,
 * with a label strip of IMAGE_GALLERY_LABEL_H pixels below it; tiles are
 * separated by (and framed with) IMAGE_GALLERY_GAP pixels. For n digits in
 * c = min(cols, n) columns and r = ceil(n / c) rows the PNG is
 *     (c * IMAGE_GALLERY_TILE_W + (c + 1) * IMAGE_GALLERY_GAP) x
 *     (r * IMAGE_GALLERY_TILE_H + (r + 1) * IMAGE_GALLERY_GAP). */
enum {
    IMAGE_GALLERY_SCALE = 3,
    IMAGE_GALLERY_LABEL_H = 18,
    IMAGE_GALLERY_GAP = 4,
    IMAGE_GALLERY_TILE_W = 28 * IMAGE_GALLERY_SCALE,
    IMAGE_GALLERY_TILE_H = 28 * IMAGE_GALLERY_SCALE + IMAGE_GALLERY_LABEL_H
};

/* Write an 8-bit RGB PNG gallery of n MNIST digits (digits[i] points to 784
 * bytes, 0 = black, 255 = white) in a grid of `cols` columns. Each tile is
 * labelled "T>P": the true class T in green, then the predicted class P in
 * green if it equals T and in red if not. Either label array may be NULL to
 * leave that part out; a label above 9 is drawn as '?'. The file is written
 * to PATH.tmp.<pid> and renamed over PATH, so PATH is never half-written. */
int image_write_gallery_png(const char *path, const uint8_t *const *digits,
                            const unsigned char *true_label, const unsigned char *pred_label,
                            size_t n, unsigned cols, char *err, size_t errlen);

/* Bytes image_ascii needs for a w x h image: h lines of 2*w characters and a
 * newline each, plus the terminating NUL; 0 if that overflows. */
size_t image_ascii_size(unsigned w, unsigned h);

/* Render px (w*h values in [0,1], row-major) as ASCII art into buf: one line
 * per row, two characters per pixel (so the digit keeps its aspect ratio in a
 * terminal), from the ramp " .:-=+*#%@" (0 = ' ', 1 = '@'). Values outside
 * [0,1] are clamped, NaN is drawn as 0. Returns 0, or -1 (with buf set to ""
 * when len > 0) if an argument is NULL or 0 or len < image_ascii_size(w, h). */
int image_ascii(const float *px, unsigned w, unsigned h, char *buf, size_t len);

#endif
