/* rng.c - xoshiro256** generator, seeded through splitmix64. */
#include <math.h>

#include "rng.h"
#include "tensor_iter.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void iddl_rng_seed(iddl_rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
  r->seed = seed;
  r->has_spare = 0;
  r->spare = 0;
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t iddl_rng_next(iddl_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double iddl_rng_uniform(iddl_rng *r) {
  return (double)(iddl_rng_next(r) >> 11) * 0x1.0p-53;
}

double iddl_rng_normal(iddl_rng *r) {
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare;
  }
  double u1 = 1.0 - iddl_rng_uniform(r); /* (0, 1]: log is finite */
  double u2 = iddl_rng_uniform(r);
  double rad = sqrt(-2.0 * log(u1)), th = 2.0 * M_PI * u2;
  r->spare = rad * sin(th);
  r->has_spare = 1;
  return rad * cos(th);
}

uint64_t iddl_rng_below(iddl_rng *r, uint64_t n) {
  /* Lemire's multiply-shift with rejection: unbiased. */
  uint64_t x = iddl_rng_next(r);
  __uint128_t m = (__uint128_t)x * n;
  uint64_t low = (uint64_t)m;
  if (low < n) {
    uint64_t threshold = -n % n;
    while (low < threshold) {
      x = iddl_rng_next(r);
      m = (__uint128_t)x * n;
      low = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

/* Sets every element of t, in row-major order, to EXPR (evaluated each time). */
#define FILL_EACH(t, EXPR)                                           \
  do {                                                               \
    iddl_iter it;                                                    \
    float *p[1];                                                     \
    iddl_iter_init(&it, 1, (const iddl_tensor *[]){t});              \
    while (iddl_iter_next(&it, p))                                   \
      for (int64_t i = 0; i < it.n; i++) p[0][i * it.inner[0]] = (EXPR); \
  } while (0)

void iddl_fill_uniform(iddl_tensor *t, iddl_rng *r, double lo, double hi) {
  FILL_EACH(t, (float)(lo + (hi - lo) * iddl_rng_uniform(r)));
}

void iddl_fill_normal(iddl_tensor *t, iddl_rng *r, double mean, double std) {
  FILL_EACH(t, (float)(mean + std * iddl_rng_normal(r)));
}

void iddl_fill_randint(iddl_tensor *t, iddl_rng *r, int64_t lo, int64_t hi) {
  FILL_EACH(t, (float)(lo + (int64_t)iddl_rng_below(r, (uint64_t)(hi - lo))));
}

void iddl_rng_permutation(iddl_rng *r, int64_t n, int64_t *perm) {
  for (int64_t i = 0; i < n; i++) perm[i] = i;
  for (int64_t i = n - 1; i > 0; i--) {
    int64_t j = (int64_t)iddl_rng_below(r, (uint64_t)i + 1);
    int64_t tmp = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
  }
}
