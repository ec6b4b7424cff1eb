/* sparse_mm.c - the sparse pattern, and the products of sparse_mm.h: picks
 * the kernels of the CPU's instruction set and splits them over threads. */
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"
#include "sparse_mm.h"

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)

/* --- the kernels, once per instruction set -------------------------------- */

#pragma GCC push_options
#pragma GCC target("avx512f,fma")
/* The sums of the lanes of a, b, c, d: halves of 256 bits, then of 128
 * bits, then within the 128-bit lanes. */
static inline __m128 reduce4_avx512(__m512 a, __m512 b, __m512 c, __m512 d) {
  __m512 ab = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x44),
                            _mm512_shuffle_f32x4(a, b, 0xEE));
  __m512 cd = _mm512_add_ps(_mm512_shuffle_f32x4(c, d, 0x44),
                            _mm512_shuffle_f32x4(c, d, 0xEE));
  __m512 s = _mm512_add_ps(_mm512_shuffle_f32x4(ab, cd, 0x88),
                           _mm512_shuffle_f32x4(ab, cd, 0xDD));
  s = _mm512_add_ps(s, _mm512_permute_ps(s, 0x4E));
  s = _mm512_add_ps(s, _mm512_permute_ps(s, 0xB1));
  return _mm512_castps512_ps128(_mm512_permutexvar_ps(
      _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), s));
}
#define FN(name) CAT(name, avx512)
#define VW 16
#define NVMAX 16 /* 32 registers: 16 accumulators */
typedef __m512 vf16;
#define vf vf16
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps(p, v)
#define VSET1(f) _mm512_set1_ps(f)
#define VZERO() _mm512_setzero_ps()
#define VADD(a, b) _mm512_add_ps(a, b)
#define VMUL(a, b) _mm512_mul_ps(a, b)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VHSUM(v) _mm512_reduce_add_ps(v)
#define VREDUCE4 reduce4_avx512
#include "sparse_mm_kernels.h"
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
/* The sum of the 8 lanes. */
static inline float hsum_avx2(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}
/* The sums of the lanes of a, b, c, d. */
static inline __m128 reduce4_avx2(__m256 a, __m256 b, __m256 c, __m256 d) {
#define HALVES(v) _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1))
  return _mm_hadd_ps(_mm_hadd_ps(HALVES(a), HALVES(b)),
                     _mm_hadd_ps(HALVES(c), HALVES(d)));
#undef HALVES
}
#define FN(name) CAT(name, avx2)
#define VW 8
#define NVMAX 8
typedef __m256 vf8;
#define vf vf8
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps(p, v)
#define VSET1(f) _mm256_set1_ps(f)
#define VZERO() _mm256_setzero_ps()
#define VADD(a, b) _mm256_add_ps(a, b)
#define VMUL(a, b) _mm256_mul_ps(a, b)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VHSUM(v) hsum_avx2(v)
#define VREDUCE4 reduce4_avx2
#include "sparse_mm_kernels.h"
#pragma GCC pop_options

/* Baseline x86-64: SSE2, no FMA. */
static inline float hsum_sse(__m128 v) {
  v = _mm_add_ps(v, _mm_movehl_ps(v, v));
  v = _mm_add_ss(v, _mm_shuffle_ps(v, v, 1));
  return _mm_cvtss_f32(v);
}
static inline __m128 reduce4_sse(__m128 a, __m128 b, __m128 c, __m128 d) {
  _MM_TRANSPOSE4_PS(a, b, c, d);
  return _mm_add_ps(_mm_add_ps(a, b), _mm_add_ps(c, d));
}
#define FN(name) CAT(name, sse)
#define VW 4
#define NVMAX 8
#define vf __m128
#define VLOAD(p) _mm_loadu_ps(p)
#define VSTORE(p, v) _mm_storeu_ps(p, v)
#define VSET1(f) _mm_set1_ps(f)
#define VZERO() _mm_setzero_ps()
#define VADD(a, b) _mm_add_ps(a, b)
#define VMUL(a, b) _mm_mul_ps(a, b)
#define VFMA(a, b, c) _mm_add_ps(_mm_mul_ps(a, b), c)
#define VHSUM(v) hsum_sse(v)
#define VREDUCE4 reduce4_sse
#include "sparse_mm_kernels.h"

/* --- dispatch --------------------------------------------------------------- */

typedef void (*spmm_fn)(const iddl_sparse_pattern *, int64_t, const float *,
                        const float *, int64_t, float *, int64_t, int64_t,
                        int64_t, int64_t, int64_t, int);
typedef void (*sddmm_fn)(const iddl_sparse_pattern *, int64_t, const float *,
                         int64_t, const float *, int64_t, float *, int64_t,
                         int64_t, int64_t, int64_t, float);

typedef void (*spmm_t_tile_fn)(const iddl_sparse_pattern *, const float *,
                               const float *, float *);
typedef void (*sddmm_tiles_fn)(const iddl_sparse_pattern *, const float *,
                               const float *, int64_t, float *, int64_t,
                               int64_t, float);

typedef struct kernels {
  const char *name;
  int vw;            /* floats per vector */
  spmm_fn spmm, spmm_t;
  sddmm_fn sddmm;
  spmm_t_tile_fn spmm_t_tile;
  sddmm_tiles_fn sddmm_tiles;
} kernels;

static const kernels ISA[] = {
    {"avx512", 16, spmm_range_avx512, spmm_t_range_avx512, sddmm_range_avx512,
     tile_spmm_t_avx512, sddmm_tiles_avx512},
    {"avx2", 8, spmm_range_avx2, spmm_t_range_avx2, sddmm_range_avx2,
     tile_spmm_t_avx2, sddmm_tiles_avx2},
    {"sse", 4, spmm_range_sse, spmm_t_range_sse, sddmm_range_sse,
     tile_spmm_t_sse, sddmm_tiles_sse},
};
enum { NISA = sizeof ISA / sizeof *ISA };

static int isa_supported(int i) {
  __builtin_cpu_init();
  if (i == 0) return __builtin_cpu_supports("avx512f");
  if (i == 1) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return 1;
}

static _Atomic int forced = -1; /* index into ISA, or -1: the best one */

int iddl_sparse_force_isa(const char *name) {
  if (!name) {
    forced = -1;
    return 0;
  }
  for (int i = 0; i < NISA; i++)
    if (!strcmp(name, ISA[i].name)) {
      if (!isa_supported(i)) return -1;
      forced = i;
      return 0;
    }
  return -1;
}

const char *iddl_sparse_isa(void) {
  int f = forced;
  if (f >= 0) return ISA[f].name;
  for (int i = 0; i < NISA; i++)
    if (isa_supported(i)) return ISA[i].name;
  return ISA[NISA - 1].name;
}

static const kernels *pick(void) {
  int f = forced;
  if (f >= 0) return &ISA[f];
  static _Atomic int best = -1;
  int b = best;
  if (b < 0) {
    for (b = 0; b < NISA - 1 && !isa_supported(b); b++) {}
    best = b;
  }
  return &ISA[b];
}

/* --- the pattern ------------------------------------------------------------ */

void iddl_sparse_pattern_free(iddl_sparse_pattern *s) {
  free(s->row_ptr);
  free(s->col);
  free(s->col_ptr);
  free(s->t_row);
  free(s->t_conn);
  memset(s, 0, sizeof *s);
}

int iddl_sparse_pattern_init(iddl_sparse_pattern *s, const float *mask,
                             int64_t rows, int64_t cols, iddl_err *err) {
  memset(s, 0, sizeof *s);
  if (rows < 1 || cols < 1 || rows >= INT32_MAX || cols >= INT32_MAX)
    return iddl_fail(err, "sparse pattern: the mask must be at least 1x1 and "
                     "below 2^31 each way, got %lldx%lld", (long long)rows,
                     (long long)cols);
  int64_t nnz = 0;
  for (int64_t i = 0; i < rows * cols; i++) {
    if (mask[i] != 0.0f && mask[i] != 1.0f)
      return iddl_fail(err, "sparse pattern: mask entry (%lld, %lld) is %g, "
                       "expected 0 or 1", (long long)(i / cols + 1),
                       (long long)(i % cols + 1), (double)mask[i]);
    nnz += mask[i] != 0.0f;
  }
  size_t n = (size_t)(nnz ? nnz : 1);
  s->row_ptr = malloc((size_t)(rows + 1) * sizeof *s->row_ptr);
  s->col_ptr = calloc((size_t)(cols + 1), sizeof *s->col_ptr);
  s->col = malloc(n * sizeof *s->col);
  s->t_row = malloc(n * sizeof *s->t_row);
  s->t_conn = malloc(n * sizeof *s->t_conn);
  if (!s->row_ptr || !s->col_ptr || !s->col || !s->t_row || !s->t_conn) {
    iddl_sparse_pattern_free(s);
    return iddl_fail(err, "sparse pattern: out of memory for %lld connections",
                     (long long)nnz);
  }
  s->rows = rows, s->cols = cols, s->nnz = nnz;
  int64_t j = 0;
  for (int64_t o = 0; o < rows; o++) { /* CSR, counting each column */
    s->row_ptr[o] = j;
    for (int64_t c = 0; c < cols; c++)
      if (mask[o * cols + c] != 0.0f) {
        s->col[j++] = (int32_t)c;
        s->col_ptr[c + 1]++;
      }
    s->empty_rows += s->row_ptr[o] == j;
  }
  s->row_ptr[rows] = j;
  for (int64_t c = 0; c < cols; c++) s->col_ptr[c + 1] += s->col_ptr[c];
  int64_t *fill = malloc((size_t)cols * sizeof *fill); /* next slot per column */
  if (!fill) {
    iddl_sparse_pattern_free(s);
    return iddl_fail(err, "sparse pattern: out of memory");
  }
  memcpy(fill, s->col_ptr, (size_t)cols * sizeof *fill);
  for (int64_t o = 0; o < rows; o++) /* by input, rows ascending */
    for (j = s->row_ptr[o]; j < s->row_ptr[o + 1]; j++) {
      int64_t e = fill[s->col[j]]++;
      s->t_row[e] = (int32_t)o;
      s->t_conn[e] = j;
    }
  free(fill);
  return 0;
}

/* --- threads ---------------------------------------------------------------- */

/* Below this many multiply-accumulates (about 100 us on one core) a product
 * runs on the calling thread: a round trip through the thread pool cost
 * 30-60 us when this was measured, before its workers spun between jobs
 * (2 Zen 4 cores: 784->512 at batch 64, 0.9M MACs, took 44 us on one
 * thread and 54 us on two; at batch 256, 3.7M MACs, 182 us and 126 us).
 * Not measured again since: the sparse linear layer now splits its own
 * batch tiles (nn_sparse_linear.c), and these products serve convolutions. */
#define PARALLEL_MACS 2000000

/* One product, cut into chunks either along P (items are vectors of P
 * columns) or along its rows / input columns (items are those). */
typedef struct job {
  const kernels *k;
  const iddl_sparse_pattern *s;
  int64_t kk, P, n_other; /* n_other: rows (spmm, sddmm) or cols (spmm_t) */
  const float *a, *b;     /* spmm: W, X; spmm_t: W, dY; sddmm: dY, X */
  int64_t lda, ldb;       /* leading dimensions of the matrix operands */
  float *out;
  int64_t ldo;
  float scale;
  int accumulate, by_p, kind; /* kind 0 spmm, 1 spmm_t, 2 sddmm */
} job;

static void run_chunk(void *ctx, int64_t begin, int64_t end) {
  const job *j = ctx;
  int64_t r0 = 0, r1 = j->n_other, p0 = 0, p1 = j->P;
  if (j->by_p) {
    p0 = begin * j->k->vw;
    p1 = end * j->k->vw < j->P ? end * j->k->vw : j->P;
  } else {
    r0 = begin, r1 = end;
  }
  if (j->kind == 0)
    j->k->spmm(j->s, j->kk, j->a, j->b, j->ldb, j->out, j->ldo, r0, r1, p0, p1,
               j->accumulate);
  else if (j->kind == 1)
    j->k->spmm_t(j->s, j->kk, j->a, j->b, j->ldb, j->out, j->ldo, r0, r1, p0,
                 p1, j->accumulate);
  else
    j->k->sddmm(j->s, j->kk, j->a, j->lda, j->b, j->ldb, j->out, r0, r1, p0, p1,
                j->scale);
}

/* Runs the job on one thread when small; otherwise splits P when it has at
 * least 16 vectors per thread (each thread keeps its own P-columns in
 * cache), else the rows or columns. sddmm always splits rows: a split along
 * P would make two threads add into the same dW. */
static void run(job *j) {
  if (j->P <= 0 || j->n_other <= 0) return;
  double macs = (double)j->s->nnz * (double)j->kk * (double)j->P;
  int threads = macs < PARALLEL_MACS ? 1 : iddl_parallel_threads();
  int64_t vecs = (j->P + j->k->vw - 1) / j->k->vw;
  if (threads < 2) {
    run_chunk(j, 0, j->n_other);
    return;
  }
  j->by_p = j->kind != 2 && vecs >= 16 * threads;
  if (j->by_p)
    iddl_parallel_for(vecs, 16, run_chunk, j);
  else
    iddl_parallel_for(j->n_other, 1, run_chunk, j);
}

void iddl_spmm(const iddl_sparse_pattern *s, int64_t kk, const float *w,
               const float *x, int64_t ldx, int64_t P, float *y, int64_t ldy,
               int accumulate) {
  job j = {.k = pick(), .s = s, .kk = kk, .P = P, .n_other = s->rows, .a = w,
           .b = x, .ldb = ldx, .out = y, .ldo = ldy, .accumulate = accumulate,
           .kind = 0};
  run(&j);
}

void iddl_spmm_t(const iddl_sparse_pattern *s, int64_t kk, const float *w,
                 const float *dy, int64_t lddy, int64_t P, float *dx,
                 int64_t lddx, int accumulate) {
  job j = {.k = pick(), .s = s, .kk = kk, .P = P, .n_other = s->cols, .a = w,
           .b = dy, .ldb = lddy, .out = dx, .ldo = lddx,
           .accumulate = accumulate, .kind = 1};
  run(&j);
}

void iddl_sddmm(const iddl_sparse_pattern *s, int64_t kk, const float *dy,
                int64_t lddy, const float *x, int64_t ldx, int64_t P,
                float scale, float *dw) {
  job j = {.k = pick(), .s = s, .kk = kk, .P = P, .n_other = s->rows, .a = dy,
           .lda = lddy, .b = x, .ldb = ldx, .out = dw, .scale = scale,
           .kind = 2};
  run(&j);
}

/* --- batch tiles (single thread) --------------------------------------------- */

void iddl_spmm_tile(const iddl_sparse_pattern *s, const float *w,
                    const float *xt, float *yt) {
  enum { T = IDDL_SPARSE_TILE };
  pick()->spmm(s, 1, w, xt, T, yt, T, 0, s->rows, 0, T, 0);
}

/* Entries each thread must get before the regathering of weights by input
 * is split: each costs about half a nanosecond, an L1 miss (784->512, 14336
 * entries: 6.7 us on one Zen 4 core, 3.7 us on two). */
#define PARALLEL_GATHER 4096

typedef struct gather_job {
  const iddl_sparse_pattern *s;
  int64_t kk;
  const float *w;
  float *wt;
} gather_job;

static void gather_range(void *ctx, int64_t e0, int64_t e1) {
  const gather_job *g = ctx;
  const int64_t *tc = g->s->t_conn, kk = g->kk;
  if (kk == 1) /* a plain gather (a memcpy call per entry costs 10x) */
    for (int64_t e = e0; e < e1; e++) g->wt[e] = g->w[tc[e]];
  else
    for (int64_t e = e0; e < e1; e++)
      for (int64_t t = 0; t < kk; t++) g->wt[e * kk + t] = g->w[tc[e] * kk + t];
}

void iddl_sparse_by_input(const iddl_sparse_pattern *s, int64_t kk,
                          const float *w, float *wt) {
  gather_job g = {s, kk, w, wt};
  iddl_parallel_for_work(s->nnz, (double)s->nnz * (double)kk, PARALLEL_GATHER, gather_range, &g);
}

void iddl_spmm_t_tile(const iddl_sparse_pattern *s, const float *wt,
                      const float *gt, float *gxt) {
  pick()->spmm_t_tile(s, wt, gt, gxt);
}

void iddl_sddmm_tiles(const iddl_sparse_pattern *s, const float *gt,
                      const float *xt, int64_t tiles, int64_t r0, int64_t r1,
                      float scale, float *dw) {
  pick()->sddmm_tiles(s, gt, xt, tiles, dw, r0, r1, scale);
}
