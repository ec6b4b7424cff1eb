/* lua_tensor_create.c - tensor constructors and the seeded generator. */
#include <math.h>
#include <string.h>

#include "lua_tensor.h"
#include "tensor_ops.h"

/* PyTorch's default seed: runs are reproducible even without manual_seed. */
#define DEFAULT_SEED 67280421310721ULL
#define RNG_KEY "iddl.rng"

iddl_rng *iddl_lua_rng(lua_State *L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, RNG_KEY) == LUA_TUSERDATA) {
    iddl_rng *r = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return r;
  }
  lua_pop(L, 1);
  iddl_rng *r = lua_newuserdatauv(L, sizeof *r, 0);
  iddl_rng_seed(r, DEFAULT_SEED);
  lua_setfield(L, LUA_REGISTRYINDEX, RNG_KEY);
  return r;
}

/* --- from Lua values --------------------------------------------------------- */

/* Finds the shape of a nested table by following first elements. */
static int nested_shape(lua_State *L, int idx, int64_t *size) {
  int n = 0;
  lua_pushvalue(L, idx);
  while (lua_istable(L, -1)) {
    if (n == IDDL_MAX_DIMS)
      luaL_error(L, "tensor: nesting deeper than %d levels", IDDL_MAX_DIMS);
    size[n++] = (int64_t)luaL_len(L, -1);
    if (size[n - 1] == 0) break;
    lua_geti(L, -1, 1);
    lua_remove(L, -2);
  }
  lua_pop(L, 1);
  return n;
}

/* Copies the nested table at idx (shape size[d..]) into *dst, advancing it.
 * `path` names the position for error messages. */
static void fill_nested(lua_State *L, int idx, const int64_t *size, int ndim,
                        int d, float **dst, char *path, size_t plen) {
  if (d == ndim) {
    int ok;
    lua_Number v = lua_tonumberx(L, idx, &ok);
    if (!ok)
      luaL_error(L, "tensor: element %s is %s, not a number", path,
                 luaL_typename(L, idx));
    *(*dst)++ = (float)v;
    return;
  }
  if (!lua_istable(L, idx) || (int64_t)luaL_len(L, idx) != size[d])
    luaL_error(L, "tensor: ragged nested table at %s: expected a table of "
               "%d elements", *path ? path : "top level", (int)size[d]);
  luaL_checkstack(L, 3, "tensor: nesting too deep");
  size_t used = strlen(path);
  for (int64_t i = 1; i <= size[d]; i++) {
    snprintf(path + used, plen - used, "[%lld]", (long long)i);
    lua_geti(L, idx, i);
    fill_nested(L, lua_gettop(L), size, ndim, d + 1, dst, path, plen);
    lua_pop(L, 1);
  }
  path[used] = 0;
}

/* iddl.tensor(x): x a number (0-d tensor), a nested table, or a tensor (copy). */
static int f_tensor(lua_State *L) {
  iddl_tensor *src = iddl_lua_test(L, 1);
  iddl_err err;
  if (src) {
    iddl_tensor *out = iddl_lua_push_empty(L);
    if (iddl_clone(out, src, &err)) iddl_lua_raise(L, &err);
    return 1;
  }
  if (lua_type(L, 1) == LUA_TNUMBER) {
    iddl_tensor *t = iddl_lua_push_alloc(L, 0, NULL);
    iddl_data(t)[0] = (float)lua_tonumber(L, 1);
    return 1;
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  int64_t size[IDDL_MAX_DIMS];
  int ndim = nested_shape(L, 1, size);
  iddl_tensor *t = iddl_lua_push_alloc(L, ndim, size);
  float *p = iddl_data(t);
  char path[160] = "";
  fill_nested(L, 1, size, ndim, 0, &p, path, sizeof path);
  return 1;
}

/* --- filled shapes ----------------------------------------------------------- */

/* Pushes a tensor shaped by the sizes from arg `first` on. Returns it and
 * sets *next to the first argument after the sizes; with next == NULL any
 * argument after the sizes (zeros(2, 'x'), zeros('3')) is an error rather
 * than silently ignored. */
static iddl_tensor *push_sized(lua_State *L, int first, int *next) {
  int64_t size[IDDL_MAX_DIMS];
  int n = iddl_lua_sizes(L, first, size);
  int after = lua_istable(L, first) ? first + 1 : first + n;
  if (next) *next = after;
  else if (!lua_isnoneornil(L, after))
    luaL_typeerror(L, after, "size (integer)");
  return iddl_lua_push_alloc(L, n, size);
}

static int f_empty(lua_State *L) {
  push_sized(L, 1, NULL);
  return 1;
}

static int f_zeros(lua_State *L) {
  iddl_fill(push_sized(L, 1, NULL), 0.0f);
  return 1;
}

static int f_ones(lua_State *L) {
  iddl_fill(push_sized(L, 1, NULL), 1.0f);
  return 1;
}

/* iddl.full({2, 3}, v) or iddl.full(2, 3, v). */
static int f_full(lua_State *L) {
  int top = lua_gettop(L);
  if (!lua_istable(L, 1)) { /* sizes then the value: hide the value */
    lua_Number v = luaL_checknumber(L, top);
    lua_pushnil(L);
    lua_replace(L, top);
    iddl_fill(push_sized(L, 1, NULL), (float)v);
    return 1;
  }
  lua_Number v = luaL_checknumber(L, 2);
  int next;
  iddl_fill(push_sized(L, 1, &next), (float)v);
  return 1;
}

static int f_like(lua_State *L, float v) {
  iddl_tensor *like = iddl_lua_check(L, 1);
  iddl_fill(iddl_lua_push_alloc(L, like->ndim, like->size), v);
  return 1;
}
static int f_zeros_like(lua_State *L) { return f_like(L, 0.0f); }
static int f_ones_like(lua_State *L) { return f_like(L, 1.0f); }

static int f_eye(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1), m = luaL_optinteger(L, 2, n);
  iddl_tensor *t = iddl_lua_push_alloc(L, 2, (int64_t[]){n, m});
  iddl_fill(t, 0.0f);
  for (lua_Integer i = 0; i < n && i < m; i++) iddl_data(t)[i * m + i] = 1.0f;
  return 1;
}

/* iddl.arange(stop) / (start, stop[, step]): NumPy's half-open range. */
static int f_arange(lua_State *L) {
  double start = 0, stop, step = 1;
  if (lua_isnoneornil(L, 2)) {
    stop = luaL_checknumber(L, 1);
  } else {
    start = luaL_checknumber(L, 1);
    stop = luaL_checknumber(L, 2);
    step = luaL_optnumber(L, 3, 1);
  }
  if (step == 0) return luaL_error(L, "arange: step must not be 0");
  double count = ceil((stop - start) / step);
  if (!(count < 1e12))
    return luaL_error(L, "arange: range [%g, %g) with step %g is too large",
                      start, stop, step);
  int64_t n = count > 0 ? (int64_t)count : 0;
  iddl_tensor *t = iddl_lua_push_alloc(L, 1, &n);
  for (int64_t i = 0; i < n; i++) iddl_data(t)[i] = (float)(start + i * step);
  return 1;
}

static int f_linspace(lua_State *L) {
  double a = luaL_checknumber(L, 1), b = luaL_checknumber(L, 2);
  lua_Integer n = luaL_checkinteger(L, 3);
  if (n < 0) return luaL_error(L, "linspace: count must be >= 0, got %d", (int)n);
  iddl_tensor *t = iddl_lua_push_alloc(L, 1, (int64_t[]){n});
  for (lua_Integer i = 0; i < n; i++)
    iddl_data(t)[i] = (float)(n == 1 ? a : a + (b - a) * i / (double)(n - 1));
  return 1;
}

/* --- random ------------------------------------------------------------------ */

static int f_rand(lua_State *L) {
  iddl_fill_uniform(push_sized(L, 1, NULL), iddl_lua_rng(L), 0.0, 1.0);
  return 1;
}

static int f_randn(lua_State *L) {
  iddl_fill_normal(push_sized(L, 1, NULL), iddl_lua_rng(L), 0.0, 1.0);
  return 1;
}

/* iddl.randint(low, high, sizes...): integers in [low, high). */
static int f_randint(lua_State *L) {
  lua_Integer lo = luaL_checkinteger(L, 1), hi = luaL_checkinteger(L, 2);
  if (hi <= lo)
    return luaL_error(L, "randint: high (%d) must be greater than low (%d)",
                      (int)hi, (int)lo);
  iddl_fill_randint(push_sized(L, 3, NULL), iddl_lua_rng(L), lo, hi);
  return 1;
}

/* iddl.randperm(n): a random permutation of 1..n (1-based, usable as indices). */
static int f_randperm(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  if (n < 0) return luaL_error(L, "randperm: n must be >= 0, got %d", (int)n);
  iddl_tensor *t = iddl_lua_push_alloc(L, 1, (int64_t[]){n});
  int64_t *perm = lua_newuserdatauv(L, sizeof(int64_t) * (n ? n : 1), 0);
  iddl_rng_permutation(iddl_lua_rng(L), n, perm);
  for (lua_Integer i = 0; i < n; i++) iddl_data(t)[i] = (float)(perm[i] + 1);
  lua_pop(L, 1);
  return 1;
}

/* Methods that fill a tensor in place: t:uniform_(lo, hi), t:normal_(m, s). */
static int m_uniform_(lua_State *L) {
  iddl_fill_uniform(iddl_lua_check(L, 1), iddl_lua_rng(L),
                    luaL_optnumber(L, 2, 0), luaL_optnumber(L, 3, 1));
  lua_settop(L, 1);
  return 1;
}

static int m_normal_(lua_State *L) {
  iddl_fill_normal(iddl_lua_check(L, 1), iddl_lua_rng(L),
                   luaL_optnumber(L, 2, 0), luaL_optnumber(L, 3, 1));
  lua_settop(L, 1);
  return 1;
}

static int f_manual_seed(lua_State *L) {
  lua_Integer s = luaL_checkinteger(L, 1);
  iddl_rng_seed(iddl_lua_rng(L), (uint64_t)s);
  return 0;
}

static int f_initial_seed(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)iddl_lua_rng(L)->seed);
  return 1;
}

/* The generator state as an opaque string, for checkpoints. */
static int f_get_rng_state(lua_State *L) {
  iddl_rng *r = iddl_lua_rng(L);
  lua_pushlstring(L, (const char *)r, sizeof *r);
  return 1;
}

static int f_set_rng_state(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  if (n != sizeof(iddl_rng))
    return luaL_error(L, "set_rng_state: expected a state of %d bytes (from "
                      "get_rng_state), got %d", (int)sizeof(iddl_rng), (int)n);
  memcpy(iddl_lua_rng(L), s, n);
  return 0;
}

static int f_is_tensor(lua_State *L) {
  lua_pushboolean(L, iddl_lua_test(L, 1) != NULL);
  return 1;
}

void iddl_lua_tensor_functions(lua_State *L) {
  const luaL_Reg fns[] = {
      {"tensor", f_tensor},       {"empty", f_empty},
      {"zeros", f_zeros},         {"ones", f_ones},
      {"full", f_full},           {"zeros_like", f_zeros_like},
      {"ones_like", f_ones_like}, {"eye", f_eye},
      {"arange", f_arange},       {"linspace", f_linspace},
      {"rand", f_rand},           {"randn", f_randn},
      {"randint", f_randint},     {"randperm", f_randperm},
      {"manual_seed", f_manual_seed}, {"initial_seed", f_initial_seed},
      {"get_rng_state", f_get_rng_state},
      {"set_rng_state", f_set_rng_state},
      {"is_tensor", f_is_tensor}, {NULL, NULL}};
  luaL_setfuncs(L, fns, 0);
}

void iddl_lua_tensor_random_methods(lua_State *L) {
  const luaL_Reg fns[] = {{"uniform_", m_uniform_}, {"normal_", m_normal_},
                          {NULL, NULL}};
  luaL_setfuncs(L, fns, 0);
}
