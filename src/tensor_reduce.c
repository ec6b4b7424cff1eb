/* tensor_reduce.c - sum, mean, prod, max, min, argmax, argmin, var, std.
 *
 * Sums accumulate in double; var/std take two passes (mean, then squared
 * deviations), which is what keeps them accurate for large n. max/min
 * propagate NaN, as PyTorch does, and report the first extreme index.
 */
#include <math.h>

#include "tensor_iter.h"
#include "tensor_ops.h"

/* Running state of one reduction over a sequence of values. */
typedef struct acc {
  double sum, prod, best;
  int64_t count, best_index;
} acc;

static void acc_init(acc *a) {
  a->sum = 0;
  a->prod = 1;
  a->best = 0;
  a->count = 0;
  a->best_index = -1;
}

/* Sum of n values x[0], x[s], ... in double; eight independent lanes so the
 * unit-stride loop vectorises. */
static double sum_run(const float *x, int64_t n, int64_t s) {
  double lane[8] = {0};
  int64_t i = 0;
  if (s == 1)
    for (; i + 8 <= n; i += 8)
      for (int l = 0; l < 8; l++) lane[l] += x[i + l];
  for (; i < n; i++) lane[0] += x[i * s];
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) +
         ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

/* Feeds n values x[0], x[s], ... whose first has sequence number `first`. */
static void acc_feed(acc *a, iddl_redop op, const float *x, int64_t n,
                     int64_t s, int64_t first) {
  a->count += n;
  if (op == IDDL_SUM || op == IDDL_MEAN || op == IDDL_VAR || op == IDDL_STD) {
    a->sum += sum_run(x, n, s);
    return;
  }
  if (op == IDDL_PROD) {
    for (int64_t i = 0; i < n; i++) a->prod *= x[i * s];
    return;
  }
  int want_max = op == IDDL_MAX || op == IDDL_ARGMAX;
  for (int64_t i = 0; i < n; i++) {
    double v = x[i * s];
    if (a->best != a->best) return; /* NaN already found: it stays */
    if (a->best_index < 0 || v != v || (want_max ? v > a->best : v < a->best)) {
      a->best = v;
      a->best_index = first + i;
    }
  }
}

/* Adds the squared deviations from mean of n values to *ss. */
static void sq_dev(double *ss, double mean, const float *x, int64_t n,
                   int64_t s) {
  for (int64_t i = 0; i < n; i++) {
    double d = x[i * s] - mean;
    *ss += d * d;
  }
}

/* The final value of a reduction; ss = sum of squared deviations. */
static double acc_result(const acc *a, iddl_redop op, double ss,
                         int correction) {
  switch (op) {
  case IDDL_SUM: return a->sum;
  case IDDL_PROD: return a->prod;
  case IDDL_MEAN: return a->count ? a->sum / a->count : NAN;
  case IDDL_VAR: case IDDL_STD: {
    double d = (double)a->count - correction;
    double var = d > 0 ? ss / d : NAN;
    return op == IDDL_STD ? sqrt(var) : var;
  }
  case IDDL_ARGMAX: case IDDL_ARGMIN: return (double)a->best_index;
  default: return a->best;
  }
}

static int needs_values(iddl_redop op) {
  return op == IDDL_MAX || op == IDDL_MIN || op == IDDL_ARGMAX ||
         op == IDDL_ARGMIN;
}

int iddl_reduce_all(iddl_redop op, double *result, const iddl_tensor *t,
                    int correction, iddl_err *err) {
  if (needs_values(op) && iddl_numel(t) == 0)
    return iddl_fail(err, "max/min of an empty tensor");
  acc a;
  acc_init(&a);
  iddl_iter it;
  float *p[1];
  iddl_iter_init(&it, 1, (const iddl_tensor *[]){t});
  while (iddl_iter_next(&it, p)) acc_feed(&a, op, p[0], it.n, it.inner[0], a.count);
  double ss = 0;
  if (op == IDDL_VAR || op == IDDL_STD) {
    double mean = a.count ? a.sum / a.count : 0;
    iddl_iter_init(&it, 1, (const iddl_tensor *[]){t});
    while (iddl_iter_next(&it, p)) sq_dev(&ss, mean, p[0], it.n, it.inner[0]);
  }
  *result = acc_result(&a, op, ss, correction);
  return 0;
}

/* Checks that r has t's shape with size 1 at dim. */
static int check_reduced_shape(const iddl_tensor *r, const iddl_tensor *t,
                               int dim, iddl_err *err) {
  int ok = r->ndim == t->ndim;
  for (int i = 0; ok && i < t->ndim; i++)
    ok = r->size[i] == (i == dim ? 1 : t->size[i]);
  if (ok) return 0;
  char a[128], b[128];
  return iddl_fail(err, "reduction over dimension %d of shape %s: result "
                   "shape %s is wrong", dim + 1, iddl_shape_str(t, a, 128),
                   iddl_shape_str(r, b, 128));
}

int iddl_reduce_dim(iddl_redop op, iddl_tensor *out, iddl_tensor *indices,
                    const iddl_tensor *t, int dim, int correction,
                    iddl_err *err) {
  char buf[128];
  if (dim < 0 || dim >= t->ndim)
    return iddl_fail(err, "reduction: dimension %d out of range for shape %s",
                     dim + 1, iddl_shape_str(t, buf, 128));
  if (check_reduced_shape(out, t, dim, err) ||
      (indices && check_reduced_shape(indices, t, dim, err)))
    return -1;
  int64_t len = t->size[dim], st = t->stride[dim];
  if (needs_values(op) && len == 0)
    return iddl_fail(err, "max/min over dimension %d of size 0", dim + 1);
  /* Walk the result alongside t with dim pinned at 0 (stride set to 0). */
  iddl_tensor tv = *t;
  tv.size[dim] = 1;
  const iddl_tensor *ops[3] = {out, &tv, indices ? indices : out};
  iddl_iter it;
  iddl_iter_init(&it, 3, ops);
  float *p[3];
  while (iddl_iter_next(&it, p)) {
    for (int64_t i = 0; i < it.n; i++) {
      const float *x = p[1] + i * it.inner[1];
      acc a;
      acc_init(&a);
      acc_feed(&a, op, x, len, st, 0);
      double ss = 0;
      if (op == IDDL_VAR || op == IDDL_STD)
        sq_dev(&ss, a.count ? a.sum / a.count : 0, x, len, st);
      p[0][i * it.inner[0]] = (float)acc_result(&a, op, ss, correction);
      if (indices) p[2][i * it.inner[2]] = (float)a.best_index;
    }
  }
  return 0;
}
