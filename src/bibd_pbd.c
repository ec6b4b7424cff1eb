/* bibd_pbd.c - pairwise balanced designs (blocks of several sizes, every
 * pair of points in exactly one block) as CSR block lists: truncated
 * transversal designs with points at infinity, the check, and the two ways
 * a PBD gives a 2-(v,k,lambda) design: inflating every block around a
 * common point, and filling every block (Wilson's PBD closure); see bibd.h
 * and Stinson, Combinatorial Designs, ch. 7. */
#include <stdlib.h>
#include <string.h>

#include "bibd.h"

int iddl_pbd_init(iddl_pbd *p, int v, iddl_err *err) {
  *p = (iddl_pbd){0};
  if (v < 1) return iddl_fail(err, "pbd: need v >= 1, got %d", v);
  p->v = v;
  p->off = malloc(sizeof(int64_t));
  if (!p->off) return iddl_fail(err, "pbd: out of memory");
  p->off[0] = 0;
  return 0;
}

void iddl_pbd_free(iddl_pbd *p) {
  free(p->off);
  free(p->pts);
  p->off = NULL, p->pts = NULL;
  p->b = p->bcap = p->ncap = 0;
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

int iddl_pbd_add(iddl_pbd *p, const int32_t *blk, int n, iddl_err *err) {
  if (n < 2) return iddl_fail(err, "pbd: a block needs 2 or more points, got %d", n);
  int64_t at = p->off[p->b];
  if (at + n > IDDL_BIBD_MAX_ENTRIES)
    return iddl_fail(err, "pbd too large: more than %lld point-block incidences",
                     (long long)IDDL_BIBD_MAX_ENTRIES);
  if (p->b + 1 > p->bcap) {
    int64_t cap = p->bcap ? 2 * p->bcap : 64;
    int64_t *off = realloc(p->off, sizeof(int64_t) * (size_t)(cap + 1));
    if (!off) return iddl_fail(err, "pbd: out of memory");
    p->off = off, p->bcap = cap;
  }
  if (at + n > p->ncap) {
    int64_t cap = p->ncap ? 2 * p->ncap : 256;
    while (cap < at + n) cap *= 2;
    int32_t *pts = realloc(p->pts, sizeof(int32_t) * (size_t)cap);
    if (!pts) return iddl_fail(err, "pbd: out of memory");
    p->pts = pts, p->ncap = cap;
  }
  int32_t *dst = p->pts + at;
  memcpy(dst, blk, sizeof(int32_t) * (size_t)n);
  qsort(dst, (size_t)n, sizeof(int32_t), cmp_i32);
  for (int a = 0; a < n; a++)
    if (dst[a] < 0 || dst[a] >= p->v || (a > 0 && dst[a] == dst[a - 1]))
      return iddl_fail(err, "pbd: block %lld has a point outside 0..%d or twice",
                       (long long)p->b, p->v - 1);
  p->off[++p->b] = at + n;
  return 0;
}

int iddl_pbd_from_blocks(iddl_pbd *p, const iddl_blocks *d, iddl_err *err) {
  if (iddl_pbd_init(p, d->v, err)) return -1;
  for (int64_t j = 0; j < d->b; j++)
    if (iddl_pbd_add(p, d->pts + j * d->k, d->k, err)) {
      iddl_pbd_free(p);
      return -1;
    }
  return 0;
}

/* Splits t >= 2 into its prime-power factors q[0..] (ascending primes);
 * returns how many. */
static int prime_power_factors(int64_t t, int64_t *q) {
  int m = 0;
  for (int64_t p = 2; p * p <= t; p++)
    if (t % p == 0) {
      q[m] = 1;
      while (t % p == 0) t /= p, q[m] *= p;
      m++;
    }
  if (t > 1) q[m++] = t;
  return m;
}

int iddl_td_max(int64_t t) {
  if (t < 2) return 0;
  int64_t q[16], best = INT32_MAX;
  int m = prime_power_factors(t, q);
  for (int i = 0; i < m; i++)
    if (q[i] + 1 < best) best = q[i] + 1;
  return (int)best;
}

/* Writes the copy of the PBD sub (on the s points of one group: `size`
 * symbols, then e infinite points) into out: symbol x of the group is
 * base + x, infinity i is inf + i. e >= 2: the first block of exactly e
 * points of sub goes to the infinite points and is skipped. map: (s)
 * scratch. */
static int place_group(iddl_pbd *out, const iddl_pbd *sub, int size, int e, int32_t base,
                       int32_t inf, int32_t *map, int32_t *blk, iddl_err *err) {
  int s = size + e;
  if (sub->v != s)
    return iddl_fail(err, "pbd td: a group of %d points got a PBD on %d points", s, sub->v);
  int64_t skip = -1;
  if (e >= 2) {
    for (int64_t j = 0; j < sub->b && skip < 0; j++)
      if (sub->off[j + 1] - sub->off[j] == e) skip = j;
    if (skip < 0)
      return iddl_fail(err, "pbd td: the PBD on a group has no block of %d points for the "
                       "points at infinity", e);
    for (int x = 0; x < s; x++) map[x] = -1;
    for (int a = 0; a < e; a++) map[sub->pts[sub->off[skip] + a]] = inf + a;
    int next = 0;
    for (int x = 0; x < s; x++)
      if (map[x] < 0) map[x] = base + next++;
  } else {
    for (int x = 0; x < size; x++) map[x] = base + x;
    if (e == 1) map[size] = inf;
  }
  for (int64_t j = 0; j < sub->b; j++) {
    if (j == skip) continue;
    int n = (int)(sub->off[j + 1] - sub->off[j]);
    for (int a = 0; a < n; a++) blk[a] = map[sub->pts[sub->off[j] + a]];
    if (iddl_pbd_add(out, blk, n, err)) return -1;
  }
  return 0;
}

int iddl_pbd_td(iddl_pbd *out, int n, int t, int u, int e, const iddl_pbd *full,
                const iddl_pbd *last, iddl_err *err) {
  *out = (iddl_pbd){0};
  if (t < 2 || n < 3 || n > iddl_td_max(t))
    return iddl_fail(err, "pbd td: iddl builds no TD(%d,%d) (needs 3 <= n <= q+1 for every "
                     "prime power q exactly dividing t)", n, t);
  if (u < 0 || u > t || e < 0)
    return iddl_fail(err, "pbd td: need 0 <= u <= t and e >= 0, got u=%d t=%d e=%d", u, t, e);
  int64_t v = (int64_t)(n - 1) * t + u + e;
  if ((int64_t)t * t > IDDL_BIBD_MAX_ENTRIES / n || v > INT32_MAX)
    return iddl_fail(err, "pbd td: TD(%d,%d) is too large", n, t);
  /* each group: its symbols, its PBD (NULL: nothing to place) */
  int gsize[2] = {t, u};
  const iddl_pbd *gpbd[2] = {full, last};
  for (int i = 0; i < 2; i++) {
    int s = gsize[i] + e;
    int needed = s >= 2 && !(e >= 2 && gsize[i] == 0);
    if (needed && !gpbd[i])
      return iddl_fail(err, "pbd td: a group of %d points needs a PBD", s);
    if (!needed) gpbd[i] = NULL;
  }
  int64_t q[16];
  int m = prime_power_factors(t, q);
  iddl_gf f[16];
  memset(f, 0, sizeof f);
  int rc = iddl_pbd_init(out, (int)v, err);
  for (int i = 0; i < m && rc == 0; i++) rc = iddl_gf_init(&f[i], (int)q[i], err);
  int32_t *blk = malloc(sizeof(int32_t) * (size_t)(t + e + n + 1)); /* (max block) */
  int32_t *map = malloc(sizeof(int32_t) * (size_t)(t + e + 1));     /* (group size) */
  if (rc == 0 && (!blk || !map)) rc = iddl_fail(err, "pbd td: out of memory");
  int32_t inf = (n - 1) * t + u;
  for (int64_t row = 0; row < (int64_t)t * t && rc == 0; row++) {
    int64_t ra = row / t, rb = row % t;     /* a and b, mixed radix over q[] */
    int len = 0;
    for (int g = 0; g < n; g++) {
      int64_t sym = 0, a = ra, b = rb, scale = 1;
      for (int i = 0; i < m; i++) {
        int ai = (int)(a % q[i]), bi = (int)(b % q[i]);
        a /= q[i], b /= q[i];
        int si = g < q[i] ? iddl_gf_add(&f[i], iddl_gf_mul(&f[i], ai, g), bi) : ai;
        sym += si * scale;
        scale *= q[i];
      }
      if (g < n - 1) blk[len++] = (int32_t)(g * t + sym);
      else if (sym < u) blk[len++] = (int32_t)((n - 1) * t + sym);
    }
    if (len >= 2) rc = iddl_pbd_add(out, blk, len, err);
  }
  for (int g = 0; g < n && rc == 0; g++) {
    int i = g < n - 1 ? 0 : 1;
    if (gpbd[i])
      rc = place_group(out, gpbd[i], gsize[i], e, g * t, inf, map, blk, err);
  }
  if (rc == 0 && e >= 2) {
    for (int a = 0; a < e; a++) blk[a] = inf + a;
    rc = iddl_pbd_add(out, blk, e, err);
  }
  for (int i = 0; i < m; i++) iddl_gf_free(&f[i]);
  free(blk), free(map);
  if (rc) iddl_pbd_free(out);
  return rc;
}

int iddl_pbd_check(const iddl_pbd *p, char *why, size_t nwhy, iddl_err *err) {
  if (p->v < 2) return 1;
  return iddl_bibd_check(p->v, p->b, p->off, p->pts, 0, 1, why, nwhy, err);
}

/* The k of the designs d[s] for the block sizes s of p, checking that each
 * is there; -1 (err) when one is missing or the k differ. */
static int designs_k(const iddl_pbd *p, const iddl_blocks *const *d, int nd, const char *fn,
                     iddl_err *err) {
  int k = -1;
  for (int64_t j = 0; j < p->b; j++) {
    int64_t s = p->off[j + 1] - p->off[j];
    if (s >= nd || !d[s])
      return iddl_fail(err, "%s: no design given for the blocks of %lld points", fn,
                       (long long)s);
    if (k < 0) k = d[s]->k;
    if (d[s]->k != k)
      return iddl_fail(err, "%s: designs with blocks of %d and %d points", fn, k, d[s]->k);
  }
  return k;
}

/* where[y] = group * (k-1) + position of point y of d2, a 2-((k-1)s+1, k,
 * 1) design, in the s groups cut by the blocks through its last point. */
static int last_point_groups(const iddl_blocks *d2, int s, int32_t *where, iddl_err *err) {
  int k = d2->k, P = d2->v - 1, ngroups = 0;
  for (int y = 0; y <= P; y++) where[y] = -1;
  for (int64_t j = 0; j < d2->b && ngroups < s; j++) {
    const int32_t *D = d2->pts + j * k;
    if (D[k - 1] != P) continue;                 /* blocks are sorted: P is last */
    for (int a = 0; a < k - 1; a++) where[D[a]] = ngroups * (k - 1) + a;
    ngroups++;
  }
  for (int y = 0; y < P; y++)
    if (ngroups != s || where[y] < 0)
      return iddl_fail(err, "pbd inflate: the blocks through the last point of the "
                       "2-(%d,%d,1) design do not cut it into %d groups", d2->v, k, s);
  return 0;
}

int iddl_pbd_inflate(iddl_blocks *out, const iddl_pbd *p, const iddl_blocks *const *d,
                     int nd, iddl_err *err) {
  *out = (iddl_blocks){0};
  if (p->b == 0) return iddl_fail(err, "pbd inflate: a PBD without blocks");
  int k = designs_k(p, d, nd, "pbd inflate", err);
  if (k < 0) return -1;
  if ((int64_t)p->v * (k - 1) + 1 > INT32_MAX)
    return iddl_fail(err, "pbd inflate: too many points");
  /* where[s]: (d[s]->v) the groups of d[s], for the sizes s in p */
  int32_t **where = calloc((size_t)nd, sizeof(int32_t *));
  if (!where) return iddl_fail(err, "pbd inflate: out of memory");
  int rc = 0;
  int64_t nblocks = p->v;
  for (int64_t j = 0; j < p->b && rc == 0; j++) {
    int s = (int)(p->off[j + 1] - p->off[j]);
    nblocks += d[s]->b - s;
    if (where[s]) continue;
    if (d[s]->v != (int64_t)(k - 1) * s + 1)
      rc = iddl_fail(err, "pbd inflate: the design for blocks of %d points has %d points, "
                     "expected (k-1)s+1 = %lld", s, d[s]->v, (long long)(k - 1) * s + 1);
    else if (!(where[s] = malloc(sizeof(int32_t) * (size_t)d[s]->v)))
      rc = iddl_fail(err, "pbd inflate: out of memory");
    else
      rc = last_point_groups(d[s], s, where[s], err);
  }
  int32_t inf = p->v * (k - 1), *blk = malloc(sizeof *blk * (size_t)k); /* (k) one block */
  if (rc == 0 && !blk) rc = iddl_fail(err, "pbd inflate: out of memory");
  if (rc == 0) rc = iddl_blocks_init(out, inf + 1, k, err);
  if (rc == 0) rc = iddl_blocks_reserve(out, nblocks, err);
  for (int64_t j = 0; j < p->b && rc == 0; j++) {
    const int32_t *B = p->pts + p->off[j];
    int s = (int)(p->off[j + 1] - p->off[j]), P = d[s]->v - 1;
    const int32_t *w = where[s];
    for (int64_t t = 0; t < d[s]->b && rc == 0; t++) {
      const int32_t *D = d[s]->pts + t * k;
      if (D[k - 1] == P) continue;
      for (int a = 0; a < k; a++) blk[a] = B[w[D[a]] / (k - 1)] * (k - 1) + w[D[a]] % (k - 1);
      rc = iddl_blocks_add(out, blk, -1, err);
    }
  }
  for (int x = 0; x < p->v && rc == 0; x++) {
    for (int a = 0; a < k - 1; a++) blk[a] = x * (k - 1) + a;
    blk[k - 1] = inf;
    rc = iddl_blocks_add(out, blk, -1, err);
  }
  for (int s = 0; s < nd; s++) free(where[s]);
  free(where);
  free(blk);
  if (rc) iddl_blocks_free(out);
  return rc;
}

int iddl_pbd_fill(iddl_blocks *out, const iddl_pbd *p, const iddl_blocks *const *d,
                  int nd, iddl_err *err) {
  *out = (iddl_blocks){0};
  if (p->b == 0) return iddl_fail(err, "pbd fill: a PBD without blocks");
  int k = designs_k(p, d, nd, "pbd fill", err);
  if (k < 0) return -1;
  int64_t nblocks = 0;
  for (int64_t j = 0; j < p->b; j++) {
    int s = (int)(p->off[j + 1] - p->off[j]);
    if (d[s]->v != s)
      return iddl_fail(err, "pbd fill: the design for blocks of %d points has %d points", s,
                       d[s]->v);
    nblocks += d[s]->b;
  }
  int32_t *blk = malloc(sizeof *blk * (size_t)k); /* (k) one block being written */
  if (!blk) return iddl_fail(err, "pbd fill: out of memory");
  int rc = iddl_blocks_init(out, p->v, k, err);
  if (rc == 0) rc = iddl_blocks_reserve(out, nblocks, err);
  for (int64_t j = 0; j < p->b && rc == 0; j++) {
    const int32_t *B = p->pts + p->off[j];
    const iddl_blocks *D = d[p->off[j + 1] - p->off[j]];
    for (int64_t t = 0; t < D->b && rc == 0; t++) {
      for (int a = 0; a < k; a++) blk[a] = B[D->pts[t * k + a]];
      rc = iddl_blocks_add(out, blk, -1, err);
    }
  }
  free(blk);
  if (rc) iddl_blocks_free(out);
  return rc;
}
