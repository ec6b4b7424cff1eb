/* checkpoint_io.c - atomic write and checked read of checkpoint files
 * (layout in checkpoint_io.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "checkpoint_io.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "checkpoint files hold little-endian float32: port the blob I/O first"
#endif

#define MAGIC "IDDLCKPT 1 "

static uint32_t crc_bytes(uint32_t crc, const unsigned char *p, size_t n) {
  while (n > 0) {
    uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
    crc = (uint32_t)crc32(crc, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return crc;
}

int iddl_ckpt_crc32(const iddl_tensor *t, uint32_t *crc, iddl_err *err) {
  iddl_tensor c = {0};
  *crc = (uint32_t)crc32(0L, Z_NULL, 0);
  if (iddl_numel(t) == 0) return 0;
  if (iddl_contiguous(&c, t, err)) return -1;
  *crc = crc_bytes(*crc, (const unsigned char *)iddl_data(&c),
                   (size_t)iddl_numel(&c) * sizeof(float));
  iddl_tensor_release(&c);
  return 0;
}

/* Writes t's values row-major to f. */
static int write_tensor(FILE *f, const iddl_tensor *t, iddl_err *err) {
  int64_t n = iddl_numel(t);
  if (n == 0) return 0;
  iddl_tensor c = {0};
  if (iddl_contiguous(&c, t, err)) return -1;
  size_t w = fwrite(iddl_data(&c), sizeof(float), (size_t)n, f);
  iddl_tensor_release(&c);
  return w == (size_t)n ? 0 : -1;
}

/* fsyncs the folder holding path, so the rename itself is durable. */
static void sync_parent(const char *path) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  int fd = open(dirname(buf), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

int iddl_ckpt_write(const char *path, const char *header, size_t header_len,
                    const iddl_tensor *const *tensors, int ntensors,
                    iddl_err *err) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >=
      (int)sizeof tmp)
    return iddl_fail(err, "checkpoint '%s': path too long", path);
  FILE *f = fopen(tmp, "wb");
  if (f == NULL)
    return iddl_fail(err, "checkpoint '%s': cannot create: %s", tmp,
                     strerror(errno));
  int bad = fprintf(f, MAGIC "%zu\n", header_len) < 0 ||
            fwrite(header, 1, header_len, f) != header_len;
  for (int i = 0; i < ntensors && !bad; i++)
    bad = write_tensor(f, tensors[i], err) != 0;
  bad = bad || fflush(f) != 0 || fsync(fileno(f)) != 0;
  int saved = errno;
  if (fclose(f) != 0 && !bad) {
    bad = 1;
    saved = errno;
  }
  if (!bad && rename(tmp, path) != 0) {
    bad = 1;
    saved = errno;
  }
  if (bad) {
    unlink(tmp);
    return iddl_fail(err, "checkpoint '%s': write failed: %s", path,
                     strerror(saved));
  }
  sync_parent(path);
  return 0;
}

/* Opens path for reading and fills *st (size 0 if fstat fails); NULL with
 * err set when it cannot be opened. */
static FILE *open_checkpoint(const char *path, struct stat *st, iddl_err *err) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    iddl_fail(err, "checkpoint '%s': cannot open: %s", path, strerror(errno));
    return NULL;
  }
  if (fstat(fileno(f), st) != 0) st->st_size = 0;
  return f;
}

int iddl_ckpt_read_magic(const char *path, size_t *header_len,
                         int64_t *header_start, int64_t *file_size,
                         iddl_err *err) {
  char line[64];
  unsigned long long len = 0;
  int end = 0;
  struct stat st;
  FILE *f = open_checkpoint(path, &st, err);
  if (f == NULL) return -1;
  size_t got = fread(line, 1, sizeof line - 1, f);
  fclose(f);
  line[got] = '\0';
  if (strncmp(line, MAGIC, strlen(MAGIC)) != 0 ||
      sscanf(line + strlen(MAGIC), "%llu%n", &len, &end) != 1 ||
      line[strlen(MAGIC) + end] != '\n')
    return iddl_fail(err, "checkpoint '%s': byte 0: not an iddl checkpoint "
                     "(expected the line '" MAGIC "<header length>')", path);
  int64_t start = (int64_t)strlen(MAGIC) + end + 1;
  if ((int64_t)len > (int64_t)st.st_size - start)
    return iddl_fail(err, "checkpoint '%s': truncated at byte %lld: the header "
                     "needs bytes %lld..%lld", path, (long long)st.st_size,
                     (long long)start, (long long)(start + (int64_t)len - 1));
  *header_len = (size_t)len;
  *header_start = start;
  *file_size = (int64_t)st.st_size;
  return 0;
}

int iddl_ckpt_read_bytes(const char *path, int64_t pos, void *dst,
                         size_t nbytes, const char *what, iddl_err *err) {
  struct stat st;
  FILE *f = open_checkpoint(path, &st, err);
  if (f == NULL) return -1;
  int64_t last = pos + (int64_t)nbytes - 1;
  if (pos < 0 || last >= (int64_t)st.st_size) {
    fclose(f);
    return iddl_fail(err, "checkpoint '%s': truncated at byte %lld: %s needs "
                     "bytes %lld..%lld", path, (long long)st.st_size, what,
                     (long long)pos, (long long)last);
  }
  int bad = nbytes > 0 && (fseeko(f, (off_t)pos, SEEK_SET) != 0 ||
                           fread(dst, 1, nbytes, f) != nbytes);
  fclose(f);
  if (bad)
    return iddl_fail(err, "checkpoint '%s': read error at byte %lld (%s)",
                     path, (long long)pos, what);
  return 0;
}

int iddl_ckpt_read_blob(const char *path, int64_t pos, uint32_t crc,
                        iddl_tensor *dst, iddl_err *err) {
  if (!iddl_is_contiguous(dst))
    return iddl_fail(err, "checkpoint '%s': destination is not contiguous", path);
  size_t nbytes = (size_t)iddl_numel(dst) * sizeof(float);
  uint32_t c = 0;
  if (iddl_ckpt_read_bytes(path, pos, iddl_data(dst), nbytes, "tensor data", err) ||
      iddl_ckpt_crc32(dst, &c, err))
    return -1;
  if (c != crc)
    return iddl_fail(err, "checkpoint '%s': corrupt tensor data in bytes "
                     "%lld..%lld (CRC-32 %08x, header says %08x)", path,
                     (long long)pos, (long long)(pos + (int64_t)nbytes - 1), c, crc);
  return 0;
}
