/* nn_conv.h - 2-D convolution (dense and grouped) on plain float arrays.
 *
 * Shapes follow PyTorch: input (N, C, H, W), weight (O, C/G, kh, kw), bias
 * (O), output (N, O, Ho, Wo), all contiguous row-major float32 that must not
 * overlap. With G groups, output channels [g*O/G, (g+1)*O/G) see only input
 * channels [g*C/G, (g+1)*C/G).
 *
 * Two algorithms (iddl_conv2d_init picks one):
 * - im2col (conv_im2col.h) followed by one sgemm per group,
 *     out_g (O/G, Ho*Wo) = weight_g (O/G, C/G*kh*kw) @ col_g (C/G*kh*kw, Ho*Wo)
 *   for any geometry; a 1x1 convolution with stride 1 and no padding uses
 *   the input as its column matrix;
 * - Winograd F(2x2, 3x3) (conv_winograd.h) for 3x3 kernels with stride 1:
 *   16 sgemms per group doing 2.25x fewer multiply-accumulates.
 * Products have about 256 columns (output pixels or tiles): small images
 * are handled in chunks of several images per product, large ones in tiles
 * of output rows, so that each group's column matrix is used by its
 * products while it is still in the core's cache. All groups of one chunk
 * or tile are done in one pass.
 *
 * Parameter gradients ACCUMULATE (scale * gradient is added) until the
 * caller zeroes them, as in nn_linear.h. Functions return 0, or -1 with err
 * set (bad geometry, OpenBLAS missing); they never allocate: the caller
 * passes a workspace of iddl_conv2d_workspace() floats.
 */
#ifndef IDDL_NN_CONV_H
#define IDDL_NN_CONV_H

#include "conv_im2col.h"
#include "tensor.h"

/* How the batch is cut and spread over the cores. */
typedef enum {
  IDDL_CONV_AUTO = 0,   /* choose by the rule of iddl_conv2d_init */
  IDDL_CONV_BATCH,      /* chunks of images in parallel, 1-thread sgemm */
  IDDL_CONV_GEMM        /* chunks in turn, every sgemm multi-threaded */
} iddl_conv_threading;

/* How the products are formed. */
typedef enum {
  IDDL_CONV_ALGO_AUTO = 0,  /* Winograd where it fits and pays, else im2col */
  IDDL_CONV_IM2COL,         /* im2col + sgemm (any geometry) */
  IDDL_CONV_WINOGRAD        /* F(2x2, 3x3): 3x3, stride 1, dilation 1,
                             * padding <= 2 (conv_winograd.h) */
} iddl_conv_algorithm;

/* One convolution call: fill N, O, groups and the geometry's first eleven
 * fields (g.C = all input channels), optionally threading, chunk (images
 * per product) and tile (output rows per product when it holds one image),
 * 0 meaning automatic, then call iddl_conv2d_init. */
typedef struct iddl_conv2d {
  iddl_conv_geom g;        /* one image; Ho, Wo set by iddl_conv2d_init */
  int64_t N, O, groups;
  iddl_conv_threading threading;
  iddl_conv_algorithm algorithm;
  int64_t chunk, tile;
  /* set by iddl_conv2d_init (the plan): */
  int64_t nb;              /* images per product */
  int64_t rows;            /* output rows per product (Ho when nb > 1) */
  int64_t items;           /* ceil(N / nb) chunks of images */
  int slots;               /* workers (each with its own workspace) */
  int batch_parallel;      /* 1: IDDL_CONV_BATCH, 0: IDDL_CONV_GEMM */
  int winograd;            /* 1: conv_winograd.c does the work */
} iddl_conv2d;

/* Checks the shapes (positive channels, C and O divisible by groups, the
 * geometry as iddl_conv_geom_init; a geometry Winograd cannot do when it is
 * asked for) and makes the plan. The automatic plan: Winograd where it fits
 * and pays (iddl_wino_pays), else im2col;
 * nb = ceil(256 / (Ho*Wo)) images per product (tiles for Winograd), but at
 * most N / threads so every thread gets work; when nb is 1, tiles of
 * ceil(256 / Wo) output rows; batch-parallel whenever there are at least as
 * many chunks as threads, else one product at a time on multi-threaded
 * sgemm (see doc/nn.md for the measurements behind the rules). */
int iddl_conv2d_init(iddl_conv2d *s, iddl_err *err);

/* Floats of workspace the functions below need for s (after init). */
int64_t iddl_conv2d_workspace(const iddl_conv2d *s);

/* out (N, O, Ho, Wo) = conv(in (N, C, H, W), weight) + bias (bias may be
 * NULL). work: iddl_conv2d_workspace(s) floats. */
int iddl_conv2d_forward(const iddl_conv2d *s, float *out, const float *in,
                        const float *weight, const float *bias, float *work,
                        iddl_err *err);

/* The backward pass, in one sweep over the batch; each output may be NULL to
 * skip it:
 *   grad_in (N, C, H, W)   = d conv / d in . grad_out (overwritten)
 *   grad_weight (O, C/G, kh, kw) += scale * d conv / d weight . grad_out
 *   grad_bias (O)           += scale * sums of grad_out over N, Ho, Wo
 * in is read only for grad_weight, weight only for grad_in. grad_out is
 * (N, O, Ho, Wo); work: iddl_conv2d_workspace(s) floats. */
int iddl_conv2d_backward(const iddl_conv2d *s, float *grad_in,
                         float *grad_weight, float *grad_bias,
                         const float *grad_out, const float *in,
                         const float *weight, float scale, float *work,
                         iddl_err *err);

#endif
