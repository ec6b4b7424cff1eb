/* nn_sparse_linear.c - the sparse linear layer: transposes around the
 * sparse products of sparse_mm.c. */
#include "nn_sparse_linear.h"
#include "transpose.h"

int64_t iddl_sparse_linear_ld(int64_t B) {
  return B >= 64 && B % 64 == 0 ? B + 16 : B;
}

void iddl_sparse_linear_save_input(const iddl_sparse_pattern *s, float *xT,
                                   const float *in, int64_t B) {
  iddl_transpose_2d(xT, iddl_sparse_linear_ld(B), in, s->cols, B, s->cols);
}

void iddl_sparse_linear_forward(const iddl_sparse_pattern *s, float *out,
                                float *xT, float *yT, const float *in,
                                const float *weight, const float *bias,
                                int64_t B) {
  int64_t O = s->rows, ld = iddl_sparse_linear_ld(B);
  if (B <= 0) return;
  iddl_sparse_linear_save_input(s, xT, in, B);
  iddl_spmm(s, 1, weight, xT, ld, B, yT, ld, 0);
  iddl_transpose_2d(out, O, yT, ld, O, B);
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
  int64_t I = s->cols, O = s->rows, ld = iddl_sparse_linear_ld(B);
  if (B <= 0) return;
  iddl_transpose_2d(gT, ld, grad_out, O, B, O);
  if (grad_in) {
    iddl_spmm_t(s, 1, weight, gT, ld, B, gxT, ld, 0);
    iddl_transpose_2d(grad_in, I, gxT, ld, I, B);
  }
  if (grad_weight) iddl_sddmm(s, 1, gT, ld, xT, ld, B, scale, grad_weight);
  if (grad_bias)
    for (int64_t b = 0; b < B; b++) {
      const float *g = grad_out + b * O; /* (O) */
      for (int64_t o = 0; o < O; o++) grad_bias[o] += scale * g[o];
    }
}
