/* tensor_pointwise.c - element-wise kernels with NumPy broadcasting, copies.
 *
 * Each operation broadcasts its inputs to the result's shape with stride-0
 * views (iddl_expand), then walks rows with iddl_iter; the row kernels have a
 * unit-stride path the compiler vectorises.
 */
#include <math.h>

#include "tensor_iter.h"
#include "tensor_ops.h"

/* Broadcast view of src with dst's shape, or an error naming both shapes. */
static int broadcast_to(iddl_tensor *view, const iddl_tensor *src,
                        const iddl_tensor *dst, const char *what,
                        iddl_err *err) {
  if (src->ndim > dst->ndim || iddl_expand(view, src, dst->ndim, dst->size, NULL)) {
    char a[128], b[128];
    return iddl_fail(err, "%s: shape %s cannot be broadcast to %s", what,
                     iddl_shape_str(src, a, 128), iddl_shape_str(dst, b, 128));
  }
  return 0;
}

/* Fails unless out has a's shape. */
static int check_same(const iddl_tensor *out, const iddl_tensor *a,
                      const char *what, iddl_err *err) {
  if (iddl_same_shape(out, a)) return 0;
  char x[128], y[128];
  return iddl_fail(err, "%s: result shape %s differs from input shape %s",
                   what, iddl_shape_str(out, x, 128), iddl_shape_str(a, y, 128));
}

/* --- binary operations ----------------------------------------------------- */

typedef void (*binary_row)(float *o, const float *a, const float *b, int64_t n,
                           int64_t so, int64_t sa, int64_t sb);

/* A row kernel for `o = EXPR(x, y)` with fast paths for unit strides and for
 * a broadcast (stride 0) second operand, the common `tensor op scalar`. */
#define DEFINE_BINARY(name, EXPR)                                            \
  static void name(float *o, const float *a, const float *b, int64_t n,      \
                   int64_t so, int64_t sa, int64_t sb) {                     \
    if (so == 1 && sa == 1 && sb == 1) {                                     \
      for (int64_t i = 0; i < n; i++) {                                      \
        float x = a[i], y = b[i];                                            \
        o[i] = (EXPR);                                                       \
      }                                                                      \
    } else if (so == 1 && sa == 1 && sb == 0) {                              \
      const float y = b[0];                                                  \
      for (int64_t i = 0; i < n; i++) {                                      \
        float x = a[i];                                                      \
        o[i] = (EXPR);                                                       \
      }                                                                      \
    } else {                                                                 \
      for (int64_t i = 0; i < n; i++) {                                      \
        float x = a[i * sa], y = b[i * sb];                                  \
        o[i * so] = (EXPR);                                                  \
      }                                                                      \
    }                                                                        \
  }

DEFINE_BINARY(row_add, x + y)
DEFINE_BINARY(row_sub, x - y)
DEFINE_BINARY(row_mul, x * y)
DEFINE_BINARY(row_div, x / y)
DEFINE_BINARY(row_pow, powf(x, y))
DEFINE_BINARY(row_maximum, (x != x || x > y) ? x : y)
DEFINE_BINARY(row_minimum, (x != x || x < y) ? x : y)
DEFINE_BINARY(row_eq, (float)(x == y))
DEFINE_BINARY(row_ne, (float)(x != y))
DEFINE_BINARY(row_lt, (float)(x < y))
DEFINE_BINARY(row_le, (float)(x <= y))
DEFINE_BINARY(row_gt, (float)(x > y))
DEFINE_BINARY(row_ge, (float)(x >= y))

static const binary_row binary_rows[IDDL_BINOP_COUNT] = {
    [IDDL_ADD] = row_add, [IDDL_SUB] = row_sub, [IDDL_MUL] = row_mul,
    [IDDL_DIV] = row_div, [IDDL_POW] = row_pow, [IDDL_MAXIMUM] = row_maximum,
    [IDDL_MINIMUM] = row_minimum, [IDDL_EQ] = row_eq, [IDDL_NE] = row_ne,
    [IDDL_LT] = row_lt, [IDDL_LE] = row_le, [IDDL_GT] = row_gt,
    [IDDL_GE] = row_ge};

/* Runs a binary row kernel over same-shaped out, a, b. */
static void run_binary(binary_row row, const iddl_tensor *out,
                       const iddl_tensor *a, const iddl_tensor *b) {
  iddl_iter it;
  iddl_iter_init(&it, 3, (const iddl_tensor *[]){out, a, b});
  float *p[3];
  while (iddl_iter_next(&it, p))
    row(p[0], p[1], p[2], it.n, it.inner[0], it.inner[1], it.inner[2]);
}

int iddl_binary(iddl_binop op, iddl_tensor *out, const iddl_tensor *a,
                const iddl_tensor *b, iddl_err *err) {
  iddl_tensor va = {0}, vb = {0};
  if (broadcast_to(&va, a, out, "element-wise operation", err)) return -1;
  if (broadcast_to(&vb, b, out, "element-wise operation", err)) {
    iddl_tensor_release(&va);
    return -1;
  }
  run_binary(binary_rows[op], out, &va, &vb);
  iddl_tensor_release(&va);
  iddl_tensor_release(&vb);
  return 0;
}

int iddl_binary_scalar(iddl_binop op, iddl_tensor *out, const iddl_tensor *a,
                       float s, int scalar_first, iddl_err *err) {
  if (check_same(out, a, "element-wise operation", err)) return -1;
  /* The scalar is a 1-element storage on the stack expanded to a's shape. */
  iddl_storage st = {.data = &s, .n = 1, .refcount = 2};
  iddl_tensor vs = {.storage = &st, .ndim = a->ndim};
  for (int i = 0; i < a->ndim; i++) vs.size[i] = a->size[i];
  binary_row row = binary_rows[op];
  if (scalar_first) {
    iddl_iter it;
    iddl_iter_init(&it, 3, (const iddl_tensor *[]){out, &vs, a});
    float *p[3];
    while (iddl_iter_next(&it, p))
      row(p[0], p[1], p[2], it.n, it.inner[0], it.inner[1], it.inner[2]);
  } else {
    run_binary(row, out, a, &vs);
  }
  return 0;
}

/* --- unary operations ----------------------------------------------------- */

typedef void (*unary_row)(float *o, const float *a, int64_t n, int64_t so,
                          int64_t sa);

#define DEFINE_UNARY(name, EXPR)                                          \
  static void name(float *o, const float *a, int64_t n, int64_t so,       \
                   int64_t sa) {                                          \
    if (so == 1 && sa == 1) {                                             \
      for (int64_t i = 0; i < n; i++) {                                   \
        float x = a[i];                                                   \
        o[i] = (EXPR);                                                    \
      }                                                                   \
    } else {                                                              \
      for (int64_t i = 0; i < n; i++) {                                   \
        float x = a[i * sa];                                              \
        o[i * so] = (EXPR);                                               \
      }                                                                   \
    }                                                                     \
  }

DEFINE_UNARY(row_neg, -x)
DEFINE_UNARY(row_exp, expf(x))
DEFINE_UNARY(row_log, logf(x))
DEFINE_UNARY(row_sqrt, sqrtf(x))
DEFINE_UNARY(row_abs, fabsf(x))
DEFINE_UNARY(row_tanh, tanhf(x))
DEFINE_UNARY(row_sigmoid, x >= 0 ? 1.0f / (1.0f + expf(-x))
                                 : expf(x) / (1.0f + expf(x)))
DEFINE_UNARY(row_relu, x > 0 ? x : (x != x ? x : 0.0f))
DEFINE_UNARY(row_sign, (float)((x > 0) - (x < 0)))
DEFINE_UNARY(row_floor, floorf(x))
DEFINE_UNARY(row_ceil, ceilf(x))
DEFINE_UNARY(row_round, nearbyintf(x))
DEFINE_UNARY(row_square, x * x)
DEFINE_UNARY(row_rsqrt, 1.0f / sqrtf(x))
DEFINE_UNARY(row_reciprocal, 1.0f / x)
DEFINE_UNARY(row_sin, sinf(x))
DEFINE_UNARY(row_cos, cosf(x))
DEFINE_UNARY(row_copy, x)

static const unary_row unary_rows[IDDL_UNOP_COUNT] = {
    [IDDL_NEG] = row_neg,         [IDDL_EXP] = row_exp,
    [IDDL_LOG] = row_log,         [IDDL_SQRT] = row_sqrt,
    [IDDL_ABS] = row_abs,         [IDDL_TANH] = row_tanh,
    [IDDL_SIGMOID] = row_sigmoid, [IDDL_RELU] = row_relu,
    [IDDL_SIGN] = row_sign,       [IDDL_FLOOR] = row_floor,
    [IDDL_CEIL] = row_ceil,       [IDDL_ROUND] = row_round,
    [IDDL_SQUARE] = row_square,   [IDDL_RSQRT] = row_rsqrt,
    [IDDL_RECIPROCAL] = row_reciprocal, [IDDL_SIN] = row_sin,
    [IDDL_COS] = row_cos};

static void run_unary(unary_row row, const iddl_tensor *out,
                      const iddl_tensor *a) {
  iddl_iter it;
  iddl_iter_init(&it, 2, (const iddl_tensor *[]){out, a});
  float *p[2];
  while (iddl_iter_next(&it, p))
    row(p[0], p[1], it.n, it.inner[0], it.inner[1]);
}

int iddl_unary(iddl_unop op, iddl_tensor *out, const iddl_tensor *a,
               iddl_err *err) {
  if (check_same(out, a, "element-wise operation", err)) return -1;
  run_unary(unary_rows[op], out, a);
  return 0;
}

int iddl_clamp(iddl_tensor *out, const iddl_tensor *a, float lo, float hi,
               iddl_err *err) {
  if (check_same(out, a, "clamp", err)) return -1;
  if (lo > hi)
    return iddl_fail(err, "clamp: min %g is larger than max %g", lo, hi);
  iddl_iter it;
  iddl_iter_init(&it, 2, (const iddl_tensor *[]){out, a});
  float *p[2];
  while (iddl_iter_next(&it, p))
    for (int64_t i = 0; i < it.n; i++) {
      float x = p[1][i * it.inner[1]];
      p[0][i * it.inner[0]] = x < lo ? lo : (x > hi ? hi : x);
    }
  return 0;
}

int iddl_where(iddl_tensor *out, const iddl_tensor *cond, const iddl_tensor *a,
               const iddl_tensor *b, iddl_err *err) {
  iddl_tensor v[3] = {{0}};
  const iddl_tensor *src[3] = {cond, a, b};
  for (int k = 0; k < 3; k++)
    if (broadcast_to(&v[k], src[k], out, "where", err)) {
      for (int j = 0; j < k; j++) iddl_tensor_release(&v[j]);
      return -1;
    }
  iddl_iter it;
  iddl_iter_init(&it, 4, (const iddl_tensor *[]){out, &v[0], &v[1], &v[2]});
  float *p[4];
  while (iddl_iter_next(&it, p))
    for (int64_t i = 0; i < it.n; i++)
      p[0][i * it.inner[0]] = p[1][i * it.inner[1]] != 0
                                  ? p[2][i * it.inner[2]]
                                  : p[3][i * it.inner[3]];
  for (int k = 0; k < 3; k++) iddl_tensor_release(&v[k]);
  return 0;
}

int iddl_add_scaled(iddl_tensor *out, const iddl_tensor *a, float alpha,
                    iddl_err *err) {
  iddl_tensor va = {0};
  if (broadcast_to(&va, a, out, "add", err)) return -1;
  iddl_iter it;
  iddl_iter_init(&it, 2, (const iddl_tensor *[]){out, &va});
  float *p[2];
  while (iddl_iter_next(&it, p)) {
    float *o = p[0];
    const float *x = p[1];
    if (it.inner[0] == 1 && it.inner[1] == 1)
      for (int64_t i = 0; i < it.n; i++) o[i] += alpha * x[i];
    else
      for (int64_t i = 0; i < it.n; i++)
        o[i * it.inner[0]] += alpha * x[i * it.inner[1]];
  }
  iddl_tensor_release(&va);
  return 0;
}

void iddl_fill(iddl_tensor *t, float v) {
  iddl_iter it;
  iddl_iter_init(&it, 1, (const iddl_tensor *[]){t});
  float *p[1];
  while (iddl_iter_next(&it, p))
    for (int64_t i = 0; i < it.n; i++) p[0][i * it.inner[0]] = v;
}

int64_t iddl_count_nonfinite(const iddl_tensor *t) {
  iddl_iter it;
  iddl_iter_init(&it, 1, (const iddl_tensor *[]){t});
  float *p[1];
  int64_t bad = 0;
  while (iddl_iter_next(&it, p))
    for (int64_t i = 0; i < it.n; i++) bad += !isfinite(p[0][i * it.inner[0]]);
  return bad;
}

/* --- copies ----------------------------------------------------------------- */

int iddl_copy(iddl_tensor *dst, const iddl_tensor *src, iddl_err *err) {
  iddl_tensor v = {0};
  if (broadcast_to(&v, src, dst, "copy", err)) return -1;
  run_unary(row_copy, dst, &v);
  iddl_tensor_release(&v);
  return 0;
}

int iddl_clone(iddl_tensor *out, const iddl_tensor *t, iddl_err *err) {
  if (iddl_tensor_alloc_like(out, t, err)) return -1;
  run_unary(row_copy, out, t);
  return 0;
}

int iddl_contiguous(iddl_tensor *out, const iddl_tensor *t, iddl_err *err) {
  if (iddl_is_contiguous(t)) {
    iddl_tensor_share(out, t);
    return 0;
  }
  return iddl_clone(out, t, err);
}
