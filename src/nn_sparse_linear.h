/* nn_sparse_linear.h - a linear layer that stores and computes only the
 * connections of a mask (sparse_mm.h with kk = 1).
 *
 * Shapes: mask (O, I) as the pattern's (rows, cols); packed weight (nnz) in
 * the pattern's CSR order (row-major order of the mask's ones); bias (O);
 * input (B, I); output (B, O). The products run with the batch as the
 * vectorised dimension, on transposed copies: x^T (I, B), y^T (O, B),
 * gradOutput^T (O, B), gradInput^T (I, B), each stored with the row stride
 * ld = iddl_sparse_linear_ld(B) (so buffers of at least rows * ld floats);
 * the caller owns these scratch buffers. Parameter gradients ACCUMULATE.
 * Arrays must not overlap.
 */
#ifndef IDDL_NN_SPARSE_LINEAR_H
#define IDDL_NN_SPARSE_LINEAR_H

#include "sparse_mm.h"

/* The row stride of the transposed buffers for a batch of B: B, padded by
 * 16 when B is a multiple of 64, because rows 256 bytes apart or a power of
 * two further collide in the caches (measured: the transpose of a 512x784
 * input takes 138 us into stride 512, 60 us into stride 528). */
int64_t iddl_sparse_linear_ld(int64_t B);

/* xT (I, B; ld) = in (B, I)^T: what the backward pass reads. */
void iddl_sparse_linear_save_input(const iddl_sparse_pattern *s, float *xT,
                                   const float *in, int64_t B);

/* out (B, O) = in (B, I) @ S(weight)^T + bias (bias may be NULL). Leaves
 * in^T in xT (I, B; ld), as iddl_sparse_linear_save_input; yT (O, B; ld) is
 * scratch. */
void iddl_sparse_linear_forward(const iddl_sparse_pattern *s, float *out,
                                float *xT, float *yT, const float *in,
                                const float *weight, const float *bias,
                                int64_t B);

/* The backward pass from grad_out (B, O); gT (O, B; ld) receives
 * grad_out^T. If grad_in: grad_in (B, I) = grad_out @ S(weight)
 * (overwritten; gxT (I, B; ld) is scratch). If grad_weight: grad_weight
 * (nnz) += scale * the entries of grad_out^T @ in at the connections, from
 * xT = in^T (I, B; ld). If grad_bias: grad_bias (O) += scale * the column
 * sums of grad_out. */
void iddl_sparse_linear_backward(const iddl_sparse_pattern *s, float *grad_in,
                                 float *grad_weight, float *grad_bias,
                                 float *gxT, float *gT, const float *grad_out,
                                 const float *xT, const float *weight,
                                 int64_t B, float scale);

#endif
