/* idx.c - the IDX loader (MNIST's format), plain or gzip through zlib.
 *
 * zlib's gzread reads both: a file without the gzip signature is passed
 * through as is ("transparent" mode), so one code path serves x and x.gz.
 * The data is read in IDX_CHUNK-byte pieces and converted to float with one
 * tight loop per element type; gztell gives the uncompressed byte position
 * used in every message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "idx.h"

#define IDX_CHUNK (1 << 20) /* bytes read and converted per step */

typedef long long ll;

/* The element types of the format: code byte, bytes per element, name. */
typedef struct idx_type {
  unsigned char code;
  int itemsize;
  const char *name;
} idx_type;

static const idx_type idx_types[] = {
    {0x08, 1, "unsigned byte"}, {0x09, 1, "signed byte"},
    {0x0B, 2, "int16"},         {0x0C, 4, "int32"},
    {0x0D, 4, "float32"},       {0x0E, 8, "float64"}};

/* An open file being read: its name, zlib handle and chunk buffer. */
typedef struct idx_reader {
  const char *path;
  gzFile f;
  unsigned char *buf; /* (IDX_CHUNK) */
  iddl_err *err;
} idx_reader;

/* Fails with "path: byte off: <message>". */
__attribute__((format(printf, 3, 4)))
static int fail_at(idx_reader *r, ll off, const char *fmt, ...) {
  char msg[384];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return iddl_fail(r->err, "%s: byte %lld: %s", r->path, off, msg);
}

/* zlib's description of the last error of r->f, or "" if there is none. */
static const char *gz_problem(idx_reader *r) {
  int code;
  const char *msg = gzerror(r->f, &code);
  if (code == Z_OK) return "";
  return code == Z_ERRNO ? strerror(errno) : msg;
}

/* Reads up to n bytes (n <= IDX_CHUNK) into dst; returns how many were read
 * (fewer only at the end of the data), or -1 with the error set when zlib
 * reports corrupt compressed data or a read error. */
static ll read_some(idx_reader *r, void *dst, ll n) {
  int got = gzread(r->f, dst, (unsigned)n);
  if (got < 0)
    return fail_at(r, (ll)gztell(r->f), "cannot read: %s", gz_problem(r));
  return got;
}

/* Reads exactly n header bytes at offset off; `what` names them for the
 * message on a short read. */
static int read_header(idx_reader *r, void *dst, ll n, ll off,
                       const char *what) {
  ll got = read_some(r, dst, n);
  if (got < 0) return -1;
  if (got < n)
    return fail_at(r, off, "truncated header: expected %lld bytes of %s, "
                   "got %lld", n, what, got);
  return 0;
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

/* Converts n big-endian elements of type code from src to floats at dst. */
static void convert(float *dst, const unsigned char *src, ll n,
                    unsigned char code) {
  switch (code) {
  case 0x08:
    for (ll i = 0; i < n; i++) dst[i] = (float)src[i];
    break;
  case 0x09:
    for (ll i = 0; i < n; i++) dst[i] = (float)(signed char)src[i];
    break;
  case 0x0B:
    for (ll i = 0; i < n; i++) {
      uint16_t v;
      memcpy(&v, src + 2 * i, 2);
      dst[i] = (float)(int16_t)__builtin_bswap16(v);
    }
    break;
  case 0x0C:
    for (ll i = 0; i < n; i++) {
      uint32_t v;
      memcpy(&v, src + 4 * i, 4);
      dst[i] = (float)(int32_t)__builtin_bswap32(v);
    }
    break;
  case 0x0D:
    for (ll i = 0; i < n; i++) {
      uint32_t v;
      memcpy(&v, src + 4 * i, 4);
      v = __builtin_bswap32(v);
      memcpy(dst + i, &v, 4);
    }
    break;
  default: /* 0x0E */
    for (ll i = 0; i < n; i++) {
      uint64_t v;
      double d;
      memcpy(&v, src + 8 * i, 8);
      v = __builtin_bswap64(v);
      memcpy(&d, &v, 8);
      dst[i] = (float)d;
    }
    break;
  }
}

/* Reads the magic and the sizes; sets *type, *ndim, size[] and *off (the
 * byte where the data starts). */
static int parse_header(idx_reader *r, const idx_type **type, int *ndim,
                        int64_t *size, ll *off) {
  unsigned char magic[4], dims[4 * 255];
  if (read_header(r, magic, 4, 0, "magic number")) return -1;
  if (magic[0] || magic[1])
    return fail_at(r, 0, "bad magic number 0x%08x: not an IDX file (expected "
                   "0x0000TTNN: type TT, NN dimensions; MNIST images are "
                   "0x00000803)", (unsigned)be32(magic));
  *type = NULL;
  for (size_t i = 0; i < sizeof idx_types / sizeof *idx_types; i++)
    if (idx_types[i].code == magic[2]) *type = &idx_types[i];
  if (!*type)
    return fail_at(r, 2, "unknown data type 0x%02x (known: 0x08 unsigned "
                   "byte, 0x09 signed byte, 0x0b int16, 0x0c int32, 0x0d "
                   "float32, 0x0e float64)", magic[2]);
  *ndim = magic[3];
  if (*ndim < 1 || *ndim > IDDL_MAX_DIMS)
    return fail_at(r, 3, "%d dimensions: iddl reads 1 to %d", *ndim,
                   IDDL_MAX_DIMS);
  char what[48];
  snprintf(what, sizeof what, "sizes (%d dimensions)", *ndim);
  if (read_header(r, dims, 4 * *ndim, 4, what)) return -1;
  ll numel = 1, limit = INT64_MAX / 8;
  for (int i = 0; i < *ndim; i++) size[i] = be32(dims + 4 * i);
  for (int i = 0; i < *ndim; i++) {
    if (size[i] && numel > limit / size[i]) {
      char buf[160];
      return fail_at(r, 4, "sizes %s are too large", iddl_sizes_str(
                     *ndim, size, buf, sizeof buf));
    }
    numel *= size[i];
  }
  *off = 4 + 4 * (ll)*ndim;
  return 0;
}

/* Reads the data into out (numel elements of type) starting at byte off,
 * then checks that nothing follows it. */
static int read_data(idx_reader *r, float *out, ll numel, const idx_type *type,
                     ll off) {
  ll per = IDX_CHUNK / type->itemsize, want = numel * type->itemsize;
  for (ll done = 0; done < numel;) {
    ll n = numel - done < per ? numel - done : per;
    ll got = read_some(r, r->buf, n * type->itemsize);
    if (got < 0) return -1;
    if (got < n * type->itemsize) {
      const char *why = gz_problem(r);
      return fail_at(r, off, "truncated: expected %lld bytes of data, got "
                     "%lld%s%s%s", want, done * type->itemsize + got,
                     *why ? " (" : "", why, *why ? ")" : "");
    }
    convert(out + done, r->buf, n, type->code);
    done += n;
  }
  ll extra = 0, got;
  while ((got = read_some(r, r->buf, IDX_CHUNK)) > 0) extra += got;
  if (got < 0) return -1;
  if (extra)
    return fail_at(r, off + want, "%lld unexpected bytes after the data "
                   "(the sizes need %lld bytes of %s)", extra, want,
                   type->name);
  return 0;
}

int iddl_idx_load(iddl_tensor *out, const char *path, iddl_err *err) {
  idx_reader r = {path, NULL, NULL, err};
  iddl_err aerr;
  const idx_type *type = NULL;
  int ndim = 0;
  int64_t size[IDDL_MAX_DIMS];
  ll off = 0;
  int rc = -1;
  r.buf = malloc(IDX_CHUNK);
  if (!r.buf) return iddl_fail(err, "%s: out of memory", path);
  errno = 0;
  r.f = gzopen(path, "rb");
  if (!r.f) {
    iddl_fail(err, "%s: cannot open: %s", path,
              errno ? strerror(errno) : "out of memory");
    goto done;
  }
  gzbuffer(r.f, 1 << 18);
  if (parse_header(&r, &type, &ndim, size, &off)) goto done;
  if (iddl_tensor_alloc(out, ndim, size, &aerr)) {
    iddl_fail(err, "%s: %s", path, aerr.msg);
    goto done;
  }
  rc = read_data(&r, iddl_data(out), iddl_numel(out), type, off);
  if (rc) iddl_tensor_release(out);
done:
  if (r.f) gzclose(r.f);
  free(r.buf);
  return rc;
}
