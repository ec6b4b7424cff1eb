/* test_bibd.c - cmocka tests of the design core: the checker (each defect
 * it must report, with the message), every construction of bibd.h checked
 * as a 2-(v,k,lambda) design, the transformations, and the searches. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bibd.h"

/* --- the checker ---------------------------------------------------------- */

/* Checks a CSR block list given as blocks of `k` 0-based points (-1 ends
 * a block early); returns the check's result and copies the reason. */
static int check(int v, int b, int k, const int32_t *pts, int lambda, char *why) {
  int64_t off[64];
  int32_t flat[512];
  int n = 0;
  off[0] = 0;
  for (int j = 0; j < b; j++) {
    for (int a = 0; a < k; a++)
      if (pts[j * k + a] != -1) flat[n++] = pts[j * k + a];
    off[j + 1] = n;
  }
  iddl_err err;
  why[0] = 0;
  return iddl_bibd_check(v, b, off, flat, k, lambda, why, 256, &err);
}

static const int32_t FANO[] = {0, 1, 2, 0, 3, 4, 0, 5, 6, 1, 3, 5, 1, 4, 6, 2, 3, 6, 2, 4, 5};

static void test_check_fano(void **state) {
  char why[256];
  assert_int_equal(check(7, 7, 3, FANO, 1, why), 1);
  assert_int_equal(check(7, 7, 3, FANO, 2, why), 0);
  assert_string_equal(why, "points 1 and 2 are together in 1 blocks, expected lambda=2");
}

static void test_check_defects(void **state) {
  char why[256];
  int32_t b[21];
  memcpy(b, FANO, sizeof b);
  b[20] = 3;                                   /* {2,4,5} -> {2,4,3} */
  assert_int_equal(check(7, 7, 3, b, 1, why), 0);
  assert_string_equal(why, "points 3 and 4 are together in 2 blocks, expected lambda=1");
  memcpy(b, FANO, sizeof b);
  b[20] = 9;
  assert_int_equal(check(7, 7, 3, b, 1, why), 0);
  assert_string_equal(why, "block 7 has point 10, outside 1..7");
  b[20] = 4;
  assert_int_equal(check(7, 7, 3, b, 1, why), 0);
  assert_string_equal(why, "block 7 holds point 5 twice");
  memcpy(b, FANO, sizeof b);
  b[20] = -1;                                  /* a block of 2 points */
  assert_int_equal(check(7, 7, 3, b, 1, why), 0);
  assert_string_equal(why, "block 7 has 2 points, expected k=3");
  assert_int_equal(check(7, 6, 3, FANO, 1, why), 0); /* one block missing */
  assert_string_equal(why, "points 3 and 5 are together in 0 blocks, expected lambda=1");
}

/* Every pair counted, also pairs that never meet: {1,2}, {3,4} as a
 * 2-(4,2,1) design has no pair counted twice, yet is not one. */
static void test_check_pairs_never_met(void **state) {
  char why[256];
  const int32_t two[] = {0, 1, 2, 3};
  assert_int_equal(check(4, 2, 2, two, 1, why), 0);
  assert_string_equal(why, "points 1 and 3 are together in 0 blocks, expected lambda=1");
  const int32_t all[] = {0, 1, 0, 2, 0, 3, 1, 2, 1, 3, 2, 3};
  assert_int_equal(check(4, 6, 2, all, 1, why), 1);
}

static void test_pair_hist(void **state) {
  int64_t off[8], hist[4];
  for (int j = 0; j <= 7; j++) off[j] = 3 * j;
  iddl_err err;
  assert_int_equal(iddl_bibd_pair_hist(7, 7, off, FANO, hist, 3, &err), 0);
  assert_int_equal(hist[0], 0);
  assert_int_equal(hist[1], 21);
  assert_int_equal(hist[2] + hist[3], 0);
  assert_int_equal(iddl_bibd_pair_hist(8, 7, off, FANO, hist, 3, &err), 0); /* point 8 unused */
  assert_int_equal(hist[0], 7);
}

/* --- constructions --------------------------------------------------------- */

/* Checks d as a 2-(v,k,lambda) design with b blocks, then frees it. */
static void expect_design(iddl_blocks *d, int v, int k, int lambda, int64_t b) {
  assert_int_equal(d->v, v);
  assert_int_equal(d->k, k);
  assert_int_equal(d->b, b);
  int64_t *off = malloc(sizeof(int64_t) * (size_t)(b + 1));
  for (int64_t j = 0; j <= b; j++) off[j] = j * k;
  char why[256] = "";
  iddl_err err;
  int rc = iddl_bibd_check(v, b, off, d->pts, k, lambda, why, sizeof why, &err);
  if (rc != 1) fail_msg("2-(%d,%d,%d): %s", v, k, lambda, why);
  free(off);
  iddl_blocks_free(d);
}

static void test_geometries(void **state) {
  iddl_blocks d;
  iddl_err err;
  const int planes[] = {2, 3, 4, 5, 7, 8, 9, 11, 13, 16};
  for (size_t i = 0; i < sizeof planes / sizeof planes[0]; i++) {
    int q = planes[i];
    assert_int_equal(iddl_blocks_init(&d, q * q, q, &err) || iddl_bibd_affine(&d, 2, q, 1, &err), 0);
    assert_int_equal(d.nclass, q + 1);
    for (int64_t j = 0; j < d.b; j++) assert_int_equal(d.cls[j], j / q); /* classes in order */
    if (q == 5) {              /* the last class: lines x = c, runs of q points */
      for (int a = 0; a < q; a++) assert_int_equal(d.pts[(q * q + 2) * q + a], 2 * q + a);
    }
    expect_design(&d, q * q, q, 1, q * (q + 1));
    assert_int_equal(iddl_blocks_init(&d, q * q + q + 1, q + 1, &err) ||
                     iddl_bibd_projective(&d, 2, q, 1, &err), 0);
    expect_design(&d, q * q + q + 1, q + 1, 1, q * q + q + 1);
  }
  assert_int_equal(iddl_blocks_init(&d, 27, 9, &err) || iddl_bibd_affine(&d, 3, 3, 2, &err), 0);
  expect_design(&d, 27, 9, 4, 39);          /* AG(3,3) planes */
  assert_int_equal(iddl_blocks_init(&d, 64, 4, &err) || iddl_bibd_affine(&d, 3, 4, 1, &err), 0);
  expect_design(&d, 64, 4, 1, 336);         /* AG(3,4) lines */
  assert_int_equal(iddl_blocks_init(&d, 81, 9, &err) || iddl_bibd_affine(&d, 4, 3, 2, &err), 0);
  expect_design(&d, 81, 9, 13, 1170);       /* AG(4,3) planes */
  assert_int_equal(iddl_blocks_init(&d, 40, 4, &err) || iddl_bibd_projective(&d, 3, 3, 1, &err), 0);
  expect_design(&d, 40, 4, 1, 130);         /* PG(3,3) lines */
  assert_int_equal(iddl_blocks_init(&d, 31, 7, &err) || iddl_bibd_projective(&d, 4, 2, 2, &err), 0);
  expect_design(&d, 31, 7, 7, 155);         /* PG(4,2) planes */
  assert_int_equal(iddl_blocks_init(&d, 63, 31, &err) || iddl_bibd_projective(&d, 5, 2, 4, &err), 0);
  expect_design(&d, 63, 31, 15, 63);        /* PG(5,2) hyperplanes */
  for (int q = 2; q <= 5; q++) {
    assert_int_equal(iddl_blocks_init(&d, q * q * q + 1, q + 1, &err) || iddl_bibd_unital(&d, q, &err), 0);
    expect_design(&d, q * q * q + 1, q + 1, 1, (int64_t)q * q * (q * q - q + 1));
  }
}

/* Denniston arcs: every q = 2^m <= 128 and degree n = 2^j < q, a
 * resolvable 2-((n-1)q+n, n, 1) design with q+1 classes; bad input fails */
static void test_denniston(void **state) {
  iddl_blocks d;
  iddl_err err;
  for (int q = 4; q <= 128; q *= 2)
    for (int n = 2; n < q; n *= 2) {
      int v = (n - 1) * q + n;
      assert_int_equal(iddl_blocks_init(&d, v, n, &err) || iddl_bibd_denniston(&d, q, n, &err), 0);
      assert_int_equal(d.nclass, q + 1);
      for (int64_t j = 0; j < d.b; j++) assert_int_equal(d.cls[j], j / (v / n));
      expect_design(&d, v, n, 1, (int64_t)v / n * (q + 1));
    }
  const int bad[][4] = {{12, 4, 40, 4}, {8, 3, 17, 3}, {8, 8, 64, 8}, {8, 1, 1, 1},
                        {2, 1, 1, 1},   {16, 4, 53, 4}, {8192, 4, 24580, 4}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (iddl_blocks_init(&d, bad[i][2], bad[i][3], &err)) continue;
    assert_int_not_equal(iddl_bibd_denniston(&d, bad[i][0], bad[i][1], &err), 0);
    assert_int_equal(d.b, 0);
    iddl_blocks_free(&d);
  }
}

static void test_triple_systems(void **state) {
  iddl_blocks d;
  iddl_err err;
  for (int v = 3; v <= 61; v++) {
    if (v % 6 == 1 || v % 6 == 3) {
      assert_int_equal(iddl_blocks_init(&d, v, 3, &err) || iddl_bibd_sts(&d, v, &err), 0);
      expect_design(&d, v, 3, 1, v * (v - 1) / 6);
    }
    if (v % 3 != 2 && v != 6 && v != 7) {
      assert_int_equal(iddl_blocks_init(&d, v, 3, &err) || iddl_bibd_triple(&d, v, 2, &err), 0);
      expect_design(&d, v, 3, 2, v * (v - 1) / 3);
    }
    if (v % 2 == 1) {
      assert_int_equal(iddl_blocks_init(&d, v, 3, &err) || iddl_bibd_triple(&d, v, 3, &err), 0);
      expect_design(&d, v, 3, 3, v * (v - 1) / 2);
    }
    assert_int_equal(iddl_blocks_init(&d, v, 3, &err) || iddl_bibd_triple(&d, v, 6, &err), 0);
    expect_design(&d, v, 3, 6, v * (v - 1));
  }
  assert_int_equal(iddl_blocks_init(&d, 6, 3, &err), 0);
  assert_int_not_equal(iddl_bibd_triple(&d, 6, 2, &err), 0);
  assert_int_not_equal(iddl_bibd_sts(&d, 11, &err), 0);
  iddl_blocks_free(&d);
}

/* Develops one base block over g as a 2-(v, k, lambda) difference set. */
static void expect_difference_set(const iddl_group *g, const int64_t *ds, int k, int lambda) {
  iddl_blocks d;
  iddl_err err;
  int full = 1;
  assert_true(iddl_bibd_is_difference_family(g, ds, 1, k, lambda, &err));
  assert_int_equal(iddl_blocks_init(&d, (int)g->order, k, &err) ||
                   iddl_bibd_develop(&d, g, ds, &full, 1, &err), 0);
  expect_design(&d, (int)g->order, k, lambda, g->order);
}

static void test_difference_sets(void **state) {
  int64_t ds[4096];
  iddl_group g;
  iddl_gf f;
  iddl_err err;
  const int singer[][2] = {{2, 2}, {2, 3}, {2, 4}, {2, 8}, {3, 2}, {3, 3}, {4, 2}, {3, 4}};
  for (size_t i = 0; i < sizeof singer / sizeof singer[0]; i++) {
    int n = singer[i][0], q = singer[i][1];
    int64_t v = 1, k = 1, l = 1;
    for (int t = 0; t < n; t++) v = v * q + 1;
    for (int t = 0; t < n - 1; t++) k = k * q + 1;
    for (int t = 0; t < n - 2; t++) l = l * q + 1;
    assert_int_equal(iddl_bibd_singer_set(n, q, ds, &err), 0);
    iddl_group_cyclic(&g, v);
    expect_difference_set(&g, ds, (int)k, (int)l);
  }
  const int paley[] = {7, 11, 19, 23, 27, 31, 43, 47, 59, 67, 71, 79, 83, 103, 107, 127, 131, 243};
  for (size_t i = 0; i < sizeof paley / sizeof paley[0]; i++) {
    int q = paley[i];
    assert_int_equal(iddl_gf_init(&f, q, &err), 0);
    assert_int_equal(iddl_bibd_cyclotomic_class(&f, 2, 0, 0, ds, &err), 0);
    iddl_group_field(&g, &f);
    expect_difference_set(&g, ds, (q - 1) / 2, (q - 3) / 4);
    iddl_gf_free(&f);
  }
  assert_int_equal(iddl_gf_init(&f, 37, &err), 0);   /* 37 = 4*3^2+1: biquadratic */
  assert_int_equal(iddl_bibd_cyclotomic_class(&f, 4, 0, 0, ds, &err), 0);
  iddl_group_field(&g, &f);
  expect_difference_set(&g, ds, 9, 2);
  iddl_gf_free(&f);
  const int twins[] = {3, 5, 11, 17};
  for (size_t i = 0; i < sizeof twins / sizeof twins[0]; i++) {
    int q = twins[i], v = q * (q + 2);
    assert_int_equal(iddl_bibd_twin_set(q, &g, ds, &err), 0);
    expect_difference_set(&g, ds, (v - 1) / 2, (v - 3) / 4);
  }
  for (int m = 2; m <= 4; m++) {
    int64_t k = iddl_bibd_bent_set(m, ds);
    g = (iddl_group){.r = 2 * m, .order = (int64_t)1 << (2 * m)};
    for (int i = 0; i < 2 * m; i++) g.m[i] = 2;
    expect_difference_set(&g, ds, (int)k, (1 << (2 * m - 2)) - (1 << (m - 1)));
  }
}

static void test_searches(void **state) {
  int64_t base[4096];
  iddl_blocks d;
  iddl_group g;
  iddl_gf f;
  iddl_err err;
  int full[64];
  /* radical: (25,4,1), (41,5,1), (169,7,1), (37,9,8) */
  const int rad[][3] = {{25, 4, 1}, {41, 5, 1}, {169, 7, 1}, {37, 9, 8}, {61, 4, 1}};
  for (size_t i = 0; i < sizeof rad / sizeof rad[0]; i++) {
    int q = rad[i][0], k = rad[i][1], l = rad[i][2], t = l * (q - 1) / (k * (k - 1));
    assert_int_equal(iddl_gf_init(&f, q, &err), 0);
    assert_int_equal(iddl_bibd_search_radical(&f, k, l, 1000000, base, &err), 1);
    iddl_group_field(&g, &f);
    for (int j = 0; j < t; j++) full[j] = 1;
    assert_int_equal(iddl_blocks_init(&d, q, k, &err) || iddl_bibd_develop(&d, &g, base, full, t, &err), 0);
    expect_design(&d, q, k, l, (int64_t)t * q);
    iddl_gf_free(&f);
  }
  /* group searches of each kind: (37,4,1) cyclic, (40,4,1) short orbit,
   * (52,4,1) 1-rotational, (12,4,3) through infinity, (25,4,1) in Z_5^2 */
  const int grp[][5] = {{37, 4, 1, 0, 0}, {40, 4, 1, 1, 0}, {51, 4, 1, 2, 0}, {11, 4, 3, 3, 0},
                        {25, 4, 1, 0, 5}};
  for (size_t i = 0; i < sizeof grp / sizeof grp[0]; i++) {
    int n = grp[i][0], k = grp[i][1], l = grp[i][2], kind = grp[i][3];
    if (grp[i][4]) g = (iddl_group){.r = 2, .order = n, .m = {5, 5}};
    else iddl_group_cyclic(&g, n);
    g.infinity = kind >= 2;
    int nb = iddl_bibd_search_group(&g, k, l, kind, 1000000, base, 64, &err);
    assert_true(nb > 0);
    int nshort = kind == 1 || kind == 2 ? l : 0;
    for (int j = 0; j < nb; j++) full[j] = j < nb - nshort;
    int v = n + g.infinity;
    assert_int_equal(iddl_blocks_init(&d, v, k, &err) || iddl_bibd_develop(&d, &g, base, full, nb, &err), 0);
    expect_design(&d, v, k, l, (int64_t)l * v * (v - 1) / (k * (k - 1)));
  }
  /* no cyclic STS(9) (Peltesohn): the search runs out of candidates */
  iddl_group_cyclic(&g, 9);
  assert_int_equal(iddl_bibd_search_group(&g, 3, 1, 1, 1000000, base, 64, &err), 0);
}

/* multiplier searches: (91,6,1) in Z_91 under x -> 9x, (91,7,1) with a
 * short orbit under x -> 64x, (121,6,1) in GF(121) under the elements of
 * order 3; a map that is no automorphism fails */
static void test_multiplier_search(void **state) {
  iddl_group g;
  iddl_err err;
  int64_t mul[121], base[64 * 7], used = 0;
  const int cyc[][5] = {{91, 6, 1, 0, 9}, {91, 7, 1, 1, 64}};
  for (int c = 0; c < 2; c++) {
    int v = cyc[c][0], k = cyc[c][1], kind = cyc[c][3];
    iddl_group_cyclic(&g, v);
    for (int x = 0; x < v; x++) mul[x] = (int64_t)x * cyc[c][4] % v;
    int nb = iddl_bibd_search_multiplier(&g, mul, k, 1, kind, 1000000, base, 64, &used, &err);
    assert_true(nb > 0 && used > 0);
    int full[64];
    for (int j = 0; j < nb; j++) full[j] = !(kind == 1 && j == nb - 1);
    iddl_blocks d;
    assert_int_equal(iddl_blocks_init(&d, v, k, &err) ||
                     iddl_bibd_develop(&d, &g, base, full, nb, &err), 0);
    expect_design(&d, v, k, 1, (int64_t)v * (v - 1) / (k * (k - 1)));
  }
  iddl_gf f;
  assert_int_equal(iddl_gf_init(&f, 121, &err), 0);
  iddl_group_field(&g, &f);
  for (int x = 0; x < 121; x++) mul[x] = iddl_gf_mul(&f, f.exp[40], x);
  assert_int_equal(iddl_bibd_search_multiplier(&g, mul, 6, 1, 0, 1000000, base, 64, NULL, &err), 4);
  assert_int_equal(iddl_bibd_is_difference_family(&g, base, 4, 6, 1, &err), 1);
  iddl_gf_free(&f);
  iddl_group_cyclic(&g, 91);
  for (int x = 0; x < 91; x++) mul[x] = (x * x) % 91;       /* not a permutation */
  assert_int_equal(iddl_bibd_search_multiplier(&g, mul, 6, 1, 0, 1000, base, 64, NULL, &err), -1);
  for (int x = 0; x < 91; x++) mul[x] = (x + 1) % 91;       /* a permutation, not additive */
  assert_int_equal(iddl_bibd_search_multiplier(&g, mul, 6, 1, 0, 1000, base, 64, NULL, &err), -1);
}

static void test_transformations(void **state) {
  iddl_blocks d, c, r, p;
  iddl_err err;
  /* PG(2,4) -> complement 2-(21,16,12), residual 2-(16,4,1), derived 2-(5,1,0) fails */
  assert_int_equal(iddl_blocks_init(&d, 21, 5, &err) || iddl_bibd_projective(&d, 2, 4, 1, &err), 0);
  assert_int_equal(iddl_blocks_complement(&c, &d, &err), 0);
  expect_design(&c, 21, 16, 12, 21);
  assert_int_equal(iddl_blocks_residual(&r, &d, 0, 0, &err), 0);
  expect_design(&r, 16, 4, 1, 20);
  assert_int_equal(iddl_blocks_repeat(&r, &d, 3, &err), 0);
  assert_false(r.cls);
  assert_int_equal(iddl_blocks_has_repeats(&r, &err), 1);
  assert_int_equal(iddl_blocks_has_repeats(&d, &err), 0);
  expect_design(&r, 21, 5, 3, 63);
  iddl_blocks_free(&d);
  /* PG(3,2) planes -> derived 2-(7,3,2) */
  assert_int_equal(iddl_blocks_init(&d, 15, 7, &err) || iddl_bibd_projective(&d, 3, 2, 2, &err), 0);
  assert_int_equal(iddl_blocks_residual(&r, &d, 4, 1, &err), 0);
  expect_design(&r, 7, 3, 2, 14);
  iddl_blocks_free(&d);
  /* AG(2,4) x AG(2,4) on 16 = 2^4 points: 2-(256,4,1); repeat keeps classes */
  assert_int_equal(iddl_blocks_init(&d, 16, 4, &err) || iddl_bibd_affine(&d, 2, 4, 1, &err), 0);
  assert_int_equal(iddl_blocks_product(&p, &d, &d, &err), 0);
  expect_design(&p, 256, 4, 1, 20 * 16 * 16 + 16 * 20);
  assert_int_equal(iddl_blocks_repeat(&r, &d, 2, &err), 0);
  assert_int_equal(r.nclass, 10);
  assert_int_equal(r.cls[20], 5);
  iddl_blocks_free(&r);
  assert_int_equal(iddl_blocks_complement(&c, &d, &err), 0);
  assert_null(c.cls);                        /* complements of a class overlap */
  expect_design(&c, 16, 12, 11, 20);
  assert_int_not_equal(iddl_blocks_residual(&r, &d, 99, 0, &err), 0);
  iddl_blocks_free(&d);
  /* AG(2,4) = 2-(16,4,1) inflated by PG(2,3) = 2-(3*4+1, 4, 1): a
   * 2-(3*16+1, 4, 1) design */
  assert_int_equal(iddl_blocks_init(&d, 16, 4, &err) || iddl_bibd_affine(&d, 2, 4, 1, &err), 0);
  assert_int_equal(iddl_blocks_init(&c, 13, 4, &err) || iddl_bibd_projective(&c, 2, 3, 1, &err), 0);
  assert_int_equal(iddl_blocks_inflate(&p, &d, &c, &err), 0);
  expect_design(&p, 49, 4, 1, 20 * 9 + 16);
  assert_int_not_equal(iddl_blocks_inflate(&p, &c, &d, &err), 0); /* 16 != 3*4+1 */
  iddl_blocks_free(&p);
  iddl_blocks_free(&c);
  iddl_blocks_free(&d);
  /* subsets: all 3-subsets of 6 points, 2-(6,3,4) */
  assert_int_equal(iddl_blocks_init(&d, 6, 3, &err) || iddl_bibd_subsets(&d, 6, 3, &err), 0);
  expect_design(&d, 6, 3, 4, 20);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_check_fano),
      cmocka_unit_test(test_check_defects),
      cmocka_unit_test(test_check_pairs_never_met),
      cmocka_unit_test(test_pair_hist),
      cmocka_unit_test(test_geometries),
      cmocka_unit_test(test_denniston),
      cmocka_unit_test(test_triple_systems),
      cmocka_unit_test(test_difference_sets),
      cmocka_unit_test(test_searches),
      cmocka_unit_test(test_multiplier_search),
      cmocka_unit_test(test_transformations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
