/* idx.h - IDX files, the format of MNIST and Fashion-MNIST.
 *
 * Format (http://yann.lecun.com/exdb/mnist/): a 4-byte magic 0x00 0x00 TYPE
 * NDIM, then NDIM sizes as big-endian 32-bit integers, then the data in
 * row-major order, big-endian. TYPE is 0x08 unsigned byte, 0x09 signed
 * byte, 0x0B int16, 0x0C int32, 0x0D float32 or 0x0E float64; MNIST's
 * images are 0x00000803 (ubyte, 3 dims) and its labels 0x00000801.
 */
#ifndef IDDL_IDX_H
#define IDDL_IDX_H

#include "tensor.h"

/* Reads the IDX file at path, plain or gzip-compressed (detected from its
 * content, so "x.gz" and "x" both work), into a new contiguous float32
 * tensor *out (which must be cleared; the caller releases it) whose shape is
 * the file's sizes and whose values are the stored ones converted to float
 * (0..255 for MNIST pixels, no scaling). A missing file, a bad magic, a
 * type or dimension count it does not know, a truncated header or data, or
 * bytes after the data fail with a message "path: byte N: ..." (N counts
 * uncompressed bytes); *out is then left cleared and nothing leaks. */
int iddl_idx_load(iddl_tensor *out, const char *path, iddl_err *err);

#endif
