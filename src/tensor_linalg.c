/* tensor_linalg.c - matmul with NumPy's rules on OpenBLAS sgemm/sgemv. */
#include <limits.h>
#include <string.h>

#include "blas.h"
#include "tensor_ops.h"

/* The shapes of a matmul after NumPy's promotion of 1-D operands. */
typedef struct mm_plan {
  int64_t m, k, n;
  int batch_ndim;
  int64_t batch[IDDL_MAX_DIMS];  /* broadcast batch sizes */
  int64_t a_bstride[IDDL_MAX_DIMS], b_bstride[IDDL_MAX_DIMS]; /* 0 = bcast */
  int64_t a_rs, a_cs, b_rs, b_cs; /* row/column strides of the matrices */
} mm_plan;

static int mm_error(const iddl_tensor *a, const iddl_tensor *b,
                    const char *why, iddl_err *err) {
  char x[128], y[128];
  return iddl_fail(err, "matmul: shapes %s and %s %s", iddl_shape_str(a, x, 128),
                   iddl_shape_str(b, y, 128), why);
}

/* Fills p from a and b; the per-operand batch dims are right-aligned. */
static int mm_make_plan(mm_plan *p, const iddl_tensor *a, const iddl_tensor *b,
                        iddl_err *err) {
  if (a->ndim == 0 || b->ndim == 0)
    return mm_error(a, b, "are not valid: both need at least 1 dimension", err);
  int an = a->ndim, bn = b->ndim;
  p->m = an >= 2 ? a->size[an - 2] : 1;
  p->k = a->size[an - 1];
  p->a_rs = an >= 2 ? a->stride[an - 2] : 0;
  p->a_cs = a->stride[an - 1];
  int64_t bk = bn >= 2 ? b->size[bn - 2] : b->size[0];
  p->n = bn >= 2 ? b->size[bn - 1] : 1;
  p->b_rs = bn >= 2 ? b->stride[bn - 2] : b->stride[0];
  p->b_cs = bn >= 2 ? b->stride[bn - 1] : 0;
  if (bk != p->k) return mm_error(a, b, "cannot be multiplied (inner sizes differ)", err);
  int abat = an > 2 ? an - 2 : 0, bbat = bn > 2 ? bn - 2 : 0;
  p->batch_ndim = abat > bbat ? abat : bbat;
  for (int i = 0; i < p->batch_ndim; i++) {
    int ia = i - (p->batch_ndim - abat), ib = i - (p->batch_ndim - bbat);
    int64_t sa = ia >= 0 ? a->size[ia] : 1, sb = ib >= 0 ? b->size[ib] : 1;
    if (sa != sb && sa != 1 && sb != 1)
      return mm_error(a, b, "have batch dimensions that cannot be broadcast", err);
    p->batch[i] = sa == 1 ? sb : sa;
    p->a_bstride[i] = ia >= 0 && sa != 1 ? a->stride[ia] : 0;
    p->b_bstride[i] = ib >= 0 && sb != 1 ? b->stride[ib] : 0;
  }
  if (p->m > INT_MAX || p->n > INT_MAX || p->k > INT_MAX)
    return mm_error(a, b, "are too large for BLAS (32-bit sizes)", err);
  return 0;
}

int iddl_matmul_shape(const iddl_tensor *a, const iddl_tensor *b, int *ndim,
                      int64_t *size, iddl_err *err) {
  mm_plan p;
  if (mm_make_plan(&p, a, b, err)) return -1;
  int n = 0;
  for (int i = 0; i < p.batch_ndim; i++) size[n++] = p.batch[i];
  if (a->ndim >= 2) size[n++] = p.m;
  if (b->ndim >= 2) size[n++] = p.n;
  *ndim = n;
  return 0;
}

/* BLAS form of a matrix with row stride rs and column stride cs: sets
 * *trans and *ld, or returns -1 when neither layout fits (copy needed). */
static int blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs,
                       int *trans, int64_t *ld) {
  if ((cs == 1 || cols == 1) && (rs >= cols || rows == 1)) {
    *trans = 0;
    *ld = rows == 1 ? (cols > 1 ? cols : 1) : rs;
  } else if ((rs == 1 || rows == 1) && (cs >= rows || cols == 1)) {
    *trans = 1;
    *ld = cols == 1 ? (rows > 1 ? rows : 1) : cs;
  } else {
    return -1;
  }
  return *ld <= INT_MAX && *ld >= 1 ? 0 : -1;
}

/* One (m,k) x (k,n) product into the contiguous (m,n) block c. */
static void mm_one(const mm_plan *p, const float *a, const float *b, float *c) {
  int ta = 0, tb = 0;
  int64_t lda = 1, ldb = 1; /* set by blas_layout: iddl_matmul checked it fits */
  if (p->m == 0 || p->n == 0) return;
  if (p->k == 0) {
    memset(c, 0, sizeof(float) * p->m * p->n);
    return;
  }
  blas_layout(p->m, p->k, p->a_rs, p->a_cs, &ta, &lda);
  if (p->n == 1) { /* matrix-vector: y(m) = A(m,k) x(k) */
    int64_t rows = ta ? p->k : p->m, cols = ta ? p->m : p->k;
    iddl_sgemv(ta, rows, cols, 1.0f, a, lda, b, p->b_rs, 0.0f, c, 1);
    return;
  }
  blas_layout(p->k, p->n, p->b_rs, p->b_cs, &tb, &ldb);
  iddl_sgemm(ta, tb, p->m, p->n, p->k, 1.0f, a, lda, b, ldb, 0.0f, c, p->n);
}

int iddl_matmul(iddl_tensor *out, const iddl_tensor *a, const iddl_tensor *b,
                iddl_err *err) {
  mm_plan p;
  int nd, ta, tb;
  int64_t size[IDDL_MAX_DIMS], ld;
  if (iddl_blas_init(err) || iddl_matmul_shape(a, b, &nd, size, err)) return -1;
  if (out->ndim != nd || memcmp(out->size, size, nd * sizeof *size) ||
      !iddl_is_contiguous(out)) {
    char x[128], y[128];
    return iddl_fail(err, "matmul: result must be contiguous of shape %s, got "
                     "%s", iddl_sizes_str(nd, size, x, 128),
                     iddl_shape_str(out, y, 128));
  }
  /* Operands BLAS cannot read in place (and strides past INT_MAX) are copied. */
  iddl_tensor ca = {0}, cb = {0};
  mm_make_plan(&p, a, b, err);
  int a_ok = blas_layout(p.m, p.k, p.a_rs, p.a_cs, &ta, &ld) == 0;
  int b_ok = blas_layout(p.k, p.n, p.b_rs, p.b_cs, &tb, &ld) == 0 &&
             (p.n != 1 || (p.b_rs >= 1 && p.b_rs <= INT_MAX));
  if ((!a_ok && iddl_clone(&ca, a, err)) || (!b_ok && iddl_clone(&cb, b, err))) {
    iddl_tensor_release(&ca);
    return -1;
  }
  const iddl_tensor *A = a_ok ? a : &ca, *B = b_ok ? b : &cb;
  mm_make_plan(&p, A, B, err);
  int64_t count = 1, idx[IDDL_MAX_DIMS] = {0};
  for (int i = 0; i < p.batch_ndim; i++) count *= p.batch[i];
  float *c = iddl_data(out);
  for (int64_t it = 0; it < count; it++) {
    int64_t oa = 0, ob = 0;
    for (int i = 0; i < p.batch_ndim; i++) {
      oa += idx[i] * p.a_bstride[i];
      ob += idx[i] * p.b_bstride[i];
    }
    mm_one(&p, iddl_data(A) + oa, iddl_data(B) + ob, c + it * p.m * p.n);
    for (int i = p.batch_ndim - 1; i >= 0; i--) {
      if (++idx[i] < p.batch[i]) break;
      idx[i] = 0;
    }
  }
  iddl_tensor_release(&ca);
  iddl_tensor_release(&cb);
  return 0;
}
