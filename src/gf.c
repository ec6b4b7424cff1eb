/* gf.c - GF(p^n) tables: a primitive polynomial is found by walking the
 * powers of x; see gf.h. */
#include <stdlib.h>

#include "gf.h"

int iddl_prime_power(int64_t q, int *p, int *n) {
  if (q < 2) return 0;
  int64_t d = 2;
  while (d * d <= q && q % d) d++;
  if (d * d > q) d = q;            /* q itself is prime */
  int e = 0;
  while (q % d == 0) { q /= d; e++; }
  if (q != 1) return 0;
  if (p) *p = (int)d;
  if (n) *n = e;
  return 1;
}

/* a * x modulo x^n + c[n-1] x^(n-1) + ... + c[0] over GF(p), elements as
 * base-p digit strings; pn1 = p^(n-1). */
static int mul_x(int a, const int *c, int p, int n, int pn1) {
  int top = a / pn1, s = (a % pn1) * p;
  if (top == 0) return s;
  int out = 0, pw = 1;
  for (int i = 0; i < n; i++, pw *= p) {
    int d = ((s / pw) % p - top * c[i]) % p;
    out += (d < 0 ? d + p : d) * pw;
  }
  return out;
}

/* Walks the powers of g (n = 1: multiplication mod p) or of x (n > 1,
 * polynomial c) into exp[0 .. q-2]; returns 1 when they are all the q-1
 * nonzero elements, i.e. the generator is primitive. */
static int walk(int32_t *exp, int q, int p, int n, int g, const int *c) {
  int pn1 = q / p, a = 1;
  for (int i = 0; i < q - 1; i++) {
    if (i > 0 && a == 1) return 0;
    exp[i] = a;
    a = n == 1 ? (int)((int64_t)a * g % p) : mul_x(a, c, p, n, pn1);
  }
  return a == 1;
}

void iddl_gf_free(iddl_gf *f) {
  free(f->exp);
  free(f->log);
  free(f->zech);
  f->exp = f->log = f->zech = NULL;
}

int iddl_gf_init(iddl_gf *f, int q, iddl_err *err) {
  int p, n;
  *f = (iddl_gf){0};
  if (!iddl_prime_power(q, &p, &n))
    return iddl_fail(err, "GF(%d): %d is not a prime power", q, q);
  if (q > IDDL_GF_MAX)
    return iddl_fail(err, "GF(%d): fields above %d elements are not built", q,
                     IDDL_GF_MAX);
  f->q = q, f->p = p, f->n = n;
  f->exp = malloc(sizeof(int32_t) * 2 * (size_t)(q - 1 > 0 ? q - 1 : 1));
  f->log = malloc(sizeof(int32_t) * (size_t)q);
  int need_zech = n > 1 && p != 2;
  if (need_zech) f->zech = malloc(sizeof(int32_t) * (size_t)(q - 1));
  if (!f->exp || !f->log || (need_zech && !f->zech)) {
    iddl_gf_free(f);
    return iddl_fail(err, "GF(%d): out of memory", q);
  }
  int found = 0;
  if (n == 1) {
    for (int g = 1; g < p && !found; g++) found = walk(f->exp, q, p, 1, g, NULL);
  } else {
    int c[32];
    for (int m = 1; m < q && !found; m++) {   /* c = digits of m, c[0] != 0 */
      if (m % p == 0) continue;
      for (int i = 0, t = m; i < n; i++, t /= p) c[i] = t % p;
      found = walk(f->exp, q, p, n, 0, c);
    }
  }
  if (!found) {                               /* cannot happen for a field */
    iddl_gf_free(f);
    return iddl_fail(err, "GF(%d): no primitive element found", q);
  }
  for (int i = 0; i < q - 1; i++) f->exp[q - 1 + i] = f->exp[i];
  f->log[0] = -1;
  for (int i = 0; i < q - 1; i++) f->log[f->exp[i]] = i;
  if (need_zech) {
    for (int i = 0; i < q - 1; i++) {         /* 1 + g^i: add 1 to digit 0 */
      int a = f->exp[i], d0 = a % p;
      int s = a - d0 + (d0 + 1) % p;
      f->zech[i] = s == 0 ? -1 : f->log[s];
    }
  }
  return 0;
}
