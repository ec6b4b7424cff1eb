/* optim_kernels.h - fused optimizer updates, one pass over each parameter.
 *
 * Each function updates one parameter tensor in place from its gradient and
 * its state buffers, following PyTorch 1.13's single-tensor formulas
 * (torch/optim/sgd.py, adam.py, adamw.py) in float32 arithmetic. All tensors
 * must be contiguous and have the same shape; nothing is allocated, so a
 * step over a model's parameters costs one read/write sweep of its memory.
 * Failures (shape mismatch, non-contiguous tensor) are reported through err,
 * naming the tensor and the shapes, and leave every tensor untouched.
 */
#ifndef IDDL_OPTIM_KERNELS_H
#define IDDL_OPTIM_KERNELS_H

#include "tensor.h"

typedef struct iddl_sgd_hparams {
  double lr;
  double momentum;      /* 0: plain SGD, buf unused */
  double dampening;
  double weight_decay;  /* L2 penalty added to the gradient */
  int nesterov;
} iddl_sgd_hparams;

/* One SGD step on param from grad:
 *   d = grad + wd * param
 *   momentum != 0: buf = first ? d : momentum * buf + (1 - dampening) * d
 *                  d = nesterov ? d + momentum * buf : buf
 *   param -= lr * d
 * buf is required (same shape) when momentum != 0 and may be NULL otherwise;
 * `first` marks the first step, where buf is initialised to d (PyTorch's
 * momentum-buffer initialisation, no dampening). grad is not modified. */
int iddl_sgd_step(iddl_tensor *param, const iddl_tensor *grad,
                  iddl_tensor *buf, const iddl_sgd_hparams *h, int first,
                  iddl_err *err);

typedef struct iddl_adam_hparams {
  double lr;
  double beta1, beta2;
  double eps;
  double weight_decay;
  int decoupled;        /* 1: AdamW (param *= 1 - lr*wd), 0: Adam (L2 in grad) */
  int amsgrad;          /* 1: max_sq is required */
} iddl_adam_hparams;

/* One Adam/AdamW step on param; `step` is the step number after this update
 * (1 on the first call), used for the bias corrections:
 *   AdamW: param *= 1 - lr * wd        Adam: g = grad + wd * param
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g * g
 *   amsgrad: vmax = max(vmax, v), used instead of v below
 *   param -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
 * exp_avg (m) and exp_avg_sq (v) start at zero; max_sq may be NULL unless
 * amsgrad. grad is not modified. */
int iddl_adam_step(iddl_tensor *param, const iddl_tensor *grad,
                   iddl_tensor *exp_avg, iddl_tensor *exp_avg_sq,
                   iddl_tensor *max_sq, const iddl_adam_hparams *h,
                   int64_t step, iddl_err *err);

#endif
