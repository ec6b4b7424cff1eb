/* test_gf.c - cmocka tests of src/gf.c: prime power recognition, and the
 * field axioms of GF(q) (checked exhaustively for small q, on sampled
 * triples for large q) for prime and non-prime q, odd and even. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "gf.h"

static void test_prime_power(void **state) {
  int p, n;
  const int64_t yes[][3] = {{2, 2, 1}, {4, 2, 2}, {9, 3, 2}, {27, 3, 3}, {49, 7, 2},
                            {121, 11, 2}, {256, 2, 8}, {343, 7, 3}, {65536, 2, 16},
                            {1021, 1021, 1}, {4194304, 2, 22}};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
    assert_true(iddl_prime_power(yes[i][0], &p, &n));
    assert_int_equal(p, yes[i][1]);
    assert_int_equal(n, yes[i][2]);
  }
  const int64_t no[] = {-4, 0, 1, 6, 10, 12, 36, 100, 1000, 4095};
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) assert_false(iddl_prime_power(no[i], &p, &n));
}

/* A cheap reproducible stream of elements of GF(q). */
static int next(uint64_t *s, int q) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return (int)((*s >> 33) % (uint64_t)q);
}

/* Field axioms on triples (all of them when q^3 is small). */
static void check_field(int q) {
  iddl_gf f;
  iddl_err err;
  assert_int_equal(iddl_gf_init(&f, q, &err), 0);
  /* the generator's powers are every nonzero element once */
  char *seen = calloc((size_t)q, 1);
  for (int i = 0; i < q - 1; i++) {
    assert_false(seen[f.exp[i]]);
    seen[f.exp[i]] = 1;
    assert_int_equal(f.log[f.exp[i]], i);
  }
  assert_false(seen[0]);
  free(seen);
  /* characteristic p: 1 + 1 + ... (p times) = 0 */
  int s = 0;
  for (int i = 0; i < f.p; i++) s = iddl_gf_add(&f, s, 1);
  assert_int_equal(s, 0);
  int64_t n = (int64_t)q * q * q <= 100000 ? (int64_t)q * q * q : 100000;
  uint64_t st = 42;
  for (int64_t t = 0; t < n; t++) {
    int a, b, c;
    if ((int64_t)q * q * q <= 100000) a = (int)(t / q / q), b = (int)(t / q % q), c = (int)(t % q);
    else a = next(&st, q), b = next(&st, q), c = next(&st, q);
    assert_int_equal(iddl_gf_add(&f, a, b), iddl_gf_add(&f, b, a));
    assert_int_equal(iddl_gf_mul(&f, a, b), iddl_gf_mul(&f, b, a));
    assert_int_equal(iddl_gf_add(&f, iddl_gf_add(&f, a, b), c),
                     iddl_gf_add(&f, a, iddl_gf_add(&f, b, c)));
    assert_int_equal(iddl_gf_mul(&f, iddl_gf_mul(&f, a, b), c),
                     iddl_gf_mul(&f, a, iddl_gf_mul(&f, b, c)));
    assert_int_equal(iddl_gf_mul(&f, a, iddl_gf_add(&f, b, c)),
                     iddl_gf_add(&f, iddl_gf_mul(&f, a, b), iddl_gf_mul(&f, a, c)));
    assert_int_equal(iddl_gf_add(&f, a, iddl_gf_neg(&f, a)), 0);
    assert_int_equal(iddl_gf_add(&f, iddl_gf_sub(&f, a, b), b), a);
    assert_int_equal(iddl_gf_add(&f, a, 0), a);
    assert_int_equal(iddl_gf_mul(&f, a, 1), a);
    if (a) assert_int_equal(iddl_gf_mul(&f, a, iddl_gf_inv(&f, a)), 1);
    assert_int_equal(iddl_gf_pow(&f, a, 3), iddl_gf_mul(&f, a, iddl_gf_mul(&f, a, a)));
    assert_int_equal(iddl_gf_pow(&f, a, q), a);   /* Fermat */
  }
  iddl_gf_free(&f);
  iddl_gf_free(&f); /* freeing twice is allowed */
}

static void test_small_fields(void **state) {
  const int qs[] = {2, 3, 4, 5, 7, 8, 9, 16, 25, 27, 32, 49};
  for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) check_field(qs[i]);
}

static void test_large_fields(void **state) {
  const int qs[] = {64, 81, 121, 125, 128, 169, 243, 256, 343, 625, 1024, 2187, 65536, 1000003};
  for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) check_field(qs[i]);
}

/* In GF(4) = GF(2)[x]/(x^2+x+1): x^2 = x + 1 (elements: x = 2, x+1 = 3). */
static void test_gf4_table(void **state) {
  iddl_gf f;
  iddl_err err;
  assert_int_equal(iddl_gf_init(&f, 4, &err), 0);
  assert_int_equal(iddl_gf_mul(&f, 2, 2), 3);
  assert_int_equal(iddl_gf_mul(&f, 2, 3), 1);
  assert_int_equal(iddl_gf_add(&f, 2, 3), 1);
  iddl_gf_free(&f);
}

static void test_errors(void **state) {
  iddl_gf f;
  iddl_err err;
  assert_int_not_equal(iddl_gf_init(&f, 6, &err), 0);
  assert_string_equal(err.msg, "GF(6): 6 is not a prime power");
  assert_int_not_equal(iddl_gf_init(&f, 1, &err), 0);
  assert_int_not_equal(iddl_gf_init(&f, 1 << 23, &err), 0);
  assert_non_null(strstr(err.msg, "are not built"));
  assert_null(f.exp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_prime_power),
      cmocka_unit_test(test_small_fields),
      cmocka_unit_test(test_large_fields),
      cmocka_unit_test(test_gf4_table),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
