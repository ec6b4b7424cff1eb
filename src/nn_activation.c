/* nn_activation.c - ReLU, leaky ReLU, tanh and sigmoid kernels. */
#include <math.h>

#include "nn_activation.h"

void iddl_act_forward(iddl_act kind, float *out, const float *in, int64_t n,
                      float slope) {
  switch (kind) {
  case IDDL_ACT_RELU:
    for (int64_t i = 0; i < n; i++) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
    break;
  case IDDL_ACT_LEAKY_RELU:
    for (int64_t i = 0; i < n; i++) out[i] = in[i] > 0.0f ? in[i] : slope * in[i];
    break;
  case IDDL_ACT_TANH:
    for (int64_t i = 0; i < n; i++) out[i] = tanhf(in[i]);
    break;
  case IDDL_ACT_SIGMOID:
    /* exp of a non-positive number only, so nothing overflows */
    for (int64_t i = 0; i < n; i++) {
      float x = in[i];
      if (x >= 0.0f) {
        out[i] = 1.0f / (1.0f + expf(-x));
      } else {
        float e = expf(x);
        out[i] = e / (1.0f + e);
      }
    }
    break;
  }
}

void iddl_act_backward(iddl_act kind, float *grad_in, const float *in,
                       const float *out, const float *grad_out, int64_t n,
                       float slope) {
  switch (kind) {
  case IDDL_ACT_RELU:
    for (int64_t i = 0; i < n; i++)
      grad_in[i] = in[i] > 0.0f ? grad_out[i] : 0.0f;
    break;
  case IDDL_ACT_LEAKY_RELU:
    for (int64_t i = 0; i < n; i++)
      grad_in[i] = in[i] > 0.0f ? grad_out[i] : slope * grad_out[i];
    break;
  case IDDL_ACT_TANH:
    for (int64_t i = 0; i < n; i++)
      grad_in[i] = grad_out[i] * (1.0f - out[i] * out[i]);
    break;
  case IDDL_ACT_SIGMOID:
    for (int64_t i = 0; i < n; i++)
      grad_in[i] = grad_out[i] * out[i] * (1.0f - out[i]);
    break;
  }
}
