/* test_bibd_pbd.c - cmocka tests of the pairwise balanced designs of
 * bibd_pbd.c: truncated transversal designs (prime-power and composite
 * orders, with points at infinity, one of them a block), the PBD check, and
 * the designs made by inflating and filling PBDs, each checked as a
 * 2-(v,k,1) design; and the errors on bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "bibd.h"

/* A PBD of one block of all v points. */
static void trivial(iddl_pbd *p, int v) {
  int32_t blk[64];
  iddl_err err;
  for (int x = 0; x < v; x++) blk[x] = x;
  assert_int_equal(iddl_pbd_init(p, v, &err) || iddl_pbd_add(p, blk, v, &err), 0);
}

static void expect_design(const iddl_blocks *d, int v, int k) {
  char why[256];
  iddl_err err;
  int64_t *off = malloc(sizeof(int64_t) * (size_t)(d->b + 1));
  for (int64_t j = 0; j <= d->b; j++) off[j] = j * d->k;
  assert_int_equal(d->v, v);
  assert_int_equal(d->k, k);
  int rc = iddl_bibd_check(v, d->b, off, d->pts, k, 1, why, sizeof why, &err);
  if (rc != 1) fail_msg("2-(%d,%d,1): %s", v, k, why);
  free(off);
}

static void test_td_pbd(void **state) {
  iddl_pbd g5, g4, p;
  iddl_err err;
  char why[256];
  assert_int_equal(iddl_td_max(12), 4);     /* 4 * 3 */
  assert_int_equal(iddl_td_max(9), 10);
  assert_int_equal(iddl_td_max(1), 0);
  /* TD(5,4) truncated to 3, a point at infinity: PBD(20, {4, 5}) */
  trivial(&g5, 5);
  trivial(&g4, 4);
  assert_int_equal(iddl_pbd_td(&p, 5, 4, 3, 1, &g5, &g4, &err), 0);
  assert_int_equal(p.v, 20);
  assert_int_equal(p.b, 16 + 4 + 1);
  assert_int_equal(iddl_pbd_check(&p, why, sizeof why, &err), 1);
  iddl_pbd_free(&p);
  /* TD(4,12) over GF(4) x GF(3), its groups of 12 filled by TD(4,3) with
   * groups of 3 (AG(2,3) minus a parallel class, plus that class) */
  iddl_pbd g12;
  iddl_pbd_free(&g4);
  assert_int_not_equal(iddl_pbd_td(&g12, 4, 3, 3, 0, NULL, NULL, &err), 0); /* groups unfilled */
  trivial(&g4, 3);
  assert_int_equal(iddl_pbd_td(&g12, 4, 3, 3, 0, &g4, &g4, &err), 0);
  assert_int_equal(iddl_pbd_check(&g12, why, sizeof why, &err), 1);
  assert_int_equal(iddl_pbd_td(&p, 4, 12, 12, 0, &g12, &g12, &err), 0);
  assert_int_equal(p.v, 48);
  assert_int_equal(iddl_pbd_check(&p, why, sizeof why, &err), 1);
  iddl_pbd_free(&p), iddl_pbd_free(&g12), iddl_pbd_free(&g4), iddl_pbd_free(&g5);
  /* bad input */
  assert_int_not_equal(iddl_pbd_td(&p, 6, 6, 0, 0, NULL, NULL, &err), 0);
  assert_int_not_equal(iddl_pbd_td(&p, 3, 4, 5, 0, NULL, NULL, &err), 0);
  assert_int_not_equal(iddl_pbd_td(&p, 3, 4, 4, 1, NULL, NULL, &err), 0);
  assert_int_not_equal(iddl_pbd_init(&p, 0, &err), 0);
  int32_t bad[] = {0, 0};
  assert_int_equal(iddl_pbd_init(&p, 3, &err), 0);
  assert_int_not_equal(iddl_pbd_add(&p, bad, 2, &err), 0);
  assert_int_not_equal(iddl_pbd_add(&p, bad, 1, &err), 0);
  iddl_pbd_free(&p);
}

static void test_inflate_and_fill(void **state) {
  iddl_blocks pg3, ag4, pg4, out, d61;
  iddl_pbd g5, g4, p;
  iddl_err err;
  /* PBD(20, {4,5}) inflated by PG(2,3) (13,4,1) and AG(2,4) (16,4,1):
   * a 2-(61,4,1) design */
  assert_int_equal(iddl_blocks_init(&pg3, 13, 4, &err) ||
                   iddl_bibd_projective(&pg3, 2, 3, 1, &err), 0);
  assert_int_equal(iddl_blocks_init(&ag4, 16, 4, &err) || iddl_bibd_affine(&ag4, 2, 4, 1, &err),
                   0);
  trivial(&g5, 5);
  trivial(&g4, 4);
  assert_int_equal(iddl_pbd_td(&p, 5, 4, 3, 1, &g5, &g4, &err), 0);
  const iddl_blocks *d[6] = {NULL, NULL, NULL, NULL, &pg3, &ag4};
  assert_int_equal(iddl_pbd_inflate(&out, &p, d, 6, &err), 0);
  expect_design(&out, 61, 4);
  iddl_blocks_free(&out);
  d[5] = NULL;                                  /* a block size without a design */
  assert_int_not_equal(iddl_pbd_inflate(&out, &p, d, 6, &err), 0);
  d[5] = &pg3;                                  /* 13 points, not 3*5+1 */
  assert_int_not_equal(iddl_pbd_inflate(&out, &p, d, 6, &err), 0);
  iddl_pbd_free(&p);
  /* (85,5,1) = TD(5,16) plus 5 points at infinity on a line of PG(2,4)
   * (21,5,1) in every group, filled by one block */
  iddl_pbd g21;
  assert_int_equal(iddl_blocks_init(&pg4, 21, 5, &err) ||
                   iddl_bibd_projective(&pg4, 2, 4, 1, &err), 0);
  assert_int_equal(iddl_pbd_from_blocks(&g21, &pg4, &err), 0);
  assert_int_equal(iddl_pbd_td(&p, 5, 16, 16, 5, &g21, &g21, &err), 0);
  assert_int_equal(p.v, 85);
  char why[256];
  assert_int_equal(iddl_pbd_check(&p, why, sizeof why, &err), 1);
  iddl_blocks one;
  assert_int_equal(iddl_blocks_init(&one, 5, 5, &err) || iddl_bibd_subsets(&one, 5, 5, &err), 0);
  const iddl_blocks *f[6] = {NULL, NULL, NULL, NULL, NULL, &one};
  assert_int_equal(iddl_pbd_fill(&d61, &p, f, 6, &err), 0);
  expect_design(&d61, 85, 5);
  f[5] = &pg4;                                  /* 21 points for blocks of 5 */
  assert_int_not_equal(iddl_pbd_fill(&out, &p, f, 6, &err), 0);
  /* groups without a block of e points for the infinite ones */
  iddl_pbd_free(&p);
  assert_int_not_equal(iddl_pbd_td(&p, 3, 4, 4, 2, &g5, &g5, &err), 0); /* 4+2 != 5 */
  iddl_pbd g6;
  trivial(&g6, 6);
  assert_int_not_equal(iddl_pbd_td(&p, 3, 4, 4, 2, &g6, &g6, &err), 0);
  iddl_pbd_free(&g6), iddl_pbd_free(&g21), iddl_pbd_free(&g5), iddl_pbd_free(&g4);
  iddl_blocks_free(&pg3), iddl_blocks_free(&ag4), iddl_blocks_free(&pg4);
  iddl_blocks_free(&d61), iddl_blocks_free(&one);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_td_pbd),
      cmocka_unit_test(test_inflate_and_fill),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
