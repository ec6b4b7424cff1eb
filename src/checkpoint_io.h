/* checkpoint_io.h - the byte layer of iddl checkpoint files.
 *
 * A checkpoint is one file:
 *   "IDDLCKPT 1 <header_len>\n"      the magic line (ASCII)
 *   <header_len bytes>               a JSON header (written by the Lua side)
 *   <blobs>                          raw float32 little-endian tensor data
 * The blob of a tensor starts at (end of header) + its byte offset; offsets,
 * shapes and CRC-32 checksums live in the header (see doc/optim.md). This
 * layer writes the file atomically and reads it back with checks; it knows
 * nothing about JSON.
 */
#ifndef IDDL_CHECKPOINT_IO_H
#define IDDL_CHECKPOINT_IO_H

#include <stdint.h>

#include "tensor.h"

/* *crc = CRC-32 (zlib's) of t's values as float32 little-endian bytes,
 * row-major. Fails only if a non-contiguous t cannot be copied. */
int iddl_ckpt_crc32(const iddl_tensor *t, uint32_t *crc, iddl_err *err);

/* Writes magic line + header + the tensors' data back to back (row-major,
 * any view) to "<path>.tmp.<pid>", flushes and fsyncs it, then renames it to
 * path (and fsyncs the folder), so path is either the old file or the whole
 * new one. On failure the temporary file is removed and err names the path. */
int iddl_ckpt_write(const char *path, const char *header, size_t header_len,
                    const iddl_tensor *const *tensors, int ntensors,
                    iddl_err *err);

/* Reads the magic line of path: *header_len is the header's length,
 * *header_start the byte where it begins (0-based), *file_size the file's
 * size. A wrong magic or a file too short for the header is an error naming
 * the file and the byte. */
int iddl_ckpt_read_magic(const char *path, size_t *header_len,
                         int64_t *header_start, int64_t *file_size,
                         iddl_err *err);

/* Reads nbytes from byte pos of path into dst (caller-owned). A file too
 * short is an error naming the file, the byte where it ends and `what`. */
int iddl_ckpt_read_bytes(const char *path, int64_t pos, void *dst,
                         size_t nbytes, const char *what, iddl_err *err);

/* Fills the contiguous tensor dst from the numel(dst)*4 bytes at byte `pos`
 * of path and checks them against crc. A short file or a checksum mismatch
 * is an error naming the file and the byte range. */
int iddl_ckpt_read_blob(const char *path, int64_t pos, uint32_t crc,
                        iddl_tensor *dst, iddl_err *err);

#endif
