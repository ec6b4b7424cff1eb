/* gf.h - finite fields GF(q), q = p^n, by log/antilog tables.
 *
 * An element is an int in [0, q): its base-p digits are the coefficients of
 * a polynomial in x of degree < n (digit i is the coefficient of x^i), taken
 * modulo the first primitive polynomial of degree n over GF(p) in a fixed
 * order (so x itself, the element p, generates the multiplicative group when
 * n > 1; for n = 1 the generator is the smallest primitive root mod p).
 * 0 and 1 are the field's zero and one. Every table is built once by
 * iddl_gf_init, after which the operations below are O(1).
 */
#ifndef IDDL_GF_H
#define IDDL_GF_H

#include <stdint.h>

#include "tensor.h"

#define IDDL_GF_MAX (1 << 22) /* largest field order iddl_gf_init builds */

typedef struct iddl_gf {
  int q, p, n;      /* order q = p^n */
  int32_t *exp;     /* (2(q-1)) exp[i] = g^i for a generator g; doubled so
                       a sum of two logs needs no reduction */
  int32_t *log;     /* (q) log[a] for a != 0; log[0] = -1 */
  int32_t *zech;    /* (q-1) log(1 + g^i), -1 where 1 + g^i = 0; only for
                       n > 1 and p odd (else NULL: add by xor or mod p) */
} iddl_gf;

/* Whether q is a prime power p^n (n >= 1); if so, sets *p and *n (either
 * may be NULL). q < 2 gives 0. */
int iddl_prime_power(int64_t q, int *p, int *n);

/* Builds GF(q) into *f. Fails (f left empty, nothing to free) when q is not
 * a prime power, is above IDDL_GF_MAX, or memory runs out. */
int iddl_gf_init(iddl_gf *f, int q, iddl_err *err);
/* Frees the tables of f (which may be zeroed or already freed). */
void iddl_gf_free(iddl_gf *f);

/* a + b */
static inline int iddl_gf_add(const iddl_gf *f, int a, int b) {
  if (f->p == 2) return a ^ b;
  if (f->n == 1) { int s = a + b; return s >= f->p ? s - f->p : s; }
  if (a == 0) return b;
  if (b == 0) return a;
  int la = f->log[a], d = f->log[b] - la;
  if (d < 0) d += f->q - 1;
  int z = f->zech[d];
  return z < 0 ? 0 : f->exp[la + z];
}

/* -a */
static inline int iddl_gf_neg(const iddl_gf *f, int a) {
  if (a == 0 || f->p == 2) return a;
  if (f->n == 1) return f->p - a;
  return f->exp[f->log[a] + (f->q - 1) / 2];
}

/* a - b */
static inline int iddl_gf_sub(const iddl_gf *f, int a, int b) {
  return iddl_gf_add(f, a, iddl_gf_neg(f, b));
}

/* a * b */
static inline int iddl_gf_mul(const iddl_gf *f, int a, int b) {
  if (a == 0 || b == 0) return 0;
  return f->exp[f->log[a] + f->log[b]];
}

/* 1 / a for a != 0 */
static inline int iddl_gf_inv(const iddl_gf *f, int a) {
  int l = f->log[a];
  return f->exp[l == 0 ? 0 : f->q - 1 - l];
}

/* a^e for e >= 0 (0^0 = 1) */
static inline int iddl_gf_pow(const iddl_gf *f, int a, int64_t e) {
  if (e == 0) return 1;
  if (a == 0) return 0;
  return f->exp[(int)(((int64_t)f->log[a] * (e % (f->q - 1))) % (f->q - 1))];
}

#endif
