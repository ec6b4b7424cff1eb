/* optim_kernels.c - fused SGD and Adam/AdamW updates (see optim_kernels.h).
 *
 * Scalars are rounded to float the way PyTorch's CPU kernels round them
 * (Python computes `1 - beta1`, `lr / bias_correction1`, ... in double, the
 * kernel receives them as float), and element-wise expressions keep
 * PyTorch's evaluation order, so results agree to about one ulp.
 */
#include <math.h>

#include "optim_kernels.h"

/* Fails unless t is set, contiguous and shaped like param. */
static int check_like(const char *op, const char *name, const iddl_tensor *t,
                      const iddl_tensor *param, iddl_err *err) {
  char a[128], b[128];
  if (t == NULL || t->storage == NULL)
    return iddl_fail(err, "%s: %s is missing", op, name);
  if (!iddl_same_shape(t, param))
    return iddl_fail(err, "%s: %s has shape %s but the parameter has shape %s",
                     op, name, iddl_shape_str(t, a, sizeof a),
                     iddl_shape_str(param, b, sizeof b));
  if (!iddl_is_contiguous(t))
    return iddl_fail(err, "%s: %s (shape %s) is not contiguous", op, name,
                     iddl_shape_str(t, a, sizeof a));
  return 0;
}

/* The SGD loop for one combination of flags; inlined with constant flags
 * so that each variant is a branch-free, vectorisable loop. */
static inline __attribute__((always_inline)) void sgd_loop(
    int64_t n, float *restrict p, const float *restrict g, float *restrict mb,
    float neg_lr, float mom, float damp1, float wd, int use_wd, int use_buf,
    int first, int nesterov) {
  for (int64_t i = 0; i < n; i++) {
    float d = g[i];
    if (use_wd) d = d + wd * p[i];
    if (use_buf) {
      float b = first ? d : mb[i] * mom + damp1 * d;
      mb[i] = b;
      d = nesterov ? d + mom * b : b;
    }
    p[i] = p[i] + neg_lr * d;
  }
}

int iddl_sgd_step(iddl_tensor *param, const iddl_tensor *grad,
                  iddl_tensor *buf, const iddl_sgd_hparams *h, int first,
                  iddl_err *err) {
  int use_buf = h->momentum != 0.0;
  if (check_like("sgd_step", "param", param, param, err) ||
      check_like("sgd_step", "grad", grad, param, err) ||
      (use_buf && check_like("sgd_step", "momentum buffer", buf, param, err)))
    return -1;
  int64_t n = iddl_numel(param);
  float *p = iddl_data(param);                 /* (n) */
  const float *g = iddl_data(grad);            /* (n) */
  float *mb = use_buf ? iddl_data(buf) : NULL; /* (n) */
  const float neg_lr = (float)-h->lr, mom = (float)h->momentum;
  const float damp1 = (float)(1.0 - h->dampening), wd = (float)h->weight_decay;
  const int use_wd = h->weight_decay != 0.0, nesterov = h->nesterov;
#define SGD(w, b, f, nv) sgd_loop(n, p, g, mb, neg_lr, mom, damp1, wd, w, b, f, nv)
  if (!use_buf) {
    if (use_wd) SGD(1, 0, 0, 0);
    else SGD(0, 0, 0, 0);
  } else if (first) {
    if (use_wd) SGD(1, 1, 1, nesterov);
    else SGD(0, 1, 1, nesterov);
  } else if (nesterov) {
    if (use_wd) SGD(1, 1, 0, 1);
    else SGD(0, 1, 0, 1);
  } else {
    if (use_wd) SGD(1, 1, 0, 0);
    else SGD(0, 1, 0, 0);
  }
#undef SGD
  return 0;
}

/* Scalars of one Adam step, rounded to float as PyTorch does. */
typedef struct adam_scalars {
  float b1, one_b1, b2, one_b2, neg_step, bc2s, eps, wd, shrink;
} adam_scalars;

/* The Adam loop for one combination of flags; inlined with constant flags so
 * each variant is a branch-free, vectorisable loop. */
static inline __attribute__((always_inline)) void adam_loop(
    int64_t n, float *restrict p, const float *restrict g, float *restrict m,
    float *restrict v, float *restrict vmax, const adam_scalars *s, int decay,
    int l2, int ams) {
  for (int64_t i = 0; i < n; i++) {
    float pi = p[i], gi = g[i];
    if (decay) pi = pi * s->shrink;
    if (l2) gi = gi + s->wd * pi;
    float mi = m[i] * s->b1 + s->one_b1 * gi;
    float vi = v[i] * s->b2 + s->one_b2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    if (ams) {
      float vm = vmax[i];
      vm = ((vi > vm) | (vi != vi)) ? vi : vm; /* torch.maximum: NaN wins */
      vmax[i] = vm;
      vi = vm;
    }
    float denom = sqrtf(vi) / s->bc2s + s->eps;
    p[i] = pi + s->neg_step * mi / denom;
  }
}

int iddl_adam_step(iddl_tensor *param, const iddl_tensor *grad,
                   iddl_tensor *exp_avg, iddl_tensor *exp_avg_sq,
                   iddl_tensor *max_sq, const iddl_adam_hparams *h,
                   int64_t step, iddl_err *err) {
  const char *op = h->decoupled ? "adamw_step" : "adam_step";
  if (step < 1) return iddl_fail(err, "%s: step must be >= 1, got %lld", op,
                                 (long long)step);
  if (check_like(op, "param", param, param, err) ||
      check_like(op, "grad", grad, param, err) ||
      check_like(op, "exp_avg", exp_avg, param, err) ||
      check_like(op, "exp_avg_sq", exp_avg_sq, param, err) ||
      (h->amsgrad && check_like(op, "max_exp_avg_sq", max_sq, param, err)))
    return -1;
  int64_t n = iddl_numel(param);
  float *p = iddl_data(param);                   /* (n) */
  const float *g = iddl_data(grad);              /* (n) */
  float *m = iddl_data(exp_avg);                 /* (n) */
  float *v = iddl_data(exp_avg_sq);              /* (n) */
  float *vmax = h->amsgrad ? iddl_data(max_sq) : NULL; /* (n) */
  double bc1 = 1.0 - pow(h->beta1, (double)step);
  double bc2_sqrt = sqrt(1.0 - pow(h->beta2, (double)step));
  const adam_scalars s = {
      (float)h->beta1, (float)(1.0 - h->beta1), (float)h->beta2,
      (float)(1.0 - h->beta2), (float)-(h->lr / bc1), (float)bc2_sqrt,
      (float)h->eps, (float)h->weight_decay,
      (float)(1.0 - h->lr * h->weight_decay)};
  const int wd = h->weight_decay != 0.0;
  if (h->amsgrad) {
    if (wd && h->decoupled) adam_loop(n, p, g, m, v, vmax, &s, 1, 0, 1);
    else if (wd) adam_loop(n, p, g, m, v, vmax, &s, 0, 1, 1);
    else adam_loop(n, p, g, m, v, vmax, &s, 0, 0, 1);
  } else {
    if (wd && h->decoupled) adam_loop(n, p, g, m, v, NULL, &s, 1, 0, 0);
    else if (wd) adam_loop(n, p, g, m, v, NULL, &s, 0, 1, 0);
    else adam_loop(n, p, g, m, v, NULL, &s, 0, 0, 0);
  }
  return 0;
}
