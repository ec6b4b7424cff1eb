/* lua_nn_loss.c - loss functions of 'iddl.nn_core' (see nn_loss.h for the
 * weighting and reduction rules).
 *
 *   nll_forward(input (N, C), target (N), class_w | nil, sample_w | nil,
 *               reduction) -> number                (log-probabilities)
 *   nll_backward(gin, input, target, class_w, sample_w, reduction) -> gin
 *   cross_entropy_forward / cross_entropy_backward: same, on logits
 *   mse_forward(input, target (input's shape), sample_w | nil, reduction)
 *   mse_backward(gin, input, target, sample_w, reduction) -> gin
 * reduction is 'mean' or 'sum'; targets are 1-based classes stored as floats.
 */
#include "lua_nn.h"
#include "lua_tensor.h"
#include "nn_loss.h"

#define SHAPE(t) iddl_shape_str((t), (char[128]){0}, 128)

static const char *const reductions[] = {"mean", "sum", NULL};

/* Reads an optional weight tensor at idx that must hold n elements. */
static const float *weights(lua_State *L, int idx, int64_t n, const char *what,
                            const iddl_tensor *input) {
  if (lua_isnoneornil(L, idx)) return NULL;
  const iddl_tensor *w = iddl_lua_contig(L, idx);
  if (iddl_numel(w) != n)
    luaL_error(L, "%s of shape %s does not fit input of shape %s (expected "
               "%d weights)", what, SHAPE(w), SHAPE(input), (int)n);
  return iddl_data(w);
}

/* Fills a for a class loss whose arguments start at `first` (input). */
static const iddl_tensor *class_args(lua_State *L, int first,
                                     iddl_loss_args *a) {
  const iddl_tensor *x = iddl_lua_contig(L, first),
                    *t = iddl_lua_contig(L, first + 1);
  if (x->ndim != 2)
    luaL_error(L, "class loss: input must be 2-D (N, C), got shape %s",
               SHAPE(x));
  a->n = x->size[0];
  a->c = x->size[1];
  if (iddl_numel(t) != a->n || t->ndim > 2)
    luaL_error(L, "class loss: target of shape %s does not fit input of "
               "shape %s (expected %d class indices)", SHAPE(t), SHAPE(x),
               (int)a->n);
  a->target = iddl_data(t);
  a->class_weight = weights(L, first + 2, a->c, "class weight", x);
  a->sample_weight = weights(L, first + 3, a->n, "sample weight", x);
  a->reduction = (iddl_reduction)luaL_checkoption(L, first + 4, "mean",
                                                  reductions);
  return x;
}

/* Fills a for MSE whose arguments start at `first` (input). */
static const iddl_tensor *mse_args(lua_State *L, int first, iddl_loss_args *a) {
  const iddl_tensor *x = iddl_lua_contig(L, first),
                    *t = iddl_lua_contig(L, first + 1);
  if (!iddl_same_shape(x, t))
    luaL_error(L, "mse: target of shape %s differs from input of shape %s",
               SHAPE(t), SHAPE(x));
  a->n = x->ndim ? x->size[0] : 1;
  a->c = a->n ? iddl_numel(x) / a->n : 0;
  a->target = iddl_data(t);
  a->class_weight = NULL;
  a->sample_weight = weights(L, first + 2, a->n, "sample weight", x);
  a->reduction = (iddl_reduction)luaL_checkoption(L, first + 3, "mean",
                                                  reductions);
  return x;
}

typedef int (*forward_fn)(double *, const float *, const iddl_loss_args *,
                          iddl_err *);
typedef int (*backward_fn)(float *, const float *, const iddl_loss_args *,
                           iddl_err *);

/* Upvalue 1: the kernel; upvalue 2: true for MSE's argument list. */
static int f_forward(lua_State *L) {
  forward_fn fn = (forward_fn)(void (*)(void))lua_touserdata(
      L, lua_upvalueindex(1));
  iddl_loss_args a;
  const iddl_tensor *x = lua_toboolean(L, lua_upvalueindex(2))
                             ? mse_args(L, 1, &a) : class_args(L, 1, &a);
  double loss;
  iddl_err err;
  if (fn(&loss, iddl_data(x), &a, &err)) iddl_lua_raise(L, &err);
  lua_pushnumber(L, loss);
  return 1;
}

static int f_backward(lua_State *L) {
  backward_fn fn = (backward_fn)(void (*)(void))lua_touserdata(
      L, lua_upvalueindex(1));
  iddl_tensor *gin = iddl_lua_check(L, 1);
  iddl_loss_args a;
  const iddl_tensor *x = lua_toboolean(L, lua_upvalueindex(2))
                             ? mse_args(L, 2, &a) : class_args(L, 2, &a);
  iddl_lua_resize(L, gin, x->ndim, x->size);
  iddl_err err;
  if (fn(iddl_data(gin), iddl_data(x), &a, &err)) iddl_lua_raise(L, &err);
  lua_settop(L, 1);
  return 1;
}

void iddl_lua_nn_loss_functions(lua_State *L) {
  static const struct {
    const char *name;
    forward_fn forward;
    backward_fn backward;
    int mse;
  } losses[] = {
      {"nll", iddl_nll_forward, iddl_nll_backward, 0},
      {"cross_entropy", iddl_cross_entropy_forward,
       iddl_cross_entropy_backward, 0},
      {"mse", iddl_mse_forward, iddl_mse_backward, 1}};
  for (size_t i = 0; i < sizeof losses / sizeof losses[0]; i++) {
    lua_pushfstring(L, "%s_forward", losses[i].name);
    lua_pushlightuserdata(L, (void *)(void (*)(void))losses[i].forward);
    lua_pushboolean(L, losses[i].mse);
    lua_pushcclosure(L, f_forward, 2);
    lua_settable(L, -3);
    lua_pushfstring(L, "%s_backward", losses[i].name);
    lua_pushlightuserdata(L, (void *)(void (*)(void))losses[i].backward);
    lua_pushboolean(L, losses[i].mse);
    lua_pushcclosure(L, f_backward, 2);
    lua_settable(L, -3);
  }
}
