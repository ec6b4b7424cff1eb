/* conv_im2col.c - unfolding an image into its column matrix and back. */
#include <string.h>

#include "conv_im2col.h"

int iddl_conv_geom_init(iddl_conv_geom *g, iddl_err *err) {
  if (g->C < 0 || g->H < 0 || g->W < 0)
    return iddl_fail(err, "conv: negative image size %lldx%lldx%lld",
                     (long long)g->C, (long long)g->H, (long long)g->W);
  if (g->kh < 1 || g->kw < 1)
    return iddl_fail(err, "conv: kernel size must be positive, got %lldx%lld",
                     (long long)g->kh, (long long)g->kw);
  if (g->sh < 1 || g->sw < 1)
    return iddl_fail(err, "conv: stride must be positive, got %lldx%lld",
                     (long long)g->sh, (long long)g->sw);
  if (g->dh < 1 || g->dw < 1)
    return iddl_fail(err, "conv: dilation must be positive, got %lldx%lld",
                     (long long)g->dh, (long long)g->dw);
  if (g->ph < 0 || g->pw < 0)
    return iddl_fail(err, "conv: padding must be non-negative, got %lldx%lld",
                     (long long)g->ph, (long long)g->pw);
  int64_t eh = g->dh * (g->kh - 1) + 1, ew = g->dw * (g->kw - 1) + 1;
  int64_t hp = g->H + 2 * g->ph, wp = g->W + 2 * g->pw;
  if (eh > hp || ew > wp)
    return iddl_fail(err, "conv: kernel %lldx%lld (%lldx%lld dilated) is larger "
                     "than the padded input %lldx%lld (input %lldx%lld, "
                     "padding %lldx%lld)", (long long)g->kh, (long long)g->kw,
                     (long long)eh, (long long)ew, (long long)hp, (long long)wp,
                     (long long)g->H, (long long)g->W, (long long)g->ph,
                     (long long)g->pw);
  g->Ho = (hp - eh) / g->sh + 1;
  g->Wo = (wp - ew) / g->sw + 1;
  return 0;
}

/* The outputs o in [*lo, *hi) of n_out whose input position o*s - p + off
 * lies inside [0, n_in); *lo <= *hi. */
static void valid_range(int64_t n_out, int64_t n_in, int64_t s, int64_t p,
                        int64_t off, int64_t *lo, int64_t *hi) {
  int64_t first = p - off;                  /* o*s >= first */
  int64_t last = n_in - 1 + p - off;        /* o*s <= last */
  int64_t l = first <= 0 ? 0 : (first + s - 1) / s;
  int64_t h = last < 0 ? 0 : last / s + 1;
  if (l > n_out) l = n_out;
  if (h > n_out) h = n_out;
  if (h < l) h = l;
  *lo = l;
  *hi = h;
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void iddl_im2col(const iddl_conv_geom *g, const float *im, int64_t c0,
                 int64_t nc, float *col, int64_t ldcol) {
  const int64_t H = g->H, W = g->W, Ho = g->Ho, Wo = g->Wo, sw = g->sw;
  for (int64_t c = 0; c < nc; c++) {
    const float *plane = im + (c0 + c) * H * W;          /* (H, W) */
    for (int64_t i = 0; i < g->kh; i++) {
      int64_t oh_lo, oh_hi;
      valid_range(Ho, H, g->sh, g->ph, i * g->dh, &oh_lo, &oh_hi);
      for (int64_t j = 0; j < g->kw; j++) {
        float *row = col + ((c * g->kh + i) * g->kw + j) * ldcol; /* (Ho*Wo) */
        int64_t lo, hi, off = j * g->dw - g->pw; /* ow -> iw = ow*sw + off */
        valid_range(Wo, W, sw, g->pw, j * g->dw, &lo, &hi);
        memset(row, 0, (size_t)(oh_lo * Wo) * sizeof(float));
        for (int64_t oh = oh_lo; oh < oh_hi; oh++) {
          float *dst = row + oh * Wo;                      /* (Wo) */
          const float *src = plane + (oh * g->sh - g->ph + i * g->dh) * W;
          memset(dst, 0, (size_t)lo * sizeof(float));
          if (sw == 1) {
            if (hi > lo)
              memcpy(dst + lo, src + lo + off, (size_t)(hi - lo) * sizeof(float));
          } else {
            for (int64_t ow = lo; ow < hi; ow++) dst[ow] = src[ow * sw + off];
          }
          memset(dst + hi, 0, (size_t)(Wo - hi) * sizeof(float));
        }
        memset(row + oh_hi * Wo, 0, (size_t)((Ho - oh_hi) * Wo) * sizeof(float));
      }
    }
  }
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void iddl_col2im(const iddl_conv_geom *g, const float *col, int64_t ldcol,
                 int64_t c0, int64_t nc, float *im, int accumulate) {
  const int64_t H = g->H, W = g->W, Ho = g->Ho, Wo = g->Wo, sw = g->sw;
  for (int64_t c = 0; c < nc; c++) {
    float *plane = im + (c0 + c) * H * W;                /* (H, W) */
    if (!accumulate) memset(plane, 0, (size_t)(H * W) * sizeof(float));
    for (int64_t i = 0; i < g->kh; i++) {
      int64_t oh_lo, oh_hi;
      valid_range(Ho, H, g->sh, g->ph, i * g->dh, &oh_lo, &oh_hi);
      for (int64_t j = 0; j < g->kw; j++) {
        const float *row = col + ((c * g->kh + i) * g->kw + j) * ldcol;
        int64_t lo, hi, off = j * g->dw - g->pw; /* ow -> iw = ow*sw + off */
        valid_range(Wo, W, sw, g->pw, j * g->dw, &lo, &hi);
        for (int64_t oh = oh_lo; oh < oh_hi; oh++) {
          const float *src = row + oh * Wo;                /* (Wo) */
          float *dst = plane + (oh * g->sh - g->ph + i * g->dh) * W;
          if (sw == 1) {
            for (int64_t ow = lo; ow < hi; ow++) dst[ow + off] += src[ow];
          } else {
            for (int64_t ow = lo; ow < hi; ow++) dst[ow * sw + off] += src[ow];
          }
        }
      }
    }
  }
}
