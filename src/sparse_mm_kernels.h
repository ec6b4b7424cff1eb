/* sparse_mm_kernels.h - the single-thread kernels of sparse_mm.c, written
 * once and compiled once per instruction set.
 *
 * Not a normal header: sparse_mm.c includes it three times, each time under
 * a `#pragma GCC target` and with these macros defined:
 *   FN(name)   name with the instruction set's suffix
 *   VW         floats per vector
 *   vf         the vector type
 *   VLOAD(p) VSTORE(p, v) VSET1(f) VZERO() VADD(a, b) VMUL(a, b)
 *   VFMA(a, b, c) (a * b + c)  VHSUM(v) (sum of the lanes, a float)
 *   VREDUCE4(a, b, c, d) (an __m128 of the four sums of lanes)
 * Every function works on a rectangle of its output: rows (or input
 * columns) [r0, r1) times the P-columns [p0, p1), so that sparse_mm.c can
 * split the work between threads either way.
 *
 * Register blocking: an output tile of NV vectors (NV * VW columns of P)
 * stays in registers while the connections of its row are summed; when the
 * tile is narrow, U independent partial sums (over alternate connections or
 * taps) hide the latency of the FMA chain. NV * U <= 8 accumulators.
 * Cache blocking: the P-tiles are the outer loop, so the X (or dY) columns
 * of one tile are read from cache by every row that uses them.
 */

#define AI static inline __attribute__((always_inline))

/* --- spmm: Y = S(W) X ------------------------------------------------------ */

/* Rows [r0, r1) of Y over the columns [p, p + NV*VW). */
AI void FN(spmm_tile)(const iddl_sparse_pattern *s, int64_t kk,
                      const float *w, const float *x, int64_t ldx, float *y,
                      int64_t ldy, int64_t r0, int64_t r1, int64_t p,
                      int accumulate, const int NV, const int U) {
  const int64_t *rp = s->row_ptr;
  const int32_t *col = s->col;
  for (int64_t o = r0; o < r1; o++) {
    vf acc[16]; /* (U, NV) partial sums of row o's tile */
    for (int a = 0; a < NV * U; a++) acc[a] = VZERO();
    int64_t j = rp[o], j1 = rp[o + 1];
    if (kk == 1) { /* U connections at a time */
      for (; j + U <= j1; j += U)
        for (int u = 0; u < U; u++) {
          vf wv = VSET1(w[j + u]);
          const float *xr = x + (int64_t)col[j + u] * ldx + p;
          for (int v = 0; v < NV; v++)
            acc[u * NV + v] = VFMA(wv, VLOAD(xr + v * VW), acc[u * NV + v]);
        }
      for (; j < j1; j++) {
        vf wv = VSET1(w[j]);
        const float *xr = x + (int64_t)col[j] * ldx + p;
        for (int v = 0; v < NV; v++)
          acc[v] = VFMA(wv, VLOAD(xr + v * VW), acc[v]);
      }
    } else { /* U taps of a connection at a time */
      for (; j < j1; j++) {
        const float *xb = x + (int64_t)col[j] * kk * ldx + p, *wj = w + j * kk;
        int64_t t = 0;
        for (; t + U <= kk; t += U)
          for (int u = 0; u < U; u++) {
            vf wv = VSET1(wj[t + u]);
            const float *xr = xb + (t + u) * ldx;
            for (int v = 0; v < NV; v++)
              acc[u * NV + v] = VFMA(wv, VLOAD(xr + v * VW), acc[u * NV + v]);
          }
        for (; t < kk; t++) {
          vf wv = VSET1(wj[t]);
          const float *xr = xb + t * ldx;
          for (int v = 0; v < NV; v++)
            acc[v] = VFMA(wv, VLOAD(xr + v * VW), acc[v]);
        }
      }
    }
    for (int u = 1; u < U; u++)
      for (int v = 0; v < NV; v++) acc[v] = VADD(acc[v], acc[u * NV + v]);
    float *yr = y + o * ldy + p;
    for (int v = 0; v < NV; v++)
      VSTORE(yr + v * VW, accumulate ? VADD(VLOAD(yr + v * VW), acc[v]) : acc[v]);
  }
}

/* Rows [r0, r1) of Y over the columns [p0, p1), p1 - p0 < VW. */
static void FN(spmm_tail)(const iddl_sparse_pattern *s, int64_t kk,
                          const float *w, const float *x, int64_t ldx,
                          float *y, int64_t ldy, int64_t r0, int64_t r1,
                          int64_t p0, int64_t p1, int accumulate) {
  int64_t n = p1 - p0;
  for (int64_t o = r0; o < r1; o++) {
    float acc[VW] = {0};
    for (int64_t j = s->row_ptr[o]; j < s->row_ptr[o + 1]; j++)
      for (int64_t t = 0; t < kk; t++) {
        float wv = w[j * kk + t];
        const float *xr = x + ((int64_t)s->col[j] * kk + t) * ldx + p0;
        for (int64_t q = 0; q < n; q++) acc[q] += wv * xr[q];
      }
    float *yr = y + o * ldy + p0;
    for (int64_t q = 0; q < n; q++) yr[q] = accumulate ? yr[q] + acc[q] : acc[q];
  }
}

#if VW == 16
/* Rows [r0, r1) of Y over the columns [p, p + 2*VW) for kk = 9 (3x3
 * convolutions), by input: the 9 tap rows of input column c are loaded into
 * registers once and serve every output row connected to c (entries of the
 * by-input index), whose tile of Y is read and written in L1. So each
 * connection costs 2 vector loads and 2 stores for 18 FMAs, instead of 18
 * loads of X from L2 by output row. Needs 18 + 4 vector registers (AVX-512
 * only). */
static void FN(spmm_by_input9)(const iddl_sparse_pattern *s, const float *w,
                               const float *x, int64_t ldx, float *y,
                               int64_t ldy, int64_t r0, int64_t r1, int64_t p,
                               int accumulate) {
  const int64_t *cp = s->col_ptr, *tc = s->t_conn;
  const int32_t *tr = s->t_row;
  if (!accumulate)
    for (int64_t o = r0; o < r1; o++) {
      VSTORE(y + o * ldy + p, VZERO());
      VSTORE(y + o * ldy + p + VW, VZERO());
    }
  for (int64_t c = 0; c < s->cols; c++) {
    if (cp[c] == cp[c + 1]) continue;
    const float *xb = x + c * 9 * ldx + p;
    vf xa[9], xc[9]; /* the 9 tap rows, two vectors each */
    for (int t = 0; t < 9; t++) {
      xa[t] = VLOAD(xb + t * ldx);
      xc[t] = VLOAD(xb + t * ldx + VW);
    }
    for (int64_t e = cp[c]; e < cp[c + 1]; e++) {
      int64_t o = tr[e];
      if (o < r0 || o >= r1) continue;
      const float *wj = w + tc[e] * 9;
      float *yr = y + o * ldy + p;
      vf a0 = VLOAD(yr), a1 = VLOAD(yr + VW), b0 = VZERO(), b1 = VZERO();
      for (int t = 0; t < 4; t++) {
        vf wv = VSET1(wj[t]);
        a0 = VFMA(wv, xa[t], a0);
        a1 = VFMA(wv, xc[t], a1);
      }
      for (int t = 4; t < 9; t++) {
        vf wv = VSET1(wj[t]);
        b0 = VFMA(wv, xa[t], b0);
        b1 = VFMA(wv, xc[t], b1);
      }
      VSTORE(yr, VADD(a0, b0));
      VSTORE(yr + VW, VADD(a1, b1));
    }
  }
}
#endif

/* Y[r0:r1, p0:p1] (+)= the rows r0..r1-1 of S(W) X over columns p0..p1-1. */
static void FN(spmm_range)(const iddl_sparse_pattern *s, int64_t kk,
                           const float *w, const float *x, int64_t ldx,
                           float *y, int64_t ldy, int64_t r0, int64_t r1,
                           int64_t p0, int64_t p1, int accumulate) {
  int64_t p = p0;
#if VW == 16
  if (kk == 9)
    for (; p + 2 * VW <= p1; p += 2 * VW)
      FN(spmm_by_input9)(s, w, x, ldx, y, ldy, r0, r1, p, accumulate);
#endif
  for (; p + NVMAX * VW <= p1; p += NVMAX * VW)
    FN(spmm_tile)(s, kk, w, x, ldx, y, ldy, r0, r1, p, accumulate, NVMAX, 1);
  if (NVMAX > 8 && p + 8 * VW <= p1) {
    FN(spmm_tile)(s, kk, w, x, ldx, y, ldy, r0, r1, p, accumulate, 8, 1);
    p += 8 * VW;
  }
  if (p + 4 * VW <= p1) {
    FN(spmm_tile)(s, kk, w, x, ldx, y, ldy, r0, r1, p, accumulate, 4, 2);
    p += 4 * VW;
  }
  if (p + 2 * VW <= p1) {
    FN(spmm_tile)(s, kk, w, x, ldx, y, ldy, r0, r1, p, accumulate, 2, 4);
    p += 2 * VW;
  }
  if (p + VW <= p1) {
    FN(spmm_tile)(s, kk, w, x, ldx, y, ldy, r0, r1, p, accumulate, 1, 4);
    p += VW;
  }
  if (p < p1) FN(spmm_tail)(s, kk, w, x, ldx, y, ldy, r0, r1, p, p1, accumulate);
}

/* --- spmm_t: dX = S(W)^T dY ------------------------------------------------ */

/* Taps [t0, t0 + TB) of the input columns [c0, c1) of dX over the columns
 * [p, p + NV*VW): one dY load per entry serves TB taps. */
AI void FN(spmm_t_tile)(const iddl_sparse_pattern *s, int64_t kk,
                        const float *w, const float *dy, int64_t lddy,
                        float *dx, int64_t lddx, int64_t c0, int64_t c1,
                        int64_t t0, int64_t p, int accumulate, const int NV,
                        const int TB) {
  const int64_t *cp = s->col_ptr, *tc = s->t_conn;
  const int32_t *tr = s->t_row;
  for (int64_t c = c0; c < c1; c++) {
    vf acc[8]; /* (TB, NV) */
    for (int a = 0; a < NV * TB; a++) acc[a] = VZERO();
    for (int64_t e = cp[c]; e < cp[c + 1]; e++) {
      const float *dr = dy + (int64_t)tr[e] * lddy + p;
      const float *we = w + tc[e] * kk + t0;
      vf wv[8];
      for (int b = 0; b < TB; b++) wv[b] = VSET1(we[b]);
      for (int v = 0; v < NV; v++) {
        vf d = VLOAD(dr + v * VW);
        for (int b = 0; b < TB; b++) acc[b * NV + v] = VFMA(wv[b], d, acc[b * NV + v]);
      }
    }
    for (int b = 0; b < TB; b++) {
      float *xr = dx + (c * kk + t0 + b) * lddx + p;
      for (int v = 0; v < NV; v++)
        VSTORE(xr + v * VW, accumulate ? VADD(VLOAD(xr + v * VW), acc[b * NV + v])
                                       : acc[b * NV + v]);
    }
  }
}

/* Every tap of the input columns [c0, c1) over [p0, p1), p1 - p0 < VW. */
static void FN(spmm_t_tail)(const iddl_sparse_pattern *s, int64_t kk,
                            const float *w, const float *dy, int64_t lddy,
                            float *dx, int64_t lddx, int64_t c0, int64_t c1,
                            int64_t p0, int64_t p1, int accumulate) {
  int64_t n = p1 - p0;
  for (int64_t c = c0; c < c1; c++)
    for (int64_t t = 0; t < kk; t++) {
      float acc[VW] = {0};
      for (int64_t e = s->col_ptr[c]; e < s->col_ptr[c + 1]; e++) {
        float wv = w[s->t_conn[e] * kk + t];
        const float *dr = dy + (int64_t)s->t_row[e] * lddy + p0;
        for (int64_t q = 0; q < n; q++) acc[q] += wv * dr[q];
      }
      float *xr = dx + (c * kk + t) * lddx + p0;
      for (int64_t q = 0; q < n; q++) xr[q] = accumulate ? xr[q] + acc[q] : acc[q];
    }
}

/* kk = 1: the input columns [c0, c1) of dX over the columns [p, p +
 * NV*VW), with U partial sums over alternate entries to hide the latency
 * of the FMA chain when the tile is narrow. NV * U <= 8. BYIN: w holds the
 * weights in by-input order (entry e's at w[e]), else in CSR order. */
AI void FN(spmm_t_conn)(const iddl_sparse_pattern *s, const float *w,
                        const float *dy, int64_t lddy, float *dx,
                        int64_t lddx, int64_t c0, int64_t c1, int64_t p,
                        int accumulate, const int NV, const int U,
                        const int BYIN) {
  const int64_t *cp = s->col_ptr, *tc = s->t_conn;
  const int32_t *tr = s->t_row;
  for (int64_t c = c0; c < c1; c++) {
    vf acc[8]; /* (U, NV) */
    for (int a = 0; a < NV * U; a++) acc[a] = VZERO();
    int64_t e = cp[c], e1 = cp[c + 1];
    for (; e + U <= e1; e += U)
      for (int u = 0; u < U; u++) {
        vf wv = VSET1(w[BYIN ? e + u : tc[e + u]]);
        const float *dr = dy + (int64_t)tr[e + u] * lddy + p;
        for (int v = 0; v < NV; v++)
          acc[u * NV + v] = VFMA(wv, VLOAD(dr + v * VW), acc[u * NV + v]);
      }
    for (; e < e1; e++) {
      vf wv = VSET1(w[BYIN ? e : tc[e]]);
      const float *dr = dy + (int64_t)tr[e] * lddy + p;
      for (int v = 0; v < NV; v++) acc[v] = VFMA(wv, VLOAD(dr + v * VW), acc[v]);
    }
    for (int u = 1; u < U; u++)
      for (int v = 0; v < NV; v++) acc[v] = VADD(acc[v], acc[u * NV + v]);
    float *xr = dx + c * lddx + p;
    for (int v = 0; v < NV; v++)
      VSTORE(xr + v * VW, accumulate ? VADD(VLOAD(xr + v * VW), acc[v]) : acc[v]);
  }
}

/* All taps of the columns [c0, c1) at the P-columns [p, p + NV*VW): blocks
 * of 4 taps, then single ones. */
AI void FN(spmm_t_taps)(const iddl_sparse_pattern *s, int64_t kk,
                        const float *w, const float *dy, int64_t lddy,
                        float *dx, int64_t lddx, int64_t c0, int64_t c1,
                        int64_t p, int accumulate, const int NV) {
  int64_t t = 0;
  for (; t + 4 <= kk; t += 4)
    FN(spmm_t_tile)(s, kk, w, dy, lddy, dx, lddx, c0, c1, t, p, accumulate, NV, 4);
  for (; t < kk; t++)
    FN(spmm_t_tile)(s, kk, w, dy, lddy, dx, lddx, c0, c1, t, p, accumulate, NV, 1);
}

#if VW == 16
/* For kk = 9 (3x3 convolutions): the 9 tap rows of each input column in
 * [c0, c1) over the columns [p, p + 2*VW), summed in 18 registers over the
 * column's entries. Each entry costs 2 vector loads of dY for 18 FMAs, and
 * dX is stored once, where the 4-tap blocks reload dY three times and run
 * the last tap as a latency-bound chain of 2 accumulators. Needs 18 + 3
 * vector registers (AVX-512 only). */
static void FN(spmm_t_by_input9)(const iddl_sparse_pattern *s, const float *w,
                                 const float *dy, int64_t lddy, float *dx,
                                 int64_t lddx, int64_t c0, int64_t c1,
                                 int64_t p, int accumulate) {
  const int64_t *cp = s->col_ptr, *tc = s->t_conn;
  const int32_t *tr = s->t_row;
  for (int64_t c = c0; c < c1; c++) {
    vf a0[9], a1[9]; /* the 9 tap rows' tiles, two vectors each */
    for (int t = 0; t < 9; t++) a0[t] = a1[t] = VZERO();
    for (int64_t e = cp[c]; e < cp[c + 1]; e++) {
      const float *dr = dy + (int64_t)tr[e] * lddy + p, *we = w + tc[e] * 9;
      vf d0 = VLOAD(dr), d1 = VLOAD(dr + VW);
      for (int t = 0; t < 9; t++) {
        vf wv = VSET1(we[t]);
        a0[t] = VFMA(wv, d0, a0[t]);
        a1[t] = VFMA(wv, d1, a1[t]);
      }
    }
    float *xb = dx + c * 9 * lddx + p;
    for (int t = 0; t < 9; t++) {
      float *xr = xb + t * lddx;
      VSTORE(xr, accumulate ? VADD(VLOAD(xr), a0[t]) : a0[t]);
      VSTORE(xr + VW, accumulate ? VADD(VLOAD(xr + VW), a1[t]) : a1[t]);
    }
  }
}
#endif

/* dX rows of the input columns [c0, c1) over the columns [p0, p1). */
static void FN(spmm_t_range)(const iddl_sparse_pattern *s, int64_t kk,
                             const float *w, const float *dy, int64_t lddy,
                             float *dx, int64_t lddx, int64_t c0, int64_t c1,
                             int64_t p0, int64_t p1, int accumulate) {
  int64_t p = p0;
#if VW == 16
  if (kk == 9)
    for (; p + 2 * VW <= p1; p += 2 * VW)
      FN(spmm_t_by_input9)(s, w, dy, lddy, dx, lddx, c0, c1, p, accumulate);
#endif
  if (kk == 1) {
    for (; p + 8 * VW <= p1; p += 8 * VW)
      FN(spmm_t_conn)(s, w, dy, lddy, dx, lddx, c0, c1, p, accumulate, 8, 1, 0);
    if (p + 4 * VW <= p1) {
      FN(spmm_t_conn)(s, w, dy, lddy, dx, lddx, c0, c1, p, accumulate, 4, 2, 0);
      p += 4 * VW;
    }
    if (p + 2 * VW <= p1) {
      FN(spmm_t_conn)(s, w, dy, lddy, dx, lddx, c0, c1, p, accumulate, 2, 4, 0);
      p += 2 * VW;
    }
    if (p + VW <= p1) {
      FN(spmm_t_conn)(s, w, dy, lddy, dx, lddx, c0, c1, p, accumulate, 1, 4, 0);
      p += VW;
    }
  }
  for (; p + 2 * VW <= p1; p += 2 * VW)
    FN(spmm_t_taps)(s, kk, w, dy, lddy, dx, lddx, c0, c1, p, accumulate, 2);
  if (p + VW <= p1) {
    FN(spmm_t_taps)(s, kk, w, dy, lddy, dx, lddx, c0, c1, p, accumulate, 1);
    p += VW;
  }
  if (p < p1) FN(spmm_t_tail)(s, kk, w, dy, lddy, dx, lddx, c0, c1, p, p1, accumulate);
}

/* --- sddmm: dW += scale * (dY X^T) at the connections --------------------- */

/* Rows [r0, r1) over the columns [p, p + NV*VW): the tile of dY's row stays
 * in registers while it meets each connected row of X. */
AI void FN(sddmm_tile)(const iddl_sparse_pattern *s, int64_t kk,
                       const float *dy, int64_t lddy, const float *x,
                       int64_t ldx, float *dw, int64_t r0, int64_t r1,
                       int64_t p, float scale, const int NV) {
  const int64_t *rp = s->row_ptr;
  const int32_t *col = s->col;
  for (int64_t o = r0; o < r1; o++) {
    const float *dr = dy + o * lddy + p;
    vf d[8];
    for (int v = 0; v < NV; v++) d[v] = VLOAD(dr + v * VW);
    int64_t j = rp[o];
    if (kk == 1 && NV <= 2) /* short dots: reduce four at a time */
      for (; j + 4 <= rp[o + 1]; j += 4) {
        vf q[4];
        for (int u = 0; u < 4; u++) {
          const float *xr = x + (int64_t)col[j + u] * ldx + p;
          q[u] = VMUL(d[0], VLOAD(xr));
          if (NV == 2) q[u] = VFMA(d[1], VLOAD(xr + VW), q[u]);
        }
        __m128 sum = VREDUCE4(q[0], q[1], q[2], q[3]);
        _mm_storeu_ps(dw + j, _mm_add_ps(_mm_loadu_ps(dw + j),
                                         _mm_mul_ps(_mm_set1_ps(scale), sum)));
      }
    for (; j < rp[o + 1]; j++) {
      const float *xb = x + (int64_t)col[j] * kk * ldx + p;
      for (int64_t t = 0; t < kk; t++) {
        const float *xr = xb + t * ldx;
        vf a = VMUL(d[0], VLOAD(xr)), b = VZERO();
        for (int v = 1; v < NV; v++) {
          if (v & 1) b = VFMA(d[v], VLOAD(xr + v * VW), b);
          else a = VFMA(d[v], VLOAD(xr + v * VW), a);
        }
        dw[j * kk + t] += scale * VHSUM(VADD(a, b));
      }
    }
  }
}

/* Rows [r0, r1) over the columns [p0, p1), p1 - p0 < VW. */
static void FN(sddmm_tail)(const iddl_sparse_pattern *s, int64_t kk,
                           const float *dy, int64_t lddy, const float *x,
                           int64_t ldx, float *dw, int64_t r0, int64_t r1,
                           int64_t p0, int64_t p1, float scale) {
  for (int64_t o = r0; o < r1; o++) {
    const float *dr = dy + o * lddy + p0;
    for (int64_t j = s->row_ptr[o]; j < s->row_ptr[o + 1]; j++)
      for (int64_t t = 0; t < kk; t++) {
        const float *xr = x + ((int64_t)s->col[j] * kk + t) * ldx + p0;
        float sum = 0;
        for (int64_t q = 0; q < p1 - p0; q++) sum += dr[q] * xr[q];
        dw[j * kk + t] += scale * sum;
      }
  }
}

#if VW == 16
/* For kk = 9: the connections e[0..E) (E = 1 or 2, by-input entries of one
 * input column whose 9 tap rows start at xb) over the columns [p0, p1):
 * each X vector loaded serves E connections, and the 9*E dot products stay
 * in registers until the end of the range (no reduction per tile). */
AI void FN(sddmm9_entries)(const iddl_sparse_pattern *s, const float *dy,
                           int64_t lddy, const float *xb, int64_t ldx,
                           float *dw, const int64_t *e, int64_t p0, int64_t p1,
                           float scale, const int E) {
  const float *dr[2];
  vf acc[2][9];
  for (int i = 0; i < E; i++) {
    dr[i] = dy + (int64_t)s->t_row[e[i]] * lddy;
    for (int t = 0; t < 9; t++) acc[i][t] = VZERO();
  }
  int64_t pv = p0 + (p1 - p0) / VW * VW; /* the end of the full vectors */
  for (int64_t p = p0; p < pv; p += VW) {
    vf d[2];
    for (int i = 0; i < E; i++) d[i] = VLOAD(dr[i] + p);
    for (int t = 0; t < 9; t++) {
      vf xv = VLOAD(xb + t * ldx + p);
      for (int i = 0; i < E; i++) acc[i][t] = VFMA(d[i], xv, acc[i][t]);
    }
  }
  for (int i = 0; i < E; i++) {
    float *w = dw + s->t_conn[e[i]] * 9;
    float sum[9];
    for (int t = 0; t < 9; t++) sum[t] = VHSUM(acc[i][t]);
    for (int64_t p = pv; p < p1; p++) /* the last columns (fewer than VW) */
      for (int t = 0; t < 9; t++) sum[t] += dr[i][p] * xb[t * ldx + p];
    for (int t = 0; t < 9; t++) w[t] += scale * sum[t];
  }
}

/* sddmm for kk = 9 by input: rows [r0, r1), columns [p0, p1); the entries
 * of each input column are taken two at a time. */
static void FN(sddmm_by_input9)(const iddl_sparse_pattern *s, const float *dy,
                                int64_t lddy, const float *x, int64_t ldx,
                                float *dw, int64_t r0, int64_t r1, int64_t p0,
                                int64_t p1, float scale) {
  for (int64_t c = 0; c < s->cols; c++) {
    const float *xb = x + c * 9 * ldx;
    int64_t pend[2], n = 0;
    for (int64_t e = s->col_ptr[c]; e < s->col_ptr[c + 1]; e++) {
      int64_t o = s->t_row[e];
      if (o < r0 || o >= r1) continue;
      pend[n++] = e;
      if (n == 2) {
        FN(sddmm9_entries)(s, dy, lddy, xb, ldx, dw, pend, p0, p1, scale, 2);
        n = 0;
      }
    }
    if (n) FN(sddmm9_entries)(s, dy, lddy, xb, ldx, dw, pend, p0, p1, scale, 1);
  }
}
#endif

/* dW of the rows [r0, r1) += scale * their products over [p0, p1). */
static void FN(sddmm_range)(const iddl_sparse_pattern *s, int64_t kk,
                            const float *dy, int64_t lddy, const float *x,
                            int64_t ldx, float *dw, int64_t r0, int64_t r1,
                            int64_t p0, int64_t p1, float scale) {
#if VW == 16
  if (kk == 9 && p1 - p0 >= 4 * VW) {
    FN(sddmm_by_input9)(s, dy, lddy, x, ldx, dw, r0, r1, p0, p1, scale);
    return;
  }
#endif
  int64_t p = p0;
  for (; p + 8 * VW <= p1; p += 8 * VW)
    FN(sddmm_tile)(s, kk, dy, lddy, x, ldx, dw, r0, r1, p, scale, 8);
  if (p + 4 * VW <= p1) {
    FN(sddmm_tile)(s, kk, dy, lddy, x, ldx, dw, r0, r1, p, scale, 4);
    p += 4 * VW;
  }
  if (p + 2 * VW <= p1) {
    FN(sddmm_tile)(s, kk, dy, lddy, x, ldx, dw, r0, r1, p, scale, 2);
    p += 2 * VW;
  }
  if (p + VW <= p1) {
    FN(sddmm_tile)(s, kk, dy, lddy, x, ldx, dw, r0, r1, p, scale, 1);
    p += VW;
  }
  if (p < p1) FN(sddmm_tail)(s, kk, dy, lddy, x, ldx, dw, r0, r1, p, p1, scale);
}

#include "sparse_tile_kernels.h"

#undef AI

/* The parameters above are per inclusion: the next one defines its own. */
#undef FN
#undef VW
#undef NVMAX
#undef vf
#undef VLOAD
#undef VSTORE
#undef VSET1
#undef VZERO
#undef VADD
#undef VMUL
#undef VFMA
#undef VHSUM
#undef VREDUCE4
