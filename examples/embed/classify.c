/* classify.c: read handwritten digits and say which they are, with a
 * constnet network compiled in, trained weights and all.
 *
 *     classify DIGIT.pgm...
 *
 * Each DIGIT.pgm is a 28x28 binary PGM (P5, maxval 255), white on black like
 * MNIST. For each file this prints "FILE: D", D the predicted digit, then the
 * network's outputs; a file that is not such a PGM gets a one-line error
 * "FILE: error: PROBLEM" on stderr and the exit status is 1.
 *
 * The network comes from three generated files and nothing else: NAME.h and
 * NAME.c (from constnet's generator) and NAME_weights.c (exported from a
 * trained model). No constnet runtime, no malloc: the weights are a const
 * struct, the image a static buffer, the activations live on the stack.
 *
 * NAME is a macro, so that the same file builds any net with 784 inputs:
 * the Makefile passes -DNET=mnist, and N(predict) below is mnist_predict. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#ifndef NET
#define NET mnist
#endif
#define NET_PASTE_(a, b) a##_##b
#define NET_PASTE(a, b) NET_PASTE_(a, b)
#define N(x) NET_PASTE(NET, x) /* N(predict) is mnist_predict */
#define NET_STR_(x) #x
#define NET_STR(x) NET_STR_(x)

#include NET_STR(NET.h)         /* "mnist.h" */
#include NET_STR(N(weights).h)  /* "mnist_weights.h": extern const mnist_params mnist_weights */

enum { SIDE = 28, PIXELS = SIDE * SIDE, HEADER_MAX = 512 };

/* The net must take one 28x28 image: a negative array size otherwise. */
typedef char classify_input_is_28x28[sizeof(N(input)) == PIXELS * sizeof(N(real)) ? 1 : -1];

/* Parse the decimal number at buf[*at..len) into *v (no sign, at most 5
 * digits: PGM sizes here are small). 0 on success. */
static int pgm_number(const unsigned char *buf, size_t len, size_t *at, unsigned *v)
{
    size_t i = *at;
    unsigned n = 0;
    while (i < len && buf[i] >= '0' && buf[i] <= '9' && i - *at < 5)
        n = n * 10 + (unsigned)(buf[i++] - '0');
    if (i == *at || (i < len && buf[i] >= '0' && buf[i] <= '9'))
        return -1;
    *at = i;
    *v = n;
    return 0;
}

static int pgm_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Skip whitespace and #-comments (which run to the end of the line), as the
 * Netpbm format allows between header fields; there must be at least one
 * whitespace character. 0 on success. */
static int pgm_gap(const unsigned char *buf, size_t len, size_t *at)
{
    size_t i = *at;
    while (i < len && (pgm_space(buf[i]) || buf[i] == '#')) {
        if (buf[i] == '#')
            while (i < len && buf[i] != '\n' && buf[i] != '\r')
                ++i;
        else
            ++i;
    }
    if (i == *at || !pgm_space(buf[i - 1]))
        return -1;
    *at = i;
    return 0;
}

/* Read path as a 28x28 binary PGM with maxval 255 into x, normalized as in
 * training (pixel / 255). Returns 0, or -1 after printing one line. */
static int read_pgm(const char *path, N(input) *x)
{
    static unsigned char buf[HEADER_MAX + PIXELS + 1];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: error: cannot open: %s\n", path, strerror(errno));
        return -1;
    }
    setvbuf(f, NULL, _IONBF, 0); /* one read into buf; no stdio buffer */
    const size_t len = fread(buf, 1, sizeof buf, f);
    const int failed = ferror(f), more = len == sizeof buf && fgetc(f) != EOF;
    fclose(f);
    if (failed) {
        fprintf(stderr, "%s: error: cannot read\n", path);
        return -1;
    }

    size_t at = 2;
    unsigned w, h, maxval;
    if (len < 2 || buf[0] != 'P' || buf[1] != '5') {
        fprintf(stderr, "%s: error: not a binary PGM (the file must start with \"P5\")\n", path);
        return -1;
    }
    if (pgm_gap(buf, len, &at) != 0 || pgm_number(buf, len, &at, &w) != 0 ||
        pgm_gap(buf, len, &at) != 0 || pgm_number(buf, len, &at, &h) != 0 ||
        pgm_gap(buf, len, &at) != 0 || pgm_number(buf, len, &at, &maxval) != 0 ||
        at >= len || !pgm_space(buf[at]) || at >= HEADER_MAX) {
        fprintf(stderr, "%s: error: bad PGM header (expected \"P5 WIDTH HEIGHT MAXVAL\" "
                        "and one whitespace character)\n", path);
        return -1;
    }
    ++at; /* the single whitespace character before the pixels */
    if (w != SIDE || h != SIDE) {
        fprintf(stderr, "%s: error: image is %ux%u, expected %dx%d\n", path, w, h, SIDE, SIDE);
        return -1;
    }
    if (maxval != 255) {
        fprintf(stderr, "%s: error: maxval is %u, expected 255\n", path, maxval);
        return -1;
    }
    if (len - at < PIXELS) {
        fprintf(stderr, "%s: error: truncated: %lu of %d pixel bytes\n", path,
                (unsigned long)(len - at), PIXELS);
        return -1;
    }
    if (len - at > PIXELS || more) {
        fprintf(stderr, "%s: error: data after the %d pixel bytes\n", path, PIXELS);
        return -1;
    }
    N(real) *v = (N(real) *)(void *)x->v; /* the image's values in order, whatever its shape */
    for (int i = 0; i < PIXELS; ++i) /* as in training: (float)pixel / 255.0f */
        v[i] = (N(real))((float)buf[at + (size_t)i] / 255.0f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIGIT.pgm...   (28x28 binary PGMs, maxval 255)\n", argv[0]);
        return 2;
    }
    int status = 0;
    for (int k = 1; k < argc; ++k) {
        static N(input) x;
        N(output) y;
        if (read_pgm(argv[k], &x) != 0) {
            status = 1;
            continue;
        }
        const int digit = N(predict)(&y, &N(weights), &x);
        printf("%s: %d\n ", argv[k], digit);
        for (size_t j = 0; j < sizeof y.v / sizeof y.v[0]; ++j)
            printf(" %lu:%.4f", (unsigned long)j, (double)y.v[j]);
        printf("\n");
    }
    return status;
}
