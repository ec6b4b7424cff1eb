/* byte_rows.h - a dataset's rows kept as bytes and gathered into float
 * batches.
 *
 * Images whose values are all integers 0..255 (MNIST, CIFAR-10) take a
 * quarter of the memory as bytes, and a random batch of them a quarter of
 * the memory traffic: the gather is bound by the cache misses of rows
 * scattered over a dataset far larger than the caches. It is bound by the
 * latency of those misses (a batch of 32 MNIST rows: 10.3 us from floats,
 * 9.7 us from bytes, 2.6 us when cached), so a loader gathers the next
 * batch in the background (iddl_byte_rows_gather_start) while the model
 * trains on this one.
 */
#ifndef IDDL_BYTE_ROWS_H
#define IDDL_BYTE_ROWS_H

#include <stdint.h>

#include "background.h"
#include "tensor.h"

typedef struct iddl_byte_rows {
  int64_t rows, cols; /* the shape of the rows (the tensor's first dimension by the rest) */
  uint8_t *data;      /* (rows, cols) */
  iddl_background *worker; /* made by the first gather_start */
  int64_t *job_rows, job_n, job_cap; /* (job_n) 0-based rows of the background gather */
  iddl_tensor job_out;    /* its destination (a reference: it outlives the caller's) */
} iddl_byte_rows;

/* Keeps t (rows, ...) as rows of bytes. Returns 1 when every value is an
 * integer in 0..255, 0 (keeping nothing, *r zeroed) when one is not, -1
 * with err set when t has no dimension or memory runs out. */
int iddl_byte_rows_init(iddl_byte_rows *r, const iddl_tensor *t, iddl_err *err);

/* Waits for a background gather, then frees what *r holds (and its
 * reference to the gather's output); safe on a zeroed or freed one. */
void iddl_byte_rows_free(iddl_byte_rows *r);

/* out (n, cols as any shape) = the rows index[i] (1-based, a 1-D tensor of
 * n) as floats. Every index is checked before anything is written; out must
 * be contiguous with n * cols elements. */
int iddl_byte_rows_gather(const iddl_byte_rows *r, const iddl_tensor *index,
                          iddl_tensor *out, iddl_err *err);

/* iddl_byte_rows_gather in the background: checks everything (failing as
 * it does, before anything starts), waits for the previous background
 * gather, copies the indices, takes a reference to out's storage (so it
 * stays alive whatever happens to the caller's tensor) and returns while
 * the rows are gathered. Do not read or write out until
 * iddl_byte_rows_gather_wait. */
int iddl_byte_rows_gather_start(iddl_byte_rows *r, const iddl_tensor *index,
                                iddl_tensor *out, iddl_err *err);

/* Waits for the last background gather and drops its reference to the
 * output; returns 1 if one had been started since the last wait, else 0. */
int iddl_byte_rows_gather_wait(iddl_byte_rows *r);

#endif
