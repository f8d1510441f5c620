/* ckpt.h: training checkpoints, so that a killed run can resume exactly.
 *
 * A checkpoint holds everything the next epoch depends on: parameters,
 * optimizer state, the shuffle generator, the epoch reached, and the best
 * parameters so far when a validation split is in use. Resuming from it
 * gives bit for bit the run that was never interrupted.
 *
 * Layout (integers little-endian; reals and optimizer state in host layout,
 * since a checkpoint resumes on the machine that wrote it — model files are
 * the portable format):
 *
 *   magic "CNCKPT1\0", u32 fingerprint, u32 real_size, u64 n_params,
 *   u64 opt_bytes, u32 epoch, u32 epochs, u32 best_epoch, u64 seed,
 *   f64 rate, f64 validation, f64 best_val, 4 x u64 shuffle state,
 *   params, optimizer state, best params (when best_epoch > 0),
 *   u32 CRC-32 of everything before it.
 *
 * Files are written to a temporary name, fsynced and renamed, so the file
 * on disk is always either the previous checkpoint or the new one. */
#ifndef CONSTNET_CKPT_H
#define CONSTNET_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "train.h"

typedef struct {
    unsigned epoch;       /* epochs completed */
    unsigned epochs;      /* epochs the run was started for */
    unsigned best_epoch;  /* 0: no validation split */
    uint64_t seed;
    double rate, validation, best_val;
    rng_state shuffle;
    void *params;         /* n_params reals */
    void *opt;            /* opt_bytes */
    void *best;           /* n_params reals, used when best_epoch > 0 */
} ckpt_state;

/* The limits of the trainer's flags, which every loaded checkpoint obeys too. */
#define CKPT_MAX_EPOCHS 1000000u
#define CKPT_MIN_RATE 1e-12
#define CKPT_MAX_RATE 1e6
#define CKPT_MAX_VALIDATION 0.9

int ckpt_save(const char *path, const train_net *net, const ckpt_state *s, char *err, size_t errlen);

/* Fill s (whose params, opt and best buffers the caller allocated) from
 * path, after checking that the whole file is intact and made by net, and
 * that every field is one a run can write (epochs, rate and validation within
 * the flags' limits, a best epoch exactly when there is a validation split). */
int ckpt_load(const char *path, const train_net *net, ckpt_state *s, char *err, size_t errlen);

#endif
