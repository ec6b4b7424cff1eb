/* nn_pool.h - 2-D pooling kernels: max, average, adaptive average.
 *
 * Layout: x is (P, H, W) contiguous float32 and y (P, OH, OW), P the number
 * of planes (N * C). Planes run in parallel (parallel.h) when the tensor is
 * large. Window rules, output sizes and argument checks follow PyTorch
 * (torch.nn.MaxPool2d / AvgPool2d / AdaptiveAvgPool2d). Arrays must not
 * overlap.
 */
#ifndef IDDL_NN_POOL_H
#define IDDL_NN_POOL_H

#include "tensor.h"

/* A pooling window: kernel (kh, kw), stride, padding, dilation (1 for
 * average pooling), ceil_mode (output size rounded up), and for average
 * pooling whether padded positions count in the divisor. */
typedef struct iddl_pool2d {
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  int ceil_mode, count_include_pad;
} iddl_pool2d;

/* Checks p (kernel, stride, dilation >= 1; 0 <= padding <= kernel / 2; all
 * sizes, H and W below 2^31) and
 * computes the output size of an H x W plane into *oh, *ow:
 *   out = floor_or_ceil((in + 2 pad - dil (k - 1) - 1) / stride) + 1,
 * less one in ceil_mode when the last window would start in the right
 * padding. Returns -1 with err set for bad arguments or an output smaller
 * than 1x1 (the kernel larger than the padded input). */
int iddl_pool2d_out_size(const iddl_pool2d *p, int64_t H, int64_t W,
                         int64_t *oh, int64_t *ow, iddl_err *err);

/* y = the maximum of each window (NaN wins, as in PyTorch; ties go to the
 * first position in row-major order); idx (P, OH, OW) = its 1-based flat
 * position h * W + w + 1 in the plane, as a float, or 0 with y = -inf for a
 * window that holds no input position at all (possible only with
 * dilation). Callers keep the padded plane (H + 2 ph)(W + 2 pw) <= 2^24,
 * so that positions and the offsets computed on the way are exact. */
void iddl_maxpool2d_forward(float *y, float *idx, const float *x, int64_t P,
                            int64_t H, int64_t W, int64_t OH, int64_t OW,
                            const iddl_pool2d *p);

/* grad_in = 0, then grad_in[idx - 1] += grad_out for every output position
 * (indices outside 1 .. H*W are skipped). */
void iddl_maxpool2d_backward(float *grad_in, const float *grad_out,
                             const float *idx, int64_t P, int64_t H, int64_t W,
                             int64_t OH, int64_t OW);

/* y = the sum of each window / its divisor: the window's size clipped to the
 * padded input with count_include_pad, else its number of input
 * positions. */
void iddl_avgpool2d_forward(float *y, const float *x, int64_t P, int64_t H,
                            int64_t W, int64_t OH, int64_t OW,
                            const iddl_pool2d *p);

/* grad_in = 0, then every window's positions += grad_out / divisor. */
void iddl_avgpool2d_backward(float *grad_in, const float *grad_out, int64_t P,
                             int64_t H, int64_t W, int64_t OH, int64_t OW,
                             const iddl_pool2d *p);

/* Adaptive average pooling to OH x OW (>= 1): output (i, j) averages rows
 * floor(i H / OH) .. ceil((i + 1) H / OH) - 1 and the columns likewise. */
void iddl_adaptive_avgpool2d_forward(float *y, const float *x, int64_t P,
                                     int64_t H, int64_t W, int64_t OH,
                                     int64_t OW);

/* grad_in = 0, then each window's positions += grad_out / window size. */
void iddl_adaptive_avgpool2d_backward(float *grad_in, const float *grad_out,
                                      int64_t P, int64_t H, int64_t W,
                                      int64_t OH, int64_t OW);

#endif
