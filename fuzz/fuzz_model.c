/* fuzz_model.c: libFuzzer target for the model-file parser (runtime/model.c).
 *
 * Each input is checked against two fixed networks, "fuzz" with 10 float32
 * parameters and "fuzz" with 3 float64 parameters (same fingerprint):
 *   1. model_parse on the bytes as they are;
 *   2. model_parse on a copy whose last 4 bytes are replaced by the right
 *      CRC-32, so mutations get past the checksum and reach every other check
 *      and the success path;
 *   3. for inputs that start with the magic "CNMODEL", the CRC-fixed copy is
 *      also written to a temporary file and read back with model_load, which
 *      checks the header from a 62-byte prefix before reading the rest: its
 *      verdict and message must match model_parse's (differential);
 *   4. every accepted file is saved again with model_save, and the new file
 *      must be byte-identical to the input (round trip).
 * The params buffer is allocated at its exact size (ASan catches overruns),
 * filled with a sentinel, and must be untouched after every failure. */
#define _GNU_SOURCE /* mkdtemp */

#include "err.h"
#include "model.h"
#include "scratch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static const model_info infos[] = {
    {"fuzz", 0xC0FFEE42u, 4, 10},
    {"fuzz", 0xC0FFEE42u, 8, 3},
};
enum { N_INFOS = sizeof infos / sizeof infos[0], SENTINEL = 0xa5 };

static const char *file_path, *save_path; /* NULL: no scratch directory */

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_model: invariant violated: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (scratch_init("fuzz-model") == 0) {
        file_path = scratch_file("in.model");
        save_path = scratch_file("saved.model");
    }
    return 0;
}

static void check_err(const char *err)
{
    scratch_check_message(err, die);
}

static int untouched(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != SENTINEL)
            return 0;
    return 1;
}

/* The whole of path into buf (at most cap bytes); returns the size or -1. */
static long read_back(const char *path, uint8_t *buf, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return -1;
    size_t n = fread(buf, 1, cap, fp);
    int more = fgetc(fp) != EOF;
    fclose(fp);
    return more ? -1 : (long)n;
}

/* The header size of an accepted file: version 2 adds the meta size. */
static size_t header_of(const uint8_t *buf, const model_info *info)
{
    return MODEL_HEADER_FIXED + (buf[8] == 2 ? 4 : 0) + strlen(info->name);
}

/* The size an accepted file must have. */
static size_t size_of(const uint8_t *buf, const model_info *info)
{
    const size_t header = header_of(buf, info);
    size_t meta = 0;
    if (buf[8] == 2)
        for (int b = 0; b < 4; b++)
            meta |= (size_t)buf[header - 4 + b] << (8 * b);
    return header + info->n_params * info->real_size + meta + 4;
}

/* Each real in params must be the little-endian bytes of buf's payload. */
static void check_params(const uint8_t *buf, const model_info *info, const uint8_t *params)
{
    size_t header = header_of(buf, info);
    for (size_t i = 0; i < info->n_params; i++) {
        const uint8_t *src = buf + header + i * info->real_size;
        uint64_t want = 0, got = 0;
        for (unsigned b = 0; b < info->real_size; b++)
            want |= (uint64_t)src[b] << (8 * b);
        if (info->real_size == 4) {
            uint32_t u;
            memcpy(&u, params + i * 4, 4);
            got = u;
        } else {
            memcpy(&got, params + i * 8, 8);
        }
        if (got != want)
            die("decoded parameter differs from the file's bytes", NULL);
    }
}

/* Parse buf with info; on success, check the decoded params and round-trip. */
static int parse_one(const uint8_t *buf, size_t len, const model_info *info, char *err,
                     size_t errlen)
{
    size_t psize = info->n_params * info->real_size;
    uint8_t *params = malloc(psize);
    if (params == NULL)
        abort();
    memset(params, SENTINEL, psize);
    err[0] = '\0';
    model_meta meta;
    int rc = model_parse_meta(buf, len, "fuzz.model", info, params, &meta, err, errlen);
    if (rc != 0) {
        if (rc != -1)
            die("return code is neither 0 nor -1", NULL);
        check_err(err);
        if (!untouched(params, psize))
            die("params written by a failed parse", err);
        free(params);
        return rc;
    }

    if (len != size_of(buf, info))
        die("accepted a file of the wrong size", NULL);
    check_params(buf, info, params);

    /* Round trip: saving what was loaded must give back the same bytes. */
    if (save_path != NULL) {
        char serr[ERR_MAX];
        if (model_save_meta(save_path, info, params, &meta, serr, sizeof serr) != 0)
            die("model_save failed on params just loaded", serr);
        uint8_t *again = malloc(len + 1);
        if (again == NULL)
            abort();
        long n = read_back(save_path, again, len + 1);
        if (n != (long)len || memcmp(again, buf, len) != 0)
            die("model_save did not reproduce the accepted file", NULL);
        free(again);
    }
    model_meta_free(&meta);
    free(params);
    return rc;
}

/* model_load on the same bytes must agree with model_parse. */
static void load_one(const uint8_t *buf, size_t len, const model_info *info, int parse_rc,
                     const char *parse_err)
{
    size_t psize = info->n_params * info->real_size;
    uint8_t *params = malloc(psize);
    if (params == NULL)
        abort();
    memset(params, SENTINEL, psize);
    char err[ERR_MAX];
    err[0] = '\0';
    int rc = model_load(file_path, info, params, err, sizeof err);
    if (rc != parse_rc)
        die("model_load and model_parse disagree", rc ? err : parse_err);
    if (rc != 0) {
        check_err(err);
        if (!untouched(params, psize))
            die("params written by a failed load", err);
        /* Same checks, same words: only the name in front differs. */
        const char *a = strstr(err, ": error: ");
        const char *b = strstr(parse_err, ": error: ");
        if (a == NULL || b == NULL || strcmp(a, b) != 0) {
            fprintf(stderr, "model_load:  %s\nmodel_parse: %s\n", err, parse_err);
            die("model_load and model_parse give different messages", NULL);
        }
    } else {
        if (len != size_of(buf, info))
            die("model_load accepted a file of the wrong size", NULL);
        check_params(buf, info, params);
    }
    free(params);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[ERR_MAX];
    for (int k = 0; k < N_INFOS; k++)
        parse_one(data, size, &infos[k], err, sizeof err);

    if (size < 4)
        return 0;
    uint8_t *fixed = malloc(size);
    if (fixed == NULL)
        abort();
    memcpy(fixed, data, size);
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), fixed, (uInt)(size - 4));
    for (int i = 0; i < 4; i++)
        fixed[size - 4 + i] = (uint8_t)(crc >> (8 * i));

    int load = file_path != NULL && size >= 7 && memcmp(data, "CNMODEL", 7) == 0 &&
               scratch_write(file_path, fixed, size) == 0;
    for (int k = 0; k < N_INFOS; k++) {
        int rc = parse_one(fixed, size, &infos[k], err, sizeof err);
        if (load)
            load_one(fixed, size, &infos[k], rc, err);
    }
    free(fixed);
    return 0;
}
