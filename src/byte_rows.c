/* byte_rows.c - rows of bytes gathered into float batches (byte_rows.h). */
#include "byte_rows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int iddl_byte_rows_init(iddl_byte_rows *r, const iddl_tensor *t, iddl_err *err) {
  memset(r, 0, sizeof *r);
  if (t->ndim < 1)
    return iddl_fail(err, "byte_rows: the tensor needs a dimension of rows");
  int64_t n = iddl_numel(t), rows = t->size[0];
  iddl_tensor c = {0};
  if (iddl_contiguous(&c, t, err)) return -1;
  const float *v = iddl_data(&c);
  int bad = 0; /* a value that is not a byte (branch-free: vectorises) */
  for (int64_t i = 0; i < n; i++) {
    float x = v[i] >= 0 && v[i] <= 255 ? v[i] : -1.0f; /* NaN too */
    bad |= x < 0 || (float)(int)x != x;
  }
  if (bad) {
    iddl_tensor_release(&c);
    return 0;
  }
  size_t huge = (size_t)2 << 20, bytes = ((size_t)n + huge - 1) / huge * huge;
  r->data = aligned_alloc(huge, bytes ? bytes : huge);
  if (r->data) madvise(r->data, bytes, MADV_HUGEPAGE);
  if (!r->data) {
    iddl_tensor_release(&c);
    return iddl_fail(err, "byte_rows: out of memory for %lld bytes", (long long)n);
  }
  for (int64_t i = 0; i < n; i++) r->data[i] = (uint8_t)v[i];
  iddl_tensor_release(&c);
  r->rows = rows;
  r->cols = rows ? n / rows : 0;
  return 1;
}

void iddl_byte_rows_free(iddl_byte_rows *r) {
  free(r->data);
  memset(r, 0, sizeof *r);
}

int iddl_byte_rows_gather(const iddl_byte_rows *r, const iddl_tensor *index,
                          iddl_tensor *out, iddl_err *err) {
  char buf[128];
  if (index->ndim != 1)
    return iddl_fail(err, "gather_rows: indices must be 1-D, got shape %s",
                     iddl_shape_str(index, buf, sizeof buf));
  int64_t n = index->size[0], st = index->stride[0];
  if (iddl_numel(out) != n * r->cols || !iddl_is_contiguous(out))
    return iddl_fail(err, "gather_rows: out of shape %s must be contiguous with "
                     "%lld x %lld elements", iddl_shape_str(out, buf, sizeof buf),
                     (long long)n, (long long)r->cols);
  const float *ix = iddl_data(index);
  for (int64_t i = 0; i < n; i++) {
    float v = ix[i * st];
    if (!(v >= 1 && v <= (float)r->rows && v == floorf(v)))
      return iddl_fail(err, "gather_rows: index %.9g (position %lld of the "
                       "indices) is not a row in 1..%lld", (double)v,
                       (long long)i + 1, (long long)r->rows);
  }
  float *dst = iddl_data(out); /* (n, cols) */
  for (int64_t i = 0; i < n; i++) {
    const uint8_t *src = r->data + ((int64_t)ix[i * st] - 1) * r->cols; /* (cols) */
    float *row = dst + i * r->cols;
    for (int64_t k = 0; k < r->cols; k++) row[k] = (float)src[k];
  }
  return 0;
}

void iddl_byte_rows_prefetch(const iddl_byte_rows *r, const iddl_tensor *index) {
  if (index->ndim != 1) return;
  const float *ix = iddl_data(index);
  for (int64_t i = 0; i < index->size[0]; i++) {
    float v = ix[i * index->stride[0]];
    if (!(v >= 1 && v <= (float)r->rows)) continue;
    const uint8_t *src = r->data + ((int64_t)v - 1) * r->cols;
    for (int64_t k = 0; k < r->cols; k += 64) __builtin_prefetch(src + k);
  }
}
