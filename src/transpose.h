/* transpose.h - a fast out-of-place transpose of a float matrix. */
#ifndef IDDL_TRANSPOSE_H
#define IDDL_TRANSPOSE_H

#include <stdint.h>

/* dst (cols, rows; row stride ldd) = src (rows, cols; row stride lds)^T.
 * The two must not overlap. Works in 16x16 register blocks (AVX-512), 8x8
 * ones (AVX) or 4x4 ones (SSE), chosen from the CPU at run time; large
 * matrices are split over iddl's thread pool. */
void iddl_transpose_2d(float *dst, int64_t ldd, const float *src, int64_t lds,
                       int64_t rows, int64_t cols);

#endif
