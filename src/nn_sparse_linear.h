/* nn_sparse_linear.h - a linear layer that stores and computes only the
 * connections of a mask (sparse_mm.h with kk = 1).
 *
 * Shapes: mask (O, I) as the pattern's (rows, cols); packed weight (nnz) in
 * the pattern's CSR order (row-major order of the mask's ones); bias (O);
 * input (B, I); output (B, O). The products run with the batch as the
 * vectorised dimension, on copies in batch tiles (sparse_mm.h): T =
 * iddl_sparse_linear_tiles(B) tiles each of the input xt (T, I, 16), the
 * output yt (T, O, 16), gradOutput gt (T, O, 16) and gradInput gxt (T, I,
 * 16), T tiles each (yt and gxt are scratch: each chunk of tiles reuses
 * its first one). Each tile is made, used and written back while it is in cache, and
 * tiles are split over iddl's thread pool when the work pays for it. The
 * caller owns these scratch buffers. Parameter gradients ACCUMULATE. Arrays
 * must not overlap.
 */
#ifndef IDDL_NN_SPARSE_LINEAR_H
#define IDDL_NN_SPARSE_LINEAR_H

#include "sparse_mm.h"

/* The number of batch tiles of a batch of B: ceil(B / IDDL_SPARSE_TILE). */
int64_t iddl_sparse_linear_tiles(int64_t B);

/* xt (T, I, 16) = in (B, I) in batch tiles: what the backward pass reads. */
void iddl_sparse_linear_save_input(const iddl_sparse_pattern *s, float *xt,
                                   const float *in, int64_t B);

/* out (B, O) = in (B, I) @ S(weight)^T + bias (bias may be NULL). Leaves
 * in in xt (T, I, 16), as iddl_sparse_linear_save_input; yt (T, O, 16) is
 * scratch. */
void iddl_sparse_linear_forward(const iddl_sparse_pattern *s, float *out,
                                float *xt, float *yt, const float *in,
                                const float *weight, const float *bias,
                                int64_t B);

/* The backward pass from grad_out (B, O); gt (T, O, 16) receives grad_out
 * in tiles. If grad_in: grad_in (B, I) = grad_out @ S(weight) (overwritten;
 * gxt (T, I, 16) is scratch). If grad_weight: grad_weight (nnz) += scale *
 * the entries of grad_out^T @ in at the connections, from xt (T, I, 16) as
 * left by the forward pass. If grad_bias: grad_bias (O) += scale * the
 * column sums of grad_out. wt is scratch of iddl_parallel_threads() * nnz
 * floats (the weights by input, then per-thread partial weight gradients). */
void iddl_sparse_linear_backward(const iddl_sparse_pattern *s, float *grad_in,
                                 float *grad_weight, float *grad_bias,
                                 float *gxt, float *gt, float *wt,
                                 const float *grad_out, const float *xt,
                                 const float *weight, int64_t B, float scale);

#endif
