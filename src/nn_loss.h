/* nn_loss.h - loss kernels: class NLL, cross-entropy on logits, MSE.
 *
 * Weights and reductions (documented in doc/nn.md):
 *  - class losses: sample i has weight w_i = class_weight[t_i] *
 *    sample_weight[i] (a missing weight array counts as all ones) and loss
 *    l_i = -logp[i, t_i]; 'sum' gives sum(w_i * l_i), 'mean' gives
 *    sum(w_i * l_i) / sum(w_i). With class weights only this is exactly
 *    PyTorch's weighted mean; with no weights it is the plain mean.
 *  - MSE: sample i (D elements) has l_i = sum_j (x_ij - y_ij)^2; 'sum'
 *    gives sum(w_i * l_i), 'mean' gives sum(w_i * l_i) / (D * sum(w_i)),
 *    which is PyTorch's element mean when there are no weights.
 * A weighted 'mean' whose weights sum to 0 is NaN, as in PyTorch.
 * Losses are accumulated in double. Every function returns 0, or -1 with err
 * set (a target that is not an integer class in 1..C names the sample).
 */
#ifndef IDDL_NN_LOSS_H
#define IDDL_NN_LOSS_H

#include "tensor.h"

typedef enum iddl_reduction { IDDL_REDUCE_MEAN, IDDL_REDUCE_SUM } iddl_reduction;

typedef struct iddl_loss_args {
  int64_t n;                  /* samples */
  int64_t c;                  /* classes (NLL, CE) or elements per sample */
  const float *target;        /* (N) 1-based classes as floats, or (N, c) */
  const float *class_weight;  /* (C) or NULL; class losses only */
  const float *sample_weight; /* (N) or NULL */
  iddl_reduction reduction;
} iddl_loss_args;

/* input (N, C) log-probabilities. */
int iddl_nll_forward(double *loss, const float *input, const iddl_loss_args *a,
                     iddl_err *err);
/* grad_in (N, C) = d loss / d input (overwritten). */
int iddl_nll_backward(float *grad_in, const float *input,
                      const iddl_loss_args *a, iddl_err *err);

/* Cross-entropy on logits (N, C): NLL of a fused, stable log-softmax. */
int iddl_cross_entropy_forward(double *loss, const float *logits,
                               const iddl_loss_args *a, iddl_err *err);
/* grad_in (N, C) = w_i / norm * (softmax(logits_i) - onehot(t_i)). */
int iddl_cross_entropy_backward(float *grad_in, const float *logits,
                                const iddl_loss_args *a, iddl_err *err);

/* Mean squared error of input (N, c) against target (N, c). */
int iddl_mse_forward(double *loss, const float *input, const iddl_loss_args *a,
                     iddl_err *err);
int iddl_mse_backward(float *grad_in, const float *input,
                      const iddl_loss_args *a, iddl_err *err);

#endif
