/* test_cifar.c - cmocka tests of src/cifar.c (CIFAR-10 binary files the
 * test writes itself: values, concatenation, every error message) and of
 * src/augment.c (crop, flip and normalise against plain references). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "augment.h"
#include "cifar.h"

#define REC IDDL_CIFAR_RECORD
#define PIX IDDL_CIFAR_PIXELS

static char g_dir[64]; /* a fresh temporary folder per run */

/* --- helpers ------------------------------------------------------------- */

/* Writes n bytes to g_dir/name; path (256 bytes) gets its path. */
static const char *write_file(char *path, const char *name, const void *data,
                              size_t n) {
  snprintf(path, 256, "%s/%s", g_dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
  return path;
}

/* Fills n records at buf with labels and pixels from a fixed generator. */
static void records(unsigned char *buf, int n, uint64_t seed) {
  iddl_rng r;
  iddl_rng_seed(&r, seed);
  for (int k = 0; k < n; k++) {
    buf[(size_t)k * REC] = (unsigned char)iddl_rng_below(&r, 10);
    for (int i = 0; i < PIX; i++)
      buf[(size_t)k * REC + 1 + i] = (unsigned char)iddl_rng_below(&r, 256);
  }
}

/* Loads the files, which must fail with exactly `want`, leaving both
 * tensors cleared. */
static void load_fails(int n, const char *const *paths, const char *want) {
  iddl_tensor im = {0}, lab = {0};
  iddl_err err;
  assert_int_not_equal(iddl_cifar_load(&im, &lab, n, paths, &err), 0);
  assert_null(im.storage);
  assert_null(lab.storage);
  assert_string_equal(err.msg, want);
}

/* --- the reader ---------------------------------------------------------- */

/* Three files of 20, 7 and 1 records come back exactly, in file order. */
static void test_values_and_order(void **state) {
  static const int counts[3] = {20, 7, 1};
  static unsigned char buf[3][20 * REC];
  char paths[3][256];
  const char *p[3];
  for (int f = 0; f < 3; f++) {
    char name[32];
    records(buf[f], counts[f], 100 + (uint64_t)f);
    snprintf(name, sizeof name, "data_batch_%d.bin", f + 1);
    p[f] = write_file(paths[f], name, buf[f], (size_t)counts[f] * REC);
  }
  iddl_tensor im = {0}, lab = {0};
  iddl_err err;
  if (iddl_cifar_load(&im, &lab, 3, p, &err)) fail_msg("%s", err.msg);
  assert_int_equal(im.ndim, 4);
  assert_int_equal(im.size[0], 28);
  assert_int_equal(im.size[1], 3);
  assert_int_equal(im.size[2], 32);
  assert_int_equal(im.size[3], 32);
  assert_int_equal(lab.ndim, 1);
  assert_int_equal(lab.size[0], 28);
  int64_t n = 0;
  for (int f = 0; f < 3; f++)
    for (int k = 0; k < counts[f]; k++, n++) {
      const unsigned char *rec = buf[f] + (size_t)k * REC;
      assert_true(iddl_data(&lab)[n] == (float)rec[0]);
      for (int i = 0; i < PIX; i++)
        if (iddl_data(&im)[n * PIX + i] != (float)rec[1 + i])
          fail_msg("file %d record %d pixel %d: %g, expected %d", f, k, i,
                   (double)iddl_data(&im)[n * PIX + i], rec[1 + i]);
    }
  iddl_tensor_release(&im);
  iddl_tensor_release(&lab);
}

/* The planes are R, G, B and each is row-major: pixel byte 1 + c*1024 +
 * y*32 + x is image[c][y][x]. */
static void test_layout(void **state) {
  static unsigned char rec[REC];
  char path[256];
  rec[0] = 9;
  rec[1 + 0 * 1024 + 0 * 32 + 1] = 11;  /* R, y 0, x 1 */
  rec[1 + 1 * 1024 + 2 * 32 + 0] = 22;  /* G, y 2, x 0 */
  rec[1 + 2 * 1024 + 31 * 32 + 31] = 33; /* B, y 31, x 31 */
  const char *p = write_file(path, "one.bin", rec, REC);
  iddl_tensor im = {0}, lab = {0};
  iddl_err err;
  if (iddl_cifar_load(&im, &lab, 1, &p, &err)) fail_msg("%s", err.msg);
  const float *x = iddl_data(&im); /* (1, 3, 32, 32) */
  assert_true(iddl_data(&lab)[0] == 9.0f);
  assert_true(x[0 * 1024 + 0 * 32 + 1] == 11.0f);
  assert_true(x[1 * 1024 + 2 * 32 + 0] == 22.0f);
  assert_true(x[2 * 1024 + 31 * 32 + 31] == 33.0f);
  float sum = 0;
  for (int i = 0; i < PIX; i++) sum += x[i];
  assert_true(sum == 66.0f);
  iddl_tensor_release(&im);
  iddl_tensor_release(&lab);
}

static void test_bad_files(void **state) {
  static unsigned char buf[3 * REC];
  char good[256], bad[256], want[700];
  records(buf, 3, 7);
  const char *p[2] = {write_file(good, "good.bin", buf, REC), NULL};

  p[1] = write_file(bad, "truncated.bin", buf, 2 * REC - 5);
  snprintf(want, sizeof want, "%s: size 6141 bytes is not a multiple of the "
           "3073-byte record (1 label byte + 3072 pixel bytes): 1 records and "
           "3068 bytes more; truncated, or not a CIFAR-10 binary batch", bad);
  load_fails(2, p, want);

  p[1] = write_file(bad, "empty.bin", buf, 0);
  snprintf(want, sizeof want, "%s: empty (0 bytes); a CIFAR-10 batch holds "
           "3073-byte records (10000 in the official files)", bad);
  load_fails(2, p, want);

  buf[2 * REC] = 10; /* the label of record 3 */
  p[1] = write_file(bad, "label.bin", buf, 3 * REC);
  snprintf(want, sizeof want, "%s: byte 6146: record 3 of 3 has label 10, "
           "expected 0..9", bad);
  load_fails(2, p, want);
  buf[2 * REC] = 0;
  buf[0] = 255;
  write_file(bad, "label.bin", buf, 3 * REC);
  snprintf(want, sizeof want, "%s: byte 0: record 1 of 3 has label 255, "
           "expected 0..9", bad);
  load_fails(2, p, want);

  snprintf(bad, sizeof bad, "%s/no-such.bin", g_dir);
  snprintf(want, sizeof want, "%s: cannot open: No such file or directory",
           bad);
  load_fails(2, p, want);
  snprintf(want, sizeof want, "%s: not a regular file", g_dir);
  p[1] = g_dir;
  load_fails(2, p, want);
}

/* --- augmentation -------------------------------------------------------- */

/* A (B, C, H, W) tensor with distinct values 1, 2, ... */
static void numbered(iddl_tensor *t, int64_t B, int64_t C, int64_t H,
                     int64_t W) {
  iddl_err err;
  assert_int_equal(iddl_tensor_alloc(t, 4, (int64_t[]){B, C, H, W}, &err), 0);
  for (int64_t k = 0; k < B * C * H * W; k++) iddl_data(t)[k] = (float)(k + 1);
}

/* Every offset of pads 2 (smaller than the 5x7 planes) and 9 (larger: the
 * window can fall wholly in the padding) gives the reference crop, and
 * every offset is drawn. */
static void test_crop_reference(void **state) {
  for (int pad = 2; pad <= 9; pad += 7) {
    const int64_t B = 400, C = 2, H = 5, W = 7;
    iddl_tensor x = {0}, old = {0};
    iddl_err err;
    iddl_rng r;
    numbered(&x, B, C, H, W);
    numbered(&old, B, C, H, W);
    float *off = malloc(2 * B * sizeof *off); /* (B, 2) */
    int seen[19][19] = {{0}};
    iddl_augment_rng(&r, 5, 1, 1, 1);
    assert_int_equal(iddl_random_crop(&x, pad, &r, off, &err), 0);
    for (int64_t b = 0; b < B; b++) {
      int i = (int)off[2 * b], j = (int)off[2 * b + 1];
      assert_true(i >= 0 && i <= 2 * pad && j >= 0 && j <= 2 * pad);
      seen[i][j] = 1;
      for (int64_t c = 0; c < C; c++)
        for (int64_t y = 0; y < H; y++)
          for (int64_t xx = 0; xx < W; xx++) {
            int64_t sy = y + i - pad, sx = xx + j - pad;
            float want = sy < 0 || sy >= H || sx < 0 || sx >= W ? 0.0f
                         : iddl_data(&old)[((b * C + c) * H + sy) * W + sx];
            float got = iddl_data(&x)[((b * C + c) * H + y) * W + xx];
            if (got != want)
              fail_msg("pad %d offset (%d, %d) sample %lld [%lld][%lld][%lld]:"
                       " %g, expected %g", pad, i, j, (long long)b,
                       (long long)c, (long long)y, (long long)xx, (double)got,
                       (double)want);
          }
    }
    if (pad == 2)
      for (int i = 0; i <= 2 * pad; i++)
        for (int j = 0; j <= 2 * pad; j++) assert_true(seen[i][j]);
    free(off);
    iddl_tensor_release(&x);
    iddl_tensor_release(&old);
  }
}

/* Flipped samples are mirrored (odd width: the middle column stays), the
 * others untouched; p = 0 and p = 1 flip none and all. */
static void test_flip_reference(void **state) {
  const int64_t B = 300, C = 3, H = 2, W = 5;
  iddl_tensor x = {0}, old = {0};
  iddl_err err;
  iddl_rng r;
  numbered(&x, B, C, H, W);
  numbered(&old, B, C, H, W);
  float flipped[300];
  iddl_augment_rng(&r, 5, 1, 1, 2);
  assert_int_equal(iddl_random_hflip(&x, 0.5, &r, flipped, &err), 0);
  int count = 0;
  for (int64_t b = 0; b < B; b++) {
    count += flipped[b] == 1.0f;
    for (int64_t k = 0; k < C * H; k++)
      for (int64_t w = 0; w < W; w++) {
        int64_t src = flipped[b] == 1.0f ? W - 1 - w : w;
        assert_true(iddl_data(&x)[(b * C * H + k) * W + w] ==
                    iddl_data(&old)[(b * C * H + k) * W + src]);
      }
  }
  assert_in_range(count, 110, 190); /* 150 +- 4.6 sigma */
  for (int all = 0; all < 2; all++) {
    assert_int_equal(iddl_random_hflip(&x, all, &r, flipped, &err), 0);
    for (int64_t b = 0; b < B; b++) assert_true(flipped[b] == (float)all);
  }
  assert_int_not_equal(iddl_random_hflip(&x, 1.5, &r, NULL, &err), 0);
  assert_string_equal(err.msg, "random_hflip: probability must be in [0, 1], "
                               "got 1.5");
  iddl_tensor_release(&x);
  iddl_tensor_release(&old);
}

/* The same key gives the same draws; a different epoch, batch or salt
 * gives different ones. */
static void test_keys(void **state) {
  uint64_t base[4], other[4][4];
  iddl_rng r;
  iddl_augment_rng(&r, 7, 3, 2, 1);
  for (int k = 0; k < 4; k++) base[k] = iddl_rng_next(&r);
  iddl_augment_rng(&r, 7, 3, 2, 1);
  for (int k = 0; k < 4; k++) assert_true(iddl_rng_next(&r) == base[k]);
  iddl_augment_rng(&r, 8, 3, 2, 1);
  for (int k = 0; k < 4; k++) other[0][k] = iddl_rng_next(&r);
  iddl_augment_rng(&r, 7, 4, 2, 1);
  for (int k = 0; k < 4; k++) other[1][k] = iddl_rng_next(&r);
  iddl_augment_rng(&r, 7, 3, 3, 1);
  for (int k = 0; k < 4; k++) other[2][k] = iddl_rng_next(&r);
  iddl_augment_rng(&r, 7, 3, 2, 2);
  for (int k = 0; k < 4; k++) other[3][k] = iddl_rng_next(&r);
  for (int v = 0; v < 4; v++)
    assert_memory_not_equal(base, other[v], sizeof base);
}

/* Per-channel (x / 255 - mean) / std, the three float operations in order. */
static void test_normalize(void **state) {
  const float mean[3] = {0.4914f, 0.4822f, 0.4465f};
  const float std[3] = {0.2023f, 0.1994f, 0.2010f};
  iddl_tensor x = {0};
  iddl_err err;
  assert_int_equal(iddl_tensor_alloc(&x, 4, (int64_t[]){2, 3, 16, 16}, &err),
                   0);
  for (int k = 0; k < 2 * 3 * 256; k++) iddl_data(&x)[k] = (float)(k % 256);
  assert_int_equal(iddl_normalize_channels(&x, mean, std, 255.0f, &err), 0);
  for (int k = 0; k < 2 * 3 * 256; k++) {
    int c = k / 256 % 3;
    volatile float v = (float)(k % 256) / 255.0f;
    v = v - mean[c];
    v = v / std[c];
    assert_true(iddl_data(&x)[k] == v);
  }
  const float zero[3] = {1, 0, 1};
  assert_int_not_equal(iddl_normalize_channels(&x, mean, zero, 255.0f, &err),
                       0);
  assert_string_equal(err.msg, "normalize_channels: std of channel 2 is 0");
  iddl_tensor_release(&x);
}

static void test_batch_checks(void **state) {
  iddl_tensor x = {0}, v = {0};
  iddl_err err;
  iddl_rng r;
  iddl_augment_rng(&r, 1, 1, 1, 1);
  assert_int_equal(iddl_tensor_alloc(&x, 3, (int64_t[]){2, 4, 4}, &err), 0);
  assert_int_not_equal(iddl_random_crop(&x, 1, &r, NULL, &err), 0);
  assert_string_equal(err.msg, "random_crop: expected a batch of images "
                               "(B, C, H, W), got shape 2x4x4");
  iddl_tensor_release(&x);
  numbered(&x, 2, 1, 4, 4);
  assert_int_equal(iddl_transpose(&v, &x, 2, 3, &err), 0);
  assert_int_not_equal(iddl_random_hflip(&v, 0.5, &r, NULL, &err), 0);
  assert_string_equal(err.msg, "random_hflip: the batch (shape 2x1x4x4) must "
                               "be contiguous");
  assert_int_not_equal(iddl_random_crop(&x, -1, &r, NULL, &err), 0);
  assert_string_equal(err.msg, "random_crop: padding must be >= 0, got -1");
  iddl_tensor_release(&v);
  iddl_tensor_release(&x);
}

/* --- fixture ------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw) {
  return remove(path);
}

static int group_setup(void **state) {
  snprintf(g_dir, sizeof g_dir, "/tmp/iddl_test_cifar_XXXXXX");
  return mkdtemp(g_dir) ? 0 : -1;
}

static int group_teardown(void **state) {
  return nftw(g_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values_and_order),
      cmocka_unit_test(test_layout),
      cmocka_unit_test(test_bad_files),
      cmocka_unit_test(test_crop_reference),
      cmocka_unit_test(test_flip_reference),
      cmocka_unit_test(test_keys),
      cmocka_unit_test(test_normalize),
      cmocka_unit_test(test_batch_checks),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
