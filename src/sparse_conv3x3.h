/* sparse_conv3x3.h - the products of a channel-sparse 3x3 convolution
 * (stride 1, padding 1, dilation 1) read straight from the images, without
 * a column matrix.
 *
 * Tap t = 3*dy + dx of input channel c at output pixel (y, x) is the input
 * pixel (y + dy - 1, x + dx - 1), or 0 off the image. Sixteen consecutive
 * output pixels of a plane are one vector; its tap t is one masked load
 * from the input plane at an offset of (dy - 1)*W + dx - 1 (the mask zeroes
 * the lanes that fall off the image, so rows of any width work). im2col
 * wrote nine copies of every input, in the forward pass and again for the
 * weight gradient: a sixth of a B-ResNet-18 training step.
 *
 * A piece is nimg images, output rows [oh0, oh1) of each: n = (oh1 -
 * oh0)*W columns per image, P = nimg*n in all, column b*n + i being pixel
 * oh0*W + i of image b. Its forward output is a matrix (O, P; ld) as for
 * the im2col path (nn_sparse_conv.c: rows of output channels a power of two
 * apart would collide in the caches); the images of the input (nimg, C, H,
 * W), of gradOutput (nimg, O, H, W) and of gradInput are read (gradInput
 * added to) in place. The weight is packed (nnz, 9) (sparse_mm.h, kk = 9).
 * The functions run on the calling thread.
 */
#ifndef IDDL_SPARSE_CONV3X3_H
#define IDDL_SPARSE_CONV3X3_H

#include "conv_im2col.h"
#include "sparse_mm.h"

/* Whether the kernels below serve geometry g with pieces of nimg images of
 * n columns: a 3x3 kernel, stride 1, padding 1, dilation 1, n a multiple of
 * 16, at most 4096 columns, and AVX-512 in use (sparse_mm.h's ISA). */
int iddl_conv3x3_fits(const iddl_conv_geom *g, int64_t n, int64_t nimg);

/* y (O, P; ld) = S(W) @ the implicit column matrix of the piece of images
 * im (nimg, C, H, W). */
void iddl_conv3x3_spmm(const iddl_sparse_pattern *s, const iddl_conv_geom *g,
                       const float *w, const float *im, int64_t nimg,
                       int64_t oh0, int64_t oh1, float *y, int64_t ld);

/* dw (nnz, 9) += scale * gradOutput gy (nimg, O, H, W) @ the implicit
 * column matrix^T of im, at the connections (the piece's rows of gy). */
void iddl_conv3x3_sddmm(const iddl_sparse_pattern *s, const iddl_conv_geom *g,
                        const float *gy, const float *im, int64_t nimg,
                        int64_t oh0, int64_t oh1, float scale, float *dw);

/* gim (nimg, C, H, W) += the gradient of the piece's input: the adjoint of
 * the implicit column matrix applied to S(W)^T @ the piece's rows of gy
 * (nimg, O, H, W), from the weights in by-input order wt (nnz, 9)
 * (iddl_sparse_by_input with kk = 9). */
void iddl_conv3x3_spmm_t(const iddl_sparse_pattern *s, const iddl_conv_geom *g,
                         const float *wt, const float *gy, int64_t nimg,
                         int64_t oh0, int64_t oh1, float *gim);

#endif
