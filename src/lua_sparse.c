/* lua_sparse.c - the C module 'iddl.sparse_core': sparse patterns and the
 * products of sparse_mm.h and nn_sparse_linear.h on tensors. */
#include <lauxlib.h>
#include <string.h>

#include "lua_nn.h"
#include "lua_sparse.h"
#include "lua_tensor.h"
#include "nn_sparse_linear.h"
#include "parallel.h"

#define PATTERN_MT "iddl.SparsePattern"
#define SHAPE(t) iddl_shape_str((t), (char[128]){0}, 128)

static iddl_sparse_pattern *check_pattern(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, PATTERN_MT);
}

/* --- the pattern userdata ---------------------------------------------------- */

/* pattern(mask (rows, cols) 0/1) -> SparsePattern */
static int f_pattern(lua_State *L) {
  const iddl_tensor *m = iddl_lua_contig(L, 1);
  if (m->ndim != 2)
    return luaL_error(L, "sparse pattern: the mask must be 2-D (out, in), got "
                      "shape %s", SHAPE(m));
  iddl_sparse_pattern *s = lua_newuserdatauv(L, sizeof *s, 0);
  memset(s, 0, sizeof *s);
  luaL_setmetatable(L, PATTERN_MT);
  iddl_err err;
  if (iddl_sparse_pattern_init(s, iddl_data(m), m->size[0], m->size[1], &err))
    iddl_lua_raise(L, &err);
  return 1;
}

static int p_gc(lua_State *L) {
  iddl_sparse_pattern_free(check_pattern(L, 1));
  return 0;
}

/* p:nnz() -> the number of connections */
static int p_nnz(lua_State *L) {
  lua_pushinteger(L, check_pattern(L, 1)->nnz);
  return 1;
}

/* p:size() -> rows, cols (of the mask) */
static int p_size(lua_State *L) {
  iddl_sparse_pattern *s = check_pattern(L, 1);
  lua_pushinteger(L, s->rows);
  lua_pushinteger(L, s->cols);
  return 2;
}

/* p:empty_rows() -> the number of outputs without any connection */
static int p_empty_rows(lua_State *L) {
  lua_pushinteger(L, check_pattern(L, 1)->empty_rows);
  return 1;
}

static int p_tostring(lua_State *L) {
  iddl_sparse_pattern *s = check_pattern(L, 1);
  lua_pushfstring(L, "SparsePattern(%dx%d, %d connections)", (int)s->rows,
                  (int)s->cols, (int)s->nnz);
  return 1;
}

/* --- packing between dense (rows, cols, kk...) and packed (nnz, kk) -------- */

/* kk of a dense weight (rows, cols, ...) for pattern s, or an error. */
static int64_t dense_kk(lua_State *L, const iddl_sparse_pattern *s,
                        const iddl_tensor *d) {
  int64_t kk = iddl_numel(d) / (s->rows * s->cols);
  if (d->ndim < 2 || d->size[0] != s->rows || d->size[1] != s->cols || kk < 1)
    luaL_error(L, "sparse: dense weight of shape %s does not fit the mask of "
               "shape %dx%d", SHAPE(d), (int)s->rows, (int)s->cols);
  return kk;
}

/* pack(p, dense (rows, cols, ...), out [, strict]) -> out (nnz) or (nnz, kk):
 * the values at the connections, in CSR order. strict: raise, changing
 * nothing, if dense is not zero everywhere else. */
static int f_pack(lua_State *L) {
  iddl_sparse_pattern *s = check_pattern(L, 1);
  const iddl_tensor *d = iddl_lua_contig(L, 2);
  iddl_tensor *out = iddl_lua_check(L, 3);
  int strict = lua_toboolean(L, 4);
  int64_t kk = dense_kk(L, s, d), cols = s->cols;
  const float *src = iddl_data(d);
  if (strict)
    for (int64_t o = 0; o < s->rows; o++)
      for (int64_t c = 0, j = s->row_ptr[o]; c < cols; c++) {
        if (j < s->row_ptr[o + 1] && s->col[j] == c) {
          j++;
          continue;
        }
        for (int64_t t = 0; t < kk; t++)
          if (src[(o * cols + c) * kk + t] != 0.0f)
            return luaL_error(L, "sparse: the dense weight is %f at (%d, %d) "
                              "where the mask has no connection",
                              (double)src[(o * cols + c) * kk + t], (int)o + 1,
                              (int)c + 1);
      }
  int64_t size[2] = {s->nnz, kk};
  iddl_lua_resize(L, out, kk == 1 ? 1 : 2, size);
  float *dst = iddl_data(out);
  for (int64_t o = 0; o < s->rows; o++)
    for (int64_t j = s->row_ptr[o]; j < s->row_ptr[o + 1]; j++)
      memcpy(dst + j * kk, src + (o * cols + s->col[j]) * kk,
             (size_t)kk * sizeof(float));
  lua_pushvalue(L, 3);
  return 1;
}

/* unpack(p, packed (nnz*kk), dense) -> dense (rows, cols) or (rows, cols,
 * kk): zeros where the mask is 0. */
static int f_unpack(lua_State *L) {
  iddl_sparse_pattern *s = check_pattern(L, 1);
  const iddl_tensor *w = iddl_lua_contig(L, 2);
  iddl_tensor *d = iddl_lua_check(L, 3);
  int64_t n = iddl_numel(w), kk = s->nnz ? n / s->nnz : 1;
  if (kk < 1 || n != s->nnz * kk)
    return luaL_error(L, "sparse: packed weight of shape %s does not fit %d "
                      "connections", SHAPE(w), (int)s->nnz);
  int64_t size[3] = {s->rows, s->cols, kk};
  iddl_lua_resize(L, d, kk == 1 ? 2 : 3, size);
  float *dst = iddl_data(d);
  const float *src = iddl_data(w);
  memset(dst, 0, (size_t)(s->rows * s->cols * kk) * sizeof(float));
  for (int64_t o = 0; o < s->rows; o++)
    for (int64_t j = s->row_ptr[o]; j < s->row_ptr[o + 1]; j++)
      memcpy(dst + (o * s->cols + s->col[j]) * kk, src + j * kk,
             (size_t)kk * sizeof(float));
  lua_pushvalue(L, 3);
  return 1;
}

/* --- the raw products ------------------------------------------------------- */

/* Checks that the packed weight at idx holds nnz * kk values; returns it. */
static const float *check_packed(lua_State *L, const iddl_sparse_pattern *s,
                                 int64_t kk, int idx, const char *what) {
  const iddl_tensor *w = iddl_lua_contig(L, idx);
  if (iddl_numel(w) != s->nnz * kk)
    luaL_error(L, "sparse: %s of shape %s does not hold %d connections x %d "
               "taps", what, SHAPE(w), (int)s->nnz, (int)kk);
  return iddl_data(w);
}

/* Whether t is a matrix whose columns are adjacent: a contiguous one, or a
 * view of one narrowed along its columns (rows further apart). */
static int row_strided(const iddl_tensor *t) {
  return t->ndim == 2 && (t->size[1] <= 1 || t->stride[1] == 1) &&
         (t->size[0] <= 1 || t->stride[0] >= t->size[1]);
}

/* Its row stride. */
static int64_t row_stride(const iddl_tensor *t) {
  return t->size[0] > 1 && t->stride[0] > t->size[1] ? t->stride[0] : t->size[1];
}

/* The 2-D operand (rows, P) at idx (P < 0: any) and its row stride in *ld;
 * used in place when row_strided, else copied. */
static const iddl_tensor *check_mat(lua_State *L, int idx, const char *what,
                                    int64_t rows, int64_t P, int64_t *ld) {
  const iddl_tensor *t = iddl_lua_check(L, idx);
  if (!row_strided(t)) t = iddl_lua_contig(L, idx);
  if (t->ndim != 2 || t->size[0] != rows || (P >= 0 && t->size[1] != P)) {
    if (P >= 0)
      luaL_error(L, "sparse: %s of shape %s, expected %dx%d", what, SHAPE(t),
                 (int)rows, (int)P);
    luaL_error(L, "sparse: %s of shape %s, expected %dxP", what, SHAPE(t),
               (int)rows);
  }
  *ld = row_stride(t);
  return t;
}

/* The output at idx as a (rows, P) matrix and its row stride in *ld: used
 * in place if it has that shape and adjacent columns, else (unless
 * accumulating into it) resized. */
static float *out_mat(lua_State *L, int idx, const char *what, int64_t rows,
                      int64_t P, int accumulate, int64_t *ld) {
  iddl_tensor *t = iddl_lua_check(L, idx);
  int fits = row_strided(t) && t->size[0] == rows && t->size[1] == P;
  if (!fits && accumulate)
    luaL_error(L, "sparse: %s of shape %s cannot accumulate a (%d, %d) result "
               "(or its columns are not adjacent)", what, SHAPE(t), (int)rows,
               (int)P);
  if (!fits) {
    int64_t size[2] = {rows, P};
    iddl_lua_resize(L, t, 2, size);
  }
  *ld = row_stride(t);
  return iddl_data(t);
}

static int64_t check_kk(lua_State *L, int idx) {
  lua_Integer kk = luaL_checkinteger(L, idx);
  if (kk < 1) luaL_error(L, "sparse: kk must be >= 1, got %d", (int)kk);
  return kk;
}

/* The matrices of spmm, spmm_t and sddmm may be views whose rows are
 * further apart than their width (a narrowed, padded buffer): they are used
 * in place. */

/* spmm(p, kk, w, x (cols*kk, P), y [, accumulate]) -> y (rows, P) */
static int f_spmm(lua_State *L) {
  iddl_sparse_pattern *s = check_pattern(L, 1);
  int64_t kk = check_kk(L, 2), ldx, ldy;
  const float *w = check_packed(L, s, kk, 3, "weight");
  const iddl_tensor *x = check_mat(L, 4, "input", s->cols * kk, -1, &ldx);
  int acc = lua_toboolean(L, 6);
  int64_t P = x->size[1];
  float *y = out_mat(L, 5, "output", s->rows, P, acc, &ldy);
  iddl_spmm(s, kk, w, iddl_data(x), ldx, P, y, ldy, acc);
  lua_pushvalue(L, 5);
  return 1;
}

/* spmm_t(p, kk, w, dy (rows, P), dx [, accumulate]) -> dx (cols*kk, P) */
static int f_spmm_t(lua_State *L) {
  iddl_sparse_pattern *s = check_pattern(L, 1);
  int64_t kk = check_kk(L, 2), lddy, lddx;
  const float *w = check_packed(L, s, kk, 3, "weight");
  const iddl_tensor *dy = check_mat(L, 4, "gradOutput", s->rows, -1, &lddy);
  int acc = lua_toboolean(L, 6);
  int64_t P = dy->size[1];
  float *dx = out_mat(L, 5, "gradInput", s->cols * kk, P, acc, &lddx);
  iddl_spmm_t(s, kk, w, iddl_data(dy), lddy, P, dx, lddx, acc);
  lua_pushvalue(L, 5);
  return 1;
}

/* sddmm(p, kk, dy (rows, P), x (cols*kk, P), dw [, scale]) -> dw: adds
 * scale * (dy x^T) at the connections to dw (nnz*kk values, contiguous). */
static int f_sddmm(lua_State *L) {
  iddl_sparse_pattern *s = check_pattern(L, 1);
  int64_t kk = check_kk(L, 2), lddy, ldx;
  const iddl_tensor *dy = check_mat(L, 3, "gradOutput", s->rows, -1, &lddy);
  int64_t P = dy->size[1];
  const iddl_tensor *x = check_mat(L, 4, "input", s->cols * kk, P, &ldx);
  iddl_tensor *dw = iddl_lua_check(L, 5);
  float scale = (float)luaL_optnumber(L, 6, 1.0);
  if (iddl_numel(dw) != s->nnz * kk || !iddl_is_contiguous(dw))
    return luaL_error(L, "sparse: weight gradient of shape %s does not hold %d "
                      "connections x %d taps (or is not contiguous)", SHAPE(dw),
                      (int)s->nnz, (int)kk);
  iddl_sddmm(s, kk, iddl_data(dy), lddy, iddl_data(x), ldx, P, scale, iddl_data(dw));
  lua_pushvalue(L, 5);
  return 1;
}

/* isa() -> the instruction set of the kernels ("avx512", "avx2" or "sse") */
static int f_isa(lua_State *L) {
  lua_pushstring(L, iddl_sparse_isa());
  return 1;
}

/* --- the sparse linear layer ------------------------------------------------ */

/* Checks x (..., I) against the pattern; returns the number of rows. */
static int64_t linear_rows(lua_State *L, const iddl_sparse_pattern *s,
                           const iddl_tensor *x) {
  if (x->ndim < 1 || x->size[x->ndim - 1] != s->cols)
    luaL_error(L, "sparse linear: input of shape %s does not fit the mask of "
               "shape %dx%d (expected (..., %d))", SHAPE(x), (int)s->rows,
               (int)s->cols, (int)s->cols);
  return iddl_numel(x) / s->cols;
}

/* The bias at idx (O) or NULL for nil. */
static const float *opt_bias(lua_State *L, const iddl_sparse_pattern *s, int idx) {
  if (lua_isnoneornil(L, idx)) return NULL;
  const iddl_tensor *b = iddl_lua_contig(L, idx);
  if (b->ndim != 1 || b->size[0] != s->rows)
    luaL_error(L, "sparse linear: bias of shape %s does not fit %d outputs",
               SHAPE(b), (int)s->rows);
  return iddl_data(b);
}

/* Resizes t to the batch tiles of a batch of B rows of n in R regions
 * (nn_sparse_linear.h): a vector. */
static void resize_tiles(lua_State *L, iddl_tensor *t, int64_t B, int64_t n, int64_t R) {
  int64_t size = iddl_sparse_linear_tile_floats(B, n, R);
  iddl_lua_resize(L, t, 1, &size);
}

/* linear_forward(p, out, xt, yt, x (..., I), w (nnz), bias | nil) -> out
 * (..., O); xt becomes x in batch tiles for the backward pass
 * (nn_sparse_linear.h); yt is scratch. */
static int f_linear_forward(lua_State *L) {
  iddl_sparse_pattern *s = check_pattern(L, 1);
  iddl_tensor *out = iddl_lua_check(L, 2), *xt = iddl_lua_check(L, 3),
              *yt = iddl_lua_check(L, 4);
  const iddl_tensor *x = iddl_lua_contig(L, 5);
  int64_t B = linear_rows(L, s, x);
  const float *w = check_packed(L, s, 1, 6, "weight");
  const float *bias = opt_bias(L, s, 7);
  int64_t size[IDDL_MAX_DIMS];
  memcpy(size, x->size, sizeof size);
  size[x->ndim - 1] = s->rows;
  iddl_lua_resize(L, out, x->ndim, size);
  int64_t R = iddl_sparse_linear_regions(B);
  resize_tiles(L, xt, B, s->cols, R);
  resize_tiles(L, yt, B, s->rows, R);
  iddl_sparse_linear_forward(s, iddl_data(out), iddl_data(xt), iddl_data(yt),
                             iddl_data(x), w, bias, B, R);
  lua_pushvalue(L, 2);
  return 1;
}

/* linear_save_input(p, xt, x (..., I)) -> xt: x in batch tiles, as
 * linear_forward leaves it. */
static int f_linear_save_input(lua_State *L) {
  iddl_sparse_pattern *s = check_pattern(L, 1);
  iddl_tensor *xt = iddl_lua_check(L, 2);
  const iddl_tensor *x = iddl_lua_contig(L, 3);
  int64_t B = linear_rows(L, s, x);
  int64_t R = iddl_sparse_linear_regions(B);
  resize_tiles(L, xt, B, s->cols, R);
  iddl_sparse_linear_save_input(s, iddl_data(xt), iddl_data(x), B, R);
  lua_pushvalue(L, 2);
  return 1;
}

/* Checks that the parameter gradient at idx is contiguous with n values. */
static float *opt_grad(lua_State *L, int idx, int64_t n, const char *what) {
  if (lua_isnoneornil(L, idx)) return NULL;
  iddl_tensor *g = iddl_lua_check(L, idx);
  if (iddl_numel(g) != n || !iddl_is_contiguous(g))
    luaL_error(L, "sparse linear: %s of shape %s must be contiguous with %d "
               "values", what, SHAPE(g), (int)n);
  return iddl_data(g);
}

/* linear_backward(p, gin | nil, gw | nil, gb | nil, gxt, gt, wt, x, gout,
 * xt, w [, scale]) -> gin: gradInput (x's shape, overwritten) if gin is
 * given; adds scale * the parameter gradients to gw (nnz) and gb (O) if
 * given, from xt = x in batch tiles as left by linear_forward or
 * linear_save_input; gxt, gt and wt are scratch. */
static int f_linear_backward(lua_State *L) {
  iddl_sparse_pattern *s = check_pattern(L, 1);
  iddl_tensor *gin = lua_isnoneornil(L, 2) ? NULL : iddl_lua_check(L, 2);
  float *gw = opt_grad(L, 3, s->nnz, "weight gradient");
  float *gb = opt_grad(L, 4, s->rows, "bias gradient");
  iddl_tensor *gxt = iddl_lua_check(L, 5), *gt = iddl_lua_check(L, 6),
              *wt = iddl_lua_check(L, 7);
  const iddl_tensor *x = iddl_lua_contig(L, 8), *g = iddl_lua_contig(L, 9);
  int64_t B = linear_rows(L, s, x);
  int ok = g->ndim == x->ndim && g->size[g->ndim - 1] == s->rows;
  for (int i = 0; ok && i < x->ndim - 1; i++) ok = g->size[i] == x->size[i];
  if (!ok)
    return luaL_error(L, "sparse linear: gradOutput of shape %s does not fit "
                      "input of shape %s and %d outputs", SHAPE(g), SHAPE(x),
                      (int)s->rows);
  const float *xt = NULL;
  int64_t R = iddl_sparse_linear_regions(B); /* the saved input's, if read */
  if (gw) {
    const iddl_tensor *t = iddl_lua_check(L, 10);
    R = iddl_is_contiguous(t) ? iddl_sparse_linear_regions_of(iddl_numel(t), B, s->cols) : -1;
    if (R < 1)
      return luaL_error(L, "sparse linear: the saved tiled input of shape %s "
                        "does not fit input of shape %s (expected %d tiles of "
                        "%dx%d, contiguous)", SHAPE(t), SHAPE(x),
                        (int)iddl_sparse_linear_tiles(B), (int)s->cols,
                        IDDL_SPARSE_TILE);
    xt = iddl_data(t);
  }
  const float *w = check_packed(L, s, 1, 11, "weight");
  float scale = (float)luaL_optnumber(L, 12, 1.0);
  int64_t wsize = s->nnz * iddl_parallel_threads();
  resize_tiles(L, gt, B, s->rows, R);
  iddl_lua_resize(L, wt, 1, &wsize);
  if (gin) {
    iddl_lua_resize(L, gin, x->ndim, x->size);
    resize_tiles(L, gxt, B, s->cols, R);
  }
  iddl_sparse_linear_backward(s, gin ? iddl_data(gin) : NULL, gw, gb,
                              gin ? iddl_data(gxt) : NULL, iddl_data(gt),
                              iddl_data(wt), iddl_data(g), xt, w,
                              B, R, scale);
  lua_pushvalue(L, 2);
  return 1;
}

int luaopen_iddl_sparse_core(lua_State *L) {
  const luaL_Reg methods[] = {{"nnz", p_nnz}, {"size", p_size},
                              {"empty_rows", p_empty_rows}, {NULL, NULL}};
  if (luaL_newmetatable(L, PATTERN_MT)) {
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, p_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, p_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);
  const luaL_Reg fns[] = {{"pattern", f_pattern},
                          {"pack", f_pack},
                          {"unpack", f_unpack},
                          {"spmm", f_spmm},
                          {"spmm_t", f_spmm_t},
                          {"sddmm", f_sddmm},
                          {"isa", f_isa},
                          {"linear_forward", f_linear_forward},
                          {"linear_save_input", f_linear_save_input},
                          {"linear_backward", f_linear_backward},
                          {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
