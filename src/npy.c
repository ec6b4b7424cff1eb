/* npy.c - NumPy .npy files: a loader for versions 1.0/2.0/3.0 that converts
 * the common little-endian dtypes to float32, and an atomic float32 writer
 * whose output is byte-identical to numpy.save (NumPy 1.24) of a float32
 * C-order array (growth-axis padding included).
 *
 * Format (numpy/lib/format.py): magic "\x93NUMPY", major and minor version
 * bytes, header length (uint16 for 1.0, uint32 for 2.0/3.0, little-endian),
 * then the header, a Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * padded with spaces and a final '\n', then the raw data.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "npy.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "npy.c reads and writes little-endian data with plain memcpy"
#endif

#define NPY_MAGIC "\x93NUMPY"
#define NPY_ALIGN 64           /* data offset is a multiple of this */
#define NPY_GROWTH_DIGITS 21   /* numpy pads so shape[0] can grow in place */
#define NPY_CHUNK 4096         /* elements converted or written per step */
#define NPY_HDR_CAP 1024       /* > the largest header of IDDL_MAX_DIMS dims */

_Static_assert(IDDL_MAX_DIMS <= 32, "NPY_HDR_CAP is too small");

typedef long long ll;

/* What a file's header says and where its parts are. */
typedef struct npy_info {
  const char *path;
  ll file_size;           /* bytes; -1 when not a regular file */
  ll data_off;            /* byte offset of the array data */
  ll shape_at;            /* byte offset of the shape tuple */
  char descr[32];         /* e.g. "<f4" */
  char kind;              /* 'f' float, 'i' signed, 'u' unsigned, 'b' bool */
  int itemsize;           /* bytes per element: 1, 2, 4 or 8 */
  int fortran;            /* data is column-major */
  int ndim;
  int64_t size[IDDL_MAX_DIMS];
  int64_t numel;
  ll nbytes;              /* numel * itemsize */
  int seen;               /* keys found: 1 descr, 2 fortran_order, 4 shape */
} npy_info;

/* A cursor over the header text s (n bytes); base = file offset of s[0]. */
typedef struct npy_parser {
  const char *s;
  ll n, pos, base;
  const char *path;
  iddl_err *err;
} npy_parser;

/* Fails with "path: byte off: <message>". */
__attribute__((format(printf, 4, 5)))
static int fail_at(iddl_err *err, const char *path, ll off, const char *fmt,
                   ...) {
  char msg[384];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return iddl_fail(err, "%s: byte %lld: %s", path, off, msg);
}

/* Fails at header position at (0 = first header byte). */
#define PERR(p, at, ...) \
  fail_at((p)->err, (p)->path, (p)->base + (at), __VA_ARGS__)

/* Writes "2x3" ("scalar" for ndim 0) into buf. */
static const char *fmt_shape(int ndim, const int64_t *size, char *buf,
                             size_t n) {
  size_t k = 0;
  snprintf(buf, n, "scalar");
  for (int i = 0; i < ndim && k < n; i++)
    k += snprintf(buf + k, n - k, i ? "x%lld" : "%lld", (ll)size[i]);
  return buf;
}

/* --- header parsing ------------------------------------------------------ */

/* Skips blanks; returns the next byte or -1 at the end of the header. */
static int peek(npy_parser *p) {
  while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                           p->s[p->pos] == '\r' || p->s[p->pos] == '\n'))
    p->pos++;
  return p->pos < p->n ? (unsigned char)p->s[p->pos] : -1;
}

/* Fails at the cursor: "expected <wanted>, found <what is there>". */
static int unexpected(npy_parser *p, const char *wanted) {
  char what[16];
  int c = peek(p);
  if (c < 0) snprintf(what, sizeof what, "end of header");
  else if (c >= 0x20 && c < 0x7f) snprintf(what, sizeof what, "'%c'", c);
  else snprintf(what, sizeof what, "byte 0x%02x", c);
  return PERR(p, p->pos, "malformed header: expected %s, found %s", wanted,
              what);
}

static int expect(npy_parser *p, char c) {
  if (peek(p) != c) return unexpected(p, (char[]){'\'', c, '\'', 0});
  p->pos++;
  return 0;
}

/* Reads a quoted string ('...' or "...") into buf (cap bytes with NUL). */
static int parse_str(npy_parser *p, char *buf, size_t cap) {
  int q = peek(p);
  ll at = p->pos;
  if (q != '\'' && q != '"') return unexpected(p, "a quoted string");
  const char *s = p->s + at + 1, *end = memchr(s, q, (size_t)(p->n - at - 1));
  if (!end) return PERR(p, at, "malformed header: unterminated string");
  if ((size_t)(end - s) >= cap)
    return PERR(p, at, "malformed header: unexpectedly long string");
  memcpy(buf, s, (size_t)(end - s));
  buf[end - s] = '\0';
  p->pos = end - p->s + 1;
  return 0;
}

/* Sets kind/itemsize from a descr such as '<f4', '|u1' or '=i8'. */
static int parse_descr(npy_parser *p, npy_info *h) {
  static const char *const ok[] = {"f4", "f8", "i1", "i2", "i4", "i8",
                                   "u1", "u2", "u4", "u8", "b1"};
  char *d = h->descr;
  ll at = (peek(p), p->pos);
  int known = 0;
  if (peek(p) == '[')
    return PERR(p, at, "structured dtypes are not supported");
  if (parse_str(p, d, sizeof h->descr)) return -1;
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    known |= strlen(d) == 3 && strchr("<>=|", d[0]) && !strcmp(d + 1, ok[i]);
  if (known && d[0] == '>' && d[2] != '1')
    return PERR(p, at, "dtype '%s': big-endian not supported", d);
  if (!known || (d[0] == '|' && d[2] != '1'))
    return PERR(p, at, "unsupported dtype '%s' (supported: float32/64, "
                "int8/16/32/64, uint8/16/32/64, bool)", d);
  h->kind = d[1];
  h->itemsize = d[2] - '0';
  return 0;
}

static int parse_bool(npy_parser *p, int *v) {
  ll at = (peek(p), p->pos), left = p->n - at;
  if (left >= 4 && !memcmp(p->s + at, "True", 4)) *v = 1, p->pos += 4;
  else if (left >= 5 && !memcmp(p->s + at, "False", 5)) *v = 0, p->pos += 5;
  else return PERR(p, at, "malformed header: fortran_order is not True/False");
  return 0;
}

/* Reads one non-negative dimension (Python 2 writers add an 'L'). */
static int parse_dim(npy_parser *p, int64_t *v) {
  int c = peek(p);
  ll at = p->pos;
  int64_t x = 0;
  if (c == '-') return PERR(p, at, "negative dimension in shape");
  if (c < '0' || c > '9') return unexpected(p, "a dimension");
  for (; p->pos < p->n && (c = p->s[p->pos]) >= '0' && c <= '9'; p->pos++) {
    int digit = c - '0';
    if (x > (INT64_MAX - digit) / 10)
      return PERR(p, at, "dimension too large");
    x = x * 10 + digit;
  }
  if (p->pos < p->n && p->s[p->pos] == 'L') p->pos++;
  *v = x;
  return 0;
}

/* shape := '(' [dim (',' dim)* [',']] ')', so () and (5,) included. */
static int parse_shape(npy_parser *p, npy_info *h) {
  int64_t extra;
  int n = 0;
  h->shape_at = (peek(p), p->base + p->pos);
  if (expect(p, '(')) return -1;
  while (peek(p) != ')') {
    if (parse_dim(p, n < IDDL_MAX_DIMS ? &h->size[n] : &extra)) return -1;
    n++;
    int c = peek(p);
    if (c == ',') p->pos++;
    else if (c != ')') return expect(p, ')');
  }
  p->pos++;
  if (n > IDDL_MAX_DIMS)
    return fail_at(p->err, p->path, h->shape_at, "shape has %d dimensions; "
                   "iddl supports at most %d (IDDL_MAX_DIMS)", n,
                   IDDL_MAX_DIMS);
  h->ndim = n;
  return 0;
}

static int parse_entry(npy_parser *p, npy_info *h) {
  char key[32];
  ll at = (peek(p), p->pos);
  if (parse_str(p, key, sizeof key) || expect(p, ':')) return -1;
  if (!strcmp(key, "descr")) return h->seen |= 1, parse_descr(p, h);
  if (!strcmp(key, "fortran_order"))
    return h->seen |= 2, parse_bool(p, &h->fortran);
  if (!strcmp(key, "shape")) return h->seen |= 4, parse_shape(p, h);
  return PERR(p, at, "malformed header: unexpected key '%s'", key);
}

/* Parses the whole header dict into h. */
static int parse_header(npy_parser *p, npy_info *h) {
  if (expect(p, '{')) return -1;
  while (peek(p) != '}') {
    if (parse_entry(p, h)) return -1;
    int c = peek(p);
    if (c == ',') p->pos++;
    else if (c != '}') return expect(p, '}');
  }
  p->pos++;
  if (peek(p) >= 0)
    return PERR(p, p->pos, "malformed header: text after the closing '}'");
  if (h->seen != 7)
    return PERR(p, 0, "malformed header: no '%s' key", !(h->seen & 1) ? "descr"
                : !(h->seen & 2) ? "fortran_order" : "shape");
  return 0;
}

/* --- reading ------------------------------------------------------------ */

/* Reads magic, version and header length; leaves f at the header text.
 * Sets *hlen and h->data_off. */
static int read_preamble(FILE *f, npy_info *h, ll *hlen, iddl_err *err) {
  unsigned char b[12]; /* magic (6) version (2) header length (2 or 4) */
  size_t got = fread(b, 1, 10, f);
  if (got < 6 || memcmp(b, NPY_MAGIC, 6))
    return fail_at(err, h->path, 0, "not a .npy file (no \\x93NUMPY magic)");
  if (got < 10)
    return fail_at(err, h->path, 6, "file ends inside the .npy preamble");
  if (b[6] < 1 || b[6] > 3 || b[7] != 0)
    return fail_at(err, h->path, 6, "unsupported .npy format version %d.%d",
                   b[6], b[7]);
  *hlen = b[8] | b[9] << 8;
  if (b[6] >= 2) {
    if (fread(b + 10, 1, 2, f) < 2)
      return fail_at(err, h->path, 8, "file ends inside the header length");
    *hlen = (ll)b[8] | (ll)b[9] << 8 | (ll)b[10] << 16 | (ll)b[11] << 24;
  }
  h->data_off = (b[6] == 1 ? 10 : 12) + *hlen;
  if (h->file_size >= 0 && h->data_off > h->file_size)
    return fail_at(err, h->path, 8, "header length %lld runs past end of file "
                   "(size %lld)", *hlen, h->file_size);
  return 0;
}

/* Computes numel and nbytes and checks them against the file size. */
static int check_sizes(npy_info *h, iddl_err *err) {
  char shape[192];
  int64_t n = 1, zero = 0;
  for (int i = 0; i < h->ndim; i++) zero |= h->size[i] == 0;
  for (int i = 0; i < h->ndim && !zero; i++) {
    if (n > INT64_MAX / 8 / h->size[i])
      return fail_at(err, h->path, h->shape_at, "shape %s is too large",
                     fmt_shape(h->ndim, h->size, shape, sizeof shape));
    n *= h->size[i];
  }
  h->numel = zero ? 0 : n;
  h->nbytes = h->numel * h->itemsize;
  ll have = h->file_size - h->data_off;
  fmt_shape(h->ndim, h->size, shape, sizeof shape);
  if (h->file_size >= 0 && have < h->nbytes)
    return iddl_fail(err, "%s: truncated data: shape %s of %s needs %lld bytes "
                     "from byte %lld, the file has %lld", h->path, shape,
                     h->descr, h->nbytes, h->data_off, have);
  if (h->file_size >= 0 && have > h->nbytes)
    return fail_at(err, h->path, h->data_off + h->nbytes, "%lld unexpected "
                   "bytes after the data of shape %s of %s", have - h->nbytes,
                   shape, h->descr);
  return 0;
}

/* Fills h from the preamble and header of the open file f. */
static int read_info(FILE *f, npy_info *h, iddl_err *err) {
  struct stat st;
  ll hlen = 0;
  h->file_size = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)
                     ? (ll)st.st_size : -1;
  if (read_preamble(f, h, &hlen, err)) return -1;
  char *text = malloc(hlen > 0 ? (size_t)hlen : 1); /* (hlen) header bytes */
  if (!text) return iddl_fail(err, "%s: out of memory for the header", h->path);
  npy_parser p = {text, hlen, 0, h->data_off - hlen, h->path, err};
  int rc = fread(text, 1, hlen, f) < (size_t)hlen
               ? fail_at(err, h->path, p.base, "file ends inside the header")
               : parse_header(&p, h);
  free(text);
  return rc ? rc : check_sizes(h, err);
}

/* Converts n little-endian items at raw into floats at dst (n). */
#define NPY_CONVERT(T) for (int64_t i = 0; i < n; i++) {                 \
    T v; memcpy(&v, raw + i * (int64_t)sizeof v, sizeof v); dst[i] = (float)v; \
  } break;

static void convert(const unsigned char *raw, float *dst, int64_t n,
                    char kind, int itemsize) {
  switch (kind << 4 | itemsize) {
  case 'f' << 4 | 4: NPY_CONVERT(float)
  case 'f' << 4 | 8: NPY_CONVERT(double)
  case 'i' << 4 | 1: NPY_CONVERT(int8_t)
  case 'i' << 4 | 2: NPY_CONVERT(int16_t)
  case 'i' << 4 | 4: NPY_CONVERT(int32_t)
  case 'i' << 4 | 8: NPY_CONVERT(int64_t)
  case 'u' << 4 | 1: NPY_CONVERT(uint8_t)
  case 'u' << 4 | 2: NPY_CONVERT(uint16_t)
  case 'u' << 4 | 4: NPY_CONVERT(uint32_t)
  case 'u' << 4 | 8: NPY_CONVERT(uint64_t)
  default: /* 'b' << 4 | 1 */
    for (int64_t i = 0; i < n; i++) dst[i] = raw[i] != 0;
  }
}

/* Reads h->numel items from f (positioned at the data) into dst (numel).
 * check_sizes already caught short regular files; this catches pipes and
 * files that shrink meanwhile (trailing bytes in a pipe go unnoticed). */
static int read_data(FILE *f, const npy_info *h, float *dst, iddl_err *err) {
  unsigned char raw[NPY_CHUNK * 8]; /* (NPY_CHUNK, itemsize) file bytes */
  int direct = h->kind == 'f' && h->itemsize == 4;
  for (int64_t done = 0; done < h->numel;) {
    int64_t k = h->numel - done;
    if (!direct && k > NPY_CHUNK) k = NPY_CHUNK;
    size_t got = fread(direct ? (void *)(dst + done) : raw, h->itemsize, k, f);
    if (got < (size_t)k)
      return iddl_fail(err, "%s: %s: read %lld of the %lld data bytes that "
                       "start at byte %lld", h->path, ferror(f)
                       ? strerror(errno) : "truncated data",
                       (ll)(done + (int64_t)got) * h->itemsize, h->nbytes,
                       h->data_off);
    if (!direct) convert(raw, dst + done, k, h->kind, h->itemsize);
    done += k;
  }
  return 0;
}

/* A row-major walk over a strided view: position idx, element offset off. */
typedef struct npy_walk {
  int ndim;
  const int64_t *size, *stride;
  int64_t idx[IDDL_MAX_DIMS];
  int64_t off;
} npy_walk;

/* Copies the next n elements of the walk over src into dst (n). */
static void walk_copy(npy_walk *w, const float *src, float *dst, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    dst[i] = src[w->off];
    for (int d = w->ndim - 1; d >= 0; d--) {
      w->off += w->stride[d];
      if (++w->idx[d] < w->size[d]) break;
      w->off -= w->stride[d] * w->size[d];
      w->idx[d] = 0;
    }
  }
}

/* Reads the data into a new C-contiguous tensor *out with h's shape;
 * column-major data is read as the reversed shape, then transposed. */
static int read_tensor(FILE *f, const npy_info *h, iddl_tensor *out,
                       iddl_err *err) {
  iddl_tensor raw = {0}, res = {0}; /* raw: file order; res: C order */
  int64_t rsize[IDDL_MAX_DIMS], fstride[IDDL_MAX_DIMS], st = 1;
  int fortran = h->fortran && h->ndim > 1, rc;
  for (int i = 0; i < h->ndim; i++) { /* column-major strides of h->size */
    rsize[i] = h->size[h->ndim - 1 - i];
    fstride[i] = st;
    st *= h->size[i];
  }
  if (iddl_tensor_alloc(&raw, h->ndim, fortran ? rsize : h->size, err) ||
      (fortran && iddl_tensor_alloc(&res, h->ndim, h->size, err))) {
    char why[sizeof err->msg];
    snprintf(why, sizeof why, "%s", err ? err->msg : "");
    rc = iddl_fail(err, "%s: %s", h->path, why);
  } else {
    rc = h->numel > 0 ? read_data(f, h, iddl_data(&raw), err) : 0;
  }
  if (!rc && fortran && h->numel > 0) {
    npy_walk w = {h->ndim, h->size, fstride, {0}, 0};
    walk_copy(&w, iddl_data(&raw), iddl_data(&res), h->numel);
  }
  if (rc || fortran) iddl_tensor_release(&raw);
  if (rc) iddl_tensor_release(&res);
  if (!rc) *out = fortran ? res : raw;
  return rc;
}

/* Reads path into a new C-contiguous float32 tensor *out (cleared on entry;
 * the caller releases it). On failure *out stays cleared, nothing leaks and
 * err says "path: ..." with the byte offset of the problem where one exists.
 * Fortran-order files are transposed into C order. */
int iddl_npy_load(iddl_tensor *out, const char *path, iddl_err *err) {
  npy_info h;
  memset(&h, 0, sizeof h);
  h.path = path;
  FILE *f = fopen(path, "rb");
  if (!f) return iddl_fail(err, "%s: %s", path, strerror(errno));
  int rc = read_info(f, &h, err);
  if (!rc) rc = read_tensor(f, &h, out, err);
  fclose(f);
  return rc;
}

/* --- writing ------------------------------------------------------------ */

/* Writes preamble + header for a float32 C-order array of t's shape into
 * buf (NPY_HDR_CAP bytes), exactly as numpy.save does; returns its length. */
static size_t format_header(char *buf, const iddl_tensor *t) {
  char dict[NPY_HDR_CAP]; /* the dict text, growth padding included */
  int k = snprintf(dict, sizeof dict,
                   "{'descr': '<f4', 'fortran_order': False, 'shape': (");
  for (int i = 0; i < t->ndim; i++)
    k += snprintf(dict + k, sizeof dict - k, i ? ", %lld" : "%lld",
                  (ll)t->size[i]);
  k += snprintf(dict + k, sizeof dict - k, "%s), }", t->ndim == 1 ? "," : "");
  if (t->ndim > 0) {
    char first[24];
    int pad = NPY_GROWTH_DIGITS -
              snprintf(first, sizeof first, "%lld", (ll)t->size[0]);
    memset(dict + k, ' ', pad);
    k += pad;
  }
  size_t pre = 10, hlen = (size_t)k + 1; /* + '\n' */
  size_t pad = NPY_ALIGN - (pre + hlen) % NPY_ALIGN;
  if (hlen + pad > 65535) { /* version 2.0: uint32 length */
    pre = 12;
    pad = NPY_ALIGN - (pre + hlen) % NPY_ALIGN;
  }
  size_t len = hlen + pad;
  memcpy(buf, NPY_MAGIC, 6);
  buf[6] = pre == 10 ? 1 : 2;
  buf[7] = 0;
  for (size_t i = 0; i < pre - 8; i++) buf[8 + i] = (char)(len >> (8 * i));
  memcpy(buf + pre, dict, (size_t)k);
  memset(buf + pre + k, ' ', pad);
  buf[pre + len - 1] = '\n';
  return pre + len;
}

/* Writes t's elements in row-major order; 0 or -1 with errno set. */
static int write_data(FILE *f, const iddl_tensor *t) {
  int64_t n = iddl_numel(t);
  if (n == 0) return 0;
  if (iddl_is_contiguous(t))
    return fwrite(iddl_data(t), sizeof(float), n, f) == (size_t)n ? 0 : -1;
  float chunk[NPY_CHUNK]; /* (NPY_CHUNK) elements gathered from the view */
  npy_walk w = {t->ndim, t->size, t->stride, {0}, 0};
  for (int64_t done = 0; done < n;) {
    int64_t k = n - done < NPY_CHUNK ? n - done : NPY_CHUNK;
    walk_copy(&w, iddl_data(t), chunk, k);
    if (fwrite(chunk, sizeof(float), k, f) != (size_t)k) return -1;
    done += k;
  }
  return 0;
}

/* Writes the file at tmp: header, data, flush and fsync; 0 or errno. */
static int write_file(const char *tmp, const iddl_tensor *t) {
  char hdr[NPY_HDR_CAP]; /* preamble + header */
  size_t hn = format_header(hdr, t);
  FILE *f = fopen(tmp, "wb");
  if (!f) return errno ? errno : EIO;
  errno = 0;
  int bad = fwrite(hdr, 1, hn, f) != hn || write_data(f, t) || fflush(f) ||
            fsync(fileno(f));
  int e = errno ? errno : EIO;
  if (fclose(f) && !bad) bad = 1, e = errno ? errno : EIO;
  return bad ? e : 0;
}

/* Writes t (any view, read only; its logical row-major order) to path as a
 * '<f4' .npy, version 1.0 (2.0 for a header over 65535 bytes). The data go
 * to "path.tmp.<pid>" in the same folder, which is fsync'ed then renamed
 * over path, so path holds the old or the new file, never half of one. On
 * failure the temporary file is removed and err is "path: ...: strerror". */
int iddl_npy_save(const char *path, const iddl_tensor *t, iddl_err *err) {
  if (!t->storage) return iddl_fail(err, "%s: cannot save an unset tensor",
                                    path);
  size_t n = strlen(path) + 32;
  char *tmp = malloc(n); /* "path.tmp.<pid>" */
  if (!tmp) return iddl_fail(err, "%s: out of memory", path);
  snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
  int e = write_file(tmp, t);
  if (!e && rename(tmp, path)) e = errno;
  if (e) remove(tmp);
  free(tmp);
  return e ? iddl_fail(err, "%s: cannot save: %s", path, strerror(e)) : 0;
}
