/* wino_transform.c - Winograd F(2x2, 3x3) transforms, vectorised over lanes. */
#include "wino_transform.h"

/* Loops over lanes, vectorised for AVX2 when the CPU has it. */
#define HOT __attribute__((target_clones("avx2", "default")))

HOT void iddl_wino_input(const float *restrict x, const int64_t off[16],
                         int64_t n, float *restrict v, int64_t ld) {
  const float *d[16];
  for (int k = 0; k < 16; k++) d[k] = x + off[k];
#pragma GCC ivdep /* the 16 rows of v never overlap */
  for (int64_t l = 0; l < n; l++) {
    float a[4][4];                      /* d B per row: (d0 - d2, d1 + d2, */
    for (int i = 0; i < 4; i++) {       /*  d2 - d1, d1 - d3) */
      float d0 = d[4 * i][l], d1 = d[4 * i + 1][l], d2 = d[4 * i + 2][l],
            d3 = d[4 * i + 3][l];
      a[i][0] = d0 - d2;
      a[i][1] = d1 + d2;
      a[i][2] = d2 - d1;
      a[i][3] = d1 - d3;
    }
    for (int j = 0; j < 4; j++) {       /* B^T (d B), the same down columns */
      v[(0 + j) * ld + l] = a[0][j] - a[2][j];
      v[(4 + j) * ld + l] = a[1][j] + a[2][j];
      v[(8 + j) * ld + l] = a[2][j] - a[1][j];
      v[(12 + j) * ld + l] = a[1][j] - a[3][j];
    }
  }
}

HOT void iddl_wino_output(const float *restrict m, int64_t ld, int64_t n,
                          float bias, float *restrict y,
                          const int64_t yoff[4]) {
  float *y00 = y + yoff[0], *y01 = y + yoff[1], *y10 = y + yoff[2],
        *y11 = y + yoff[3];
#pragma GCC ivdep /* the four outputs never overlap */
  for (int64_t l = 0; l < n; l++) {
    float s0[4], s1[4];                 /* A^T m: (m0 + m1 + m2, m1 - m2 - m3) */
    for (int k = 0; k < 4; k++) {
      float m0 = m[k * ld + l], m1 = m[(4 + k) * ld + l],
            m2 = m[(8 + k) * ld + l], m3 = m[(12 + k) * ld + l];
      s0[k] = m0 + m1 + m2;
      s1[k] = m1 - m2 - m3;
    }
    y00[l] = s0[0] + s0[1] + s0[2] + bias;
    y01[l] = s0[1] - s0[2] - s0[3] + bias;
    y10[l] = s1[0] + s1[1] + s1[2] + bias;
    y11[l] = s1[1] - s1[2] - s1[3] + bias;
  }
}

HOT void iddl_wino_grad(const float *restrict x, const int64_t off[4],
                        int64_t n, float *restrict m, int64_t ld) {
  const float *g00 = x + off[0], *g01 = x + off[1], *g10 = x + off[2],
              *g11 = x + off[3];
#pragma GCC ivdep /* the 16 rows of m never overlap */
  for (int64_t l = 0; l < n; l++) {
    /* A down the columns: rows (u0, u0 + u1, u0 - u1, -u1) */
    float r[4][2] = {{g00[l], g01[l]},
                     {g00[l] + g10[l], g01[l] + g11[l]},
                     {g00[l] - g10[l], g01[l] - g11[l]},
                     {-g10[l], -g11[l]}};
    for (int i = 0; i < 4; i++) {       /* and along each row */
      m[(4 * i + 0) * ld + l] = r[i][0];
      m[(4 * i + 1) * ld + l] = r[i][0] + r[i][1];
      m[(4 * i + 2) * ld + l] = r[i][0] - r[i][1];
      m[(4 * i + 3) * ld + l] = -r[i][1];
    }
  }
}

HOT void iddl_wino_kernels(const float t[9][16], int64_t n, float *restrict u,
                           int64_t ld) {
#pragma GCC ivdep /* the 16 rows of u never overlap */
  for (int64_t k = 0; k < n; k++) {
    float gw[4][3];                     /* G w: rows w0, (w0+w1+w2)/2, ... */
    for (int j = 0; j < 3; j++) {
      float w0 = t[j][k], w1 = t[3 + j][k], w2 = t[6 + j][k];
      gw[0][j] = w0;
      gw[1][j] = 0.5f * (w0 + w1 + w2);
      gw[2][j] = 0.5f * (w0 - w1 + w2);
      gw[3][j] = w2;
    }
    for (int i = 0; i < 4; i++) {       /* (G w) G^T, the same along rows */
      u[(4 * i + 0) * ld + k] = gw[i][0];
      u[(4 * i + 1) * ld + k] = 0.5f * (gw[i][0] + gw[i][1] + gw[i][2]);
      u[(4 * i + 2) * ld + k] = 0.5f * (gw[i][0] - gw[i][1] + gw[i][2]);
      u[(4 * i + 3) * ld + k] = gw[i][2];
    }
  }
}

void iddl_wino_kernel_grad(const float du[16], float scale, float *gw) {
  float h[3][4];                        /* G^T dU: (d0 + d1/2 + d2/2, ...) */
  for (int j = 0; j < 4; j++) {
    h[0][j] = du[j] + 0.5f * (du[4 + j] + du[8 + j]);
    h[1][j] = 0.5f * (du[4 + j] - du[8 + j]);
    h[2][j] = 0.5f * (du[4 + j] + du[8 + j]) + du[12 + j];
  }
  for (int i = 0; i < 3; i++) {         /* (G^T dU) G */
    gw[i * 3 + 0] += scale * (h[i][0] + 0.5f * (h[i][1] + h[i][2]));
    gw[i * 3 + 1] += scale * (0.5f * (h[i][1] - h[i][2]));
    gw[i * 3 + 2] += scale * (0.5f * (h[i][1] + h[i][2]) + h[i][3]);
  }
}
