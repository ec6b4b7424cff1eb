/* nn_sparse_conv.h - channel-sparse 2-D convolution: output channel o sees
 * input channel c (with its whole kh x kw kernel) only where a 0/1 pattern
 * connects them; only the connected kernels are stored and computed.
 *
 * Shapes: input (N, C, H, W), output (N, O, Ho, Wo), bias (O), all
 * contiguous row-major float32 that must not overlap. The pattern is
 * (O, C) over ALL input channels (a grouped layer folds its groups into
 * it); the weight is packed (nnz, kh*kw) in the pattern's CSR order
 * (sparse_mm.h, kk = kh*kw).
 *
 * The batch is cut into chunks of nb images whose column matrices
 * (C*kh*kw, nb*Ho*Wo) sit side by side (conv_im2col.h), so small planes
 * still give long rows; per chunk
 *   forward:  Y (O, P) = spmm(W, col)
 *   backward: gradWeight += sddmm(dY, col), dcol = spmm_t(W, dY), col2im.
 * A 3x3 convolution with stride 1 and padding 1 (AVX-512) never builds the
 * column matrix: its three products read (and gradInput adds into) the
 * images in place (sparse_conv3x3.h).
 * Chunks run in parallel over iddl's pool (each slot with its own scratch);
 * with fewer chunks than threads one chunk at a time on the kernels' own
 * threads. A 1x1 convolution with stride 1 and no padding of one image per
 * chunk reads (and writes gradInput) in place, without im2col.
 *
 * Parameter gradients ACCUMULATE (scale * gradient is added). Functions
 * never allocate: the caller passes iddl_sparse_conv_workspace() floats.
 */
#ifndef IDDL_NN_SPARSE_CONV_H
#define IDDL_NN_SPARSE_CONV_H

#include "conv_im2col.h"
#include "sparse_mm.h"

/* One call: fill g's first eleven fields (g.C = all input channels), N,
 * the pattern (O = s->rows, C = s->cols) and optionally chunk (images per
 * product, 0 = automatic), then call iddl_sparse_conv_init. */
typedef struct iddl_sparse_conv {
  iddl_conv_geom g;
  int64_t N;
  const iddl_sparse_pattern *s;
  int64_t chunk;
  /* set by iddl_sparse_conv_init (the plan): */
  int64_t nb;        /* images per chunk */
  int64_t items;     /* ceil(N / nb) chunks */
  int64_t rows;      /* output rows per product (Ho when nb > 1) */
  int64_t ld;        /* leading dimension of the products' matrices
                      * (>= nb*rows*Wo) */
  int slots;         /* workers, each with its own scratch */
  int parallel;      /* 1: chunks in parallel (kernels single-threaded) */
  int direct;        /* 1: 1x1 stride 1 no padding, nb = 1: no im2col */
  int implicit;      /* 1: 3x3 stride 1 padding 1 with AVX-512: no im2col,
                      * the products read the images (sparse_conv3x3.h) */
} iddl_sparse_conv;

/* Checks the geometry (iddl_conv_geom_init), that the pattern has g.C
 * columns and that N >= 0, chunk >= 0, and makes the plan: nb =
 * ceil(512 / (Ho*Wo)) images (at most N / threads), ld = nb*Ho*Wo rounded
 * up to 16 floats and moved off multiples of 256. Returns 0 or -1 with err
 * set. */
int iddl_sparse_conv_init(iddl_sparse_conv *c, iddl_err *err);

/* Floats of workspace the functions below need for c (after init). */
int64_t iddl_sparse_conv_workspace(const iddl_sparse_conv *c);

/* out (N, O, Ho, Wo) = sparse conv(in (N, C, H, W), w (nnz, kh*kw)) + bias
 * (bias may be NULL). */
void iddl_sparse_conv_forward(const iddl_sparse_conv *c, float *out,
                              const float *in, const float *w,
                              const float *bias, float *work);

/* The backward pass in one sweep; each output may be NULL to skip it:
 *   grad_in (N, C, H, W) = d out / d in . grad_out (overwritten)
 *   grad_w (nnz, kh*kw) += scale * d out / d w . grad_out
 *   grad_b (O)          += scale * sums of grad_out over N, Ho, Wo
 * in is read only for grad_w, w only for grad_in. */
void iddl_sparse_conv_backward(const iddl_sparse_conv *c, float *grad_in,
                               float *grad_w, float *grad_b,
                               const float *grad_out, const float *in,
                               const float *w, float scale, float *work);

#endif
