/* nn_batchnorm.h - batch normalisation kernels (BatchNorm1d / 2d).
 *
 * Layout: x, y, grad_out and grad_in are (N, C, S) contiguous float32, S the
 * product of the sizes after the channel dimension (H*W for BatchNorm2d,
 * L or 1 for BatchNorm1d); per-channel arrays are (C). Channels run in
 * parallel (parallel.h) when the tensor is large. Statistics are exact to
 * float rounding: float partial sums over short blocks, combined in double
 * (Chan's pairwise update for the variance). Arrays must not overlap.
 */
#ifndef IDDL_NN_BATCHNORM_H
#define IDDL_NN_BATCHNORM_H

#include "tensor.h"

/* y = (x - mean) * invstd * weight + bias, per channel; weight and bias may
 * be NULL (1 and 0). With batch_stats, mean and the biased variance var
 * come from x itself (N * S >= 2 is required, else -1 with err set), invstd
 * = 1 / sqrt(var + eps), and running_mean / running_var, when not NULL,
 * become (1 - momentum) * running + momentum * (mean | unbiased variance).
 * Without batch_stats, mean and var are running_mean / running_var (both
 * required). Either way save_mean and save_invstd (C) receive the mean and
 * invstd used, for iddl_batchnorm_backward. With relu, y = max(y, 0) (a
 * ReLU fused in: one pass over the activations instead of three). Returns
 * 0, or -1 with err. */
int iddl_batchnorm_forward(float *y, float *save_mean, float *save_invstd,
                           float *running_mean, float *running_var,
                           const float *x, const float *weight,
                           const float *bias, int64_t N, int64_t C, int64_t S,
                           int batch_stats, double momentum, double eps,
                           int relu, iddl_err *err);

/* The gradients of the forward that produced save_mean / save_invstd, with
 * xhat = (x - mean) * invstd and k = weight * invstd (weight NULL: 1):
 *   grad_weight += scale * sum(grad_out * xhat)   (per channel; may be NULL)
 *   grad_bias   += scale * sum(grad_out)          (may be NULL)
 *   grad_in      = k * grad_out                   (may be NULL), minus, with
 *                  batch_stats, k * (mean(grad_out) + xhat * mean(grad_out *
 *                  xhat)): the gradient through the batch statistics.
 * Nothing is read that is not needed (eval grad_in alone is one pass).
 * relu_out: the output of a forward with relu (grad_out is then taken as 0
 * where relu_out is not positive), else NULL. */
void iddl_batchnorm_backward(float *grad_in, float *grad_weight,
                             float *grad_bias, const float *grad_out,
                             const float *x, const float *relu_out,
                             const float *save_mean, const float *save_invstd,
                             const float *weight, int64_t N, int64_t C,
                             int64_t S, int batch_stats, float scale);

#endif
