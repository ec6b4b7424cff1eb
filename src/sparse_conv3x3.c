/* sparse_conv3x3.c - channel-sparse 3x3 products read from the images
 * (sparse_conv3x3.h), with AVX-512 masked loads. The loops follow the
 * by-input kernels of sparse_mm_kernels.h (kk = 9): the nine taps of an
 * input channel are loaded once per vector and serve every output channel
 * connected to it. */
#include <immintrin.h>
#include <string.h>

#include "sparse_conv3x3.h"

enum { VW = 16, MAX_VECS = 256 }; /* MAX_VECS: vectors per piece (4096 columns) */

int iddl_conv3x3_fits(const iddl_conv_geom *g, int64_t n, int64_t nimg) {
  return g->kh == 3 && g->kw == 3 && g->sh == 1 && g->sw == 1 && g->ph == 1 &&
         g->pw == 1 && g->dh == 1 && g->dw == 1 && n > 0 && n % VW == 0 &&
         nimg * n <= (int64_t)MAX_VECS * VW && !strcmp(iddl_sparse_isa(), "avx512");
}

/* Where the vectors of a piece read: vector v (columns 16v ..) is the
 * pixels at x[v] of the input images (image b's channel 0 plus the pixel
 * index) and at y[v] of the output images; tap t of it needs mask[v][t] at
 * offset off[t]. */
typedef struct piece3 {
  int64_t nv, hw;            /* vectors, pixels per plane */
  int64_t off[9];
  int64_t x[MAX_VECS], y[MAX_VECS];
  __mmask16 mask[MAX_VECS][9];
} piece3;

/* The piece's vectors for images of C input and O output channels. */
static void piece_init(piece3 *p, const iddl_conv_geom *g, int64_t O,
                       int64_t nimg, int64_t oh0, int64_t oh1) {
  int64_t W = g->W, H = g->H, n = (oh1 - oh0) * W;
  p->hw = H * W;
  p->nv = nimg * n / VW;
  for (int t = 0; t < 9; t++) p->off[t] = (t / 3 - 1) * W + t % 3 - 1;
  for (int64_t v = 0; v < p->nv; v++) {
    int64_t b = v * VW / n, q0 = oh0 * W + v * VW % n; /* image, first pixel */
    p->x[v] = b * g->C * p->hw + q0;
    p->y[v] = b * O * p->hw + q0;
    int64_t row[VW], col[VW], r = q0 / W, c = q0 % W; /* the lanes' pixels */
    for (int l = 0; l < VW; l++) {
      row[l] = r, col[l] = c;
      if (++c == W) c = 0, r++;
    }
    for (int t = 0; t < 9; t++) {
      unsigned m = 0;
      for (int l = 0; l < VW; l++) {
        int64_t yy = row[l] + t / 3 - 1, xx = col[l] + t % 3 - 1;
        m |= (unsigned)(yy >= 0 && yy < H && xx >= 0 && xx < W) << l;
      }
      p->mask[v][t] = (__mmask16)m;
    }
  }
}

/* The nine taps of input plane xc at vector v. */
#define AI static inline __attribute__((always_inline, target("avx512f")))
AI void load_taps(__m512 *x, const piece3 *p, const float *xc, int64_t v) {
  for (int t = 0; t < 9; t++)
    x[t] = _mm512_maskz_loadu_ps(p->mask[v][t], xc + p->x[v] + p->off[t]);
}

/* Vectors [v, v + NV) of y for every output channel (NV = 1 or 2). */
AI void spmm_vectors(const iddl_sparse_pattern *s, const piece3 *p,
                     const float *w, const float *im, float *y, int64_t ld,
                     int64_t v, const int NV) {
  const int64_t *cp = s->col_ptr, *tc = s->t_conn;
  const int32_t *tr = s->t_row;
  float *yv = y + v * VW; /* (O, NV vectors; ld) */
  for (int64_t o = 0; o < s->rows; o++)
    for (int k = 0; k < NV; k++) _mm512_storeu_ps(yv + o * ld + k * VW, _mm512_setzero_ps());
  for (int64_t c = 0; c < s->cols; c++) {
    if (cp[c] == cp[c + 1]) continue;
    __m512 x[2][9];
    for (int k = 0; k < NV; k++) load_taps(x[k], p, im + c * p->hw, v + k);
    for (int64_t e = cp[c]; e < cp[c + 1]; e++) {
      const float *wj = w + tc[e] * 9;
      float *yr = yv + (int64_t)tr[e] * ld;
      __m512 a[2], b[2]; /* two partial sums per vector */
      for (int k = 0; k < NV; k++) a[k] = _mm512_loadu_ps(yr + k * VW), b[k] = _mm512_setzero_ps();
      for (int t = 0; t < 9; t++) {
        __m512 wv = _mm512_set1_ps(wj[t]);
        for (int k = 0; k < NV; k++) {
          if (t < 4) a[k] = _mm512_fmadd_ps(wv, x[k][t], a[k]);
          else b[k] = _mm512_fmadd_ps(wv, x[k][t], b[k]);
        }
      }
      for (int k = 0; k < NV; k++) _mm512_storeu_ps(yr + k * VW, _mm512_add_ps(a[k], b[k]));
    }
  }
}

__attribute__((target("avx512f")))
void iddl_conv3x3_spmm(const iddl_sparse_pattern *s, const iddl_conv_geom *g,
                       const float *w, const float *im, int64_t nimg,
                       int64_t oh0, int64_t oh1, float *y, int64_t ld) {
  piece3 p;
  piece_init(&p, g, s->rows, nimg, oh0, oh1);
  int64_t v = 0;
  for (; v + 2 <= p.nv; v += 2) spmm_vectors(s, &p, w, im, y, ld, v, 2);
  if (v < p.nv) spmm_vectors(s, &p, w, im, y, ld, v, 1);
}

/* dw += scale * the products of entries e0 and e1 (e1 < 0: e0 alone) of
 * input channel c over all vectors: 18 dot products kept in registers,
 * one tap loaded at a time. */
AI void sddmm_entries(const iddl_sparse_pattern *s, const piece3 *p,
                      const float *gy, const float *xc, int64_t e0,
                      int64_t e1, float scale, float *dw) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
         a6 = a0, a7 = a0, a8 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0,
         b5 = a0, b6 = a0, b7 = a0, b8 = a0;
  const float *d0r = gy + s->t_row[e0] * p->hw;
  const float *d1r = gy + s->t_row[e1 < 0 ? e0 : e1] * p->hw;
  for (int64_t v = 0; v < p->nv; v++) {
    __m512 d0 = _mm512_loadu_ps(d0r + p->y[v]), d1 = _mm512_loadu_ps(d1r + p->y[v]);
    const float *xv = xc + p->x[v];
    const __mmask16 *m = p->mask[v];
#define TAP(t, A, B) do { \
      __m512 x = _mm512_maskz_loadu_ps(m[t], xv + p->off[t]); \
      A = _mm512_fmadd_ps(d0, x, A); \
      B = _mm512_fmadd_ps(d1, x, B); \
    } while (0)
    TAP(0, a0, b0); TAP(1, a1, b1); TAP(2, a2, b2);
    TAP(3, a3, b3); TAP(4, a4, b4); TAP(5, a5, b5);
    TAP(6, a6, b6); TAP(7, a7, b7); TAP(8, a8, b8);
#undef TAP
  }
  __m512 a[9] = {a0, a1, a2, a3, a4, a5, a6, a7, a8}, b[9] = {b0, b1, b2, b3, b4, b5, b6, b7, b8};
  float *w0 = dw + s->t_conn[e0] * 9;
  for (int t = 0; t < 9; t++) w0[t] += scale * _mm512_reduce_add_ps(a[t]);
  if (e1 < 0) return;
  float *w1 = dw + s->t_conn[e1] * 9;
  for (int t = 0; t < 9; t++) w1[t] += scale * _mm512_reduce_add_ps(b[t]);
}

__attribute__((target("avx512f")))
void iddl_conv3x3_sddmm(const iddl_sparse_pattern *s, const iddl_conv_geom *g,
                        const float *gy, const float *im, int64_t nimg,
                        int64_t oh0, int64_t oh1, float scale, float *dw) {
  piece3 p;
  piece_init(&p, g, s->rows, nimg, oh0, oh1);
  for (int64_t c = 0; c < s->cols; c++) {
    const float *xc = im + c * p.hw;
    int64_t e = s->col_ptr[c], e1 = s->col_ptr[c + 1];
    for (; e + 2 <= e1; e += 2) sddmm_entries(s, &p, gy, xc, e, e + 1, scale, dw);
    if (e < e1) sddmm_entries(s, &p, gy, xc, e, -1, scale, dw);
  }
}

/* gim += the adjoint of the taps of vectors [v, v + NV) (NV = 1 or 2) of
 * input channel c, from S(W)^T dy: the nine tap sums of each vector in
 * registers, then added onto the image where the taps read it (masked).
 * Taps go in the order of ORDER, so that consecutive additions touch
 * different rows and a load rarely waits for an overlapping store. */
static const int ORDER[9] = {0, 3, 6, 1, 4, 7, 2, 5, 8};

AI void spmm_t_vectors(const iddl_sparse_pattern *s, const piece3 *p,
                       const float *wt, const float *gy, float *gc, int64_t c,
                       int64_t v, const int NV) {
  const int64_t *cp = s->col_ptr;
  const int32_t *tr = s->t_row;
  __m512 a[2][9];
  for (int k = 0; k < NV; k++)
    for (int t = 0; t < 9; t++) a[k][t] = _mm512_setzero_ps();
  for (int64_t e = cp[c]; e < cp[c + 1]; e++) {
    const float *dr = gy + tr[e] * p->hw, *we = wt + e * 9;
    __m512 d[2];
    for (int k = 0; k < NV; k++) d[k] = _mm512_loadu_ps(dr + p->y[v + k]);
    for (int t = 0; t < 9; t++) {
      __m512 wv = _mm512_set1_ps(we[t]);
      for (int k = 0; k < NV; k++) a[k][t] = _mm512_fmadd_ps(wv, d[k], a[k][t]);
    }
  }
  for (int i = 0; i < 9; i++)
    for (int k = 0; k < NV; k++) {
      int t = ORDER[i];
      __mmask16 m = p->mask[v + k][t];
      float *q = gc + p->x[v + k] + p->off[t];
      _mm512_mask_storeu_ps(q, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, q), a[k][t]));
    }
}

__attribute__((target("avx512f")))
void iddl_conv3x3_spmm_t(const iddl_sparse_pattern *s, const iddl_conv_geom *g,
                         const float *wt, const float *gy, int64_t nimg,
                         int64_t oh0, int64_t oh1, float *gim) {
  piece3 p;
  piece_init(&p, g, s->rows, nimg, oh0, oh1);
  for (int64_t c = 0; c < s->cols; c++) {
    if (s->col_ptr[c] == s->col_ptr[c + 1]) continue;
    float *gc = gim + c * p.hw;
    int64_t v = 0;
    for (; v + 2 <= p.nv; v += 2) spmm_t_vectors(s, &p, wt, gy, gc, c, v, 2);
    if (v < p.nv) spmm_t_vectors(s, &p, wt, gy, gc, c, v, 1);
  }
}
