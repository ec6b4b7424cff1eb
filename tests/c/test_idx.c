/* test_idx.c - cmocka tests of src/idx.c on IDX files the test writes
 * itself (plain and gzip): shapes, values of every element type, and each
 * error with the byte offset its message must name. */
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
#include <zlib.h>

#include "idx.h"

static char g_dir[64]; /* a fresh temporary folder per run */

/* --- helpers ------------------------------------------------------------- */

/* Writes n bytes to g_dir/name (through gzip when gz); path gets the name. */
static const char *write_file(char *path, const char *name, const void *data,
                              size_t n, int gz) {
  snprintf(path, 256, "%s/%s", g_dir, name);
  if (gz) {
    gzFile f = gzopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(gzwrite(f, data, (unsigned)n), (int)n);
    assert_int_equal(gzclose(f), Z_OK);
  } else {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
  }
  return path;
}

/* Builds an IDX header (magic 0 0 type ndim, big-endian sizes) into buf;
 * returns its length. */
static size_t header(unsigned char *buf, int type, int ndim,
                     const uint32_t *size) {
  buf[0] = buf[1] = 0;
  buf[2] = (unsigned char)type;
  buf[3] = (unsigned char)ndim;
  for (int i = 0; i < ndim; i++)
    for (int k = 0; k < 4; k++)
      buf[4 + 4 * i + k] = (unsigned char)(size[i] >> (24 - 8 * k));
  return 4 + 4 * (size_t)ndim;
}

/* Loads path, which must fail with exactly `want` after "path: ", and
 * leave the tensor cleared. */
static void load_fails(const char *path, const char *want) {
  iddl_tensor t = {0};
  iddl_err err;
  char full[600];
  assert_int_not_equal(iddl_idx_load(&t, path, &err), 0);
  assert_null(t.storage);
  snprintf(full, sizeof full, "%s: %s", path, want);
  assert_string_equal(err.msg, full);
}

/* An MNIST-like image file: n images of h x w, pixel = (i*7 + k) % 256. */
static size_t images(unsigned char *buf, uint32_t n, uint32_t h, uint32_t w) {
  size_t off = header(buf, 0x08, 3, (uint32_t[]){n, h, w});
  for (size_t k = 0; k < (size_t)n * h * w; k++)
    buf[off + k] = (unsigned char)((k * 7 + k / 5) % 256);
  return off + (size_t)n * h * w;
}

static void check_images(const iddl_tensor *t, const unsigned char *buf,
                         uint32_t n, uint32_t h, uint32_t w) {
  assert_int_equal(t->ndim, 3);
  assert_int_equal(t->size[0], n);
  assert_int_equal(t->size[1], h);
  assert_int_equal(t->size[2], w);
  assert_true(iddl_is_contiguous(t));
  for (size_t k = 0; k < (size_t)n * h * w; k++)
    assert_true(iddl_data(t)[k] == (float)buf[16 + k]);
}

/* --- tests --------------------------------------------------------------- */

static void test_ubyte_1d(void **state) {
  unsigned char buf[64];
  char path[256];
  size_t off = header(buf, 0x08, 1, (uint32_t[]){10});
  for (int i = 0; i < 10; i++) buf[off + i] = (unsigned char)(i == 9 ? 255 : i);
  iddl_tensor t = {0};
  iddl_err err;
  if (iddl_idx_load(&t, write_file(path, "labels", buf, off + 10, 0), &err))
    fail_msg("%s", err.msg);
  assert_int_equal(t.ndim, 1);
  assert_int_equal(t.size[0], 10);
  for (int i = 0; i < 9; i++) assert_true(iddl_data(&t)[i] == (float)i);
  assert_true(iddl_data(&t)[9] == 255.0f);
  iddl_tensor_release(&t);
}

static void test_ubyte_3d_plain_and_gz(void **state) {
  static unsigned char buf[16 + 300 * 28 * 28];
  char path[256];
  size_t n = images(buf, 300, 28, 28);
  for (int gz = 0; gz < 2; gz++) {
    iddl_tensor t = {0};
    iddl_err err;
    write_file(path, gz ? "img.gz" : "img", buf, n, gz);
    if (iddl_idx_load(&t, path, &err)) fail_msg("%s", err.msg);
    check_images(&t, buf, 300, 28, 28);
    iddl_tensor_release(&t);
  }
}

static void test_empty_dimension(void **state) {
  unsigned char buf[64];
  char path[256];
  size_t n = header(buf, 0x08, 3, (uint32_t[]){0, 28, 28});
  iddl_tensor t = {0};
  iddl_err err;
  if (iddl_idx_load(&t, write_file(path, "empty", buf, n, 0), &err))
    fail_msg("%s", err.msg);
  assert_int_equal(t.size[0], 0);
  assert_int_equal(iddl_numel(&t), 0);
  iddl_tensor_release(&t);
}

/* Big-endian values of the other element types come out exactly. */
static void test_other_types(void **state) {
  static const struct {
    int type, itemsize;
    unsigned char bytes[16];
    float want[2];
  } cases[] = {
      {0x09, 1, {0xFF, 0x7F}, {-1, 127}},
      {0x0B, 2, {0xFF, 0xFE, 0x01, 0x00}, {-2, 256}},
      {0x0C, 4, {0xFF, 0xFF, 0xFF, 0xFD, 0x00, 0x01, 0x00, 0x00}, {-3, 65536}},
      {0x0D, 4, {0x3F, 0xC0, 0x00, 0x00, 0xC2, 0x28, 0x00, 0x00}, {1.5f, -42}},
      {0x0E, 8, {0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18,
                 0xBF, 0xF0, 0, 0, 0, 0, 0, 0}, {3.14159265358979f, -1}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    unsigned char buf[64];
    char path[256], name[16];
    size_t off = header(buf, cases[c].type, 1, (uint32_t[]){2});
    memcpy(buf + off, cases[c].bytes, 2 * (size_t)cases[c].itemsize);
    snprintf(name, sizeof name, "type%02x", cases[c].type);
    iddl_tensor t = {0};
    iddl_err err;
    write_file(path, name, buf, off + 2 * (size_t)cases[c].itemsize, 0);
    if (iddl_idx_load(&t, path, &err)) fail_msg("%s", err.msg);
    assert_int_equal(t.size[0], 2);
    for (int i = 0; i < 2; i++)
      if (iddl_data(&t)[i] != cases[c].want[i])
        fail_msg("type 0x%02x element %d: %g, expected %g", cases[c].type, i,
                 (double)iddl_data(&t)[i], (double)cases[c].want[i]);
    iddl_tensor_release(&t);
  }
}

static void test_bad_header(void **state) {
  unsigned char buf[64];
  char path[256];
  header(buf, 0x08, 3, (uint32_t[]){2, 3, 4});
  load_fails(write_file(path, "short_magic", buf, 2, 0),
             "byte 0: truncated header: expected 4 bytes of magic number, "
             "got 2");
  load_fails(write_file(path, "short_sizes", buf, 9, 0),
             "byte 4: truncated header: expected 12 bytes of sizes (3 "
             "dimensions), got 5");
  load_fails(write_file(path, "short_sizes.gz", buf, 9, 1),
             "byte 4: truncated header: expected 12 bytes of sizes (3 "
             "dimensions), got 5");
  unsigned char bad[8] = {0x1F, 0x8C, 0x08, 0x03};
  load_fails(write_file(path, "magic", bad, 8, 0),
             "byte 0: bad magic number 0x1f8c0803: not an IDX file (expected "
             "0x0000TTNN: type TT, NN dimensions; MNIST images are "
             "0x00000803)");
  header(buf, 0x0A, 1, (uint32_t[]){1});
  load_fails(write_file(path, "type", buf, 9, 0),
             "byte 2: unknown data type 0x0a (known: 0x08 unsigned byte, "
             "0x09 signed byte, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e "
             "float64)");
  header(buf, 0x08, 0, NULL);
  load_fails(write_file(path, "ndim0", buf, 4, 0),
             "byte 3: 0 dimensions: iddl reads 1 to 8");
  buf[3] = 9;
  load_fails(write_file(path, "ndim9", buf, 4, 0),
             "byte 3: 9 dimensions: iddl reads 1 to 8");
  header(buf, 0x0E, 3, (uint32_t[]){0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF});
  load_fails(write_file(path, "huge", buf, 16, 0),
             "byte 4: sizes 4294967295x4294967295x4294967295 are too large");
}

/* A short data part names the data's first byte, what was expected and
 * what was there; the same in a gzip file. */
static void test_truncated_data(void **state) {
  static unsigned char buf[16 + 60 * 28 * 28];
  char path[256];
  images(buf, 60, 28, 28);
  load_fails(write_file(path, "train-images-idx3-ubyte", buf, 16 + 1000, 0),
             "byte 16: truncated: expected 47040 bytes of data, got 1000");
  load_fails(write_file(path, "cut.gz", buf, 16 + 47039, 1),
             "byte 16: truncated: expected 47040 bytes of data, got 47039");
  header(buf, 0x0C, 1, (uint32_t[]){3});
  load_fails(write_file(path, "int32", buf, 8 + 10, 0),
             "byte 8: truncated: expected 12 bytes of data, got 10");
}

/* A gzip stream cut in the middle of its compressed data. */
static void test_truncated_gzip_stream(void **state) {
  static unsigned char buf[16 + 60 * 28 * 28], gzbytes[1 << 16];
  char path[256];
  size_t n = images(buf, 60, 28, 28);
  write_file(path, "whole.gz", buf, n, 1);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  size_t len = fread(gzbytes, 1, sizeof gzbytes, f);
  fclose(f);
  write_file(path, "half.gz", gzbytes, len / 2, 0);
  iddl_tensor t = {0};
  iddl_err err;
  assert_int_not_equal(iddl_idx_load(&t, path, &err), 0);
  assert_null(t.storage);
  assert_non_null(strstr(err.msg, "half.gz: byte 16: truncated: expected "
                                  "47040 bytes of data, got "));
  assert_non_null(strstr(err.msg, "unexpected end of file"));
}

static void test_trailing_bytes(void **state) {
  unsigned char buf[64];
  char path[256];
  size_t off = header(buf, 0x08, 2, (uint32_t[]){2, 3});
  memset(buf + off, 7, 9);
  load_fails(write_file(path, "trailing", buf, off + 9, 0),
             "byte 18: 3 unexpected bytes after the data (the sizes need 6 "
             "bytes of unsigned byte)");
  load_fails(write_file(path, "trailing.gz", buf, off + 7, 1),
             "byte 18: 1 unexpected bytes after the data (the sizes need 6 "
             "bytes of unsigned byte)");
}

static void test_missing_file(void **state) {
  char path[256];
  snprintf(path, sizeof path, "%s/no-such-file", g_dir);
  load_fails(path, "cannot open: No such file or directory");
}

/* --- fixture ------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw) {
  return remove(path);
}

static int group_setup(void **state) {
  snprintf(g_dir, sizeof g_dir, "/tmp/iddl_test_idx_XXXXXX");
  return mkdtemp(g_dir) ? 0 : -1;
}

static int group_teardown(void **state) {
  return nftw(g_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ubyte_1d),
      cmocka_unit_test(test_ubyte_3d_plain_and_gz),
      cmocka_unit_test(test_empty_dimension),
      cmocka_unit_test(test_other_types),
      cmocka_unit_test(test_bad_header),
      cmocka_unit_test(test_truncated_data),
      cmocka_unit_test(test_truncated_gzip_stream),
      cmocka_unit_test(test_trailing_bytes),
      cmocka_unit_test(test_missing_file),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
