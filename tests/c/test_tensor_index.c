/* test_tensor_index.c - cmocka tests of src/tensor_index.c: index_select on
 * contiguous and strided operands against a direct loop, its errors (out
 * left untouched), and the seeded permutations. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tensor_index.h"
#include "tensor_ops.h"

/* A new contiguous tensor of the given shape holding 0, 1, 2, ... */
static iddl_tensor arange(int ndim, const int64_t *size) {
  iddl_tensor t = {0};
  assert_int_equal(iddl_tensor_alloc(&t, ndim, size, NULL), 0);
  for (int64_t i = 0; i < iddl_numel(&t); i++) iddl_data(&t)[i] = (float)i;
  return t;
}

/* A 1-D tensor holding the n given values. */
static iddl_tensor list(int n, const float *v) {
  iddl_tensor t = {0};
  assert_int_equal(iddl_tensor_alloc(&t, 1, (int64_t[]){n}, NULL), 0);
  if (n) memcpy(iddl_data(&t), v, sizeof(float) * (size_t)n);
  return t;
}

/* Element (i, j, k) of a 3-D view. */
static float at3(const iddl_tensor *t, int64_t i, int64_t j, int64_t k) {
  return iddl_data(t)[i * t->stride[0] + j * t->stride[1] + k * t->stride[2]];
}

/* index_select(t, dim, idx) of a 3-D t, compared with a direct loop. */
static void check_select(const iddl_tensor *t, int dim, int n, const float *v) {
  iddl_tensor idx = list(n, v), out = {0};
  iddl_err err;
  int ndim;
  int64_t size[IDDL_MAX_DIMS];
  assert_int_equal(iddl_index_select_shape(t, dim, &idx, &ndim, size, &err), 0);
  assert_int_equal(size[dim], n);
  assert_int_equal(iddl_tensor_alloc(&out, ndim, size, NULL), 0);
  if (iddl_index_select(&out, t, dim, &idx, &err)) fail_msg("%s", err.msg);
  for (int64_t i = 0; i < size[0]; i++)
    for (int64_t j = 0; j < size[1]; j++)
      for (int64_t k = 0; k < size[2]; k++) {
        int64_t p[3] = {i, j, k};
        p[dim] = (int64_t)v[p[dim]] - 1;
        assert_true(at3(&out, i, j, k) == at3(t, p[0], p[1], p[2]));
      }
  iddl_tensor_release(&out);
  iddl_tensor_release(&idx);
}

static void test_select_contiguous(void **state) {
  iddl_tensor t = arange(3, (int64_t[]){5, 3, 4});
  check_select(&t, 0, 4, (float[]){5, 1, 1, 3});
  check_select(&t, 1, 2, (float[]){3, 2});
  check_select(&t, 2, 5, (float[]){4, 4, 1, 2, 3});
  check_select(&t, 0, 0, NULL);
  iddl_tensor_release(&t);
}

static void test_select_strided(void **state) {
  iddl_tensor t = arange(3, (int64_t[]){5, 3, 4}), tt = {0};
  assert_int_equal(iddl_transpose(&tt, &t, 0, 2, NULL), 0); /* (4, 3, 5) */
  check_select(&tt, 0, 3, (float[]){4, 2, 2});
  check_select(&tt, 2, 3, (float[]){5, 1, 3});
  iddl_tensor_release(&tt);
  iddl_tensor_release(&t);
}

/* Every failure leaves out as it was and says what was wrong. */
static void test_select_errors(void **state) {
  iddl_tensor t = arange(2, (int64_t[]){3, 2}), out = {0};
  iddl_err err;
  assert_int_equal(iddl_tensor_alloc(&out, 2, (int64_t[]){2, 2}, NULL), 0);
  iddl_fill(&out, -7);
  iddl_tensor bad = list(2, (float[]){1, 4});
  assert_int_not_equal(iddl_index_select(&out, &t, 0, &bad, &err), 0);
  assert_string_equal(err.msg, "index_select: index 4 (position 2 of the "
                      "indices) is out of range 1..3 for dimension 1 of a "
                      "tensor of shape 3x2");
  for (int i = 0; i < 4; i++) assert_true(iddl_data(&out)[i] == -7);
  iddl_data(&bad)[1] = 0;
  assert_int_not_equal(iddl_index_select(&out, &t, 0, &bad, &err), 0);
  assert_non_null(strstr(err.msg, "index 0 (position 2"));
  iddl_data(&bad)[1] = 1.5f;
  assert_int_not_equal(iddl_index_select(&out, &t, 0, &bad, &err), 0);
  assert_string_equal(err.msg, "index_select: index 1.5 (position 2 of the "
                      "indices) is not an integer");
  iddl_data(&bad)[1] = 2;
  assert_int_not_equal(iddl_index_select(&out, &t, 1, &bad, &err), 0);
  assert_string_equal(err.msg, "index_select: out has shape 2x2, expected "
                      "3x2");
  assert_int_not_equal(iddl_index_select(&out, &t, 2, &bad, &err), 0);
  assert_string_equal(err.msg, "index_select: dimension 3 out of range for a "
                      "tensor of shape 3x2");
  assert_int_not_equal(iddl_index_select(&out, &t, 0, &t, &err), 0);
  assert_string_equal(err.msg, "index_select: the indices must be a 1-D "
                      "tensor, got shape 3x2");
  iddl_tensor view = {0};
  assert_int_equal(iddl_narrow(&view, &t, 0, 0, 2, NULL), 0);
  assert_int_not_equal(iddl_index_select(&view, &t, 0, &bad, &err), 0);
  assert_string_equal(err.msg, "index_select: out must not share storage "
                      "with the input or the indices");
  iddl_tensor_release(&view);
  iddl_tensor_release(&bad);
  iddl_tensor_release(&out);
  iddl_tensor_release(&t);
}

/* Sorted copy check: perm holds each of 1..n once. */
static void assert_permutation(const iddl_tensor *perm) {
  int64_t n = perm->size[0];
  char *seen = calloc((size_t)n + 1, 1);
  assert_non_null(seen);
  for (int64_t i = 0; i < n; i++) {
    float v = iddl_data(perm)[i * perm->stride[0]];
    assert_true(v >= 1 && v <= (float)n && v == (float)(int64_t)v);
    assert_int_equal(seen[(int64_t)v], 0);
    seen[(int64_t)v] = 1;
  }
  free(seen);
}

static void test_permutation(void **state) {
  iddl_tensor a = {0}, b = {0}, c = {0};
  iddl_err err;
  int64_t n = 1000;
  assert_int_equal(iddl_tensor_alloc(&a, 1, &n, NULL), 0);
  assert_int_equal(iddl_tensor_alloc(&b, 1, &n, NULL), 0);
  assert_int_equal(iddl_seeded_permutation(&a, 42, 1, &err), 0);
  assert_int_equal(iddl_seeded_permutation(&b, 42, 1, &err), 0);
  assert_permutation(&a);
  assert_memory_equal(iddl_data(&a), iddl_data(&b), sizeof(float) * 1000);
  assert_int_equal(iddl_seeded_permutation(&b, 42, 2, &err), 0);
  assert_permutation(&b);
  assert_memory_not_equal(iddl_data(&a), iddl_data(&b), sizeof(float) * 1000);
  assert_int_equal(iddl_seeded_permutation(&b, 43, 1, &err), 0);
  assert_memory_not_equal(iddl_data(&a), iddl_data(&b), sizeof(float) * 1000);
  /* a strided view (every other element) is filled in its own order */
  iddl_tensor m = {0};
  assert_int_equal(iddl_tensor_alloc(&m, 2, (int64_t[]){500, 2}, NULL), 0);
  assert_int_equal(iddl_select(&c, &m, 1, 0, NULL), 0);
  assert_int_equal(iddl_seeded_permutation(&c, 7, 0, &err), 0);
  assert_permutation(&c);
  assert_int_not_equal(iddl_seeded_permutation(&m, 7, 0, &err), 0);
  assert_string_equal(err.msg, "permutation: expected a 1-D tensor, got "
                      "shape 500x2");
  iddl_tensor_release(&c);
  iddl_tensor_release(&m);
  iddl_tensor_release(&a);
  iddl_tensor_release(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_select_contiguous),
      cmocka_unit_test(test_select_strided),
      cmocka_unit_test(test_select_errors),
      cmocka_unit_test(test_permutation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
