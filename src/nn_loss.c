/* nn_loss.c - class NLL, cross-entropy and MSE with weights and reductions. */
#include <math.h>
#include <string.h>

#include "nn_loss.h"
#include "nn_softmax.h"

/* Checks target i and stores its 0-based class in *k. */
static int target_class(const iddl_loss_args *a, int64_t i, int64_t *k,
                        iddl_err *err) {
  float t = a->target[i];
  if (!(t >= 1.0f && t <= (float)a->c && t == floorf(t)))
    return iddl_fail(err, "target %g of sample %lld is not a class index in "
                     "1..%lld", (double)t, (long long)i + 1, (long long)a->c);
  *k = (int64_t)t - 1;
  return 0;
}

/* The weight of sample i whose class is k (k < 0: no class weight). */
static double sample_weight(const iddl_loss_args *a, int64_t i, int64_t k) {
  double w = a->sample_weight ? a->sample_weight[i] : 1.0;
  if (k >= 0 && a->class_weight) w *= a->class_weight[k];
  return w;
}

/* The divisor of the reduction: 1 for 'sum', sum of the weights for 'mean'
 * (times `per_sample` elements); checks the targets on the way. */
static int divisor(const iddl_loss_args *a, int classes, double per_sample,
                   double *norm, iddl_err *err) {
  double total = 0.0;
  for (int64_t i = 0; i < a->n; i++) {
    int64_t k = -1;
    if (classes && target_class(a, i, &k, err)) return -1;
    total += sample_weight(a, i, k);
  }
  *norm = a->reduction == IDDL_REDUCE_SUM ? 1.0 : total * per_sample;
  return 0;
}

/* Shared forward of NLL (logits == 0) and cross-entropy (logits != 0). */
static int class_forward(double *loss, const float *input,
                         const iddl_loss_args *a, int logits, iddl_err *err) {
  double norm, s = 0.0;
  if (divisor(a, 1, 1.0, &norm, err)) return -1;
  for (int64_t i = 0; i < a->n; i++) {
    const float *x = input + i * a->c; /* (C) */
    int64_t k = (int64_t)a->target[i] - 1;
    double lp = logits ? x[k] - iddl_logsumexp(x, a->c) : x[k];
    s -= sample_weight(a, i, k) * lp;
  }
  *loss = s / norm;
  return 0;
}

int iddl_nll_forward(double *loss, const float *input, const iddl_loss_args *a,
                     iddl_err *err) {
  return class_forward(loss, input, a, 0, err);
}

int iddl_cross_entropy_forward(double *loss, const float *logits,
                               const iddl_loss_args *a, iddl_err *err) {
  return class_forward(loss, logits, a, 1, err);
}

int iddl_nll_backward(float *grad_in, const float *input,
                      const iddl_loss_args *a, iddl_err *err) {
  double norm;
  if (divisor(a, 1, 1.0, &norm, err)) return -1;
  memset(grad_in, 0, (size_t)(a->n * a->c) * sizeof(float));
  for (int64_t i = 0; i < a->n; i++) {
    int64_t k = (int64_t)a->target[i] - 1;
    grad_in[i * a->c + k] = (float)(-sample_weight(a, i, k) / norm);
  }
  return 0;
}

int iddl_cross_entropy_backward(float *grad_in, const float *logits,
                                const iddl_loss_args *a, iddl_err *err) {
  double norm;
  if (divisor(a, 1, 1.0, &norm, err)) return -1;
  for (int64_t i = 0; i < a->n; i++) {
    const float *x = logits + i * a->c; /* (C) */
    float *g = grad_in + i * a->c;      /* (C) */
    int64_t k = (int64_t)a->target[i] - 1;
    double scale = sample_weight(a, i, k) / norm, lse = iddl_logsumexp(x, a->c);
    for (int64_t j = 0; j < a->c; j++)
      g[j] = (float)(scale * (expf((float)(x[j] - lse)) - (j == k)));
  }
  return 0;
}

int iddl_mse_forward(double *loss, const float *input, const iddl_loss_args *a,
                     iddl_err *err) {
  double norm, s = 0.0;
  if (divisor(a, 0, (double)a->c, &norm, err)) return -1;
  for (int64_t i = 0; i < a->n; i++) {
    const float *x = input + i * a->c, *y = a->target + i * a->c; /* (c) */
    double li = 0.0;
    for (int64_t j = 0; j < a->c; j++) {
      double d = (double)x[j] - y[j];
      li += d * d;
    }
    s += sample_weight(a, i, -1) * li;
  }
  *loss = s / norm;
  return 0;
}

int iddl_mse_backward(float *grad_in, const float *input,
                      const iddl_loss_args *a, iddl_err *err) {
  double norm;
  if (divisor(a, 0, (double)a->c, &norm, err)) return -1;
  for (int64_t i = 0; i < a->n; i++) {
    const float *x = input + i * a->c, *y = a->target + i * a->c; /* (c) */
    float *g = grad_in + i * a->c;                                 /* (c) */
    double scale = 2.0 * sample_weight(a, i, -1) / norm;
    for (int64_t j = 0; j < a->c; j++)
      g[j] = (float)(scale * ((double)x[j] - y[j]));
  }
  return 0;
}
