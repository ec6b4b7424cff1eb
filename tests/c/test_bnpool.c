/* test_bnpool.c - cmocka tests of the batch norm and pooling kernels below
 * the Lua glue: output sizes and argument errors (PyTorch's rules), windows
 * without any input position, indices outside the plane, the batch norm
 * contract errors and statistics, and the parallel for's coverage. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "nn_batchnorm.h"
#include "nn_pool.h"
#include "parallel.h"

/* A max/avg pooling window with the same settings in both directions. */
static iddl_pool2d square(int64_t k, int64_t s, int64_t p, int64_t d, int ceil) {
  return (iddl_pool2d){k, k, s, s, p, p, d, d, ceil, 1};
}

static void test_out_size(void **state) {
  (void)state;
  /* {in, k, s, p, d, ceil, expected out} checked against torch 1.13 */
  static const int64_t cases[][7] = {
      {5, 2, 2, 0, 1, 0, 2}, {5, 2, 2, 0, 1, 1, 3}, {5, 2, 2, 1, 1, 1, 3},
      {5, 3, 2, 1, 1, 1, 3}, {2, 3, 2, 1, 1, 1, 2}, {8, 3, 2, 1, 1, 0, 4},
      {8, 3, 2, 1, 1, 1, 5}, {7, 3, 1, 1, 2, 0, 5}, {5, 4, 1, 2, 2, 0, 3},
      {7, 2, 2, 1, 1, 1, 4}, {6, 3, 3, 0, 1, 1, 2}, {1, 1, 1, 0, 1, 0, 1}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const int64_t *c = cases[i];
    iddl_pool2d p = square(c[1], c[2], c[3], c[4], (int)c[5]);
    int64_t oh, ow;
    iddl_err err;
    assert_int_equal(iddl_pool2d_out_size(&p, c[0], c[0], &oh, &ow, &err), 0);
    assert_int_equal(oh, c[6]);
    assert_int_equal(ow, c[6]);
  }
}

static void test_out_size_errors(void **state) {
  (void)state;
  int64_t oh, ow;
  iddl_err err;
  iddl_pool2d bad_pad = square(3, 1, 2, 1, 0);
  assert_int_equal(iddl_pool2d_out_size(&bad_pad, 5, 5, &oh, &ow, &err), -1);
  assert_non_null(strstr(err.msg, "padding 2x2 must be between 0 and half"));
  iddl_pool2d too_big = square(6, 6, 0, 1, 0);
  assert_int_equal(iddl_pool2d_out_size(&too_big, 5, 5, &oh, &ow, &err), -1);
  assert_non_null(strstr(err.msg, "input plane 5x5 gives output size 0x0, too small"));
  iddl_pool2d zero_stride = square(2, 0, 0, 1, 0);
  assert_int_equal(iddl_pool2d_out_size(&zero_stride, 5, 5, &oh, &ow, &err), -1);
  assert_non_null(strstr(err.msg, "stride must be positive"));
  iddl_pool2d zero_dil = square(2, 1, 0, 0, 0);
  assert_int_equal(iddl_pool2d_out_size(&zero_dil, 5, 5, &oh, &ow, &err), -1);
  assert_non_null(strstr(err.msg, "dilation must be positive"));
}

/* W = 1, kernel 2, dilation 2, padding 1: the taps are at -1 and 1, both
 * outside the plane. The output is -inf (as in torch 1.13) with no index,
 * and backward adds
 * nothing (nor for indices beyond the plane). */
static void test_max_window_without_input(void **state) {
  (void)state;
  iddl_pool2d p = {1, 2, 1, 1, 0, 1, 1, 2, 0, 1};
  int64_t oh, ow;
  iddl_err err;
  assert_int_equal(iddl_pool2d_out_size(&p, 3, 1, &oh, &ow, &err), 0);
  assert_int_equal(oh, 3);
  assert_int_equal(ow, 1);
  float x[3] = {1, 2, 3}, y[3], idx[3], gi[3], g[3] = {1, 1, 1};
  iddl_maxpool2d_forward(y, idx, x, 1, 3, 1, oh, ow, &p);
  for (int i = 0; i < 3; i++) {
    assert_true(isinf(y[i]) && y[i] < 0);
    assert_true(idx[i] == 0.0f);
  }
  float wild[3] = {4, -1, 2};
  iddl_maxpool2d_backward(gi, g, wild, 1, 3, 1, 3, 1);
  assert_true(gi[0] == 0.0f && gi[1] == 1.0f && gi[2] == 0.0f);
}

static void test_batchnorm_contract(void **state) {
  (void)state;
  float x[4] = {1, 2, 3, 4}, y[4], sm[2], si[2], rm[2] = {0, 0}, rv[2] = {1, 1};
  iddl_err err;
  /* (N=1, C=2, S=1): one value per channel cannot be normalised */
  assert_int_equal(iddl_batchnorm_forward(y, sm, si, rm, rv, x, NULL, NULL, 1,
                                          2, 1, 1, 0.1, 1e-5, 0, &err), -1);
  assert_non_null(strstr(err.msg, "expected more than 1 value per channel"));
  assert_int_equal(iddl_batchnorm_forward(y, sm, si, NULL, NULL, x, NULL, NULL,
                                          2, 2, 1, 0, 0.1, 1e-5, 0, &err), -1);
  assert_non_null(strstr(err.msg, "needs the running statistics"));
  assert_int_equal(iddl_batchnorm_forward(y, sm, si, rm, NULL, x, NULL, NULL, 2,
                                          2, 1, 1, 0.1, 1e-5, 0, &err), -1);
  /* (N=2, C=2, S=1): channel 0 holds 1, 3; channel 1 holds 2, 4 */
  assert_int_equal(iddl_batchnorm_forward(y, sm, si, rm, rv, x, NULL, NULL, 2,
                                          2, 1, 1, 0.5, 0.0, 0, &err), 0);
  assert_float_equal(sm[0], 2.0, 1e-6);
  assert_float_equal(sm[1], 3.0, 1e-6);
  assert_float_equal(si[0], 1.0, 1e-6); /* biased variance 1 */
  assert_float_equal(y[0], -1.0, 1e-6);
  assert_float_equal(y[3], 1.0, 1e-6);
  assert_float_equal(rm[1], 1.5, 1e-6);        /* 0.5 * 0 + 0.5 * 3 */
  assert_float_equal(rv[0], 0.5 + 0.5 * 2.0, 1e-6); /* unbiased variance 2 */
}

/* Every index of [0, n) is visited exactly once, whatever the split. */
static int64_t g_hits[1000];

static void mark(void *ctx, int64_t begin, int64_t end) {
  (void)ctx;
  for (int64_t i = begin; i < end; i++) __atomic_add_fetch(&g_hits[i], 1, __ATOMIC_RELAXED);
}

static void test_parallel_for_covers(void **state) {
  (void)state;
  static const int64_t ns[] = {0, 1, 2, 3, 7, 1000};
  static const double min_work[] = {1, 100, 1e9};
  for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
    for (size_t b = 0; b < sizeof min_work / sizeof min_work[0]; b++) {
      memset(g_hits, 0, sizeof g_hits);
      iddl_parallel_for_work(ns[a], 1000.0 * ns[a], min_work[b], mark, NULL);
      for (int64_t i = 0; i < 1000; i++)
        assert_int_equal(g_hits[i], i < ns[a] ? 1 : 0);
    }
  assert_true(iddl_parallel_threads() >= 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_out_size),
      cmocka_unit_test(test_out_size_errors),
      cmocka_unit_test(test_max_window_without_input),
      cmocka_unit_test(test_batchnorm_contract),
      cmocka_unit_test(test_parallel_for_covers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
