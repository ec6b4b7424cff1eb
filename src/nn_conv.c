/* nn_conv.c - 2-D convolution: the plan, and im2col + one sgemm per group
 * over chunks of images (Winograd's passes are in conv_winograd.c). */
#include <string.h>

#include "blas.h"
#include "conv_winograd.h"
#include "nn_conv.h"
#include "parallel.h"
#include "vec_sum.h"

/* A product should have at least this many columns (output pixels of one
 * chunk of images): below it OpenBLAS's kernels lose speed (measured on
 * (512, 4608) x (4608, n): 66 GFLOP/s per core at n = 16, 95 at n >= 256). */
#define TARGET_COLS 256
/* Workspace areas start on 64-byte boundaries (no false sharing). */
#define ALIGN_FLOATS 16

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t align_up(int64_t n) { return cdiv(n, ALIGN_FLOATS) * ALIGN_FLOATS; }

int iddl_conv2d_init(iddl_conv2d *s, iddl_err *err) {
  if (s->N < 0)
    return iddl_fail(err, "conv2d: negative batch size %lld", (long long)s->N);
  if (s->g.C < 1 || s->O < 1)
    return iddl_fail(err, "conv2d: channels must be positive, got %lld in, "
                     "%lld out", (long long)s->g.C, (long long)s->O);
  if (s->groups < 1)
    return iddl_fail(err, "conv2d: groups must be positive, got %lld",
                     (long long)s->groups);
  if (s->g.C % s->groups || s->O % s->groups)
    return iddl_fail(err, "conv2d: %s channels %lld not divisible by groups "
                     "%lld", s->g.C % s->groups ? "input" : "output",
                     (long long)(s->g.C % s->groups ? s->g.C : s->O),
                     (long long)s->groups);
  if (iddl_conv_geom_init(&s->g, err)) return -1;
  int threads = iddl_parallel_threads();
  int64_t hw = s->g.Ho * s->g.Wo, nb = s->chunk;
  if (nb < 1) {
    nb = cdiv(TARGET_COLS, hw);
    int64_t per_thread = s->N / threads;
    if (nb > per_thread) nb = per_thread;
  }
  if (nb > s->N) nb = s->N;
  if (nb < 1) nb = 1;
  s->nb = nb;
  s->rows = nb > 1 ? s->g.Ho
          : s->tile > 0 ? s->tile : cdiv(TARGET_COLS, s->g.Wo);
  if (s->rows > s->g.Ho) s->rows = s->g.Ho;
  s->items = cdiv(s->N, nb);
  s->batch_parallel = s->threading == IDDL_CONV_BATCH ||
                      (s->threading == IDDL_CONV_AUTO && threads > 1 &&
                       s->items >= threads);
  s->slots = 1;
  if (s->batch_parallel && s->items > 1)
    s->slots = (int)(s->items < threads ? s->items : threads);
  int fits = iddl_wino_fits(s);
  if (s->algorithm == IDDL_CONV_WINOGRAD && !fits)
    return iddl_fail(err, "conv2d: Winograd needs a 3x3 kernel, stride 1, "
                     "dilation 1 and padding <= 2, got kernel %lldx%lld, "
                     "stride %lldx%lld, dilation %lldx%lld, padding %lldx%lld",
                     (long long)s->g.kh, (long long)s->g.kw, (long long)s->g.sh,
                     (long long)s->g.sw, (long long)s->g.dh, (long long)s->g.dw,
                     (long long)s->g.ph, (long long)s->g.pw);
  s->winograd = s->algorithm == IDDL_CONV_WINOGRAD ||
                (s->algorithm == IDDL_CONV_ALGO_AUTO && fits &&
                 iddl_wino_pays(s));
  return 0;
}

/* Sizes (floats) of one slot's areas: the column matrix of one group for a
 * product, (C/G*kh*kw, nb*rows*Wo); the chunk's output or gradOutput in
 * product layout, (O, nb*Ho*Wo), when nb > 1; the parameter-gradient partial
 * sums of slots after the first, (O*C/G*kh*kw + O). */
static int64_t kg_of(const iddl_conv2d *s) {
  return s->g.C / s->groups * s->g.kh * s->g.kw;
}
static int64_t col_floats(const iddl_conv2d *s) {
  return align_up(kg_of(s) * s->nb * s->rows * s->g.Wo);
}
static int64_t buf_floats(const iddl_conv2d *s) {
  return s->nb > 1 ? align_up(s->O * s->nb * s->g.Ho * s->g.Wo) : 0;
}
static int64_t partial_floats(const iddl_conv2d *s) {
  return align_up(s->O * kg_of(s) + s->O);
}

int64_t iddl_conv2d_workspace(const iddl_conv2d *s) {
  if (s->winograd) return iddl_wino_workspace(s);
  return s->slots * (col_floats(s) + buf_floats(s)) +
         (s->slots - 1) * partial_floats(s);
}

/* One slot's scratch areas inside the workspace. */
static float *slot_col(const iddl_conv2d *s, float *work, int64_t slot) {
  return work + slot * (col_floats(s) + buf_floats(s));
}
static float *slot_buf(const iddl_conv2d *s, float *work, int64_t slot) {
  return slot_col(s, work, slot) + col_floats(s);
}
static float *slot_partial(const iddl_conv2d *s, float *work, int64_t slot) {
  return work + s->slots * (col_floats(s) + buf_floats(s)) +
         (slot - 1) * partial_floats(s);
}

/* A 1x1 convolution with stride 1 and no padding: the image is its own
 * column matrix. */
static int pointwise(const iddl_conv_geom *g) {
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 &&
         g->pw == 0;
}

/* One product's share of the batch: images [n0, n0 + nbi), output rows
 * [oh0, oh1) (all rows when nbi > 1). Its matrices have cols columns with
 * leading dimension ld: nbi*hw when the images are regrouped into a slot
 * buffer, hw when read or written in place (one image). */
typedef struct {
  int64_t n0, nbi, oh0, oh1, cols;
} piece;

/* The column matrix (Kg, p->cols) of group g for piece p, and its leading
 * dimension in *ld: the input itself for a pointwise convolution of one
 * image, else unfolded into col. */
static const float *group_cols(const iddl_conv2d *s, const float *in,
                               const piece *p, int64_t g, float *col,
                               int64_t *ld) {
  int64_t cg = s->g.C / s->groups, hw = s->g.Ho * s->g.Wo;
  int64_t chw = s->g.C * s->g.H * s->g.W;
  if (p->nbi == 1 && pointwise(&s->g)) {
    *ld = hw;
    return in + p->n0 * chw + g * cg * hw + p->oh0 * s->g.Wo;
  }
  *ld = p->cols;
  iddl_im2col_batch(&s->g, in + p->n0 * chw, p->nbi, g * cg, cg, p->oh0,
                    p->oh1, col, p->cols);
  return col;
}

/* The piece of chunk `item` (nb images) starting at output row oh0. */
static piece piece_at(const iddl_conv2d *s, int64_t item, int64_t oh0) {
  piece p;
  p.n0 = item * s->nb;
  p.nbi = s->N - p.n0 < s->nb ? s->N - p.n0 : s->nb;
  p.oh0 = oh0;
  p.oh1 = oh0 + s->rows < s->g.Ho ? oh0 + s->rows : s->g.Ho;
  p.cols = p.nbi * (p.oh1 - p.oh0) * s->g.Wo;
  return p;
}

/* out (nbi, O, hw) = buf (O, nbi*hw) regrouped by image, + bias (or NULL). */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void scatter_images(float *out, const float *buf, const float *bias,
                           int64_t nbi, int64_t O, int64_t hw) {
  for (int64_t b = 0; b < nbi; b++)
    for (int64_t o = 0; o < O; o++) {
      float *d = out + (b * O + o) * hw;
      const float *src = buf + o * nbi * hw + b * hw;
      float bv = bias ? bias[o] : 0.0f;
      for (int64_t i = 0; i < hw; i++) d[i] = src[i] + bv;
    }
}

/* buf (O, nbi*hw) = gout (nbi, O, hw) regrouped by channel. */
static void gather_images(float *buf, const float *gout, int64_t nbi,
                          int64_t O, int64_t hw) {
  for (int64_t b = 0; b < nbi; b++)
    for (int64_t o = 0; o < O; o++)
      memcpy(buf + o * nbi * hw + b * hw, gout + (b * O + o) * hw,
             (size_t)hw * sizeof(float));
}

/* --- forward ---------------------------------------------------------- */

typedef struct {
  const iddl_conv2d *s;
  float *out, *work;
  const float *in, *weight, *bias;
} fwd_ctx;

/* The output of piece p, with the slot's scratch col and buf. */
static void forward_piece(const fwd_ctx *c, const piece *p, float *col,
                          float *buf) {
  const iddl_conv2d *s = c->s;
  int64_t O = s->O, Wo = s->g.Wo, hw = s->g.Ho * Wo;
  int64_t og = O / s->groups, kg = kg_of(s), cols = p->cols;
  float *out = c->out + p->n0 * O * hw;    /* (nbi, O, hw) */
  /* y (O, cols): the output rows in place (ld hw), or buf (ld cols) */
  float *y = p->nbi == 1 ? out + p->oh0 * Wo : buf;
  int64_t ldy = p->nbi == 1 ? hw : cols;
  float beta = 0.0f;
  if (p->nbi == 1 && c->bias) {            /* the product adds onto the bias */
    for (int64_t o = 0; o < O; o++)
      for (int64_t i = 0; i < cols; i++) y[o * ldy + i] = c->bias[o];
    beta = 1.0f;
  }
  for (int64_t g = 0; g < s->groups; g++) {
    int64_t ld;
    const float *x = group_cols(s, c->in, p, g, col, &ld); /* (kg, cols) */
    iddl_sgemm(0, 0, og, cols, kg, 1.0f, c->weight + g * og * kg, kg, x, ld,
               beta, y + g * og * ldy, ldy);
  }
  if (p->nbi > 1) scatter_images(out, buf, c->bias, p->nbi, O, hw);
}

/* Runs the chunks of slots [begin, end). */
static void forward_slots(void *ctx, int64_t begin, int64_t end) {
  const fwd_ctx *c = ctx;
  const iddl_conv2d *s = c->s;
  for (int64_t slot = begin; slot < end; slot++) {
    float *col = slot_col(s, c->work, slot), *buf = slot_buf(s, c->work, slot);
    for (int64_t it = slot * s->items / s->slots;
         it < (slot + 1) * s->items / s->slots; it++)
      for (int64_t oh0 = 0; oh0 < s->g.Ho; oh0 += s->rows) {
        piece p = piece_at(s, it, oh0);
        forward_piece(c, &p, col, buf);
      }
  }
}

/* The job of iddl_conv_run_slots: fn on one thread's slots, with OpenBLAS
 * on one thread (the pool sizes its jobs by OpenBLAS's thread count, so the
 * count can only drop once the job has started). */
typedef struct {
  iddl_range_fn fn;
  void *ctx;
} single_blas_job;

static void on_single_blas(void *ctx, int64_t begin, int64_t end) {
  const single_blas_job *j = ctx;
  iddl_blas_set_threads(1);
  j->fn(j->ctx, begin, end);
}

void iddl_conv_run_slots(int batch_parallel, int slots, iddl_range_fn fn,
                         void *ctx) {
  int threads = iddl_blas_threads();
  if (!batch_parallel || slots < 2) {
    fn(ctx, 0, slots);
    return;
  }
  single_blas_job j = {fn, ctx};
  iddl_parallel_for(slots, 1, on_single_blas, &j);
  iddl_blas_set_threads(threads);
}

int iddl_conv2d_forward(const iddl_conv2d *s, float *out, const float *in,
                        const float *weight, const float *bias, float *work,
                        iddl_err *err) {
  if (iddl_blas_init(err)) return -1;
  if (s->N == 0) return 0;
  if (s->winograd) {
    iddl_wino_forward(s, out, in, weight, bias, work);
    return 0;
  }
  fwd_ctx c = {s, out, work, in, weight, bias};
  iddl_conv_run_slots(s->batch_parallel, s->slots, forward_slots, &c);
  return 0;
}

/* --- backward --------------------------------------------------------- */

typedef struct {
  const iddl_conv2d *s;
  float *gin, *gw, *gb, *work;
  const float *gout, *in, *weight;
  float scale;
} bwd_ctx;

/* Gradients of piece p: gin overwritten (the image is cleared at its first
 * tile), gw (O, kg) and gb (O) (either may be NULL) accumulated. */
static void backward_piece(const bwd_ctx *c, const piece *p, float *col,
                           float *buf, float *gw, float *gb) {
  const iddl_conv2d *s = c->s;
  int64_t O = s->O, Wo = s->g.Wo, hw = s->g.Ho * Wo, cols = p->cols;
  int64_t og = O / s->groups, kg = kg_of(s), cg = s->g.C / s->groups;
  int64_t chw = s->g.C * s->g.H * s->g.W;
  /* dy (O, cols): the gradOutput rows in place (ld hw), or regrouped */
  const float *dy = c->gout + p->n0 * O * hw + p->oh0 * Wo;
  int64_t ldy = hw;
  if (p->nbi > 1) {
    gather_images(buf, dy, p->nbi, O, hw);
    dy = buf;
    ldy = cols;
  }
  if (gb)
    for (int64_t o = 0; o < O; o++) gb[o] += c->scale * iddl_row_sum(dy + o * ldy, cols);
  int direct = p->nbi == 1 && pointwise(&s->g);
  float *gin = c->gin ? c->gin + p->n0 * chw : NULL;   /* (nbi, C, H, W) */
  if (gin && !direct && p->oh0 == 0)
    memset(gin, 0, (size_t)(p->nbi * chw) * sizeof(float));
  for (int64_t g = 0; g < s->groups; g++) {
    const float *dyg = dy + g * og * ldy;               /* (og, cols) */
    const float *wg = c->weight + g * og * kg;          /* (og, kg) */
    if (gw) {
      int64_t ld;
      const float *x = group_cols(s, c->in, p, g, col, &ld); /* (kg, cols) */
      iddl_sgemm(0, 1, og, kg, cols, c->scale, dyg, ldy, x, ld, 1.0f,
                 gw + g * og * kg, kg);
    }
    if (!gin) continue;
    if (direct) {                            /* gin_g (cg, cols), ld hw */
      iddl_sgemm(1, 0, kg, cols, og, 1.0f, wg, kg, dyg, ldy, 0.0f,
                 gin + g * cg * hw + p->oh0 * Wo, hw);
      continue;
    }
    iddl_sgemm(1, 0, kg, cols, og, 1.0f, wg, kg, dyg, ldy, 0.0f, col, cols);
    iddl_col2im_batch(&s->g, col, cols, p->nbi, g * cg, cg, p->oh0, p->oh1,
                      gin);
  }
}

/* Runs the chunks of slots [begin, end); slots after the first accumulate
 * their parameter gradients into their own partial sums. */
static void backward_slots(void *ctx, int64_t begin, int64_t end) {
  const bwd_ctx *c = ctx;
  const iddl_conv2d *s = c->s;
  int64_t nw = s->O * kg_of(s);
  for (int64_t slot = begin; slot < end; slot++) {
    float *col = slot_col(s, c->work, slot), *buf = slot_buf(s, c->work, slot);
    float *gw = c->gw, *gb = c->gb;
    if (slot > 0 && (gw || gb)) {
      float *p = slot_partial(s, c->work, slot);        /* (O*kg + O) */
      memset(p, 0, (size_t)(nw + s->O) * sizeof(float));
      gw = gw ? p : NULL;
      gb = gb ? p + nw : NULL;
    }
    for (int64_t it = slot * s->items / s->slots;
         it < (slot + 1) * s->items / s->slots; it++)
      for (int64_t oh0 = 0; oh0 < s->g.Ho; oh0 += s->rows) {
        piece p = piece_at(s, it, oh0);
        backward_piece(c, &p, col, buf, gw, gb);
      }
  }
}

/* dst[0..n) += src[0..n) */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void add_into(float *dst, const float *src, int64_t n) {
  for (int64_t i = 0; i < n; i++) dst[i] += src[i];
}

int iddl_conv2d_backward(const iddl_conv2d *s, float *grad_in,
                         float *grad_weight, float *grad_bias,
                         const float *grad_out, const float *in,
                         const float *weight, float scale, float *work,
                         iddl_err *err) {
  if (iddl_blas_init(err)) return -1;
  if (s->N == 0) return 0;
  if (s->winograd) {
    iddl_wino_backward(s, grad_in, grad_weight, grad_bias, grad_out, in,
                       weight, scale, work);
    return 0;
  }
  bwd_ctx c = {s, grad_in, grad_weight, grad_bias, work, grad_out, in, weight,
               scale};
  iddl_conv_run_slots(s->batch_parallel, s->slots, backward_slots, &c);
  int64_t nw = s->O * kg_of(s);
  for (int64_t slot = 1; slot < s->slots; slot++) {
    const float *p = slot_partial(s, work, slot);
    if (grad_weight) add_into(grad_weight, p, nw);
    if (grad_bias) add_into(grad_bias, p + nw, s->O);
  }
  return 0;
}
