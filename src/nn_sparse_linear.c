/* nn_sparse_linear.c - the sparse linear layer: each batch tile is
 * transposed in, multiplied by the tile kernels of sparse_mm.c and
 * transposed out while it is in cache. */
#include <string.h>

#include "nn_sparse_linear.h"
#include "parallel.h"
#include "transpose.h"

enum { TILE = IDDL_SPARSE_TILE };

/* Work (in multiply-adds of a batch lane) that each thread must get before
 * the regions are split, about 5 us. Alone, a layer is faster split from
 * 1.5 us (784->49 at batch 32: 8.6 us forward + backward instead of 12.7),
 * but in training the DataLoader gathers the next batch on the other core:
 * the twelve-model MLP experiment took 12.5 s with 30000 and 10.3 s with
 * 100000 (2 Zen 4 cores). A tile costs its connections plus its
 * transposes. */
#define PARALLEL_WORK 100000.0
#define TRANSPOSE_COST 4 /* per element, in multiply-adds */

/* Floats between the tiles of two regions. The products read a tile's rows
 * in rising order with large strides, and the hardware prefetcher runs on
 * past the end of the region into the next one, taking lines from the core
 * that is writing them: with the regions of 784->512 at batch 32 adjacent,
 * the second core's tile took 14.3 us instead of 11.0 (measured on 2 Zen 4
 * cores: 13.3 us with 16 KB between them, 11.9 with 32 KB, 11.1 with 64
 * KB). The gap is address space only: nothing writes it. */
#define REGION_GAP 16384

int64_t iddl_sparse_linear_tiles(int64_t B) { return (B + TILE - 1) / TILE; }

int64_t iddl_sparse_linear_regions(int64_t B) {
  int64_t T = iddl_sparse_linear_tiles(B), threads = iddl_parallel_threads();
  return T < 1 ? 1 : T < threads ? T : threads;
}

int64_t iddl_sparse_linear_tile_floats(int64_t B, int64_t n, int64_t regions) {
  return iddl_sparse_linear_tiles(B) * n * TILE + (regions - 1) * REGION_GAP;
}

int64_t iddl_sparse_linear_regions_of(int64_t floats, int64_t B, int64_t n) {
  int64_t T = iddl_sparse_linear_tiles(B), gaps = floats - T * n * TILE;
  if (gaps < 0 || gaps % REGION_GAP || gaps / REGION_GAP >= (T > 1 ? T : 1)) return -1;
  return gaps / REGION_GAP + 1;
}

/* The first tile of region r of R over T tiles. */
static int64_t region_begin(int64_t r, int64_t T, int64_t R) { return T * r / R; }

/* Region r's tiles in a buffer of tiles of n rows. */
static float *region_tiles(float *buf, int64_t r, int64_t n, int64_t T, int64_t R) {
  return buf + region_begin(r, T, R) * n * TILE + r * REGION_GAP;
}

/* dst (n, 16) = rows [b0, b0 + 16) of src (B, n), transposed; the lanes
 * past B become 0. */
static void pack_tile(float *dst, const float *src, int64_t n, int64_t b0,
                      int64_t B) {
  int64_t nb = B - b0 < TILE ? B - b0 : TILE;
  iddl_transpose_2d(dst, TILE, src + b0 * n, n, nb, n);
  if (nb < TILE)
    for (int64_t i = 0; i < n; i++)
      memset(dst + i * TILE + nb, 0, (size_t)(TILE - nb) * sizeof *dst);
}

/* Rows [b0, b0 + 16) of dst (B, n) = src (n, 16) transposed, the lanes past
 * B left out. */
static void unpack_tile(float *dst, const float *src, int64_t n, int64_t b0,
                        int64_t B) {
  int64_t nb = B - b0 < TILE ? B - b0 : TILE;
  iddl_transpose_2d(dst + b0 * n, n, src, TILE, n, nb);
}

/* One pass over the regions: src (B, n_src) is packed into `packed`; the
 * product goes to `result` and is unpacked into dst (B, n_dst). Each
 * region reuses its first tile of result (n_dst, 16), which stays in
 * cache. Forward: in, out, xt, yt, weight. Backward: grad_out, grad_in
 * (NULL: packing only), gt, gxt, the weights by input. */
typedef struct job {
  const iddl_sparse_pattern *s;
  const float *src, *weight, *bias;
  float *dst, *packed, *result;
  int64_t B, T, R;
} job;

/* The work of T tiles, for iddl_parallel_for_work. */
static double tiles_work(const iddl_sparse_pattern *s, int64_t T) {
  return (double)T * TILE * ((double)s->nnz + TRANSPOSE_COST * (double)(s->rows + s->cols));
}

static void save_regions(void *ctx, int64_t r0, int64_t r1) {
  const job *j = ctx;
  int64_t I = j->s->cols;
  for (int64_t r = r0; r < r1; r++) {
    float *xt = region_tiles(j->packed, r, I, j->T, j->R); /* (tiles, I, 16) */
    for (int64_t t = region_begin(r, j->T, j->R); t < region_begin(r + 1, j->T, j->R); t++)
      pack_tile(xt, j->src, I, t * TILE, j->B), xt += I * TILE;
  }
}

void iddl_sparse_linear_save_input(const iddl_sparse_pattern *s, float *xt,
                                   const float *in, int64_t B, int64_t regions) {
  int64_t T = iddl_sparse_linear_tiles(B);
  job j = {.s = s, .src = in, .packed = xt, .B = B, .T = T, .R = regions};
  iddl_parallel_for_work(regions, (double)T * TILE * TRANSPOSE_COST * (double)s->cols,
                         PARALLEL_WORK, save_regions, &j);
}

static void forward_regions(void *ctx, int64_t r0, int64_t r1) {
  const job *j = ctx;
  int64_t I = j->s->cols, O = j->s->rows;
  for (int64_t r = r0; r < r1; r++) {
    float *xt = region_tiles(j->packed, r, I, j->T, j->R); /* (tiles, I, 16) */
    float *yt = region_tiles(j->result, r, O, j->T, j->R); /* (O, 16) */
    for (int64_t t = region_begin(r, j->T, j->R); t < region_begin(r + 1, j->T, j->R); t++) {
      pack_tile(xt, j->src, I, t * TILE, j->B);
      iddl_spmm_tile(j->s, j->weight, xt, yt);
      unpack_tile(j->dst, yt, O, t * TILE, j->B);
      xt += I * TILE;
      if (j->bias)
        for (int64_t b = t * TILE; b < j->B && b < (t + 1) * TILE; b++) {
          float *row = j->dst + b * O; /* (O) */
          for (int64_t o = 0; o < O; o++) row[o] += j->bias[o];
        }
    }
  }
}

void iddl_sparse_linear_forward(const iddl_sparse_pattern *s, float *out,
                                float *xt, float *yt, const float *in,
                                const float *weight, const float *bias,
                                int64_t B, int64_t regions) {
  int64_t T = iddl_sparse_linear_tiles(B);
  job j = {.s = s, .src = in, .weight = weight, .bias = bias, .dst = out,
           .packed = xt, .result = yt, .B = B, .T = T, .R = regions};
  iddl_parallel_for_work(regions, tiles_work(s, T), PARALLEL_WORK, forward_regions, &j);
}

/* Backward, per region: gradOutput into gt, and when grad_in is wanted gxt
 * and the region's rows of grad_in; then the weight gradient over the
 * region's tiles while they are in this core's cache, into grad_weight on
 * the calling thread and into the slot's partial sums elsewhere. */
typedef struct bwd_job {
  job j;
  const float *xt;
  float *dw, *partials; /* grad_weight (nnz) or NULL; (slots - 1, nnz) */
  float scale;
} bwd_job;

static void backward_regions(void *ctx, int64_t r0, int64_t r1) {
  const bwd_job *k = ctx;
  const job *j = &k->j;
  int64_t I = j->s->cols, O = j->s->rows;
  int slot = iddl_parallel_slot();
  float *dw = slot ? k->partials + (slot - 1) * j->s->nnz : k->dw;
  for (int64_t r = r0; r < r1; r++) {
    int64_t t0 = region_begin(r, j->T, j->R), t1 = region_begin(r + 1, j->T, j->R);
    float *gt = region_tiles(j->packed, r, O, j->T, j->R); /* (tiles, O, 16) */
    float *gxt = j->dst ? region_tiles(j->result, r, I, j->T, j->R) : NULL; /* (I, 16) */
    for (int64_t t = t0; t < t1; t++) {
      float *g = gt + (t - t0) * O * TILE; /* (O, 16) */
      pack_tile(g, j->src, O, t * TILE, j->B);
      if (!j->dst) continue;
      iddl_spmm_t_tile(j->s, j->weight, g, gxt);
      unpack_tile(j->dst, gxt, I, t * TILE, j->B);
    }
    if (k->dw)
      iddl_sddmm_tiles(j->s, gt, region_tiles((float *)k->xt, r, I, j->T, j->R), t1 - t0, 0, O,
                       k->scale, dw);
  }
}

void iddl_sparse_linear_backward(const iddl_sparse_pattern *s, float *grad_in,
                                 float *grad_weight, float *grad_bias,
                                 float *gxt, float *gt, float *wt,
                                 const float *grad_out, const float *xt,
                                 const float *weight, int64_t B, int64_t regions,
                                 float scale) {
  int64_t O = s->rows, T = iddl_sparse_linear_tiles(B), nnz = s->nnz;
  if (B <= 0) return;
  int slots = iddl_parallel_threads();
  float *partials = wt + nnz; /* (slots - 1, nnz) */
  if (grad_in) iddl_sparse_by_input(s, 1, weight, wt);
  if (grad_weight) memset(partials, 0, (size_t)((slots - 1) * nnz) * sizeof *wt);
  bwd_job k = {.j = {.s = s, .src = grad_out, .weight = wt, .dst = grad_in,
                     .packed = gt, .result = gxt, .B = B, .T = T, .R = regions},
               .xt = xt, .dw = grad_weight, .partials = partials, .scale = scale};
  double work = (double)T * TILE * (TRANSPOSE_COST * (double)O +
                                    (grad_in ? (double)nnz + TRANSPOSE_COST * (double)s->cols : 0) +
                                    (grad_weight ? (double)nnz : 0));
  iddl_parallel_for_work(regions, work, PARALLEL_WORK, backward_regions, &k);
  for (int i = 0; grad_weight && i < slots - 1; i++)
    for (int64_t e = 0; e < nnz; e++) grad_weight[e] += partials[i * nnz + e];
  if (grad_bias)
    for (int64_t b = 0; b < B; b++) {
      const float *g = grad_out + b * O; /* (O) */
      for (int64_t o = 0; o < O; o++) grad_bias[o] += scale * g[o];
    }
}
