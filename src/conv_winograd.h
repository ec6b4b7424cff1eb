/* conv_winograd.h - 3x3 stride-1 convolution by Winograd's F(2x2, 3x3).
 *
 * Each 2x2 block of output pixels (a tile) comes from a 4x4 block of input
 * pixels. In the Winograd domain a tile needs 16 multiply-accumulates per
 * (input, output) channel pair instead of 36, so the products, which are
 * most of the time of a convolution, do 2.25x less work:
 *
 *   V[xi] (C/G, tiles)  = B^T d B      for every 4x4 input block d
 *   U[xi] (O/G, C/G)    = G w G^T      for every 3x3 kernel w
 *   M[xi] (O/G, tiles)  = U[xi] @ V[xi]          16 sgemms, xi = 0..15
 *   y (2x2)             = A^T m A      for every tile's 16 values m
 *
 * The gradient of the input is the same convolution of gradOutput with the
 * kernels rotated by 180 degrees and transposed (padding 2 - p); the
 * gradient of the kernels is G^T (sum over tiles of (A dy A^T) V^T) G.
 * Rounding differs from the direct sum by a few units in the last place
 * (the transforms only add, subtract and halve).
 *
 * Batches are cut into products of about 256 tiles (chunks of images, or
 * bands of tile rows of one image) run as nn_conv.h's plan says; these
 * functions are called by nn_conv.c, which checks the shapes.
 */
#ifndef IDDL_CONV_WINOGRAD_H
#define IDDL_CONV_WINOGRAD_H

#include "nn_conv.h"

/* Whether s can run on Winograd: a 3x3 kernel, stride 1, dilation 1,
 * padding at most 2 (so that the input gradient is a convolution too). */
int iddl_wino_fits(const iddl_conv2d *s);

/* Whether Winograd is the faster algorithm for s (when it fits): for
 * images of at least 256 tiles (32x32 outputs), which it processes one at
 * a time in bands of tile rows, always; for smaller images, processed in
 * chunks, when every group has at least 32 input and output channels, as
 * with fewer its 16 small products per group lose to im2col's one. */
int iddl_wino_pays(const iddl_conv2d *s);

/* Floats of workspace the functions below need for s (after init). */
int64_t iddl_wino_workspace(const iddl_conv2d *s);

/* As iddl_conv2d_forward, for an s that fits. */
void iddl_wino_forward(const iddl_conv2d *s, float *out, const float *in,
                       const float *weight, const float *bias, float *work);

/* As iddl_conv2d_backward, for an s that fits. */
void iddl_wino_backward(const iddl_conv2d *s, float *grad_in,
                        float *grad_weight, float *grad_bias,
                        const float *grad_out, const float *in,
                        const float *weight, float scale, float *work);

#endif
