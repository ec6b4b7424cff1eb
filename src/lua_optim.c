/* lua_optim.c - luaopen_iddl_optim_core: the C side of iddl.optim and
 * iddl.checkpoint (fused update kernels, checkpoint file I/O). The Lua
 * modules under lua/iddl/optim/ and lua/iddl/checkpoint.lua are the API.
 */
#include <lauxlib.h>
#include <lua.h>

#include "checkpoint_io.h"
#include "lua_module.h"
#include "lua_tensor.h"
#include "optim_kernels.h"

/* The tensor at idx, or NULL for nil. */
static iddl_tensor *opt_tensor(lua_State *L, int idx) {
  return lua_isnoneornil(L, idx) ? NULL : iddl_lua_check(L, idx);
}

/* Raises "parameter <i>: <err>". */
static int raise_param(lua_State *L, lua_Integer i, const iddl_err *err) {
  return luaL_error(L, "parameter %d: %s", (int)i, err->msg);
}

/* sgd_step(i, param, grad, buf|nil, lr, momentum, dampening, nesterov, wd,
 *          first): one fused SGD update of parameter i (i only names it in
 * errors). */
static int f_sgd_step(lua_State *L) {
  iddl_err err;
  lua_Integer i = luaL_checkinteger(L, 1);
  iddl_tensor *p = iddl_lua_check(L, 2), *g = iddl_lua_check(L, 3);
  iddl_tensor *buf = opt_tensor(L, 4);
  iddl_sgd_hparams h = {luaL_checknumber(L, 5), luaL_checknumber(L, 6),
                        luaL_checknumber(L, 7), luaL_checknumber(L, 9),
                        lua_toboolean(L, 8)};
  if (iddl_sgd_step(p, g, buf, &h, lua_toboolean(L, 10), &err))
    return raise_param(L, i, &err);
  return 0;
}

/* adam_step(i, param, grad, exp_avg, exp_avg_sq, max_sq|nil, lr, beta1,
 *           beta2, eps, wd, step, decoupled): one fused Adam (decoupled
 * false) or AdamW update; amsgrad when max_sq is given. */
static int f_adam_step(lua_State *L) {
  iddl_err err;
  lua_Integer i = luaL_checkinteger(L, 1);
  iddl_tensor *p = iddl_lua_check(L, 2), *g = iddl_lua_check(L, 3);
  iddl_tensor *m = iddl_lua_check(L, 4), *v = iddl_lua_check(L, 5);
  iddl_tensor *vmax = opt_tensor(L, 6);
  iddl_adam_hparams h = {luaL_checknumber(L, 7), luaL_checknumber(L, 8),
                         luaL_checknumber(L, 9), luaL_checknumber(L, 10),
                         luaL_checknumber(L, 11), lua_toboolean(L, 13),
                         vmax != NULL};
  if (iddl_adam_step(p, g, m, v, vmax, &h, luaL_checkinteger(L, 12), &err))
    return raise_param(L, i, &err);
  return 0;
}

/* crc32(t) -> the CRC-32 of t's float32 bytes. */
static int f_crc32(lua_State *L) {
  iddl_err err;
  uint32_t crc;
  if (iddl_ckpt_crc32(iddl_lua_check(L, 1), &crc, &err)) iddl_lua_raise(L, &err);
  lua_pushinteger(L, (lua_Integer)crc);
  return 1;
}

/* ckpt_write(path, header, {tensors...}): the atomic checkpoint write. */
static int f_ckpt_write(lua_State *L) {
  iddl_err err;
  size_t hlen;
  const char *path = luaL_checkstring(L, 1);
  const char *header = luaL_checklstring(L, 2, &hlen);
  luaL_checktype(L, 3, LUA_TTABLE);
  int n = (int)luaL_len(L, 3);
  const iddl_tensor **ts = lua_newuserdatauv(L, sizeof(*ts) * (size_t)(n + 1), 0);
  for (int k = 1; k <= n; k++) {
    lua_geti(L, 3, k);
    ts[k - 1] = iddl_lua_test(L, -1);
    if (ts[k - 1] == NULL)
      return luaL_error(L, "checkpoint '%s': tensor %d is not a tensor", path, k);
    lua_pop(L, 1); /* still referenced by the table at 3 */
  }
  if (iddl_ckpt_write(path, header, hlen, ts, n, &err)) iddl_lua_raise(L, &err);
  return 0;
}

/* ckpt_read_header(path) -> header, data_start, file_size (0-based bytes;
 * the blobs begin at data_start). */
static int f_ckpt_read_header(lua_State *L) {
  iddl_err err;
  size_t hlen;
  int64_t start, size;
  luaL_Buffer b;
  const char *path = luaL_checkstring(L, 1);
  if (iddl_ckpt_read_magic(path, &hlen, &start, &size, &err))
    iddl_lua_raise(L, &err);
  char *dst = luaL_buffinitsize(L, &b, hlen);
  if (iddl_ckpt_read_bytes(path, start, dst, hlen, "the header", &err))
    iddl_lua_raise(L, &err);
  luaL_pushresultsize(&b, hlen);
  lua_pushinteger(L, start + (int64_t)hlen);
  lua_pushinteger(L, size);
  return 3;
}

/* ckpt_read_blob(path, pos, crc, sizes) -> a new tensor of shape sizes read
 * from byte pos and checked against crc. */
static int f_ckpt_read_blob(lua_State *L) {
  iddl_err err;
  int64_t size[IDDL_MAX_DIMS];
  const char *path = luaL_checkstring(L, 1);
  lua_Integer pos = luaL_checkinteger(L, 2);
  lua_Integer crc = luaL_checkinteger(L, 3);
  int ndim = iddl_lua_sizes(L, 4, size);
  iddl_tensor *t = iddl_lua_push_alloc(L, ndim, size);
  if (iddl_ckpt_read_blob(path, pos, (uint32_t)crc, t, &err))
    iddl_lua_raise(L, &err);
  return 1;
}

int luaopen_iddl_optim_core(lua_State *L) {
  const luaL_Reg fns[] = {{"sgd_step", f_sgd_step},
                          {"adam_step", f_adam_step},
                          {"crc32", f_crc32},
                          {"ckpt_write", f_ckpt_write},
                          {"ckpt_read_header", f_ckpt_read_header},
                          {"ckpt_read_blob", f_ckpt_read_blob},
                          {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
