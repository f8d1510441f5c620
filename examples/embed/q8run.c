/* q8run.c: the int8 network on test images, the same program on the host
 * and on a Cortex-M under QEMU, so their outputs can be compared byte for
 * byte.
 *
 * Reads Q8RUN_IMAGES (default "images.idx": an uncompressed MNIST IDX image
 * file, 28x28) from the current folder, runs NAME_q8_predict on the first
 * Q8RUN_MAX (default 300) images, and prints one line per image:
 *
 *     0007 7 80 80 81 80 80 80 80 7f 80 80
 *
 * the image number, the predicted digit, then the int8 outputs as two hex
 * digits each (two's complement). The last line is "done N".
 *
 * On the host it uses stdio. Built for bare metal (arm-none-eabi, with
 * startup.S and mps2.ld) it uses semihosting: the debugger (QEMU) opens the
 * file and prints the lines. Either way no floating point is involved. */
#include <stddef.h>
#include <stdint.h>

#ifndef NET
#define NET mnist
#endif
#define NET_PASTE_(a, b) a##_##b
#define NET_PASTE(a, b) NET_PASTE_(a, b)
#define Q(x) NET_PASTE(NET, q8_##x) /* Q(predict) is mnist_q8_predict */
#define NET_STR_(x) #x
#define NET_STR(x) NET_STR_(x)
#include NET_STR(NET_PASTE(NET, q8).h) /* "mnist_q8.h" */

#ifndef Q8RUN_IMAGES
#define Q8RUN_IMAGES "images.idx"
#endif
#ifndef Q8RUN_MAX
#define Q8RUN_MAX 300
#endif

enum { SIDE = 28, PIXELS = SIDE * SIDE };
typedef char q8run_input_is_28x28[sizeof(Q(input)) == PIXELS ? 1 : -1];

#if defined(__arm__) && !defined(__linux__)
/* ARM semihosting: an operation number in r0, its argument block in r1, then
 * BKPT 0xAB; the debugger does the work and answers in r0. */
static int q8run_semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

enum { SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE0 = 0x04, SYS_READ = 0x06, SYS_EXIT = 0x18 };

static void q8run_print(const char *s)
{
    q8run_semihost(SYS_WRITE0, s);
}

static int q8run_open(const char *path)
{
    size_t len = 0;
    while (path[len])
        ++len;
    const uintptr_t args[3] = {(uintptr_t)path, 1 /* "rb" */, len};
    return q8run_semihost(SYS_OPEN, args);
}

/* 0 when all of len bytes were read */
static int q8run_read(int fd, void *buf, size_t len)
{
    const uintptr_t args[3] = {(uintptr_t)fd, (uintptr_t)buf, len};
    return q8run_semihost(SYS_READ, args) == 0 ? 0 : -1; /* returns the bytes NOT read */
}

static void q8run_close(int fd)
{
    const uintptr_t args[1] = {(uintptr_t)fd};
    q8run_semihost(SYS_CLOSE, args);
}

/* ADP_Stopped_ApplicationExit: QEMU exits with status 0; a run-time error
 * (ADP_Stopped_RunTimeErrorUnknown) makes it exit with status 1. */
static void q8run_exit(int status)
{
    q8run_semihost(SYS_EXIT, (const void *)(uintptr_t)(status == 0 ? 0x20026 : 0x20023));
    for (;;) {
    }
}

int main(void);

/* Reset handler (startup.S points the vector table here): zero .bss, run. */
extern char __bss_start[], __bss_end[];
void q8run_reset(void);
void q8run_reset(void)
{
    for (volatile char *p = __bss_start; p < __bss_end; ++p)
        *p = 0;
    q8run_exit(main());
}

void q8run_fault(void);
void q8run_fault(void)
{
    q8run_print("q8run: error: fault\n");
    q8run_exit(1);
}
#else
#include <stdio.h>

static FILE *q8run_fp; /* the one file q8run reads */

static void q8run_print(const char *s)
{
    fputs(s, stdout);
}

static int q8run_open(const char *path)
{
    q8run_fp = fopen(path, "rb");
    return q8run_fp ? 0 : -1;
}

static int q8run_read(int fd, void *buf, size_t len)
{
    (void)fd;
    return fread(buf, 1, len, q8run_fp) == len ? 0 : -1;
}

static void q8run_close(int fd)
{
    (void)fd;
    fclose(q8run_fp);
}
#endif

static uint32_t q8run_be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* k as four decimal digits at p; returns the end */
static char *q8run_number(char *p, unsigned k)
{
    for (unsigned d = 1000; d > 0; d /= 10)
        *p++ = (char)('0' + k / d % 10);
    return p;
}

/* "0007 7 80 80 ...\n" for image k; no printf, which would bring floats in */
static void q8run_line(char *out, unsigned k, int digit, const Q(output) *y)
{
    static const char hex[] = "0123456789abcdef";
    char *p = q8run_number(out, k);
    *p++ = ' ';
    *p++ = (char)('0' + digit % 10);
    for (size_t j = 0; j < sizeof y->v; ++j) {
        const unsigned v = (uint8_t)y->v[j];
        *p++ = ' ';
        *p++ = hex[v >> 4];
        *p++ = hex[v & 15];
    }
    *p++ = '\n';
    *p = '\0';
}

int main(void)
{
    static unsigned char header[16];
    static uint8_t pixels[PIXELS];
    static char line[16 + 3 * sizeof(Q(output))];
    const int fd = q8run_open(Q8RUN_IMAGES);
    if (fd < 0) {
        q8run_print(Q8RUN_IMAGES ": error: cannot open\n");
        return 1;
    }
    if (q8run_read(fd, header, sizeof header) != 0 || q8run_be32(header) != 0x803 ||
        q8run_be32(header + 8) != SIDE || q8run_be32(header + 12) != SIDE) {
        q8run_print(Q8RUN_IMAGES ": error: not an IDX file of 28x28 images\n");
        q8run_close(fd);
        return 1;
    }
    const uint32_t count = q8run_be32(header + 4);
    unsigned k = 0;
    for (; k < count && k < Q8RUN_MAX; ++k) {
        Q(input) x;
        Q(output) y;
        if (q8run_read(fd, pixels, PIXELS) != 0) {
            q8run_print(Q8RUN_IMAGES ": error: truncated\n");
            q8run_close(fd);
            return 1;
        }
        Q(input_from_pixels)(&x, pixels);
        const int digit = Q(predict)(&y, &Q(weights), &x);
        q8run_line(line, k, digit, &y);
        q8run_print(line);
    }
    q8run_close(fd);
    char *p = q8run_number(line, k);
    *p++ = '\n';
    *p = '\0';
    q8run_print("done ");
    q8run_print(line);
    return 0;
}
