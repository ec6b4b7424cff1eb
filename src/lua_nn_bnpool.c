/* lua_nn_bnpool.c - the C module 'iddl.bnpool_core': batch norm and pooling
 * kernels for lua/iddl/nn/batchnorm.lua and lua/iddl/nn/pooling.lua.
 *
 * As in iddl.nn_core, result buffers come first (resized here only when the
 * shape changes), then inputs, then settings; non-contiguous inputs are
 * copied. Every shape is checked here, so no kernel sees a bad one; errors
 * name the shapes involved.
 */
#include <string.h>

#include "lua_nn.h"
#include "lua_nn_bnpool.h"
#include "lua_tensor.h"
#include "nn_batchnorm.h"
#include "nn_pool.h"

#define SHAPE(t) iddl_shape_str((t), (char[128]){0}, 128)
#define MAX_PLANE (1 << 24) /* max pooling positions are exact floats */

/* --- batch norm ------------------------------------------------------------ */

/* The (C) tensor at idx (nil allowed when optional): it must be 1-D with C
 * elements, and contiguous (running statistics are updated in place).
 * Returns its data or NULL for nil. */
static float *channel_arg(lua_State *L, int idx, const char *name,
                          const iddl_tensor *x, int optional) {
  if (optional && lua_isnoneornil(L, idx)) return NULL;
  iddl_tensor *t = iddl_lua_check(L, idx);
  if (t->ndim != 1 || t->size[0] != x->size[1])
    luaL_error(L, "batch norm: input of shape %s has %d channels, but %s has "
               "shape %s", SHAPE(x), (int)x->size[1], name, SHAPE(t));
  if (!iddl_is_contiguous(t))
    luaL_error(L, "batch norm: %s must be contiguous", name);
  return iddl_data(t);
}

/* N, C and S of x (..., C, rest) for the kernels; x must have 2+ dims. */
static void bn_dims(lua_State *L, const iddl_tensor *x, int64_t *N, int64_t *C,
                    int64_t *S) {
  if (x->ndim < 2)
    luaL_error(L, "batch norm: expected an input (N, C, ...), got shape %s",
               SHAPE(x));
  *N = x->size[0];
  *C = x->size[1];
  *S = 1;
  for (int d = 2; d < x->ndim; d++) *S *= x->size[d];
}

/* batchnorm_forward(y, save_mean, save_invstd, x, weight|nil, bias|nil,
 *   running_mean|nil, running_var|nil, batch_stats, momentum, eps [, relu])
 *   -> y (max(y, 0) with relu: a ReLU fused in) */
static int f_batchnorm_forward(lua_State *L) {
  iddl_tensor *y = iddl_lua_check(L, 1), *sm = iddl_lua_check(L, 2),
              *si = iddl_lua_check(L, 3);
  const iddl_tensor *x = iddl_lua_contig(L, 4);
  int64_t N, C, S;
  bn_dims(L, x, &N, &C, &S);
  const float *w = channel_arg(L, 5, "weight", x, 1),
              *b = channel_arg(L, 6, "bias", x, 1);
  float *rm = channel_arg(L, 7, "running_mean", x, 1),
        *rv = channel_arg(L, 8, "running_var", x, 1);
  int batch_stats = lua_toboolean(L, 9);
  double momentum = luaL_checknumber(L, 10), eps = luaL_checknumber(L, 11);
  int relu = lua_toboolean(L, 12);
  if (batch_stats && N * S < 2 && iddl_numel(x) > 0)
    return luaL_error(L, "batch norm: Expected more than 1 value per channel "
                      "when training, got input of shape %s", SHAPE(x));
  if (!batch_stats && (!rm || !rv))
    return luaL_error(L, "batch norm: evaluation needs running_mean and "
                      "running_var");
  iddl_lua_resize(L, y, x->ndim, x->size);
  iddl_lua_resize(L, sm, 1, &C);
  iddl_lua_resize(L, si, 1, &C);
  if (iddl_numel(x) > 0) { /* PyTorch: an empty batch changes nothing */
    iddl_err err;
    if (iddl_batchnorm_forward(iddl_data(y), iddl_data(sm), iddl_data(si), rm,
                               rv, iddl_data(x), w, b, N, C, S, batch_stats,
                               momentum, eps, relu, &err))
      iddl_lua_raise(L, &err);
  }
  lua_settop(L, 1);
  return 1;
}

/* batchnorm_backward(grad_in|nil, grad_weight|nil, grad_bias|nil, grad_out,
 *   x, save_mean, save_invstd, weight|nil, batch_stats, scale [, relu_out])
 *   -> grad_in: the buffers given are written (grad_in) or accumulated
 * into; relu_out: the output of a forward with relu (its zeros mask
 * grad_out). */
static int f_batchnorm_backward(lua_State *L) {
  iddl_tensor *gi = lua_isnoneornil(L, 1) ? NULL : iddl_lua_check(L, 1);
  const iddl_tensor *g = iddl_lua_contig(L, 4), *x = iddl_lua_contig(L, 5);
  int64_t N, C, S;
  bn_dims(L, x, &N, &C, &S);
  if (!iddl_same_shape(g, x))
    return luaL_error(L, "batch norm: gradOutput of shape %s does not match "
                      "input of shape %s", SHAPE(g), SHAPE(x));
  float *gw = channel_arg(L, 2, "gradWeight", x, 1),
        *gb = channel_arg(L, 3, "gradBias", x, 1);
  const float *sm = channel_arg(L, 6, "save_mean", x, 0),
              *si = channel_arg(L, 7, "save_invstd", x, 0),
              *w = channel_arg(L, 8, "weight", x, 1);
  int batch_stats = lua_toboolean(L, 9);
  float scale = (float)luaL_optnumber(L, 10, 1.0);
  const iddl_tensor *ro = lua_isnoneornil(L, 11) ? NULL : iddl_lua_contig(L, 11);
  if (ro && !iddl_same_shape(ro, x))
    return luaL_error(L, "batch norm: the fused ReLU's output of shape %s does "
                      "not match input of shape %s", SHAPE(ro), SHAPE(x));
  if (gi) iddl_lua_resize(L, gi, x->ndim, x->size);
  if (iddl_numel(x) > 0)
    iddl_batchnorm_backward(gi ? iddl_data(gi) : NULL, gw, gb, iddl_data(g),
                            iddl_data(x), ro ? iddl_data(ro) : NULL, sm, si, w,
                            N, C, S, batch_stats, scale);
  lua_settop(L, 1);
  return 1;
}

/* --- pooling --------------------------------------------------------------- */

/* Reads field `name` of the table at idx, a list {h, w}, into v[0], v[1];
 * a missing field gives dflt for both. */
static void pair_field(lua_State *L, int idx, const char *name, int64_t dflt,
                       int64_t v[2]) {
  lua_getfield(L, idx, name);
  if (lua_isnil(L, -1)) {
    v[0] = v[1] = dflt;
  } else {
    luaL_argcheck(L, lua_istable(L, -1), idx, "pooling settings: a {h, w} pair expected");
    for (int i = 0; i < 2; i++) {
      lua_rawgeti(L, -1 - i, i + 1);
      int ok;
      v[i] = lua_tointegerx(L, -1, &ok);
      if (!ok) luaL_error(L, "pooling settings: %s must be a pair of integers", name);
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
}

/* The window settings in the table at idx: kernel_size, stride, padding,
 * dilation ({h, w} pairs; padding 0 and dilation 1 when absent), ceil_mode
 * and count_include_pad (booleans). */
static iddl_pool2d pool_cfg(lua_State *L, int idx) {
  luaL_checktype(L, idx, LUA_TTABLE);
  int64_t k[2], s[2], p[2], d[2];
  pair_field(L, idx, "kernel_size", 0, k);
  pair_field(L, idx, "stride", 0, s);
  pair_field(L, idx, "padding", 0, p);
  pair_field(L, idx, "dilation", 1, d);
  lua_getfield(L, idx, "ceil_mode");
  lua_getfield(L, idx, "count_include_pad");
  iddl_pool2d cfg = {k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1],
                     lua_toboolean(L, -2), lua_toboolean(L, -1)};
  lua_pop(L, 2);
  return cfg;
}

/* Checks that x is (C, H, W) or (N, C, H, W) with non-empty C, H, W; sets
 * the plane count P and H, W. `what` names the operation. */
static void pool_input(lua_State *L, const char *what, const iddl_tensor *x,
                       int64_t *P, int64_t *H, int64_t *W) {
  int ok = x->ndim == 3 || x->ndim == 4;
  for (int d = x->ndim - 3; ok && d < x->ndim; d++) ok = x->size[d] > 0;
  if (!ok)
    luaL_error(L, "%s: expected an input (N, C, H, W) or (C, H, W) with "
               "non-zero C, H, W, got shape %s", what, SHAPE(x));
  *H = x->size[x->ndim - 2];
  *W = x->size[x->ndim - 1];
  *P = iddl_numel(x) / (*H * *W);
}

/* x's shape with the last two sizes oh, ow, into size; raises when that
 * many elements could not even be counted (2^52 and more). */
static void pool_out_shape(lua_State *L, const iddl_tensor *x, int64_t oh,
                           int64_t ow, int64_t *size) {
  memcpy(size, x->size, sizeof(int64_t) * (size_t)x->ndim);
  size[x->ndim - 2] = oh;
  size[x->ndim - 1] = ow;
  double n = 1.0;
  for (int d = 0; d < x->ndim; d++) n *= (double)size[d];
  if (n >= 0x1p52)
    luaL_error(L, "pooling: an output of shape %s is too large",
               iddl_sizes_str(x->ndim, size, (char[128]){0}, 128));
}

/* The output size of x under cfg (raising PyTorch's errors). */
static void pool_window_out(lua_State *L, const char *what,
                            const iddl_pool2d *cfg, const iddl_tensor *x,
                            int64_t H, int64_t W, int64_t *oh, int64_t *ow) {
  iddl_err err;
  if (iddl_pool2d_out_size(cfg, H, W, oh, ow, &err))
    luaL_error(L, "%s: input of shape %s: %s", what, SHAPE(x), err.msg);
}

/* Raises unless g has x's shape with the last two sizes oh, ow. */
static void check_pool_grad(lua_State *L, const char *what,
                            const iddl_tensor *x, const iddl_tensor *g,
                            int64_t oh, int64_t ow) {
  int64_t size[IDDL_MAX_DIMS];
  pool_out_shape(L, x, oh, ow, size);
  int ok = g->ndim == x->ndim;
  for (int d = 0; ok && d < x->ndim; d++) ok = g->size[d] == size[d];
  if (!ok)
    luaL_error(L, "%s: gradOutput of shape %s does not fit input of shape %s "
               "(expected %s)", what, SHAPE(g), SHAPE(x),
               iddl_sizes_str(x->ndim, size, (char[128]){0}, 128));
}

/* pool2d_out_size(cfg, H, W) -> OH, OW (the flops of the pooling modules). */
static int f_pool2d_out_size(lua_State *L) {
  iddl_pool2d cfg = pool_cfg(L, 1);
  int64_t H = luaL_checkinteger(L, 2), W = luaL_checkinteger(L, 3), oh, ow;
  iddl_err err;
  if (iddl_pool2d_out_size(&cfg, H, W, &oh, &ow, &err))
    return luaL_error(L, "input plane %dx%d: %s", (int)H, (int)W, err.msg);
  lua_pushinteger(L, oh);
  lua_pushinteger(L, ow);
  return 2;
}

/* maxpool2d_forward(y, indices, x, cfg) -> y */
static int f_maxpool2d_forward(lua_State *L) {
  iddl_tensor *y = iddl_lua_check(L, 1), *idx = iddl_lua_check(L, 2);
  const iddl_tensor *x = iddl_lua_contig(L, 3);
  iddl_pool2d cfg = pool_cfg(L, 4);
  int64_t P, H, W, oh, ow, size[IDDL_MAX_DIMS];
  pool_input(L, "MaxPool2d", x, &P, &H, &W);
  pool_window_out(L, "MaxPool2d", &cfg, x, H, W, &oh, &ow);
  if ((H + 2 * cfg.ph) * (W + 2 * cfg.pw) > MAX_PLANE)
    return luaL_error(L, "MaxPool2d: input of shape %s: padded planes over "
                      "2^24 elements are not supported", SHAPE(x));
  pool_out_shape(L, x, oh, ow, size);
  iddl_lua_resize(L, y, x->ndim, size);
  iddl_lua_resize(L, idx, x->ndim, size);
  iddl_maxpool2d_forward(iddl_data(y), iddl_data(idx), iddl_data(x), P, H, W,
                         oh, ow, &cfg);
  lua_settop(L, 1);
  return 1;
}

/* maxpool2d_backward(grad_in, x, grad_out, indices, cfg) -> grad_in */
static int f_maxpool2d_backward(lua_State *L) {
  iddl_tensor *gi = iddl_lua_check(L, 1);
  const iddl_tensor *x = iddl_lua_contig(L, 2), *g = iddl_lua_contig(L, 3),
                    *idx = iddl_lua_contig(L, 4);
  iddl_pool2d cfg = pool_cfg(L, 5);
  int64_t P, H, W, oh, ow;
  pool_input(L, "MaxPool2d", x, &P, &H, &W);
  pool_window_out(L, "MaxPool2d", &cfg, x, H, W, &oh, &ow);
  check_pool_grad(L, "MaxPool2d", x, g, oh, ow);
  if (!iddl_same_shape(idx, g))
    return luaL_error(L, "MaxPool2d: indices of shape %s do not match "
                      "gradOutput of shape %s (call forward first)", SHAPE(idx),
                      SHAPE(g));
  iddl_lua_resize(L, gi, x->ndim, x->size);
  iddl_maxpool2d_backward(iddl_data(gi), iddl_data(g), iddl_data(idx), P, H, W,
                          oh, ow);
  lua_settop(L, 1);
  return 1;
}

/* avgpool2d_forward(y, x, cfg) -> y */
static int f_avgpool2d_forward(lua_State *L) {
  iddl_tensor *y = iddl_lua_check(L, 1);
  const iddl_tensor *x = iddl_lua_contig(L, 2);
  iddl_pool2d cfg = pool_cfg(L, 3);
  cfg.dh = cfg.dw = 1;
  int64_t P, H, W, oh, ow, size[IDDL_MAX_DIMS];
  pool_input(L, "AvgPool2d", x, &P, &H, &W);
  pool_window_out(L, "AvgPool2d", &cfg, x, H, W, &oh, &ow);
  pool_out_shape(L, x, oh, ow, size);
  iddl_lua_resize(L, y, x->ndim, size);
  iddl_avgpool2d_forward(iddl_data(y), iddl_data(x), P, H, W, oh, ow, &cfg);
  lua_settop(L, 1);
  return 1;
}

/* avgpool2d_backward(grad_in, x, grad_out, cfg) -> grad_in */
static int f_avgpool2d_backward(lua_State *L) {
  iddl_tensor *gi = iddl_lua_check(L, 1);
  const iddl_tensor *x = iddl_lua_contig(L, 2), *g = iddl_lua_contig(L, 3);
  iddl_pool2d cfg = pool_cfg(L, 4);
  cfg.dh = cfg.dw = 1;
  int64_t P, H, W, oh, ow;
  pool_input(L, "AvgPool2d", x, &P, &H, &W);
  pool_window_out(L, "AvgPool2d", &cfg, x, H, W, &oh, &ow);
  check_pool_grad(L, "AvgPool2d", x, g, oh, ow);
  iddl_lua_resize(L, gi, x->ndim, x->size);
  iddl_avgpool2d_backward(iddl_data(gi), iddl_data(g), P, H, W, oh, ow, &cfg);
  lua_settop(L, 1);
  return 1;
}

/* The output size (OH, OW) at args idx, idx+1: positive integers. */
static void adaptive_size(lua_State *L, int idx, int64_t *oh, int64_t *ow) {
  *oh = luaL_checkinteger(L, idx);
  *ow = luaL_checkinteger(L, idx + 1);
  if (*oh < 1 || *ow < 1)
    luaL_error(L, "AdaptiveAvgPool2d: output size must be positive, got "
               "%dx%d", (int)*oh, (int)*ow);
}

/* adaptive_avgpool2d_forward(y, x, OH, OW) -> y */
static int f_adaptive_forward(lua_State *L) {
  iddl_tensor *y = iddl_lua_check(L, 1);
  const iddl_tensor *x = iddl_lua_contig(L, 2);
  int64_t P, H, W, oh, ow, size[IDDL_MAX_DIMS];
  pool_input(L, "AdaptiveAvgPool2d", x, &P, &H, &W);
  adaptive_size(L, 3, &oh, &ow);
  pool_out_shape(L, x, oh, ow, size);
  iddl_lua_resize(L, y, x->ndim, size);
  iddl_adaptive_avgpool2d_forward(iddl_data(y), iddl_data(x), P, H, W, oh, ow);
  lua_settop(L, 1);
  return 1;
}

/* adaptive_avgpool2d_backward(grad_in, x, grad_out, OH, OW) -> grad_in */
static int f_adaptive_backward(lua_State *L) {
  iddl_tensor *gi = iddl_lua_check(L, 1);
  const iddl_tensor *x = iddl_lua_contig(L, 2), *g = iddl_lua_contig(L, 3);
  int64_t P, H, W, oh, ow;
  pool_input(L, "AdaptiveAvgPool2d", x, &P, &H, &W);
  adaptive_size(L, 4, &oh, &ow);
  check_pool_grad(L, "AdaptiveAvgPool2d", x, g, oh, ow);
  iddl_lua_resize(L, gi, x->ndim, x->size);
  iddl_adaptive_avgpool2d_backward(iddl_data(gi), iddl_data(g), P, H, W, oh,
                                   ow);
  lua_settop(L, 1);
  return 1;
}

int luaopen_iddl_bnpool_core(lua_State *L) {
  const luaL_Reg fns[] = {
      {"batchnorm_forward", f_batchnorm_forward},
      {"batchnorm_backward", f_batchnorm_backward},
      {"pool2d_out_size", f_pool2d_out_size},
      {"maxpool2d_forward", f_maxpool2d_forward},
      {"maxpool2d_backward", f_maxpool2d_backward},
      {"avgpool2d_forward", f_avgpool2d_forward},
      {"avgpool2d_backward", f_avgpool2d_backward},
      {"adaptive_avgpool2d_forward", f_adaptive_forward},
      {"adaptive_avgpool2d_backward", f_adaptive_backward},
      {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
