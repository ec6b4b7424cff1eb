/* transpose.c - out-of-place transpose in register blocks. */
#include <immintrin.h>

#include "parallel.h"
#include "transpose.h"

/* Below this many elements (about 120 us) the transpose runs on the calling
 * thread: a round trip through the thread pool cost 30-60 us when this was
 * set, before its workers spun between jobs (parallel.c). */
#define PARALLEL_ELEMS (1 << 20)

/* d (8 rows; ldd) = the 8x8 block at s (ldd / lds: row strides)^T. Rows
 * i and i+4 share a register from the start (the inserts run on the load
 * ports), which saves a third of the shuffles. */
__attribute__((target("avx"))) static inline void
block8(float *d, int64_t ldd, const float *s, int64_t lds) {
#define ROWS(a, b, off) _mm256_insertf128_ps( \
    _mm256_castps128_ps256(_mm_loadu_ps(s + (a) * lds + (off))), \
    _mm_loadu_ps(s + (b) * lds + (off)), 1)
  __m256 r0 = ROWS(0, 4, 0), r1 = ROWS(1, 5, 0), r2 = ROWS(2, 6, 0),
         r3 = ROWS(3, 7, 0), r4 = ROWS(0, 4, 4), r5 = ROWS(1, 5, 4),
         r6 = ROWS(2, 6, 4), r7 = ROWS(3, 7, 4);
#undef ROWS
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1),
         t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3),
         t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
         t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  _mm256_storeu_ps(d, _mm256_shuffle_ps(t0, t2, 0x44));
  _mm256_storeu_ps(d + ldd, _mm256_shuffle_ps(t0, t2, 0xEE));
  _mm256_storeu_ps(d + 2 * ldd, _mm256_shuffle_ps(t1, t3, 0x44));
  _mm256_storeu_ps(d + 3 * ldd, _mm256_shuffle_ps(t1, t3, 0xEE));
  _mm256_storeu_ps(d + 4 * ldd, _mm256_shuffle_ps(t4, t6, 0x44));
  _mm256_storeu_ps(d + 5 * ldd, _mm256_shuffle_ps(t4, t6, 0xEE));
  _mm256_storeu_ps(d + 6 * ldd, _mm256_shuffle_ps(t5, t7, 0x44));
  _mm256_storeu_ps(d + 7 * ldd, _mm256_shuffle_ps(t5, t7, 0xEE));
}

/* d (16 rows; ldd) = the 16x16 block at s^T with AVX-512: pairs of rows
 * unpacked, then 4x4 blocks within 128-bit lanes, then the lanes moved in
 * two rounds of shuffle_f32x4. */
__attribute__((target("avx512f"))) static inline void
block16(float *d, int64_t ldd, const float *s, int64_t lds) {
  __m512 r[16], t[16];
  for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(s + i * lds);
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) { /* r[i + k]: column 4L + k of rows i.. in lane L */
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int k = 0; k < 4; k++) {
    t[k] = _mm512_shuffle_f32x4(r[k], r[4 + k], 0x88);
    t[4 + k] = _mm512_shuffle_f32x4(r[k], r[4 + k], 0xDD);
    t[8 + k] = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0x88);
    t[12 + k] = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0xDD);
  }
  for (int k = 0; k < 4; k++) {
    _mm512_storeu_ps(d + k * ldd, _mm512_shuffle_f32x4(t[k], t[8 + k], 0x88));
    _mm512_storeu_ps(d + (8 + k) * ldd, _mm512_shuffle_f32x4(t[k], t[8 + k], 0xDD));
    _mm512_storeu_ps(d + (4 + k) * ldd, _mm512_shuffle_f32x4(t[4 + k], t[12 + k], 0x88));
    _mm512_storeu_ps(d + (12 + k) * ldd, _mm512_shuffle_f32x4(t[4 + k], t[12 + k], 0xDD));
  }
}

/* The same for a 4x4 block with SSE. */
static inline void block4(float *d, int64_t ldd, const float *s, int64_t lds) {
  __m128 r0 = _mm_loadu_ps(s), r1 = _mm_loadu_ps(s + lds),
         r2 = _mm_loadu_ps(s + 2 * lds), r3 = _mm_loadu_ps(s + 3 * lds);
  _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
  _mm_storeu_ps(d, r0);
  _mm_storeu_ps(d + ldd, r1);
  _mm_storeu_ps(d + 2 * ldd, r2);
  _mm_storeu_ps(d + 3 * ldd, r3);
}

typedef struct tjob {
  float *dst;
  const float *src;
  int64_t ldd, lds, rows, cols;
  int isa; /* 2 AVX-512, 1 AVX, 0 SSE */
} tjob;

/* Transposes the source rows [r0, r1): blocks of 16 rows (so that each
 * destination row gets a whole 64-byte line at a time; two blocks of 8 with
 * AVX, of 4 with SSE) within column panels of COL_PANEL, then b rows, then
 * the scalar edges. */
#define COL_PANEL 128
static inline __attribute__((always_inline)) void
rows_impl(const tjob *j, int64_t r0, int64_t r1, const int isa) {
  float *dst = j->dst;
  const float *src = j->src;
  int64_t ldd = j->ldd, lds = j->lds, cols = j->cols, i = r0, c;
  int64_t b = isa == 2 ? 16 : isa ? 8 : 4, full = cols / b * b; /* columns done in blocks */
  int64_t rb = isa == 2 ? 16 : 2 * b;                           /* rows per block row */
  for (int64_t c0 = 0; c0 < full; c0 += COL_PANEL) {
    int64_t c1 = c0 + COL_PANEL < full ? c0 + COL_PANEL : full;
    for (i = r0; i + rb <= r1; i += rb) {
      const float *s = src + i * lds;
      float *d = dst + i;
      if (isa == 2)
        for (c = c0; c < c1; c += 16) block16(d + c * ldd, ldd, s + c, lds);
      else if (isa)
        for (c = c0; c < c1; c += 8) {
          block8(d + c * ldd, ldd, s + c, lds);
          block8(d + c * ldd + 8, ldd, s + 8 * lds + c, lds);
        }
      else
        for (c = c0; c < c1; c += 4) {
          block4(d + c * ldd, ldd, s + c, lds);
          block4(d + c * ldd + 4, ldd, s + 4 * lds + c, lds);
        }
    }
  }
  if (isa < 2 && i + b <= r1) {
    for (c = 0; c < full; c += b)
      if (isa) block8(dst + c * ldd + i, ldd, src + i * lds + c, lds);
      else block4(dst + c * ldd + i, ldd, src + i * lds + c, lds);
    i += b;
  }
  for (int64_t r = r0; r < i; r++) /* the columns right of the blocks */
    for (c = full; c < cols; c++) dst[c * ldd + r] = src[r * lds + c];
  for (; i < r1; i++) /* the rows below them */
    for (c = 0; c < cols; c++) dst[c * ldd + i] = src[i * lds + c];
}

/* rows_impl compiled for AVX-512 and AVX (the blocks inline) and for SSE. */
__attribute__((target("avx512f"))) static void rows_avx512(const tjob *j, int64_t r0,
                                                           int64_t r1) {
  rows_impl(j, r0, r1, 2);
}

__attribute__((target("avx"))) static void rows_avx(const tjob *j, int64_t r0,
                                                    int64_t r1) {
  rows_impl(j, r0, r1, 1);
}

static void rows_sse(const tjob *j, int64_t r0, int64_t r1) {
  rows_impl(j, r0, r1, 0);
}

/* The source rows [r0, r1). */
static void rows_range(void *ctx, int64_t r0, int64_t r1) {
  const tjob *j = ctx;
  if (j->isa == 2) rows_avx512(j, r0, r1);
  else if (j->isa) rows_avx(j, r0, r1);
  else rows_sse(j, r0, r1);
}

static void row_blocks(void *ctx, int64_t b0, int64_t b1) {
  const tjob *j = ctx;
  int64_t b = j->isa ? 16 : 8, r1 = b1 * b;
  rows_range(ctx, b0 * b, r1 < j->rows ? r1 : j->rows);
}

void iddl_transpose_2d(float *dst, int64_t ldd, const float *src, int64_t lds,
                       int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return;
  tjob j = {dst, src, ldd, lds, rows, cols,
            __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx")};
  int64_t b = j.isa ? 16 : 8, blocks = (rows + b - 1) / b;
  if (rows * cols < PARALLEL_ELEMS)
    rows_range(&j, 0, rows);
  else
    iddl_parallel_for(blocks, 1, row_blocks, &j);
}
