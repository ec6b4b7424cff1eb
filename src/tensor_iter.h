/* tensor_iter.h - walks up to 4 same-shaped strided views row by row.
 *
 * Internal to the core. Adjacent dimensions that are contiguous with each
 * other in every operand are merged, so a contiguous tensor is one long row
 * and the inner loops of kernels can be vectorised. Rows come in row-major
 * (logical) order of the common shape.
 *
 *   iddl_iter it;
 *   iddl_iter_init(&it, 2, (const iddl_tensor *[]){out, a});
 *   float *p[2];
 *   while (iddl_iter_next(&it, p))
 *     kernel(p[0], p[1], it.n, it.inner[0], it.inner[1]);
 */
#ifndef IDDL_TENSOR_ITER_H
#define IDDL_TENSOR_ITER_H

#include "tensor.h"

#define IDDL_ITER_MAX_OPS 4

typedef struct iddl_iter {
  int nops, ndim;              /* ndim: outer dims after merging */
  int64_t n;                   /* length of a row */
  int64_t inner[IDDL_ITER_MAX_OPS];               /* stride along a row */
  int64_t size[IDDL_MAX_DIMS];                    /* outer sizes */
  int64_t stride[IDDL_ITER_MAX_OPS][IDDL_MAX_DIMS];
  int64_t index[IDDL_MAX_DIMS];                   /* outer position */
  float *base[IDDL_ITER_MAX_OPS];
  int64_t rows_left;
} iddl_iter;

/* Prepares to walk ops[0..nops-1], which must all have ops[0]'s shape. */
void iddl_iter_init(iddl_iter *it, int nops, const iddl_tensor *const *ops);

/* Sets p[k] to the start of the next row of operand k; returns 0 when all
 * rows have been given. */
int iddl_iter_next(iddl_iter *it, float **p);

#endif
