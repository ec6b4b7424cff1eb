/* bibd_arc.c - designs from Denniston maximal arcs in PG(2,q), q = 2^m;
 * see bibd.h.
 *
 * Contract: iddl_bibd_denniston(d, q, n) appends to d (initialised with
 * v = (n-1)q + n, k = n) the 2-((n-1)q+n, n, 1) design cut by the lines of
 * PG(2,q) on a Denniston maximal arc of degree n, for q = 2^m <= 2^12 and
 * n = 2^j, 2 <= n < q. The design is resolvable: one parallel class per
 * point of the line at infinity (q+1 classes). Bad parameters, a block set
 * of the wrong size or no memory fail through err.
 *
 * Q(x, y) = a x^2 + x y + y^2 with a the first element of GF(q) of absolute
 * trace 1 is irreducible (for x != 0, Q = x^2 (a + u + u^2), u = y/x, and
 * u^2 + u = a has no root exactly when Tr(a) = 1). H = {0, ..., n-1} (in
 * gf.h's numbering addition is xor, so these form an additive subgroup of
 * order n). The arc is {(x, y, 1) : Q(x, y) in H}: (0,0) and, for each of
 * the n-1 nonzero h in H, the q+1 points of the conic Q = h, so
 * 1 + (n-1)(q+1) = (n-1)q + n points; Denniston (1969) showed every line
 * meets it in 0 or n points. Points are numbered in order of x*q + y; the
 * blocks of the class of slope s (lines y = s x + t, s in element order,
 * then the lines x = c) come in order of t (of c). Each class is checked
 * to cut the arc into runs of exactly n points. */
#include <stdlib.h>
#include <string.h>

#include "bibd.h"

/* Absolute trace a + a^2 + ... + a^(2^(m-1)) of a in GF(2^m). */
static int trace2(const iddl_gf *f, int a) {
  int t = 0, x = a;
  for (int i = 0; i < f->n; i++) t ^= x, x = iddl_gf_mul(f, x, x);
  return t;
}

int iddl_bibd_denniston(iddl_blocks *d, int q, int n, iddl_err *err) {
  int p = 0, m = 0;
  if (q < 4 || q > 1 << 12 || !iddl_prime_power(q, &p, &m) || p != 2)
    return iddl_fail(err, "denniston: q must be a power of 2 in 4..4096, got %d", q);
  if (n < 2 || n >= q || (n & (n - 1)))
    return iddl_fail(err, "denniston: n must be a power of 2 with 2 <= n < q=%d, got %d", q, n);
  int64_t v = (int64_t)(n - 1) * q + n;
  if (d->v != v || d->k != n)
    return iddl_fail(err, "denniston: the block set must have v=%lld k=%d, has v=%d k=%d",
                     (long long)v, n, d->v, d->k);
  if (iddl_blocks_reserve(d, v / n * (q + 1), err)) return -1;
  iddl_gf f;
  if (iddl_gf_init(&f, q, err)) return -1;
  int rc = 0, a = 1;
  while (a < q && trace2(&f, a) != 1) a++;
  int32_t *px = malloc(sizeof(int32_t) * (size_t)v), *py = malloc(sizeof(int32_t) * (size_t)v);
  int32_t *cnt = malloc(sizeof(int32_t) * (size_t)(q + 1));  /* bucket starts */
  int32_t *sorted = malloc(sizeof(int32_t) * (size_t)v);      /* points by line */
  int32_t *line = malloc(sizeof(int32_t) * (size_t)v);        /* line of each point */
  if (!px || !py || !cnt || !sorted || !line) {
    rc = iddl_fail(err, "denniston: out of memory");
    goto done;
  }
  int64_t nv = 0;
  for (int x = 0; x < q; x++)
    for (int y = 0; y < q; y++) {
      int Q = iddl_gf_add(&f, iddl_gf_add(&f, iddl_gf_mul(&f, a, iddl_gf_mul(&f, x, x)),
                                          iddl_gf_mul(&f, x, y)), iddl_gf_mul(&f, y, y));
      if (Q < n) {
        if (nv == v) { rc = iddl_fail(err, "denniston: more than %lld points", (long long)v); goto done; }
        px[nv] = x, py[nv] = y, nv++;
      }
    }
  if (nv != v) {
    rc = iddl_fail(err, "denniston: found %lld points, expected %lld", (long long)nv, (long long)v);
    goto done;
  }
  for (int s = 0; s <= q && rc == 0; s++) {     /* slope s; s = q: the lines x = c */
    memset(cnt, 0, sizeof(int32_t) * (size_t)(q + 1));
    for (int64_t i = 0; i < v; i++) {
      line[i] = s == q ? px[i] : iddl_gf_add(&f, py[i], iddl_gf_mul(&f, s, px[i]));
      cnt[line[i] + 1]++;
    }
    for (int t = 0; t < q; t++) {
      if (cnt[t + 1] != 0 && cnt[t + 1] != n) {
        rc = iddl_fail(err, "denniston: a line meets the arc in %d points, not 0 or %d",
                       cnt[t + 1], n);
        goto done;
      }
      cnt[t + 1] += cnt[t];
    }
    for (int64_t i = 0; i < v; i++) sorted[cnt[line[i]]++] = (int32_t)i;
    for (int64_t j = 0; j < v && rc == 0; j += n) rc = iddl_blocks_add(d, sorted + j, s, err);
  }
done:
  free(px), free(py), free(cnt), free(sorted), free(line);
  iddl_gf_free(&f);
  return rc;
}
