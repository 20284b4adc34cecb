/* rng: a small seeded pseudo-random generator, xoshiro256** seeded through splitmix64.
 *
 * For computations that must come out the same for the same seed on every machine (the need
 * index's sensitivity analysis, generated benchmark data). Not for secrets: tokens and ids use
 * libsodium. A struct rng is a plain value owned by the caller; nothing global, so threads that
 * each hold their own never interfere. */
#ifndef EDUBRIDGE_RNG_H
#define EDUBRIDGE_RNG_H

#include <stdint.h>

struct rng {
    uint64_t s[4];
};

/* Seeds from one 64-bit number (any value, 0 included) by four steps of splitmix64, as the
 * authors of xoshiro recommend, so that nearby seeds give unrelated streams. */
void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, 1), 53 random bits. */
double rng_uniform(struct rng *r);
/* Uniform in [0, n), n > 0, without modulo bias (Lemire's multiply-and-reject). */
uint64_t rng_below(struct rng *r, uint64_t n);
/* splitmix64 as a pure function: a well-mixed 64-bit value from x (for deriving per-item seeds). */
uint64_t rng_mix64(uint64_t x);

#endif
