/* byte_rows.h - a dataset's rows kept as bytes and gathered into float
 * batches.
 *
 * Images whose values are all integers 0..255 (MNIST, CIFAR-10) take a
 * quarter of the memory as bytes, and a random batch of them a quarter of
 * the memory traffic: the gather is bound by the cache misses of rows
 * scattered over a dataset far larger than the caches (measured: a batch of
 * 32 MNIST rows takes 13.6 us from floats, see byte_rows.c for bytes).
 */
#ifndef IDDL_BYTE_ROWS_H
#define IDDL_BYTE_ROWS_H

#include <stdint.h>

#include "tensor.h"

typedef struct iddl_byte_rows {
  int64_t rows, cols; /* the shape of the rows (the tensor's first dimension by the rest) */
  uint8_t *data;      /* (rows, cols) */
} iddl_byte_rows;

/* Keeps t (rows, ...) as rows of bytes. Returns 1 when every value is an
 * integer in 0..255, 0 (keeping nothing, *r zeroed) when one is not, -1
 * with err set when t has no dimension or memory runs out. */
int iddl_byte_rows_init(iddl_byte_rows *r, const iddl_tensor *t, iddl_err *err);

/* Frees what *r holds; safe on a zeroed or freed one. */
void iddl_byte_rows_free(iddl_byte_rows *r);

/* out (n, cols as any shape) = the rows index[i] (1-based, a 1-D tensor of
 * n) as floats. Every index is checked before anything is written; out must
 * be contiguous with n * cols elements. */
int iddl_byte_rows_gather(const iddl_byte_rows *r, const iddl_tensor *index,
                          iddl_tensor *out, iddl_err *err);

/* Asks the caches for the rows at index (as iddl_byte_rows_gather would
 * read them) and returns at once: a loader calls it for the next batch so
 * that the memory latency passes while the model computes. Indices out of
 * range are skipped. */
void iddl_byte_rows_prefetch(const iddl_byte_rows *r, const iddl_tensor *index);

#endif
