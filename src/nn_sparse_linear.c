/* nn_sparse_linear.c - the sparse linear layer: transposes around the
 * sparse products of sparse_mm.c. */
#include "nn_sparse_linear.h"
#include "transpose.h"

void iddl_sparse_linear_forward(const iddl_sparse_pattern *s, float *out,
                                float *xT, float *yT, const float *in,
                                const float *weight, const float *bias,
                                int64_t B) {
  int64_t I = s->cols, O = s->rows;
  if (B <= 0) return;
  iddl_transpose_2d(xT, B, in, I, B, I);
  iddl_spmm(s, 1, weight, xT, B, B, yT, B, 0);
  iddl_transpose_2d(out, O, yT, B, O, B);
  if (bias)
    for (int64_t b = 0; b < B; b++) {
      float *row = out + b * O; /* (O) */
      for (int64_t o = 0; o < O; o++) row[o] += bias[o];
    }
}

void iddl_sparse_linear_backward(const iddl_sparse_pattern *s, float *grad_in,
                                 float *grad_weight, float *grad_bias,
                                 float *gxT, float *gT, const float *grad_out,
                                 const float *xT, const float *weight,
                                 int64_t B, float scale) {
  int64_t I = s->cols, O = s->rows;
  if (B <= 0) return;
  iddl_transpose_2d(gT, B, grad_out, O, B, O);
  if (grad_in) {
    iddl_spmm_t(s, 1, weight, gT, B, B, gxT, B, 0);
    iddl_transpose_2d(grad_in, I, gxT, B, I, B);
  }
  if (grad_weight) iddl_sddmm(s, 1, gT, B, xT, B, B, scale, grad_weight);
  if (grad_bias)
    for (int64_t b = 0; b < B; b++) {
      const float *g = grad_out + b * O; /* (O) */
      for (int64_t o = 0; o < O; o++) grad_bias[o] += scale * g[o];
    }
}
