/* gen_seeds.c: write the seed corpora under DIR/{fuzz_idx,fuzz_model,fuzz_cli,fuzz_csv}/.
 *
 *   cc -std=c11 -Iruntime fuzz/gen_seeds.c runtime/err.c runtime/model.c runtime/atomic.c runtime/data.c \
 *      runtime/rng.c -lz -lm -o /tmp/gen_seeds
 *   /tmp/gen_seeds fuzz/corpus
 *
 * The committed corpus was made this way; rerun it only to change the seeds.
 * Every seed is small and valid: tiny IDX files (raw, gzip, two-member gzip,
 * image+label pairs for the pairing path), model files written by model_save
 * for the fuzz target's two networks, and a few well-formed command lines. */
#define _POSIX_C_SOURCE 200809L

#include "data.h"
#include "err.h"
#include "model.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static const char *root;

static void put(const char *target, const char *name, const void *p, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, target);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/%s/%s", root, target, name);
    FILE *fp = fopen(path, "wb");
    if (fp == NULL || fwrite(p, 1, n, fp) != n || fclose(fp) != 0) {
        perror(path);
        exit(1);
    }
}

/* in -> gzip member appended at out+*len. */
static void gz(uint8_t *out, size_t cap, size_t *len, const uint8_t *in, size_t n)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        exit(1);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out + *len;
    zs.avail_out = (uInt)(cap - *len);
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        exit(1);
    *len = cap - zs.avail_out;
    deflateEnd(&zs);
}

static void put_gz(const char *name, const uint8_t *in, size_t n, int members)
{
    uint8_t out[4096];
    size_t len = 0;
    if (members == 1) {
        gz(out, sizeof out, &len, in, n);
    } else {
        gz(out, sizeof out, &len, in, n / 2);
        gz(out, sizeof out, &len, in + n / 2, n - n / 2);
    }
    put("fuzz_idx", name, out, len);
}

#define SEP "--IDXPAIR--"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    root = argv[1];
    mkdir(root, 0777);

    /* ---- IDX ---- */
    static const uint8_t labels[] = {0, 0, 8, 1, 0, 0, 0, 3, 1, 7, 9};
    static const uint8_t images[] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2,
                                     0, 64, 128, 255, 1, 2, 3, 4};
    static const uint8_t images4[] = {0, 0, 8, 4, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2,
                                      0, 0, 0, 2, 10, 20, 30, 40};
    static const uint8_t vec2[] = {0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 1, 5, 6, 7};
    put("fuzz_idx", "labels-1d", labels, sizeof labels);
    put("fuzz_idx", "images-3d", images, sizeof images);
    put("fuzz_idx", "images-4d", images4, sizeof images4);
    put("fuzz_idx", "matrix-2d", vec2, sizeof vec2);
    put_gz("labels-1d.gz", labels, sizeof labels, 1);
    put_gz("images-3d.gz", images, sizeof images, 1);
    put_gz("images-3d-2members.gz", images, sizeof images, 2);

    /* image + label pairs for idx_load_dataset: 2 images of 2x2, 2 labels */
    static const uint8_t labels2[] = {0, 0, 8, 1, 0, 0, 0, 2, 3, 9};
    uint8_t pair[256];
    size_t n = 0;
    memcpy(pair + n, images, sizeof images), n += sizeof images;
    memcpy(pair + n, SEP, sizeof SEP - 1), n += sizeof SEP - 1;
    memcpy(pair + n, labels2, sizeof labels2), n += sizeof labels2;
    put("fuzz_idx", "pair-raw", pair, n);
    n = 0;
    gz(pair, sizeof pair, &n, images, sizeof images);
    memcpy(pair + n, SEP, sizeof SEP - 1), n += sizeof SEP - 1;
    gz(pair, sizeof pair, &n, labels2, sizeof labels2);
    put("fuzz_idx", "pair-gz", pair, n);

    /* ---- models: the two networks of fuzz_model.c ---- */
    static const model_info f32 = {"fuzz", 0xC0FFEE42u, 4, 10};
    static const model_info f64 = {"fuzz", 0xC0FFEE42u, 8, 3};
    float pf[10] = {0.0f, 1.0f, -1.0f, 0.5f, -0.25f, 3.14159f, 1e-8f, -1e8f, 42.0f, 0.1f};
    double pd[3] = {0.0, -2.5, 1e300};
    char err[ERR_MAX], path[1024];
    snprintf(path, sizeof path, "%s/fuzz_model", root);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/fuzz_model/fuzz-f32.model", root);
    if (model_save(path, &f32, pf, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    snprintf(path, sizeof path, "%s/fuzz_model/fuzz-f64.model", root);
    if (model_save(path, &f64, pd, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    /* version 2: normalization statistics and class names */
    static float shift[3] = {1.5f, -2.0f, 0.0f}, scale[3] = {0.5f, 4.0f, 1.0f};
    model_meta meta = {.norm = {.kind = DATA_NORM_MINMAX, .dim = 3, .shift = shift, .scale = scale}};
    data_classes_find(&meta.classes, "setosa", 8);
    data_classes_find(&meta.classes, "versicolor", 8);
    snprintf(path, sizeof path, "%s/fuzz_model/fuzz-f32-meta.model", root);
    if (model_save_meta(path, &f32, pf, &meta, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    data_classes_free(&meta.classes);

    /* ---- CSV tables: the option byte first (see fuzz_csv.c), then the text ---- */
    static const char t1[] = "\x13" "150,4,setosa,versicolor\n5.1,3.5,1.4,0.2,0\n4.9,3.0,1.4,0.2,1\n";
    static const char t2[] = "\x02" "a,b,label\n1,2,dog\n\"3\", 4 ,\"cat, black\"\r\n\n5e-1,-6,dog\n";
    static const char t3[] = "\x46" "x,y,t1,t2\n1,2,3,4\n5,6,7,8\n";
    static const char t4[] = "\x81" "2,3,,,\n\"A\",\"B\",\"C\",\"T\"\n1,2,3,10\n4,5,6,20\n";
    put("fuzz_csv", "description", t1, sizeof t1 - 1);
    put("fuzz_csv", "header-names-quotes", t2, sizeof t2 - 1);
    put("fuzz_csv", "regression-two-targets", t3, sizeof t3 - 1);
    put("fuzz_csv", "description-header", t4, sizeof t4 - 1);

    /* ---- command lines: NUL-separated argv, argv[0] first ---- */
    static const char c1[] = "trainer\0--epochs\0" "3\0--rate\0" "0.05";
    static const char c2[] = "trainer\0train\0--seed=42\0--data=tests/data\0-q";
    static const char c3[] = "trainer\0--help";
    static const char c4[] = "trainer\0--rate=1e-3\0--epochs=1\0--quiet\0--seed\0" "18446744073709551615";
    static const char c5[] = "trainer\0--data\0/tmp/mnist\0-h";
    static const char c6[] = "trainer\0eval\0--load\0out/mnist/mnist.model\0--data=tests/data";
    static const char c7[] = "trainer\0export\0--load=a.model\0-o\0weights.c\0-q";
    static const char c8[] = "trainer\0train\0--validation\0" "0.1\0--save=x.model\0--no-save";
    static const char c9[] = "trainer\0predict\0--show\0--load\0m.model\0a.png\0b.pgm\0-";
    static const char c10[] = "trainer\0--csv=log.csv\0--gallery\0bad.png\0-v\0--epochs=2";
    put("fuzz_cli", "predict-files", c9, sizeof c9 - 1);
    put("fuzz_cli", "csv-gallery-verbose", c10, sizeof c10 - 1);
    put("fuzz_cli", "epochs-rate", c1, sizeof c1 - 1);
    put("fuzz_cli", "eval-load", c6, sizeof c6 - 1);
    put("fuzz_cli", "export-out", c7, sizeof c7 - 1);
    put("fuzz_cli", "validation-save", c8, sizeof c8 - 1);
    put("fuzz_cli", "train-seed-data", c2, sizeof c2 - 1);
    put("fuzz_cli", "help", c3, sizeof c3 - 1);
    put("fuzz_cli", "all-flags", c4, sizeof c4 - 1);
    put("fuzz_cli", "data-help", c5, sizeof c5 - 1);
    return 0;
}
