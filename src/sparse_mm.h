/* sparse_mm.h - products with a block-sparse matrix that store and compute
 * only its connections.
 *
 * A mask (rows x cols, 0/1) says which output row o is connected to which
 * input column c. The sparse matrix S(W) it describes is (rows x cols*kk):
 * each connection (o, c) is a 1 x kk block of weights covering the columns
 * c*kk .. c*kk + kk-1. A sparse linear layer is kk = 1 (X = input^T); a
 * channel-sparse convolution on im2col columns is kk = kh*kw (input channel
 * c owns the im2col rows c*kk + t, t = 0..kk-1).
 *
 * Weights are packed (nnz, kk) in CSR order: connection j of the pattern
 * (row-major order of the mask's ones) owns W[j*kk .. j*kk + kk-1].
 * Matrices are row-major with a leading dimension (elements between rows):
 * X (cols*kk, P), Y (rows, P). Time and memory are proportional to
 * nnz * kk * P; the kernels are vectorised for AVX-512, AVX2 or SSE (chosen
 * at run time from the CPU), tiled over P and split over iddl's thread pool
 * when the work is large enough. Give X and Y a leading dimension that is
 * not a multiple of 256 floats (pad by 16): rows a power of two apart
 * collide in the caches (P = 8192: 30 GFLOP/s with ld = P, 45 with P + 16).
 */
#ifndef IDDL_SPARSE_MM_H
#define IDDL_SPARSE_MM_H

#include <stdint.h>

#include "tensor.h"

/* The connections of a mask, indexed both ways. Built once per layer. */
typedef struct iddl_sparse_pattern {
  int64_t rows, cols, nnz;
  int64_t *row_ptr;  /* (rows + 1): row o owns connections row_ptr[o] .. row_ptr[o+1]-1 */
  int32_t *col;      /* (nnz) input column of each connection, CSR order */
  int64_t *col_ptr;  /* (cols + 1): column c owns entries col_ptr[c] .. col_ptr[c+1]-1 */
  int32_t *t_row;    /* (nnz) output row of each entry, by-input order */
  int64_t *t_conn;   /* (nnz) CSR index (into W) of each entry, by-input order */
  int64_t empty_rows;   /* rows without any connection */
} iddl_sparse_pattern;

/* Builds *s from mask (rows, cols), row-major, every entry exactly 0 or 1.
 * rows, cols >= 1 and below 2^31. Returns 0, or -1 with err set (a non-0/1
 * entry, named by its 1-based (row, column) and value; bad sizes; out of memory),
 * in which case *s holds nothing. The caller frees with
 * iddl_sparse_pattern_free. */
int iddl_sparse_pattern_init(iddl_sparse_pattern *s, const float *mask,
                             int64_t rows, int64_t cols, iddl_err *err);

/* Frees what *s owns and clears it; safe on a zeroed or freed pattern. */
void iddl_sparse_pattern_free(iddl_sparse_pattern *s);

/* Y (rows, P; ldy) = S(W) @ X (cols*kk, P; ldx), or Y += S(W) @ X when
 * accumulate is non-zero. W (nnz, kk). Rows without connections become 0
 * (or stay as they are when accumulating). Y must not overlap X or W. */
void iddl_spmm(const iddl_sparse_pattern *s, int64_t kk, const float *w,
               const float *x, int64_t ldx, int64_t P, float *y, int64_t ldy,
               int accumulate);

/* dX (cols*kk, P; lddx) = S(W)^T @ dY (rows, P; lddy), or += when
 * accumulate is non-zero. Each column is computed from its own entries (the
 * by-input index), so no two threads write the same element. */
void iddl_spmm_t(const iddl_sparse_pattern *s, int64_t kk, const float *w,
                 const float *dy, int64_t lddy, int64_t P, float *dx,
                 int64_t lddx, int accumulate);

/* dW (nnz, kk) += scale * (dY @ X^T) at the connections only:
 * dW[j*kk + t] += scale * sum_p dY[o, p] * X[c*kk + t, p] for connection j
 * = (o, c). dY (rows, P; lddy), X (cols*kk, P; ldx). */
void iddl_sddmm(const iddl_sparse_pattern *s, int64_t kk, const float *dy,
                int64_t lddy, const float *x, int64_t ldx, int64_t P,
                float scale, float *dw);

/* --- batch tiles --------------------------------------------------------
 * A batch (B, n) in tiles: T = ceil(B / IDDL_SPARSE_TILE) tiles of
 * (n, IDDL_SPARSE_TILE), element (b, i) at tile b / 16, row i, lane b % 16;
 * lanes past B hold zeros. Per tile the products run on one vector (or a
 * few) per connection, with both operands in cache; these functions run on
 * the calling thread (the caller splits tiles or rows over threads). kk = 1.
 */
#define IDDL_SPARSE_TILE 16

/* yt (rows, 16) = S(W) @ xt (cols, 16): one tile of the sparse linear
 * layer's forward pass (y^T). */
void iddl_spmm_tile(const iddl_sparse_pattern *s, const float *w,
                    const float *xt, float *yt);

/* wt (nnz, kk) = the weights w (nnz, kk; CSR order) in by-input order
 * (entry e of the by-input index gets connection t_conn[e]'s kk weights),
 * as iddl_spmm_t_tile (kk = 1) and sparse_conv3x3.h (kk = 9) read them. */
void iddl_sparse_by_input(const iddl_sparse_pattern *s, int64_t kk,
                          const float *w, float *wt);

/* gxt (cols, 16) = S(W)^T @ gt (rows, 16), from the weights in by-input
 * order (iddl_sparse_by_input). */
void iddl_spmm_t_tile(const iddl_sparse_pattern *s, const float *wt,
                      const float *gt, float *gxt);

/* For the connections of rows [r0, r1): dW[j] += scale * sum over the
 * batch of G[b, o] * X[b, c], j = (o, c), from the whole batch in tiles:
 * gt (tiles, rows, 16), xt (tiles, cols, 16). */
void iddl_sddmm_tiles(const iddl_sparse_pattern *s, const float *gt,
                      const float *xt, int64_t tiles, int64_t r0, int64_t r1,
                      float scale, float *dw);

/* Kernels for tests and benchmarks: iddl_sparse_force_isa("avx512" |
 * "avx2" | "sse") makes every product use that instruction set (returns -1,
 * changing nothing, if the CPU lacks it or the name is unknown); NULL goes
 * back to the best one the CPU has. iddl_sparse_isa() names the one in use. */
int iddl_sparse_force_isa(const char *name);
const char *iddl_sparse_isa(void);

#endif
