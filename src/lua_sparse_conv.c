/* lua_sparse_conv.c - the C module 'iddl.sparse_conv_core': the kernels of
 * nn_sparse_conv.h on tensors, for lua/iddl/nn/sparse_conv.lua.
 *
 *   forward(p, out, work, x, w, bias | nil, geom...) -> out
 *   backward(p, gin | nil, gw | nil, gb | nil, work, x, gout, w, scale,
 *            geom...) -> gin | nil
 *
 * p is a SparsePattern (iddl.sparse_core) over all input channels, (O, C);
 * w the packed weight, nnz*kh*kw values; geom is kh, kw, sh, sw, ph, pw,
 * dh, dw [, chunk (images per product, 0 = automatic)]. x is (N, C, H, W),
 * or (C, H, W) for one image (out, gout and gin are then 3-D too). out and
 * gin are resized here; work is a scratch tensor resized to what the
 * kernels need (share one between modules). Shape errors name every shape
 * involved.
 */
#include <lauxlib.h>

#include "lua_nn.h"
#include "lua_sparse_conv.h"
#include "lua_tensor.h"
#include "nn_sparse_conv.h"

#define SHAPE(t) iddl_shape_str((t), (char[128]){0}, 128)

/* Reads the pattern at 1, x (contiguous) and the geometry from index
 * `first` into c, checks them and makes the plan. */
static void conv_args(lua_State *L, const iddl_tensor *x, int first,
                      iddl_sparse_conv *c) {
  const iddl_sparse_pattern *s = luaL_checkudata(L, 1, "iddl.SparsePattern");
  lua_Integer v[8];
  for (int i = 0; i < 8; i++) v[i] = luaL_checkinteger(L, first + i);
  int batched = x->ndim == 4;
  if ((x->ndim != 3 && x->ndim != 4) || x->size[x->ndim - 3] != s->cols)
    luaL_error(L, "sparse conv: input of shape %s does not fit %d input "
               "channels (expected (N, %d, H, W) or (%d, H, W))", SHAPE(x),
               (int)s->cols, (int)s->cols, (int)s->cols);
  *c = (iddl_sparse_conv){
      .g = {.C = x->size[batched], .H = x->size[batched + 1],
            .W = x->size[batched + 2], .kh = v[0], .kw = v[1], .sh = v[2],
            .sw = v[3], .ph = v[4], .pw = v[5], .dh = v[6], .dw = v[7]},
      .N = batched ? x->size[0] : 1, .s = s,
      .chunk = luaL_optinteger(L, first + 8, 0)};
  iddl_err err;
  if (iddl_sparse_conv_init(c, &err))
    luaL_error(L, "%s (input of shape %s)", err.msg, SHAPE(x));
}

/* The packed weight at idx, checked to hold nnz*kh*kw values. */
static const float *packed(lua_State *L, int idx, const iddl_sparse_conv *c,
                           const char *what) {
  const iddl_tensor *w = iddl_lua_contig(L, idx);
  int64_t n = c->s->nnz * c->g.kh * c->g.kw;
  if (iddl_numel(w) != n)
    luaL_error(L, "sparse conv: %s of shape %s does not hold %d connections x "
               "%dx%d taps", what, SHAPE(w), (int)c->s->nnz, (int)c->g.kh,
               (int)c->g.kw);
  return iddl_data(w);
}

/* The output shape (x's rank) into size; returns the rank. */
static int out_shape(const iddl_tensor *x, const iddl_sparse_conv *c,
                     int64_t *size) {
  int n = 0;
  if (x->ndim == 4) size[n++] = c->N;
  size[n++] = c->s->rows;
  size[n++] = c->g.Ho;
  size[n++] = c->g.Wo;
  return n;
}

/* Resizes the scratch tensor at idx to the plan's workspace; returns it. */
static float *workspace(lua_State *L, int idx, const iddl_sparse_conv *c) {
  iddl_tensor *work = iddl_lua_check(L, idx);
  int64_t n = iddl_sparse_conv_workspace(c);
  if (iddl_numel(work) < n) iddl_lua_resize(L, work, 1, &n);
  return iddl_data(work);
}

/* A contiguous gradient of n values at idx, or NULL for nil. */
static float *grad_arg(lua_State *L, int idx, int64_t n, const char *what) {
  if (lua_isnoneornil(L, idx)) return NULL;
  iddl_tensor *g = iddl_lua_check(L, idx);
  if (iddl_numel(g) != n || !iddl_is_contiguous(g))
    luaL_error(L, "sparse conv: %s of shape %s must be contiguous with %d "
               "values", what, SHAPE(g), (int)n);
  return iddl_data(g);
}

/* The bias at idx (O) or NULL for nil. */
static const float *bias_arg(lua_State *L, int idx, const iddl_sparse_conv *c) {
  if (lua_isnoneornil(L, idx)) return NULL;
  const iddl_tensor *b = iddl_lua_contig(L, idx);
  if (b->ndim != 1 || b->size[0] != c->s->rows)
    luaL_error(L, "sparse conv: bias of shape %s does not fit %d outputs",
               SHAPE(b), (int)c->s->rows);
  return iddl_data(b);
}

/* forward(p, out, work, x, w, bias | nil, geom...) -> out */
static int f_forward(lua_State *L) {
  iddl_tensor *out = iddl_lua_check(L, 2);
  const iddl_tensor *x = iddl_lua_contig(L, 4);
  iddl_sparse_conv c;
  conv_args(L, x, 7, &c);
  const float *w = packed(L, 5, &c, "weight");
  const float *bias = bias_arg(L, 6, &c);
  float *work = workspace(L, 3, &c);
  int64_t size[4];
  iddl_lua_resize(L, out, out_shape(x, &c, size), size);
  iddl_sparse_conv_forward(&c, iddl_data(out), iddl_data(x), w, bias, work);
  lua_settop(L, 2);
  return 1;
}

/* backward(p, gin | nil, gw | nil, gb | nil, work, x, gout, w, scale,
 * geom...) -> gin | nil */
static int f_backward(lua_State *L) {
  iddl_tensor *gin = lua_isnoneornil(L, 2) ? NULL : iddl_lua_check(L, 2);
  const iddl_tensor *x = iddl_lua_contig(L, 6), *gout = iddl_lua_contig(L, 7);
  iddl_sparse_conv c;
  conv_args(L, x, 10, &c);
  const float *w = packed(L, 8, &c, "weight");
  float scale = (float)luaL_checknumber(L, 9);
  int64_t size[4];
  int nd = out_shape(x, &c, size);
  int ok = gout->ndim == nd;
  for (int i = 0; ok && i < nd; i++) ok = gout->size[i] == size[i];
  if (!ok)
    luaL_error(L, "sparse conv: gradOutput of shape %s does not fit the output "
               "shape %s (input of shape %s)", SHAPE(gout),
               iddl_sizes_str(nd, size, (char[128]){0}, 128), SHAPE(x));
  float *gw = grad_arg(L, 3, c.s->nnz * c.g.kh * c.g.kw, "gradWeight");
  float *gb = grad_arg(L, 4, c.s->rows, "gradBias");
  float *work = workspace(L, 5, &c);
  if (gin) iddl_lua_resize(L, gin, x->ndim, x->size);
  iddl_sparse_conv_backward(&c, gin ? iddl_data(gin) : NULL, gw, gb,
                            iddl_data(gout), iddl_data(x), w, scale, work);
  lua_settop(L, 2);
  return 1;
}

int luaopen_iddl_sparse_conv_core(lua_State *L) {
  const luaL_Reg fns[] = {{"forward", f_forward}, {"backward", f_backward},
                          {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
