/* nn_linear.c - fully connected layer: one sgemm per pass. */
#include <string.h>

#include "blas.h"
#include "nn_linear.h"

/* Below this many multiply-accumulates OpenBLAS's threads cost more than
 * they save (measured: 32x784x49 takes 35 us on one thread, 55 us on two;
 * the two cross near 2.5M on this machine's AVX-512 kernels). */
#define SINGLE_THREAD_MACS 2500000

/* iddl_sgemm, on one thread when the product is small. */
static void gemm(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha,
                 const float *a, int64_t lda, const float *b, int64_t ldb,
                 float beta, float *c, int64_t ldc) {
  int threads = iddl_blas_threads();
  int small = threads > 1 && (double)m * n * k < SINGLE_THREAD_MACS;
  if (small) iddl_blas_set_threads(1);
  iddl_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (small) iddl_blas_set_threads(threads);
}

int iddl_linear_forward(float *out, const float *in, const float *weight,
                        const float *bias, int64_t B, int64_t I, int64_t O,
                        iddl_err *err) {
  if (iddl_blas_init(err)) return -1;
  if (B == 0 || O == 0) return 0;
  float beta = 0.0f;
  if (bias) { /* rows start as the bias, the product accumulates onto it */
    for (int64_t b = 0; b < B; b++)
      memcpy(out + b * O, bias, (size_t)O * sizeof(float));
    beta = 1.0f;
  }
  if (I == 0) {
    if (!bias) memset(out, 0, (size_t)(B * O) * sizeof(float));
    return 0;
  }
  gemm(0, 1, B, O, I, 1.0f, in, I, weight, I, beta, out, O);
  return 0;
}

int iddl_linear_backward_input(float *grad_in, const float *grad_out,
                               const float *weight, int64_t B, int64_t I,
                               int64_t O, iddl_err *err) {
  if (iddl_blas_init(err)) return -1;
  if (B == 0 || I == 0) return 0;
  if (O == 0) {
    memset(grad_in, 0, (size_t)(B * I) * sizeof(float));
    return 0;
  }
  gemm(0, 0, B, I, O, 1.0f, grad_out, O, weight, I, 0.0f, grad_in, I);
  return 0;
}

int iddl_linear_backward_params(float *grad_weight, float *grad_bias,
                                const float *grad_out, const float *in,
                                int64_t B, int64_t I, int64_t O, float scale,
                                iddl_err *err) {
  if (iddl_blas_init(err)) return -1;
  if (B == 0 || O == 0) return 0;
  if (I > 0)
    gemm(1, 0, O, I, B, scale, grad_out, O, in, I, 1.0f, grad_weight, I);
  if (grad_bias)
    for (int64_t b = 0; b < B; b++) {
      const float *g = grad_out + b * O; /* (O) */
      for (int64_t o = 0; o < O; o++) grad_bias[o] += scale * g[o];
    }
  return 0;
}
