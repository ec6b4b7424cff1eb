/* test_conv_im2col.c - cmocka tests of src/conv_im2col.c: im2col equals its
 * defining formula (direct loops with bounds checks) on many geometries,
 * channel ranges and leading dimensions; col2im is its adjoint
 * (<im2col(x), y> == <x, col2im(y)>), overwrites or accumulates as asked and
 * leaves other channels alone; the batched forms equal one call per image;
 * iddl_conv_geom_init computes Ho, Wo and rejects bad geometries. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv_im2col.h"

/* Deterministic values in [-1, 1). */
static float rnd(uint64_t *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (float)((*s >> 40) / (double)(1 << 24)) * 2.0f - 1.0f;
}

static float *rnd_array(int64_t n, uint64_t *s) {
  float *a = malloc((size_t)(n ? n : 1) * sizeof(float));
  for (int64_t i = 0; i < n; i++) a[i] = rnd(s);
  return a;
}

/* The value im2col must put at (row, column) by definition. */
static float expected(const iddl_conv_geom *g, const float *im, int64_t c0,
                      int64_t row, int64_t col) {
  int64_t c = c0 + row / (g->kh * g->kw), i = row / g->kw % g->kh,
          j = row % g->kw, oh = col / g->Wo, ow = col % g->Wo;
  int64_t ih = oh * g->sh - g->ph + i * g->dh, iw = ow * g->sw - g->pw + j * g->dw;
  if (ih < 0 || ih >= g->H || iw < 0 || iw >= g->W) return 0.0f;
  return im[(c * g->H + ih) * g->W + iw];
}

/* Geometries: C, H, W, kh, kw, sh, sw, ph, pw, dh, dw. */
static const int64_t GEOMS[][11] = {
    {3, 9, 7, 3, 3, 1, 1, 1, 1, 1, 1}, {2, 9, 7, 3, 3, 2, 2, 1, 1, 1, 1},
    {2, 5, 6, 5, 5, 1, 1, 2, 2, 1, 1}, {4, 9, 7, 1, 1, 1, 1, 0, 0, 1, 1},
    {4, 9, 7, 1, 1, 2, 2, 0, 0, 1, 1}, {3, 9, 7, 3, 1, 2, 1, 1, 0, 1, 1},
    {3, 9, 7, 1, 3, 1, 2, 0, 2, 1, 1}, {2, 9, 7, 3, 3, 1, 1, 2, 2, 2, 2},
    {2, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1},
    {2, 3, 3, 3, 3, 3, 3, 2, 2, 1, 1}, {2, 6, 5, 2, 3, 2, 3, 3, 1, 2, 1},
    {3, 0, 4, 1, 3, 1, 1, 1, 1, 1, 1},
    /* wide stride-2 rows: outputs in two and three vectors of 16 */
    {2, 5, 40, 3, 3, 2, 2, 1, 1, 1, 1}, {2, 4, 67, 3, 3, 1, 2, 2, 3, 1, 2},
};
#define NGEOMS (sizeof GEOMS / sizeof GEOMS[0])

static iddl_conv_geom geom(int k) {
  const int64_t *v = GEOMS[k];
  iddl_conv_geom g = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8],
                      v[9], v[10], 0, 0};
  iddl_err err;
  assert_int_equal(iddl_conv_geom_init(&g, &err), 0);
  return g;
}

static void test_im2col_matches_definition(void **state) {
  (void)state;
  uint64_t seed = 1;
  for (size_t k = 0; k < NGEOMS; k++) {
    iddl_conv_geom g = geom((int)k);
    int64_t hw = g.Ho * g.Wo, kk = g.kh * g.kw;
    float *im = rnd_array(g.C * g.H * g.W, &seed);
    /* every channel range, with an extra 5 columns of padding in ld */
    for (int64_t c0 = 0; c0 < g.C; c0++)
      for (int64_t nc = 1; c0 + nc <= g.C; nc++) {
        int64_t ld = hw + 5, rows = nc * kk;
        float *col = malloc((size_t)(rows * ld) * sizeof(float));
        for (int64_t i = 0; i < rows * ld; i++) col[i] = 99.0f;
        iddl_im2col(&g, im, c0, nc, col, ld);
        for (int64_t r = 0; r < rows; r++) {
          for (int64_t q = 0; q < hw; q++)
            assert_true(col[r * ld + q] == expected(&g, im, c0, r, q));
          for (int64_t q = hw; q < ld; q++) assert_true(col[r * ld + q] == 99.0f);
        }
        free(col);
      }
    free(im);
  }
}

static double dot(const float *a, const float *b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; i++) s += (double)a[i] * b[i];
  return s;
}

static void test_col2im_is_the_adjoint(void **state) {
  (void)state;
  uint64_t seed = 2;
  for (size_t k = 0; k < NGEOMS; k++) {
    iddl_conv_geom g = geom((int)k);
    int64_t hw = g.Ho * g.Wo, rows = g.C * g.kh * g.kw, n = g.C * g.H * g.W;
    float *x = rnd_array(n, &seed), *y = rnd_array(rows * hw, &seed);
    float *ax = malloc((size_t)(rows * hw) * sizeof(float));
    float *aty = rnd_array(n, &seed); /* garbage that must be overwritten */
    iddl_im2col(&g, x, 0, g.C, ax, hw);
    iddl_col2im(&g, y, hw, 0, g.C, aty, 0);
    double lhs = dot(ax, y, rows * hw), rhs = dot(x, aty, n);
    assert_true(fabs(lhs - rhs) <= 1e-4 * (1 + fabs(lhs)));
    free(x); free(y); free(ax); free(aty);
  }
}

/* col2im by its definition: every col entry added onto its source pixel. */
static void test_col2im_ranges_and_accumulate(void **state) {
  (void)state;
  uint64_t seed = 3;
  for (size_t k = 0; k < NGEOMS; k++) {
    iddl_conv_geom g = geom((int)k);
    if (g.C < 2) continue;
    int64_t hw = g.Ho * g.Wo, kk = g.kh * g.kw, n = g.C * g.H * g.W;
    int64_t c0 = 1, nc = g.C - 1, ld = hw + 3;
    float *col = rnd_array(nc * kk * ld, &seed), *im = rnd_array(n, &seed);
    float *before = malloc((size_t)(n ? n : 1) * sizeof(float));
    double *want = calloc((size_t)(n ? n : 1), sizeof(double));
    memcpy(before, im, (size_t)n * sizeof(float));
    for (int64_t r = 0; r < nc * kk; r++)
      for (int64_t q = 0; q < hw; q++) {
        int64_t c = c0 + r / kk, i = r / g.kw % g.kh, j = r % g.kw;
        int64_t ih = q / g.Wo * g.sh - g.ph + i * g.dh,
                iw = q % g.Wo * g.sw - g.pw + j * g.dw;
        if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W)
          want[(c * g.H + ih) * g.W + iw] += col[r * ld + q];
      }
    for (int acc = 0; acc <= 1; acc++) {
      memcpy(im, before, (size_t)n * sizeof(float));
      iddl_col2im(&g, col, ld, c0, nc, im, acc);
      for (int64_t p = 0; p < n; p++) {
        int64_t c = p / (g.H * g.W);
        double w = c < c0 ? before[p] : want[p] + (acc ? before[p] : 0.0);
        assert_true(fabs(im[p] - w) <= 1e-5);
      }
    }
    free(col); free(im); free(before); free(want);
  }
}

/* The batched forms equal one call per image, on tiles of output rows. */
static void test_batch_equals_per_image(void **state) {
  (void)state;
  uint64_t seed = 4;
  const int64_t nimg = 3;
  for (size_t k = 0; k < NGEOMS; k++) {
    iddl_conv_geom g = geom((int)k);
    int64_t chw = g.C * g.H * g.W, rows = g.C * g.kh * g.kw;
    for (int64_t oh0 = 0; oh0 < g.Ho; oh0 += 2) {
      int64_t oh1 = oh0 + 2 < g.Ho ? oh0 + 2 : g.Ho, n = (oh1 - oh0) * g.Wo;
      int64_t ld = nimg * n + 5;
      float *im = rnd_array(nimg * chw, &seed);
      float *col = rnd_array(rows * ld, &seed), *one = rnd_array(rows * n, &seed);
      iddl_im2col_batch(&g, im, nimg, 0, g.C, oh0, oh1, col, ld);
      for (int64_t b = 0; b < nimg; b++) {
        iddl_im2col_rows(&g, im + b * chw, 0, g.C, oh0, oh1, one, n);
        for (int64_t r = 0; r < rows; r++)
          for (int64_t q = 0; q < n; q++)
            assert_true(col[r * ld + b * n + q] == one[r * n + q]);
      }
      float *a = rnd_array(nimg * chw, &seed);
      float *e = malloc((size_t)(nimg * chw > 0 ? nimg * chw : 1) * sizeof(float));
      memcpy(e, a, (size_t)(nimg * chw) * sizeof(float));
      iddl_col2im_batch(&g, col, ld, nimg, 0, g.C, oh0, oh1, a);
      for (int64_t b = 0; b < nimg; b++)
        iddl_col2im_rows(&g, col + b * n, ld, 0, g.C, oh0, oh1, e + b * chw);
      for (int64_t p = 0; p < nimg * chw; p++) assert_true(fabs(a[p] - e[p]) <= 1e-6);
      free(im); free(col); free(one); free(a); free(e);
    }
  }
}

static void test_geometry(void **state) {
  (void)state;
  iddl_err err;
  iddl_conv_geom g = {64, 32, 32, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0};
  assert_int_equal(iddl_conv_geom_init(&g, &err), 0);
  assert_int_equal(g.Ho, 16);
  assert_int_equal(g.Wo, 16);
  g = (iddl_conv_geom){2, 9, 7, 3, 1, 2, 1, 2, 0, 2, 1, 0, 0};
  assert_int_equal(iddl_conv_geom_init(&g, &err), 0);
  assert_int_equal(g.Ho, 5); /* (9 + 4 - 5) / 2 + 1 */
  assert_int_equal(g.Wo, 7);
  struct { iddl_conv_geom g; const char *msg; } bad[] = {
      {{2, 4, 4, 5, 5, 1, 1, 0, 0, 1, 1, 0, 0}, "larger than the padded input 4x4"},
      {{2, 4, 4, 3, 3, 1, 1, 0, 0, 2, 2, 0, 0}, "(5x5 dilated)"},
      {{2, 4, 4, 3, 3, 0, 1, 0, 0, 1, 1, 0, 0}, "stride must be positive"},
      {{2, 4, 4, 3, 3, 1, 1, 0, 0, 1, 0, 0, 0}, "dilation must be positive"},
      {{2, 4, 4, 3, 3, 1, 1, -1, 0, 1, 1, 0, 0}, "padding must be non-negative"},
      {{2, 4, 4, 0, 3, 1, 1, 0, 0, 1, 1, 0, 0}, "kernel size must be positive"},
      {{2, -1, 4, 3, 3, 1, 1, 0, 0, 1, 1, 0, 0}, "negative image size"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(iddl_conv_geom_init(&bad[i].g, &err), -1);
    assert_non_null(strstr(err.msg, bad[i].msg));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_im2col_matches_definition),
      cmocka_unit_test(test_col2im_is_the_adjoint),
      cmocka_unit_test(test_col2im_ranges_and_accumulate),
      cmocka_unit_test(test_batch_equals_per_image),
      cmocka_unit_test(test_geometry),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
