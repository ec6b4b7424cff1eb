/* nn_sparse_linear.h - a linear layer that stores and computes only the
 * connections of a mask (sparse_mm.h with kk = 1).
 *
 * Shapes: mask (O, I) as the pattern's (rows, cols); packed weight (nnz) in
 * the pattern's CSR order (row-major order of the mask's ones); bias (O);
 * input (B, I); output (B, O). The products run with the batch as the
 * vectorised dimension, on copies in batch tiles (sparse_mm.h): T =
 * iddl_sparse_linear_tiles(B) tiles (n, 16) each of the input xt (n = I),
 * the output yt (O), gradOutput gt (O) and gradInput gxt (I). The tiles
 * are grouped in R regions, one per thread (iddl_sparse_linear_regions),
 * that lie apart in their buffer of iddl_sparse_linear_tile_floats(B, n,
 * R) floats; yt and gxt are scratch (each region reuses its first tile).
 * Each tile is made, used and written back while it is in cache, and the
 * regions are split over iddl's thread pool when the work pays for it. The
 * caller owns these buffers. Parameter gradients ACCUMULATE. Arrays must
 * not overlap.
 */
#ifndef IDDL_NN_SPARSE_LINEAR_H
#define IDDL_NN_SPARSE_LINEAR_H

#include "sparse_mm.h"

/* The number of batch tiles of a batch of B: ceil(B / IDDL_SPARSE_TILE). */
int64_t iddl_sparse_linear_tiles(int64_t B);

/* The regions of a batch of B for the current thread count: at least 1,
 * at most the tiles and the threads. */
int64_t iddl_sparse_linear_regions(int64_t B);

/* The floats of a buffer of the batch tiles of B rows of n values in
 * `regions` regions. */
int64_t iddl_sparse_linear_tile_floats(int64_t B, int64_t n, int64_t regions);

/* The regions of a buffer of `floats` floats holding the tiles of B rows of
 * n values, or -1 when no layout has that size. */
int64_t iddl_sparse_linear_regions_of(int64_t floats, int64_t B, int64_t n);

/* xt (tile floats of B, I) = in (B, I) in batch tiles: what the backward
 * pass reads. */
void iddl_sparse_linear_save_input(const iddl_sparse_pattern *s, float *xt,
                                   const float *in, int64_t B, int64_t regions);

/* out (B, O) = in (B, I) @ S(weight)^T + bias (bias may be NULL). Leaves
 * in in xt (tile floats of B, I), as iddl_sparse_linear_save_input; yt
 * (tile floats of B, O) is scratch. */
void iddl_sparse_linear_forward(const iddl_sparse_pattern *s, float *out,
                                float *xt, float *yt, const float *in,
                                const float *weight, const float *bias,
                                int64_t B, int64_t regions);

/* The backward pass from grad_out (B, O); gt (tile floats of B, O)
 * receives grad_out in tiles. If grad_in: grad_in (B, I) = grad_out @
 * S(weight) (overwritten; gxt (tile floats of B, I) is scratch). If
 * grad_weight: grad_weight (nnz) += scale * the entries of grad_out^T @ in
 * at the connections, from xt as left by the forward pass (in the same
 * number of regions). If grad_bias: grad_bias (O) += scale * the
 * column sums of grad_out. wt is scratch of iddl_parallel_threads() * nnz
 * floats (the weights by input, then per-thread partial weight gradients). */
void iddl_sparse_linear_backward(const iddl_sparse_pattern *s, float *grad_in,
                                 float *grad_weight, float *grad_bias,
                                 float *gxt, float *gt, float *wt,
                                 const float *grad_out, const float *xt,
                                 const float *weight, int64_t B, int64_t regions,
                                 float scale);

#endif
