/* vec_sum.h - the sum of a float row, the bias gradient of the
 * convolutions (dense, Winograd and channel-sparse). */
#ifndef IDDL_VEC_SUM_H
#define IDDL_VEC_SUM_H

#include <stdint.h>

/* The sum of x[0..n), accumulated in 16 running float sums (vectorised for
 * AVX-512 / AVX2 where the CPU has them). */
float iddl_row_sum(const float *x, int64_t n);

#endif
