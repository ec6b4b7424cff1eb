/* lua_tensor.c - the Tensor userdata: creation, shape, views, indexing.
 *
 * Lua sees 1-based indices and dimensions (negative ones count from the
 * end); the core sees 0-based ones. Every method checks its receiver with
 * luaL_checkudata, and every failure is a Lua error naming the shapes.
 */
#include <math.h>
#include <string.h>

#include "lua_tensor.h"
#include "tensor_ops.h"

/* --- helpers shared by the glue ----------------------------------------- */

iddl_tensor *iddl_lua_check(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, IDDL_TENSOR_MT);
}

iddl_tensor *iddl_lua_test(lua_State *L, int idx) {
  return luaL_testudata(L, idx, IDDL_TENSOR_MT);
}

iddl_tensor *iddl_lua_push_empty(lua_State *L) {
  iddl_tensor *t = lua_newuserdatauv(L, sizeof *t, 0);
  memset(t, 0, sizeof *t);
  luaL_setmetatable(L, IDDL_TENSOR_MT);
  return t;
}

int iddl_lua_raise(lua_State *L, const iddl_err *err) {
  return luaL_error(L, "%s", err->msg);
}

iddl_tensor *iddl_lua_push_alloc(lua_State *L, int ndim, const int64_t *size) {
  iddl_err err;
  iddl_tensor *t = iddl_lua_push_empty(L);
  if (iddl_tensor_alloc(t, ndim, size, &err)) iddl_lua_raise(L, &err);
  /* The collector only sees the small userdata; tell it about the storage
   * (as if Lua had allocated it) so dead tensors are freed at the pace they
   * are made instead of piling up. */
  int64_t kib = iddl_numel(t) / 256;
  if (kib > 0) lua_gc(L, LUA_GCSTEP, (int)(kib < INT32_MAX ? kib : INT32_MAX));
  return t;
}

int iddl_lua_checkdim(lua_State *L, int arg, const iddl_tensor *t, int extra) {
  lua_Integer d = luaL_checkinteger(L, arg);
  int n = t->ndim + (extra ? 1 : 0);
  if (d < 0) d += n + 1;
  if (d < 1 || d > n) {
    char buf[128];
    luaL_error(L, "dimension %d out of range for a tensor of shape %s "
               "(valid: 1..%d or -%d..-1)", (int)luaL_checkinteger(L, arg),
               iddl_shape_str(t, buf, sizeof buf), n, n);
  }
  return (int)d - 1;
}

int iddl_lua_sizes(lua_State *L, int first, int64_t *size) {
  int n = 0;
  if (lua_istable(L, first)) {
    n = (int)luaL_len(L, first);
    if (n > IDDL_MAX_DIMS)
      luaL_error(L, "at most %d dimensions, got %d", IDDL_MAX_DIMS, n);
    for (int i = 0; i < n; i++) {
      lua_geti(L, first, i + 1);
      int ok;
      size[i] = lua_tointegerx(L, -1, &ok);
      if (!ok) luaL_error(L, "size %d is not an integer", i + 1);
      lua_pop(L, 1);
    }
    return n;
  }
  while (lua_type(L, first + n) == LUA_TNUMBER) {
    if (n == IDDL_MAX_DIMS)
      luaL_error(L, "at most %d dimensions", IDDL_MAX_DIMS);
    size[n] = luaL_checkinteger(L, first + n);
    n++;
  }
  return n;
}

/* --- life cycle and shape ------------------------------------------------ */

static int t_gc(lua_State *L) {
  iddl_tensor_release(iddl_lua_check(L, 1));
  return 0;
}

static int t_size(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  if (!lua_isnoneornil(L, 2)) {
    lua_pushinteger(L, t->size[iddl_lua_checkdim(L, 2, t, 0)]);
    return 1;
  }
  lua_createtable(L, t->ndim, 0);
  for (int i = 0; i < t->ndim; i++) {
    lua_pushinteger(L, t->size[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

static int t_stride(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  if (!lua_isnoneornil(L, 2)) {
    lua_pushinteger(L, t->stride[iddl_lua_checkdim(L, 2, t, 0)]);
    return 1;
  }
  lua_createtable(L, t->ndim, 0);
  for (int i = 0; i < t->ndim; i++) {
    lua_pushinteger(L, t->stride[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

static int t_dim(lua_State *L) {
  lua_pushinteger(L, iddl_lua_check(L, 1)->ndim);
  return 1;
}

static int t_numel(lua_State *L) {
  lua_pushinteger(L, iddl_numel(iddl_lua_check(L, 1)));
  return 1;
}

static int t_is_contiguous(lua_State *L) {
  lua_pushboolean(L, iddl_is_contiguous(iddl_lua_check(L, 1)));
  return 1;
}

static int t_shape_str(lua_State *L) {
  char buf[128];
  lua_pushstring(L, iddl_shape_str(iddl_lua_check(L, 1), buf, sizeof buf));
  return 1;
}

/* --- views ---------------------------------------------------------------- */

/* Pushes an empty tensor for a view to be written into. */
#define NEW_VIEW iddl_err err; iddl_tensor *out = iddl_lua_push_empty(L)
/* Raises err when a core call failed. */
#define CHECK(call) if (call) iddl_lua_raise(L, &err)

static int t_view(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  int64_t size[IDDL_MAX_DIMS];
  int n = iddl_lua_sizes(L, 2, size);
  NEW_VIEW;
  CHECK(iddl_view(out, t, n, size, &err));
  return 1;
}

static int t_reshape(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  int64_t size[IDDL_MAX_DIMS];
  int n = iddl_lua_sizes(L, 2, size);
  iddl_err err;
  iddl_tensor *out = iddl_lua_push_empty(L);
  if (iddl_view(out, t, n, size, NULL) == 0) return 1;
  iddl_tensor *c = iddl_lua_push_empty(L);
  if (iddl_clone(c, t, &err) || iddl_view(out, c, n, size, &err))
    iddl_lua_raise(L, &err);
  lua_pop(L, 1);
  return 1;
}

static int t_narrow(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  int d = iddl_lua_checkdim(L, 2, t, 0);
  lua_Integer start = luaL_checkinteger(L, 3), len = luaL_checkinteger(L, 4);
  if (start < 0) start += t->size[d] + 1;
  NEW_VIEW;
  CHECK(iddl_narrow(out, t, d, start - 1, len, &err));
  return 1;
}

static int t_select(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  int d = iddl_lua_checkdim(L, 2, t, 0);
  lua_Integer i = luaL_checkinteger(L, 3), k = i;
  if (i < 0) i += t->size[d] + 1;
  if (i < 1 || i > t->size[d]) /* name the index the caller gave */
    return luaL_error(L, "select: index %I is out of range for dimension %d "
                      "of size %I", k, d + 1, (lua_Integer)t->size[d]);
  NEW_VIEW;
  CHECK(iddl_select(out, t, d, i - 1, &err));
  return 1;
}

static int t_transpose(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  int d1, d2;
  if (lua_isnoneornil(L, 2) && t->ndim == 2) {
    d1 = 0;
    d2 = 1;
  } else {
    d1 = iddl_lua_checkdim(L, 2, t, 0);
    d2 = iddl_lua_checkdim(L, 3, t, 0);
  }
  NEW_VIEW;
  CHECK(iddl_transpose(out, t, d1, d2, &err));
  return 1;
}

static int t_t(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  if (t->ndim != 2) {
    char buf[128];
    return luaL_error(L, "t(): expects a 2-D tensor, got shape %s",
                      iddl_shape_str(t, buf, sizeof buf));
  }
  lua_settop(L, 1);
  return t_transpose(L);
}

static int t_permute(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  int64_t dims[IDDL_MAX_DIMS];
  int perm[IDDL_MAX_DIMS];
  int n = iddl_lua_sizes(L, 2, dims);
  if (n != t->ndim)
    return luaL_error(L, "permute: expected %d dimensions, got %d", t->ndim, n);
  for (int i = 0; i < n; i++)
    perm[i] = (int)(dims[i] < 0 ? dims[i] + n : dims[i] - 1);
  NEW_VIEW;
  CHECK(iddl_permute(out, t, perm, &err));
  return 1;
}

static int t_expand(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  int64_t size[IDDL_MAX_DIMS];
  int n;
  iddl_tensor *like = iddl_lua_test(L, 2);
  if (like) {
    n = like->ndim;
    memcpy(size, like->size, sizeof size);
  } else {
    n = iddl_lua_sizes(L, 2, size);
  }
  NEW_VIEW;
  CHECK(iddl_expand(out, t, n, size, &err));
  return 1;
}

static int t_squeeze(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  int d = lua_isnoneornil(L, 2) ? -1 : iddl_lua_checkdim(L, 2, t, 0);
  NEW_VIEW;
  CHECK(iddl_squeeze(out, t, d, &err));
  return 1;
}

static int t_unsqueeze(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  int d = iddl_lua_checkdim(L, 2, t, 1);
  NEW_VIEW;
  CHECK(iddl_unsqueeze(out, t, d, &err));
  return 1;
}

static int t_contiguous(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  if (iddl_is_contiguous(t)) {
    lua_settop(L, 1);
    return 1;
  }
  NEW_VIEW;
  CHECK(iddl_clone(out, t, &err));
  return 1;
}

static int t_clone(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  NEW_VIEW;
  CHECK(iddl_clone(out, t, &err));
  return 1;
}

/* --- element access ---------------------------------------------------- */

const iddl_tensor *iddl_lua_unalias(lua_State *L, const iddl_tensor *dst,
                                  const iddl_tensor *src) {
  if (!src || src->storage != dst->storage) return src;
  if (src->offset == dst->offset && iddl_same_shape(src, dst) &&
      !memcmp(src->stride, dst->stride, sizeof(int64_t) * (size_t)dst->ndim))
    return src;
  iddl_err err;
  iddl_tensor *c = iddl_lua_push_empty(L);
  if (iddl_clone(c, src, &err)) iddl_lua_raise(L, &err);
  return c;
}

/* Applies an index spec (table of numbers, {first,last} ranges, {} = all)
 * to the tensor at index 1 and pushes the resulting view. */
static iddl_tensor *index_view(lua_State *L, iddl_tensor *t, int spec) {
  iddl_err err;
  iddl_tensor *v = iddl_lua_push_empty(L);
  iddl_tensor_share(v, t);
  int n = (int)luaL_len(L, spec), d = 0;
  if (n > t->ndim) {
    char buf[128];
    luaL_error(L, "index: %d indices for a tensor of shape %s", n,
               iddl_shape_str(t, buf, sizeof buf));
  }
  for (int i = 1; i <= n; i++, lua_pop(L, 1)) {
    iddl_tensor next = {0};
    int rc;
    int64_t sz = v->size[d];
    /* Entry i of the spec indexes dimension i of t; range errors name the
     * index as given and that dimension, not the view's. */
    if (lua_geti(L, spec, i) == LUA_TNUMBER) {
      lua_Integer k = luaL_checkinteger(L, -1), r = k < 0 ? k + sz + 1 : k;
      if (r < 1 || r > sz)
        luaL_error(L, "index %I is out of range for dimension %d of size %I",
                   k, i, (lua_Integer)sz);
      rc = iddl_select(&next, v, d, r - 1, &err);
    } else if (lua_istable(L, -1)) {
      lua_Integer a = 1, b = sz;
      if (lua_geti(L, -1, 1) != LUA_TNIL) a = luaL_checkinteger(L, -1);
      if (lua_geti(L, -2, 2) != LUA_TNIL) b = luaL_checkinteger(L, -1);
      else if (luaL_len(L, -3) == 1) b = a;
      lua_pop(L, 2);
      lua_Integer a0 = a, b0 = b;
      if (a < 0) a += sz + 1;
      if (b < 0) b += sz + 1;
      if (a < 1 || b > sz || b < a - 1)
        luaL_error(L, "index range {%I, %I} is out of range for dimension %d "
                   "of size %I", a0, b0, i, (lua_Integer)sz);
      rc = iddl_narrow(&next, v, d, a - 1, b - a + 1, &err);
      d++;
    } else {
      luaL_error(L, "index %d: expected a number or a {first, last} range, "
                 "got %s", i, luaL_typename(L, -1));
      return NULL;
    }
    if (rc) iddl_lua_raise(L, &err);
    iddl_tensor_release(v);
    *v = next;
  }
  return v;
}

static int t_item(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  if (iddl_numel(t) != 1) {
    char buf[128];
    return luaL_error(L, "item(): the tensor has shape %s, not one element",
                      iddl_shape_str(t, buf, sizeof buf));
  }
  lua_pushnumber(L, iddl_data(t)[0]); /* all sizes 1: any index is 0 */
  return 1;
}

/* __index: t[i] selects along dimension 1 (a number for a 1-D tensor),
 * t[{i, j, {a, b}}] indexes several dimensions, other keys are methods. */
static int t_index(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  if (lua_type(L, 2) == LUA_TNUMBER) {
    lua_settop(L, 2);
    lua_createtable(L, 1, 0);
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, 1);
    lua_replace(L, 2);
  }
  if (lua_istable(L, 2)) {
    iddl_tensor *v = index_view(L, t, 2);
    if (v->ndim == 0) lua_pushnumber(L, iddl_data(v)[0]);
    return 1;
  }
  lua_getmetatable(L, 1);
  lua_getfield(L, -1, "methods");
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

/* __newindex: t[i] = v and t[{...}] = v fill (number) or copy (tensor). */
static int t_newindex(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  if (lua_type(L, 2) == LUA_TNUMBER) {
    lua_createtable(L, 1, 0);
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, 1);
    lua_replace(L, 2);
  }
  if (!lua_istable(L, 2))
    return luaL_error(L, "cannot set field '%s' of a tensor",
                      luaL_tolstring(L, 2, NULL));
  iddl_tensor *v = index_view(L, t, 2);
  const iddl_tensor *src = iddl_lua_unalias(L, v, iddl_lua_test(L, 3));
  iddl_err err;
  if (src) {
    if (iddl_copy(v, src, &err)) iddl_lua_raise(L, &err);
  } else {
    iddl_fill(v, (float)luaL_checknumber(L, 3));
  }
  return 0;
}

static int t_len(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  lua_pushinteger(L, t->ndim ? t->size[0] : 1);
  return 1;
}

static int t_fill_(lua_State *L) {
  iddl_fill(iddl_lua_check(L, 1), (float)luaL_checknumber(L, 2));
  lua_settop(L, 1);
  return 1;
}

static int t_zero_(lua_State *L) {
  iddl_fill(iddl_lua_check(L, 1), 0.0f);
  lua_settop(L, 1);
  return 1;
}

static int t_copy_(lua_State *L) {
  iddl_err err;
  iddl_tensor *dst = iddl_lua_check(L, 1);
  if (iddl_copy(dst, iddl_lua_unalias(L, dst, iddl_lua_check(L, 2)), &err))
    iddl_lua_raise(L, &err);
  lua_settop(L, 1);
  return 1;
}

/* Pushes the elements of t under dimension d at offset off as nested tables. */
static void push_table(lua_State *L, const iddl_tensor *t, int d, int64_t off) {
  if (d == t->ndim) {
    lua_pushnumber(L, t->storage->data[off]);
    return;
  }
  luaL_checkstack(L, 4, "tensor too deep");
  lua_createtable(L, (int)t->size[d], 0);
  for (int64_t i = 0; i < t->size[d]; i++) {
    push_table(L, t, d + 1, off + i * t->stride[d]);
    lua_rawseti(L, -2, i + 1);
  }
}

static int t_totable(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  push_table(L, t, 0, t->offset);
  return 1;
}

static const luaL_Reg tensor_methods[] = {
    {"size", t_size},           {"stride", t_stride},
    {"dim", t_dim},             {"numel", t_numel},
    {"nelement", t_numel},      {"is_contiguous", t_is_contiguous},
    {"shape_str", t_shape_str}, {"view", t_view},
    {"reshape", t_reshape},     {"narrow", t_narrow},
    {"select", t_select},       {"transpose", t_transpose},
    {"t", t_t},                 {"permute", t_permute},
    {"expand", t_expand},       {"squeeze", t_squeeze},
    {"unsqueeze", t_unsqueeze}, {"contiguous", t_contiguous},
    {"clone", t_clone},         {"item", t_item},
    {"fill_", t_fill_},         {"zero_", t_zero_},
    {"copy_", t_copy_},         {"totable", t_totable},
    {NULL, NULL}};

void iddl_lua_open_tensor(lua_State *L) {
  luaL_newmetatable(L, IDDL_TENSOR_MT);
  lua_newtable(L);
  luaL_setfuncs(L, tensor_methods, 0);
  iddl_lua_tensor_ops_methods(L);
  iddl_lua_tensor_random_methods(L);
  lua_setfield(L, -2, "methods");
  iddl_lua_tensor_operators(L);
  const luaL_Reg meta[] = {{"__gc", t_gc}, {"__close", t_gc},
                           {"__index", t_index}, {"__newindex", t_newindex},
                           {"__len", t_len}, {NULL, NULL}};
  luaL_setfuncs(L, meta, 0);
  lua_pop(L, 1);
}
