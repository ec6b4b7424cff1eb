/* bibd_diff.c - abelian groups, development of base blocks, and the
 * classic difference sets (Singer, cyclotomic/Paley, twin prime powers,
 * bent functions); see bibd.h. */
#include <stdlib.h>
#include <string.h>

#include "bibd.h"

void iddl_group_cyclic(iddl_group *g, int64_t n) {
  *g = (iddl_group){.r = 1, .order = n};
  g->m[0] = (int32_t)n;
}

void iddl_group_field(iddl_group *g, const iddl_gf *f) {
  *g = (iddl_group){.r = f->n, .order = f->q};
  for (int i = 0; i < f->n; i++) g->m[i] = f->p;
}

/* a + s*b with s = +1 or -1, digit by digit (digit r-1 least significant). */
static int64_t group_op(const iddl_group *g, int64_t a, int64_t b, int s) {
  if (g->r == 1) {
    int64_t c = a + s * b, n = g->m[0];
    return c < 0 ? c + n : c >= n ? c - n : c;
  }
  int64_t out = 0, pw = 1;
  for (int i = g->r - 1; i >= 0; i--) {
    int64_t m = g->m[i], c = a % m + s * (b % m);
    c = c < 0 ? c + m : c >= m ? c - m : c;
    out += c * pw;
    pw *= m, a /= m, b /= m;
  }
  return out;
}

int64_t iddl_group_add(const iddl_group *g, int64_t a, int64_t b) {
  return group_op(g, a, b, 1);
}

int64_t iddl_group_sub(const iddl_group *g, int64_t a, int64_t b) {
  return group_op(g, a, b, -1);
}

/* Lexicographic order of two blocks of *k points (qsort_r comparator). */
static int cmp_block(const void *a, const void *b, void *k) {
  const int32_t *x = a, *y = b;
  for (int i = 0; i < *(const int *)k; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

int iddl_bibd_develop(iddl_blocks *d, const iddl_group *g,
                      const int64_t *base, const int *full, int nbase,
                      iddl_err *err) {
  int k = d->k;
  int64_t n = g->order, inf = g->infinity ? n : -1;
  if (n + (inf >= 0) != d->v)
    return iddl_fail(err, "develop: the group has %lld points, the design %d",
                     (long long)(n + (inf >= 0)), d->v);
  int32_t *orbit = malloc(sizeof(int32_t) * (size_t)(n * k)); /* (n, k) translates */
  if (!orbit) return iddl_fail(err, "develop: out of memory");
  int rc = 0;
  for (int j = 0; j < nbase && rc == 0; j++) {
    const int64_t *bb = base + (int64_t)j * k;
    for (int a = 0; a < k && rc == 0; a++)
      if (bb[a] < 0 || bb[a] > n || (bb[a] == n && inf < 0))
        rc = iddl_fail(err, "develop: base block %d has element %lld outside the group",
                       j, (long long)bb[a]);
    if (rc || (rc = iddl_blocks_reserve(d, n, err))) break;
    for (int64_t t = 0; t < n; t++) {
      int32_t *o = orbit + t * k;
      for (int a = 0; a < k; a++)
        o[a] = (int32_t)(bb[a] == inf ? inf : iddl_group_add(g, bb[a], t));
      if (!full[j]) qsort(o, (size_t)k, sizeof(int32_t), cmp_i32); /* to compare */
    }
    int64_t m = n;
    if (!full[j]) {                            /* keep distinct translates */
      qsort_r(orbit, (size_t)n, sizeof(int32_t) * (size_t)k, cmp_block, &k);
      m = 1;
      for (int64_t t = 1; t < n; t++)
        if (memcmp(orbit + t * k, orbit + (m - 1) * k, sizeof(int32_t) * (size_t)k))
          memmove(orbit + m++ * k, orbit + t * k, sizeof(int32_t) * (size_t)k);
    }
    for (int64_t t = 0; t < m && rc == 0; t++) rc = iddl_blocks_add(d, orbit + t * k, -1, err);
  }
  free(orbit);
  return rc;
}

int iddl_bibd_singer_set(int n, int q, int64_t *ds, iddl_err *err) {
  int p, e;
  if (n < 2 || !iddl_prime_power(q, &p, &e))
    return iddl_fail(err, "Singer(n,q): need n >= 2 and q a prime power, got n=%d q=%d", n, q);
  double Qd = 1;
  for (int i = 0; i <= n; i++) Qd *= q;
  if (Qd > IDDL_GF_MAX)
    return iddl_fail(err, "Singer(%d,%d): GF(%d^%d) is larger than %d", n, q, q, n + 1,
                     IDDL_GF_MAX);
  iddl_gf f;
  int Q = (int)Qd;
  if (iddl_gf_init(&f, Q, err)) return -1;
  int64_t v = (Q - 1) / (q - 1), k = 0, want = (Q / q - 1) / (q - 1);
  for (int64_t i = 0; i < v; i++) {            /* Tr(w^i) = sum_j w^(i q^j) */
    int tr = 0;
    int64_t l = i;
    for (int j = 0; j <= n; j++, l = l * q % (Q - 1)) tr = iddl_gf_add(&f, tr, f.exp[l]);
    if (tr == 0) {
      if (k < want) ds[k] = i;
      k++;
    }
  }
  iddl_gf_free(&f);
  if (k != want)
    return iddl_fail(err, "Singer(%d,%d): found %lld trace-0 points, expected %lld", n, q,
                     (long long)k, (long long)want);
  return 0;
}

int iddl_bibd_cyclotomic_class(const iddl_gf *f, int e, int i, int with_zero,
                               int64_t *ds, iddl_err *err) {
  if (e < 1 || (f->q - 1) % e || i < 0 || i >= e)
    return iddl_fail(err, "cyclotomic class %d of index %d in GF(%d): need e | q-1, 0 <= i < e",
                     i, e, f->q);
  int n = 0;
  if (with_zero) ds[n++] = 0;
  for (int j = i; j < f->q - 1; j += e) ds[n++] = f->exp[j];
  return 0;
}

int iddl_bibd_twin_set(int q, iddl_group *g, int64_t *ds, iddl_err *err) {
  iddl_gf f1, f2;
  if (q % 2 == 0 || iddl_gf_init(&f1, q, err)) {
    return q % 2 == 0 ? iddl_fail(err, "twin prime powers: q=%d must be odd", q) : -1;
  }
  if (iddl_gf_init(&f2, q + 2, err)) {
    iddl_gf_free(&f1);
    return -1;
  }
  *g = (iddl_group){.r = f1.n + f2.n, .order = (int64_t)q * (q + 2)};
  for (int i = 0; i < f1.n; i++) g->m[i] = f1.p;
  for (int i = 0; i < f2.n; i++) g->m[f1.n + i] = f2.p;
  int64_t n = 0;                  /* (x, y): y = 0, or chi(x) chi(y) = 1 */
  for (int x = 0; x < q; x++)
    for (int y = 0; y < q + 2; y++)
      if (y == 0 || (x != 0 && f1.log[x] % 2 == f2.log[y] % 2))
        ds[n++] = (int64_t)x * (q + 2) + y;
  iddl_gf_free(&f1);
  iddl_gf_free(&f2);
  return 0;
}

int64_t iddl_bibd_bent_set(int m, int64_t *ds) {
  int64_t n = 0;
  for (int64_t x = 0; x < ((int64_t)1 << (2 * m)); x++) {
    int qf = 0;
    for (int i = 0; i < m; i++) qf ^= (int)((x >> (2 * i)) & (x >> (2 * i + 1)) & 1);
    if (qf) ds[n++] = x;
  }
  return n;
}

int iddl_bibd_is_difference_family(const iddl_group *g, const int64_t *base,
                                   int nbase, int k, int64_t lambda,
                                   iddl_err *err) {
  int64_t *cnt = calloc((size_t)g->order, sizeof(int64_t));
  if (!cnt) return iddl_fail(err, "difference family check: out of memory");
  for (int j = 0; j < nbase; j++)
    for (int a = 0; a < k; a++)
      for (int b = 0; b < k; b++)
        if (a != b) cnt[group_op(g, base[j * k + a], base[j * k + b], -1)]++;
  int ok = cnt[0] == 0;
  for (int64_t x = 1; x < g->order && ok; x++) ok = cnt[x] == lambda;
  free(cnt);
  return ok;
}
