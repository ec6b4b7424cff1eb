/* npy.h - NumPy .npy files (format versions 1.0, 2.0 and 3.0).
 *
 * Loading accepts little-endian ('<', '=' or '|') float32/float64,
 * int8/16/32/64, uint8/16/32/64 and bool, in C or Fortran order, any shape
 * of at most IDDL_MAX_DIMS dimensions (zero-size ones included), and
 * converts to a C-contiguous float32 tensor. Big-endian and other dtypes are
 * refused with a clear message. Saving writes float32 '<f4' in C order,
 * byte-identical to numpy.save: version 1.0 (2.0 if the header needs it),
 * data aligned to 64 bytes, written atomically (a temporary file in the same
 * folder, fsync'ed, then renamed over the target).
 */
#ifndef IDDL_NPY_H
#define IDDL_NPY_H

#include "tensor.h"

/* Reads path into a new contiguous tensor *out (which must be cleared; the
 * caller releases it). A missing, malformed or truncated file fails with a
 * message naming the file and, where it applies, the byte offset of the
 * problem; *out is then left cleared and nothing leaks. */
int iddl_npy_load(iddl_tensor *out, const char *path, iddl_err *err);

/* Writes t (any view, in its logical row-major order) to path as float32
 * .npy. On failure the target is untouched, no temporary file remains and
 * the message names path and the system error. */
int iddl_npy_save(const char *path, const iddl_tensor *t, iddl_err *err);

#endif
