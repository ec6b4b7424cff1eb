/* test_tensor.c - cmocka tests of the tensor core (src/tensor*.c, rng.c):
 * storage reference counts, view strides, broadcasting errors, the row
 * iterator's merging, reductions and matmul on non-contiguous operands
 * (against naive loops), and the seeded generator. Exits non-zero when a
 * test fails. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rng.h"
#include "tensor.h"
#include "tensor_iter.h"
#include "tensor_ops.h"

/* --- helpers ------------------------------------------------------------- */

#define SIZES(...) ((const int64_t[]){__VA_ARGS__})

/* A new contiguous tensor of the given shape (asserts success). */
static iddl_tensor make(int ndim, const int64_t *size) {
  iddl_tensor t = {0};
  iddl_err err;
  int rc = iddl_tensor_alloc(&t, ndim, size, &err);
  if (rc) fail_msg("alloc: %s", err.msg);
  return t;
}

/* A new tensor holding 0, 1, 2, ... in row-major order. */
static iddl_tensor make_arange(int ndim, const int64_t *size) {
  iddl_tensor t = make(ndim, size);
  float *p = iddl_data(&t);
  for (int64_t i = 0; i < iddl_numel(&t); i++) p[i] = (float)i;
  return t;
}

/* A new tensor filled with uniform values in [-1, 1) from a fixed seed. */
static iddl_tensor make_random(int ndim, const int64_t *size, uint64_t seed) {
  iddl_tensor t = make(ndim, size);
  iddl_rng r;
  iddl_rng_seed(&r, seed);
  iddl_fill_uniform(&t, &r, -1.0, 1.0);
  return t;
}

/* Element of t at a multi-index (any strides). */
static float at(const iddl_tensor *t, const int64_t *idx) {
  int64_t off = 0;
  for (int i = 0; i < t->ndim; i++) off += idx[i] * t->stride[i];
  return iddl_data(t)[off];
}

static void assert_sizes(const iddl_tensor *t, int ndim, const int64_t *size) {
  assert_int_equal(t->ndim, ndim);
  for (int i = 0; i < ndim; i++) assert_int_equal(t->size[i], size[i]);
}

static void assert_strides(const iddl_tensor *t, int ndim, const int64_t *st) {
  assert_int_equal(t->ndim, ndim);
  for (int i = 0; i < ndim; i++) assert_int_equal(t->stride[i], st[i]);
}

/* Asserts that msg contains needle. */
static void assert_has(const char *msg, const char *needle) {
  if (!strstr(msg, needle))
    fail_msg("message \"%s\" does not contain \"%s\"", msg, needle);
}

static void assert_close(double a, double e, double rtol, double atol,
                         const char *what, int64_t i) {
  if (!(fabs(a - e) <= atol + rtol * fabs(e)))
    fail_msg("%s: element %lld: got %.9g, expected %.9g", what, (long long)i,
             a, e);
}

/* --- life cycle ------------------------------------------------------------ */

static void test_alloc_release_refcounts(void **state) {
  iddl_err err;
  iddl_tensor a = make(2, SIZES(3, 4));
  iddl_storage *s = a.storage;
  assert_non_null(s);
  assert_int_equal(s->refcount, 1);
  assert_int_equal(s->n, 12);
  assert_int_equal((uintptr_t)s->data % 64, 0);
  assert_true(iddl_is_contiguous(&a));
  assert_strides(&a, 2, SIZES(4, 1));

  iddl_tensor b, c = {0}, d = {0}, e = {0};
  iddl_tensor_share(&b, &a);
  assert_int_equal(s->refcount, 2);
  assert_int_equal(iddl_narrow(&c, &a, 1, 1, 2, &err), 0);
  assert_int_equal(iddl_transpose(&d, &c, 0, 1, &err), 0);
  assert_int_equal(iddl_view(&e, &a, 1, SIZES(12), &err), 0);
  assert_int_equal(s->refcount, 5);
  assert_ptr_equal(c.storage, s);
  assert_int_equal(c.offset, 1);

  /* A failed view takes no reference and leaves *out alone. */
  iddl_tensor f = {0};
  assert_int_not_equal(iddl_view(&f, &d, 1, SIZES(6), &err), 0);
  assert_null(f.storage);
  assert_int_not_equal(iddl_narrow(&f, &a, 1, 3, 2, &err), 0);
  assert_int_not_equal(iddl_select(&f, &a, 0, 3, &err), 0);
  assert_int_not_equal(iddl_expand(&f, &a, 2, SIZES(5, 4), &err), 0);
  assert_null(f.storage);
  assert_int_equal(s->refcount, 5);

  /* The storage outlives the tensor it was allocated for. */
  iddl_tensor_release(&a);
  assert_null(a.storage);
  assert_int_equal(a.ndim, 0);
  iddl_tensor_release(&a); /* safe on a cleared tensor */
  assert_int_equal(s->refcount, 4);
  iddl_data(&d)[0] = 5.0f;
  assert_float_equal(iddl_data(&e)[1], 5.0f, 0);
  iddl_tensor_release(&b);
  iddl_tensor_release(&c);
  iddl_tensor_release(&d);
  assert_int_equal(s->refcount, 1);
  iddl_tensor_release(&e); /* frees: the sanitizer build checks for leaks */
}

static void test_alloc_errors(void **state) {
  iddl_err err;
  iddl_tensor t = {0};
  assert_int_not_equal(iddl_tensor_alloc(&t, 2, SIZES(2, -3), &err), 0);
  assert_has(err.msg, "-3");
  assert_null(t.storage);
  int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  assert_int_not_equal(iddl_tensor_alloc(&t, 9, nine, &err), 0);
  assert_has(err.msg, "8");
  assert_int_not_equal(
      iddl_tensor_alloc(&t, 3, SIZES(INT64_C(1) << 30, INT64_C(1) << 30, 64), &err), 0);
  assert_has(err.msg, "too large");
  assert_null(t.storage);
  /* Zero-size and 0-d tensors are fine. */
  assert_int_equal(iddl_tensor_alloc(&t, 2, SIZES(0, 5), &err), 0);
  assert_int_equal(iddl_numel(&t), 0);
  iddl_tensor_release(&t);
  assert_int_equal(iddl_tensor_alloc(&t, 0, NULL, &err), 0);
  assert_int_equal(iddl_numel(&t), 1);
  char buf[32];
  assert_string_equal(iddl_shape_str(&t, buf, sizeof buf), "scalar");
  iddl_tensor_release(&t);
}

/* --- views ------------------------------------------------------------------ */

static void test_view_contiguous(void **state) {
  iddl_err err;
  iddl_tensor a = make_arange(3, SIZES(2, 3, 4)), v = {0};
  assert_int_equal(iddl_view(&v, &a, 2, SIZES(6, 4), &err), 0);
  assert_sizes(&v, 2, SIZES(6, 4));
  assert_strides(&v, 2, SIZES(4, 1));
  iddl_tensor_release(&v);
  assert_int_equal(iddl_view(&v, &a, 3, SIZES(4, -1, 2), &err), 0);
  assert_sizes(&v, 3, SIZES(4, 3, 2));
  assert_strides(&v, 3, SIZES(6, 2, 1));
  iddl_tensor_release(&v);
  assert_int_not_equal(iddl_view(&v, &a, 2, SIZES(-1, -1), &err), 0);
  assert_has(err.msg, "-1");
  assert_int_not_equal(iddl_view(&v, &a, 2, SIZES(5, 5), &err), 0);
  assert_has(err.msg, "5x5");
  assert_has(err.msg, "2x3x4");
  assert_int_not_equal(iddl_view(&v, &a, 2, SIZES(5, -1), &err), 0);
  assert_null(v.storage);
  iddl_tensor_release(&a);

  /* A 0-d tensor views as any shape of one element. */
  iddl_tensor s = make(0, NULL), w = {0};
  assert_int_equal(iddl_view(&w, &s, 2, SIZES(1, 1), &err), 0);
  assert_sizes(&w, 2, SIZES(1, 1));
  iddl_tensor_release(&w);
  iddl_tensor_release(&s);
}

static void test_view_noncontiguous(void **state) {
  iddl_err err;
  iddl_tensor a = make_arange(3, SIZES(2, 3, 4)), t = {0}, v = {0};

  /* transpose(0,1): 3x2x4, strides 4,12,1. Splitting the contiguous last
   * dimension works; merging across the swapped ones does not. */
  assert_int_equal(iddl_transpose(&t, &a, 0, 1, &err), 0);
  assert_strides(&t, 3, SIZES(4, 12, 1));
  assert_false(iddl_is_contiguous(&t));
  assert_int_equal(iddl_view(&v, &t, 4, SIZES(3, 2, 2, 2), &err), 0);
  assert_strides(&v, 4, SIZES(4, 12, 2, 1));
  for (int64_t i = 0; i < 3; i++) /* same elements as t */
    for (int64_t j = 0; j < 2; j++)
      for (int64_t k = 0; k < 4; k++)
        assert_float_equal(at(&v, SIZES(i, j, k / 2, k % 2)),
                           at(&t, SIZES(i, j, k)), 0);
  iddl_tensor_release(&v);
  assert_int_not_equal(iddl_view(&v, &t, 2, SIZES(3, 8), &err), 0);
  assert_has(err.msg, "view");
  assert_has(err.msg, "3x2x4");
  assert_int_not_equal(iddl_view(&v, &t, 1, SIZES(24), &err), 0);
  /* Adding size-1 dimensions is always possible. */
  assert_int_equal(iddl_view(&v, &t, 5, SIZES(3, 1, 2, 4, 1), &err), 0);
  assert_float_equal(at(&v, SIZES(2, 0, 1, 3, 0)), at(&t, SIZES(2, 1, 3)), 0);
  iddl_tensor_release(&v);
  iddl_tensor_release(&t);
  iddl_tensor_release(&a);

  /* Narrowed rows of a 5x7 stay contiguous; narrowed columns do not. */
  iddl_tensor m = make_arange(2, SIZES(5, 7)), n = {0};
  assert_int_equal(iddl_narrow(&n, &m, 0, 1, 3, &err), 0);
  assert_true(iddl_is_contiguous(&n));
  assert_int_equal(iddl_view(&v, &n, 1, SIZES(21), &err), 0);
  assert_float_equal(iddl_data(&v)[0], 7.0f, 0);
  iddl_tensor_release(&v);
  iddl_tensor_release(&n);
  assert_int_equal(iddl_narrow(&n, &m, 1, 2, 3, &err), 0);
  assert_false(iddl_is_contiguous(&n));
  assert_int_not_equal(iddl_view(&v, &n, 1, SIZES(15), &err), 0);
  assert_int_equal(iddl_view(&v, &n, 3, SIZES(5, 3, 1), &err), 0);
  assert_strides(&v, 3, SIZES(7, 1, 1));
  iddl_tensor_release(&v);
  assert_int_equal(iddl_view(&v, &n, 4, SIZES(5, 1, 3, 1), &err), 0);
  assert_float_equal(at(&v, SIZES(4, 0, 2, 0)), 4 * 7 + 2 + 2, 0);
  iddl_tensor_release(&v);
  iddl_tensor_release(&n);

  /* An expanded tensor: no flattening, but size-1 dims can be added. */
  iddl_tensor c = make_arange(2, SIZES(3, 1)), e = {0};
  assert_int_equal(iddl_expand(&e, &c, 2, SIZES(3, 4), &err), 0);
  assert_strides(&e, 2, SIZES(1, 0));
  assert_int_not_equal(iddl_view(&v, &e, 1, SIZES(12), &err), 0);
  assert_int_equal(iddl_view(&v, &e, 3, SIZES(3, 4, 1), &err), 0);
  assert_float_equal(at(&v, SIZES(2, 3, 0)), 2.0f, 0);
  iddl_tensor_release(&v);
  iddl_tensor_release(&e);
  iddl_tensor_release(&c);
  iddl_tensor_release(&m);
}

static void test_view_ops_shapes(void **state) {
  iddl_err err;
  iddl_tensor a = make_arange(3, SIZES(2, 3, 4)), v = {0};

  assert_int_equal(iddl_select(&v, &a, 1, 2, &err), 0);
  assert_sizes(&v, 2, SIZES(2, 4));
  assert_strides(&v, 2, SIZES(12, 1));
  assert_int_equal(v.offset, 8);
  iddl_tensor_release(&v);

  assert_int_equal(iddl_permute(&v, &a, (const int[]){2, 0, 1}, &err), 0);
  assert_sizes(&v, 3, SIZES(4, 2, 3));
  assert_strides(&v, 3, SIZES(1, 12, 4));
  assert_float_equal(at(&v, SIZES(3, 1, 2)), 1 * 12 + 2 * 4 + 3, 0);
  iddl_tensor_release(&v);
  assert_int_not_equal(iddl_permute(&v, &a, (const int[]){0, 0, 1}, &err), 0);
  assert_has(err.msg, "permutation");

  assert_int_equal(iddl_unsqueeze(&v, &a, 1, &err), 0);
  assert_sizes(&v, 4, SIZES(2, 1, 3, 4));
  iddl_tensor w = {0};
  assert_int_equal(iddl_squeeze(&w, &v, -1, &err), 0);
  assert_sizes(&w, 3, SIZES(2, 3, 4));
  assert_strides(&w, 3, SIZES(12, 4, 1));
  iddl_tensor_release(&w);
  assert_int_equal(iddl_squeeze(&w, &v, 0, &err), 0); /* size 2: kept */
  assert_int_equal(w.ndim, 4);
  iddl_tensor_release(&w);
  iddl_tensor_release(&v);
  assert_int_equal(iddl_unsqueeze(&v, &a, 3, &err), 0);
  assert_sizes(&v, 4, SIZES(2, 3, 4, 1));
  iddl_tensor_release(&v);
  assert_int_not_equal(iddl_unsqueeze(&v, &a, 4, &err), 0);

  assert_int_equal(iddl_expand(&v, &a, 4, SIZES(5, -1, 3, 4), &err), 0);
  assert_sizes(&v, 4, SIZES(5, 2, 3, 4));
  assert_strides(&v, 4, SIZES(0, 12, 4, 1));
  iddl_tensor_release(&v);
  assert_int_not_equal(iddl_expand(&v, &a, 3, SIZES(2, 6, 4), &err), 0);
  assert_has(err.msg, "2x3x4");
  assert_has(err.msg, "2x6x4");

  assert_int_not_equal(iddl_transpose(&v, &a, 0, 3, &err), 0);
  assert_has(err.msg, "dimension 4");
  assert_int_not_equal(iddl_select(&v, &a, 2, -1, &err), 0);
  assert_int_not_equal(iddl_narrow(&v, &a, 2, 0, 5, &err), 0);
  assert_has(err.msg, "size 4");
  iddl_tensor_release(&a);
}

/* --- broadcasting ------------------------------------------------------------ */

static void test_broadcast_shapes(void **state) {
  iddl_err err;
  int nd;
  int64_t size[IDDL_MAX_DIMS];
  iddl_tensor a23 = make(2, SIZES(2, 3)), a43 = make(2, SIZES(4, 3));
  iddl_tensor c31 = make(2, SIZES(3, 1)), r14 = make(2, SIZES(1, 4));
  iddl_tensor v4 = make(1, SIZES(4)), b211 = make(3, SIZES(2, 1, 1));
  iddl_tensor s = make(0, NULL);

  assert_int_not_equal(iddl_broadcast_shape("add", &a23, &a43, &nd, size, &err), 0);
  assert_has(err.msg, "add");
  assert_has(err.msg, "2x3");
  assert_has(err.msg, "4x3");
  assert_int_equal(iddl_broadcast_shape("x", &c31, &r14, &nd, size, &err), 0);
  assert_int_equal(nd, 2);
  assert_int_equal(size[0], 3);
  assert_int_equal(size[1], 4);
  assert_int_equal(iddl_broadcast_shape("x", &v4, &b211, &nd, size, &err), 0);
  assert_int_equal(nd, 3);
  assert_int_equal(size[0], 2);
  assert_int_equal(size[1], 1);
  assert_int_equal(size[2], 4);
  assert_int_equal(iddl_broadcast_shape("x", &s, &a23, &nd, size, &err), 0);
  assert_int_equal(nd, 2);
  assert_int_not_equal(iddl_broadcast_shape("x", &v4, &a23, &nd, size, &err), 0);

  /* The kernels check the result shape too. */
  iddl_tensor out = make(2, SIZES(2, 3));
  assert_int_not_equal(iddl_binary(IDDL_ADD, &out, &a23, &a43, &err), 0);
  assert_has(err.msg, "4x3");
  assert_int_not_equal(iddl_unary(IDDL_EXP, &out, &a43, &err), 0);
  assert_int_not_equal(iddl_copy(&out, &v4, &err), 0);
  assert_has(err.msg, "2x3");

  /* A broadcast add gives NumPy's values: (3,1) + (1,4). */
  iddl_tensor ca = make_arange(2, SIZES(3, 1)), ra = make_arange(2, SIZES(1, 4));
  iddl_tensor o34 = make(2, SIZES(3, 4));
  assert_int_equal(iddl_binary(IDDL_ADD, &o34, &ca, &ra, &err), 0);
  for (int64_t i = 0; i < 3; i++)
    for (int64_t j = 0; j < 4; j++)
      assert_float_equal(at(&o34, SIZES(i, j)), (float)(i + j), 0);

  iddl_tensor *all[] = {&a23, &a43, &c31, &r14, &v4, &b211, &s, &out, &ca, &ra, &o34};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) iddl_tensor_release(all[i]);
}

/* --- iterator ------------------------------------------------------------------ */

/* Walks ops with the iterator and counts rows; checks that operand 0's
 * elements come in row-major logical order by comparing with `expect`. */
static int64_t walk_rows(int nops, const iddl_tensor *const *ops,
                         const float *expect, iddl_iter *it_out) {
  iddl_iter it;
  iddl_iter_init(&it, nops, ops);
  *it_out = it;
  float *p[IDDL_ITER_MAX_OPS];
  int64_t rows = 0, k = 0;
  while (iddl_iter_next(&it, p)) {
    rows++;
    for (int64_t i = 0; i < it.n; i++, k++)
      if (expect) assert_float_equal(p[0][i * it.inner[0]], expect[k], 0);
  }
  if (expect) assert_int_equal(k, iddl_numel(ops[0]));
  return rows;
}

static void test_iter_merging(void **state) {
  iddl_err err;
  iddl_iter it;
  float expect[60];

  /* A contiguous tensor is one long row. */
  iddl_tensor a = make_arange(3, SIZES(2, 3, 4));
  for (int i = 0; i < 24; i++) expect[i] = (float)i;
  assert_int_equal(walk_rows(1, (const iddl_tensor *[]){&a}, expect, &it), 1);
  assert_int_equal(it.n, 24);
  assert_int_equal(it.ndim, 0);
  assert_int_equal(it.inner[0], 1);

  /* Two contiguous operands of the same shape: still one row. */
  iddl_tensor b = make(3, SIZES(2, 3, 4));
  assert_int_equal(walk_rows(2, (const iddl_tensor *[]){&a, &b}, expect, &it), 1);

  /* Size-1 dimensions are skipped: 1x5x1 is one row of 5. */
  iddl_tensor c = make_arange(3, SIZES(1, 5, 1));
  assert_int_equal(walk_rows(1, (const iddl_tensor *[]){&c}, expect, &it), 1);
  assert_int_equal(it.n, 5);

  /* A transposed 3x2 (of a 2x3): 3 rows of 2, stride 3 along a row. */
  iddl_tensor m = make_arange(2, SIZES(2, 3)), t = {0};
  assert_int_equal(iddl_transpose(&t, &m, 0, 1, &err), 0);
  float te[] = {0, 3, 1, 4, 2, 5};
  assert_int_equal(walk_rows(1, (const iddl_tensor *[]){&t}, te, &it), 3);
  assert_int_equal(it.n, 2);
  assert_int_equal(it.inner[0], 3);

  /* Narrowed columns of a 5x7: rows of 3; narrowed rows: one row of 21. */
  iddl_tensor g = make_arange(2, SIZES(5, 7)), n = {0};
  assert_int_equal(iddl_narrow(&n, &g, 1, 2, 3, &err), 0);
  for (int i = 0; i < 15; i++) expect[i] = (float)(i / 3 * 7 + 2 + i % 3);
  assert_int_equal(walk_rows(1, (const iddl_tensor *[]){&n}, expect, &it), 5);
  assert_int_equal(it.n, 3);
  iddl_tensor_release(&n);
  assert_int_equal(iddl_narrow(&n, &g, 0, 1, 3, &err), 0);
  for (int i = 0; i < 21; i++) expect[i] = (float)(7 + i);
  assert_int_equal(walk_rows(1, (const iddl_tensor *[]){&n}, expect, &it), 1);
  assert_int_equal(it.n, 21);
  iddl_tensor_release(&n);

  /* A contiguous 2x3x4 next to a (4,) expanded to it: the broadcast operand
   * repeats, so rows are the last dimension (the outer two merge). */
  iddl_tensor v = make_arange(1, SIZES(4)), e = {0};
  assert_int_equal(iddl_expand(&e, &v, 3, SIZES(2, 3, 4), &err), 0);
  for (int i = 0; i < 24; i++) expect[i] = (float)i;
  assert_int_equal(walk_rows(2, (const iddl_tensor *[]){&a, &e}, expect, &it), 6);
  assert_int_equal(it.n, 4);
  assert_int_equal(it.ndim, 1);
  assert_int_equal(it.inner[1], 1);
  for (int i = 0; i < 24; i++) expect[i] = (float)(i % 4);
  assert_int_equal(walk_rows(1, (const iddl_tensor *[]){&e}, expect, &it), 6);

  /* An empty tensor gives no rows. */
  iddl_tensor z = make(2, SIZES(3, 0));
  assert_int_equal(walk_rows(1, (const iddl_tensor *[]){&z}, NULL, &it), 0);
  /* A 0-d tensor is one row of one. */
  iddl_tensor s = make(0, NULL);
  iddl_data(&s)[0] = 7;
  float se[] = {7};
  assert_int_equal(walk_rows(1, (const iddl_tensor *[]){&s}, se, &it), 1);
  assert_int_equal(it.n, 1);

  iddl_tensor *all[] = {&a, &b, &c, &m, &t, &g, &v, &e, &z, &s};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) iddl_tensor_release(all[i]);
}

/* --- reductions ------------------------------------------------------------- */

static void test_reduce_dim_noncontiguous(void **state) {
  iddl_err err;
  /* x: a (2,3,4) view of a contiguous (4,3,2) through permute(2,1,0). */
  iddl_tensor base = make_random(3, SIZES(4, 3, 2), 7), x = {0};
  assert_int_equal(iddl_permute(&x, &base, (const int[]){2, 1, 0}, &err), 0);
  assert_false(iddl_is_contiguous(&x));
  const int64_t *xs = x.size;

  for (int dim = 0; dim < 3; dim++) {
    int64_t rs[3] = {xs[0], xs[1], xs[2]};
    rs[dim] = 1;
    iddl_tensor sum = make(3, rs), mx = make(3, rs), idx = make(3, rs);
    iddl_tensor var = make(3, rs), vb = make(3, rs), amin = make(3, rs);
    assert_int_equal(iddl_reduce_dim(IDDL_SUM, &sum, NULL, &x, dim, 1, &err), 0);
    assert_int_equal(iddl_reduce_dim(IDDL_MAX, &mx, &idx, &x, dim, 1, &err), 0);
    assert_int_equal(iddl_reduce_dim(IDDL_VAR, &var, NULL, &x, dim, 1, &err), 0);
    assert_int_equal(iddl_reduce_dim(IDDL_VAR, &vb, NULL, &x, dim, 0, &err), 0);
    assert_int_equal(iddl_reduce_dim(IDDL_ARGMIN, &amin, NULL, &x, dim, 1, &err), 0);
    for (int64_t i = 0; i < rs[0]; i++)
      for (int64_t j = 0; j < rs[1]; j++)
        for (int64_t k = 0; k < rs[2]; k++) {
          double s = 0, ss = 0, best = -INFINITY, worst = INFINITY;
          int64_t bi = -1, wi = -1, len = xs[dim];
          for (int64_t r = 0; r < len; r++) {
            int64_t id[3] = {i, j, k};
            id[dim] = r;
            double v = at(&x, id);
            s += v;
            if (v > best) best = v, bi = r;
            if (v < worst) worst = v, wi = r;
          }
          for (int64_t r = 0; r < len; r++) {
            int64_t id[3] = {i, j, k};
            id[dim] = r;
            double d = at(&x, id) - s / len;
            ss += d * d;
          }
          const int64_t *o = SIZES(i, j, k);
          assert_close(at(&sum, o), s, 1e-6, 1e-6, "sum", dim);
          assert_close(at(&mx, o), best, 0, 0, "max", dim);
          assert_close(at(&idx, o), (double)bi, 0, 0, "max index", dim);
          assert_close(at(&var, o), ss / (len - 1), 1e-5, 1e-7, "var", dim);
          assert_close(at(&vb, o), ss / len, 1e-5, 1e-7, "biased var", dim);
          assert_close(at(&amin, o), (double)wi, 0, 0, "argmin", dim);
        }
    iddl_tensor *all[] = {&sum, &mx, &idx, &var, &vb, &amin};
    for (size_t q = 0; q < 6; q++) iddl_tensor_release(all[q]);
  }

  /* reduce_all on the view, and a wrong result shape. */
  double r, ref = 0;
  for (int64_t i = 0; i < 24; i++) ref += iddl_data(&base)[i];
  assert_int_equal(iddl_reduce_all(IDDL_SUM, &r, &x, 1, &err), 0);
  assert_close(r, ref, 1e-12, 1e-12, "sum all", 0);
  assert_int_equal(iddl_reduce_all(IDDL_ARGMAX, &r, &x, 1, &err), 0);
  assert_true(r >= 0 && r < 24);
  iddl_tensor bad = make(3, SIZES(2, 3, 4));
  assert_int_not_equal(iddl_reduce_dim(IDDL_SUM, &bad, NULL, &x, 1, 1, &err), 0);
  assert_has(err.msg, "2x3x4");
  assert_int_not_equal(iddl_reduce_dim(IDDL_SUM, &bad, NULL, &x, 3, 1, &err), 0);
  assert_has(err.msg, "dimension 4");
  iddl_tensor empty = make(1, SIZES(0));
  assert_int_not_equal(iddl_reduce_all(IDDL_MAX, &r, &empty, 1, &err), 0);
  assert_int_equal(iddl_reduce_all(IDDL_SUM, &r, &empty, 1, &err), 0);
  assert_true(r == 0);
  iddl_tensor_release(&empty);
  iddl_tensor_release(&bad);
  iddl_tensor_release(&x);
  iddl_tensor_release(&base);
}

/* --- matmul ------------------------------------------------------------------ */

/* out[b] = a[b] @ bm[b] for 3-D operands (sizes B,M,K and B,K,N), any
 * strides, by the naive triple loop in double. */
static void naive_bmm(float *out, const iddl_tensor *a, const iddl_tensor *b) {
  int64_t B = a->size[0], M = a->size[1], K = a->size[2], N = b->size[2];
  for (int64_t q = 0; q < B; q++)
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) {
        double s = 0;
        for (int64_t k = 0; k < K; k++)
          s += (double)at(a, SIZES(q, i, k)) * at(b, SIZES(q, k, j));
        out[(q * M + i) * N + j] = (float)s;
      }
}

/* Multiplies a and b with iddl_matmul and checks against naive_bmm (a and b
 * are 3-D here; 2-D callers pass unsqueezed views). */
static void check_matmul(const iddl_tensor *a, const iddl_tensor *b,
                         const char *what) {
  iddl_err err;
  int nd;
  int64_t size[IDDL_MAX_DIMS];
  if (iddl_matmul_shape(a, b, &nd, size, &err)) fail_msg("%s: %s", what, err.msg);
  iddl_tensor out = make(nd, size);
  if (iddl_matmul(&out, a, b, &err)) fail_msg("%s: %s", what, err.msg);
  float ref[4096];
  assert_true(iddl_numel(&out) <= 4096);
  naive_bmm(ref, a, b);
  for (int64_t i = 0; i < iddl_numel(&out); i++)
    assert_close(iddl_data(&out)[i], ref[i], 1e-4, 1e-5, what, i);
  iddl_tensor_release(&out);
}

static void test_matmul_transposed(void **state) {
  iddl_err err;
  /* Stored layouts: A (B,K,M) and Bt (B,N,K), used transposed. */
  const int64_t B = 3, M = 5, K = 7, N = 4;
  iddl_tensor a = make_random(3, SIZES(B, M, K), 1);
  iddl_tensor at_ = make_random(3, SIZES(B, K, M), 2);
  iddl_tensor b = make_random(3, SIZES(B, K, N), 3);
  iddl_tensor bt = make_random(3, SIZES(B, N, K), 4);
  iddl_tensor ta = {0}, tb = {0};
  assert_int_equal(iddl_transpose(&ta, &at_, 1, 2, &err), 0);
  assert_int_equal(iddl_transpose(&tb, &bt, 1, 2, &err), 0);
  check_matmul(&a, &b, "a @ b");
  check_matmul(&ta, &b, "a^T @ b");
  check_matmul(&a, &tb, "a @ b^T");
  check_matmul(&ta, &tb, "a^T @ b^T");

  /* One matrix (batch of 1 through a select + unsqueeze). */
  iddl_tensor s = {0}, u = {0}, s2 = {0}, u2 = {0};
  assert_int_equal(iddl_select(&s, &ta, 0, 1, &err), 0);
  assert_int_equal(iddl_unsqueeze(&u, &s, 0, &err), 0);
  assert_int_equal(iddl_select(&s2, &tb, 0, 2, &err), 0);
  assert_int_equal(iddl_unsqueeze(&u2, &s2, 0, &err), 0);
  check_matmul(&u, &u2, "2-D a^T @ b^T");

  /* A narrowed operand (row stride larger than the row) and an expanded one
   * (stride 0 rows: must be copied before BLAS). */
  iddl_tensor wide = make_random(3, SIZES(B, M, K + 3), 5), nw = {0};
  assert_int_equal(iddl_narrow(&nw, &wide, 2, 2, K, &err), 0);
  check_matmul(&nw, &b, "narrowed a @ b");
  iddl_tensor row = make_random(3, SIZES(B, 1, K), 6), ex = {0};
  assert_int_equal(iddl_expand(&ex, &row, 3, SIZES(B, M, K), &err), 0);
  check_matmul(&ex, &tb, "expanded a @ b^T");

  /* Matrix-vector: (M,K) @ (K,1) through gemv, with a transposed matrix. */
  iddl_tensor col = make_random(3, SIZES(B, K, 1), 8);
  check_matmul(&ta, &col, "a^T @ column");

  /* Errors name both shapes; the result must have the right shape. */
  iddl_tensor out = make(3, SIZES(B, M, N));
  assert_int_not_equal(iddl_matmul(&out, &a, &a, &err), 0);
  assert_has(err.msg, "3x5x7");
  assert_int_not_equal(iddl_matmul(&out, &a, &bt, &err), 0);
  assert_has(err.msg, "3x5x7");
  assert_has(err.msg, "3x4x7");
  iddl_tensor wrong = make(3, SIZES(B, N, M));
  assert_int_not_equal(iddl_matmul(&wrong, &a, &b, &err), 0);
  assert_has(err.msg, "3x5x4");

  iddl_tensor *all[] = {&a, &at_, &b, &bt, &ta, &tb, &s, &u, &s2, &u2, &wide,
                        &nw, &row, &ex, &col, &out, &wrong};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) iddl_tensor_release(all[i]);
}

/* --- random numbers ------------------------------------------------------- */

static void test_rng_determinism(void **state) {
  iddl_rng a, b, c;
  iddl_rng_seed(&a, 42);
  iddl_rng_seed(&b, 42);
  iddl_rng_seed(&c, 43);
  int differ = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = iddl_rng_next(&a), y = iddl_rng_next(&b), z = iddl_rng_next(&c);
    assert_true(x == y);
    differ += x != z;
  }
  assert_true(differ > 990);
  assert_true(a.seed == 42);

  /* A copied state (mid Box-Muller pair) continues identically. */
  (void)iddl_rng_normal(&a);
  assert_int_equal(a.has_spare, 1);
  iddl_rng saved = a;
  double n1 = iddl_rng_normal(&a), n2 = iddl_rng_normal(&a);
  a = saved;
  assert_true(iddl_rng_normal(&a) == n1);
  assert_true(iddl_rng_normal(&a) == n2);
  /* Re-seeding drops the spare. */
  iddl_rng_seed(&a, 5);
  iddl_rng_seed(&b, 5);
  (void)iddl_rng_normal(&b);
  iddl_rng_seed(&b, 5);
  assert_true(iddl_rng_normal(&a) == iddl_rng_normal(&b));

  /* uniform in [0, 1); below(n) in [0, n) and every value reached. */
  int hits[7] = {0};
  for (int i = 0; i < 7000; i++) {
    double u = iddl_rng_uniform(&a);
    assert_true(u >= 0.0 && u < 1.0);
    uint64_t k = iddl_rng_below(&a, 7);
    assert_true(k < 7);
    hits[k]++;
  }
  for (int k = 0; k < 7; k++) assert_true(hits[k] > 800 && hits[k] < 1200);
  assert_true(iddl_rng_below(&a, 1) == 0);

  int64_t perm[50];
  int seen[50] = {0};
  iddl_rng_permutation(&a, 50, perm);
  for (int i = 0; i < 50; i++) {
    assert_true(perm[i] >= 0 && perm[i] < 50);
    seen[perm[i]]++;
  }
  for (int i = 0; i < 50; i++) assert_int_equal(seen[i], 1);
}

static void test_fill_uniform_range(void **state) {
  iddl_err err;
  iddl_rng r;
  iddl_rng_seed(&r, 2024);
  iddl_tensor t = make(2, SIZES(100, 100));
  iddl_fill_uniform(&t, &r, -3.0, 5.0);
  double s = 0, lo = INFINITY, hi = -INFINITY;
  for (int64_t i = 0; i < 10000; i++) {
    float v = iddl_data(&t)[i];
    assert_true(v >= -3.0f && v < 5.0f);
    s += v;
    lo = fmin(lo, v);
    hi = fmax(hi, v);
  }
  assert_true(fabs(s / 10000 - 1.0) < 0.1);
  assert_true(lo < -2.9 && hi > 4.9); /* the whole range is used */

  /* Same seed, same values; on a view only the view is written. */
  iddl_tensor u = make(2, SIZES(100, 100));
  iddl_rng_seed(&r, 2024);
  iddl_fill_uniform(&u, &r, -3.0, 5.0);
  assert_memory_equal(iddl_data(&t), iddl_data(&u), 10000 * sizeof(float));
  iddl_fill(&u, 100.0f);
  iddl_tensor n = {0};
  assert_int_equal(iddl_narrow(&n, &u, 1, 10, 5, &err), 0);
  iddl_fill_uniform(&n, &r, 0.0, 1.0);
  for (int64_t i = 0; i < 100; i++)
    for (int64_t j = 0; j < 100; j++) {
      float v = at(&u, SIZES(i, j));
      if (j >= 10 && j < 15) assert_true(v >= 0.0f && v < 1.0f);
      else assert_float_equal(v, 100.0f, 0);
    }

  /* normal: mean and std; randint: integers in [lo, hi). */
  iddl_fill_normal(&t, &r, 2.0, 0.5);
  double m = 0, q = 0;
  for (int64_t i = 0; i < 10000; i++) m += iddl_data(&t)[i];
  m /= 10000;
  for (int64_t i = 0; i < 10000; i++) q += pow(iddl_data(&t)[i] - m, 2);
  assert_true(fabs(m - 2.0) < 0.03);
  assert_true(fabs(sqrt(q / 9999) - 0.5) < 0.03);
  iddl_fill_randint(&t, &r, -2, 3);
  for (int64_t i = 0; i < 10000; i++) {
    float v = iddl_data(&t)[i];
    assert_true(v == floorf(v) && v >= -2 && v < 3);
  }
  iddl_tensor_release(&n);
  iddl_tensor_release(&u);
  iddl_tensor_release(&t);
}

/* --- copies --------------------------------------------------------------- */

static void test_copy_clone_contiguous(void **state) {
  iddl_err err;
  iddl_tensor m = make_arange(2, SIZES(2, 3)), t = {0}, c = {0}, k = {0};
  assert_int_equal(iddl_transpose(&t, &m, 0, 1, &err), 0);
  assert_int_equal(iddl_contiguous(&c, &m, &err), 0);
  assert_ptr_equal(c.storage, m.storage); /* already contiguous: shared */
  assert_int_equal(m.storage->refcount, 3);
  iddl_tensor_release(&c);
  assert_int_equal(iddl_contiguous(&c, &t, &err), 0);
  assert_ptr_not_equal(c.storage, m.storage);
  assert_true(iddl_is_contiguous(&c));
  float want[] = {0, 3, 1, 4, 2, 5};
  assert_memory_equal(iddl_data(&c), want, sizeof want);
  assert_int_equal(iddl_clone(&k, &m, &err), 0);
  assert_ptr_not_equal(k.storage, m.storage);
  /* copy broadcasts a row into a transposed destination */
  iddl_tensor row = make_arange(1, SIZES(2));
  assert_int_equal(iddl_copy(&t, &row, &err), 0);
  float after[] = {0, 0, 0, 1, 1, 1};
  assert_memory_equal(iddl_data(&m), after, sizeof after);
  iddl_tensor *all[] = {&m, &t, &c, &k, &row};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) iddl_tensor_release(all[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alloc_release_refcounts),
      cmocka_unit_test(test_alloc_errors),
      cmocka_unit_test(test_view_contiguous),
      cmocka_unit_test(test_view_noncontiguous),
      cmocka_unit_test(test_view_ops_shapes),
      cmocka_unit_test(test_broadcast_shapes),
      cmocka_unit_test(test_iter_merging),
      cmocka_unit_test(test_reduce_dim_noncontiguous),
      cmocka_unit_test(test_matmul_transposed),
      cmocka_unit_test(test_rng_determinism),
      cmocka_unit_test(test_fill_uniform_range),
      cmocka_unit_test(test_copy_clone_contiguous),
  };
  /* The number of failed tests: non-zero fails make and tests/run.sh. */
  return cmocka_run_group_tests(tests, NULL, NULL) != 0;
}
