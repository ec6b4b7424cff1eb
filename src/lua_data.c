/* lua_data.c - the C module 'iddl.data_core' behind lua/iddl/data.lua:
 * IDX files, index_select (also a tensor method) and seeded permutations.
 */
#include <lauxlib.h>
#include <lua.h>

#include "idx.h"
#include "lua_module.h"
#include "lua_tensor.h"
#include "tensor_index.h"

/* data_core.idx_load(path) -> float tensor with the file's shape and raw
 * values; a bad file raises "path: byte N: ...". */
static int f_idx_load(lua_State *L) {
  iddl_err err;
  const char *path = luaL_checkstring(L, 1);
  iddl_tensor *t = iddl_lua_push_empty(L);
  if (iddl_idx_load(t, path, &err)) iddl_lua_raise(L, &err);
  return 1;
}

/* index_select(t, dim, indices [, out]) -> out, or a new tensor: the slices
 * of t along dim (1-based) at the 1-based positions in the 1-D tensor
 * indices. out must already have the result's shape (a loader passes its
 * batch buffer, or a narrow of it, so nothing is allocated per batch). */
static int f_index_select(lua_State *L) {
  iddl_err err;
  iddl_tensor *t = iddl_lua_check(L, 1);
  int dim = iddl_lua_checkdim(L, 2, t, 0);
  iddl_tensor *index = iddl_lua_check(L, 3);
  iddl_tensor *out;
  if (lua_isnoneornil(L, 4)) {
    int ndim;
    int64_t size[IDDL_MAX_DIMS];
    if (iddl_index_select_shape(t, dim, index, &ndim, size, &err))
      iddl_lua_raise(L, &err);
    out = iddl_lua_push_alloc(L, ndim, size);
  } else {
    out = iddl_lua_check(L, 4);
    lua_settop(L, 4);
  }
  if (iddl_index_select(out, t, dim, index, &err)) iddl_lua_raise(L, &err);
  return 1;
}

/* permutation(n, seed, stream [, out]) -> a 1-D tensor holding a permutation
 * of 1..n that depends only on (seed, stream): a private generator, so the
 * global stream of iddl.manual_seed is neither read nor advanced. out, when
 * given, must be a 1-D tensor of n elements and is filled in place. */
static int f_permutation(lua_State *L) {
  iddl_err err;
  lua_Integer n = luaL_checkinteger(L, 1);
  lua_Integer seed = luaL_checkinteger(L, 2);
  lua_Integer stream = luaL_checkinteger(L, 3);
  if (n < 0) return luaL_error(L, "permutation: n must be >= 0, got %d", (int)n);
  iddl_tensor *out;
  if (lua_isnoneornil(L, 4)) {
    out = iddl_lua_push_alloc(L, 1, (int64_t[]){n});
  } else {
    out = iddl_lua_check(L, 4);
    lua_settop(L, 4);
    if (out->ndim != 1 || out->size[0] != n) {
      char buf[128];
      return luaL_error(L, "permutation: out has shape %s, expected %d",
                        iddl_shape_str(out, buf, sizeof buf), (int)n);
    }
  }
  if (iddl_seeded_permutation(out, (uint64_t)seed, (uint64_t)stream, &err))
    iddl_lua_raise(L, &err);
  return 1;
}

int luaopen_iddl_data_core(lua_State *L) {
  if (luaL_getmetatable(L, IDDL_TENSOR_MT) != LUA_TTABLE)
    return luaL_error(L, "iddl.data_core: open iddl.core first");
  lua_getfield(L, -1, "methods");
  lua_pushcfunction(L, f_index_select);
  lua_setfield(L, -2, "index_select");
  lua_pop(L, 2);
  const luaL_Reg fns[] = {{"idx_load", f_idx_load},
                          {"index_select", f_index_select},
                          {"permutation", f_permutation},
                          {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
