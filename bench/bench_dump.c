/* bench_dump.c: write the shared start (common.h) as raw little-endian
 * files, so that bench/bench_torch.py trains from exactly the same initial
 * weights, on exactly the same floats, in exactly the same order.
 *
 *   bench_dump --out DIR [--data DIR] [--seed N]
 *
 * writes into DIR:
 *   w0.f32 w1.f32 w2.f32   layer l's weights, [in][out] row-major (input-major)
 *   b0.f32 b1.f32 b2.f32   layer l's biases
 *   order.u32              the sample order of the epoch
 *   train_x.f32 test_x.f32 the images as the C programs see them (pixel / 255)
 *   train_y.u8 test_y.u8   the labels
 * Each file is written to a temporary name and renamed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "err.h"

static int dump(const char *dir, const char *name, const void *data, size_t size, char *err, size_t errlen)
{
    char path[4096], tmp[4200];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return err_set(err, errlen, dir, "path too long");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        return err_set(err, errlen, tmp, "cannot create");
    const int bad = fwrite(data, 1, size, f) != size;
    if (fclose(f) != 0 || bad) {
        remove(tmp);
        return err_set(err, errlen, tmp, "write failed");
    }
    if (rename(tmp, path) != 0) {
        remove(tmp);
        return err_set(err, errlen, path, "cannot rename %s", tmp);
    }
    return 0;
}

int main(int argc, char **argv)
{
    char err[ERR_MAX];
    const char *out = NULL;
    /* take --out DIR for ourselves, pass the rest to the shared setup */
    char **rest = malloc((size_t)(argc + 1) * sizeof *rest);
    if (rest == NULL)
        return 1;
    int nrest = 0;
    rest[nrest++] = argv[0];
    for (int k = 1; k < argc; ++k) {
        if (strcmp(argv[k], "--out") == 0 && k + 1 < argc)
            out = argv[++k];
        else
            rest[nrest++] = argv[k];
    }
    rest[nrest] = NULL;
    if (out == NULL) {
        fprintf(stderr, "bench_dump: error: usage: bench_dump --out DIR [--data DIR] [--seed N]\n");
        free(rest);
        return 2;
    }
    bench_setup s;
    if (bench_setup_init(&s, nrest, rest, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        free(rest);
        return 1;
    }
    free(rest);

    int rc = 0;
    for (int l = 0; l < BENCH_LAYERS && rc == 0; ++l) {
        const size_t nin = (size_t)bench_sizes[l], nout = (size_t)bench_sizes[l + 1];
        char wn[16], bn[16];
        snprintf(wn, sizeof wn, "w%d.f32", l);
        snprintf(bn, sizeof bn, "b%d.f32", l);
        rc = dump(out, wn, s.w[l], nin * nout * sizeof(float), err, sizeof err);
        if (rc == 0)
            rc = dump(out, bn, s.b[l], nout * sizeof(float), err, sizeof err);
    }
    if (rc == 0)
        rc = dump(out, "order.u32", s.order, s.train.n * sizeof(uint32_t), err, sizeof err);
    if (rc == 0)
        rc = dump(out, "train_x.f32", s.train.x, s.train.n * s.train.dim * sizeof(float), err, sizeof err);
    if (rc == 0)
        rc = dump(out, "train_y.u8", s.train.y, s.train.n, err, sizeof err);
    if (rc == 0)
        rc = dump(out, "test_x.f32", s.test.x, s.test.n * s.test.dim * sizeof(float), err, sizeof err);
    if (rc == 0)
        rc = dump(out, "test_y.u8", s.test.y, s.test.n, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "%s\n", err);
    bench_setup_free(&s);
    return rc == 0 ? 0 : 1;
}
