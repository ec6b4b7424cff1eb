/* test_nn_conv.c - cmocka tests of src/nn_conv.c against direct convolution
 * loops in double: forward, gradInput, gradWeight and gradBias for dense,
 * grouped, strided, padded, dilated and pointwise geometries, under every
 * plan (im2col and Winograd, batch-parallel and threaded sgemm, 1 to N
 * images per product, tiles of output rows);
 * parameter gradients accumulate with their scale; init rejects channels
 * not divisible by groups and plans within the batch. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv_winograd.h"
#include "nn_conv.h"
#include "parallel.h"

static float rnd(uint64_t *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (float)((*s >> 40) / (double)(1 << 24)) * 2.0f - 1.0f;
}

static float *rnd_array(int64_t n, uint64_t *s) {
  float *a = malloc((size_t)(n ? n : 1) * sizeof(float));
  for (int64_t i = 0; i < n; i++) a[i] = rnd(s);
  return a;
}

/* Direct loops: y = conv(x, w) + b; gx, gw, gb the gradients for gy. */
static void direct(const iddl_conv2d *s, const float *x, const float *w,
                   const float *b, const float *gy, double *y, double *gx,
                   double *gw, double *gb) {
  const iddl_conv_geom *g = &s->g;
  int64_t cg = g->C / s->groups, og = s->O / s->groups;
  for (int64_t n = 0; n < s->N; n++)
    for (int64_t o = 0; o < s->O; o++)
      for (int64_t oh = 0; oh < g->Ho; oh++)
        for (int64_t ow = 0; ow < g->Wo; ow++) {
          int64_t yi = ((n * s->O + o) * g->Ho + oh) * g->Wo + ow;
          double acc = b ? b[o] : 0.0;
          gb[o] += gy[yi];
          for (int64_t c = 0; c < cg; c++)
            for (int64_t i = 0; i < g->kh; i++)
              for (int64_t j = 0; j < g->kw; j++) {
                int64_t ih = oh * g->sh - g->ph + i * g->dh;
                int64_t iw = ow * g->sw - g->pw + j * g->dw;
                if (ih < 0 || ih >= g->H || iw < 0 || iw >= g->W) continue;
                int64_t ci = o / og * cg + c;
                int64_t xi = ((n * g->C + ci) * g->H + ih) * g->W + iw;
                int64_t wi = ((o * cg + c) * g->kh + i) * g->kw + j;
                acc += (double)w[wi] * x[xi];
                gx[xi] += (double)w[wi] * gy[yi];
                gw[wi] += (double)x[xi] * gy[yi];
              }
          y[yi] = acc;
        }
}

static void assert_close(const float *a, const double *e, int64_t n,
                         double scale) {
  for (int64_t i = 0; i < n; i++)
    if (fabs(a[i] - scale * e[i]) > 1e-4 * (1 + fabs(scale * e[i])))
      fail_msg("element %lld: got %.7g, expected %.7g", (long long)i, a[i],
               scale * e[i]);
}

/* N, C, H, W, O, kh, kw, sh, sw, ph, pw, dh, dw, groups (the 3x3 stride-1
 * ones run on Winograd too, with paddings 0, 1 and 2) */
static const int64_t CASES[][14] = {
    {3, 4, 7, 5, 6, 3, 3, 1, 1, 0, 0, 1, 1, 2},
    {2, 3, 5, 6, 2, 3, 3, 1, 1, 2, 2, 1, 1, 1},
    {4, 2, 1, 1, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {5, 3, 9, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {7, 4, 9, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2},
    {3, 5, 6, 5, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1},
    {6, 8, 5, 5, 8, 1, 1, 1, 1, 0, 0, 1, 1, 4},
    {4, 4, 9, 7, 6, 1, 1, 2, 2, 0, 0, 1, 1, 2},
    {9, 8, 4, 4, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8},
    {3, 6, 9, 7, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2},
    {5, 3, 9, 7, 2, 3, 1, 2, 1, 1, 0, 1, 1, 1},
    {1, 2, 5, 5, 3, 5, 5, 1, 1, 2, 2, 1, 1, 1},
    {8, 16, 2, 2, 16, 3, 3, 2, 2, 1, 1, 1, 1, 4},
};

static iddl_conv2d make(const int64_t *v, iddl_conv_algorithm a,
                        iddl_conv_threading t, int64_t chunk, int64_t tile) {
  iddl_conv2d s = {.g = {v[1], v[2], v[3], v[5], v[6], v[7], v[8], v[9], v[10],
                         v[11], v[12], 0, 0},
                   .N = v[0], .O = v[4], .groups = v[13], .threading = t,
                   .algorithm = a, .chunk = chunk, .tile = tile};
  iddl_err err;
  assert_int_equal(iddl_conv2d_init(&s, &err), 0);
  return s;
}

static void test_matches_direct_loops(void **state) {
  (void)state;
  uint64_t seed = 11;
  for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
    iddl_conv2d s = make(CASES[k], IDDL_CONV_IM2COL, IDDL_CONV_AUTO, 0, 0);
    int64_t nx = s.N * s.g.C * s.g.H * s.g.W, ny = s.N * s.O * s.g.Ho * s.g.Wo;
    int64_t nw = s.O * s.g.C / s.groups * s.g.kh * s.g.kw;
    float *x = rnd_array(nx, &seed), *w = rnd_array(nw, &seed),
          *b = rnd_array(s.O, &seed), *gy = rnd_array(ny, &seed);
    double *y = calloc((size_t)ny, sizeof(double)),
           *gx = calloc((size_t)nx, sizeof(double)),
           *gw = calloc((size_t)nw, sizeof(double)),
           *gb = calloc((size_t)s.O, sizeof(double));
    direct(&s, x, w, b, gy, y, gx, gw, gb);
    iddl_conv_threading modes[] = {IDDL_CONV_AUTO, IDDL_CONV_BATCH, IDDL_CONV_GEMM};
    /* chunk, tile: automatic, whole images, tiles of 1, 2 and 3 rows,
     * chunks of 2, 3 and N images */
    int64_t plans[][2] = {{0, 0}, {1, 0}, {1, 1}, {1, 2}, {1, 3}, {2, 0},
                          {3, 0}, {s.N, 0}};
    int algos = iddl_wino_fits(&s) ? 2 : 1;
    iddl_conv_algorithm algo[] = {IDDL_CONV_IM2COL, IDDL_CONV_WINOGRAD};
    for (int a = 0; a < algos; a++)
    for (int m = 0; m < 3; m++)
      for (int c = 0; c < 8; c++) {
        iddl_conv2d p = make(CASES[k], algo[a], modes[m], plans[c][0],
                             plans[c][1]);
        float *work = malloc((size_t)iddl_conv2d_workspace(&p) * sizeof(float));
        float *out = malloc((size_t)ny * sizeof(float)),
              *gin = malloc((size_t)nx * sizeof(float)),
              *gwt = calloc((size_t)nw, sizeof(float)),
              *gbt = calloc((size_t)s.O, sizeof(float));
        iddl_err err;
        assert_int_equal(iddl_conv2d_forward(&p, out, x, w, b, work, &err), 0);
        assert_close(out, y, ny, 1.0);
        /* twice with scale 0.75: the parameter gradients accumulate */
        for (int rep = 0; rep < 2; rep++)
          assert_int_equal(iddl_conv2d_backward(&p, gin, gwt, gbt, gy, x, w,
                                                0.75f, work, &err), 0);
        assert_close(gin, gx, nx, 1.0);
        assert_close(gwt, gw, nw, 1.5);
        assert_close(gbt, gb, s.O, 1.5);
        /* each gradient alone */
        memset(gwt, 0, (size_t)nw * sizeof(float));
        assert_int_equal(iddl_conv2d_backward(&p, NULL, gwt, NULL, gy, x, w,
                                              1.0f, work, &err), 0);
        assert_close(gwt, gw, nw, 1.0);
        assert_int_equal(iddl_conv2d_backward(&p, gin, NULL, NULL, gy, x, w,
                                              1.0f, work, &err), 0);
        assert_close(gin, gx, nx, 1.0);
        memset(gbt, 0, (size_t)s.O * sizeof(float));
        assert_int_equal(iddl_conv2d_backward(&p, NULL, NULL, gbt, gy, x, w,
                                              1.0f, work, &err), 0);
        assert_close(gbt, gb, s.O, 1.0);
        free(work); free(out); free(gin); free(gwt); free(gbt);
      }
    free(x); free(w); free(b); free(gy); free(y); free(gx); free(gw); free(gb);
  }
}

static void test_init_checks_and_plans(void **state) {
  (void)state;
  iddl_err err;
  iddl_conv2d s = {.g = {6, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0}, .N = 4, .O = 8,
                   .groups = 4};
  assert_int_equal(iddl_conv2d_init(&s, &err), -1);
  assert_non_null(strstr(err.msg, "input channels 6 not divisible by groups 4"));
  s.g.C = 8;
  s.O = 6;
  assert_int_equal(iddl_conv2d_init(&s, &err), -1);
  assert_non_null(strstr(err.msg, "output channels 6 not divisible by groups 4"));
  /* 4x4 outputs (16 columns) on a batch of 128: 16 images per product
   * (fewer if there are more than 8 threads), on Winograd */
  int threads = iddl_parallel_threads();
  s = (iddl_conv2d){.g = {512, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0}, .N = 128,
                    .O = 512, .groups = 1};
  assert_int_equal(iddl_conv2d_init(&s, &err), 0);
  assert_int_equal(s.nb, 128 / threads < 16 ? 128 / threads : 16);
  assert_int_equal(s.items, 128 / s.nb);
  assert_int_equal(s.winograd, 1);
  assert_int_equal(s.batch_parallel, threads > 1);
  /* 16 channels per group are too few for Winograd on 8x8 images */
  s.g = (iddl_conv_geom){256, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0};
  s.O = 256;
  s.groups = 16;
  assert_int_equal(iddl_conv2d_init(&s, &err), 0);
  assert_int_equal(s.winograd, 0);
  /* 32x32 outputs: one image per product, tiles of 8 rows; Winograd even
   * with 4 channels per group; a stride of 2 does not fit it */
  s.g = (iddl_conv_geom){64, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0};
  s.O = 64;
  s.groups = 16;
  assert_int_equal(iddl_conv2d_init(&s, &err), 0);
  assert_int_equal(s.nb, 1);
  assert_int_equal(s.rows, 8);
  assert_int_equal(s.items, 128);
  assert_int_equal(s.winograd, 1);
  s.groups = 1;
  s.g.sh = 2;
  assert_int_equal(iddl_conv2d_init(&s, &err), 0);
  assert_int_equal(s.winograd, 0);
  s.algorithm = IDDL_CONV_WINOGRAD;
  assert_int_equal(iddl_conv2d_init(&s, &err), -1);
  assert_non_null(strstr(err.msg, "Winograd needs a 3x3 kernel"));
  s.algorithm = IDDL_CONV_ALGO_AUTO;
  /* never more images per product than the batch holds */
  s.N = 1;
  s.g.sh = 1;
  s.g = (iddl_conv_geom){8, 2, 2, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0};
  assert_int_equal(iddl_conv2d_init(&s, &err), 0);
  assert_int_equal(s.nb, 1);
  assert_int_equal(s.slots, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_matches_direct_loops),
      cmocka_unit_test(test_init_checks_and_plans),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
