/* cifar.c - the CIFAR-10 binary reader.
 *
 * Two passes: every file is opened and its size checked first (so a bad
 * last file fails before 600 MB are converted), then the tensors are
 * allocated once and each file is read CIFAR_CHUNK records at a time, the
 * label checked and the pixels converted to float.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cifar.h"

#define CIFAR_CHUNK 256 /* records read per fread */

typedef long long ll;

/* The open files of one load: handles and record counts. */
typedef struct cifar_files {
  int n;
  FILE **f;       /* (n) */
  ll *records;    /* (n) */
} cifar_files;

static void close_all(cifar_files *cf) {
  for (int i = 0; cf->f && i < cf->n; i++)
    if (cf->f[i]) fclose(cf->f[i]);
  free(cf->f);
  free(cf->records);
}

/* Opens path, checks that it is a regular, non-empty file whose size is a
 * whole number of records, and sets *f and *records. */
static int open_checked(const char *path, FILE **f, ll *records,
                        iddl_err *err) {
  struct stat st;
  errno = 0;
  *f = fopen(path, "rb");
  if (!*f)
    return iddl_fail(err, "%s: cannot open: %s", path,
                     errno ? strerror(errno) : "out of memory");
  if (fstat(fileno(*f), &st))
    return iddl_fail(err, "%s: cannot read its size: %s", path,
                     strerror(errno));
  if (!S_ISREG(st.st_mode))
    return iddl_fail(err, "%s: not a regular file", path);
  ll size = (ll)st.st_size;
  if (size == 0)
    return iddl_fail(err, "%s: empty (0 bytes); a CIFAR-10 batch holds "
                     "%d-byte records (10000 in the official files)", path,
                     IDDL_CIFAR_RECORD);
  if (size % IDDL_CIFAR_RECORD)
    return iddl_fail(err, "%s: size %lld bytes is not a multiple of the "
                     "%d-byte record (1 label byte + %d pixel bytes): %lld "
                     "records and %lld bytes more; truncated, or not a "
                     "CIFAR-10 binary batch", path, size, IDDL_CIFAR_RECORD,
                     IDDL_CIFAR_PIXELS, size / IDDL_CIFAR_RECORD,
                     size % IDDL_CIFAR_RECORD);
  *records = size / IDDL_CIFAR_RECORD;
  return 0;
}

/* Reads the n records of file f (named path) into images (n, 3072) and
 * labels (n), using buf (CIFAR_CHUNK records). */
static int read_file(FILE *f, const char *path, ll n, float *images,
                     float *labels, unsigned char *buf, iddl_err *err) {
  for (ll done = 0; done < n;) {
    ll m = n - done < CIFAR_CHUNK ? n - done : CIFAR_CHUNK;
    size_t got = fread(buf, IDDL_CIFAR_RECORD, (size_t)m, f);
    if ((ll)got < m)
      return iddl_fail(err, "%s: byte %lld: cannot read record %lld of %lld:"
                       " %s", path, (done + (ll)got) * IDDL_CIFAR_RECORD,
                       done + (ll)got + 1, n,
                       ferror(f) ? strerror(errno) : "the file got shorter");
    for (ll r = 0; r < m; r++) {
      const unsigned char *rec = buf + r * IDDL_CIFAR_RECORD;
      ll k = done + r;
      if (rec[0] >= IDDL_CIFAR_CLASSES)
        return iddl_fail(err, "%s: byte %lld: record %lld of %lld has label "
                         "%d, expected 0..%d", path, k * IDDL_CIFAR_RECORD,
                         k + 1, n, rec[0], IDDL_CIFAR_CLASSES - 1);
      labels[k] = (float)rec[0];
      float *dst = images + k * IDDL_CIFAR_PIXELS; /* (3, 32, 32) */
      for (int i = 0; i < IDDL_CIFAR_PIXELS; i++) dst[i] = (float)rec[1 + i];
    }
    done += m;
  }
  return 0;
}

int iddl_cifar_load(iddl_tensor *images, iddl_tensor *labels, int nfiles,
                    const char *const *paths, iddl_err *err) {
  cifar_files cf = {nfiles, calloc((size_t)nfiles + 1, sizeof(FILE *)),
                    calloc((size_t)nfiles + 1, sizeof(ll))};
  unsigned char *buf = malloc((size_t)CIFAR_CHUNK * IDDL_CIFAR_RECORD);
  int rc = -1;
  if (!cf.f || !cf.records || !buf) {
    iddl_fail(err, "cifar: out of memory");
    goto done;
  }
  ll total = 0;
  for (int i = 0; i < nfiles; i++) {
    if (open_checked(paths[i], &cf.f[i], &cf.records[i], err)) goto done;
    total += cf.records[i];
  }
  iddl_err aerr;
  if (iddl_tensor_alloc(images, 4, (int64_t[]){total, 3, IDDL_CIFAR_SIDE,
                        IDDL_CIFAR_SIDE}, &aerr) ||
      iddl_tensor_alloc(labels, 1, (int64_t[]){total}, &aerr)) {
    iddl_fail(err, "cifar: %lld records: %s", total, aerr.msg);
    goto done;
  }
  float *img = iddl_data(images), *lab = iddl_data(labels);
  for (int i = 0; i < nfiles; i++) {
    if (read_file(cf.f[i], paths[i], cf.records[i], img, lab, buf, err))
      goto done;
    img += cf.records[i] * IDDL_CIFAR_PIXELS;
    lab += cf.records[i];
  }
  rc = 0;
done:
  if (rc) {
    iddl_tensor_release(images);
    iddl_tensor_release(labels);
  }
  close_all(&cf);
  free(buf);
  return rc;
}
