/* lua_bibd.c - the C module 'iddl.bibd_core': block sets as userdata
 * (iddl.bibd.Blocks) built by the constructions of bibd.h, their
 * transformations and checks, and the conversions to Lua tables and 0/1
 * tensors. Points are 0-based in C and 1-based in every Lua table and error
 * message, except the 0-based base blocks of difference families (group
 * elements), which the Lua side handles as such.
 */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bibd.h"
#include "lua_bibd.h"
#include "lua_tensor.h"


/* --- helpers -------------------------------------------------------------- */

/* Pushes a new, empty Blocks userdata (freed by __gc whatever happens);
 * lua_bibd.h. */
iddl_blocks *iddl_lua_push_blocks(lua_State *L) {
  iddl_blocks *d = lua_newuserdatauv(L, sizeof *d, 0);
  *d = (iddl_blocks){0};
  luaL_setmetatable(L, IDDL_BLOCKS_MT);
  return d;
}

iddl_blocks *iddl_lua_check_blocks(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, IDDL_BLOCKS_MT);
}

/* A scratch buffer of n bytes owned by a userdata pushed on the stack. */
static void *push_buffer(lua_State *L, size_t n) {
  return lua_newuserdatauv(L, n ? n : 1, 0);
}

/* luaL_checkinteger within [lo, hi], naming the argument in the error. */
static int check_int(lua_State *L, int arg, const char *fn, const char *what,
                     lua_Integer lo, lua_Integer hi) {
  lua_Integer x = luaL_checkinteger(L, arg);
  if (x < lo || x > hi)
    luaL_error(L, "%s: %s must be in [%d, %d], got %d", fn, what, (int)lo, (int)hi, (int)x);
  return (int)x;
}

/* Runs a builder's result: raises its error, else leaves the Blocks. */
static int built(lua_State *L, int rc, iddl_err *err) {
  if (rc) iddl_lua_raise(L, err);
  return 1;
}

/* Reads the list of lists at idx into a CSR of n blocks; values are
 * integers, shifted by -shift (1 for 1-based points). Pushes two buffers. */
static int64_t read_blocks(lua_State *L, int idx, int shift, const char *fn,
                           int64_t **off_out, int32_t **pts_out) {
  luaL_checktype(L, idx, LUA_TTABLE);
  int64_t n = (int64_t)luaL_len(L, idx), total = 0;
  int64_t *off = push_buffer(L, sizeof(int64_t) * (size_t)(n + 1));
  off[0] = 0;
  for (int64_t j = 1; j <= n; j++) {
    if (lua_geti(L, idx, j) != LUA_TTABLE)
      luaL_error(L, "%s: block %d is a %s, not a list of points", fn, (int)j,
                 luaL_typename(L, -1));
    total += (int64_t)luaL_len(L, -1);
    off[j] = total;
    lua_pop(L, 1);
  }
  int32_t *pts = push_buffer(L, sizeof(int32_t) * (size_t)total);
  for (int64_t j = 1; j <= n; j++) {
    lua_geti(L, idx, j);
    for (int64_t a = 1; a <= off[j] - off[j - 1]; a++) {
      lua_geti(L, -1, a);
      int isnum;
      lua_Integer x = lua_tointegerx(L, -1, &isnum);
      if (!isnum || x - shift < INT32_MIN || x - shift > INT32_MAX)
        luaL_error(L, "%s: point %d of block %d is not an integer (%s)", fn, (int)a,
                   (int)j, luaL_tolstring(L, -1, NULL));
      pts[off[j - 1] + a - 1] = (int32_t)(x - shift);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  *off_out = off, *pts_out = pts;
  return n;
}

/* Reads a b x v 0/1 tensor at idx into a CSR of its rows (columns are the
 * points); pushes two buffers. Raises on another shape or value. */
static int64_t read_incidence(lua_State *L, int idx, const char *fn, int64_t *v,
                              int64_t **off_out, int32_t **pts_out) {
  iddl_tensor *t = iddl_lua_check(L, idx);
  char buf[128];
  if (t->ndim != 2)
    luaL_error(L, "%s: expected a 2-D (b, v) 0/1 tensor, got shape %s", fn,
               iddl_shape_str(t, buf, sizeof buf));
  int64_t b = t->size[0], n = t->size[1], total = 0;
  const float *x = t->storage->data + t->offset;
  int64_t *off = push_buffer(L, sizeof(int64_t) * (size_t)(b + 1));
  off[0] = 0;
  for (int64_t i = 0; i < b; i++) {
    for (int64_t j = 0; j < n; j++) {
      float e = x[i * t->stride[0] + j * t->stride[1]];
      if (e != 0.0f && e != 1.0f) {
        char num[32];
        snprintf(num, sizeof num, "%g", (double)e);
        luaL_error(L, "%s: entry [%d][%d] is %s, not 0 or 1", fn, (int)i + 1, (int)j + 1, num);
      }
      total += e == 1.0f;
    }
    off[i + 1] = total;
  }
  int32_t *pts = push_buffer(L, sizeof(int32_t) * (size_t)total);
  for (int64_t i = 0, a = 0; i < b; i++)
    for (int64_t j = 0; j < n; j++)
      if (x[i * t->stride[0] + j * t->stride[1]] == 1.0f) pts[a++] = (int32_t)j;
  *v = n, *off_out = off, *pts_out = pts;
  return b;
}

/* Pushes a (b, v) 0/1 tensor with row j set at the points of block j. */
static void push_incidence(lua_State *L, int64_t b, int64_t v, const int64_t *off,
                           const int32_t *pts) {
  iddl_tensor *t = iddl_lua_push_alloc(L, 2, (int64_t[]){b, v});
  float *x = iddl_data(t);
  memset(x, 0, sizeof(float) * (size_t)(b * v));
  for (int64_t j = 0; j < b; j++)
    for (int64_t a = off[j]; a < off[j + 1]; a++) x[j * v + pts[a]] = 1.0f;
}

/* Pushes true, or false and the reason, from an iddl_bibd_check result. */
static int push_check(lua_State *L, int rc, const char *why, iddl_err *err) {
  if (rc < 0) iddl_lua_raise(L, err);
  lua_pushboolean(L, rc);
  if (rc) return 1;
  lua_pushstring(L, why);
  return 2;
}

/* --- Blocks methods ------------------------------------------------------- */

static int blocks_gc(lua_State *L) {
  iddl_blocks_free(iddl_lua_check_blocks(L, 1));
  return 0;
}

/* blocks:info() -> v, k, b, number of parallel classes (0: no resolution) */
static int blocks_info(lua_State *L) {
  iddl_blocks *d = iddl_lua_check_blocks(L, 1);
  lua_pushinteger(L, d->v);
  lua_pushinteger(L, d->k);
  lua_pushinteger(L, d->b);
  lua_pushinteger(L, d->cls ? d->nclass : 0);
  return 4;
}

/* blocks:totable() -> blocks (lists of 1-based points), resolution (list of
 * parallel classes, each a list of 1-based block numbers) or nil */
static int blocks_totable(lua_State *L) {
  iddl_blocks *d = iddl_lua_check_blocks(L, 1);
  lua_createtable(L, (int)d->b, 0);
  for (int64_t j = 0; j < d->b; j++) {
    lua_createtable(L, d->k, 0);
    for (int a = 0; a < d->k; a++) {
      lua_pushinteger(L, d->pts[j * d->k + a] + 1);
      lua_rawseti(L, -2, a + 1);
    }
    lua_rawseti(L, -2, j + 1);
  }
  if (!d->cls) return 1;
  lua_createtable(L, d->nclass, 0);
  for (int c = 0; c < d->nclass; c++) {
    lua_newtable(L);
    lua_rawseti(L, -2, c + 1);
  }
  for (int64_t j = 0; j < d->b; j++) {
    lua_rawgeti(L, -1, d->cls[j] + 1);
    lua_pushinteger(L, j + 1);
    lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
    lua_pop(L, 1);
  }
  return 2;
}

/* blocks:incidence() -> (b, v) 0/1 tensor */
static int blocks_incidence(lua_State *L) {
  iddl_blocks *d = iddl_lua_check_blocks(L, 1);
  int64_t *off = push_buffer(L, sizeof(int64_t) * (size_t)(d->b + 1));
  for (int64_t j = 0; j <= d->b; j++) off[j] = j * d->k;
  push_incidence(L, d->b, d->v, off, d->pts);
  return 1;
}

/* blocks:check(lambda) -> true | false, reason */
static int blocks_check(lua_State *L) {
  iddl_blocks *d = iddl_lua_check_blocks(L, 1);
  lua_Integer lambda = luaL_checkinteger(L, 2);
  int64_t *off = push_buffer(L, sizeof(int64_t) * (size_t)(d->b + 1));
  for (int64_t j = 0; j <= d->b; j++) off[j] = j * d->k;
  char why[256];
  iddl_err err;
  return push_check(L, iddl_bibd_check(d->v, d->b, off, d->pts, d->k, lambda, why,
                                       sizeof why, &err), why, &err);
}

/* blocks:has_repeats() -> whether two blocks are equal */
static int blocks_has_repeats(lua_State *L) {
  iddl_err err;
  int r = iddl_blocks_has_repeats(iddl_lua_check_blocks(L, 1), &err);
  if (r < 0) iddl_lua_raise(L, &err);
  lua_pushboolean(L, r);
  return 1;
}

/* blocks:rep(m) -> m copies of every block */
static int blocks_rep(lua_State *L) {
  iddl_blocks *d = iddl_lua_check_blocks(L, 1);
  int m = check_int(L, 2, "rep", "m", 1, 1 << 20);
  iddl_err err;
  return built(L, iddl_blocks_repeat(iddl_lua_push_blocks(L), d, m, &err), &err);
}

/* blocks:complement() -> the complementary design */
static int blocks_complement(lua_State *L) {
  iddl_blocks *d = iddl_lua_check_blocks(L, 1);
  iddl_err err;
  return built(L, iddl_blocks_complement(iddl_lua_push_blocks(L), d, &err), &err);
}

/* blocks:residual(i) / blocks:derived(i) -> the design at block i (1-based) */
static int residual_or_derived(lua_State *L, int derived) {
  iddl_blocks *d = iddl_lua_check_blocks(L, 1);
  lua_Integer i = luaL_checkinteger(L, 2);
  iddl_err err;
  return built(L, iddl_blocks_residual(iddl_lua_push_blocks(L), d, i - 1, derived, &err), &err);
}
static int blocks_residual(lua_State *L) { return residual_or_derived(L, 0); }
static int blocks_derived(lua_State *L) { return residual_or_derived(L, 1); }

/* product(d1, d2) -> the 2-(v1 v2, k, lambda) product (d2 on a prime power
 * number of points) */
static int blocks_product(lua_State *L) {
  iddl_blocks *d1 = iddl_lua_check_blocks(L, 1), *d2 = iddl_lua_check_blocks(L, 2);
  iddl_err err;
  return built(L, iddl_blocks_product(iddl_lua_push_blocks(L), d1, d2, &err), &err);
}

/* inflate(d1, d2) -> the 2-((k-1)w+1, k, 1) design from a 2-(w, k', 1)
 * design d1 and a 2-((k-1)k'+1, k, 1) design d2 */
static int blocks_inflate(lua_State *L) {
  iddl_blocks *d1 = iddl_lua_check_blocks(L, 1), *d2 = iddl_lua_check_blocks(L, 2);
  iddl_err err;
  return built(L, iddl_blocks_inflate(iddl_lua_push_blocks(L), d1, d2, &err), &err);
}

/* --- builders ------------------------------------------------------------- */

/* subsets(v, k) -> all k-subsets of v points */
static int f_subsets(lua_State *L) {
  int v = check_int(L, 1, "subsets", "v", 1, 1 << 24);
  int k = check_int(L, 2, "subsets", "k", 1, v);
  iddl_err err;
  iddl_blocks *d = iddl_lua_push_blocks(L);
  return built(L, iddl_blocks_init(d, v, k, &err) || iddl_bibd_subsets(d, v, k, &err), &err);
}

/* affine(n, q, d) / projective(n, q, d) -> points and d-flats */
static int geometry(lua_State *L, int projective) {
  const char *fn = projective ? "projective" : "affine";
  int n = check_int(L, 1, fn, "n", 2, 23), q = check_int(L, 2, fn, "q", 2, 1 << 20);
  int dim = check_int(L, 3, fn, "d", 1, n - 1);
  double v = 1, k = 1;
  for (int i = 0; i < n + projective; i++) v *= q;
  for (int i = 0; i < dim + projective; i++) k *= q;
  if (projective) v = (v - 1) / (q - 1), k = (k - 1) / (q - 1);
  if (v > 1 << 30) luaL_error(L, "%s: %.0f points is too many", fn, v);
  iddl_err err;
  iddl_blocks *d = iddl_lua_push_blocks(L);
  if (iddl_blocks_init(d, (int)v, (int)k, &err)) iddl_lua_raise(L, &err);
  return built(L, projective ? iddl_bibd_projective(d, n, q, dim, &err)
                             : iddl_bibd_affine(d, n, q, dim, &err), &err);
}
static int f_affine(lua_State *L) { return geometry(L, 0); }
static int f_projective(lua_State *L) { return geometry(L, 1); }

/* unital(q) -> the Hermitian unital 2-(q^3+1, q+1, 1) */
static int f_unital(lua_State *L) {
  int q = check_int(L, 1, "unital", "q", 2, 16);
  iddl_err err;
  iddl_blocks *d = iddl_lua_push_blocks(L);
  return built(L, iddl_blocks_init(d, q * q * q + 1, q + 1, &err) ||
                  iddl_bibd_unital(d, q, &err), &err);
}

/* denniston(q, n) -> the lines on a Denniston maximal arc of degree n in
 * PG(2,q): 2-((n-1)q+n, n, 1) */
static int f_denniston(lua_State *L) {
  int q = check_int(L, 1, "denniston", "q", 4, 1 << 12);
  int n = check_int(L, 2, "denniston", "n", 2, q - 1);
  iddl_err err;
  iddl_blocks *d = iddl_lua_push_blocks(L);
  return built(L, iddl_blocks_init(d, (n - 1) * q + n, n, &err) ||
                  iddl_bibd_denniston(d, q, n, &err), &err);
}

/* sts(v) -> Steiner triple system; triple(v, lambda) -> lambda = 2, 3, 6 */
static int f_sts(lua_State *L) {
  int v = check_int(L, 1, "sts", "v", 3, 1 << 16);
  iddl_err err;
  iddl_blocks *d = iddl_lua_push_blocks(L);
  return built(L, iddl_blocks_init(d, v, 3, &err) || iddl_bibd_sts(d, v, &err), &err);
}
static int f_triple(lua_State *L) {
  int v = check_int(L, 1, "triple", "v", 3, 1 << 14);
  int lambda = check_int(L, 2, "triple", "lambda", 2, 6);
  iddl_err err;
  iddl_blocks *d = iddl_lua_push_blocks(L);
  return built(L, iddl_blocks_init(d, v, 3, &err) || iddl_bibd_triple(d, v, lambda, &err),
               &err);
}

/* Reads a group {moduli..., infinity = bool} at idx. */
static void read_group(lua_State *L, int idx, const char *fn, iddl_group *g) {
  luaL_checktype(L, idx, LUA_TTABLE);
  int r = (int)luaL_len(L, idx);
  if (r < 1 || r > 24) luaL_error(L, "%s: a group has 1 to 24 cyclic factors, got %d", fn, r);
  *g = (iddl_group){.r = r, .order = 1};
  for (int i = 0; i < r; i++) {
    lua_geti(L, idx, i + 1);
    lua_Integer m = lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (m < 2 || (double)g->order * (double)m > (1 << 28))
      luaL_error(L, "%s: bad group factor %d", fn, (int)m);
    g->m[i] = (int32_t)m;
    g->order *= m;
  }
  g->infinity = lua_getfield(L, idx, "infinity") == LUA_TBOOLEAN && lua_toboolean(L, -1);
  lua_pop(L, 1);
}

/* Reads base blocks (lists of 0-based group elements, all of one size) at
 * idx into int64 (nbase, k); pushes the buffer. */
static int64_t *read_base(lua_State *L, int idx, const char *fn, int *nbase, int *k) {
  int64_t *off;
  int32_t *pts;
  int64_t n = read_blocks(L, idx, 0, fn, &off, &pts);
  if (n < 1) luaL_error(L, "%s: no base blocks", fn);
  *nbase = (int)n, *k = (int)off[1];
  int64_t *base = push_buffer(L, sizeof(int64_t) * (size_t)off[n]);
  for (int64_t j = 0; j < n; j++) {
    if (off[j + 1] - off[j] != *k) luaL_error(L, "%s: base blocks of sizes %d and %d", fn,
                                              *k, (int)(off[j + 1] - off[j]));
    for (int64_t a = off[j]; a < off[j + 1]; a++) base[a] = pts[a];
  }
  return base;
}

/* develop(group, base, full) -> the translates of the base blocks; full[j]
 * false keeps only the distinct translates of base block j (short orbit) */
static int f_develop(lua_State *L) {
  iddl_group g;
  read_group(L, 1, "develop", &g);
  int nbase, k;
  int64_t *base = read_base(L, 2, "develop", &nbase, &k);
  luaL_checktype(L, 3, LUA_TTABLE);
  int *full = push_buffer(L, sizeof(int) * (size_t)nbase);
  for (int j = 0; j < nbase; j++) {
    lua_geti(L, 3, j + 1);
    full[j] = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  iddl_err err;
  iddl_blocks *d = iddl_lua_push_blocks(L);
  int v = (int)(g.order + g.infinity);
  return built(L, iddl_blocks_init(d, v, k, &err) ||
                  iddl_bibd_develop(d, &g, base, full, nbase, &err), &err);
}

/* is_difference_family(group, base, lambda) -> bool (full orbits) */
static int f_is_difference_family(lua_State *L) {
  iddl_group g;
  read_group(L, 1, "is_difference_family", &g);
  int nbase, k;
  int64_t *base = read_base(L, 2, "is_difference_family", &nbase, &k);
  iddl_err err;
  int r = iddl_bibd_is_difference_family(&g, base, nbase, k, luaL_checkinteger(L, 3), &err);
  if (r < 0) iddl_lua_raise(L, &err);
  lua_pushboolean(L, r);
  return 1;
}

/* Pushes the n int64 values as a 0-based Lua list. */
static void push_list(lua_State *L, const int64_t *x, int64_t n) {
  lua_createtable(L, (int)n, 0);
  for (int64_t i = 0; i < n; i++) {
    lua_pushinteger(L, x[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

/* Pushes nb base blocks of k elements as a list of lists. */
static void push_base(lua_State *L, const int64_t *base, int nb, int k) {
  lua_createtable(L, nb, 0);
  for (int j = 0; j < nb; j++) {
    push_list(L, base + (int64_t)j * k, k);
    lua_rawseti(L, -2, j + 1);
  }
}

/* Builds GF(q) into f (the caller frees it before anything can raise);
 * raises, with nothing allocated, when q is not a prime power. */
static void gf_open(lua_State *L, iddl_gf *f, int q) {
  iddl_err err;
  if (iddl_gf_init(f, q, &err)) iddl_lua_raise(L, &err);
}

/* singer_set(n, q) -> the Singer difference set (0-based residues mod v) */
static int f_singer_set(lua_State *L) {
  int n = check_int(L, 1, "singer_set", "n", 2, 21), q = check_int(L, 2, "singer_set", "q", 2,
                                                                      IDDL_GF_MAX);
  double k = 0;
  for (int i = 0; i < n; i++) k = k * q + 1;
  if (k > IDDL_GF_MAX) luaL_error(L, "singer_set: GF(%d^%d) is too large", q, n + 1);
  int64_t *ds = push_buffer(L, sizeof(int64_t) * (size_t)k);
  iddl_err err;
  if (iddl_bibd_singer_set(n, q, ds, &err)) iddl_lua_raise(L, &err);
  push_list(L, ds, (int64_t)k);
  return 1;
}

/* cyclotomic_class(q, e, i, with_zero) -> the class g^i C_0 of index e of
 * GF(q) (C_0 the e-th powers; i = 0..e-1), plus 0 when with_zero */
static int f_cyclotomic_class(lua_State *L) {
  int q = check_int(L, 1, "cyclotomic_class", "q", 2, IDDL_GF_MAX);
  int e = check_int(L, 2, "cyclotomic_class", "e", 1, q - 1);
  int i = check_int(L, 3, "cyclotomic_class", "i", 0, e - 1);
  int with0 = lua_toboolean(L, 4);
  int64_t n = (q - 1) / e + with0;
  int64_t *ds = push_buffer(L, sizeof(int64_t) * (size_t)n);
  iddl_gf f;
  gf_open(L, &f, q);
  iddl_err err;
  int rc = iddl_bibd_cyclotomic_class(&f, e, i, with0, ds, &err);
  iddl_gf_free(&f);
  if (rc) iddl_lua_raise(L, &err);
  push_list(L, ds, n);
  return 1;
}

/* twin_set(q) -> difference set in GF(q) x GF(q+2) as 0-based elements
 * x (q+2) + y, and the group's moduli */
static int f_twin_set(lua_State *L) {
  int q = check_int(L, 1, "twin_set", "q", 3, 1024);
  int64_t n = ((int64_t)q * (q + 2) - 1) / 2;
  int64_t *ds = push_buffer(L, sizeof(int64_t) * (size_t)n);
  iddl_group g;
  iddl_err err;
  if (iddl_bibd_twin_set(q, &g, ds, &err)) iddl_lua_raise(L, &err);
  push_list(L, ds, n);
  lua_createtable(L, g.r, 0);
  for (int i = 0; i < g.r; i++) {
    lua_pushinteger(L, g.m[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 2;
}

/* bent_set(m) -> the bent-function difference set in Z_2^(2m) */
static int f_bent_set(lua_State *L) {
  int m = check_int(L, 1, "bent_set", "m", 1, 10);
  int64_t *ds = push_buffer(L, sizeof(int64_t) << (2 * m));
  push_list(L, ds, iddl_bibd_bent_set(m, ds));
  return 1;
}

/* search_radical(q, k, lambda, max_nodes) -> base blocks over GF(q) | nil */
static int f_search_radical(lua_State *L) {
  int q = check_int(L, 1, "search_radical", "q", 3, IDDL_GF_MAX);
  int k = check_int(L, 2, "search_radical", "k", 3, 64);
  int lambda = check_int(L, 3, "search_radical", "lambda", 1, 1 << 20);
  lua_Integer nodes = luaL_checkinteger(L, 4);
  int64_t t = (int64_t)lambda * (q - 1) / (k * (k - 1));
  int64_t *base = push_buffer(L, sizeof(int64_t) * (size_t)(t * k + 1));
  iddl_gf f;
  gf_open(L, &f, q);
  iddl_err err;
  int r = iddl_bibd_search_radical(&f, k, lambda, nodes, base, &err);
  iddl_gf_free(&f);
  if (r < 0) iddl_lua_raise(L, &err);
  if (r == 0) return 0;
  push_base(L, base, (int)t, k);
  return 1;
}

/* search_group(group, k, lambda, kind, max_nodes) -> base blocks (short
 * orbits last, infinity as the group order) | nil; see
 * iddl_bibd_search_group for the kinds */
static int f_search_group(lua_State *L) {
  iddl_group g;
  read_group(L, 1, "search_group", &g);
  int k = check_int(L, 2, "search_group", "k", 3, (int)g.order);
  int lambda = check_int(L, 3, "search_group", "lambda", 1, 1 << 10);
  int kind = check_int(L, 4, "search_group", "kind", 0, 3);
  lua_Integer nodes = luaL_checkinteger(L, 5);
  int64_t nmax = (int64_t)lambda * g.order / (k * (k - 1)) + lambda + 1;
  int64_t *base = push_buffer(L, sizeof(int64_t) * (size_t)(nmax * k));
  iddl_err err;
  int r = iddl_bibd_search_group(&g, k, lambda, kind, nodes, base, nmax, &err);
  if (r < 0) iddl_lua_raise(L, &err);
  if (r == 0) return 0;
  push_base(L, base, r, k);
  return 1;
}

/* search_multiplier(group, k, lambda, kind, m, max_nodes [, field]) ->
 * base blocks (short orbits last) | false, and the nodes visited: a family invariant under the
 * automorphism x -> m x (digitwise mod each factor; m coprime to them), or
 * with field = true (group: the additive group of GF(q), q its order)
 * x -> g^m x, g the field's generator; see iddl_bibd_search_multiplier */
static int f_search_multiplier(lua_State *L) {
  iddl_group g;
  read_group(L, 1, "search_multiplier", &g);
  if (g.infinity) luaL_error(L, "search_multiplier: the group must not have infinity");
  int k = check_int(L, 2, "search_multiplier", "k", 3, (int)g.order);
  int lambda = check_int(L, 3, "search_multiplier", "lambda", 1, 1 << 10);
  int kind = check_int(L, 4, "search_multiplier", "kind", 0, 1);
  lua_Integer m = luaL_checkinteger(L, 5);
  lua_Integer nodes = luaL_checkinteger(L, 6);
  int field = lua_toboolean(L, 7);
  int64_t n = g.order, nmax = (int64_t)lambda * n / (k * (k - 1)) + lambda + 1;
  int64_t *mul = push_buffer(L, sizeof(int64_t) * (size_t)n);
  int64_t *base = push_buffer(L, sizeof(int64_t) * (size_t)(nmax * k));
  if (field) {
    if (n > IDDL_GF_MAX) luaL_error(L, "search_multiplier: field of order %d too large", (int)n);
    iddl_gf f;
    gf_open(L, &f, (int)n);
    int ok = f.n == g.r;
    for (int i = 0; i < g.r; i++) ok = ok && g.m[i] == f.p;
    int w = f.exp[((m % (n - 1)) + (n - 1)) % (n - 1)];
    for (int64_t x = 0; x < n; x++) mul[x] = iddl_gf_mul(&f, w, (int)x);
    iddl_gf_free(&f);
    if (!ok) luaL_error(L, "search_multiplier: the group is not the additive group of GF(%d)",
                        (int)n);
  } else {
    for (int i = 0; i < g.r; i++) {
      lua_Integer a = m % g.m[i], b = g.m[i];
      if (a < 0) a += b;
      while (b) { lua_Integer t = a % b; a = b, b = t; }
      if (a != 1) luaL_error(L, "search_multiplier: m=%d is not coprime to %d", (int)m, (int)g.m[i]);
    }
    for (int64_t x = 0; x < n; x++) {
      int64_t y = 0, rest = x, pw = 1;
      for (int i = g.r - 1; i >= 0; pw *= g.m[i], rest /= g.m[i], i--) {
        int64_t digit = ((rest % g.m[i]) * (m % g.m[i]) % g.m[i] + g.m[i]) % g.m[i];
        y += digit * pw;
      }
      mul[x] = y;
    }
  }
  iddl_err err;
  int64_t used = 0;
  int r = iddl_bibd_search_multiplier(&g, mul, k, lambda, kind, nodes, base, nmax, &used, &err);
  if (r < 0) iddl_lua_raise(L, &err);
  if (r == 0) lua_pushboolean(L, 0);
  else push_base(L, base, r, k);
  lua_pushinteger(L, used);
  return 2;
}

/* --- checks and statistics ------------------------------------------------ */

/* check_blocks(list of lists of 1-based points, v, k, lambda) -> true |
 * false, reason */
static int f_check_blocks(lua_State *L) {
  int64_t *off;
  int32_t *pts;
  int64_t b = read_blocks(L, 1, 1, "verify", &off, &pts);
  char why[256];
  iddl_err err;
  return push_check(L, iddl_bibd_check(luaL_checkinteger(L, 2), b, off, pts,
                                       luaL_checkinteger(L, 3), luaL_checkinteger(L, 4),
                                       why, sizeof why, &err), why, &err);
}

/* check_incidence((b, v) 0/1 tensor, k, lambda) -> true | false, reason */
static int f_check_incidence(lua_State *L) {
  int64_t *off, v;
  int32_t *pts;
  int64_t b = read_incidence(L, 1, "verify", &v, &off, &pts);
  char why[256];
  iddl_err err;
  return push_check(L, iddl_bibd_check(v, b, off, pts, luaL_checkinteger(L, 2),
                                       luaL_checkinteger(L, 3), why, sizeof why, &err),
                    why, &err);
}

/* incidence(list of lists of 1-based points, v) -> (b, v) 0/1 tensor */
static int f_incidence(lua_State *L) {
  int64_t *off;
  int32_t *pts;
  int64_t b = read_blocks(L, 1, 1, "incidence", &off, &pts);
  lua_Integer v = luaL_checkinteger(L, 2);
  for (int64_t a = 0; a < off[b]; a++)
    if (pts[a] < 0 || pts[a] >= v)
      luaL_error(L, "incidence: point %d is outside 1..%d", (int)pts[a] + 1, (int)v);
  push_incidence(L, b, v, off, pts);
  return 1;
}

/* pair_hist((b, v) 0/1 tensor) -> list h with h[c+1] = number of column
 * pairs that share exactly c rows (c = 0..b) */
static int f_pair_hist(lua_State *L) {
  int64_t *off, v;
  int32_t *pts;
  int64_t b = read_incidence(L, 1, "pair statistics", &v, &off, &pts);
  int64_t *hist = push_buffer(L, sizeof(int64_t) * (size_t)(b + 1));
  iddl_err err;
  if (iddl_bibd_pair_hist(v, b, off, pts, hist, (int)b, &err)) iddl_lua_raise(L, &err);
  push_list(L, hist, b + 1);
  return 1;
}

/* prime_power(q) -> p, n when q = p^n, else nothing */
static int f_prime_power(lua_State *L) {
  int p, n;
  if (!iddl_prime_power(luaL_checkinteger(L, 1), &p, &n)) return 0;
  lua_pushinteger(L, p);
  lua_pushinteger(L, n);
  return 2;
}

int luaopen_iddl_bibd_core(lua_State *L) {
  if (luaL_getmetatable(L, IDDL_TENSOR_MT) != LUA_TTABLE)
    return luaL_error(L, "iddl.bibd_core: open iddl.core first");
  lua_pop(L, 1);
  const luaL_Reg methods[] = {{"info", blocks_info},         {"totable", blocks_totable},
                              {"incidence", blocks_incidence}, {"check", blocks_check},
                              {"has_repeats", blocks_has_repeats}, {"rep", blocks_rep},
                              {"complement", blocks_complement}, {"residual", blocks_residual},
                              {"derived", blocks_derived},     {"product", blocks_product},
                              {"inflate", blocks_inflate},     {NULL, NULL}};
  luaL_newmetatable(L, IDDL_BLOCKS_MT);
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, blocks_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  const luaL_Reg fns[] = {{"subsets", f_subsets},
                          {"affine", f_affine},
                          {"projective", f_projective},
                          {"unital", f_unital},
                          {"denniston", f_denniston},
                          {"sts", f_sts},
                          {"triple", f_triple},
                          {"develop", f_develop},
                          {"is_difference_family", f_is_difference_family},
                          {"singer_set", f_singer_set},
                          {"cyclotomic_class", f_cyclotomic_class},
                          {"twin_set", f_twin_set},
                          {"bent_set", f_bent_set},
                          {"search_radical", f_search_radical},
                          {"search_group", f_search_group},
                          {"search_multiplier", f_search_multiplier},
                          {"check_blocks", f_check_blocks},
                          {"check_incidence", f_check_incidence},
                          {"incidence", f_incidence},
                          {"pair_hist", f_pair_hist},
                          {"prime_power", f_prime_power},
                          {NULL, NULL}};
  luaL_newlib(L, fns);
  iddl_lua_bibd_pbd_open(L);
  return 1;
}
