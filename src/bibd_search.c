/* bibd_search.c - searches for difference families: radical ones over
 * GF(q) and ones over any abelian group (plain, with a short orbit, or
 * 1-rotational); see bibd.h.
 *
 * Each search is a depth-first search run with restarts: the first run
 * tries the elements in their natural order, later runs in a shuffled
 * order (a fixed-seed generator, so results are reproducible), each run
 * limited to RESTART_UNIT times the next term of Luby's sequence of nodes
 * (a node: one element tried). The whole search stops after max_nodes
 * nodes, so a caller gets a yes or "not found" in bounded time, never a
 * guess. */
#include <stdlib.h>
#include <string.h>

#include "bibd.h"

#define RESTART_UNIT 4096
#define MAX_BASE_BLOCKS 4096 /* families with more are not searched (recursion depth) */

/* The i-th term (i >= 1) of Luby's sequence 1 1 2 1 1 2 4 1 1 2 1 1 2 4 8. */
static int64_t luby(int64_t i) {
  int64_t k = 1;
  while ((((int64_t)1 << k) - 1) < i) k++;
  if (i == ((int64_t)1 << k) - 1) return (int64_t)1 << (k - 1);
  return luby(i - ((int64_t)1 << (k - 1)) + 1);
}

/* splitmix64 step */
static uint64_t mix(uint64_t *st) {
  uint64_t z = (*st += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Shuffles a[0..n) (Fisher-Yates). */
static void shuffle(int64_t *a, int64_t n, uint64_t *st) {
  for (int64_t i = n - 1; i > 0; i--) {
    int64_t j = (int64_t)(mix(st) % (uint64_t)(i + 1)), t = a[i];
    a[i] = a[j], a[j] = t;
  }
}

/* Budget of restart number run (1-based) within the total left. */
static int64_t run_limit(int64_t nodes, int64_t run, int64_t max_nodes) {
  int64_t lim = nodes + RESTART_UNIT * luby(run);
  return lim < max_nodes ? lim : max_nodes;
}

/* --- radical families over GF(q) -----------------------------------------
 *
 * If the differences of a block B are invariant under multiplication by a
 * subgroup M of GF(q)* of order m (always M = {1}; {1, -1} since -B has
 * the same differences; the stabiliser of B and -1 for the roots-of-unity
 * blocks), T is a transversal of M in the subgroup H' of order m t,
 * t = lambda(q-1)/(k(k-1)), and the k(k-1) differences of B meet every
 * coset of H' exactly lambda m times, then {sB : s in T} is a
 * (q, k, lambda) difference family: every g is s d for lambda pairs. The
 * cosets of H' are the classes of log mod c, c = k(k-1)/(lambda m), and
 * T = {g^(c j) : j < t}. */

typedef struct radical {
  const iddl_gf *f;
  int k, c, cap;         /* c cosets, each to be met cap = lambda m times */
  int *cnt;              /* (c) differences of B per coset */
  int64_t *order;        /* (q-2) the candidates 2..q-1 in the run's order */
  int64_t nodes, limit;  /* nodes so far, end of this run */
  int32_t blk[64];       /* (k) the block B being built */
} radical;

static int coset(const radical *s, int x) { return s->f->log[x] % s->c; }

/* Adds (sign +1) or removes (-1) the differences of x with blk[0..len);
 * when adding, stops and undoes at the first coset above cap, returning
 * 0. */
static int radical_apply(radical *s, int len, int x, int sign) {
  for (int i = 0; i < len; i++) {
    int a = coset(s, iddl_gf_sub(s->f, x, s->blk[i]));
    int b = coset(s, iddl_gf_sub(s->f, s->blk[i], x));
    s->cnt[a] += sign, s->cnt[b] += sign;
    if (sign > 0 && (s->cnt[a] > s->cap || s->cnt[b] > s->cap)) {
      radical_apply(s, i + 1, x, -1);
      return 0;
    }
  }
  return 1;
}

/* Whether the k-set blk meets every coset exactly cap times. */
static int radical_ok(radical *s) {
  memset(s->cnt, 0, sizeof(int) * (size_t)s->c);
  for (int i = 1; i < s->k; i++)
    if (!radical_apply(s, i, s->blk[i], 1)) return 0;
  return 1;
}

/* Extends blk[0..len) by the candidates from position pos on (no coset
 * above cap, so a full block meets each exactly cap times); 1 found, 0
 * not, -1 out of budget. */
static int radical_dfs(radical *s, int len, int64_t pos) {
  if (len == s->k) return 1;
  for (int64_t i = pos; i < s->f->q - 2; i++) {
    if (++s->nodes > s->limit) return -1;
    int x = (int)s->order[i];
    if (!radical_apply(s, len, x, 1)) continue;
    s->blk[len] = x;
    int r = radical_dfs(s, len + 1, i + 1);
    if (r) return r;
    radical_apply(s, len, x, -1);
  }
  return 0;
}

/* Sets up s for multiplier order m; 0 when m does not fit q, k, lambda. */
static int radical_setup(radical *s, int lambda, int m) {
  int q = s->f->q, k = s->k;
  int64_t t = (int64_t)lambda * (q - 1) / (k * (k - 1));
  if (m < 1 || (k * (k - 1)) % (lambda * m) || (q - 1) % (m * t)) return 0;
  s->c = k * (k - 1) / (lambda * m), s->cap = lambda * m;
  memset(s->cnt, 0, sizeof(int) * (size_t)s->c);
  return 1;
}

/* Writes {g^(c j) B : j < t} to base; 1 when it is a difference family. */
static int radical_emit(radical *s, int lambda, int64_t *base, iddl_err *err) {
  const iddl_gf *f = s->f;
  int k = s->k, t = (int)((int64_t)lambda * (f->q - 1) / (k * (k - 1)));
  for (int j = 0; j < t; j++) {
    int h = f->exp[(int64_t)j * s->c];
    for (int a = 0; a < k; a++) base[(int64_t)j * k + a] = iddl_gf_mul(f, h, s->blk[a]);
  }
  iddl_group g;
  iddl_group_field(&g, f);
  return iddl_bibd_is_difference_family(&g, base, t, k, lambda, err);
}

int iddl_bibd_search_radical(const iddl_gf *f, int k, int lambda,
                             int64_t max_nodes, int64_t *base, iddl_err *err) {
  int q = f->q, odd = q % 2;
  if (k < 3 || k > 64 || k > q || lambda < 1 ||
      ((int64_t)lambda * (q - 1)) % (k * (k - 1)))
    return iddl_fail(err, "radical family: k(k-1) = %d does not divide lambda(q-1) "
                     "(q=%d, lambda=%d)", k * (k - 1), q, lambda);
  radical s = {.f = f, .k = k};
  s.cnt = calloc((size_t)(k * k), sizeof(int));
  s.order = malloc(sizeof(int64_t) * (size_t)q);
  if (!s.cnt || !s.order) {
    free(s.cnt), free(s.order);
    return iddl_fail(err, "radical family: out of memory");
  }
  int found = 0;
  /* the k-th roots of unity, then 0 and the (k-1)-th roots: M is their
   * order times 2 when -1 is not among them */
  for (int with0 = 0; with0 < 2 && !found; with0++) {
    int n = k - with0;
    if ((q - 1) % n) continue;
    s.blk[0] = 0;
    for (int i = 0; i < n; i++) s.blk[with0 + i] = f->exp[i * ((q - 1) / n)];
    int ms[2] = {odd && n % 2 ? 2 * n : n, 1};
    for (int i = 0; i < 2 && !found; i++)
      if (radical_setup(&s, lambda, ms[i]) && radical_ok(&s))
        found = radical_emit(&s, lambda, base, err);
  }
  /* depth-first from {0, 1}, with M = {1, -1} then M = {1}, half the
   * budget each */
  uint64_t st = 0x5eed;
  for (int m = 1 + odd; m >= 1 && !found; m--) {
    if (!radical_setup(&s, lambda, m)) continue;
    for (int64_t i = 0; i < q - 2; i++) s.order[i] = i + 2;
    int64_t budget = max_nodes / (1 + odd);
    s.nodes = 0;
    for (int64_t run = 1; !found && s.nodes < budget; run++) {
      if (run > 1) shuffle(s.order, q - 2, &st);
      s.limit = run_limit(s.nodes, run, budget);
      radical_setup(&s, lambda, m);
      s.blk[0] = 0;
      radical_apply(&s, 1, 1, 1);
      s.blk[1] = 1;
      found = radical_dfs(&s, 2, 0) == 1 && radical_emit(&s, lambda, base, err);
      if (!found && s.nodes < s.limit) break;   /* exhausted: no such block */
    }
  }
  free(s.cnt), free(s.order);
  return found < 0 ? -1 : found;
}

/* --- families over an abelian group by depth-first search ---------------- */

typedef struct family {
  const iddl_group *g;
  int64_t n;             /* group order; n also stands for infinity */
  int k, nfull, ninf;    /* full-orbit blocks, the first ninf with infinity */
  int *cnt, *need;       /* (n) ordered differences so far / to reach */
  int64_t *neg;          /* (n) -x */
  int64_t *blk;          /* (nfull, k) */
  int64_t *order;        /* (n-1) the elements 1..n-1 in the run's order */
  int64_t nodes, limit;  /* nodes so far, end of this run */
} family;

/* Adds (+1) or removes (-1) the differences of x with B[0..len); adding
 * stops and undoes at the first count above its need, returning 0. */
static int family_apply(family *s, const int64_t *B, int len, int64_t x, int sign) {
  for (int i = 0; i < len; i++) {
    if (B[i] == s->n) continue;                  /* infinity: no difference */
    int64_t d = iddl_group_add(s->g, x, s->neg[B[i]]), e = s->neg[d];
    s->cnt[d] += sign, s->cnt[e] += sign;
    if (sign > 0 && (s->cnt[d] > s->need[d] || s->cnt[e] > s->need[e])) {
      family_apply(s, B, i + 1, x, -1);
      return 0;
    }
  }
  return 1;
}

static int family_block(family *s, int j);

/* Extends block j (B[0..len)) by the elements from position pos on. */
static int family_place(family *s, int j, int len, int64_t pos) {
  int64_t *B = s->blk + (int64_t)j * s->k;
  if (len == s->k) return family_block(s, j + 1);
  for (int64_t i = pos; i < s->n - 1; i++) {
    if (++s->nodes > s->limit) return -1;
    int64_t x = s->order[i];
    if (x == B[1] || !family_apply(s, B, len, x, 1)) continue;
    B[len] = x;
    int r = family_place(s, j, len + 1, i + 1);
    if (r) return r;
    family_apply(s, B, len, x, -1);
  }
  return 0;
}

/* Starts block j at {infinity, 0} (the first ninf blocks) or at {0, d}, d
 * the first element whose difference count is still short. */
static int family_block(family *s, int j) {
  int64_t *B = s->blk + (int64_t)j * s->k;
  if (j < s->ninf) {
    B[0] = s->n, B[1] = 0;
    return family_place(s, j, 2, 0);
  }
  int64_t d = 1;
  while (d < s->n && s->cnt[d] == s->need[d]) d++;
  if (d == s->n) return 1;
  if (j == s->nfull) return 0;
  B[0] = 0;
  if (!family_apply(s, B, 1, d, 1)) return 0;
  B[1] = d;
  int r = family_place(s, j, 2, 0);
  if (r <= 0) family_apply(s, B, 1, d, -1);
  return r;
}

int iddl_bibd_search_group(const iddl_group *g, int k, int lambda, int kind,
                           int64_t max_nodes, int64_t *base, int64_t nmax,
                           iddl_err *err) {
  int64_t n = g->order;
  if (n < 3 || k < 3 || k > n || lambda < 1 || kind < 0 || kind > 3 ||
      (kind == 3 && lambda % (k - 1)))
    return iddl_fail(err, "difference family search: bad arguments n=%lld k=%d lambda=%d "
                     "kind=%d", (long long)n, k, lambda, kind);
  /* the short subgroup: multiples of g0 = m_i/sub at the last digit i
   * whose modulus sub divides (digit r-1 is the least significant) */
  int sub = kind == 1 ? k : kind == 2 ? k - 1 : 0;
  int64_t g0 = 0;
  for (int i = g->r - 1, pw = 1; sub && i >= 0 && !g0; pw *= g->m[i], i--)
    if (g->m[i] % sub == 0) g0 = (int64_t)pw * (g->m[i] / sub);
  if (sub && !g0) return 0;
  family s = {.g = g, .n = n, .k = k};
  s.cnt = calloc((size_t)n, sizeof(int));
  s.need = malloc(sizeof(int) * (size_t)n);
  s.neg = malloc(sizeof(int64_t) * (size_t)n);
  s.order = malloc(sizeof(int64_t) * (size_t)n);
  int found = 0, rc = 0, nbase = 0;
  if (!s.cnt || !s.need || !s.neg || !s.order) {
    rc = iddl_fail(err, "difference family search: out of memory");
    goto done;
  }
  int64_t total = 0;
  for (int64_t x = 0; x < n; x++) s.neg[x] = iddl_group_sub(g, 0, x);
  s.need[0] = 0;
  for (int64_t d = 1; d < n; d++) s.need[d] = lambda;
  for (int64_t x = g0, i = 1; sub && i < sub; x = iddl_group_add(g, x, g0), i++) s.need[x] = 0;
  for (int64_t d = 1; d < n; d++) total += s.need[d];
  if (kind == 3) {        /* lambda/(k-1) full orbits of {infinity, ...} */
    s.ninf = lambda / (k - 1);
    total -= (int64_t)s.ninf * (k - 1) * (k - 2);
  }
  s.nfull = s.ninf + (int)(total / (k * (k - 1)));
  nbase = s.nfull + (sub ? lambda : 0);
  int parity = 1;          /* an involution d = -d is met twice at once */
  for (int64_t d = 1; d < n; d++)
    if (s.neg[d] == d && s.need[d] % 2) parity = 0;
  if (total >= 0 && total % (k * (k - 1)) == 0 && parity && nbase <= nmax &&
      s.nfull <= MAX_BASE_BLOCKS) {
    s.blk = malloc(sizeof(int64_t) * (size_t)(s.nfull + 1) * (size_t)k);
    if (!s.blk) {
      rc = iddl_fail(err, "difference family search: out of memory");
      goto done;
    }
    for (int64_t i = 0; i < n - 1; i++) s.order[i] = i + 1;
    uint64_t st = 0x5eed;
    for (int64_t run = 1; !found && s.nodes < max_nodes; run++) {
      if (run > 1) shuffle(s.order, n - 1, &st);
      s.limit = run_limit(s.nodes, run, max_nodes);
      memset(s.cnt, 0, sizeof(int) * (size_t)n);
      found = family_block(&s, 0) == 1;
      if (!found && s.nodes < s.limit) break;   /* exhausted: none exists */
    }
  }
  if (found) {
    for (int64_t i = 0; i < (int64_t)s.nfull * k; i++) base[i] = s.blk[i];
    for (int c = 0; c < (sub ? lambda : 0); c++) {
      int64_t *B = base + (int64_t)(s.nfull + c) * k;
      for (int64_t i = 0, x = 0; i < sub; i++, x = iddl_group_add(g, x, g0)) B[i] = x;
      if (kind == 2) B[k - 1] = n;               /* infinity */
    }
  }
done:
  free(s.cnt), free(s.need), free(s.neg), free(s.order), free(s.blk);
  return rc ? rc : found ? nbase : 0;
}

/* --- families invariant under a multiplier --------------------------------
 *
 * mul is an automorphism of g of order e; M = <mul> splits the nonzero
 * elements into orbits, and a family the automorphism maps to itself (up
 * to translating its blocks) has differences constant on every orbit. We
 * look for nB blocks fixed by M (unions of M-orbits of elements) and nA
 * blocks B each standing for its e images mul^i(B), so s = nB + e nA full
 * orbits. Over an M-orbit O of nonzero elements the family then has
 * sum_B n_O(B) + e sum_A n_O(A) differences (n_O: the block's differences
 * lying in O), and it is a (v, k, lambda) family when that is lambda |O|
 * for every O (the counts are M-invariant, so constant on O). The fixed
 * blocks are searched first, over orbits; then the others as in
 * family_place, each started at {0, d}, d in the first orbit still short
 * (some image of some remaining block has a difference there, and the
 * images and translates of a block are interchangeable). */

typedef struct msearch {
  const iddl_group *g;
  int64_t n, norb;
  int k, e, nB, nA;
  const int64_t *mul;
  int64_t *neg, *orb;    /* (n) -x, orbit of x */
  int64_t *ostart, *oel; /* orbit o is oel[ostart[o] .. ostart[o+1]) */
  int64_t *cnt, *need;   /* (norb) differences so far / to reach */
  int64_t *blk;          /* (nB + nA, k) */
  int64_t *order;        /* (n-1) the elements 1..n-1 in the run's order */
  int64_t *oorder;       /* (norb) the orbits in the run's order */
  int64_t nodes, limit;
} msearch;

/* family_apply over orbits, each difference weighing w. */
static int mult_apply(msearch *s, const int64_t *B, int len, int64_t x, int w) {
  for (int i = 0; i < len; i++) {
    int64_t d = iddl_group_add(s->g, x, s->neg[B[i]]);
    int64_t a = s->orb[d], b = s->orb[s->neg[d]];
    s->cnt[a] += w, s->cnt[b] += w;
    if (w > 0 && (s->cnt[a] > s->need[a] || s->cnt[b] > s->need[b])) {
      mult_apply(s, B, i + 1, x, -w);
      return 0;
    }
  }
  return 1;
}

static int mult_free_block(msearch *s, int j);

static int mult_free_place(msearch *s, int j, int len, int64_t pos) {
  int64_t *B = s->blk + (int64_t)j * s->k;
  if (len == s->k) return mult_free_block(s, j + 1);
  for (int64_t i = pos; i < s->n - 1; i++) {
    if (++s->nodes > s->limit) return -1;
    int64_t x = s->order[i];
    if (x == B[1] || !mult_apply(s, B, len, x, s->e)) continue;
    B[len] = x;
    int r = mult_free_place(s, j, len + 1, i + 1);
    if (r) return r;
    mult_apply(s, B, len, x, -s->e);
  }
  return 0;
}

/* Starts free block j at {0, d}. */
static int mult_free_block(msearch *s, int j) {
  int64_t o = 1;                               /* orbit 0 is {0} */
  while (o < s->norb && s->cnt[o] == s->need[o]) o++;
  if (o == s->norb) return 1;
  if (j == s->nB + s->nA) return 0;
  int64_t *B = s->blk + (int64_t)j * s->k, d = s->oel[s->ostart[o]];
  B[0] = 0;
  if (!mult_apply(s, B, 1, d, s->e)) return 0;
  B[1] = d;
  int r = mult_free_place(s, j, 2, 0);
  if (r <= 0) mult_apply(s, B, 1, d, -s->e);
  return r;
}

/* Fixed block j holds B[0..len); adds orbits from position pos on. */
static int mult_fixed_place(msearch *s, int j, int len, int64_t pos) {
  if (j == s->nB) return mult_free_block(s, j);
  int64_t *B = s->blk + (int64_t)j * s->k;
  if (len == s->k) return mult_fixed_place(s, j + 1, 0, 0);
  for (int64_t i = pos; i < s->norb; i++) {
    if (++s->nodes > s->limit) return -1;
    int64_t o = s->oorder[i], sz = s->ostart[o + 1] - s->ostart[o], t = 0;
    if (len + sz > s->k) continue;
    for (; t < sz; t++) {
      if (!mult_apply(s, B, len + (int)t, s->oel[s->ostart[o] + t], 1)) break;
      B[len + t] = s->oel[s->ostart[o] + t];
    }
    if (t == sz) {
      int r = mult_fixed_place(s, j, len + (int)sz, i + 1);
      if (r) return r;
    }
    while (t-- > 0) mult_apply(s, B, len + (int)t, B[len + t], -1);
  }
  return 0;
}

int iddl_bibd_search_multiplier(const iddl_group *g, const int64_t *mul, int k,
                                int lambda, int kind, int64_t max_nodes,
                                int64_t *base, int64_t nmax, int64_t *used,
                                iddl_err *err) {
  int64_t n = g->order;
  if (n < 3 || k < 3 || k > n || lambda < 1 || kind < 0 || kind > 1 || g->infinity)
    return iddl_fail(err, "multiplier search: bad arguments n=%lld k=%d lambda=%d kind=%d",
                     (long long)n, k, lambda, kind);
  msearch s = {.g = g, .n = n, .k = k, .mul = mul};
  int64_t *seen = calloc((size_t)n, sizeof(int64_t));
  s.neg = malloc(sizeof(int64_t) * (size_t)n);
  s.orb = malloc(sizeof(int64_t) * (size_t)n);
  s.ostart = malloc(sizeof(int64_t) * (size_t)(n + 1));
  s.oel = malloc(sizeof(int64_t) * (size_t)n);
  s.cnt = calloc((size_t)n, sizeof(int64_t));
  s.need = calloc((size_t)n, sizeof(int64_t));
  s.order = malloc(sizeof(int64_t) * (size_t)n);
  s.oorder = malloc(sizeof(int64_t) * (size_t)n);
  int found = 0, rc = 0;
  int64_t nout = 0, spent = 0;
  if (!seen || !s.neg || !s.orb || !s.ostart || !s.oel || !s.cnt || !s.need || !s.order ||
      !s.oorder) {
    rc = iddl_fail(err, "multiplier search: out of memory");
    goto done;
  }
  /* mul must be an automorphism: a permutation with mul(x + u) = mul(x) +
   * mul(u) for every x and every unit vector u of the digits */
  for (int64_t x = 0; x < n; x++) {
    if (mul[x] < 0 || mul[x] >= n || seen[mul[x]]++) {
      rc = iddl_fail(err, "multiplier search: the map is not a permutation of the group");
      goto done;
    }
  }
  for (int64_t x = 0; x < n; x++) {
    int64_t one = 1;                             /* the unit vector of digit i */
    for (int i = g->r - 1; i >= 0; one *= g->m[i], i--)
      if (mul[iddl_group_add(g, x, one)] != iddl_group_add(g, mul[x], mul[one])) {
        rc = iddl_fail(err, "multiplier search: the map is not an automorphism of the group");
        goto done;
      }
  }
  /* orbits, in order of their least element; e = lcm of their sizes */
  int64_t e = 1;
  for (int64_t x = 0; x < n; x++) s.orb[x] = -1;
  s.ostart[0] = 0;
  for (int64_t x = 0; x < n; x++) {
    if (s.orb[x] >= 0) continue;
    int64_t o = s.norb++, sz = 0, a, b;
    for (int64_t y = x; s.orb[y] < 0; y = mul[y]) s.orb[y] = o, sz++;
    for (a = e, b = sz; b;) { int64_t t = a % b; a = b, b = t; }
    e = e / a * sz;
    if (e > 1 << 16) e = 1 << 16;
    s.ostart[o + 1] = s.ostart[o] + sz;
  }
  memset(seen, 0, sizeof(int64_t) * (size_t)n);
  for (int64_t x = 0; x < n; x++) s.oel[s.ostart[s.orb[x]] + seen[s.orb[x]]++] = x;
  for (int64_t x = 0; x < n; x++) s.neg[x] = iddl_group_sub(g, 0, x);
  /* need: lambda |O|, 0 on the subgroup of order k of a short orbit */
  int64_t g0 = 0;
  if (kind == 1) {
    for (int i = g->r - 1, pw = 1; i >= 0 && !g0; pw *= g->m[i], i--)
      if (g->m[i] % k == 0) g0 = (int64_t)pw * (g->m[i] / k);
    if (!g0) goto done;
  }
  for (int64_t o = 1; o < s.norb; o++) s.need[o] = (int64_t)lambda * (s.ostart[o + 1] - s.ostart[o]);
  for (int64_t x = g0, i = 1; kind == 1 && i < k; x = iddl_group_add(g, x, g0), i++) {
    s.need[s.orb[x]] -= lambda;
  }
  int64_t total = 0;
  for (int64_t o = 1; o < s.norb; o++) {
    if (s.need[o] != 0 && s.need[o] != (int64_t)lambda * (s.ostart[o + 1] - s.ostart[o]))
      goto done;                               /* the subgroup is no union of orbits */
    total += s.need[o];
  }
  int64_t kk = (int64_t)k * (k - 1);
  if (e > 64 || total % kk) goto done;
  int64_t nfull = total / kk;
  s.e = (int)e;
  s.blk = malloc(sizeof(int64_t) * (size_t)(nfull + 1) * (size_t)k);
  if (!s.blk) {
    rc = iddl_fail(err, "multiplier search: out of memory");
    goto done;
  }
  uint64_t st = 0x5eed;
  for (int64_t nA = nfull / e; nA >= 0 && !found; nA--) {
    s.nA = (int)nA, s.nB = (int)(nfull - e * nA);
    nout = s.nB + e * nA + (kind == 1 ? lambda : 0);
    if (nout > nmax || s.nB + nA > MAX_BASE_BLOCKS) continue;
    int64_t budget = (max_nodes - spent) / (nA + 1);  /* splits left share what is left */
    for (int64_t i = 0; i < n - 1; i++) s.order[i] = i + 1;
    for (int64_t i = 0; i < s.norb; i++) s.oorder[i] = i;
    s.nodes = 0;
    for (int64_t run = 1; !found && s.nodes < budget; run++) {
      if (run > 1) shuffle(s.order, n - 1, &st), shuffle(s.oorder, s.norb, &st);
      s.limit = run_limit(s.nodes, run, budget);
      memset(s.cnt, 0, sizeof(int64_t) * (size_t)s.norb);
      found = mult_fixed_place(&s, 0, 0, 0) == 1;
      if (!found && s.nodes < s.limit) break;   /* exhausted */
    }
    spent += s.nodes < budget ? s.nodes : budget;
  }
  if (found) {
    int64_t j = 0;
    for (int b = 0; b < s.nB; b++, j++)
      memcpy(base + j * k, s.blk + (int64_t)b * k, sizeof(int64_t) * (size_t)k);
    for (int b = s.nB; b < s.nB + s.nA; b++) {
      int64_t *B = s.blk + (int64_t)b * k;
      for (int i = 0; i < s.e; i++, j++)
        for (int a = 0; a < k; a++) {
          int64_t x = B[a];
          for (int t = 0; t < i; t++) x = mul[x];
          base[j * k + a] = x;
        }
    }
    /* check: the full orbits' differences plus lambda on the subgroup */
    int64_t *c = seen;
    memset(c, 0, sizeof(int64_t) * (size_t)n);
    for (int64_t b = 0; b < j; b++)
      for (int a = 0; a < k; a++)
        for (int a2 = 0; a2 < k; a2++)
          if (a != a2) c[iddl_group_sub(g, base[b * k + a], base[b * k + a2])]++;
    for (int64_t x = g0, i = 1; kind == 1 && i < k; x = iddl_group_add(g, x, g0), i++)
      c[x] += lambda;
    for (int64_t x = 1; x < n && found; x++)
      if (c[x] != lambda) found = 0;
    if (!found) {
      rc = iddl_fail(err, "multiplier search: internal error, the family found fails");
      goto done;
    }
    for (int c2 = 0; c2 < (kind == 1 ? lambda : 0); c2++, j++)
      for (int64_t i = 0, x = 0; i < k; i++, x = iddl_group_add(g, x, g0)) base[j * k + i] = x;
    nout = j;
  }
done:
  if (used) *used = spent;
  free(seen), free(s.neg), free(s.orb), free(s.ostart), free(s.oel), free(s.cnt), free(s.need);
  free(s.order), free(s.oorder), free(s.blk);
  return rc ? rc : found ? (int)nout : 0;
}
