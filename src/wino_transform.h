/* wino_transform.h - the element-wise transforms of Winograd's F(2x2, 3x3)
 * (used by conv_winograd.c), on many tiles at once.
 *
 * With d a 4x4 input block, w a 3x3 kernel, m the 16 products of a tile and
 * dy the 2x2 gradient of a tile's outputs:
 *   V = B^T d B,  U = G w G^T,  y = A^T m A,  dM = A dy A^T,  dw = G^T dU G
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1]
 * Value xi = 4i + j of a 4x4 result is entry (i, j).
 *
 * The tile functions work on n lanes (tiles) side by side: each input or
 * output element of a tile is a run of n floats with stride 1, found at a
 * caller-given offset, so one layout serves the tiles along an image row and
 * another the same tile of n images. Arrays must not overlap.
 */
#ifndef IDDL_WINO_TRANSFORM_H
#define IDDL_WINO_TRANSFORM_H

#include <stdint.h>

/* v[xi*ld + l] = (B^T d B)[xi] for lanes l < n, d[i][j] = x[off[4i+j] + l]. */
void iddl_wino_input(const float *x, const int64_t off[16], int64_t n,
                     float *v, int64_t ld);

/* y[yoff[2a+b] + l] = (A^T m A)[a][b] + bias for lanes l < n, with the
 * tile's 16 products m[xi] = m[xi*ld + l]. */
void iddl_wino_output(const float *m, int64_t ld, int64_t n, float bias,
                      float *y, const int64_t yoff[4]);

/* m[xi*ld + l] = (A dy A^T)[xi] for lanes l < n, dy[a][b] = x[off[2a+b] + l]. */
void iddl_wino_grad(const float *x, const int64_t off[4], int64_t n, float *m,
                    int64_t ld);

/* u[xi*ld + k] = (G w G^T)[xi] for kernels k < n (n <= 16), whose tap q
 * (row-major 3x3) is t[q][k]. */
void iddl_wino_kernels(const float t[9][16], int64_t n, float *u, int64_t ld);

/* gw[q] += scale * (G^T dU G)[q] for the 9 taps q of one kernel, from its
 * 16 gradient values dU. */
void iddl_wino_kernel_grad(const float du[16], float scale, float *gw);

#endif
