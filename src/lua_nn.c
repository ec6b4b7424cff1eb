/* lua_nn.c - the C module 'iddl.nn_core': layer kernels for lua/iddl/nn.
 *
 * Every function takes its result buffers first (resized here only when the
 * shape changes), then the inputs, then scalars, and returns the first
 * buffer. Shape errors name every shape involved.
 */
#include <string.h>

#include "lua_nn.h"
#include "lua_tensor.h"
#include "nn_activation.h"
#include "nn_dropout.h"
#include "nn_linear.h"
#include "nn_softmax.h"

#define SHAPE(t) iddl_shape_str((t), (char[128]){0}, 128)

/* --- linear ---------------------------------------------------------------- */

/* Checks weight (O, I), bias (O) or nil at bias_idx, and x (..., I); returns
 * the number of rows of x. */
static int64_t linear_check(lua_State *L, const iddl_tensor *x,
                            const iddl_tensor *w, int bias_idx) {
  if (w->ndim != 2)
    luaL_error(L, "linear: weight must be 2-D (out, in), got shape %s",
               SHAPE(w));
  if (x->ndim < 1 || x->size[x->ndim - 1] != w->size[1])
    luaL_error(L, "linear: input of shape %s does not fit weight of shape %s "
               "(expected (..., %d))", SHAPE(x), SHAPE(w), (int)w->size[1]);
  if (bias_idx && !lua_isnoneornil(L, bias_idx)) {
    iddl_tensor *b = iddl_lua_check(L, bias_idx);
    if (b->ndim != 1 || b->size[0] != w->size[0])
      luaL_error(L, "linear: bias of shape %s does not fit weight of shape %s",
                 SHAPE(b), SHAPE(w));
  }
  return w->size[1] ? iddl_numel(x) / w->size[1] : 0;
}

/* A (1-D) bias argument, or NULL for nil; contiguous (copied if needed). */
static const float *opt_data(lua_State *L, int idx) {
  return lua_isnoneornil(L, idx) ? NULL : iddl_data(iddl_lua_contig(L, idx));
}

/* linear_forward(out, x (..., I), weight (O, I), bias (O) | nil) -> out */
static int f_linear_forward(lua_State *L) {
  iddl_tensor *out = iddl_lua_check(L, 1);
  const iddl_tensor *x = iddl_lua_contig(L, 2), *w = iddl_lua_contig(L, 3);
  int64_t rows = linear_check(L, x, w, 4);
  int64_t size[IDDL_MAX_DIMS];
  memcpy(size, x->size, sizeof size);
  size[x->ndim - 1] = w->size[0];
  iddl_lua_resize(L, out, x->ndim, size);
  iddl_err err;
  if (iddl_linear_forward(iddl_data(out), iddl_data(x), iddl_data(w),
                          opt_data(L, 4), rows, w->size[1], w->size[0], &err))
    iddl_lua_raise(L, &err);
  lua_settop(L, 1);
  return 1;
}

/* Checks that gout has x's shape with the last size O. */
static void check_grad_out(lua_State *L, const iddl_tensor *x,
                           const iddl_tensor *gout, int64_t O) {
  int ok = gout->ndim == x->ndim && gout->size[gout->ndim - 1] == O;
  for (int i = 0; ok && i < x->ndim - 1; i++) ok = gout->size[i] == x->size[i];
  if (!ok)
    luaL_error(L, "linear: gradOutput of shape %s does not fit input of shape "
               "%s and %d outputs", SHAPE(gout), SHAPE(x), (int)O);
}

/* linear_backward_input(gin, x, gout, weight) -> gin (x's shape) */
static int f_linear_backward_input(lua_State *L) {
  iddl_tensor *gin = iddl_lua_check(L, 1);
  const iddl_tensor *x = iddl_lua_contig(L, 2), *g = iddl_lua_contig(L, 3),
                    *w = iddl_lua_contig(L, 4);
  int64_t rows = linear_check(L, x, w, 0);
  check_grad_out(L, x, g, w->size[0]);
  iddl_lua_resize(L, gin, x->ndim, x->size);
  iddl_err err;
  if (iddl_linear_backward_input(iddl_data(gin), iddl_data(g), iddl_data(w),
                                 rows, w->size[1], w->size[0], &err))
    iddl_lua_raise(L, &err);
  lua_settop(L, 1);
  return 1;
}

/* linear_backward_params(gweight, gbias | nil, x, gout [, scale]): adds the
 * parameter gradients; both must have the parameters' shapes. */
static int f_linear_backward_params(lua_State *L) {
  iddl_tensor *gw = iddl_lua_check(L, 1);
  iddl_tensor *gb = lua_isnoneornil(L, 2) ? NULL : iddl_lua_check(L, 2);
  const iddl_tensor *x = iddl_lua_contig(L, 3), *g = iddl_lua_contig(L, 4);
  float scale = (float)luaL_optnumber(L, 5, 1.0);
  if (!iddl_is_contiguous(gw) || (gb && !iddl_is_contiguous(gb)))
    return luaL_error(L, "linear: parameter gradients must be contiguous");
  int64_t rows = linear_check(L, x, gw, 2);
  check_grad_out(L, x, g, gw->size[0]);
  iddl_err err;
  if (iddl_linear_backward_params(iddl_data(gw), gb ? iddl_data(gb) : NULL,
                                  iddl_data(g), iddl_data(x), rows,
                                  gw->size[1], gw->size[0], scale, &err))
    iddl_lua_raise(L, &err);
  return 0;
}

/* --- element-wise activations -------------------------------------------- */

/* Raises unless a and b have the same shape; `what` names the operation. */
static void same_shape(lua_State *L, const char *what, const char *na,
                       const iddl_tensor *a, const char *nb,
                       const iddl_tensor *b) {
  if (!iddl_same_shape(a, b))
    luaL_error(L, "%s: %s of shape %s and %s of shape %s differ", what, na,
               SHAPE(a), nb, SHAPE(b));
}

/* <act>_forward(out, x [, slope]) -> out; the kind is upvalue 1. */
static int f_act_forward(lua_State *L) {
  iddl_act kind = (iddl_act)lua_tointeger(L, lua_upvalueindex(1));
  iddl_tensor *out = iddl_lua_check(L, 1);
  const iddl_tensor *x = iddl_lua_contig(L, 2);
  float slope = (float)luaL_optnumber(L, 3, 0.01);
  iddl_lua_resize(L, out, x->ndim, x->size);
  iddl_act_forward(kind, iddl_data(out), iddl_data(x), iddl_numel(x), slope);
  lua_settop(L, 1);
  return 1;
}

/* <act>_backward(gin, x, out, gout [, slope]) -> gin */
static int f_act_backward(lua_State *L) {
  iddl_act kind = (iddl_act)lua_tointeger(L, lua_upvalueindex(1));
  iddl_tensor *gin = iddl_lua_check(L, 1);
  const iddl_tensor *x = iddl_lua_contig(L, 2), *y = iddl_lua_contig(L, 3),
                    *g = iddl_lua_contig(L, 4);
  float slope = (float)luaL_optnumber(L, 5, 0.01);
  same_shape(L, "activation backward", "gradOutput", g, "input", x);
  same_shape(L, "activation backward", "output", y, "input", x);
  iddl_lua_resize(L, gin, x->ndim, x->size);
  iddl_act_backward(kind, iddl_data(gin), iddl_data(x), iddl_data(y),
                    iddl_data(g), iddl_numel(x), slope);
  lua_settop(L, 1);
  return 1;
}

/* --- softmax over the last dimension ------------------------------------- */

/* softmax_forward(out, x, log) -> out */
static int f_softmax_forward(lua_State *L) {
  iddl_tensor *out = iddl_lua_check(L, 1);
  const iddl_tensor *x = iddl_lua_contig(L, 2);
  int log = lua_toboolean(L, 3);
  int64_t cols = x->ndim ? x->size[x->ndim - 1] : 1;
  iddl_lua_resize(L, out, x->ndim, x->size);
  iddl_softmax_forward(iddl_data(out), iddl_data(x),
                       cols ? iddl_numel(x) / cols : 0, cols, log);
  lua_settop(L, 1);
  return 1;
}

/* softmax_backward(gin, out, gout, log) -> gin */
static int f_softmax_backward(lua_State *L) {
  iddl_tensor *gin = iddl_lua_check(L, 1);
  const iddl_tensor *y = iddl_lua_contig(L, 2), *g = iddl_lua_contig(L, 3);
  int log = lua_toboolean(L, 4);
  same_shape(L, "softmax backward", "gradOutput", g, "output", y);
  int64_t cols = y->ndim ? y->size[y->ndim - 1] : 1;
  iddl_lua_resize(L, gin, y->ndim, y->size);
  iddl_softmax_backward(iddl_data(gin), iddl_data(y), iddl_data(g),
                        cols ? iddl_numel(y) / cols : 0, cols, log);
  lua_settop(L, 1);
  return 1;
}

/* --- dropout -------------------------------------------------------------- */

/* dropout_forward(out, mask, x, p) -> out; draws from the iddl generator. */
static int f_dropout_forward(lua_State *L) {
  iddl_tensor *out = iddl_lua_check(L, 1), *mask = iddl_lua_check(L, 2);
  const iddl_tensor *x = iddl_lua_contig(L, 3);
  double p = luaL_checknumber(L, 4);
  iddl_lua_resize(L, out, x->ndim, x->size);
  iddl_lua_resize(L, mask, x->ndim, x->size);
  iddl_err err;
  if (iddl_dropout_forward(iddl_data(out), iddl_data(mask), iddl_data(x),
                           iddl_numel(x), p, iddl_lua_rng(L), &err))
    iddl_lua_raise(L, &err);
  lua_settop(L, 1);
  return 1;
}

/* dropout_backward(gin, gout, mask) -> gin */
static int f_dropout_backward(lua_State *L) {
  iddl_tensor *gin = iddl_lua_check(L, 1);
  const iddl_tensor *g = iddl_lua_contig(L, 2), *m = iddl_lua_contig(L, 3);
  same_shape(L, "dropout backward", "gradOutput", g, "mask", m);
  iddl_lua_resize(L, gin, g->ndim, g->size);
  iddl_dropout_backward(iddl_data(gin), iddl_data(g), iddl_data(m),
                        iddl_numel(g));
  lua_settop(L, 1);
  return 1;
}

/* --- views kept in buffers ----------------------------------------------- */

/* narrow_into(dst, src, dim, start, length) -> dst: dst becomes the view
 * src:narrow(dim, start, length) (1-based dim and start). */
static int f_narrow_into(lua_State *L) {
  iddl_tensor *dst = iddl_lua_check(L, 1), *src = iddl_lua_check(L, 2);
  int d = iddl_lua_checkdim(L, 3, src, 0);
  lua_Integer start = luaL_checkinteger(L, 4), len = luaL_checkinteger(L, 5);
  iddl_err err;
  iddl_tensor view;
  if (iddl_narrow(&view, src, d, start - 1, len, &err)) iddl_lua_raise(L, &err);
  iddl_tensor_release(dst);
  *dst = view;
  lua_settop(L, 1);
  return 1;
}

int luaopen_iddl_nn_core(lua_State *L) {
  iddl_lua_tensor_resize_methods(L);
  const luaL_Reg fns[] = {
      {"linear_forward", f_linear_forward},
      {"linear_backward_input", f_linear_backward_input},
      {"linear_backward_params", f_linear_backward_params},
      {"softmax_forward", f_softmax_forward},
      {"softmax_backward", f_softmax_backward},
      {"dropout_forward", f_dropout_forward},
      {"dropout_backward", f_dropout_backward},
      {"narrow_into", f_narrow_into},
      {NULL, NULL}};
  luaL_newlib(L, fns);
  static const struct { const char *name; iddl_act kind; } acts[] = {
      {"relu", IDDL_ACT_RELU}, {"leaky_relu", IDDL_ACT_LEAKY_RELU},
      {"tanh", IDDL_ACT_TANH}, {"sigmoid", IDDL_ACT_SIGMOID}};
  for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
    lua_pushfstring(L, "%s_forward", acts[i].name);
    lua_pushinteger(L, acts[i].kind);
    lua_pushcclosure(L, f_act_forward, 1);
    lua_settable(L, -3);
    lua_pushfstring(L, "%s_backward", acts[i].name);
    lua_pushinteger(L, acts[i].kind);
    lua_pushcclosure(L, f_act_backward, 1);
    lua_settable(L, -3);
  }
  iddl_lua_nn_loss_functions(L);
  return 1;
}
