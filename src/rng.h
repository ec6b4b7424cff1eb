/* rng.h - the seedable random generator (xoshiro256**, seeded by splitmix64).
 *
 * State is a plain value: copy the struct to save it, copy it back to restore.
 * Nothing here is global; the Lua glue keeps one generator per Lua state.
 */
#ifndef IDDL_RNG_H
#define IDDL_RNG_H

#include <stdint.h>
#include "tensor.h"

typedef struct iddl_rng {
  uint64_t s[4];
  uint64_t seed;      /* the seed last given to iddl_rng_seed */
  int has_spare;      /* Box-Muller makes normals in pairs */
  double spare;
} iddl_rng;

void iddl_rng_seed(iddl_rng *r, uint64_t seed);
uint64_t iddl_rng_next(iddl_rng *r);
/* Uniform double in [0, 1) with 53 random bits. */
double iddl_rng_uniform(iddl_rng *r);
/* Standard normal (Box-Muller). */
double iddl_rng_normal(iddl_rng *r);
/* Uniform integer in [0, n), unbiased; n >= 1. */
uint64_t iddl_rng_below(iddl_rng *r, uint64_t n);

/* Fill any view of t in row-major order. */
void iddl_fill_uniform(iddl_tensor *t, iddl_rng *r, double lo, double hi);
void iddl_fill_normal(iddl_tensor *t, iddl_rng *r, double mean, double std);
/* Integers in [lo, hi), hi > lo. */
void iddl_fill_randint(iddl_tensor *t, iddl_rng *r, int64_t lo, int64_t hi);
/* A random permutation of 0..n-1 into perm (Fisher-Yates). */
void iddl_rng_permutation(iddl_rng *r, int64_t n, int64_t *perm);

#endif
