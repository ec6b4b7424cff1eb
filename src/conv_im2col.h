/* conv_im2col.h - the im2col / col2im pair behind every 2-D convolution.
 *
 * A convolution of one image (C, H, W) with a kernel kh x kw (stride sh x sw,
 * zero padding ph x pw, dilation dh x dw) becomes one matrix product once
 * the image is unfolded into its column matrix
 *
 *   col (C*kh*kw, Ho*Wo), row (c*kh + i)*kw + j, column oh*Wo + ow:
 *   col[row][oh*Wo + ow] = im[c][oh*sh - ph + i*dh][ow*sw - pw + j*dw]
 *                          (0 where that position falls in the padding)
 *
 * so that out (O, Ho*Wo) = weight (O, C*kh*kw) @ col, with weight in
 * PyTorch's (O, C, kh, kw) layout read as a matrix. col2im is the adjoint
 * (transpose) of im2col: it adds every column entry back onto the image
 * position it came from, which turns d out into d im.
 *
 * Both functions work on a range of channels [c0, c0 + nc) of one image, so
 * grouped and channel-sparse convolutions can unfold only the channels they
 * need; the first row of col is then channel c0's (i = 0, j = 0) row. The
 * leading dimension ldcol (>= Ho*Wo) lets several images share one column
 * matrix side by side: image b of a chunk at col + b*Ho*Wo, ldcol = n*Ho*Wo.
 * All arrays are contiguous row-major float32, owned by the caller, and must
 * not overlap. Neither function allocates or fails.
 */
#ifndef IDDL_CONV_IM2COL_H
#define IDDL_CONV_IM2COL_H

#include <stdint.h>

#include "tensor.h"

/* The geometry of one image's convolution. Fill the first eleven fields and
 * call iddl_conv_geom_init, which computes Ho and Wo. */
typedef struct iddl_conv_geom {
  int64_t C, H, W;   /* input image (C, H, W) */
  int64_t kh, kw;    /* kernel */
  int64_t sh, sw;    /* stride, >= 1 */
  int64_t ph, pw;    /* zero padding on each side, >= 0 */
  int64_t dh, dw;    /* dilation, >= 1 */
  int64_t Ho, Wo;    /* output size, set by iddl_conv_geom_init */
} iddl_conv_geom;

/* Checks the geometry and sets Ho = (H + 2ph - dh(kh-1) - 1)/sh + 1 (Wo
 * alike). Fails, naming the values, on a negative size, a kernel size < 1,
 * a stride or dilation < 1, a negative padding, or a (dilated) kernel larger
 * than the padded image, or an image plane of more than 2^31 pixels. */
int iddl_conv_geom_init(iddl_conv_geom *g, iddl_err *err);

/* Writes the rows of channels [c0, c0 + nc) of the column matrix of image
 * im (C, H, W) into col (nc*kh*kw, ldcol); columns Ho*Wo .. ldcol-1 are not
 * touched. Requires 0 <= c0, c0 + nc <= C, ldcol >= Ho*Wo. */
void iddl_im2col(const iddl_conv_geom *g, const float *im, int64_t c0,
                 int64_t nc, float *col, int64_t ldcol);

/* The same for the output rows [oh0, oh1) only (a tile of the output):
 * col (nc*kh*kw, ldcol) gets columns 0 .. (oh1-oh0)*Wo - 1 of each row, the
 * columns (oh0*Wo ...) of the whole column matrix. 0 <= oh0 <= oh1 <= Ho,
 * ldcol >= (oh1-oh0)*Wo. */
void iddl_im2col_rows(const iddl_conv_geom *g, const float *im, int64_t c0,
                      int64_t nc, int64_t oh0, int64_t oh1, float *col,
                      int64_t ldcol);

/* iddl_im2col_rows for nimg images at once: im (nimg, C, H, W); image b's
 * tile goes to columns [b*n, (b+1)*n) of col, n = (oh1-oh0)*Wo, so
 * ldcol >= nimg*n. Faster than one call per image: the index work of each
 * kernel offset is done once. */
void iddl_im2col_batch(const iddl_conv_geom *g, const float *im, int64_t nimg,
                       int64_t c0, int64_t nc, int64_t oh0, int64_t oh1,
                       float *col, int64_t ldcol);

/* The adjoint of iddl_im2col: for channels [c0, c0 + nc) of im (C, H, W),
 * im[c] = (accumulate ? im[c] : 0) + the sum of the entries of col
 * (nc*kh*kw, ldcol) that im2col takes from each position; other channels are
 * not touched. So <im2col(x), y> = <x, col2im(y)> for any x and y. */
void iddl_col2im(const iddl_conv_geom *g, const float *col, int64_t ldcol,
                 int64_t c0, int64_t nc, float *im, int accumulate);

/* The adjoint of iddl_im2col_rows: adds the tile col (nc*kh*kw, ldcol) of
 * output rows [oh0, oh1) onto channels [c0, c0 + nc) of im (always
 * accumulates: tiles overlap in the image). */
void iddl_col2im_rows(const iddl_conv_geom *g, const float *col, int64_t ldcol,
                      int64_t c0, int64_t nc, int64_t oh0, int64_t oh1,
                      float *im);

/* iddl_col2im_rows for nimg images at once (the adjoint of
 * iddl_im2col_batch): im (nimg, C, H, W) += image b's tile from columns
 * [b*n, (b+1)*n) of col. */
void iddl_col2im_batch(const iddl_conv_geom *g, const float *col,
                       int64_t ldcol, int64_t nimg, int64_t c0, int64_t nc,
                       int64_t oh0, int64_t oh1, float *im);

#endif
