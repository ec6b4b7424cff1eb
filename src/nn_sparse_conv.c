/* nn_sparse_conv.c - channel-sparse convolution: im2col of chunks of
 * images around the sparse products of sparse_mm.c. */
#include <string.h>

#include "nn_sparse_conv.h"
#include "parallel.h"
#include "sparse_conv3x3.h"
#include "vec_sum.h"

/* A chunk's products should have at least this many columns: the sparse
 * kernels stream rows of the column matrix, and short rows waste their
 * loop overheads (layer4 of ResNet-18 has 4x4 planes). */
#define TARGET_COLS 512
/* One image's products are cut into tiles of output rows of about this
 * many columns, so that the tile's column matrix stays in the core's L2. */
#define TILE_COLS 256
/* Chunks and tiles are halved (down to MIN_COLS columns) until their
 * column matrix fits in COL_BUDGET floats (2 MB), so that what im2col
 * writes is still in the caches when the products read it. Measured on 2
 * Zen 4 cores, 20 forward + backward passes at batch 128: 512 channels of
 * 4x4 (9.4 MB at 512 columns, 1.2 MB at 64) 0.70 -> 0.41 s; 1 MB made 128
 * channels of 16x16 slower (128-column tiles). */
#define COL_BUDGET (512 * 1024)
#define MIN_COLS 64
/* Workspace areas start on 64-byte boundaries (no false sharing). */
#define ALIGN_FLOATS 16

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t align_up(int64_t n) { return cdiv(n, ALIGN_FLOATS) * ALIGN_FLOATS; }

static int pointwise(const iddl_conv_geom *g) {
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 &&
         g->pw == 0;
}

int iddl_sparse_conv_init(iddl_sparse_conv *c, iddl_err *err) {
  if (c->N < 0)
    return iddl_fail(err, "sparse conv: negative batch size %lld", (long long)c->N);
  if (c->chunk < 0)
    return iddl_fail(err, "sparse conv: chunk must be >= 0, got %lld",
                     (long long)c->chunk);
  if (c->s->cols != c->g.C)
    return iddl_fail(err, "sparse conv: the pattern has %lld input channels, "
                     "the input %lld", (long long)c->s->cols, (long long)c->g.C);
  if (iddl_conv_geom_init(&c->g, err)) return -1;
  int threads = iddl_parallel_threads();
  int64_t hw = c->g.Ho * c->g.Wo, nb = c->chunk, target = TARGET_COLS;
  while (target > MIN_COLS && c->g.C * c->g.kh * c->g.kw * target > COL_BUDGET)
    target /= 2;
  if (nb < 1) {
    nb = cdiv(target, hw);
    if (nb > c->N / threads) nb = c->N / threads;
  }
  if (nb > c->N) nb = c->N;
  if (nb < 1) nb = 1;
  c->nb = nb;
  c->rows = nb > 1 ? c->g.Ho : cdiv(target < TILE_COLS ? target : TILE_COLS, c->g.Wo);
  if (c->rows > c->g.Ho) c->rows = c->g.Ho;
  c->items = cdiv(c->N, nb);
  c->ld = align_up(nb * c->rows * c->g.Wo);
  if (c->ld % 256 == 0) c->ld += ALIGN_FLOATS;
  c->parallel = threads > 1 && c->items >= threads;
  c->slots = c->parallel ? threads : 1;
  c->direct = nb == 1 && pointwise(&c->g);
  int64_t last = c->g.Ho % c->rows; /* output rows of a shorter last tile */
  c->implicit = iddl_conv3x3_fits(&c->g, c->rows * c->g.Wo, nb) &&
                (last == 0 || iddl_conv3x3_fits(&c->g, last * c->g.Wo, nb));
  return 0;
}

/* Sizes (floats) of one slot's areas: the column matrix (C*kk, ld), the
 * chunk's output or gradOutput (O, ld), and, for slots after the first,
 * parameter-gradient partial sums (nnz*kk + O). */
static int64_t kk_of(const iddl_sparse_conv *c) { return c->g.kh * c->g.kw; }
static int64_t col_floats(const iddl_sparse_conv *c) {
  return c->direct || c->implicit ? 0 : align_up(c->g.C * kk_of(c) * c->ld);
}
static int64_t buf_floats(const iddl_sparse_conv *c) {
  return align_up(c->s->rows * c->ld);
}
static int64_t partial_floats(const iddl_sparse_conv *c) {
  return align_up(c->s->nnz * kk_of(c) + c->s->rows);
}
static int64_t slot_floats(const iddl_sparse_conv *c) {
  return col_floats(c) + buf_floats(c) + partial_floats(c);
}

/* The weights in by-input order (sparse_conv3x3.h's gradInput), ahead of
 * the slots. */
static int64_t wt_floats(const iddl_sparse_conv *c) {
  return c->implicit ? align_up(c->s->nnz * kk_of(c)) : 0;
}

int64_t iddl_sparse_conv_workspace(const iddl_sparse_conv *c) {
  return wt_floats(c) + c->slots * slot_floats(c);
}

/* Slot `slot`'s area of the workspace. */
static float *slot_area(const iddl_sparse_conv *c, float *work, int64_t slot) {
  return work + wt_floats(c) + slot * slot_floats(c);
}

/* out (nbi, O, hw): the n columns of each image's tile (from out's first
 * one) = buf (O, ld) regrouped by image, + bias (or NULL). */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void scatter_images(float *out, const float *buf, int64_t ld,
                           const float *bias, int64_t nbi, int64_t O,
                           int64_t hw, int64_t n) {
  for (int64_t b = 0; b < nbi; b++)
    for (int64_t o = 0; o < O; o++) {
      float *d = out + (b * O + o) * hw;
      const float *src = buf + o * ld + b * n;
      float bv = bias ? bias[o] : 0.0f;
      for (int64_t i = 0; i < n; i++) d[i] = src[i] + bv;
    }
}

/* buf (O, ld) = the n-column tiles of gout (nbi, O, hw) regrouped by
 * channel. */
static void gather_images(float *buf, int64_t ld, const float *gout,
                          int64_t nbi, int64_t O, int64_t hw, int64_t n) {
  for (int64_t b = 0; b < nbi; b++)
    for (int64_t o = 0; o < O; o++)
      memcpy(buf + o * ld + b * n, gout + (b * O + o) * hw,
             (size_t)n * sizeof(float));
}

/* dst[0..n) += src[0..n) */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void add_into(float *dst, const float *src, int64_t n) {
  for (int64_t i = 0; i < n; i++) dst[i] += src[i];
}

/* The arguments of one pass, shared by its slots. */
typedef struct {
  const iddl_sparse_conv *c;
  float *out, *gin, *gw, *gb, *work;
  const float *in, *gout, *w, *bias;
  float scale;
} pass_ctx;

/* One product's share of the batch: images [n0, n0 + nbi), output rows
 * [oh0, oh1) (all rows when nbi > 1), n = (oh1 - oh0)*Wo columns per
 * image, P = nbi*n in all. */
typedef struct {
  int64_t n0, nbi, oh0, oh1, n, P;
} piece;

/* The piece of chunk `item` starting at output row oh0. */
static piece piece_at(const iddl_sparse_conv *c, int64_t item, int64_t oh0) {
  piece p;
  p.n0 = item * c->nb;
  p.nbi = c->N - p.n0 < c->nb ? c->N - p.n0 : c->nb;
  p.oh0 = oh0;
  p.oh1 = oh0 + c->rows < c->g.Ho ? oh0 + c->rows : c->g.Ho;
  p.n = (p.oh1 - p.oh0) * c->g.Wo;
  p.P = p.nbi * p.n;
  return p;
}

/* The column matrix (C*kk, P) of piece p and its leading dimension in *ld:
 * the image itself when direct, else unfolded into col. */
static const float *piece_cols(const iddl_sparse_conv *c, const float *in,
                               const piece *p, float *col, int64_t *ld) {
  int64_t chw = c->g.C * c->g.H * c->g.W;
  if (c->direct) {
    *ld = c->g.Ho * c->g.Wo;
    return in + p->n0 * chw + p->oh0 * c->g.Wo;
  }
  *ld = c->ld;
  iddl_im2col_batch(&c->g, in + p->n0 * chw, p->nbi, 0, c->g.C, p->oh0,
                    p->oh1, col, c->ld);
  return col;
}

/* The chunks of slots [begin, end) of the forward pass. */
static void forward_slots(void *ctx, int64_t begin, int64_t end) {
  const pass_ctx *p = ctx;
  const iddl_sparse_conv *c = p->c;
  int64_t O = c->s->rows, hw = c->g.Ho * c->g.Wo, kk = kk_of(c);
  for (int64_t slot = begin; slot < end; slot++) {
    float *col = slot_area(c, p->work, slot);      /* (C*kk, ld) */
    float *buf = col + col_floats(c);               /* (O, ld) */
    for (int64_t it = slot * c->items / c->slots;
         it < (slot + 1) * c->items / c->slots; it++)
      for (int64_t oh0 = 0; oh0 < c->g.Ho; oh0 += c->rows) {
        piece pc = piece_at(c, it, oh0);
        if (c->implicit) {
          iddl_conv3x3_spmm(c->s, &c->g, p->w, p->in + pc.n0 * c->g.C * c->g.H * c->g.W,
                            pc.nbi, pc.oh0, pc.oh1, buf, c->ld);
        } else {
          int64_t ldx;
          const float *x = piece_cols(c, p->in, &pc, col, &ldx);
          iddl_spmm(c->s, kk, p->w, x, ldx, pc.P, buf, c->ld, 0);
        }
        scatter_images(p->out + pc.n0 * O * hw + oh0 * c->g.Wo, buf, c->ld,
                       p->bias, pc.nbi, O, hw, pc.n);
      }
  }
}

/* Runs fn over the slots: in parallel when planned so, else on the caller
 * (the sparse kernels then use the pool themselves). */
static void run_slots(const iddl_sparse_conv *c, iddl_range_fn fn, void *ctx) {
  if (c->parallel) iddl_parallel_for(c->slots, 1, fn, ctx);
  else fn(ctx, 0, c->slots);
}

void iddl_sparse_conv_forward(const iddl_sparse_conv *c, float *out,
                              const float *in, const float *w,
                              const float *bias, float *work) {
  if (c->N == 0) return;
  pass_ctx p = {.c = c, .out = out, .work = work, .in = in, .w = w,
                .bias = bias};
  run_slots(c, forward_slots, &p);
}

/* backward_piece for the implicit 3x3 kernels: gradOutput, the input and
 * gradInput are read and written in place. */
static void implicit_backward_piece(const pass_ctx *p, const piece *pc,
                                    float *gw, float *gb) {
  const iddl_sparse_conv *c = p->c;
  int64_t O = c->s->rows, hw = c->g.Ho * c->g.Wo, chw = c->g.C * c->g.H * c->g.W;
  const float *gy = p->gout + pc->n0 * O * hw; /* (nbi, O, Ho, Wo) */
  if (gb)
    for (int64_t b = 0; b < pc->nbi; b++)
      for (int64_t o = 0; o < O; o++)
        gb[o] += p->scale * iddl_row_sum(gy + (b * O + o) * hw + pc->oh0 * c->g.Wo, pc->n);
  if (gw)
    iddl_conv3x3_sddmm(c->s, &c->g, gy, p->in + pc->n0 * chw, pc->nbi, pc->oh0,
                       pc->oh1, p->scale, gw);
  if (!p->gin) return;
  float *gin = p->gin + pc->n0 * chw; /* (nbi, C, H, W) */
  if (pc->oh0 == 0) memset(gin, 0, (size_t)(pc->nbi * chw) * sizeof(float));
  iddl_conv3x3_spmm_t(c->s, &c->g, p->work, gy, pc->nbi, pc->oh0, pc->oh1, gin);
}

/* The gradients of piece pc with the slot's scratch: gin overwritten (the
 * images are cleared at their first tile); gw, gb the slot's accumulators
 * (or NULL). */
static void backward_piece(const pass_ctx *p, const piece *pc, float *col,
                           float *buf, float *gw, float *gb) {
  const iddl_sparse_conv *c = p->c;
  int64_t O = c->s->rows, hw = c->g.Ho * c->g.Wo, kk = kk_of(c), P = pc->P;
  int64_t chw = c->g.C * c->g.H * c->g.W;
  if (c->implicit) {
    implicit_backward_piece(p, pc, gw, gb);
    return;
  }
  gather_images(buf, c->ld, p->gout + pc->n0 * O * hw + pc->oh0 * c->g.Wo,
                pc->nbi, O, hw, pc->n);
  if (gb)
    for (int64_t o = 0; o < O; o++) gb[o] += p->scale * iddl_row_sum(buf + o * c->ld, P);
  if (gw) {
    int64_t ldx;
    const float *x = piece_cols(c, p->in, pc, col, &ldx);
    iddl_sddmm(c->s, kk, buf, c->ld, x, ldx, P, p->scale, gw);
  }
  if (!p->gin) return;
  float *gin = p->gin + pc->n0 * chw;               /* (nbi, C, H, W) */
  if (c->direct) {
    iddl_spmm_t(c->s, kk, p->w, buf, c->ld, P, gin + pc->oh0 * c->g.Wo, hw, 0);
    return;
  }
  iddl_spmm_t(c->s, kk, p->w, buf, c->ld, P, col, c->ld, 0);
  if (pc->oh0 == 0) memset(gin, 0, (size_t)(pc->nbi * chw) * sizeof(float));
  iddl_col2im_batch(&c->g, col, c->ld, pc->nbi, 0, c->g.C, pc->oh0, pc->oh1,
                    gin);
}

/* The chunks of slots [begin, end) of the backward pass; slots after the
 * first accumulate parameter gradients into their own partial sums. */
static void backward_slots(void *ctx, int64_t begin, int64_t end) {
  const pass_ctx *p = ctx;
  const iddl_sparse_conv *c = p->c;
  int64_t nw = c->s->nnz * kk_of(c);
  for (int64_t slot = begin; slot < end; slot++) {
    float *col = slot_area(c, p->work, slot);      /* (C*kk, ld) */
    float *buf = col + col_floats(c);               /* (O, ld) */
    float *gw = p->gw, *gb = p->gb;
    if (slot > 0 && (gw || gb)) {
      float *part = buf + buf_floats(c);            /* (nnz*kk + O) */
      memset(part, 0, (size_t)(nw + c->s->rows) * sizeof(float));
      gw = gw ? part : NULL;
      gb = gb ? part + nw : NULL;
    }
    for (int64_t it = slot * c->items / c->slots;
         it < (slot + 1) * c->items / c->slots; it++)
      for (int64_t oh0 = 0; oh0 < c->g.Ho; oh0 += c->rows) {
        piece pc = piece_at(c, it, oh0);
        backward_piece(p, &pc, col, buf, gw, gb);
      }
  }
}

void iddl_sparse_conv_backward(const iddl_sparse_conv *c, float *grad_in,
                               float *grad_w, float *grad_b,
                               const float *grad_out, const float *in,
                               const float *w, float scale, float *work) {
  if (c->N == 0) return;
  pass_ctx p = {.c = c, .gin = grad_in, .gw = grad_w, .gb = grad_b,
                .work = work, .in = in, .gout = grad_out, .w = w,
                .scale = scale};
  if (c->implicit && grad_in) iddl_sparse_by_input(c->s, kk_of(c), w, work);
  run_slots(c, backward_slots, &p);
  int64_t nw = c->s->nnz * kk_of(c);
  for (int64_t slot = 1; slot < c->slots; slot++) {
    const float *part = slot_area(c, work, slot) + col_floats(c) + buf_floats(c);
    if (grad_w) add_into(grad_w, part, nw);
    if (grad_b) add_into(grad_b, part + nw, c->s->rows);
  }
}
