/* rng.h: a small seeded PRNG (xoshiro256**, seeded by splitmix64).
 * The same seed gives the same stream on every machine, so two runs with the
 * same seed are identical bit for bit. */
#ifndef CONSTNET_RNG_H
#define CONSTNET_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rng_state;

void rng_seed(rng_state *r, uint64_t seed);
uint64_t rng_next(rng_state *r);
/* Uniform in [0, 1) with 53 random bits. */
double rng_uniform(rng_state *r);
/* The same, with the signature the generated init functions take. */
double rng_uniform_cb(void *rng_state_ptr);
/* Uniform integer in [0, n), without modulo bias; n > 0. */
uint64_t rng_below(rng_state *r, uint64_t n);
/* Fisher-Yates shuffle of idx[0..n). */
void rng_shuffle(rng_state *r, uint32_t *idx, size_t n);

#endif
