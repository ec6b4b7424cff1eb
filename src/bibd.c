/* bibd.c - block sets, their transformations (repeat, complement, residual,
 * derived) and the design check; see bibd.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bibd.h"

int iddl_blocks_init(iddl_blocks *d, int v, int k, iddl_err *err) {
  *d = (iddl_blocks){0};
  if (v < 1 || k < 1 || k > v)
    return iddl_fail(err, "blocks: need 1 <= k <= v, got v=%d k=%d", v, k);
  d->v = v, d->k = k;
  return 0;
}

void iddl_blocks_free(iddl_blocks *d) {
  free(d->pts);
  free(d->cls);
  d->pts = d->cls = NULL;
  d->b = d->cap = 0;
}

int iddl_blocks_reserve(iddl_blocks *d, int64_t n, iddl_err *err) {
  int64_t need = d->b + n;
  if (need <= d->cap) return 0;
  if (need > IDDL_BIBD_MAX_ENTRIES / d->k)
    return iddl_fail(err, "design too large: %lld blocks of %d points "
                     "(iddl builds at most %lld point-block incidences)",
                     (long long)need, d->k, (long long)IDDL_BIBD_MAX_ENTRIES);
  int64_t cap = d->cap ? d->cap : 64;
  while (cap < need) cap *= 2;
  if (cap > IDDL_BIBD_MAX_ENTRIES / d->k) cap = need;
  int32_t *pts = realloc(d->pts, sizeof(int32_t) * (size_t)(cap * d->k));
  if (!pts) return iddl_fail(err, "blocks: out of memory");
  d->pts = pts;
  if (d->cls) {
    int32_t *cls = realloc(d->cls, sizeof(int32_t) * (size_t)cap);
    if (!cls) return iddl_fail(err, "blocks: out of memory");
    d->cls = cls;
  }
  d->cap = cap;
  return 0;
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

int iddl_blocks_add(iddl_blocks *d, const int32_t *blk, int32_t cls,
                    iddl_err *err) {
  if (cls >= 0 && !d->cls) {
    if (d->b > 0)
      return iddl_fail(err, "blocks: a parallel class given after blocks without one");
    d->cls = malloc(sizeof(int32_t) * (size_t)(d->cap ? d->cap : 1));
    if (!d->cls) return iddl_fail(err, "blocks: out of memory");
  } else if (cls < 0 && d->cls) {
    return iddl_fail(err, "blocks: block %lld has no parallel class", (long long)d->b);
  }
  if (iddl_blocks_reserve(d, 1, err)) return -1;
  int32_t *dst = d->pts + d->b * d->k;
  memcpy(dst, blk, sizeof(int32_t) * (size_t)d->k);
  qsort(dst, (size_t)d->k, sizeof(int32_t), cmp_i32);
  if (d->cls) {
    d->cls[d->b] = cls;
    if (cls >= d->nclass) d->nclass = cls + 1;
  }
  d->b++;
  return 0;
}

int iddl_blocks_repeat(iddl_blocks *out, const iddl_blocks *d, int m,
                       iddl_err *err) {
  if (m < 1) return iddl_fail(err, "repeat: need m >= 1, got %d", m);
  if (iddl_blocks_init(out, d->v, d->k, err) ||
      iddl_blocks_reserve(out, d->b * m, err))
    return -1;
  for (int c = 0; c < m; c++)        /* copy c of class j is class c*nclass + j */
    for (int64_t j = 0; j < d->b; j++)
      if (iddl_blocks_add(out, d->pts + j * d->k, d->cls ? c * d->nclass + d->cls[j] : -1,
                          err))
        return -1;
  return 0;
}

int iddl_blocks_complement(iddl_blocks *out, const iddl_blocks *d,
                           iddl_err *err) {
  int v = d->v, k = d->k;
  if (v - k < 2)
    return iddl_fail(err, "complement: blocks of %d of %d points leave fewer than 2", k, v);
  if (iddl_blocks_init(out, v, v - k, err) || iddl_blocks_reserve(out, d->b, err))
    return -1;
  int32_t *tmp = malloc(sizeof(int32_t) * (size_t)v);
  if (!tmp) return iddl_fail(err, "complement: out of memory");
  for (int64_t j = 0; j < d->b; j++) {
    const int32_t *blk = d->pts + j * k;
    int n = 0, i = 0;
    for (int x = 0; x < v; x++) {
      if (i < k && blk[i] == x) i++;
      else tmp[n++] = x;
    }
    if (iddl_blocks_add(out, tmp, -1, err)) {
      free(tmp);
      return -1;
    }
  }
  free(tmp);
  return 0;
}

int iddl_blocks_residual(iddl_blocks *out, const iddl_blocks *d, int64_t i,
                         int derived, iddl_err *err) {
  const char *what = derived ? "derived" : "residual";
  int v = d->v, k = d->k;
  if (i < 0 || i >= d->b || d->b < 2)
    return iddl_fail(err, "%s: block %lld of %lld", what, (long long)i, (long long)d->b);
  /* map[x] = new number of point x, or -1 when x is dropped */
  int32_t *map = malloc(sizeof(int32_t) * (size_t)v);
  int32_t *tmp = malloc(sizeof(int32_t) * (size_t)v);
  if (!map || !tmp) {
    free(map), free(tmp);
    return iddl_fail(err, "%s: out of memory", what);
  }
  for (int x = 0; x < v; x++) map[x] = derived ? -1 : 0;
  for (int a = 0; a < k; a++) map[d->pts[i * k + a]] = derived ? 0 : -1;
  int nv = 0;
  for (int x = 0; x < v; x++)
    if (map[x] == 0) map[x] = nv++;
  int rc = 0, nk = -1;
  out->pts = NULL;
  for (int64_t j = 0; j < d->b && rc == 0; j++) {
    if (j == i) continue;
    int n = 0;
    for (int a = 0; a < k; a++) {
      int32_t y = map[d->pts[j * k + a]];
      if (y >= 0) tmp[n++] = y;
    }
    if (nk < 0) {
      nk = n;
      if (n < 1) rc = iddl_fail(err, "%s: a cut block is empty", what);
      else rc = iddl_blocks_init(out, nv, n, err);
    } else if (n != nk) {
      rc = iddl_fail(err, "%s: cut blocks have %d and %d points (not a symmetric design)",
                     what, nk, n);
    }
    if (rc == 0) rc = iddl_blocks_add(out, tmp, -1, err);
  }
  free(map), free(tmp);
  return rc;
}

int iddl_blocks_product(iddl_blocks *out, const iddl_blocks *d1,
                        const iddl_blocks *d2, iddl_err *err) {
  int k = d1->k, q = d2->v;
  iddl_gf f;
  if (d2->k != k || k > q + 1)
    return iddl_fail(err, "product: needs equal k <= q+1, got k=%d and %d on q=%d", k,
                     d2->k, q);
  if ((int64_t)d1->v * q > INT32_MAX) return iddl_fail(err, "product: too many points");
  if (iddl_gf_init(&f, q, err)) return -1;
  int rc = iddl_blocks_init(out, d1->v * q, k, err);
  if (rc == 0) rc = iddl_blocks_reserve(out, d1->b * q * q + (int64_t)d1->v * d2->b, err);
  int32_t *blk = malloc(sizeof *blk * (size_t)k); /* (k) one block being written */
  if (rc == 0 && !blk) rc = iddl_fail(err, "product: out of memory");
  for (int64_t j = 0; j < d1->b && rc == 0; j++) {
    const int32_t *B = d1->pts + j * k;
    for (int a = 0; a < q && rc == 0; a++)
      for (int b = 0; b < q && rc == 0; b++) {
        for (int c = 0; c < k; c++)      /* column c: a c + b, or a at infinity */
          blk[c] = B[c] * q + (c == q ? a : iddl_gf_add(&f, iddl_gf_mul(&f, a, c), b));
        rc = iddl_blocks_add(out, blk, -1, err);
      }
  }
  for (int x = 0; x < d1->v && rc == 0; x++)
    for (int64_t j = 0; j < d2->b && rc == 0; j++) {
      for (int c = 0; c < k; c++) blk[c] = x * q + d2->pts[j * k + c];
      rc = iddl_blocks_add(out, blk, -1, err);
    }
  free(blk);
  iddl_gf_free(&f);
  return rc;
}

int iddl_blocks_inflate(iddl_blocks *out, const iddl_blocks *d1,
                        const iddl_blocks *d2, iddl_err *err) {
  int k = d2->k, kp = d1->k;
  if (d2->v != (k - 1) * kp + 1 || k < 2)
    return iddl_fail(err, "inflate: the second design has %d points, expected (k-1)k'+1 = %d",
                     d2->v, (k - 1) * kp + 1);
  /* d1 as a PBD with one block size, inflated (bibd_pbd.c) */
  const iddl_blocks **by_size = calloc((size_t)kp + 1, sizeof *by_size); /* (k'+1) */
  if (!by_size) return iddl_fail(err, "inflate: out of memory");
  by_size[kp] = d2;
  iddl_pbd p = {0};
  int rc = iddl_pbd_from_blocks(&p, d1, err) ||
           iddl_pbd_inflate(out, &p, by_size, kp + 1, err) ? -1 : 0;
  iddl_pbd_free(&p);
  free(by_size);
  return rc;
}

/* Lexicographic order of two blocks of *k points (qsort_r comparator). */
static int cmp_block(const void *a, const void *b, void *k) {
  const int32_t *x = a, *y = b;
  for (int i = 0; i < *(const int *)k; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

int iddl_blocks_has_repeats(const iddl_blocks *d, iddl_err *err) {
  int k = d->k;
  int32_t *copy = malloc(sizeof(int32_t) * (size_t)(d->b * k + 1));
  if (!copy) return iddl_fail(err, "repeats: out of memory");
  memcpy(copy, d->pts, sizeof(int32_t) * (size_t)(d->b * k));
  qsort_r(copy, (size_t)d->b, sizeof(int32_t) * (size_t)k, cmp_block, &k);
  int rep = 0;
  for (int64_t j = 1; j < d->b && !rep; j++)
    rep = memcmp(copy + (j - 1) * k, copy + j * k, sizeof(int32_t) * (size_t)k) == 0;
  free(copy);
  return rep;
}

/* A CSR block list indexed by point: every block sorted (sorted[off[j] ..
 * off[j+1])), end[a] = the end of the block holding position a, and the
 * positions of point x in the blocks holding it at pos[first[x] ..
 * first[x+1]). */
typedef struct point_index {
  int32_t *sorted;
  int64_t *end, *first, *pos;
} point_index;

static void index_free(point_index *ix) {
  free(ix->sorted), free(ix->end), free(ix->first), free(ix->pos);
}

/* Builds ix, checking that every point is in 0..v-1 and that no block
 * holds a point twice: returns 1, or 0 with the defect in why, or -1 (no
 * memory; err). */
static int index_build(point_index *ix, int64_t v, int64_t b, const int64_t *off,
                       const int32_t *pts, char *why, size_t nwhy, iddl_err *err) {
  int64_t n = off[b];
  ix->sorted = malloc(sizeof(int32_t) * (size_t)(n + 1));
  ix->end = malloc(sizeof(int64_t) * (size_t)(n + 1));
  ix->first = calloc((size_t)v + 1, sizeof(int64_t));
  ix->pos = malloc(sizeof(int64_t) * (size_t)(n + 1));
  if (!ix->sorted || !ix->end || !ix->first || !ix->pos) {
    index_free(ix);
    iddl_fail(err, "design check: out of memory");
    return -1;
  }
  for (int64_t j = 0; j < b; j++) {
    for (int64_t a = off[j]; a < off[j + 1]; a++) {
      if (pts[a] < 0 || pts[a] >= v) {
        snprintf(why, nwhy, "block %lld has point %lld, outside 1..%lld",
                 (long long)j + 1, (long long)pts[a] + 1, (long long)v);
        index_free(ix);
        return 0;
      }
      ix->sorted[a] = pts[a];
      ix->end[a] = off[j + 1];
    }
    qsort(ix->sorted + off[j], (size_t)(off[j + 1] - off[j]), sizeof(int32_t), cmp_i32);
    for (int64_t a = off[j] + 1; a < off[j + 1]; a++)
      if (ix->sorted[a] == ix->sorted[a - 1]) {
        snprintf(why, nwhy, "block %lld holds point %lld twice", (long long)j + 1,
                 (long long)ix->sorted[a] + 1);
        index_free(ix);
        return 0;
      }
    for (int64_t a = off[j]; a < off[j + 1]; a++) ix->first[ix->sorted[a] + 1]++;
  }
  for (int64_t x = 0; x < v; x++) ix->first[x + 1] += ix->first[x];
  int64_t *fill = malloc(sizeof(int64_t) * (size_t)(v + 1));
  if (!fill) {
    index_free(ix);
    iddl_fail(err, "design check: out of memory");
    return -1;
  }
  memcpy(fill, ix->first, sizeof(int64_t) * (size_t)(v + 1));
  for (int64_t a = 0; a < n; a++) ix->pos[fill[ix->sorted[a]]++] = a;
  free(fill);
  return 1;
}

/* For point x, counts in cnt[y] (y > x) how many blocks hold x and y,
 * listing the touched y in seen[0 .. return). cnt must be zero on entry.
 * Blocks are sorted, so the y > x of a block follow x in it. */
static int64_t pair_counts(int64_t x, const point_index *ix, int32_t *cnt, int32_t *seen) {
  int64_t nseen = 0;
  for (int64_t i = ix->first[x]; i < ix->first[x + 1]; i++) {
    int64_t a = ix->pos[i];
    for (int64_t t = a + 1; t < ix->end[a]; t++) {
      int32_t y = ix->sorted[t];
      if (cnt[y]++ == 0) seen[nseen++] = y;
    }
  }
  return nseen;
}

int iddl_bibd_check(int64_t v, int64_t b, const int64_t *off,
                    const int32_t *pts, int64_t k, int64_t lambda,
                    char *why, size_t nwhy, iddl_err *err) {
  if (v < 2 || (k < 2 && k != 0) || lambda < 1 || b < 0)
    return iddl_fail(err, "design check: need v >= 2, k >= 2 (or 0), lambda >= 1");
  for (int64_t j = 0; j < b && k != 0; j++)
    if (off[j + 1] - off[j] != k) {
      snprintf(why, nwhy, "block %lld has %lld points, expected k=%lld",
               (long long)j + 1, (long long)(off[j + 1] - off[j]), (long long)k);
      return 0;
    }
  point_index ix;
  int rc = index_build(&ix, v, b, off, pts, why, nwhy, err);
  if (rc <= 0) return rc;
  int32_t *cnt = calloc((size_t)v, sizeof(int32_t));
  int32_t *seen = malloc(sizeof(int32_t) * (size_t)v);
  if (!cnt || !seen) {
    rc = iddl_fail(err, "design check: out of memory");
    goto done;
  }
  /* Every pair in lambda blocks makes every point x meet lambda(v-1) pairs
   * in its blocks, so x is in r = lambda(v-1)/(k-1) of them: checking
   * pairs checks r. */
  for (int64_t x = 0; x < v && rc == 1; x++) {
    int64_t nseen = pair_counts(x, &ix, cnt, seen);
    for (int64_t s = 0; s < nseen && rc == 1; s++)
      if (cnt[seen[s]] != lambda) {
        snprintf(why, nwhy, "points %lld and %lld are together in %d blocks, "
                 "expected lambda=%lld", (long long)x + 1, (long long)seen[s] + 1,
                 cnt[seen[s]], (long long)lambda);
        rc = 0;
      }
    if (rc == 1 && nseen != v - 1 - x) {      /* some pair never meets */
      for (int64_t y = x + 1; y < v; y++)
        if (cnt[y] == 0) {
          snprintf(why, nwhy, "points %lld and %lld are together in 0 blocks, "
                   "expected lambda=%lld", (long long)x + 1, (long long)y + 1,
                   (long long)lambda);
          break;
        }
      rc = 0;
    }
    for (int64_t s = 0; s < nseen; s++) cnt[seen[s]] = 0;
  }
done:
  free(cnt), free(seen);
  index_free(&ix);
  return rc;
}

int iddl_bibd_pair_hist(int64_t v, int64_t b, const int64_t *off,
                        const int32_t *pts, int64_t *hist, int maxc,
                        iddl_err *err) {
  char why[256];
  point_index ix;
  int rc = index_build(&ix, v, b, off, pts, why, sizeof why, err);
  if (rc < 0) return -1;
  if (rc == 0) return iddl_fail(err, "pair statistics: %s", why);
  int32_t *cnt = calloc((size_t)v, sizeof(int32_t));
  int32_t *seen = malloc(sizeof(int32_t) * (size_t)(v + 1));
  if (!cnt || !seen) {
    free(cnt), free(seen);
    index_free(&ix);
    return iddl_fail(err, "pair statistics: out of memory");
  }
  for (int c = 0; c <= maxc; c++) hist[c] = 0;
  for (int64_t x = 0; x < v; x++) {
    int64_t nseen = pair_counts(x, &ix, cnt, seen);
    hist[0] += v - 1 - x - nseen;
    for (int64_t s = 0; s < nseen; s++) {
      int c = cnt[seen[s]];
      hist[c < maxc ? c : maxc]++;
      cnt[seen[s]] = 0;
    }
  }
  free(cnt), free(seen);
  index_free(&ix);
  return 0;
}
