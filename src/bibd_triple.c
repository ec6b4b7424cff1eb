/* bibd_triple.c - triple systems from quasigroups (Lindner and Rodger,
 * "Design Theory", ch. 1-2): Steiner triple systems by Bose (v = 6n+3) and
 * Skolem (v = 6n+1), and triple systems with lambda = 2, 3, 6; see bibd.h. */
#include "bibd.h"

/* x o y in an idempotent quasigroup of order n != 2 (x o x = x): (x+y)/2
 * mod n for n odd; for n even, the one of order n-1 prolonged along its
 * transversal {(x, x+1)} by the new element n-1. */
static int idem(int n, int x, int y) {
  if (n % 2 == 1) return (int)((int64_t)(x + y) * ((n + 1) / 2) % n);
  int m = n - 1, inf = m;
  if (x == inf && y == inf) return inf;
  if (y == inf) return idem(m, x, (x + 1) % m);
  if (x == inf) return idem(m, (y + m - 1) % m, y);
  return y == (x + 1) % m ? inf : idem(m, x, y);
}

/* Adds the triple {a, b, c}. */
static int add3(iddl_blocks *d, int a, int b, int c, iddl_err *err) {
  int32_t t[3] = {a, b, c};
  return iddl_blocks_add(d, t, -1, err);
}

int iddl_bibd_sts(iddl_blocks *d, int v, iddl_err *err) {
  if (v < 3 || (v % 6 != 1 && v % 6 != 3))
    return iddl_fail(err, "STS(v): need v = 1 or 3 (mod 6), v >= 3, got %d", v);
  int bose = v % 6 == 3, m = bose ? v / 3 : (v - 1) / 3, n = (v - 1) / 6;
  if (iddl_blocks_reserve(d, (int64_t)v * (v - 1) / 6, err)) return -1;
#define P(x, i) ((i) % 3 * m + (x))
  int rc = 0;
  /* x o y: Bose (x+y)/2 mod 2n+1; Skolem the half-idempotent (x+y) mod 2n
   * with 2i renamed i and 2i+1 renamed n+i */
  for (int x = 0; x < (bose ? m : n) && rc == 0; x++)
    rc = add3(d, P(x, 0), P(x, 1), P(x, 2), err);
  for (int x = 0; x < n && !bose && rc == 0; x++)
    for (int i = 0; i < 3 && rc == 0; i++) rc = add3(d, v - 1, P(n + x, i), P(x, i + 1), err);
  for (int x = 0; x < m; x++)
    for (int y = x + 1; y < m; y++) {
      int s = (x + y) % m, xy = bose ? (int)((int64_t)s * (n + 1) % m)
                                     : (s % 2 == 0 ? s / 2 : n + s / 2);
      for (int i = 0; i < 3 && rc == 0; i++) rc = add3(d, P(x, i), P(y, i), P(xy, i + 1), err);
    }
#undef P
  return rc;
}

int iddl_bibd_triple(iddl_blocks *d, int v, int lambda, iddl_err *err) {
  int rc = 0;
  if (lambda == 3) {
    if (v < 3 || v % 2 == 0) return iddl_fail(err, "TS(v,3): need v odd >= 3, got %d", v);
    for (int x = 0; x < v; x++)
      for (int y = x + 1; y < v && rc == 0; y++) rc = add3(d, x, y, idem(v, x, y), err);
    return rc;
  }
  if (lambda == 6) {
    if (v < 3) return iddl_fail(err, "TS(v,6): need v >= 3, got %d", v);
    for (int x = 0; x < v; x++)
      for (int y = 0; y < v && rc == 0; y++)
        if (x != y) rc = add3(d, x, y, idem(v, x, y), err);
    return rc;
  }
  if (lambda != 2) return iddl_fail(err, "TS(v,lambda): lambda must be 2, 3 or 6, got %d", lambda);
  int n = v / 3, inf = v - 1, plus = v % 3 == 1;
  if (v < 3 || v % 3 == 2 || n == 2)
    return iddl_fail(err, "TS(v,2): need v = 0 or 1 (mod 3), v >= 3, v != 6, 7, got %d", v);
#define P(x, i) ((i) % 3 * n + (x))
  for (int x = 0; x < n && rc == 0; x++) {
    if (plus) {                        /* 3n+1: infinity with each level pair */
      for (int i = 0; i < 3 && rc == 0; i++) rc = add3(d, inf, P(x, i), P(x, i + 1), err);
    } else {
      rc = add3(d, P(x, 0), P(x, 1), P(x, 2), err);
    }
    if (rc == 0) rc = add3(d, P(x, 0), P(x, 1), P(x, 2), err);
  }
  for (int x = 0; x < n; x++)
    for (int y = 0; y < n; y++)
      for (int i = 0; i < 3 && x != y && rc == 0; i++)
        rc = add3(d, P(x, i), P(y, i), P(idem(n, x, y), i + 1), err);
#undef P
  return rc;
}
