/* lua_module.c - luaopen_iddl_core: the C module behind require 'iddl'.
 *
 * The Lua side (lua/iddl/init.lua) builds the public `iddl` table on top of
 * this one and adds what is better written in Lua (printing, Timer, ...).
 */
#include <lauxlib.h>
#include <lua.h>
#include <unistd.h>

#include "blas.h"
#include "clock.h"
#include "lua_bibd.h"
#include "lua_module.h"
#include "lua_nn_bnpool.h"
#include "lua_sparse.h"
#include "lua_sparse_conv.h"
#include "lua_tensor.h"
#include "npy.h"

#define IDDL_VERSION "0.1.0"

static int f_now(lua_State *L) {
  lua_pushnumber(L, iddl_now());
  return 1;
}

/* iddl.isatty(fd) -> whether file descriptor fd (default 1, stdout) is a
 * terminal: progress bars and live plots use it to pick their output. */
static int f_isatty(lua_State *L) {
  lua_pushboolean(L, isatty((int)luaL_optinteger(L, 1, 1)));
  return 1;
}

/* iddl.blas_info() -> {core=, preferred=, threads=} or raises if OpenBLAS
 * cannot be loaded. */
static int f_blas_info(lua_State *L) {
  iddl_err err;
  if (iddl_blas_init(&err)) iddl_lua_raise(L, &err);
  const char *pref = iddl_blas_preferred_core();
  lua_createtable(L, 0, 3);
  lua_pushstring(L, iddl_blas_corename());
  lua_setfield(L, -2, "core");
  lua_pushstring(L, pref ? pref : "(OpenBLAS's own choice)");
  lua_setfield(L, -2, "preferred");
  lua_pushinteger(L, iddl_blas_threads());
  lua_setfield(L, -2, "threads");
  return 1;
}

static int f_set_num_threads(lua_State *L) {
  iddl_err err;
  lua_Integer n = luaL_checkinteger(L, 1);
  if (n < 1) return luaL_error(L, "set_num_threads: n must be >= 1, got %d", (int)n);
  if (iddl_blas_init(&err)) iddl_lua_raise(L, &err);
  iddl_blas_set_threads((int)n);
  return 0;
}

static int f_npy_load(lua_State *L) {
  iddl_err err;
  const char *path = luaL_checkstring(L, 1);
  iddl_tensor *t = iddl_lua_push_empty(L);
  if (iddl_npy_load(t, path, &err)) iddl_lua_raise(L, &err);
  return 1;
}

static int f_npy_save(lua_State *L) {
  iddl_err err;
  const char *path = luaL_checkstring(L, 1);
  if (iddl_npy_save(path, iddl_lua_check(L, 2), &err)) iddl_lua_raise(L, &err);
  return 0;
}

int luaopen_iddl_core(lua_State *L) {
  iddl_lua_open_tensor(L);
  lua_newtable(L);
  iddl_lua_tensor_functions(L);
  iddl_lua_tensor_ops_functions(L);
  const luaL_Reg fns[] = {{"now", f_now}, {"isatty", f_isatty}, {"blas_info", f_blas_info},
                          {"set_num_threads", f_set_num_threads},
                          {NULL, NULL}};
  luaL_setfuncs(L, fns, 0);
  const luaL_Reg npy[] = {{"load", f_npy_load}, {"save", f_npy_save},
                          {NULL, NULL}};
  luaL_newlib(L, npy);
  lua_setfield(L, -2, "npy");
  lua_pushliteral(L, IDDL_VERSION);
  lua_setfield(L, -2, "version");
  luaL_getmetatable(L, IDDL_TENSOR_MT); /* for the Lua side to extend */
  lua_setfield(L, -2, "Tensor");
  luaL_requiref(L, "iddl.plot_core", luaopen_iddl_plot_core, 0); lua_pop(L, 1);
  luaL_requiref(L, "iddl.data_core", luaopen_iddl_data_core, 0); lua_pop(L, 1);
  luaL_requiref(L, "iddl.nn_core", luaopen_iddl_nn_core, 0); lua_pop(L, 1);
  luaL_requiref(L, "iddl.optim_core", luaopen_iddl_optim_core, 0); lua_pop(L, 1);
  luaL_requiref(L, "iddl.bibd_core", luaopen_iddl_bibd_core, 0); lua_pop(L, 1);
  luaL_requiref(L, "iddl.bnpool_core", luaopen_iddl_bnpool_core, 0); lua_pop(L, 1);
  luaL_requiref(L, "iddl.sparse_core", luaopen_iddl_sparse_core, 0); lua_pop(L, 1);
  luaL_requiref(L, "iddl.conv_core", luaopen_iddl_conv_core, 0); lua_pop(L, 1);
  luaL_requiref(L, "iddl.sparse_conv_core", luaopen_iddl_sparse_conv_core, 0); lua_pop(L, 1);
  return 1;
}
