/* nn_pool_avg.c - average pooling over 2-D windows (PyTorch's AvgPool2d:
 * no dilation; the divisor counts padded positions or not). The row scheme
 * is described in nn_pool_impl.h.
 */
#include "nn_pool_impl.h"
#include "parallel.h"

/* Rows (or columns) of the window starting at s0: the valid range [*s, *e)
 * and the divisor factor (the extent clipped to the padded input, or the
 * valid count). */
static int64_t avg_extent(int64_t s0, int64_t k, int64_t pad, int64_t in,
                          int include_pad, int64_t *s, int64_t *e) {
  int64_t end = s0 + k < in + pad ? s0 + k : in + pad, padded = end - s0;
  *s = s0 > 0 ? s0 : 0;
  *e = end < in ? end : in;
  return include_pad ? padded : *e - *s;
}

/* NB blocks of 8 interior outputs from output t of the row on (window
 * origins c0 + t * S in row 0) over input rows [hs, he): y = sums / div,
 * kept in registers over all the taps. */
POOL_INLINE void avg_blocks(float *y, const float *c0, const pool_ctx *k,
                            int64_t hs, int64_t he, int64_t t, float div,
                            int NB) {
  int64_t W = k->W, S = k->p->sw;
  vf8 sum[2] = {POOL_SPLAT8(0), POOL_SPLAT8(0)}, v;
  for (int64_t ih = hs; ih < he; ih++)
    for (int64_t j = 0; j < k->p->kw; j++)
      for (int b = 0; b < NB; b++) {
        pool_load8(&v, c0 + ih * W + (t + 8 * b) * S + j, S);
        sum[b] += v;
      }
  for (int b = 0; b < NB; b++) {
    sum[b] /= div;
    memcpy(y + t + 8 * b, &sum[b], sizeof sum[b]);
  }
}

/* The interior outputs [lo, hi) of one output row over input rows
 * [hs, he) of plane x: y = window sums / div. */
POOL_INLINE void avg_interior(float *y, const float *x, const pool_ctx *k,
                              int64_t hs, int64_t he, int64_t lo, int64_t hi,
                              float div) {
  const iddl_pool2d *p = k->p;
  int64_t W = k->W, S = p->sw, n = hi - lo;
  const float *c0 = x + lo * S - p->pw; /* output lo's window, row 0 */
  if (pool_vector_row(k, c0, n, he - 1)) {
    int64_t t = 0;
    for (; t + 16 <= n; t += 16) avg_blocks(y + lo, c0, k, hs, he, t, div, 2);
    for (; t + 8 <= n; t += 8) avg_blocks(y + lo, c0, k, hs, he, t, div, 1);
    if (t < n) /* a last block overlapping the previous one */
      avg_blocks(y + lo, c0, k, hs, he, n - 8, div, 1);
    return;
  }
  for (int64_t t = 0; t < n; t++) {
    float sum = 0.0f;
    for (int64_t ih = hs; ih < he; ih++)
      for (int64_t j = 0; j < p->kw; j++) sum += c0[ih * W + t * S + j];
    y[lo + t] = sum / div;
  }
}

/* Whether the only window is the whole plane (ResNet's final pooling). */
static int whole_plane(const pool_ctx *k) {
  const iddl_pool2d *p = k->p;
  return k->OH == 1 && k->OW == 1 && p->ph == 0 && p->pw == 0 &&
         p->kh == k->H && p->kw == k->W;
}

POOL_TC static void avgpool_planes(void *ctx, int64_t p0, int64_t p1) {
  const pool_ctx *k = ctx;
  const iddl_pool2d *p = k->p;
  int64_t H = k->H, W = k->W, OH = k->OH, OW = k->OW, lo, hi;
  int cip = p->count_include_pad;
  if (whole_plane(k)) {
    pool_global_avg(k->y, k->x, H * W, p0, p1);
    return;
  }
  pool_interior_cols(p, W, OW, &lo, &hi);
  for (int64_t pl = p0; pl < p1; pl++) {
    const float *x = k->x + pl * H * W; /* (H, W) */
    for (int64_t oh = 0; oh < OH; oh++) {
      float *y = k->y + (pl * OH + oh) * OW; /* (OW) */
      int64_t hs, he, ws, we;
      int64_t hdiv = avg_extent(oh * p->sh - p->ph, p->kh, p->ph, H, cip, &hs, &he);
      for (int64_t ow = lo ? 0 : hi; ow < OW; ow = ow + 1 == lo ? hi : ow + 1) {
        int64_t wdiv = avg_extent(ow * p->sw - p->pw, p->kw, p->pw, W, cip, &ws, &we);
        float s = 0.0f;
        for (int64_t ih = hs; ih < he; ih++)
          for (int64_t iw = ws; iw < we; iw++) s += x[ih * W + iw];
        y[ow] = s / (float)(hdiv * wdiv);
      }
      if (lo < hi) avg_interior(y, x, k, hs, he, lo, hi, (float)(hdiv * p->kw));
    }
  }
}

void iddl_avgpool2d_forward(float *y, const float *x, int64_t P, int64_t H,
                            int64_t W, int64_t OH, int64_t OW,
                            const iddl_pool2d *p) {
  pool_ctx k = {.y = y, .x = x, .x_end = x + P * H * W, .H = H, .W = W,
                .OH = OH, .OW = OW, .p = p};
  iddl_parallel_for_work(P, (double)P * (H * W + OH * OW * p->kh * p->kw),
                    POOL_MIN_WORK, avgpool_planes, &k);
}

/* dst[t * S] += src[t] * f for t < n. */
POOL_INLINE void scatter_taps(float *restrict dst, const float *restrict src,
                              int64_t n, int64_t S, float f) {
  for (int64_t t = 0; t < n; t++) dst[t * S] += src[t] * f;
}

/* scatter_taps with strides 1 and 2 compiled apart (so they vectorise). */
POOL_INLINE void scatter_taps_any(float *restrict dst, const float *restrict src,
                                  int64_t n, int64_t S, float f) {
  if (S == 1)
    scatter_taps(dst, src, n, 1, f);
  else if (S == 2)
    scatter_taps(dst, src, n, 2, f);
  else
    scatter_taps(dst, src, n, S, f);
}

POOL_TC static void avgpool_back_planes(void *ctx, int64_t p0, int64_t p1) {
  const pool_ctx *k = ctx;
  const iddl_pool2d *p = k->p;
  int64_t H = k->H, W = k->W, OH = k->OH, OW = k->OW, lo, hi;
  int cip = p->count_include_pad;
  if (whole_plane(k)) {
    pool_global_avg_back(k->grad_in, k->grad_out, H * W, p0, p1);
    return;
  }
  pool_interior_cols(p, W, OW, &lo, &hi);
  for (int64_t pl = p0; pl < p1; pl++) {
    float *gi = k->grad_in + pl * H * W; /* (H, W) */
    memset(gi, 0, (size_t)(H * W) * sizeof(float));
    for (int64_t oh = 0; oh < OH; oh++) {
      const float *g = k->grad_out + (pl * OH + oh) * OW; /* (OW) */
      int64_t hs, he, ws, we;
      int64_t hdiv = avg_extent(oh * p->sh - p->ph, p->kh, p->ph, H, cip, &hs, &he);
      for (int64_t ow = lo ? 0 : hi; ow < OW; ow = ow + 1 == lo ? hi : ow + 1) {
        int64_t wdiv = avg_extent(ow * p->sw - p->pw, p->kw, p->pw, W, cip, &ws, &we);
        float v = g[ow] / (float)(hdiv * wdiv);
        for (int64_t ih = hs; ih < he; ih++)
          for (int64_t iw = ws; iw < we; iw++) gi[ih * W + iw] += v;
      }
      if (lo == hi) continue;
      float f = 1.0f / (float)(hdiv * p->kw);
      for (int64_t ih = hs; ih < he; ih++)
        for (int64_t j = 0; j < p->kw; j++)
          scatter_taps_any(gi + ih * W + lo * p->sw - p->pw + j, g + lo,
                           hi - lo, p->sw, f);
    }
  }
}

void iddl_avgpool2d_backward(float *grad_in, const float *grad_out, int64_t P,
                             int64_t H, int64_t W, int64_t OH, int64_t OW,
                             const iddl_pool2d *p) {
  pool_ctx k = {.grad_in = grad_in, .grad_out = grad_out, .H = H, .W = W,
                .OH = OH, .OW = OW, .p = p};
  iddl_parallel_for_work(P, (double)P * (H * W + OH * OW * p->kh * p->kw),
                    POOL_MIN_WORK, avgpool_back_planes, &k);
}
