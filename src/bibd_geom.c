/* bibd_geom.c - designs of finite geometries over GF(q): points and d-flats
 * of AG(n,q) and PG(n,q), and the Hermitian unital; see bibd.h.
 *
 * Subspaces of GF(q)^m are enumerated by their reduced row echelon forms:
 * pivot columns in lexicographic order, then the free entries as base-q
 * odometers. Vectors are arrays of m field elements.
 */
#include <stdlib.h>
#include <string.h>

#include "bibd.h"

#define MAXDIM 24

/* An odometer over the reduced row echelon forms of s x m matrices. */
typedef struct rref {
  int s, m, q;
  int piv[MAXDIM];          /* (s) pivot columns, ascending */
  int row[MAXDIM][MAXDIM];  /* (s, m) the matrix */
  int nfree;                /* free entries: (row, col) below */
  int fr[MAXDIM * MAXDIM], fc[MAXDIM * MAXDIM];
} rref;

/* Lays out the matrix for the current pivots, free entries zero. */
static void rref_layout(rref *e) {
  memset(e->row, 0, sizeof e->row);
  e->nfree = 0;
  for (int i = 0; i < e->s; i++) {
    e->row[i][e->piv[i]] = 1;
    for (int j = e->piv[i] + 1, p = i + 1; j < e->m; j++) {
      if (p < e->s && e->piv[p] == j) { p++; continue; }
      e->fr[e->nfree] = i, e->fc[e->nfree] = j, e->nfree++;
    }
  }
}

static void rref_first(rref *e, int s, int m, int q) {
  e->s = s, e->m = m, e->q = q;
  for (int i = 0; i < s; i++) e->piv[i] = i;
  rref_layout(e);
}

/* Steps to the next form; 0 after the last. */
static int rref_next(rref *e) {
  for (int f = e->nfree - 1; f >= 0; f--) {       /* free entries first */
    int *x = &e->row[e->fr[f]][e->fc[f]];
    if (++*x < e->q) return 1;
    *x = 0;
  }
  int i = e->s - 1;                                /* then the pivot set */
  while (i >= 0 && e->piv[i] == e->m - e->s + i) i--;
  if (i < 0) return 0;
  e->piv[i]++;
  for (int j = i + 1; j < e->s; j++) e->piv[j] = e->piv[j - 1] + 1;
  rref_layout(e);
  return 1;
}

/* out = sum_j c[j] row[j] over GF(q) (m coordinates). */
static void combine(const iddl_gf *f, const rref *e, const int *c, int *out) {
  for (int t = 0; t < e->m; t++) {
    int a = 0;
    for (int j = 0; j < e->s; j++)
      if (c[j]) a = iddl_gf_add(f, a, iddl_gf_mul(f, c[j], e->row[j][t]));
    out[t] = a;
  }
}

/* Number of the vector x of length m: sum x_i q^(m-1-i). */
static int64_t code(const int *x, int m, int q) {
  int64_t c = 0;
  for (int i = 0; i < m; i++) c = c * q + x[i];
  return c;
}

/* Number of the projective point of the normalised vector x (first nonzero
 * coordinate 1): points with the leading 1 at position 0 come first. */
static int64_t proj_index(const int *x, int m, int q) {
  int64_t off = 0, qm = 1;
  for (int i = 1; i < m; i++) qm *= q;             /* q^(m-1) */
  for (int i = 0; i < m; i++, qm /= q) {
    if (x[i]) return off + code(x + i + 1, m - i - 1, q);
    off += qm;
  }
  return -1;
}

/* Advances the base-q odometer c[lo..hi); 0 when it wraps around. */
static int odometer(int *c, int lo, int hi, int q) {
  for (int j = hi - 1; j >= lo; j--) {
    if (++c[j] < q) return 1;
    c[j] = 0;
  }
  return 0;
}

static int64_t ipow(int64_t a, int e) {
  int64_t r = 1;
  while (e-- > 0) r *= a;
  return r;
}

/* Checks 1 <= dim < n, q a prime power, and that q^m stays small. */
static int geom_args(const char *what, int n, int q, int dim, int m,
                     iddl_gf *f, iddl_err *err) {
  if (n < 2 || n >= MAXDIM || dim < 1 || dim >= n)
    return iddl_fail(err, "%s: need 1 <= d < n < %d, got n=%d d=%d", what, MAXDIM, n, dim);
  double size = 1;
  for (int i = 0; i < m; i++) size *= q;
  if (q < 2 || size > 2e9)
    return iddl_fail(err, "%s: q=%d, n=%d is out of range", what, q, n);
  return iddl_gf_init(f, q, err);
}

int iddl_bibd_affine(iddl_blocks *d, int n, int q, int dim, iddl_err *err) {
  iddl_gf f;
  if (geom_args("AG(n,q)", n, q, dim, n, &f, err)) return -1;
  int64_t v = ipow(q, n), k = ipow(q, dim);
  int rc = 0;
  char *used = calloc((size_t)v, 1);
  int *w = malloc(sizeof(int) * (size_t)(k * n)); /* (k, n) the subspace */
  int32_t *blk = malloc(sizeof(int32_t) * (size_t)k);
  if (!used || !w || !blk) {
    rc = iddl_fail(err, "AG(n,q): out of memory");
    goto done;
  }
  rref e;
  rref_first(&e, dim, n, q);
  int32_t cls = 0;
  do {
    int c[MAXDIM] = {0};
    for (int64_t i = 0; i < k; i++, odometer(c, 0, dim, q)) combine(&f, &e, c, w + i * n);
    memset(used, 0, (size_t)v);
    for (int64_t x0 = 0; x0 < v && rc == 0; x0++) {
      if (used[x0]) continue;
      int x[MAXDIM], y[MAXDIM];
      for (int i = n - 1, t = (int)x0; i >= 0; i--, t /= q) x[i] = t % q;
      for (int64_t i = 0; i < k; i++) {
        for (int t = 0; t < n; t++) y[t] = iddl_gf_add(&f, x[t], w[i * n + t]);
        blk[i] = (int32_t)code(y, n, q);
        used[blk[i]] = 1;
      }
      rc = iddl_blocks_add(d, blk, cls, err);
    }
    cls++;
  } while (rc == 0 && rref_next(&e));
done:
  free(used), free(w), free(blk);
  iddl_gf_free(&f);
  return rc;
}

int iddl_bibd_projective(iddl_blocks *d, int n, int q, int dim, iddl_err *err) {
  iddl_gf f;
  int m = n + 1, s = dim + 1;
  if (geom_args("PG(n,q)", n, q, dim, m, &f, err)) return -1;
  int64_t k = (ipow(q, s) - 1) / (q - 1);
  int32_t *blk = malloc(sizeof(int32_t) * (size_t)k);
  if (!blk) {
    iddl_gf_free(&f);
    return iddl_fail(err, "PG(n,q): out of memory");
  }
  int rc = 0;
  rref e;
  rref_first(&e, s, m, q);
  do {
    int64_t nb = 0;
    for (int lead = 0; lead < s; lead++) {   /* normalised combinations */
      int c[MAXDIM] = {0}, x[MAXDIM];
      c[lead] = 1;
      do {
        combine(&f, &e, c, x);
        blk[nb++] = (int32_t)proj_index(x, m, q);
      } while (odometer(c, lead + 1, s, q));
    }
    rc = iddl_blocks_add(d, blk, -1, err);
  } while (rc == 0 && rref_next(&e));
  free(blk);
  iddl_gf_free(&f);
  return rc;
}

/* Scales x (3 coordinates, not all 0) so its first nonzero one is 1. */
static void normalise3(const iddl_gf *f, int *x) {
  int i = 0;
  while (x[i] == 0) i++;
  int inv = iddl_gf_inv(f, x[i]);
  for (int t = 0; t < 3; t++) x[t] = iddl_gf_mul(f, x[t], inv);
}

int iddl_bibd_unital(iddl_blocks *d, int q, iddl_err *err) {
  if (!iddl_prime_power(q, NULL, NULL) || q > 16)
    return iddl_fail(err, "unital: q must be a prime power <= 16, got %d", q);
  iddl_gf f;
  int Q = q * q;
  if (iddl_gf_init(&f, Q, err)) return -1;
  int64_t npg = (int64_t)Q * Q + Q + 1, v = (int64_t)q * q * q + 1;
  int32_t *uid = malloc(sizeof(int32_t) * (size_t)npg); /* PG index -> unital point */
  int *pt = malloc(sizeof(int) * 3 * (size_t)v);         /* (v, 3) unital points */
  uint8_t *met = calloc((size_t)(v * v / 8 + 1), 1);     /* pair bitmap */
  int32_t *blk = malloc(sizeof(int32_t) * (size_t)(Q + 1));
  int rc = 0;
  if (!uid || !pt || !met || !blk) {
    rc = iddl_fail(err, "unital: out of memory");
    goto done;
  }
  int64_t nu = 0;
  for (int64_t i = 0; i < npg; i++) uid[i] = -1;
  for (int lead = 0; lead < 3; lead++) {   /* points x^(q+1)+y^(q+1)+z^(q+1) = 0 */
    int x[3] = {0, 0, 0};
    x[lead] = 1;
    do {
      int s = 0;
      for (int t = 0; t < 3; t++) s = iddl_gf_add(&f, s, iddl_gf_pow(&f, x[t], q + 1));
      if (s == 0) {
        if (nu == v) { rc = iddl_fail(err, "unital: too many points"); goto done; }
        uid[proj_index(x, 3, Q)] = (int32_t)nu;
        memcpy(pt + 3 * nu++, x, sizeof x);
      }
    } while (odometer(x, lead + 1, 3, Q));
  }
  if (nu != v) {
    rc = iddl_fail(err, "unital: found %lld points, expected %lld", (long long)nu, (long long)v);
    goto done;
  }
  for (int64_t a = 0; a < v && rc == 0; a++)
    for (int64_t b = a + 1; b < v && rc == 0; b++) {
      if (met[(a * v + b) >> 3] & (1 << ((a * v + b) & 7))) continue;
      int n = 0;                              /* the line through a and b */
      for (int t = -1; t < Q; t++) {          /* b itself, then a + t b */
        int x[3];
        for (int c = 0; c < 3; c++)
          x[c] = t < 0 ? pt[3 * b + c]
                       : iddl_gf_add(&f, pt[3 * a + c], iddl_gf_mul(&f, t, pt[3 * b + c]));
        normalise3(&f, x);
        int32_t u = uid[proj_index(x, 3, Q)];
        if (u >= 0) blk[n++] = u;
      }
      if (n != q + 1) {
        rc = iddl_fail(err, "unital: a secant line meets it in %d points, not %d", n, q + 1);
        break;
      }
      for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
          int64_t bit = (int64_t)blk[i] * v + blk[j];
          if (blk[i] < blk[j]) met[bit >> 3] |= (uint8_t)(1 << (bit & 7));
        }
      rc = iddl_blocks_add(d, blk, -1, err);
    }
done:
  free(uid), free(pt), free(met), free(blk);
  iddl_gf_free(&f);
  return rc;
}
