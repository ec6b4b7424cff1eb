/* nn_pool_impl.h - what the window pooling kernels (nn_pool.c, max, and
 * nn_pool_avg.c, average) share; not a public interface.
 *
 * Each output row is done in two parts: the border columns, whose windows
 * reach into the padding, window by window; and the interior columns
 * [lo, hi), whose windows lie inside the row, in blocks of 8 or 16 outputs
 * held in vector registers for strides 1 and 2 (all the kernel taps of a
 * block are read before anything is stored), else output by output.
 */
#ifndef IDDL_NN_POOL_IMPL_H
#define IDDL_NN_POOL_IMPL_H

#include <string.h>

#include "nn_pool.h"

#define POOL_TC __attribute__((target_clones("avx512f", "avx2", "default")))
#define POOL_INLINE static inline __attribute__((always_inline))
#define POOL_MIN_WORK 32768 /* elements per thread worth starting it for */

/* The arguments of a kernel, for the per-plane-range workers. */
typedef struct {
  float *y, *idx, *grad_in;
  const float *x, *grad_out, *const_idx;
  const float *x_end; /* one past the last input element */
  int64_t H, W, OH, OW;
  const iddl_pool2d *p;
} pool_ctx;

/* The output columns [*lo, *hi) whose windows lie wholly inside 0 .. W-1.
 * The border columns are then visited as
 *   for (ow = lo ? 0 : hi; ow < OW; ow = ow + 1 == lo ? hi : ow + 1)
 * that is [0, lo) then [hi, OW). */
POOL_INLINE void pool_interior_cols(const iddl_pool2d *p, int64_t W, int64_t OW,
                                    int64_t *lo, int64_t *hi) {
  int64_t last = W - 1 - (p->kw - 1) * p->dw + p->pw; /* max ow * sw */
  int64_t h = last < 0 ? 0 : last / p->sw + 1;
  int64_t l = (p->pw + p->sw - 1) / p->sw;
  *hi = h < OW ? h : OW;
  *lo = l < *hi ? l : *hi;
}

/* 8 floats (GCC vector extensions: one AVX register, two SSE ones in the
 * default clone; 16 would need AVX-512DQ for comparison masks). Helpers
 * are always inlined, so no vector crosses a function boundary. */
typedef float vf8 __attribute__((vector_size(32)));
typedef int32_t vi8 __attribute__((vector_size(32)));

/* x in all 8 lanes (a vector plus a scalar broadcasts it). */
#define POOL_SPLAT8(x) ((vf8){0} + (float)(x))

/* *v = src[0], src[S], ..., src[7 S] for S = 1 or 2 (S = 2 reads src[0 ..
 * 15]). */
POOL_INLINE void pool_load8(vf8 *v, const float *src, int64_t S) {
  memcpy(v, src, sizeof *v);
  if (S == 2) {
    vf8 w;
    memcpy(&w, src + 8, sizeof w);
    *v = __builtin_shuffle(*v, w, (vi8){0, 2, 4, 6, 8, 10, 12, 14});
  }
}

/* Whether the interior outputs of one row (n of them, the first window at
 * column pointer c0 of row 0, kernel rows up to ih_last) can go by vectors:
 * stride 1 or 2, at least 8 outputs, and the last block's loads (which
 * with stride 2 read one float past its last tap) inside the input. */
POOL_INLINE int pool_vector_row(const pool_ctx *k, const float *c0, int64_t n,
                                int64_t ih_last) {
  int64_t S = k->p->sw;
  return S <= 2 && n >= 8 &&
         (k->x_end - c0) >= ih_last * k->W + (n - 8) * S +
                                (k->p->kw - 1) * k->p->dw + 8 * S;
}

/* The sum of x[0 .. n-1]: float lanes (vectorised, no reassociation
 * needed) over chunks of 1024, folded pairwise, chunks added in double. */
POOL_INLINE double pool_run_sum(const float *x, int64_t n) {
  double s = 0.0;
  for (int64_t c = 0; c < n; c += 1024) {
    int64_t len = n - c < 1024 ? n - c : 1024, i = 0;
    float a[16] = {0};
    for (; i + 16 <= len; i += 16)
      for (int l = 0; l < 16; l++) a[l] += x[c + i + l];
    for (int w = 8; w > 0; w /= 2)
      for (int l = 0; l < w; l++) a[l] += a[l + w];
    double t = a[0];
    for (; i < len; i++) t += x[c + i];
    s += t;
  }
  return s;
}

/* dst[0 .. n-1] += v. */
POOL_INLINE void pool_run_add(float *dst, int64_t n, float v) {
  for (int64_t i = 0; i < n; i++) dst[i] += v;
}

/* Global average pooling of planes [p0, p1): y[pl] = mean of plane pl of x
 * (HW floats each); the window of AdaptiveAvgPool2d(1) and of an AvgPool2d
 * whose only window is the whole plane. */
POOL_INLINE void pool_global_avg(float *y, const float *x, int64_t HW,
                                 int64_t p0, int64_t p1) {
  for (int64_t pl = p0; pl < p1; pl++)
    y[pl] = (float)(pool_run_sum(x + pl * HW, HW) / (double)HW);
}

/* Its gradient: plane pl of grad_in = grad_out[pl] / HW everywhere. */
POOL_INLINE void pool_global_avg_back(float *grad_in, const float *grad_out,
                                      int64_t HW, int64_t p0, int64_t p1) {
  for (int64_t pl = p0; pl < p1; pl++) {
    float v = grad_out[pl] / (float)HW, *gi = grad_in + pl * HW; /* (HW) */
    for (int64_t i = 0; i < HW; i++) gi[i] = v;
  }
}

#endif
