/* npy.h - NumPy .npy files (format versions 1.0, 2.0 and 3.0).
 *
 * Loading accepts little-endian float32/float64, int8/16/32/64,
 * uint8/16/32/64 and bool in C order (fortran_order False) and converts to
 * float32. Saving writes float32, version 1.0 (2.0 if the header needs it),
 * atomically: a temporary file in the same folder renamed over the target.
 */
#ifndef IDDL_NPY_H
#define IDDL_NPY_H

#include "tensor.h"

/* Reads path into a new contiguous tensor *out (which must be cleared).
 * A missing, malformed or truncated file fails with a message naming the
 * file and, where it applies, the byte offset of the problem. */
int iddl_npy_load(iddl_tensor *out, const char *path, iddl_err *err);

/* Writes t (any view) to path as float32 .npy. */
int iddl_npy_save(const char *path, const iddl_tensor *t, iddl_err *err);

#endif
