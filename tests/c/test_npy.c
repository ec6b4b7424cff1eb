/* test_npy.c - cmocka tests of src/npy.c: save/load round trips, files made
 * by NumPy (tests/golden/npy, from tests/gen_npy_fixtures.py), hand-built
 * headers, and every error path. Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "npy.h"

#define GOLDEN "tests/golden/npy/"

static char g_dir[64]; /* a fresh temporary folder per run */

/* --- helpers ------------------------------------------------------------- */

/* buf = g_dir/name. */
static char *tpath(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "%s/%s", g_dir, name);
  return buf;
}

static void write_bytes(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

static size_t read_bytes(const char *path, unsigned char *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  size_t n = fread(buf, 1, cap, f);
  fclose(f);
  return n;
}

/* Builds magic + version major.0 + dict padded with spaces and '\n' to a
 * multiple of `align` (0: no padding, no '\n') + data; returns the length. */
static size_t build_npy(unsigned char *buf, int major, const char *dict,
                        size_t align, const void *data, size_t ndata) {
  size_t pre = major == 1 ? 10 : 12, len = strlen(dict);
  memcpy(buf, "\x93NUMPY", 6);
  buf[6] = (unsigned char)major;
  buf[7] = 0;
  memcpy(buf + pre, dict, len);
  if (align) {
    while ((pre + len + 1) % align) buf[pre + len++] = ' ';
    buf[pre + len++] = '\n';
  }
  for (size_t i = 0; i < pre - 8; i++)
    buf[8 + i] = (unsigned char)(len >> (8 * i));
  if (ndata) memcpy(buf + pre + len, data, ndata);
  return pre + len + ndata;
}

/* Writes a hand-built .npy (64-byte aligned, version 1.0) to g_dir/name. */
static char *make_npy(char *path, const char *name, const char *dict,
                      const void *data, size_t ndata) {
  static unsigned char buf[1 << 16];
  tpath(path, 256, name);
  write_bytes(path, buf, build_npy(buf, 1, dict, 64, data, ndata));
  return path;
}

/* Checks t is contiguous with the given shape and values (bitwise). */
static void check_tensor(const iddl_tensor *t, int ndim, const int64_t *size,
                         const float *want) {
  assert_non_null(t->storage);
  assert_int_equal(t->ndim, ndim);
  for (int i = 0; i < ndim; i++) assert_int_equal(t->size[i], size[i]);
  assert_true(iddl_is_contiguous(t));
  int64_t n = iddl_numel(t);
  if (n > 0) assert_memory_equal(iddl_data(t), want, (size_t)n * sizeof(float));
}

/* Loads path and checks the result, then releases it. */
static void load_check(const char *path, int ndim, const int64_t *size,
                       const float *want) {
  iddl_tensor t = {0};
  iddl_err err = {{0}};
  if (iddl_npy_load(&t, path, &err)) fail_msg("%s", err.msg);
  check_tensor(&t, ndim, size, want);
  iddl_tensor_release(&t);
}

/* Loading path must fail, leave the output cleared, and the message must
 * contain each of the NULL-terminated strings. */
__attribute__((sentinel)) static void load_fails(const char *path, ...) {
  iddl_tensor t = {0};
  iddl_err err = {{0}};
  assert_int_not_equal(iddl_npy_load(&t, path, &err), 0);
  assert_null(t.storage);
  assert_int_equal(t.ndim, 0);
  va_list ap;
  va_start(ap, path);
  for (const char *s; (s = va_arg(ap, const char *));)
    if (!strstr(err.msg, s)) fail_msg("'%s' not in \"%s\"", s, err.msg);
  va_end(ap);
}

/* Fills a new contiguous tensor with i * 0.5 - 3 (and a few specials). */
static void make_tensor(iddl_tensor *t, int ndim, const int64_t *size) {
  iddl_err err;
  if (iddl_tensor_alloc(t, ndim, size, &err)) fail_msg("%s", err.msg);
  int64_t n = iddl_numel(t);
  float *p = n > 0 ? iddl_data(t) : NULL;
  for (int64_t i = 0; i < n; i++) p[i] = (float)i * 0.5f - 3.0f;
  float special[] = {NAN, -0.0f, INFINITY, -INFINITY, 1e-45f, 3.4e38f};
  for (int64_t i = 0; i < n && i < 6; i++) p[n - 1 - i] = special[i];
}

/* Saves t to g_dir/name, checks that no temporary file is left. */
static void save_ok(const char *path, const iddl_tensor *t) {
  iddl_err err;
  if (iddl_npy_save(path, t, &err)) fail_msg("%s", err.msg);
  DIR *d = opendir(g_dir);
  assert_non_null(d);
  for (struct dirent *e; (e = readdir(d));)
    if (strstr(e->d_name, ".tmp."))
      fail_msg("temporary file %s left", e->d_name);
  closedir(d);
}

/* --- round trips --------------------------------------------------------- */

static void test_roundtrip_shapes(void **state) {
  static const struct {
    int ndim;
    int64_t size[IDDL_MAX_DIMS];
  } cases[] = {
      {0, {0}}, {1, {5}},       {2, {2, 3}},  {3, {2, 0, 3}},
      {1, {0}}, {3, {3, 4, 5}}, {1, {10000}}, {8, {2, 1, 2, 1, 2, 1, 1, 3}},
  };
  char path[256];
  tpath(path, sizeof path, "rt.npy");
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    iddl_tensor t = {0};
    make_tensor(&t, cases[c].ndim, cases[c].size);
    save_ok(path, &t);
    load_check(path, cases[c].ndim, cases[c].size,
               iddl_numel(&t) ? iddl_data(&t) : NULL);
    iddl_tensor_release(&t);
  }
}

/* Views are saved in logical row-major order: transposed, expanded
 * (stride 0), offset, and a large transposed one (several write chunks). */
static void test_roundtrip_views(void **state) {
  char path[256];
  tpath(path, sizeof path, "view.npy");
  iddl_tensor base = {0};
  make_tensor(&base, 2, (int64_t[]){100, 90});
  const float *b = iddl_data(&base);
  iddl_tensor v = base; /* borrowed views: no extra reference, not released */
  float *want = malloc(9000 * sizeof *want); /* (90, 100) */
  assert_non_null(want);

  v.size[0] = 90, v.size[1] = 100, v.stride[0] = 1, v.stride[1] = 90;
  for (int i = 0; i < 90; i++)
    for (int j = 0; j < 100; j++) want[i * 100 + j] = b[j * 90 + i];
  save_ok(path, &v);
  load_check(path, 2, v.size, want);

  v = base; /* (3, 90): row 5 repeated */
  v.offset = 5 * 90, v.size[0] = 3, v.stride[0] = 0;
  for (int i = 0; i < 3 * 90; i++) want[i] = b[5 * 90 + i % 90];
  save_ok(path, &v);
  load_check(path, 2, v.size, want);

  v = base; /* (4, 2): base[10:14, 7:9] */
  v.offset = 10 * 90 + 7, v.size[0] = 4, v.size[1] = 2;
  for (int i = 0; i < 8; i++) want[i] = b[(10 + i / 2) * 90 + 7 + i % 2];
  save_ok(path, &v);
  load_check(path, 2, v.size, want);

  v = base; /* scalar view of element 42 */
  v.ndim = 0, v.offset = 42;
  save_ok(path, &v);
  load_check(path, 0, NULL, b + 42);
  free(want);
  iddl_tensor_release(&base);
}

/* The writer's bytes equal numpy.save's, and it replaces existing files. */
static void test_save_matches_numpy(void **state) {
  static const struct {
    const char *file;
    int ndim;
    int64_t size[3];
  } cases[] = {{"f4_2x3.npy", 2, {2, 3}},
               {"f4_scalar.npy", 0, {0}},
               {"f4_5.npy", 1, {5}},
               {"f4_2x0x3.npy", 3, {2, 0, 3}}};
  float v23[] = {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f}, vs[] = {3.25f},
        v5[] = {0, 0.5f, 1, 1.5f, 2};
  const float *vals[] = {v23, vs, v5, NULL};
  char path[256], golden[256];
  unsigned char a[512], b[512];
  tpath(path, sizeof path, "same.npy");
  write_bytes(path, "old contents", 12);
  for (int c = 0; c < 4; c++) {
    iddl_tensor t = {0};
    iddl_err err;
    assert_int_equal(iddl_tensor_alloc(&t, cases[c].ndim, cases[c].size, &err),
                     0);
    if (vals[c]) memcpy(iddl_data(&t), vals[c], iddl_numel(&t) * sizeof(float));
    save_ok(path, &t);
    snprintf(golden, sizeof golden, GOLDEN "%s", cases[c].file);
    size_t na = read_bytes(path, a, sizeof a),
           nb = read_bytes(golden, b, sizeof b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    assert_int_equal((a[8] | a[9] << 8) % 64, 64 - 10);
    iddl_tensor_release(&t);
  }
}

static void test_save_errors(void **state) {
  char path[256];
  iddl_err err;
  iddl_tensor t = {0};
  assert_int_not_equal(
      iddl_npy_save(tpath(path, sizeof path, "x.npy"), &t, &err), 0);
  assert_non_null(strstr(err.msg, "x.npy"));
  make_tensor(&t, 1, (int64_t[]){3});
  tpath(path, sizeof path, "no/such/dir/x.npy");
  assert_int_not_equal(iddl_npy_save(path, &t, &err), 0);
  assert_non_null(strstr(err.msg, path));
  assert_non_null(strstr(err.msg, "No such file or directory"));
  /* the target is a folder: rename fails, the temporary file goes away */
  tpath(path, sizeof path, "adir");
  assert_int_equal(mkdir(path, 0700), 0);
  assert_int_not_equal(iddl_npy_save(path, &t, &err), 0);
  assert_non_null(strstr(err.msg, "adir"));
  assert_int_equal(rmdir(path), 0);
  save_ok(tpath(path, sizeof path, "fine.npy"), &t);
  iddl_tensor_release(&t);
}

/* --- files made by NumPy ------------------------------------------------- */

static void test_numpy_files(void **state) {
  float f8[] = {(float)0.1, -2.5f, 1e10f, -0.0f, 3.0f};
  float i1[] = {-128, -1, 0, 127},
        i4[] = {-2147483648.0f, -1, 0, (float)2147483647};
  float i8[] = {(float)-(1LL << 40), 0, (float)(1LL << 53)};
  float u1[] = {0, 1, 128, 255}, u2[] = {0, 1, 65535},
        u4[] = {0, (float)4294967295u};
  float u8[] = {1, (float)18446744073709551615ull}, b1[] = {1, 0, 1};
  float f24[24], i6[6] = {0, 1, 2, 3, 4, 5}, f4[4] = {0, 1, 2, 3};
  for (int i = 0; i < 24; i++) f24[i] = (float)i;
  load_check(GOLDEN "f8_5.npy", 1, (int64_t[]){5}, f8);
  load_check(GOLDEN "i1_4.npy", 1, (int64_t[]){4}, i1);
  load_check(GOLDEN "i2_0x3.npy", 2, (int64_t[]){0, 3}, NULL);
  load_check(GOLDEN "i4_2x2.npy", 2, (int64_t[]){2, 2}, i4);
  load_check(GOLDEN "i8_3.npy", 1, (int64_t[]){3}, i8);
  load_check(GOLDEN "u1_2x2.npy", 2, (int64_t[]){2, 2}, u1);
  load_check(GOLDEN "u2_3.npy", 1, (int64_t[]){3}, u2);
  load_check(GOLDEN "u4_2.npy", 1, (int64_t[]){2}, u4);
  load_check(GOLDEN "u8_2.npy", 1, (int64_t[]){2}, u8);
  load_check(GOLDEN "b1_3.npy", 1, (int64_t[]){3}, b1);
  load_check(GOLDEN "f4_scalar.npy", 0, NULL, (float[]){3.25f});
  load_check(GOLDEN "f4_2x0x3.npy", 3, (int64_t[]){2, 0, 3}, NULL);
  load_check(GOLDEN "f4_fortran_2x3x4.npy", 3, (int64_t[]){2, 3, 4}, f24);
  load_check(GOLDEN "i4_fortran_3x2.npy", 2, (int64_t[]){3, 2}, i6);
  load_check(GOLDEN "f4_v2_3.npy", 1, (int64_t[]){3}, f4);
  load_check(GOLDEN "f4_v3_2x2.npy", 2, (int64_t[]){2, 2}, f4);
  load_fails(GOLDEN "f4_bigendian_2.npy", "f4_bigendian_2.npy", "byte ",
             "big-endian not supported", NULL);
  load_fails(GOLDEN "c8_2.npy", "c8_2.npy", "unsupported dtype '<c8'", NULL);
}

/* --- hand-built headers -------------------------------------------------- */

static void test_handmade_dtypes(void **state) {
  char p[256];
  double f8[] = {1.5, -1e300};
  int32_t i4[] = {7, -8, 9, 2147483647};
  uint8_t u1[] = {0, 1, 2, 255}, b1[] = {0, 1, 0, 7};
  int16_t i2[] = {-32768, 32767};
  uint64_t u8[] = {42};
  float f4[] = {1.25f, -2};
  load_check(make_npy(p, "f8.npy",
                      "{'descr': '<f8', 'fortran_order': False, "
                      "'shape': (2,), }",
                      f8, sizeof f8),
             1, (int64_t[]){2}, (float[]){1.5f, -INFINITY});
  load_check(make_npy(p, "i4.npy",
                      "{ \"shape\" : ( 2 , 2 ) , \"fortran_order\""
                      ":False,\"descr\":\"<i4\"}",
                      i4, sizeof i4),
             2, (int64_t[]){2, 2}, (float[]){7, -8, 9, 2147483648.0f});
  load_check(make_npy(p, "u1.npy",
                      "{'descr': '|u1', 'fortran_order': False, "
                      "'shape': (4,)}",
                      u1, 4),
             1, (int64_t[]){4}, (float[]){0, 1, 2, 255});
  load_check(make_npy(p, "b1.npy",
                      "{'descr':'|b1','fortran_order':False,"
                      "'shape':(2,2,),}",
                      b1, 4),
             2, (int64_t[]){2, 2}, (float[]){0, 1, 0, 1});
  load_check(make_npy(p, "i1.npy",
                      "{'descr': '|i1', 'fortran_order': False, "
                      "'shape': (4,), }",
                      u1, 4),
             1, (int64_t[]){4}, (float[]){0, 1, 2, -1});
  load_check(make_npy(p, "i2.npy",
                      "{'descr': '<i2', 'fortran_order': False, "
                      "'shape': (1L, 2L), }",
                      i2, 4),
             2, (int64_t[]){1, 2}, (float[]){-32768, 32767});
  load_check(make_npy(p, "u8.npy",
                      "{'descr': '<u8', 'fortran_order': False, "
                      "'shape': (), }",
                      u8, 8),
             0, NULL, (float[]){42});
  load_check(make_npy(p, "ne.npy",
                      "{'descr': '=f4', 'fortran_order': False, "
                      "'shape': (2,), }",
                      f4, 8),
             1, (int64_t[]){2}, f4);
}

/* Column-major data, format versions 2.0/3.0, unaligned data offsets, and
 * a u1 file larger than one conversion chunk. */
static void test_handmade_layouts(void **state) {
  static unsigned char buf[20000];
  char p[256];
  float fcol[] = {0, 3, 1, 4, 2, 5}, rows[] = {0, 1, 2, 3, 4, 5};
  int16_t i2col[24];
  float want24[24];
  for (int i = 0; i < 2; i++) /* (2, 3, 4) stored column-major */
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 4; k++) {
        want24[(i * 3 + j) * 4 + k] = (float)(i * 100 + j * 10 + k);
        i2col[i + 2 * j + 6 * k] = (int16_t)(i * 100 + j * 10 + k);
      }
  load_check(make_npy(p, "fo.npy",
                      "{'descr': '<f4', 'fortran_order': True, "
                      "'shape': (2, 3), }",
                      fcol, sizeof fcol),
             2, (int64_t[]){2, 3}, rows);
  load_check(make_npy(p, "fo3.npy",
                      "{'descr': '<i2', 'fortran_order': True, "
                      "'shape': (2, 3, 4), }",
                      i2col, sizeof i2col),
             3, (int64_t[]){2, 3, 4}, want24);
  const char *d23 =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  int64_t s23[] = {2, 3};
  for (int major = 1; major <= 3; major++)
    for (size_t align = 0; align <= 64; align += 16) {
      write_bytes(tpath(p, sizeof p, "v.npy"), buf,
                  build_npy(buf, major, d23, align, rows, sizeof rows));
      load_check(p, 2, s23, rows);
    }
  float *big = malloc(10000 * sizeof *big); /* (10000) */
  assert_non_null(big);
  for (int i = 0; i < 10000; i++)
    buf[i] = (unsigned char)(i * 7), big[i] = (float)(unsigned char)(i * 7);
  load_check(make_npy(p, "big.npy",
                      "{'descr': '|u1', 'fortran_order': False, "
                      "'shape': (100, 100), }",
                      buf, 10000),
             2, (int64_t[]){100, 100}, big);
  free(big);
}

/* --- errors -------------------------------------------------------------- */

static void test_errors_file(void **state) {
  static unsigned char buf[4096];
  char p[256];
  float data[12] = {0};
  const char *d34 =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
  load_fails(tpath(p, sizeof p, "missing.npy"), "missing.npy",
             "No such file or directory", NULL);
  write_bytes(tpath(p, sizeof p, "empty.npy"), "", 0);
  load_fails(p, "empty.npy", "byte 0", "not a .npy file", NULL);
  write_bytes(tpath(p, sizeof p, "magic.npy"), "PK\x03\x04 zip file", 13);
  load_fails(p, "magic.npy", "byte 0", "not a .npy file", NULL);
  write_bytes(p, "\x93NUMPY\x01", 7);
  load_fails(p, "magic.npy", "byte 6", NULL);
  size_t n = build_npy(buf, 1, d34, 64, data, sizeof data);
  buf[6] = 4;
  write_bytes(tpath(p, sizeof p, "ver.npy"), buf, n);
  load_fails(p, "ver.npy", "byte 6", "version 4.0", NULL);
  buf[6] = 1;
  write_bytes(tpath(p, sizeof p, "cut.npy"), buf, 40); /* inside the header */
  load_fails(p, "cut.npy",
             "byte 8: header length 118 runs past end of file "
             "(size 40)",
             NULL);
  write_bytes(p, buf, 128 + 20); /* 20 of the 48 data bytes */
  load_fails(p, "cut.npy", "truncated data", "48 bytes", "byte 128", "has 20",
             NULL);
  write_bytes(p, buf, 128); /* no data at all */
  load_fails(p, "cut.npy", "truncated data", "48 bytes", "byte 128", "has 0",
             NULL);
  memcpy(buf + n, "xyz", 3); /* trailing garbage */
  write_bytes(tpath(p, sizeof p, "long.npy"), buf, n + 3);
  load_fails(p, "long.npy", "byte 176", "3 unexpected bytes", NULL);
  n = build_npy(buf, 2, d34, 64, data, sizeof data);
  buf[11] = 0x7f; /* a 2 GB header in a 176-byte file */
  write_bytes(tpath(p, sizeof p, "v2.npy"), buf, n);
  load_fails(p, "v2.npy", "byte 8: header length", "runs past end of file",
             NULL);
  write_bytes(p, buf, 11);
  load_fails(p, "v2.npy", "byte 8", NULL);
  write_bytes(p, buf, build_npy(buf, 2, "", 0, data, sizeof data)); /* hlen 0 */
  load_fails(p, "v2.npy",
             "byte 12: malformed header: expected '{', found end "
             "of header",
             NULL);
}

/* A header of dict text; loading it must fail with msg parts. */
#define BAD_HEADER(dict, ...)                                                  \
  do {                                                                         \
    char p_[256];                                                              \
    load_fails(make_npy(p_, "bad.npy", dict, zeros, sizeof zeros), "bad.npy",  \
               __VA_ARGS__, NULL);                                             \
  } while (0)

static void test_errors_header(void **state) {
  static const float zeros[64];
  BAD_HEADER("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
             "byte 20: dtype '>f4': big-endian not supported");
  BAD_HEADER("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }",
             "byte 20", "unsupported dtype '<c8'");
  BAD_HEADER("{'descr': '|f4', 'fortran_order': False, 'shape': (2,), }",
             "unsupported dtype '|f4'");
  BAD_HEADER(
      "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }",
      "byte 20", "structured");
  BAD_HEADER("{'descr': '<f4', 'fortran_order': False, "
             "'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }",
             "byte 60", "9 dimensions", "at most 8");
  BAD_HEADER("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }",
             "byte 64", "negative dimension");
  BAD_HEADER("{'descr': '<f4', 'fortran_order': False, "
             "'shape': (4294967296, 4294967296, 4294967296), }",
             "byte 60", "too large");
  BAD_HEADER("{'descr': '<f4', 'fortran_order': False, "
             "'shape': (99999999999999999999,), }",
             "byte 61", "too large");
  BAD_HEADER("{'descr': '<f4' 'fortran_order': False, 'shape': (2,), }",
             "byte 26", "expected '}'");
  BAD_HEADER("{'descr': '<f4', 'fortran_order': False, 'shape': (2 3), }",
             "byte 63", "expected ')', found '3'");
  BAD_HEADER("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", "byte 44",
             "True/False");
  BAD_HEADER("{'descr': '<f4', 'shape': (2,), }", "no 'fortran_order' key");
  BAD_HEADER("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), "
             "'extra': 1}",
             "byte 66", "unexpected key 'extra'");
  BAD_HEADER("{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }",
             "byte 20", "unsupported dtype '<f4, '");
  BAD_HEADER("{'descr': '<f4", "byte 20", "unterminated string");
  BAD_HEADER("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x",
             "byte 68", "after the closing '}'");
  BAD_HEADER("['descr', '<f4']", "byte 10", "expected '{', found '['");
  BAD_HEADER("{'descr': '<f4', 'fortran_order': False, 'shape': (2,",
             "end of header");
  BAD_HEADER("", "byte 64", "expected '{', found end of header");
}

/* Loads from a pipe (no file size known): good data, then short data. */
static void test_pipe(void **state) {
  static unsigned char buf[4096];
  float rows[] = {0, 1, 2, 3, 4, 5};
  const char *d23 =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  size_t n = build_npy(buf, 1, d23, 64, rows, sizeof rows);
  for (int cut = 0; cut < 3;
       cut++) { /* whole, 4 data bytes short, header cut */
    int fd[2];
    char p[64];
    assert_int_equal(pipe(fd), 0);
    size_t len = cut == 0 ? n : cut == 1 ? n - 4 : 40;
    assert_int_equal(write(fd[1], buf, len), (ssize_t)len); /* fits the pipe */
    close(fd[1]);
    snprintf(p, sizeof p, "/dev/fd/%d", fd[0]);
    if (cut == 0) load_check(p, 2, (int64_t[]){2, 3}, rows);
    if (cut == 1)
      load_fails(p, p, "truncated data",
                 "read 20 of the 24 data "
                 "bytes that start at byte 128",
                 NULL);
    if (cut == 2)
      load_fails(p, p, "byte 10: file ends inside the header", NULL);
    close(fd[0]);
  }
}

/* --- fixture ------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw) {
  return remove(path);
}

static int group_setup(void **state) {
  snprintf(g_dir, sizeof g_dir, "/tmp/iddl_test_npy_XXXXXX");
  return mkdtemp(g_dir) ? 0 : -1;
}

static int group_teardown(void **state) {
  return nftw(g_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip_shapes),
      cmocka_unit_test(test_roundtrip_views),
      cmocka_unit_test(test_save_matches_numpy),
      cmocka_unit_test(test_save_errors),
      cmocka_unit_test(test_numpy_files),
      cmocka_unit_test(test_handmade_dtypes),
      cmocka_unit_test(test_handmade_layouts),
      cmocka_unit_test(test_errors_file),
      cmocka_unit_test(test_errors_header),
      cmocka_unit_test(test_pipe),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
