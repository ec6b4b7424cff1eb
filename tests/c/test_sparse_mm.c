/* test_sparse_mm.c - cmocka tests of src/sparse_mm.c: the pattern's two
 * indexes, and spmm / spmm_t / sddmm against dense double-precision
 * products for random masks (with empty rows and columns), kk = 1 and 9,
 * P around every tile width, leading dimensions larger than P, the
 * accumulate flag, sizes big enough to use the thread pool, the products
 * over batch tiles, and every instruction set the CPU has. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sparse_mm.h"

static const char *const ISAS[] = {"avx512", "avx2", "sse"};

static uint64_t g_state = 88172645463325252ull;

static double urand(void) { /* xorshift64, in [0, 1) */
  g_state ^= g_state << 13;
  g_state ^= g_state >> 7;
  g_state ^= g_state << 17;
  return (double)(g_state >> 11) / 9007199254740992.0;
}

static float *randn(int64_t n) {
  float *a = malloc((size_t)(n > 0 ? n : 1) * sizeof *a);
  for (int64_t i = 0; i < n; i++) a[i] = (float)(urand() * 2 - 1);
  return a;
}

/* A (rows, cols) mask of density d with row 0 and column cols-1 empty
 * (when there is more than one). */
static float *random_mask(int64_t rows, int64_t cols, double d) {
  float *m = malloc((size_t)(rows * cols) * sizeof *m);
  for (int64_t o = 0; o < rows; o++)
    for (int64_t c = 0; c < cols; c++)
      m[o * cols + c] = (rows > 1 && o == 0) || (cols > 1 && c == cols - 1)
                            ? 0.0f : (urand() < d ? 1.0f : 0.0f);
  return m;
}

/* The dense (rows, cols*kk) matrix of packed weights w (nnz, kk). */
static double *dense_of(const iddl_sparse_pattern *s, int64_t kk, const float *w) {
  double *d = calloc((size_t)(s->rows * s->cols * kk), sizeof *d);
  for (int64_t o = 0; o < s->rows; o++)
    for (int64_t j = s->row_ptr[o]; j < s->row_ptr[o + 1]; j++)
      for (int64_t t = 0; t < kk; t++)
        d[o * s->cols * kk + s->col[j] * kk + t] = w[j * kk + t];
  return d;
}

static void assert_near(double got, double want, double scale_of_terms, const char *what) {
  double tol = 1e-5 * scale_of_terms + 1e-6;
  if (fabs(got - want) > tol)
    fail_msg("%s: got %.9g, expected %.9g (tolerance %.3g)", what, got, want, tol);
}

/* Checks the three products for one mask shape, kk and P, on every ISA. */
static void check_products(int64_t rows, int64_t cols, double density,
                           int64_t kk, int64_t P) {
  float *mask = random_mask(rows, cols, density);
  iddl_sparse_pattern s;
  iddl_err err;
  assert_int_equal(iddl_sparse_pattern_init(&s, mask, rows, cols, &err), 0);
  int64_t K = cols * kk, ld = P + 3; /* ld > P: the padding must stay untouched */
  float *w = randn(s.nnz * kk), *x = randn(K * ld), *dy = randn(rows * ld);
  double *wd = dense_of(&s, kk, w);
  for (size_t isa = 0; isa < sizeof ISAS / sizeof *ISAS; isa++) {
    if (iddl_sparse_force_isa(ISAS[isa])) continue;
    /* spmm, overwrite then accumulate */
    float *y = randn(rows * ld), *pad = malloc((size_t)(rows * ld) * sizeof *pad);
    memcpy(pad, y, (size_t)(rows * ld) * sizeof *y);
    double *ref_y = calloc((size_t)(rows * P), sizeof *ref_y),
           *mag_y = calloc((size_t)(rows * P), sizeof *mag_y);
    iddl_spmm(&s, kk, w, x, ld, P, y, ld, 0);
    for (int64_t o = 0; o < rows; o++) {
      for (int64_t p = 0; p < P; p++) {
        double ref = 0, mag = 0;
        for (int64_t k = 0; k < K; k++) {
          ref += wd[o * K + k] * x[k * ld + p];
          mag += fabs(wd[o * K + k] * x[k * ld + p]);
        }
        assert_near(y[o * ld + p], ref, mag, ISAS[isa]);
        ref_y[o * P + p] = ref, mag_y[o * P + p] = mag;
      }
      for (int64_t p = P; p < ld; p++) assert_true(y[o * ld + p] == pad[o * ld + p]);
    }
    iddl_spmm(&s, kk, w, x, ld, P, y, ld, 1);
    for (int64_t o = 0; o < rows; o++)
      for (int64_t p = 0; p < P; p++)
        assert_near(y[o * ld + p], 2 * ref_y[o * P + p], 2 * mag_y[o * P + p],
                    "spmm accumulate");
    free(ref_y);
    free(mag_y);
    free(y);
    free(pad);

    /* spmm_t: dx = W^T dy, then += */
    float *dx = randn(K * ld);
    float pad_x = dx[P];
    iddl_spmm_t(&s, kk, w, dy, ld, P, dx, ld, 0);
    double *ref_t = calloc((size_t)(K * P), sizeof *ref_t),
           *mag_t = calloc((size_t)(K * P), sizeof *mag_t);
    for (int64_t k = 0; k < K; k++)
      for (int64_t p = 0; p < P; p++) {
        double ref = 0, mag = 0;
        for (int64_t o = 0; o < rows; o++) {
          ref += wd[o * K + k] * dy[o * ld + p];
          mag += fabs(wd[o * K + k] * dy[o * ld + p]);
        }
        assert_near(dx[k * ld + p], ref, mag, "spmm_t");
        ref_t[k * P + p] = ref, mag_t[k * P + p] = mag;
      }
    assert_true(dx[P] == pad_x);
    iddl_spmm_t(&s, kk, w, dy, ld, P, dx, ld, 1);
    for (int64_t k = 0; k < K; k++)
      for (int64_t p = 0; p < P; p++)
        assert_near(dx[k * ld + p], 2 * ref_t[k * P + p], 2 * mag_t[k * P + p],
                    "spmm_t accumulate");
    free(ref_t);
    free(mag_t);
    free(dx);

    /* sddmm: dw = dw0 + scale * (dy x^T) at the connections */
    float *dw = randn(s.nnz * kk), *dw0 = malloc((size_t)(s.nnz * kk + 1) * sizeof *dw0);
    memcpy(dw0, dw, (size_t)(s.nnz * kk) * sizeof *dw);
    iddl_sddmm(&s, kk, dy, ld, x, ld, P, 0.5f, dw);
    for (int64_t o = 0; o < rows; o++)
      for (int64_t j = s.row_ptr[o]; j < s.row_ptr[o + 1]; j++)
        for (int64_t t = 0; t < kk; t++) {
          double ref = 0, mag = 0;
          for (int64_t p = 0; p < P; p++) {
            double v = (double)dy[o * ld + p] * x[(s.col[j] * kk + t) * ld + p];
            ref += v, mag += fabs(v);
          }
          assert_near(dw[j * kk + t], dw0[j * kk + t] + 0.5 * ref,
                      0.5 * mag + fabs(dw0[j * kk + t]), "sddmm");
        }
    free(dw);
    free(dw0);
  }
  iddl_sparse_force_isa(NULL);
  free(wd);
  free(w);
  free(x);
  free(dy);
  free(mask);
  iddl_sparse_pattern_free(&s);
}

static void test_pattern_indexes(void **state) {
  (void)state;
  float mask[] = {1, 0, 1, 0,  /* (3, 4), column 2 (1-based) empty */
                  0, 0, 0, 0,  /* an empty row */
                  1, 0, 0, 1};
  iddl_sparse_pattern s;
  iddl_err err;
  assert_int_equal(iddl_sparse_pattern_init(&s, mask, 3, 4, &err), 0);
  assert_int_equal(s.nnz, 4);
  assert_int_equal(s.empty_rows, 1);
  int64_t rp[] = {0, 2, 2, 4}, cp[] = {0, 2, 2, 3, 4}, tc[] = {0, 2, 1, 3};
  int32_t col[] = {0, 2, 0, 3}, tr[] = {0, 2, 0, 2};
  assert_memory_equal(s.row_ptr, rp, sizeof rp);
  assert_memory_equal(s.col, col, sizeof col);
  assert_memory_equal(s.col_ptr, cp, sizeof cp);
  assert_memory_equal(s.t_row, tr, sizeof tr);
  assert_memory_equal(s.t_conn, tc, sizeof tc);
  iddl_sparse_pattern_free(&s);
  iddl_sparse_pattern_free(&s); /* a freed pattern is safe to free again */
}

static void test_pattern_errors(void **state) {
  (void)state;
  iddl_sparse_pattern s;
  iddl_err err;
  float bad[] = {1, 0, 0.5f, 1};
  assert_int_equal(iddl_sparse_pattern_init(&s, bad, 2, 2, &err), -1);
  assert_non_null(strstr(err.msg, "mask entry (2, 1) is 0.5, expected 0 or 1"));
  assert_null(s.row_ptr);
  float one = 1;
  assert_int_equal(iddl_sparse_pattern_init(&s, &one, 0, 1, &err), -1);
  assert_non_null(strstr(err.msg, "at least 1x1"));
  float zeros[6] = {0};
  assert_int_equal(iddl_sparse_pattern_init(&s, zeros, 2, 3, &err), 0);
  assert_int_equal(s.nnz, 0);
  assert_int_equal(s.empty_rows, 2);
  float y[2 * 5];
  for (int i = 0; i < 10; i++) y[i] = 7;
  float w = 0, x[3 * 5] = {0};
  iddl_spmm(&s, 1, &w, x, 5, 5, y, 5, 0); /* no connection: zeros */
  for (int i = 0; i < 10; i++) assert_true(y[i] == 0);
  iddl_sparse_pattern_free(&s);
}

static void test_isa_selection(void **state) {
  (void)state;
  assert_int_equal(iddl_sparse_force_isa("sse"), 0);
  assert_string_equal(iddl_sparse_isa(), "sse");
  assert_int_equal(iddl_sparse_force_isa("mmx"), -1);
  assert_string_equal(iddl_sparse_isa(), "sse");
  assert_int_equal(iddl_sparse_force_isa(NULL), 0);
}

static void test_kk1_small_p(void **state) {
  (void)state;
  int64_t ps[] = {1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 129, 257};
  for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) check_products(7, 11, 0.4, 1, ps[i]);
}

static void test_kk9(void **state) {
  (void)state;
  int64_t ps[] = {1, 5, 16, 37, 64, 100, 130};
  for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) check_products(6, 5, 0.5, 9, ps[i]);
}

static void test_other_kk(void **state) {
  (void)state;
  check_products(5, 4, 0.6, 2, 40);
  check_products(4, 6, 0.6, 5, 21);
  check_products(1, 1, 1.0, 3, 18);  /* a single connection */
}

static void test_threaded_sizes(void **state) {
  (void)state;
  check_products(100, 100, 0.5, 9, 100); /* > 2M MACs: rows / columns split */
  check_products(24, 20, 0.5, 9, 2001);  /* P split (sddmm: rows) */
  check_products(64, 784, 0.05, 1, 250); /* a sparse linear layer */
}

/* The batch-tile products (iddl_spmm_tile, iddl_spmm_t_tile,
 * iddl_sddmm_tiles) for `tiles` tiles of 16 lanes on every ISA, against
 * dense double-precision products. The sddmm covers tile counts that take
 * every chunk size of every ISA's register budget. */
static void check_tiles(int64_t rows, int64_t cols, double density, int64_t tiles) {
  enum { L = IDDL_SPARSE_TILE };
  float *mask = random_mask(rows, cols, density);
  iddl_sparse_pattern s;
  iddl_err err;
  assert_int_equal(iddl_sparse_pattern_init(&s, mask, rows, cols, &err), 0);
  float *w = randn(s.nnz), *xt = randn(tiles * cols * L), *gt = randn(tiles * rows * L);
  double *wd = dense_of(&s, 1, w);
  float *yt = malloc((size_t)(rows * L) * sizeof *yt), *gxt = malloc((size_t)(cols * L) * sizeof *gxt);
  float *dw = malloc((size_t)(s.nnz + 1) * sizeof *dw), *wt = malloc((size_t)(s.nnz + 1) * sizeof *wt);
  for (size_t isa = 0; isa < sizeof ISAS / sizeof *ISAS; isa++) {
    if (iddl_sparse_force_isa(ISAS[isa])) continue;
    iddl_spmm_tile(&s, w, xt, yt); /* tile 0 */
    iddl_sparse_by_input(&s, 1, w, wt);
    iddl_spmm_t_tile(&s, wt, gt, gxt);
    for (int64_t b = 0; b < L; b++) {
      for (int64_t o = 0; o < rows; o++) {
        double ref = 0, mag = 0;
        for (int64_t c = 0; c < cols; c++) {
          ref += wd[o * cols + c] * xt[c * L + b];
          mag += fabs(wd[o * cols + c] * xt[c * L + b]);
        }
        assert_near(yt[o * L + b], ref, mag, "spmm_tile");
      }
      for (int64_t c = 0; c < cols; c++) {
        double ref = 0, mag = 0;
        for (int64_t o = 0; o < rows; o++) {
          ref += wd[o * cols + c] * gt[o * L + b];
          mag += fabs(wd[o * cols + c] * gt[o * L + b]);
        }
        assert_near(gxt[c * L + b], ref, mag, "spmm_t_tile");
      }
    }
    for (int64_t j = 0; j < s.nnz; j++) dw[j] = 1.0f;
    iddl_sddmm_tiles(&s, gt, xt, tiles, 1, rows, 0.5f, dw); /* rows 1.. only */
    for (int64_t o = 0; o < rows; o++)
      for (int64_t j = s.row_ptr[o]; j < s.row_ptr[o + 1]; j++) {
        double ref = 0, mag = 0;
        for (int64_t t = 0; t < tiles; t++)
          for (int64_t b = 0; b < L; b++) {
            double v = (double)gt[(t * rows + o) * L + b] * xt[(t * cols + s.col[j]) * L + b];
            ref += v, mag += fabs(v);
          }
        if (o == 0) assert_true(dw[j] == 1.0f);
        else assert_near(dw[j], 1.0 + 0.5 * ref, 0.5 * mag + 1, "sddmm_tiles");
      }
  }
  iddl_sparse_force_isa(NULL);
  free(mask);
  free(w);
  free(xt);
  free(gt);
  free(wd);
  free(yt);
  free(gxt);
  free(dw);
  free(wt);
  iddl_sparse_pattern_free(&s);
}

static void test_batch_tiles(void **state) {
  (void)state;
  int64_t tiles[] = {1, 2, 3, 5, 8, 15, 16, 17, 31};
  for (size_t i = 0; i < sizeof tiles / sizeof *tiles; i++)
    check_tiles(9, 13, 0.4, tiles[i]);
  check_tiles(49, 784, 1.0 / 28, 2); /* a B-MLP layer: long rows */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pattern_indexes),
      cmocka_unit_test(test_pattern_errors),
      cmocka_unit_test(test_isa_selection),
      cmocka_unit_test(test_kk1_small_p),
      cmocka_unit_test(test_kk9),
      cmocka_unit_test(test_other_kk),
      cmocka_unit_test(test_threaded_sizes),
      cmocka_unit_test(test_batch_tiles),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
