/* nn_activation.h - element-wise activation kernels, forward and backward.
 *
 * All arrays hold n contiguous floats. out may alias in (in-place forward);
 * grad_in may alias grad_out. These functions cannot fail.
 */
#ifndef IDDL_NN_ACTIVATION_H
#define IDDL_NN_ACTIVATION_H

#include <stdint.h>

typedef enum iddl_act {
  IDDL_ACT_RELU,       /* max(x, 0) */
  IDDL_ACT_LEAKY_RELU, /* x > 0 ? x : slope * x */
  IDDL_ACT_TANH,
  IDDL_ACT_SIGMOID     /* 1 / (1 + exp(-x)) */
} iddl_act;

/* out = f(in); `slope` is used by IDDL_ACT_LEAKY_RELU only. */
void iddl_act_forward(iddl_act kind, float *out, const float *in, int64_t n,
                      float slope);

/* grad_in = grad_out * f'(x), where f' is read from the input `in` (ReLU,
 * leaky ReLU) or from the forward output `out` (tanh, sigmoid); both must be
 * those of the matching forward pass. */
void iddl_act_backward(iddl_act kind, float *grad_in, const float *in,
                       const float *out, const float *grad_out, int64_t n,
                       float slope);

#endif
