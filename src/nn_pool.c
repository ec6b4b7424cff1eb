/* nn_pool.c - pooling output sizes and max pooling (average pooling is in
 * nn_pool_avg.c; the row scheme is described in nn_pool_impl.h). Taps run
 * in row-major order, so ties and NaNs resolve as in PyTorch.
 */
#include <math.h>
#include <stdint.h>

#include "nn_pool_impl.h"
#include "parallel.h"

/* --- output size ---------------------------------------------------------- */

/* One dimension of iddl_pool2d_out_size (PyTorch's pooling_output_shape). */
static int64_t out_dim(int64_t in, int64_t k, int64_t pad, int64_t stride,
                       int64_t dil, int ceil_mode) {
  int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) out--;
  return out;
}

int iddl_pool2d_out_size(const iddl_pool2d *p, int64_t H, int64_t W,
                         int64_t *oh, int64_t *ow, iddl_err *err) {
  if (p->kh < 1 || p->kw < 1)
    return iddl_fail(err, "kernel size must be positive, got %lldx%lld",
                     (long long)p->kh, (long long)p->kw);
  if (p->sh < 1 || p->sw < 1)
    return iddl_fail(err, "stride must be positive, got %lldx%lld",
                     (long long)p->sh, (long long)p->sw);
  if (p->dh < 1 || p->dw < 1)
    return iddl_fail(err, "dilation must be positive, got %lldx%lld",
                     (long long)p->dh, (long long)p->dw);
  const int64_t big = INT32_MAX; /* keeps every size product in int64 */
  if (p->kh > big || p->kw > big || p->sh > big || p->sw > big ||
      p->dh > big || p->dw > big || H > big || W > big)
    return iddl_fail(err, "sizes must be below 2^31");
  if (p->ph < 0 || p->pw < 0 || p->ph > p->kh / 2 || p->pw > p->kw / 2)
    return iddl_fail(err, "padding %lldx%lld must be between 0 and half of "
                     "the kernel size %lldx%lld", (long long)p->ph,
                     (long long)p->pw, (long long)p->kh, (long long)p->kw);
  *oh = out_dim(H, p->kh, p->ph, p->sh, p->dh, p->ceil_mode);
  *ow = out_dim(W, p->kw, p->pw, p->sw, p->dw, p->ceil_mode);
  if (*oh < 1 || *ow < 1)
    return iddl_fail(err, "input plane %lldx%lld gives output size %lldx%lld, "
                     "too small (kernel %lldx%lld, padding %lldx%lld, "
                     "dilation %lldx%lld)", (long long)H, (long long)W,
                     (long long)*oh, (long long)*ow, (long long)p->kh,
                     (long long)p->kw, (long long)p->ph, (long long)p->pw,
                     (long long)p->dh, (long long)p->dw);
  return 0;
}

/* --- max pooling ---------------------------------------------------------- */

/* NB blocks of 8 interior outputs, from output t of the row on: window
 * origins c0 + t * S (row 0) at 1-based flat positions org + t * S, kernel
 * rows i0 .. i1-1 inside the plane. Keeps the maxima and the winners'
 * offsets in their windows in registers over all the taps (two blocks give
 * two independent dependency chains), then stores maxima and positions. */
POOL_INLINE void max_blocks(float *y, float *pos, const float *c0, float org,
                            const pool_ctx *k, int64_t h0, int64_t i0,
                            int64_t i1, int64_t t, int NB) {
  const iddl_pool2d *p = k->p;
  int64_t W = k->W, S = p->sw;
  vf8 best[2], where[2], v;
  for (int b = 0; b < NB; b++) {
    best[b] = POOL_SPLAT8(-INFINITY);
    where[b] = POOL_SPLAT8(i0 * p->dh * W); /* PyTorch starts at the first */
  }
  for (int64_t i = i0; i < i1; i++)
    for (int64_t j = 0; j < p->kw; j++) {
      const float *src = c0 + (h0 + i * p->dh) * W + t * S + j * p->dw;
      vf8 o = POOL_SPLAT8(i * p->dh * W + j * p->dw);
      for (int b = 0; b < NB; b++) {
        pool_load8(&v, src + 8 * b * S, S);
        vi8 win = (v > best[b]) | (v != v); /* NaN wins, as in PyTorch */
        best[b] = (vf8)((win & (vi8)v) | (~win & (vi8)best[b]));
        where[b] = (vf8)((win & (vi8)o) | (~win & (vi8)where[b]));
      }
    }
  const vf8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
  for (int b = 0; b < NB; b++) {
    where[b] += POOL_SPLAT8(org + (float)((t + 8 * b) * S)) + lane * (float)S;
    memcpy(y + t + 8 * b, &best[b], sizeof best[b]);
    memcpy(pos + t + 8 * b, &where[b], sizeof where[b]);
  }
}

/* The interior outputs [lo, hi) of one output row whose windows start at
 * input row h0 (kernel rows i0 .. are the ones inside the plane x, i0 <
 * kh): y = the maxima, pos = their 1-based flat positions in the plane.
 * Ties go to the first tap in row-major order and NaN wins, as in
 * PyTorch. Positions are exact in float: the glue keeps planes below 2^24
 * elements. */
POOL_INLINE void max_interior(float *y, float *pos, const float *x,
                              const pool_ctx *k, int64_t h0, int64_t i0,
                              int64_t lo, int64_t hi) {
  const iddl_pool2d *p = k->p;
  int64_t W = k->W, S = p->sw, n = hi - lo, i1 = i0; /* rows i0 .. i1-1 */
  while (i1 < p->kh && h0 + i1 * p->dh < k->H) i1++;
  const float *c0 = x + lo * S - p->pw; /* output lo's window, row 0 */
  float org = (float)(h0 * W + lo * S - p->pw + 1); /* its 1-based position */
  if (pool_vector_row(k, c0, n, h0 + (i1 - 1) * p->dh)) {
    int64_t t = 0;
    for (; t + 16 <= n; t += 16) max_blocks(y + lo, pos + lo, c0, org, k, h0, i0, i1, t, 2);
    for (; t + 8 <= n; t += 8) max_blocks(y + lo, pos + lo, c0, org, k, h0, i0, i1, t, 1);
    if (t < n) /* a last block overlapping the previous one */
      max_blocks(y + lo, pos + lo, c0, org, k, h0, i0, i1, n - 8, 1);
    return;
  }
  for (int64_t t = 0; t < n; t++) {
    float best = -INFINITY, where = (float)(i0 * p->dh * W);
    for (int64_t i = i0; i < i1; i++)
      for (int64_t j = 0; j < p->kw; j++) {
        float v = c0[(h0 + i * p->dh) * W + t * S + j * p->dw];
        if (v > best || v != v) {
          best = v;
          where = (float)(i * p->dh * W + j * p->dw);
        }
      }
    y[lo + t] = best;
    pos[lo + t] = where + org + (float)(t * S);
  }
}

/* The maximum of the window at (h0, w0) and its 1-based position (0 when
 * the window holds no input position). */
static void max_window(const float *x, int64_t H, int64_t W,
                       const iddl_pool2d *p, int64_t h0, int64_t w0,
                       float *out, float *pos) {
  float m = -INFINITY;
  int64_t best = 0;
  for (int64_t i = 0; i < p->kh; i++) {
    int64_t ih = h0 + i * p->dh;
    if (ih < 0 || ih >= H) continue;
    for (int64_t j = 0; j < p->kw; j++) {
      int64_t iw = w0 + j * p->dw;
      if (iw < 0 || iw >= W) continue;
      float v = x[ih * W + iw];
      int64_t pos = ih * W + iw + 1;
      /* PyTorch starts at the first position; the selects are bitwise, as
       * GCC turns ?: into branches, which random data mispredicts */
      int64_t win = -(int64_t)((v > m) | (v != v) | (best == 0));
      union { float f; int32_t i; } nv = {v}, om = {m};
      om.i = (nv.i & (int32_t)win) | (om.i & ~(int32_t)win);
      m = om.f;
      best = (pos & win) | (best & ~win);
    }
  }
  *out = m;
  *pos = (float)best;
}

POOL_TC static void maxpool_planes(void *ctx, int64_t p0, int64_t p1) {
  const pool_ctx *k = ctx;
  const iddl_pool2d *p = k->p;
  int64_t H = k->H, W = k->W, OH = k->OH, OW = k->OW, lo, hi;
  pool_interior_cols(p, W, OW, &lo, &hi);
  for (int64_t pl = p0; pl < p1; pl++) {
    const float *x = k->x + pl * H * W; /* (H, W) */
    for (int64_t oh = 0; oh < OH; oh++) {
      float *y = k->y + (pl * OH + oh) * OW;     /* (OW) */
      float *idx = k->idx + (pl * OH + oh) * OW; /* (OW) */
      int64_t h0 = oh * p->sh - p->ph;
      for (int64_t ow = lo ? 0 : hi; ow < OW; ow = ow + 1 == lo ? hi : ow + 1)
        max_window(x, H, W, p, h0, ow * p->sw - p->pw, &y[ow], &idx[ow]);
      if (lo == hi) continue;
      int64_t i0 = 0; /* the first kernel row inside the plane */
      while (i0 < p->kh && (h0 + i0 * p->dh < 0 || h0 + i0 * p->dh >= H)) i0++;
      if (i0 == p->kh) { /* no kernel row in the plane: empty windows */
        for (int64_t ow = lo; ow < hi; ow++) {
          y[ow] = -INFINITY;
          idx[ow] = 0.0f;
        }
        continue;
      }
      max_interior(y, idx, x, k, h0, i0, lo, hi);
    }
  }
}

void iddl_maxpool2d_forward(float *y, float *idx, const float *x, int64_t P,
                            int64_t H, int64_t W, int64_t OH, int64_t OW,
                            const iddl_pool2d *p) {
  pool_ctx k = {.y = y, .idx = idx, .x = x, .x_end = x + P * H * W, .H = H,
                .W = W, .OH = OH, .OW = OW, .p = p};
  iddl_parallel_for_work(P, (double)P * (H * W + OH * OW * p->kh * p->kw),
                    POOL_MIN_WORK, maxpool_planes, &k);
}

static void maxpool_back_planes(void *ctx, int64_t p0, int64_t p1) {
  const pool_ctx *k = ctx;
  int64_t HW = k->H * k->W, O = k->OH * k->OW;
  for (int64_t pl = p0; pl < p1; pl++) {
    float *gi = k->grad_in + pl * HW;                        /* (H * W) */
    const float *g = k->grad_out + pl * O, *idx = k->const_idx + pl * O; /* (O) */
    memset(gi, 0, (size_t)HW * sizeof(float));
    for (int64_t o = 0; o < O; o++) {
      int64_t at = (int64_t)idx[o];
      if (at > 0 && at <= HW) gi[at - 1] += g[o];
    }
  }
}

void iddl_maxpool2d_backward(float *grad_in, const float *grad_out,
                             const float *idx, int64_t P, int64_t H, int64_t W,
                             int64_t OH, int64_t OW) {
  pool_ctx k = {.grad_in = grad_in, .grad_out = grad_out, .const_idx = idx,
                .H = H, .W = W, .OH = OH, .OW = OW};
  iddl_parallel_for_work(P, (double)P * (H * W + OH * OW), POOL_MIN_WORK,
                    maxpool_back_planes, &k);
}
