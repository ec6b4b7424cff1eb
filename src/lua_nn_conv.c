/* lua_nn_conv.c - the C module 'iddl.conv_core': convolution kernels for
 * lua/iddl/nn/conv.lua.
 *
 *   conv2d_forward(out, work, x, weight, bias | nil, geom) -> out
 *   conv2d_backward(gin | nil, gweight | nil, gbias | nil, work, x, gout,
 *                   weight, scale, geom) -> gin | nil
 *
 * geom is the argument list sh, sw, ph, pw, dh, dw, groups [, threading
 * ('auto' | 'batch' | 'gemm'), chunk (images per product), tile (output
 * rows per product of one image), algorithm ('auto' | 'im2col' |
 * 'winograd'); 0 or nil = automatic].
 * x is (N, C, H, W), or (C, H, W) for one image (then out, gout and gin are
 * 3-D too); weight (O, C/groups, kh, kw). out and gin are resized here; work
 * is a scratch tensor resized to what the kernels need (share one between
 * modules). Shape errors name every shape involved.
 */
#include "lua_module.h"
#include "lua_nn.h"
#include "lua_tensor.h"
#include "nn_conv.h"

#define SHAPE(t) iddl_shape_str((t), (char[128]){0}, 128)

static const char *const threadings[] = {"auto", "batch", "gemm", NULL};
static const char *const algorithms[] = {"auto", "im2col", "winograd", NULL};

/* Reads x and weight (already contiguous) and the geometry arguments from
 * index `first` into s, checks them and makes the plan. */
static void conv_args(lua_State *L, const iddl_tensor *x, const iddl_tensor *w,
                      int first, iddl_conv2d *s) {
  if (w->ndim != 4)
    luaL_error(L, "conv2d: weight must be 4-D (out, in/groups, kh, kw), got "
               "shape %s", SHAPE(w));
  lua_Integer v[7];
  for (int i = 0; i < 7; i++) v[i] = luaL_checkinteger(L, first + i);
  int64_t groups = v[6];
  if (groups < 1) luaL_error(L, "conv2d: groups must be positive, got %d", (int)groups);
  int batched = x->ndim == 4;
  if ((x->ndim != 3 && x->ndim != 4) ||
      x->size[x->ndim - 3] != w->size[1] * groups)
    luaL_error(L, "conv2d: input of shape %s does not fit weight of shape %s "
               "with groups %d (expected (N, %d, H, W) or (%d, H, W))",
               SHAPE(x), SHAPE(w), (int)groups, (int)(w->size[1] * groups),
               (int)(w->size[1] * groups));
  *s = (iddl_conv2d){
      .g = {.C = x->size[batched], .H = x->size[batched + 1],
            .W = x->size[batched + 2], .kh = w->size[2], .kw = w->size[3],
            .sh = v[0], .sw = v[1], .ph = v[2], .pw = v[3], .dh = v[4],
            .dw = v[5]},
      .N = batched ? x->size[0] : 1, .O = w->size[0], .groups = v[6],
      .threading = (iddl_conv_threading)luaL_checkoption(L, first + 7, "auto",
                                                         threadings),
      .chunk = luaL_optinteger(L, first + 8, 0),
      .tile = luaL_optinteger(L, first + 9, 0),
      .algorithm = (iddl_conv_algorithm)luaL_checkoption(L, first + 10, "auto",
                                                         algorithms)};
  iddl_err err;
  if (iddl_conv2d_init(s, &err))
    luaL_error(L, "%s (input of shape %s, weight of shape %s)", err.msg,
               SHAPE(x), SHAPE(w));
}

/* The output shape (x's rank) of s into size; returns the rank. */
static int out_shape(const iddl_tensor *x, const iddl_conv2d *s,
                     int64_t *size) {
  int n = 0;
  if (x->ndim == 4) size[n++] = s->N;
  size[n++] = s->O;
  size[n++] = s->g.Ho;
  size[n++] = s->g.Wo;
  return n;
}

/* Resizes the scratch tensor at idx to the plan's workspace; returns it. */
static float *workspace(lua_State *L, int idx, const iddl_conv2d *s) {
  iddl_tensor *work = iddl_lua_check(L, idx);
  int64_t n = iddl_conv2d_workspace(s);
  iddl_lua_resize(L, work, 1, &n);
  return iddl_data(work);
}

/* A tensor argument that must be contiguous with the given shape. */
static float *param_grad(lua_State *L, int idx, const char *what,
                         int ndim, const int64_t *size) {
  if (lua_isnoneornil(L, idx)) return NULL;
  iddl_tensor *t = iddl_lua_check(L, idx);
  int ok = t->ndim == ndim && iddl_is_contiguous(t);
  for (int i = 0; ok && i < ndim; i++) ok = t->size[i] == size[i];
  if (!ok)
    luaL_error(L, "conv2d: %s of shape %s must be contiguous of shape %s",
               what, SHAPE(t), iddl_sizes_str(ndim, size, (char[128]){0}, 128));
  return iddl_data(t);
}

/* conv2d_forward(out, work, x, weight, bias | nil, geom...) -> out */
static int f_conv2d_forward(lua_State *L) {
  iddl_tensor *out = iddl_lua_check(L, 1);
  const iddl_tensor *x = iddl_lua_contig(L, 3), *w = iddl_lua_contig(L, 4);
  iddl_conv2d s;
  conv_args(L, x, w, 6, &s);
  const float *bias = NULL;
  if (!lua_isnoneornil(L, 5)) {
    const iddl_tensor *b = iddl_lua_contig(L, 5);
    if (b->ndim != 1 || b->size[0] != s.O)
      luaL_error(L, "conv2d: bias of shape %s does not fit weight of shape %s",
                 SHAPE(b), SHAPE(w));
    bias = iddl_data(b);
  }
  float *work = workspace(L, 2, &s);
  int64_t size[4];
  int nd = out_shape(x, &s, size);
  iddl_lua_resize(L, out, nd, size);
  iddl_err err;
  if (iddl_conv2d_forward(&s, iddl_data(out), iddl_data(x), iddl_data(w), bias,
                          work, &err))
    iddl_lua_raise(L, &err);
  lua_settop(L, 1);
  return 1;
}

/* conv2d_backward(gin | nil, gweight | nil, gbias | nil, work, x, gout,
 * weight, scale, geom...) -> gin | nil */
static int f_conv2d_backward(lua_State *L) {
  iddl_tensor *gin = lua_isnoneornil(L, 1) ? NULL : iddl_lua_check(L, 1);
  const iddl_tensor *x = iddl_lua_contig(L, 5), *gout = iddl_lua_contig(L, 6),
                    *w = iddl_lua_contig(L, 7);
  float scale = (float)luaL_checknumber(L, 8);
  iddl_conv2d s;
  conv_args(L, x, w, 9, &s);
  int64_t size[4];
  int nd = out_shape(x, &s, size);
  int ok = gout->ndim == nd;
  for (int i = 0; ok && i < nd; i++) ok = gout->size[i] == size[i];
  if (!ok)
    luaL_error(L, "conv2d: gradOutput of shape %s does not fit the output "
               "shape %s (input of shape %s, weight of shape %s)", SHAPE(gout),
               iddl_sizes_str(nd, size, (char[128]){0}, 128), SHAPE(x),
               SHAPE(w));
  float *gw = param_grad(L, 2, "gradWeight", 4, w->size);
  float *gb = param_grad(L, 3, "gradBias", 1, &s.O);
  float *work = workspace(L, 4, &s);
  if (gin) iddl_lua_resize(L, gin, x->ndim, x->size);
  iddl_err err;
  if (iddl_conv2d_backward(&s, gin ? iddl_data(gin) : NULL, gw, gb,
                           iddl_data(gout), iddl_data(x), iddl_data(w), scale,
                           work, &err))
    iddl_lua_raise(L, &err);
  lua_settop(L, 1);
  return 1;
}

int luaopen_iddl_conv_core(lua_State *L) {
  const luaL_Reg fns[] = {{"conv2d_forward", f_conv2d_forward},
                          {"conv2d_backward", f_conv2d_backward},
                          {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
