/* conv_im2col.c - unfolding an image into its column matrix and back. */
#include <stdint.h>
#include <immintrin.h>
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
  if (g->H * g->W > INT32_MAX)
    return iddl_fail(err, "conv: image plane %lldx%lld has more than 2^31 "
                     "pixels", (long long)g->H, (long long)g->W);
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

/* Hot loops: vectorised for AVX2 when the CPU has it, and short zero/copy
 * loops kept inline (GCC would otherwise call memset/memcpy for a few
 * floats). No AVX-512 clone: GCC 12 turns the masked copies below into
 * merge-masked loads that chain from one iteration to the next, which made
 * them 2x slower than the AVX2 code on Zen 4 (0.25 vs 0.11 ns per column
 * entry for 64 channels of 32x32). */
#define HOT __attribute__((target_clones("avx2", "default"), \
                           optimize("no-tree-loop-distribute-patterns")))

/* The output rows [*a, *b) of the tile [oh0, oh1) that read image rows for
 * kernel row i. */
static void tile_rows(const iddl_conv_geom *g, int64_t i, int64_t oh0,
                      int64_t oh1, int64_t *a, int64_t *b) {
  valid_range(g->Ho, g->H, g->sh, g->ph, i * g->dh, a, b);
  if (*a < oh0) *a = oh0;
  if (*b > oh1) *b = oh1;
  if (*b < *a) *b = *a;
}

/* With stride 1 and Wo == W, consecutive output rows read consecutive image
 * rows, so a kernel offset (i, j) reads the image shifted by a constant: a
 * masked copy (or add) of MASK_COLS positions at a time. */
#define MASK_COLS 1024

/* A kernel offset (i, j) in a tile of output rows [oh0, oh1): output rows
 * [a, b) and columns [lo, hi) read the image (column ow at ow*sw + off of
 * image row oh*sh - ph + i*dh); in tile positions q = (oh - oh0)*Wo + ow,
 * everything before qa and from qb on is padding. For the shifted-block
 * form, position q reads image element q + shift. */
typedef struct {
  int64_t a, b, lo, hi, off, qa, qb, shift;
} offset_span;

static offset_span span_of(const iddl_conv_geom *g, int64_t i, int64_t j,
                           int64_t oh0, int64_t oh1) {
  offset_span sp = {0};
  int64_t Wo = g->Wo;
  tile_rows(g, i, oh0, oh1, &sp.a, &sp.b);
  valid_range(Wo, g->W, g->sw, g->pw, j * g->dw, &sp.lo, &sp.hi);
  sp.off = j * g->dw - g->pw;
  if (sp.b <= sp.a || sp.hi <= sp.lo) {
    sp.a = sp.b = oh0;                     /* all padding */
    return sp;
  }
  sp.qa = (sp.a - oh0) * Wo + sp.lo;
  sp.qb = (sp.b - oh0) * Wo - (Wo - sp.hi);
  sp.shift = (oh0 - g->ph + i * g->dh) * g->W + sp.off;
  return sp;
}

/* mask[q] = 1 if tile position q0 + q reads the image, for q < len. */
static void span_mask(int32_t *mask, const offset_span *sp, int64_t Wo,
                      int64_t q0, int64_t len) {
  int64_t ow = q0 % Wo;
  for (int64_t q = 0; q < len; q++, ow = ow + 1 == Wo ? 0 : ow + 1)
    mask[q] = q0 + q >= sp->qa && q0 + q < sp->qb && ow >= sp->lo && ow < sp->hi;
}

/* The shifted-block loops with AVX-512 masks, taken when the CPU has
 * AVX-512F: bits[v] holds the mask of positions [16v, 16v + 16) (the tail
 * bits beyond len clear), and each vector is one zero-masked load (which
 * never touches the masked-out, possibly out-of-plane, positions) and one
 * store, 0.5x the instructions of the AVX2 code. Written with intrinsics so
 * that no merge-masked chain appears (see HOT). */
static int have_avx512(void) {
  static _Atomic int have = -1;
  int h = have;
  if (h < 0) {
    __builtin_cpu_init();
    h = have = __builtin_cpu_supports("avx512f") != 0;
  }
  return h;
}

/* bits[v] = the 16 entries of mask[16v ..] (0/1) of the first len, as bits. */
static void mask_bits(uint16_t *bits, const int32_t *mask, int64_t len) {
  for (int64_t v = 0; v * 16 < len; v++) {
    unsigned b = 0;
    for (int64_t k = 0; k < 16 && v * 16 + k < len; k++)
      b |= (unsigned)(mask[v * 16 + k] != 0) << k;
    bits[v] = (uint16_t)b;
  }
}

/* d[q] = bit q ? s[q] : 0 for q < len (d's positions from len on untouched). */
__attribute__((target("avx512f")))
static void copy_masked512(float *d, const float *s, const uint16_t *bits,
                           int64_t len) {
  int64_t v = 0;
  for (; v * 16 + 16 <= len; v++)
    _mm512_storeu_ps(d + v * 16, _mm512_maskz_loadu_ps(bits[v], s + v * 16));
  if (v * 16 < len) {
    __mmask16 tail = (__mmask16)((1u << (len - v * 16)) - 1);
    _mm512_mask_storeu_ps(d + v * 16, tail,
                          _mm512_maskz_loadu_ps(bits[v] & tail, s + v * 16));
  }
}

/* d[q] += s[q] where bit q is set, for q < len; only those positions of d
 * are read or written. */
__attribute__((target("avx512f")))
static void add_masked512(float *d, const float *s, const uint16_t *bits,
                          int64_t len) {
  for (int64_t v = 0; v * 16 < len; v++) {
    __mmask16 m = bits[v];
    __m512 dv = _mm512_maskz_loadu_ps(m, d + v * 16);
    _mm512_mask_storeu_ps(d + v * 16, m,
                          _mm512_add_ps(dv, _mm512_maskz_loadu_ps(m, s + v * 16)));
  }
}

/* Whether the stride-2 row copies can use AVX-512 (with BMI2's pdep). */
static int have_avx512_bmi2(void) {
  static _Atomic int have = -1;
  int h = have;
  if (h < 0) {
    __builtin_cpu_init();
    h = have = have_avx512() && __builtin_cpu_supports("bmi2");
  }
  return h;
}

/* nrows output rows of a stride-2 offset, row r at dr + r*Wo reading the
 * image row at s + r*lds: dr[ow] = s[2*ow + off] for ow in [lo, hi), 0
 * elsewhere in [0, Wo). 16 outputs from two zero-masked loads of 32 source
 * floats (only the even ones of [lo, hi) read) and one permute, where the
 * scalar code gathers one float at a time. */
__attribute__((target("avx512f,bmi2")))
static void rows_stride2_512(float *dr, const float *s, int64_t nrows,
                             int64_t lds, int64_t lo, int64_t hi, int64_t off,
                             int64_t Wo) {
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14,
                                        12, 10, 8, 6, 4, 2, 0);
  for (int64_t r = 0; r < nrows; r++, dr += Wo, s += lds)
  for (int64_t ow0 = 0; ow0 < Wo; ow0 += 16) {
    int64_t cnt = Wo - ow0 < 16 ? Wo - ow0 : 16;
    int64_t a = lo > ow0 ? lo - ow0 : 0, b = hi - ow0 < cnt ? hi - ow0 : cnt;
    unsigned out = b > a ? ((1u << b) - 1) & ~((1u << a) - 1) : 0;
    unsigned in = _pdep_u32(out, 0x55555555u); /* source element 2k for k */
    const float *base = s + 2 * ow0 + off;
    __m512 x0 = _mm512_maskz_loadu_ps((__mmask16)in, base);
    __m512 x1 = _mm512_maskz_loadu_ps((__mmask16)(in >> 16), base + 16);
    __m512 v = _mm512_maskz_permutex2var_ps((__mmask16)out, x0, even, x1);
    _mm512_mask_storeu_ps(dr + ow0, (__mmask16)((1u << cnt) - 1), v);
  }
}

/* The adjoint of rows_stride2_512 (image rows at d + r*ldd, column rows
 * at sr + r*Wo): d[2*ow + off] += sr[ow] for ow in [lo, hi), ow < Wo; 16
 * inputs spread over the even lanes of two vectors by permutes, and only
 * the positions written are loaded and stored. */
__attribute__((target("avx512f,bmi2")))
static void rows_add_stride2_512(float *d, const float *sr, int64_t nrows,
                                 int64_t ldd, int64_t lo, int64_t hi,
                                 int64_t off, int64_t Wo) {
  const __m512i lo8 = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1,
                                       1, 0, 0);
  const __m512i hi8 = _mm512_add_epi32(lo8, _mm512_set1_epi32(8));
  for (int64_t r = 0; r < nrows; r++, d += ldd, sr += Wo)
  for (int64_t ow0 = 0; ow0 < Wo; ow0 += 16) {
    int64_t cnt = Wo - ow0 < 16 ? Wo - ow0 : 16;
    int64_t a = lo > ow0 ? lo - ow0 : 0, b = hi - ow0 < cnt ? hi - ow0 : cnt;
    if (b <= a) continue;
    unsigned in = ((1u << b) - 1) & ~((1u << a) - 1);
    unsigned at = _pdep_u32(in, 0x55555555u); /* position 2k for input k */
    __mmask16 m0 = (__mmask16)at, m1 = (__mmask16)(at >> 16);
    __m512 v = _mm512_maskz_loadu_ps((__mmask16)in, sr + ow0);
    float *base = d + 2 * ow0 + off;
    __m512 d0 = _mm512_maskz_loadu_ps(m0, base);
    __m512 d1 = _mm512_maskz_loadu_ps(m1, base + 16);
    _mm512_mask_storeu_ps(base, m0, _mm512_add_ps(d0, _mm512_permutexvar_ps(lo8, v)));
    _mm512_mask_storeu_ps(base + 16, m1,
                          _mm512_add_ps(d1, _mm512_permutexvar_ps(hi8, v)));
  }
}

HOT void iddl_im2col_batch(const iddl_conv_geom *g, const float *im,
                           int64_t nimg, int64_t c0, int64_t nc, int64_t oh0,
                           int64_t oh1, float *col, int64_t ldcol) {
  const int64_t hw = g->H * g->W, chw = g->C * hw, kk = g->kh * g->kw;
  const int64_t W = g->W, Wo = g->Wo, sh = g->sh, sw = g->sw;
  const int64_t n = (oh1 - oh0) * Wo;                    /* tile columns */
  const int block = sh == 1 && sw == 1 && Wo == W;
  int32_t mask[MASK_COLS];
  uint16_t bits[MASK_COLS / 16];
  const int avx512 = block && have_avx512();
  const int stride2 = sw == 2 && have_avx512_bmi2();
  for (int64_t i = 0; i < g->kh; i++)
    for (int64_t j = 0; j < g->kw; j++) {
      offset_span sp = span_of(g, i, j, oh0, oh1);
      if (block) {             /* masked shifted copies, MASK_COLS at a time */
        for (int64_t q0 = 0; q0 < n; q0 += MASK_COLS) {
          int64_t len = n - q0 < MASK_COLS ? n - q0 : MASK_COLS;
          span_mask(mask, &sp, Wo, q0, len);
          if (avx512) mask_bits(bits, mask, len);
          for (int64_t b = 0; b < nimg; b++)
            for (int64_t c = 0; c < nc; c++) {
              float *d = col + (c * kk + i * g->kw + j) * ldcol + b * n + q0;
              const float *s = im + b * chw + (c0 + c) * hw + q0; /* plane */
              if (avx512) copy_masked512(d, s + sp.shift, bits, len);
              else
                for (int64_t q = 0; q < len; q++)
                  d[q] = mask[q] ? s[q + sp.shift] : 0.0f;
            }
        }
        continue;
      }
      for (int64_t b = 0; b < nimg; b++)   /* other geometries: by rows */
        for (int64_t c = 0; c < nc; c++) {
          float *d = col + (c * kk + i * g->kw + j) * ldcol + b * n; /* (n) */
          const float *plane = im + b * chw + (c0 + c) * hw;   /* (H, W) */
          for (int64_t q = 0; q < sp.qa; q++) d[q] = 0.0f;
          for (int64_t q = sp.qb; q < n; q++) d[q] = 0.0f;
          if (stride2) {
            rows_stride2_512(d + (sp.a - oh0) * Wo,
                             plane + (sp.a * sh - g->ph + i * g->dh) * W,
                             sp.b - sp.a, sh * W, sp.lo, sp.hi, sp.off, Wo);
            continue;
          }
          for (int64_t oh = sp.a; oh < sp.b; oh++) {
            float *dr = d + (oh - oh0) * Wo;
            const float *s = plane + (oh * sh - g->ph + i * g->dh) * W;
            for (int64_t ow = 0; ow < sp.lo; ow++) dr[ow] = 0.0f;
            for (int64_t ow = sp.lo; ow < sp.hi; ow++) dr[ow] = s[ow * sw + sp.off];
            for (int64_t ow = sp.hi; ow < Wo; ow++) dr[ow] = 0.0f;
          }
        }
    }
}

void iddl_im2col_rows(const iddl_conv_geom *g, const float *im, int64_t c0,
                      int64_t nc, int64_t oh0, int64_t oh1, float *col,
                      int64_t ldcol) {
  iddl_im2col_batch(g, im, 1, c0, nc, oh0, oh1, col, ldcol);
}

void iddl_im2col(const iddl_conv_geom *g, const float *im, int64_t c0,
                 int64_t nc, float *col, int64_t ldcol) {
  iddl_im2col_batch(g, im, 1, c0, nc, 0, g->Ho, col, ldcol);
}

HOT void iddl_col2im_batch(const iddl_conv_geom *g, const float *col,
                           int64_t ldcol, int64_t nimg, int64_t c0, int64_t nc,
                           int64_t oh0, int64_t oh1, float *im) {
  const int64_t hw = g->H * g->W, chw = g->C * hw, kk = g->kh * g->kw;
  const int64_t W = g->W, Wo = g->Wo, sh = g->sh, sw = g->sw;
  const int64_t n = (oh1 - oh0) * Wo;
  const int block = sh == 1 && sw == 1 && Wo == W;
  int32_t mask[MASK_COLS];
  uint16_t bits[MASK_COLS / 16];
  const int avx512 = block && have_avx512();
  const int stride2 = sw == 2 && have_avx512_bmi2();
  for (int64_t i = 0; i < g->kh; i++)
    for (int64_t j = 0; j < g->kw; j++) {
      offset_span sp = span_of(g, i, j, oh0, oh1);
      if (sp.qb <= sp.qa) continue;
      if (block) {  /* shifted adds, MASK_COLS at a time; every position of
                     * [qa + shift, qb + shift) lies in the plane */
        for (int64_t q0 = sp.qa; q0 < sp.qb; q0 += MASK_COLS) {
          int64_t len = sp.qb - q0 < MASK_COLS ? sp.qb - q0 : MASK_COLS;
          span_mask(mask, &sp, Wo, q0, len);
          if (avx512) mask_bits(bits, mask, len);
          for (int64_t b = 0; b < nimg; b++)
            for (int64_t c = 0; c < nc; c++) {
              const float *s = col + (c * kk + i * g->kw + j) * ldcol + b * n + q0;
              float *d = im + b * chw + (c0 + c) * hw + q0;     /* plane */
              if (avx512) add_masked512(d + sp.shift, s, bits, len);
              else
                for (int64_t q = 0; q < len; q++)  /* padding columns add 0 */
                  d[q + sp.shift] += mask[q] ? s[q] : 0.0f;
            }
        }
        continue;
      }
      for (int64_t b = 0; b < nimg; b++)   /* other geometries: by rows */
        for (int64_t c = 0; c < nc; c++) {
          const float *s = col + (c * kk + i * g->kw + j) * ldcol + b * n;
          float *plane = im + b * chw + (c0 + c) * hw;         /* (H, W) */
          if (stride2) {
            rows_add_stride2_512(plane + (sp.a * sh - g->ph + i * g->dh) * W,
                                 s + (sp.a - oh0) * Wo, sp.b - sp.a, sh * W,
                                 sp.lo, sp.hi, sp.off, Wo);
            continue;
          }
          for (int64_t oh = sp.a; oh < sp.b; oh++) {
            const float *sr = s + (oh - oh0) * Wo;
            float *dr = plane + (oh * sh - g->ph + i * g->dh) * W;
            for (int64_t ow = sp.lo; ow < sp.hi; ow++) dr[ow * sw + sp.off] += sr[ow];
          }
        }
    }
}

void iddl_col2im_rows(const iddl_conv_geom *g, const float *col, int64_t ldcol,
                      int64_t c0, int64_t nc, int64_t oh0, int64_t oh1,
                      float *im) {
  iddl_col2im_batch(g, col, ldcol, 1, c0, nc, oh0, oh1, im);
}

void iddl_col2im(const iddl_conv_geom *g, const float *col, int64_t ldcol,
                 int64_t c0, int64_t nc, float *im, int accumulate) {
  if (!accumulate)
    memset(im + c0 * g->H * g->W, 0, (size_t)(nc * g->H * g->W) * sizeof(float));
  iddl_col2im_batch(g, col, ldcol, 1, c0, nc, 0, g->Ho, im);
}
