/* nn_linear.h - fully connected layer kernels on plain float arrays.
 *
 * Shapes follow PyTorch: weight (O, I), bias (O), input (B, I), output
 * (B, O). All arrays are contiguous row-major and must not overlap. Parameter
 * gradients ACCUMULATE (beta = 1 in sgemm) so that several backward passes
 * add up until the caller zeroes them. Each function returns 0, or -1 with
 * err set when OpenBLAS cannot be loaded.
 */
#ifndef IDDL_NN_LINEAR_H
#define IDDL_NN_LINEAR_H

#include "tensor.h"

/* out (B, O) = in (B, I) @ weight^T + bias; bias may be NULL. */
int iddl_linear_forward(float *out, const float *in, const float *weight,
                        const float *bias, int64_t B, int64_t I, int64_t O,
                        iddl_err *err);

/* grad_in (B, I) = grad_out (B, O) @ weight (O, I); overwrites grad_in. */
int iddl_linear_backward_input(float *grad_in, const float *grad_out,
                               const float *weight, int64_t B, int64_t I,
                               int64_t O, iddl_err *err);

/* grad_weight (O, I) += scale * grad_out^T @ in; grad_bias (O) += scale *
 * column sums of grad_out (grad_bias may be NULL). */
int iddl_linear_backward_params(float *grad_weight, float *grad_bias,
                                const float *grad_out, const float *in,
                                int64_t B, int64_t I, int64_t O, float scale,
                                iddl_err *err);

#endif
