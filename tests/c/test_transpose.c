/* test_transpose.c - cmocka tests of src/transpose.c: every shape around the
 * block sizes, leading dimensions larger than the width (padding left
 * untouched), and a matrix large enough to be split over threads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "transpose.h"

/* Transposes a (rows, cols) matrix with padded rows and checks every value
 * and that the padding of dst is untouched. */
static void check(int64_t rows, int64_t cols) {
  int64_t lds = cols + 2, ldd = rows + 5;
  float *src = malloc((size_t)(rows * lds) * sizeof *src);
  float *dst = malloc((size_t)(cols * ldd) * sizeof *dst);
  for (int64_t i = 0; i < rows * lds; i++) src[i] = (float)i;
  for (int64_t i = 0; i < cols * ldd; i++) dst[i] = -1;
  iddl_transpose_2d(dst, ldd, src, lds, rows, cols);
  for (int64_t c = 0; c < cols; c++)
    for (int64_t r = 0; r < ldd; r++) {
      float want = r < rows ? src[r * lds + c] : -1;
      if (dst[c * ldd + r] != want)
        fail_msg("%lldx%lld: dst[%lld][%lld] = %g, expected %g", (long long)rows,
                 (long long)cols, (long long)c, (long long)r,
                 (double)dst[c * ldd + r], (double)want);
    }
  free(src);
  free(dst);
}

static void test_small_shapes(void **state) {
  (void)state;
  for (int64_t r = 1; r <= 19; r++)
    for (int64_t c = 1; c <= 19; c++) check(r, c);
}

static void test_layer_shapes(void **state) {
  (void)state;
  check(32, 784);
  check(784, 32);
  check(256, 784);
  check(1100, 1000); /* threaded */
  check(1000, 131);
}

static void test_empty_is_noop(void **state) {
  (void)state;
  float d = 3;
  iddl_transpose_2d(&d, 1, NULL, 1, 0, 5);
  iddl_transpose_2d(&d, 1, NULL, 1, 5, 0);
  assert_true(d == 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_small_shapes),
      cmocka_unit_test(test_layer_shapes),
      cmocka_unit_test(test_empty_is_noop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
