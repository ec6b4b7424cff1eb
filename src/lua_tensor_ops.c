/* lua_tensor_ops.c - tensor math from Lua: operators, element-wise methods,
 * reductions, matmul and where.
 *
 * Naming follows PyTorch: t:add(x) returns a new tensor, t:add_(x) changes t
 * in place and returns it. Operators + - * / ^ and unary minus are
 * element-wise and accept numbers on either side.
 */
#include <math.h>
#include <string.h>

#include "lua_tensor.h"
#include "tensor_ops.h"

/* --- binary ------------------------------------------------------------------ */

/* Pushes a op b where either side (but not both) may be a number. */
static int push_binary(lua_State *L, iddl_binop op, int ia, int ib) {
  iddl_err err;
  iddl_tensor *a = iddl_lua_test(L, ia), *b = iddl_lua_test(L, ib);
  if (a && b) {
    int nd;
    int64_t size[IDDL_MAX_DIMS];
    if (iddl_broadcast_shape("element-wise operation", a, b, &nd, size, &err))
      iddl_lua_raise(L, &err);
    iddl_tensor *out = iddl_lua_push_alloc(L, nd, size);
    if (iddl_binary(op, out, a, b, &err)) iddl_lua_raise(L, &err);
    return 1;
  }
  iddl_tensor *t = a ? a : b;
  if (!t) return luaL_error(L, "element-wise operation: no tensor operand");
  int num = a ? ib : ia;
  if (lua_type(L, num) != LUA_TNUMBER)
    return luaL_error(L, "element-wise operation: expected a tensor or a "
                      "number, got %s", luaL_typename(L, num));
  float s = (float)lua_tonumber(L, num);
  iddl_tensor *out = iddl_lua_push_alloc(L, t->ndim, t->size);
  if (iddl_binary_scalar(op, out, t, s, a == NULL, &err)) iddl_lua_raise(L, &err);
  return 1;
}

/* Refuses an in-place update of a tensor whose elements share memory (an
 * expanded view, stride 0 over a size > 1): each shared element would be
 * updated once per alias (expand(3, 4):add_(1) added 4). */
static iddl_tensor *check_inplace(lua_State *L, int idx) {
  iddl_tensor *t = iddl_lua_check(L, idx);
  for (int i = 0; i < t->ndim; i++)
    if (t->stride[i] == 0 && t->size[i] > 1) {
      char buf[128];
      luaL_error(L, "in-place operation on an expanded tensor of shape %s "
                 "(dimension %d shares memory): use :clone() or :contiguous() "
                 "first", iddl_shape_str(t, buf, sizeof buf), i + 1);
    }
  return t;
}

/* t:op_(x): t = t op x, x a number or a tensor broadcastable to t. */
static int inplace_binary(lua_State *L, iddl_binop op) {
  iddl_err err;
  iddl_tensor *t = check_inplace(L, 1);
  const iddl_tensor *b = iddl_lua_unalias(L, t, iddl_lua_test(L, 2));
  int rc = b ? iddl_binary(op, t, t, b, &err)
             : iddl_binary_scalar(op, t, t, (float)luaL_checknumber(L, 2), 0,
                                  &err);
  if (rc) iddl_lua_raise(L, &err);
  lua_settop(L, 1);
  return 1;
}

/* t:add(x [, alpha]) / t:sub(x [, alpha]): t + alpha * x, t - alpha * x. */
static int add_alpha(lua_State *L, int inplace, float sign) {
  iddl_err err;
  iddl_tensor *t = iddl_lua_check(L, 1);
  if (lua_isnoneornil(L, 3))
    return inplace ? inplace_binary(L, sign > 0 ? IDDL_ADD : IDDL_SUB)
                   : push_binary(L, sign > 0 ? IDDL_ADD : IDDL_SUB, 1, 2);
  const iddl_tensor *x = iddl_lua_check(L, 2);
  float alpha = sign * (float)luaL_checknumber(L, 3);
  if (inplace) {
    check_inplace(L, 1);
    x = iddl_lua_unalias(L, t, x);
  }
  iddl_tensor *out = t;
  if (!inplace) {
    int nd;
    int64_t size[IDDL_MAX_DIMS];
    if (iddl_broadcast_shape("add", t, x, &nd, size, &err)) iddl_lua_raise(L, &err);
    out = iddl_lua_push_alloc(L, nd, size);
    if (iddl_copy(out, t, &err)) iddl_lua_raise(L, &err);
  }
  if (iddl_add_scaled(out, x, alpha, &err)) iddl_lua_raise(L, &err);
  if (inplace) lua_settop(L, 1);
  return 1;
}

static int m_add(lua_State *L) { return add_alpha(L, 0, 1.0f); }
static int m_add_(lua_State *L) { return add_alpha(L, 1, 1.0f); }
static int m_sub(lua_State *L) { return add_alpha(L, 0, -1.0f); }
static int m_sub_(lua_State *L) { return add_alpha(L, 1, -1.0f); }

/* Out-of-place (metamethod and method) and in-place versions of an op. */
#define BINARY_FNS(name, OP)                                                  \
  static int m_##name(lua_State *L) { return push_binary(L, OP, 1, 2); }      \
  static int m_##name##_(lua_State *L) { return inplace_binary(L, OP); }

BINARY_FNS(mul, IDDL_MUL)
BINARY_FNS(div, IDDL_DIV)
BINARY_FNS(pow, IDDL_POW)
BINARY_FNS(maximum, IDDL_MAXIMUM)
BINARY_FNS(minimum, IDDL_MINIMUM)
BINARY_FNS(eq, IDDL_EQ)
BINARY_FNS(ne, IDDL_NE)
BINARY_FNS(lt, IDDL_LT)
BINARY_FNS(le, IDDL_LE)
BINARY_FNS(gt, IDDL_GT)
BINARY_FNS(ge, IDDL_GE)

static int mm_add(lua_State *L) { return push_binary(L, IDDL_ADD, 1, 2); }
static int mm_sub(lua_State *L) { return push_binary(L, IDDL_SUB, 1, 2); }

/* --- unary ------------------------------------------------------------------- */

static int unary(lua_State *L, iddl_unop op, int inplace) {
  iddl_err err;
  iddl_tensor *t = inplace ? check_inplace(L, 1) : iddl_lua_check(L, 1);
  iddl_tensor *out = inplace ? t : iddl_lua_push_alloc(L, t->ndim, t->size);
  if (iddl_unary(op, out, t, &err)) iddl_lua_raise(L, &err);
  if (inplace) lua_settop(L, 1);
  return 1;
}

#define UNARY_FNS(name, OP)                                                   \
  static int m_##name(lua_State *L) { return unary(L, OP, 0); }               \
  static int m_##name##_(lua_State *L) { return unary(L, OP, 1); }

UNARY_FNS(neg, IDDL_NEG)
UNARY_FNS(exp, IDDL_EXP)
UNARY_FNS(log, IDDL_LOG)
UNARY_FNS(sqrt, IDDL_SQRT)
UNARY_FNS(abs, IDDL_ABS)
UNARY_FNS(tanh, IDDL_TANH)
UNARY_FNS(sigmoid, IDDL_SIGMOID)
UNARY_FNS(relu, IDDL_RELU)
UNARY_FNS(sign, IDDL_SIGN)
UNARY_FNS(floor, IDDL_FLOOR)
UNARY_FNS(ceil, IDDL_CEIL)
UNARY_FNS(round, IDDL_ROUND)
UNARY_FNS(square, IDDL_SQUARE)
UNARY_FNS(rsqrt, IDDL_RSQRT)
UNARY_FNS(reciprocal, IDDL_RECIPROCAL)
UNARY_FNS(sin, IDDL_SIN)
UNARY_FNS(cos, IDDL_COS)

/* t:clamp(min, max): either bound may be nil. */
static int clamp(lua_State *L, int inplace) {
  iddl_err err;
  iddl_tensor *t = inplace ? check_inplace(L, 1) : iddl_lua_check(L, 1);
  float lo = lua_isnoneornil(L, 2) ? -INFINITY : (float)luaL_checknumber(L, 2);
  float hi = lua_isnoneornil(L, 3) ? INFINITY : (float)luaL_checknumber(L, 3);
  iddl_tensor *out = inplace ? t : iddl_lua_push_alloc(L, t->ndim, t->size);
  if (iddl_clamp(out, t, lo, hi, &err)) iddl_lua_raise(L, &err);
  if (inplace) lua_settop(L, 1);
  return 1;
}
static int m_clamp(lua_State *L) { return clamp(L, 0); }
static int m_clamp_(lua_State *L) { return clamp(L, 1); }

/* --- reductions ---------------------------------------------------------------- */

/* Drops dimension dim of the tensor on top unless keepdim (replaces it). */
static void drop_dim(lua_State *L, int dim, int keepdim) {
  if (keepdim) return;
  iddl_err err;
  iddl_tensor *t = iddl_lua_check(L, -1);
  iddl_tensor *v = iddl_lua_push_empty(L);
  if (iddl_squeeze(v, t, dim, &err)) iddl_lua_raise(L, &err);
  lua_remove(L, -2);
}

/* t:op() -> number; t:op(dim [, keepdim]) -> tensor. VAR/STD take a third
 * argument `unbiased` (default true); MAX/MIN with dim also return the
 * 1-based indices; ARGMAX/ARGMIN return 1-based indices. */
static int reduce(lua_State *L, iddl_redop op) {
  iddl_err err;
  iddl_tensor *t = iddl_lua_check(L, 1);
  int stat = op == IDDL_VAR || op == IDDL_STD;
  int correction = stat && lua_isboolean(L, 4) && !lua_toboolean(L, 4) ? 0 : 1;
  int arg_index = op == IDDL_ARGMAX || op == IDDL_ARGMIN;
  if (lua_isnoneornil(L, 2)) {
    double r;
    if (iddl_reduce_all(op, &r, t, correction, &err)) iddl_lua_raise(L, &err);
    lua_pushnumber(L, arg_index ? r + 1 : r);
    return 1;
  }
  int dim = iddl_lua_checkdim(L, 2, t, 0), keepdim = lua_toboolean(L, 3);
  int64_t size[IDDL_MAX_DIMS];
  memcpy(size, t->size, sizeof size);
  size[dim] = 1;
  int with_idx = op == IDDL_MAX || op == IDDL_MIN;
  iddl_tensor *out = iddl_lua_push_alloc(L, t->ndim, size);
  iddl_tensor *idx = with_idx ? iddl_lua_push_alloc(L, t->ndim, size) : NULL;
  if (iddl_reduce_dim(op, out, idx, t, dim, correction, &err))
    iddl_lua_raise(L, &err);
  if (arg_index || with_idx) { /* to 1-based */
    iddl_tensor *ix = idx ? idx : out;
    iddl_binary_scalar(IDDL_ADD, ix, ix, 1.0f, 0, &err);
  }
  drop_dim(L, dim, keepdim);
  if (!with_idx) return 1;
  lua_insert(L, -2); /* bring the values on top, squeeze, restore order */
  drop_dim(L, dim, keepdim);
  lua_insert(L, -2);
  return 2;
}

#define REDUCE_FN(name, OP) \
  static int m_##name(lua_State *L) { return reduce(L, OP); }
REDUCE_FN(sum, IDDL_SUM)
REDUCE_FN(mean, IDDL_MEAN)
REDUCE_FN(prod, IDDL_PROD)
REDUCE_FN(max, IDDL_MAX)
REDUCE_FN(min, IDDL_MIN)
REDUCE_FN(argmax, IDDL_ARGMAX)
REDUCE_FN(argmin, IDDL_ARGMIN)
REDUCE_FN(var, IDDL_VAR)
REDUCE_FN(std, IDDL_STD)

static int m_count_nonfinite(lua_State *L) {
  lua_pushinteger(L, iddl_count_nonfinite(iddl_lua_check(L, 1)));
  return 1;
}

/* --- matmul and where ----------------------------------------------------- */

static int f_matmul(lua_State *L) {
  iddl_err err;
  iddl_tensor *a = iddl_lua_check(L, 1), *b = iddl_lua_check(L, 2);
  int nd;
  int64_t size[IDDL_MAX_DIMS];
  if (iddl_matmul_shape(a, b, &nd, size, &err)) iddl_lua_raise(L, &err);
  iddl_tensor *out = iddl_lua_push_alloc(L, nd, size);
  if (iddl_matmul(out, a, b, &err)) iddl_lua_raise(L, &err);
  return 1;
}

/* iddl.where(cond, a, b): a and b tensors or numbers, all broadcast. */
static int f_where(lua_State *L) {
  iddl_err err;
  iddl_tensor *c = iddl_lua_check(L, 1), *ops[3] = {c, NULL, NULL};
  for (int k = 1; k <= 2; k++) {
    ops[k] = iddl_lua_test(L, k + 1);
    if (!ops[k]) {
      float v = (float)luaL_checknumber(L, k + 1);
      ops[k] = iddl_lua_push_alloc(L, 0, NULL);
      iddl_data(ops[k])[0] = v;
    }
  }
  int nd;
  int64_t size[IDDL_MAX_DIMS];
  iddl_tensor shape_ab = {0};
  if (iddl_broadcast_shape("where", ops[1], ops[2], &nd, size, &err))
    iddl_lua_raise(L, &err);
  shape_ab.ndim = nd;
  memcpy(shape_ab.size, size, sizeof size);
  if (iddl_broadcast_shape("where", c, &shape_ab, &nd, size, &err))
    iddl_lua_raise(L, &err);
  iddl_tensor *out = iddl_lua_push_alloc(L, nd, size);
  if (iddl_where(out, c, ops[1], ops[2], &err)) iddl_lua_raise(L, &err);
  return 1;
}

void iddl_lua_tensor_ops_methods(lua_State *L) {
#define BOTH(name) {#name, m_##name}, {#name "_", m_##name##_}
  const luaL_Reg fns[] = {
      BOTH(add), BOTH(sub), BOTH(mul), BOTH(div), BOTH(pow), BOTH(maximum),
      BOTH(minimum), BOTH(eq), BOTH(ne), BOTH(lt), BOTH(le), BOTH(gt),
      BOTH(ge), BOTH(neg), BOTH(exp), BOTH(log), BOTH(sqrt), BOTH(abs),
      BOTH(tanh), BOTH(sigmoid), BOTH(relu), BOTH(sign), BOTH(floor),
      BOTH(ceil), BOTH(round), BOTH(square), BOTH(rsqrt), BOTH(reciprocal),
      BOTH(sin), BOTH(cos), BOTH(clamp),
      {"sum", m_sum}, {"mean", m_mean}, {"prod", m_prod}, {"max", m_max},
      {"min", m_min}, {"argmax", m_argmax}, {"argmin", m_argmin},
      {"var", m_var}, {"std", m_std}, {"matmul", f_matmul},
      {"count_nonfinite", m_count_nonfinite}, {NULL, NULL}};
#undef BOTH
  luaL_setfuncs(L, fns, 0);
}

/* Sets the operator metamethods on the metatable on top of the stack. */
void iddl_lua_tensor_operators(lua_State *L) {
  const luaL_Reg meta[] = {{"__add", mm_add}, {"__sub", mm_sub},
                           {"__mul", m_mul},  {"__div", m_div},
                           {"__pow", m_pow},  {"__unm", m_neg},
                           {NULL, NULL}};
  luaL_setfuncs(L, meta, 0);
}

void iddl_lua_tensor_ops_functions(lua_State *L) {
  const luaL_Reg fns[] = {{"matmul", f_matmul}, {"where", f_where},
                          {"maximum", m_maximum}, {"minimum", m_minimum},
                          {NULL, NULL}};
  luaL_setfuncs(L, fns, 0);
}
