/* sparse_tile_kernels.h - the single-thread kernels of sparse_mm.c over
 * batch tiles (the layout of sparse_mm.h's iddl_*_tile functions).
 *
 * Not a normal header: sparse_mm_kernels.h includes it once per instruction
 * set, with its macros (FN, VW, NVMAX, vf, VLOAD ...) and AI defined.
 *
 * tile_spmm_t: gxt = S(W)^T gt for one tile, from weights in by-input
 * order (no indirection per entry), U = 4 partial sums per column.
 *
 * sddmm_tiles: dW[j] += scale * sum over the batch of G[b, o] X[b, c] for connection
 * j = (o, c): the gradient values of row o over NT tiles (NT * 16 / VW
 * vectors) stay in registers while they meet every connected column of X,
 * four connections at a time, reduced together.
 */

/* gxt (cols, 16) = S(W)^T gt (rows, 16), wt by input. With fewer than 3
 * entries per column on average (784->49: 1.75) partial sums cost more
 * than the latency they hide: one chain per column then. */
static void FN(tile_spmm_t)(const iddl_sparse_pattern *s, const float *wt,
                            const float *gt, float *gxt) {
  enum { NV = IDDL_SPARSE_TILE / VW, U = 8 / NV < 4 ? 8 / NV : 4 };
  if (s->nnz < 3 * s->cols)
    FN(spmm_t_conn)(s, wt, gt, IDDL_SPARSE_TILE, gxt, IDDL_SPARSE_TILE, 0,
                    s->cols, 0, 0, NV, 1, 1);
  else
    FN(spmm_t_conn)(s, wt, gt, IDDL_SPARSE_TILE, gxt, IDDL_SPARSE_TILE, 0,
                    s->cols, 0, 0, NV, U, 1);
}

/* Rows [r0, r1) over the tiles [t0, t0 + NT). */
AI void FN(sddmm_tile_rows)(const iddl_sparse_pattern *s, const float *gt,
                            const float *xt, int64_t t0, float *dw,
                            int64_t r0, int64_t r1, float scale,
                            const int NT) {
  const int VPT = IDDL_SPARSE_TILE / VW, NV = NT * VPT; /* vectors per tile row, in all */
  const int64_t gstride = s->rows * IDDL_SPARSE_TILE, xstride = s->cols * IDDL_SPARSE_TILE;
  const int64_t *rp = s->row_ptr;
  const int32_t *col = s->col;
  const float *xb = xt + t0 * xstride;
#define AT(base, stride, row, v) \
  ((base) + (int64_t)(row) * IDDL_SPARSE_TILE + ((v) / VPT) * (stride) + ((v) % VPT) * VW)
  for (int64_t o = r0; o < r1; o++) {
    vf d[16]; /* G[tiles t0.., o]: (NT, 16) */
    for (int v = 0; v < NV; v++) d[v] = VLOAD(AT(gt + t0 * gstride, gstride, o, v));
    int64_t j = rp[o], j1 = rp[o + 1];
    for (; j + 4 <= j1; j += 4) {
      vf q[4];
      for (int u = 0; u < 4; u++) {
        q[u] = VMUL(d[0], VLOAD(AT(xb, xstride, col[j + u], 0)));
        for (int v = 1; v < NV; v++)
          q[u] = VFMA(d[v], VLOAD(AT(xb, xstride, col[j + u], v)), q[u]);
      }
      __m128 sum = VREDUCE4(q[0], q[1], q[2], q[3]);
      _mm_storeu_ps(dw + j, _mm_add_ps(_mm_loadu_ps(dw + j),
                                       _mm_mul_ps(_mm_set1_ps(scale), sum)));
    }
    for (; j < j1; j++) {
      vf q = VMUL(d[0], VLOAD(AT(xb, xstride, col[j], 0)));
      for (int v = 1; v < NV; v++) q = VFMA(d[v], VLOAD(AT(xb, xstride, col[j], v)), q);
      dw[j] += scale * VHSUM(q);
    }
  }
#undef AT
}

/* Rows [r0, r1) over all T tiles: as many as fit in registers at a time
 * (NVMAX vectors). */
static void FN(sddmm_tiles)(const iddl_sparse_pattern *s, const float *gt,
                            const float *xt, int64_t T, float *dw, int64_t r0,
                            int64_t r1, float scale) {
  enum { NTMAX = NVMAX * VW / IDDL_SPARSE_TILE };
  int64_t t = 0;
  for (; t + NTMAX <= T; t += NTMAX)
    FN(sddmm_tile_rows)(s, gt, xt, t, dw, r0, r1, scale, NTMAX);
  if (NTMAX > 8 && t + 8 <= T) {
    FN(sddmm_tile_rows)(s, gt, xt, t, dw, r0, r1, scale, NTMAX > 8 ? 8 : 1);
    t += 8;
  }
  if (NTMAX > 4 && t + 4 <= T) {
    FN(sddmm_tile_rows)(s, gt, xt, t, dw, r0, r1, scale, NTMAX > 4 ? 4 : 1);
    t += 4;
  }
  if (NTMAX > 2 && t + 2 <= T) {
    FN(sddmm_tile_rows)(s, gt, xt, t, dw, r0, r1, scale, NTMAX > 2 ? 2 : 1);
    t += 2;
  }
  if (NTMAX > 1 && t < T) FN(sddmm_tile_rows)(s, gt, xt, t, dw, r0, r1, scale, 1);
}
