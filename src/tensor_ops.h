/* tensor_ops.h - element-wise, reduction and matrix kernels on iddl_tensor.
 *
 * Calling convention (one order everywhere): result tensors first, then the
 * inputs, then scalar parameters, then the iddl_err. Result tensors are
 * allocated by the caller with the shape the operation produces (the *_shape
 * helpers compute it); they may alias an input of the same shape (in-place).
 * All dimensions are 0-based. Every function returns 0, or -1 with err set.
 */
#ifndef IDDL_TENSOR_OPS_H
#define IDDL_TENSOR_OPS_H

#include "tensor.h"

typedef enum iddl_binop {
  IDDL_ADD, IDDL_SUB, IDDL_MUL, IDDL_DIV, IDDL_POW, IDDL_MAXIMUM, IDDL_MINIMUM,
  IDDL_EQ, IDDL_NE, IDDL_LT, IDDL_LE, IDDL_GT, IDDL_GE, IDDL_BINOP_COUNT
} iddl_binop;

typedef enum iddl_unop {
  IDDL_NEG, IDDL_EXP, IDDL_LOG, IDDL_SQRT, IDDL_ABS, IDDL_TANH, IDDL_SIGMOID,
  IDDL_RELU, IDDL_SIGN, IDDL_FLOOR, IDDL_CEIL, IDDL_ROUND, IDDL_SQUARE,
  IDDL_RSQRT, IDDL_RECIPROCAL, IDDL_SIN, IDDL_COS, IDDL_UNOP_COUNT
} iddl_unop;

/* out = a op b, with a and b broadcast to out's shape (comparisons give
 * 1.0 where true, 0.0 where false). */
int iddl_binary(iddl_binop op, iddl_tensor *out, const iddl_tensor *a,
                const iddl_tensor *b, iddl_err *err);
/* out = a op s, or s op a when scalar_first; out has a's shape. */
int iddl_binary_scalar(iddl_binop op, iddl_tensor *out, const iddl_tensor *a,
                       float s, int scalar_first, iddl_err *err);
/* out = f(a); out has a's shape. */
int iddl_unary(iddl_unop op, iddl_tensor *out, const iddl_tensor *a,
               iddl_err *err);
/* out = min(max(a, lo), hi); pass -INFINITY / INFINITY for no bound. */
int iddl_clamp(iddl_tensor *out, const iddl_tensor *a, float lo, float hi,
               iddl_err *err);
/* out = cond != 0 ? a : b, all three broadcast to out's shape. */
int iddl_where(iddl_tensor *out, const iddl_tensor *cond, const iddl_tensor *a,
               const iddl_tensor *b, iddl_err *err);
/* out += alpha * a (a broadcast to out): the axpy of optimizers. */
int iddl_add_scaled(iddl_tensor *out, const iddl_tensor *a, float alpha,
                    iddl_err *err);
/* Sets every element of t to v. */
void iddl_fill(iddl_tensor *t, float v);

/* Number of elements of t that are not finite (NaN or +-inf). */
int64_t iddl_count_nonfinite(const iddl_tensor *t);

/* --- reductions ---------------------------------------------------------- */

typedef enum iddl_redop {
  IDDL_SUM, IDDL_MEAN, IDDL_MAX, IDDL_MIN, IDDL_ARGMAX, IDDL_ARGMIN,
  IDDL_VAR, IDDL_STD, IDDL_PROD
} iddl_redop;

/* Reduces all elements. Accumulates in double. For VAR/STD, `correction` is
 * subtracted from n in the divisor (1 = unbiased, as PyTorch's default).
 * ARGMAX/ARGMIN give the 0-based flat index of the first extreme element.
 * Fails on an empty tensor for MAX/MIN/ARG*. */
int iddl_reduce_all(iddl_redop op, double *result, const iddl_tensor *t,
                    int correction, iddl_err *err);
/* Reduces dimension dim. out (and indices, may be NULL; used only by
 * MAX/MIN/ARG*) have t's shape with size 1 at dim. Indices are 0-based.
 * For ARGMAX/ARGMIN out receives the indices. */
int iddl_reduce_dim(iddl_redop op, iddl_tensor *out, iddl_tensor *indices,
                    const iddl_tensor *t, int dim, int correction,
                    iddl_err *err);

/* --- matrix products (OpenBLAS) ------------------------------------------ */

/* Shape of matmul(a, b) with NumPy's rules: 1-D operands are promoted and the
 * added dimension removed again, batch dimensions broadcast. */
int iddl_matmul_shape(const iddl_tensor *a, const iddl_tensor *b, int *ndim,
                      int64_t *size, iddl_err *err);
/* out = a @ b; out must have iddl_matmul_shape(a, b) and not alias a or b. */
int iddl_matmul(iddl_tensor *out, const iddl_tensor *a, const iddl_tensor *b,
                iddl_err *err);

#endif
