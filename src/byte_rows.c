/* byte_rows.c - rows of bytes gathered into float batches (byte_rows.h). */
#include "byte_rows.h"

#include <emmintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* d[i] = v[i] clamped to 0..255 and truncated; returns non-zero when some
 * v[i] was not exactly its byte (NaN included). SSE2, 16 values a step. */
static int to_bytes(uint8_t *d, const float *v, int64_t n) {
  const __m128 zero = _mm_setzero_ps(), top = _mm_set1_ps(255);
  __m128 bad = zero;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i k[4];
    for (int q = 0; q < 4; q++) {
      __m128 x = _mm_loadu_ps(v + i + 4 * q);
      k[q] = _mm_cvttps_epi32(_mm_min_ps(_mm_max_ps(x, zero), top)); /* NaN -> 0 */
      bad = _mm_or_ps(bad, _mm_cmpneq_ps(_mm_cvtepi32_ps(k[q]), x));
    }
    __m128i lo = _mm_packs_epi32(k[0], k[1]), hi = _mm_packs_epi32(k[2], k[3]);
    _mm_storeu_si128((__m128i *)(d + i), _mm_packus_epi16(lo, hi));
  }
  int any = _mm_movemask_ps(bad);
  for (; i < n; i++) {
    float x = v[i], y = x > 255 ? 255 : x;
    int k = (int)(y > 0 ? y : 0);
    d[i] = (uint8_t)k;
    any |= (float)k != x;
  }
  return any;
}

int iddl_byte_rows_init(iddl_byte_rows *r, const iddl_tensor *t, iddl_err *err) {
  memset(r, 0, sizeof *r);
  if (t->ndim < 1)
    return iddl_fail(err, "byte_rows: the tensor needs a dimension of rows");
  int64_t n = iddl_numel(t), rows = t->size[0];
  iddl_tensor c = {0};
  if (iddl_contiguous(&c, t, err)) return -1;
  const float *v = iddl_data(&c);
  r->data = malloc((size_t)(n ? n : 1));
  if (!r->data) {
    iddl_tensor_release(&c);
    return iddl_fail(err, "byte_rows: out of memory for %lld bytes", (long long)n);
  }
  int bad = to_bytes(r->data, v, n);
  if (bad) {
    iddl_tensor_release(&c);
    iddl_byte_rows_free(r);
    return 0;
  }
  iddl_tensor_release(&c);
  r->rows = rows;
  r->cols = rows ? n / rows : 0;
  return 1;
}

void iddl_byte_rows_free(iddl_byte_rows *r) {
  iddl_background_free(r->worker);
  iddl_tensor_release(&r->job_out);
  free(r->data);
  free(r->job_rows);
  memset(r, 0, sizeof *r);
}

/* Checks index (1-D, n rows of r) and out (contiguous, n * cols). */
static int check(const iddl_byte_rows *r, const iddl_tensor *index,
                 const iddl_tensor *out, iddl_err *err) {
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
  return 0;
}

/* dst (n, cols) = the rows rows[0..n) (0-based) as floats. */
static void gather(const iddl_byte_rows *r, const int64_t *rows, int64_t n,
                   float *dst) {
  for (int64_t i = 0; i < n; i++) {
    const uint8_t *src = r->data + rows[i] * r->cols; /* (cols) */
    float *row = dst + i * r->cols;
    for (int64_t k = 0; k < r->cols; k++) row[k] = (float)src[k];
  }
}

/* The rows of index as 0-based integers into r->job_rows. */
static int take_rows(iddl_byte_rows *r, const iddl_tensor *index, iddl_err *err) {
  int64_t n = index->size[0];
  if (n > r->job_cap) {
    int64_t *p = realloc(r->job_rows, (size_t)n * sizeof *p);
    if (!p) return iddl_fail(err, "gather_rows: out of memory for %lld indices", (long long)n);
    r->job_rows = p, r->job_cap = n;
  }
  const float *ix = iddl_data(index);
  for (int64_t i = 0; i < n; i++) r->job_rows[i] = (int64_t)ix[i * index->stride[0]] - 1;
  r->job_n = n;
  return 0;
}

int iddl_byte_rows_gather(const iddl_byte_rows *r, const iddl_tensor *index,
                          iddl_tensor *out, iddl_err *err) {
  if (check(r, index, out, err)) return -1;
  const float *ix = iddl_data(index);
  float *dst = iddl_data(out); /* (n, cols) */
  for (int64_t i = 0; i < index->size[0]; i++) {
    int64_t row = (int64_t)ix[i * index->stride[0]] - 1;
    gather(r, &row, 1, dst + i * r->cols);
  }
  return 0;
}

static void gather_task(void *ctx) {
  iddl_byte_rows *r = ctx;
  gather(r, r->job_rows, r->job_n, iddl_data(&r->job_out));
}

int iddl_byte_rows_gather_start(iddl_byte_rows *r, const iddl_tensor *index,
                                iddl_tensor *out, iddl_err *err) {
  if (check(r, index, out, err)) return -1;
  if (!r->worker && !(r->worker = iddl_background_new()))
    return iddl_fail(err, "gather_rows: out of memory for a worker");
  iddl_byte_rows_gather_wait(r);
  if (take_rows(r, index, err)) return -1;
  iddl_tensor_share(&r->job_out, out);
  iddl_background_run(r->worker, gather_task, r);
  return 0;
}

int iddl_byte_rows_gather_wait(iddl_byte_rows *r) {
  if (!r->job_out.storage) return 0;
  iddl_background_wait(r->worker);
  iddl_tensor_release(&r->job_out);
  return 1;
}
