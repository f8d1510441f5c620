/* ckpt.c: training checkpoints (see ckpt.h). */
#define _POSIX_C_SOURCE 200809L
#include "ckpt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "atomic.h"
#include "err.h"

static const uint8_t ckpt_magic[8] = {'C', 'N', 'C', 'K', 'P', 'T', '1', '\0'};

enum { CKPT_HEADER = 8 + 4 + 4 + 8 + 8 + 4 + 4 + 4 + 8 + 8 + 8 + 8 + 32 };

static uint8_t *ckpt_put(uint8_t *p, uint64_t v, int bytes)
{
    for (int k = 0; k < bytes; ++k)
        *p++ = (uint8_t)(v >> (8 * k));
    return p;
}

static const uint8_t *ckpt_get(const uint8_t *p, uint64_t *v, int bytes)
{
    *v = 0;
    for (int k = 0; k < bytes; ++k)
        *v |= (uint64_t)p[k] << (8 * k);
    return p + bytes;
}

static uint64_t ckpt_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double ckpt_real(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* Bytes of a checkpoint of net, with or without best params. */
static size_t ckpt_size(const train_net *net, int with_best)
{
    const size_t pbytes = net->n_params * net->real_size;
    return CKPT_HEADER + pbytes + net->opt_bytes + (with_best ? pbytes : 0) + 4;
}

int ckpt_save(const char *path, const train_net *net, const ckpt_state *s, char *err, size_t errlen)
{
    const size_t pbytes = net->n_params * net->real_size;
    const size_t len = ckpt_size(net, s->best_epoch > 0);
    uint8_t *buf = malloc(len);
    if (buf == NULL)
        return err_set(err, errlen, path, "out of memory");
    uint8_t *p = buf;
    memcpy(p, ckpt_magic, sizeof ckpt_magic);
    p += sizeof ckpt_magic;
    p = ckpt_put(p, net->fingerprint, 4);
    p = ckpt_put(p, net->real_size, 4);
    p = ckpt_put(p, net->n_params, 8);
    p = ckpt_put(p, net->opt_bytes, 8);
    p = ckpt_put(p, s->epoch, 4);
    p = ckpt_put(p, s->epochs, 4);
    p = ckpt_put(p, s->best_epoch, 4);
    p = ckpt_put(p, s->seed, 8);
    p = ckpt_put(p, ckpt_bits(s->rate), 8);
    p = ckpt_put(p, ckpt_bits(s->validation), 8);
    p = ckpt_put(p, ckpt_bits(s->best_val), 8);
    for (int k = 0; k < 4; ++k)
        p = ckpt_put(p, s->shuffle.s[k], 8);
    memcpy(p, s->params, pbytes);
    p += pbytes;
    memcpy(p, s->opt, net->opt_bytes);
    p += net->opt_bytes;
    if (s->best_epoch > 0) {
        memcpy(p, s->best, pbytes);
        p += pbytes;
    }
    ckpt_put(p, crc32(0L, buf, (uInt)(len - 4)), 4);

    atomic_file af;
    int status = atomic_open(&af, path, err, errlen);
    if (status == 0)
        status = atomic_commit(&af, fwrite(buf, 1, len, af.fp) == len, err, errlen);
    free(buf);
    return status;
}

/* The fields a flag could have set are held to the flag's limits, and the
 * best epoch to what a run writes: one exactly when there is a validation set. */
static int ckpt_check_fields(const char *path, uint64_t best_epoch, double rate, double validation,
                             double best_val, char *err, size_t errlen)
{
    if (!(rate >= CKPT_MIN_RATE && rate <= CKPT_MAX_RATE))
        return err_set(err, errlen, path, "corrupt checkpoint: rate %g is out of range [%g, %g]", rate,
                       CKPT_MIN_RATE, CKPT_MAX_RATE);
    if (!(validation >= 0.0 && validation <= CKPT_MAX_VALIDATION))
        return err_set(err, errlen, path, "corrupt checkpoint: validation %g is out of range [0, %g]",
                       validation, CKPT_MAX_VALIDATION);
    if ((validation > 0.0) != (best_epoch > 0))
        return err_set(err, errlen, path, "corrupt checkpoint: best epoch %llu with validation %g",
                       (unsigned long long)best_epoch, validation);
    if (best_epoch > 0 && !(best_val >= 0.0 && best_val <= 1.0))
        return err_set(err, errlen, path, "corrupt checkpoint: best validation accuracy %g is not in [0, 1]",
                       best_val);
    return 0;
}

int ckpt_load(const char *path, const train_net *net, ckpt_state *s, char *err, size_t errlen)
{
    FILE *f = atomic_fopen_regular(path, NULL, err, errlen);
    if (f == NULL)
        return -1;
    const size_t most = ckpt_size(net, 1);
    uint8_t *buf = malloc(most + 1);
    if (buf == NULL) {
        fclose(f);
        return err_set(err, errlen, path, "out of memory");
    }
    /* never read more than the largest checkpoint this network can have */
    const size_t len = fread(buf, 1, most + 1, f);
    const int rerr = ferror(f);
    fclose(f);
    int status = -1;
    uint64_t v[11];
    const uint8_t *p = buf;
    if (rerr) {
        err_set(err, errlen, path, "cannot read checkpoint");
    } else if (len < CKPT_HEADER + 4 || memcmp(buf, ckpt_magic, sizeof ckpt_magic) != 0) {
        err_set(err, errlen, path, "not a constnet checkpoint");
    } else {
        p += sizeof ckpt_magic;
        const int widths[11] = {4, 4, 8, 8, 4, 4, 4, 8, 8, 8, 8};
        for (int k = 0; k < 11; ++k)
            p = ckpt_get(p, &v[k], widths[k]);
        const int with_best = v[6] > 0;
        if (v[0] != net->fingerprint || v[1] != net->real_size || v[2] != net->n_params ||
            v[3] != net->opt_bytes)
            err_set(err, errlen, path, "checkpoint is for a different network or optimizer than '%s'",
                    net->name);
        else if (len != ckpt_size(net, with_best))
            err_set(err, errlen, path, "checkpoint is %zu bytes, expected %zu: truncated or corrupt", len,
                    ckpt_size(net, with_best));
        else if (crc32(0L, buf, (uInt)(len - 4)) != (uint32_t)(buf[len - 4] | buf[len - 3] << 8 |
                                                              buf[len - 2] << 16 | (uint32_t)buf[len - 1] << 24))
            err_set(err, errlen, path, "corrupt checkpoint: CRC-32 mismatch");
        else if (v[4] == 0 || v[4] > v[5] || v[6] > v[4] || v[5] > CKPT_MAX_EPOCHS)
            err_set(err, errlen, path, "corrupt checkpoint: epoch %llu of %llu", (unsigned long long)v[4],
                    (unsigned long long)v[5]);
        else
            status = ckpt_check_fields(path, v[6], ckpt_real(v[8]), ckpt_real(v[9]), ckpt_real(v[10]), err,
                                       errlen);
    }
    if (status == 0) {
        const size_t pbytes = net->n_params * net->real_size;
        s->epoch = (unsigned)v[4];
        s->epochs = (unsigned)v[5];
        s->best_epoch = (unsigned)v[6];
        s->seed = v[7];
        s->rate = ckpt_real(v[8]);
        s->validation = ckpt_real(v[9]);
        s->best_val = ckpt_real(v[10]);
        for (int k = 0; k < 4; ++k)
            p = ckpt_get(p, &s->shuffle.s[k], 8);
        memcpy(s->params, p, pbytes);
        p += pbytes;
        memcpy(s->opt, p, net->opt_bytes);
        p += net->opt_bytes;
        if (s->best_epoch > 0)
            memcpy(s->best, p, pbytes);
    }
    free(buf);
    return status;
}
