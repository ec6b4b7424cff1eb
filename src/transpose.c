/* transpose.c - out-of-place transpose in register blocks. */
#include <immintrin.h>

#include "parallel.h"
#include "transpose.h"

/* Below this many elements the transpose runs on the calling thread. */
#define PARALLEL_ELEMS (1 << 17)

/* d (8 rows; ldd) = the 8x8 block at s (ldd / lds: row strides)^T. */
__attribute__((target("avx"))) static inline void
block8(float *d, int64_t ldd, const float *s, int64_t lds) {
  __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + lds),
         r2 = _mm256_loadu_ps(s + 2 * lds), r3 = _mm256_loadu_ps(s + 3 * lds),
         r4 = _mm256_loadu_ps(s + 4 * lds), r5 = _mm256_loadu_ps(s + 5 * lds),
         r6 = _mm256_loadu_ps(s + 6 * lds), r7 = _mm256_loadu_ps(s + 7 * lds);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1),
         t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3),
         t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
         t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
         u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
         u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
         u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(d + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(d + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(d + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(d + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(d + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(d + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(d + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
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
  int avx;
} tjob;

/* Transposes the source rows [r0, r1): block rows, then the scalar edges. */
static void rows_range(void *ctx, int64_t r0, int64_t r1) {
  const tjob *j = ctx;
  int b = j->avx ? 8 : 4;
  int64_t i = r0, c;
  for (; i + b <= r1; i += b) {
    const float *s = j->src + i * j->lds;
    float *d = j->dst + i;
    for (c = 0; c + b <= j->cols; c += b)
      if (j->avx) block8(d + c * j->ldd, j->ldd, s + c, j->lds);
      else block4(d + c * j->ldd, j->ldd, s + c, j->lds);
    for (; c < j->cols; c++)
      for (int k = 0; k < b; k++) d[c * j->ldd + k] = s[k * j->lds + c];
  }
  for (; i < r1; i++)
    for (c = 0; c < j->cols; c++) j->dst[c * j->ldd + i] = j->src[i * j->lds + c];
}

static void row_blocks(void *ctx, int64_t b0, int64_t b1) {
  const tjob *j = ctx;
  int64_t b = j->avx ? 8 : 4, r1 = b1 * b;
  rows_range(ctx, b0 * b, r1 < j->rows ? r1 : j->rows);
}

void iddl_transpose_2d(float *dst, int64_t ldd, const float *src, int64_t lds,
                       int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return;
  tjob j = {dst, src, ldd, lds, rows, cols, __builtin_cpu_supports("avx")};
  int64_t b = j.avx ? 8 : 4, blocks = (rows + b - 1) / b;
  if (rows * cols < PARALLEL_ELEMS)
    rows_range(&j, 0, rows);
  else
    iddl_parallel_for(blocks, 1, row_blocks, &j);
}
