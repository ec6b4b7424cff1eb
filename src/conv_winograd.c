/* conv_winograd.c - 3x3 stride-1 convolution by Winograd's F(2x2, 3x3). */
#include <string.h>

#include "blas.h"
#include "conv_winograd.h"
#include "parallel.h"
#include "vec_sum.h"
#include "wino_transform.h"

/* Tiles per product (the sgemms' column count), as TARGET_COLS in nn_conv.c. */
#define TARGET_TILES 256
/* See iddl_wino_pays. Forward + backward of ResNet-18 layers at batch 128,
 * Winograd vs im2col: 8x8 images with 16 channels per group 18.2 vs 16.9
 * ms, 32: 44.0 vs 47.0, 256: 88 vs 147; 4x4 images with 32: 18.6 vs 15.5,
 * 64: 42.1 vs 48.5, 512: 94 vs 153; but 32x32 images with 4 channels per
 * group: 52 vs 67 ms. */
#define WINOGRAD_MIN_CHANNELS 32
#define ALIGN_FLOATS 16

/* Element-wise loops, vectorised for AVX2 when the CPU has it. */
#define HOT __attribute__((target_clones("avx2", "default")))

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t align_up(int64_t n) { return cdiv(n, ALIGN_FLOATS) * ALIGN_FLOATS; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* One Winograd convolution: in (N, C, H, W) -> out (N, O, Ho, Wo) with a 3x3
 * kernel, stride 1 and padding ph x pw, on a tile grid TH x TW; and its plan:
 * products of nb images, or of R tile rows of one image. */
typedef struct {
  int64_t N, C, H, W, O, groups, ph, pw, Ho, Wo, TH, TW;
  int64_t nb, R, items;
  int slots, batch_parallel;
} wpass;

/* The pass of s's forward convolution, or (input_grad) of its input
 * gradient: gradOutput (N, O, Ho, Wo) -> (N, C, H, W), padding 2 - p. */
static wpass pass_of(const iddl_conv2d *s, int input_grad) {
  wpass p = {.N = s->N, .groups = s->groups};
  if (input_grad) {
    p.C = s->O; p.H = s->g.Ho; p.W = s->g.Wo; p.O = s->g.C;
    p.ph = 2 - s->g.ph; p.pw = 2 - s->g.pw; p.Ho = s->g.H; p.Wo = s->g.W;
  } else {
    p.C = s->g.C; p.H = s->g.H; p.W = s->g.W; p.O = s->O;
    p.ph = s->g.ph; p.pw = s->g.pw; p.Ho = s->g.Ho; p.Wo = s->g.Wo;
  }
  p.TH = cdiv(p.Ho, 2);
  p.TW = cdiv(p.Wo, 2);
  int threads = iddl_parallel_threads();
  int64_t nb = s->chunk;
  if (nb < 1) {
    nb = cdiv(TARGET_TILES, p.TH * p.TW);
    if (nb > p.N / threads) nb = p.N / threads;
  }
  if (nb > p.N) nb = p.N;
  if (nb < 1) nb = 1;
  p.nb = nb;
  p.R = nb > 1 ? p.TH : s->tile > 0 ? cdiv(s->tile, 2) : cdiv(TARGET_TILES, p.TW);
  if (p.R > p.TH) p.R = p.TH;
  p.items = cdiv(p.N, nb);
  p.batch_parallel = s->threading == IDDL_CONV_BATCH ||
                     (s->threading == IDDL_CONV_AUTO && threads > 1 &&
                      p.items >= threads);
  p.slots = 1;
  if (p.batch_parallel && p.items > 1)
    p.slots = (int)(p.items < threads ? p.items : threads);
  return p;
}

int iddl_wino_pays(const iddl_conv2d *s) {
  int64_t cg = s->g.C / s->groups, og = s->O / s->groups;
  int64_t tiles = cdiv(s->g.Ho, 2) * cdiv(s->g.Wo, 2);
  return tiles >= TARGET_TILES || (cg < og ? cg : og) >= WINOGRAD_MIN_CHANNELS;
}

int iddl_wino_fits(const iddl_conv2d *s) {
  const iddl_conv_geom *g = &s->g;
  return g->kh == 3 && g->kw == 3 && g->sh == 1 && g->sw == 1 && g->dh == 1 &&
         g->dw == 1 && g->ph <= 2 && g->pw <= 2;
}

/* --- workspace ---------------------------------------------------------- */

/* Per slot: the scratch of the transforms (one image: the padded band of
 * one channel, (2R + 2, 2TW + 2), and a row; a chunk: one channel of every
 * image, (2TH + 2, 2TW + 2, nb)); V (16, C/G, T) and M (16, O/G, T) with
 * T = nb*R*TW tiles; for the weight gradient the slot's sum dU (16, O, C/G)
 * and bias sums (O). Before the slots: the transformed weights U
 * (G, 16, O/G, C/G). */
static int64_t tiles_of(const wpass *p) { return p->nb * p->R * p->TW; }
static int64_t pad_floats(const wpass *p) {
  if (p->nb > 1) return align_up((2 * p->TH + 2) * (2 * p->TW + 2) * p->nb);
  return align_up((2 * p->R + 3) * (2 * p->TW + 2));
}
static int64_t v_floats(const wpass *p) {
  return align_up(16 * p->C / p->groups * tiles_of(p));
}
static int64_t m_floats(const wpass *p) {
  return align_up(16 * p->O / p->groups * tiles_of(p));
}
static int64_t du_floats(const wpass *p) {
  return align_up(16 * p->O * (p->C / p->groups) + p->O);
}
static int64_t u_floats(const iddl_conv2d *s) {
  return align_up(16 * s->O * (s->g.C / s->groups));
}
static int64_t slot_floats(const wpass *p, int weight_grad) {
  return pad_floats(p) + v_floats(p) + m_floats(p) +
         (weight_grad ? du_floats(p) : 0);
}

int64_t iddl_wino_workspace(const iddl_conv2d *s) {
  wpass f = pass_of(s, 0), b = pass_of(s, 1);
  int64_t fw = f.slots * slot_floats(&f, 1), bw = b.slots * slot_floats(&b, 0);
  return u_floats(s) + (fw > bw ? fw : bw);
}

typedef struct {
  float *pad, *v, *m, *du;
} slot_areas;

static slot_areas areas(const wpass *p, float *slots, int64_t slot,
                        int weight_grad) {
  slot_areas a;
  a.pad = slots + slot * slot_floats(p, weight_grad);
  a.v = a.pad + pad_floats(p);
  a.m = a.v + v_floats(p);
  a.du = weight_grad ? a.m + m_floats(p) : NULL;
  return a;
}

/* --- transforms ---------------------------------------------------------- */

/* U (G, 16, O/G, C/G) = G w G^T of the kernels of weight (O, C/G, 3, 3),
 * output channels [begin, end). */
typedef struct {
  float *u;
  const float *w;
  int64_t O, cg, groups;
} wt_ctx;

static void weight_transform(void *ctx, int64_t begin, int64_t end) {
  const wt_ctx *c = ctx;
  int64_t og = c->O / c->groups, cg = c->cg;
  for (int64_t o = begin; o < end; o++) {
    float *u = c->u + (o / og * 16 * og + o % og) * cg; /* u[xi*og*cg + ci] */
    const float *k = c->w + o * cg * 9;                 /* (cg, 3, 3) */
    for (int64_t c0 = 0; c0 < cg; c0 += 16) {
      int64_t n = min64(16, cg - c0);
      float t[9][16];
      for (int64_t ci = 0; ci < n; ci++)
        for (int q = 0; q < 9; q++) t[q][ci] = k[(c0 + ci) * 9 + q];
      iddl_wino_kernels((const float(*)[16])t, n, u + c0, og * cg);
    }
  }
}

/* G rot180(w) G^T = P (G w G^T) P^T with P swapping rows 0 and 3, so the
 * input-gradient pass reads U[flip_xi[xi]] (transposed) for value xi. */
static const int flip_xi[16] = {15, 13, 14, 12, 7, 5, 6, 4,
                                11, 9, 10, 8, 3, 1, 2, 0};

/* The products of chunk `item` in bands of R tile rows: images [n0, n0 +
 * nbi), tile rows [ty0, ty0 + r). Their T tiles are ordered (row, column)
 * for one image (nb = 1), (row, column, image) for a chunk of images. */
typedef struct {
  int64_t n0, nbi, ty0, r, T;
} wpiece;

static wpiece wpiece_at(const wpass *p, int64_t item, int64_t ty0) {
  wpiece w;
  w.n0 = item * p->nb;
  w.nbi = min64(p->nb, p->N - w.n0);
  w.ty0 = ty0;
  w.r = min64(p->R, p->TH - ty0);
  w.T = w.nbi * w.r * p->TW;
  return w;
}

/* Splits x[0 .. 2n) into its even elements e[0 .. n) and odd ones o. */
HOT static void deinterleave(const float *restrict x, int64_t n,
                             float *restrict e, float *restrict o) {
  for (int64_t k = 0; k < n; k++) {
    e[k] = x[2 * k];
    o[k] = x[2 * k + 1];
  }
}

/* One image (nb = 1), the tiles of a row side by side: pad (2r + 2, 2TW + 2)
 * = image rows [2*ty0 - ph, ...), columns [-pw, ...) of plane (H, W), zero
 * outside it, each row stored as its TW + 1 even columns then its TW + 1 odd
 * ones; row: scratch of 2TW + 2 floats. */
static void fill_band(const wpass *p, const float *plane, const wpiece *w,
                      float *row, float *pad) {
  int64_t W2 = 2 * p->TW + 2, n = min64(p->W, W2 - p->pw);
  for (int64_t r = 0; r < 2 * w->r + 2; r++) {
    float *d = pad + r * W2;
    int64_t ih = 2 * w->ty0 - p->ph + r;
    if (ih < 0 || ih >= p->H) {
      memset(d, 0, (size_t)W2 * sizeof(float));
      continue;
    }
    memset(row, 0, (size_t)p->pw * sizeof(float));
    memcpy(row + p->pw, plane + ih * p->W, (size_t)n * sizeof(float));
    memset(row + p->pw + n, 0, (size_t)(W2 - p->pw - n) * sizeof(float));
    deinterleave(row, p->TW + 1, d, d + p->TW + 1);
  }
}

/* A chunk of images, the same tile of every image side by side: pad
 * (2TH + 2, 2TW + 2, nbi) = channel c of images [n0, n0 + nbi) of x
 * (N, C, H, W) with ph, pw zero rows and columns before (zero after). */
static void fill_images(const wpass *p, const float *x, int64_t C, int64_t H,
                        int64_t W, int64_t ph, int64_t pw, const wpiece *w,
                        int64_t c, float *pad) {
  int64_t Wp = 2 * p->TW + 2, nbi = w->nbi, chw = C * H * W;
  memset(pad, 0, (size_t)((2 * p->TH + 2) * Wp * nbi) * sizeof(float));
  const float *src = x + (w->n0 * C + c) * H * W;       /* image n0 */
  for (int64_t ih = 0; ih < H; ih++)
    for (int64_t iw = 0; iw < W; iw++) {
      float *d = pad + ((ih + ph) * Wp + iw + pw) * nbi;
      const float *sp = src + ih * W + iw;
      for (int64_t b = 0; b < nbi; b++) d[b] = sp[b * chw];
    }
}

/* V (16, cg, T) of channels [c0, c0 + cg) of the piece's input; pad: the
 * slot's scratch (pad_floats). */
static void transform_input(const wpass *p, const wpiece *w, const float *in,
                            int64_t c0, int64_t cg, float *pad, float *v) {
  int64_t ld = cg * w->T, Wp = 2 * p->TW + 2, h = p->TW + 1;
  for (int64_t c = 0; c < cg; c++) {
    float *vc = v + c * w->T;
    if (p->nb == 1) {                   /* lanes: the tiles of a row */
      fill_band(p, in + (w->n0 * p->C + c0 + c) * p->H * p->W, w,
                pad + (2 * w->r + 2) * Wp, pad);
      for (int64_t t = 0; t < w->r; t++) {
        int64_t off[16];
        for (int i = 0; i < 4; i++) {   /* d[i][j]: even, odd, even+1, odd+1 */
          int64_t r = (2 * t + i) * Wp;
          off[4 * i] = r; off[4 * i + 1] = r + h;
          off[4 * i + 2] = r + 1; off[4 * i + 3] = r + h + 1;
        }
        iddl_wino_input(pad, off, p->TW, vc + t * p->TW, ld);
      }
      continue;
    }
    fill_images(p, in, p->C, p->H, p->W, p->ph, p->pw, w, c0 + c, pad);
    for (int64_t ty = 0; ty < p->TH; ty++)  /* lanes: the images */
      for (int64_t tx = 0; tx < p->TW; tx++) {
        int64_t off[16];
        for (int i = 0; i < 4; i++)
          for (int j = 0; j < 4; j++)
            off[4 * i + j] = ((2 * ty + i) * Wp + 2 * tx + j) * w->nbi;
        iddl_wino_input(pad, off, w->nbi, vc + (ty * p->TW + tx) * w->nbi, ld);
      }
  }
}

/* out channels [o0, o0 + og) of the piece from M (16, og, T), + bias;
 * tmp: the slot's scratch. */
static void transform_output(const wpass *p, const wpiece *w, const float *m,
                             int64_t o0, int64_t og, const float *bias,
                             float *tmp, float *out) {
  int64_t ld = og * w->T, TW = p->TW, hw = p->Ho * p->Wo, nbi = w->nbi;
  for (int64_t o = 0; o < og; o++) {
    const float *mo = m + o * w->T;
    float bo = bias ? bias[o0 + o] : 0.0f;
    float *plane = out + (w->n0 * p->O + o0 + o) * hw;  /* image n0 */
    if (p->nb == 1) {   /* per tile row: even and odd columns of 2 rows */
      const int64_t yoff[4] = {0, TW, 2 * TW, 3 * TW};
      for (int64_t t = 0; t < w->r; t++) {
        iddl_wino_output(mo + t * TW, ld, TW, bo, tmp, yoff);
        int64_t oh = 2 * (w->ty0 + t);
        for (int a = 0; a < 2 && oh + a < p->Ho; a++) {
          float *d = plane + (oh + a) * p->Wo;
          const float *e = tmp + 2 * a * TW, *od = e + TW;
          for (int64_t k = 0; k < TW; k++) {
            d[2 * k] = e[k];
            if (2 * k + 1 < p->Wo) d[2 * k + 1] = od[k];
          }
        }
      }
      continue;
    }
    int64_t W2 = 2 * TW;                /* tmp (2TH, 2TW, nbi) */
    for (int64_t ty = 0; ty < p->TH; ty++)
      for (int64_t tx = 0; tx < TW; tx++) {
        int64_t y0 = (2 * ty * W2 + 2 * tx) * nbi, y1 = y0 + W2 * nbi;
        const int64_t yoff[4] = {y0, y0 + nbi, y1, y1 + nbi};
        iddl_wino_output(mo + (ty * TW + tx) * nbi, ld, nbi, bo, tmp, yoff);
      }
    for (int64_t b = 0; b < nbi; b++)
      for (int64_t oh = 0; oh < p->Ho; oh++)
        for (int64_t ow = 0; ow < p->Wo; ow++)
          plane[b * p->O * hw + oh * p->Wo + ow] = tmp[(oh * W2 + ow) * nbi + b];
  }
}

/* M (16, og, T) = A dy A^T of channels [o0, o0 + og) of the piece's
 * gradOutput (N, O, Ho, Wo); tmp: the slot's scratch. */
static void transform_grad(const wpass *p, const wpiece *w, const float *gout,
                           int64_t o0, int64_t og, float *tmp, float *m) {
  int64_t ld = og * w->T, TW = p->TW, W2 = 2 * TW, nbi = w->nbi;
  for (int64_t o = 0; o < og; o++) {
    float *mo = m + o * w->T;
    if (p->nb == 1) {   /* per tile row: 2 rows split even / odd */
      const float *plane = gout + (w->n0 * p->O + o0 + o) * p->Ho * p->Wo;
      const int64_t off[4] = {0, TW, W2, W2 + TW};
      float *x = tmp + 2 * W2;          /* one row, zero-padded */
      for (int64_t t = 0; t < w->r; t++) {
        int64_t oh = 2 * (w->ty0 + t);
        for (int a = 0; a < 2; a++) {
          int64_t n = oh + a < p->Ho ? p->Wo : 0;
          if (n) memcpy(x, plane + (oh + a) * p->Wo, (size_t)n * sizeof(float));
          memset(x + n, 0, (size_t)(W2 - n) * sizeof(float));
          deinterleave(x, TW, tmp + a * W2, tmp + a * W2 + TW);
        }
        iddl_wino_grad(tmp, off, TW, mo + t * TW, ld);
      }
      continue;
    }
    /* tmp (2TH + 2, 2TW + 2, nbi): the images' gradients, zero past them */
    fill_images(p, gout, p->O, p->Ho, p->Wo, 0, 0, w, o0 + o, tmp);
    int64_t Wp = W2 + 2;
    for (int64_t ty = 0; ty < p->TH; ty++)
      for (int64_t tx = 0; tx < TW; tx++) {
        int64_t g0 = (2 * ty * Wp + 2 * tx) * nbi, g1 = g0 + Wp * nbi;
        const int64_t off[4] = {g0, g0 + nbi, g1, g1 + nbi};
        iddl_wino_grad(tmp, off, nbi, mo + (ty * TW + tx) * nbi, ld);
      }
  }
}

typedef struct {
  const wpass *p;
  const float *in, *u, *bias;   /* forward-like passes */
  int flip;                     /* the input-gradient pass */
  float *out;
  const float *gout;            /* weight gradient */
  float *slots;
} wctx;

/* out of the pieces of slots [begin, end): M = U V per group. */
static void conv_slots(void *ctx, int64_t begin, int64_t end) {
  const wctx *c = ctx;
  const wpass *p = c->p;
  int64_t og = p->O / p->groups, cg = p->C / p->groups;
  for (int64_t slot = begin; slot < end; slot++) {
    slot_areas a = areas(p, c->slots, slot, 0);
    for (int64_t it = slot * p->items / p->slots;
         it < (slot + 1) * p->items / p->slots; it++)
      for (int64_t ty0 = 0; ty0 < p->TH; ty0 += p->R) {
        wpiece w = wpiece_at(p, it, ty0);
        for (int64_t g = 0; g < p->groups; g++) {
          transform_input(p, &w, c->in, g * cg, cg, a.pad, a.v);
          const float *u = c->u + g * 16 * og * cg;     /* (16, og, cg) */
          for (int xi = 0; xi < 16; xi++) {
            if (c->flip)  /* U of the forward kernels: (cg, og) each */
              iddl_sgemm(1, 0, og, w.T, cg, 1.0f, u + flip_xi[xi] * og * cg,
                         og, a.v + xi * cg * w.T, w.T, 0.0f,
                         a.m + xi * og * w.T, w.T);
            else
              iddl_sgemm(0, 0, og, w.T, cg, 1.0f, u + xi * og * cg, cg,
                         a.v + xi * cg * w.T, w.T, 0.0f, a.m + xi * og * w.T,
                         w.T);
          }
          transform_output(p, &w, a.m, g * og, og, c->bias, a.pad, c->out);
        }
      }
  }
}

/* The weight gradient of the pieces of slots [begin, end) in the Winograd
 * domain: the slot's dU (16 per group, og x cg) += dM V^T; its bias sums. */
static void weight_grad_slots(void *ctx, int64_t begin, int64_t end) {
  const wctx *c = ctx;
  const wpass *p = c->p;
  int64_t og = p->O / p->groups, cg = p->C / p->groups, hw = p->Ho * p->Wo;
  for (int64_t slot = begin; slot < end; slot++) {
    slot_areas a = areas(p, c->slots, slot, 1);
    float *bsum = a.du + 16 * p->O * cg;                /* (O) */
    memset(a.du, 0, (size_t)(16 * p->O * cg + p->O) * sizeof(float));
    for (int64_t it = slot * p->items / p->slots;
         it < (slot + 1) * p->items / p->slots; it++) {
      for (int64_t n = it * p->nb; n < min64((it + 1) * p->nb, p->N); n++)
        for (int64_t o = 0; o < p->O; o++)
          bsum[o] += iddl_row_sum(c->gout + (n * p->O + o) * hw, hw);
      for (int64_t ty0 = 0; ty0 < p->TH; ty0 += p->R) {
        wpiece w = wpiece_at(p, it, ty0);
        for (int64_t g = 0; g < p->groups; g++) {
          transform_input(p, &w, c->in, g * cg, cg, a.pad, a.v);
          transform_grad(p, &w, c->gout, g * og, og, a.pad, a.m);
          float *du = a.du + g * 16 * og * cg;          /* (16, og, cg) */
          for (int xi = 0; xi < 16; xi++)
            iddl_sgemm(0, 1, og, cg, w.T, 1.0f, a.m + xi * og * w.T, w.T,
                       a.v + xi * cg * w.T, w.T, 1.0f, du + xi * og * cg, cg);
        }
      }
    }
  }
}

/* gw (O, cg, 3, 3) += scale * G^T (sum of the slots' dU) G for output
 * channels [begin, end). */
typedef struct {
  const wpass *p;
  float *gw, *slots;
  float scale;
} wg_ctx;

static void weight_grad_finish(void *ctx, int64_t begin, int64_t end) {
  const wg_ctx *c = ctx;
  const wpass *p = c->p;
  int64_t og = p->O / p->groups, cg = p->C / p->groups;
  for (int64_t o = begin; o < end; o++) {
    int64_t g = o / og, oi = o % og;
    for (int64_t ci = 0; ci < cg; ci++) {
      float d[16] = {0};
      for (int slot = 0; slot < p->slots; slot++) {
        const float *du = areas(p, c->slots, slot, 1).du
                          + (g * 16 * og + oi) * cg + ci;
        for (int xi = 0; xi < 16; xi++) d[xi] += du[xi * og * cg];
      }
      iddl_wino_kernel_grad(d, c->scale, c->gw + (o * cg + ci) * 9);
    }
  }
}

/* out = the convolution of pass p with weight (rotated and transposed for
 * the input gradient), work as iddl_wino_workspace. */
static void run_conv(const iddl_conv2d *s, const wpass *p, int flip,
                     float *out, const float *in, const float *weight,
                     const float *bias, float *work) {
  wt_ctx wt = {work, weight, s->O, s->g.C / s->groups, s->groups};
  iddl_parallel_for(s->O, 8, weight_transform, &wt);
  wctx c = {.p = p, .in = in, .u = work, .bias = bias, .flip = flip,
            .out = out, .slots = work + u_floats(s)};
  iddl_conv_run_slots(p->batch_parallel, p->slots, conv_slots, &c);
}

void iddl_wino_forward(const iddl_conv2d *s, float *out, const float *in,
                       const float *weight, const float *bias, float *work) {
  wpass p = pass_of(s, 0);
  run_conv(s, &p, 0, out, in, weight, bias, work);
}

void iddl_wino_backward(const iddl_conv2d *s, float *grad_in,
                        float *grad_weight, float *grad_bias,
                        const float *grad_out, const float *in,
                        const float *weight, float scale, float *work) {
  int64_t hw = s->g.Ho * s->g.Wo;
  if (grad_bias && !grad_weight)        /* the bias alone: sums of gout */
    for (int64_t n = 0; n < s->N; n++)
      for (int64_t o = 0; o < s->O; o++)
        grad_bias[o] += scale * iddl_row_sum(grad_out + (n * s->O + o) * hw, hw);
  if (grad_weight) {
    wpass p = pass_of(s, 0);
    wctx c = {.p = &p, .in = in, .gout = grad_out, .slots = work + u_floats(s)};
    iddl_conv_run_slots(p.batch_parallel, p.slots, weight_grad_slots, &c);
    wg_ctx f = {&p, grad_weight, c.slots, scale};
    iddl_parallel_for(s->O, 8, weight_grad_finish, &f);
    if (grad_bias)
      for (int slot = 0; slot < p.slots; slot++) {
        const float *b = areas(&p, c.slots, slot, 1).du + 16 * p.O * (p.C / p.groups);
        for (int64_t o = 0; o < s->O; o++) grad_bias[o] += scale * b[o];
      }
  }
  if (grad_in) {
    wpass p = pass_of(s, 1);
    run_conv(s, &p, 1, grad_in, grad_out, weight, NULL, work);
  }
}
