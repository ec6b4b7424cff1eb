/* vec_sum.c - iddl_row_sum. */
#include "vec_sum.h"

__attribute__((target_clones("avx512f", "avx2", "default")))
float iddl_row_sum(const float *x, int64_t n) {
  float acc[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 16; k++) acc[k] += x[i + k];
  float t = 0.0f;
  for (; i < n; i++) t += x[i];
  for (int k = 0; k < 16; k++) t += acc[k];
  return t;
}
