/* nn_dropout.c - inverted dropout: survivors are scaled by 1 / (1 - p). */
#include "nn_dropout.h"

int iddl_dropout_forward(float *out, float *mask, const float *in, int64_t n,
                         double p, iddl_rng *r, iddl_err *err) {
  if (!(p >= 0.0 && p <= 1.0))
    return iddl_fail(err, "dropout: probability must be in [0, 1], got %g", p);
  float keep = p < 1.0 ? (float)(1.0 / (1.0 - p)) : 0.0f;
  for (int64_t i = 0; i < n; i++) {
    mask[i] = iddl_rng_uniform(r) < p ? 0.0f : keep;
    out[i] = in[i] * mask[i];
  }
  return 0;
}

void iddl_dropout_backward(float *grad_in, const float *grad_out,
                           const float *mask, int64_t n) {
  for (int64_t i = 0; i < n; i++) grad_in[i] = grad_out[i] * mask[i];
}
