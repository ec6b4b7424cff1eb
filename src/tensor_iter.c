/* tensor_iter.c - row-by-row walk over same-shaped strided views. */
#include <string.h>

#include "tensor_iter.h"

void iddl_iter_init(iddl_iter *it, int nops, const iddl_tensor *const *ops) {
  memset(it, 0, sizeof *it);
  it->nops = nops;
  const iddl_tensor *t0 = ops[0];
  int64_t size[IDDL_MAX_DIMS], stride[IDDL_ITER_MAX_OPS][IDDL_MAX_DIMS];
  int nd = 0;
  int64_t total = 1;
  for (int d = 0; d < t0->ndim; d++) {
    total *= t0->size[d];
    if (t0->size[d] == 1) continue; /* size-1 dims never move a pointer */
    size[nd] = t0->size[d];
    for (int k = 0; k < nops; k++) stride[k][nd] = ops[k]->stride[d];
    nd++;
  }
  /* Merge dimension d into d+1 when every operand steps over d as one run. */
  int m = 0;
  for (int d = 0; d < nd; d++) {
    int merge = m > 0;
    for (int k = 0; merge && k < nops; k++)
      merge = stride[k][m - 1] == stride[k][d] * size[d];
    if (merge) {
      size[m - 1] *= size[d];
      for (int k = 0; k < nops; k++) stride[k][m - 1] = stride[k][d];
    } else {
      size[m] = size[d];
      for (int k = 0; k < nops; k++) stride[k][m] = stride[k][d];
      m++;
    }
  }
  for (int k = 0; k < nops; k++) it->base[k] = iddl_data(ops[k]);
  if (m == 0) { /* a single element */
    it->n = 1;
    it->rows_left = total > 0 ? 1 : 0;
    return;
  }
  it->n = size[m - 1];
  for (int k = 0; k < nops; k++) it->inner[k] = stride[k][m - 1];
  it->ndim = m - 1;
  for (int d = 0; d < m - 1; d++) {
    it->size[d] = size[d];
    for (int k = 0; k < nops; k++) it->stride[k][d] = stride[k][d];
  }
  it->rows_left = total > 0 ? total / it->n : 0;
}

int iddl_iter_next(iddl_iter *it, float **p) {
  if (it->rows_left == 0) return 0;
  for (int k = 0; k < it->nops; k++) {
    int64_t off = 0;
    for (int d = 0; d < it->ndim; d++) off += it->index[d] * it->stride[k][d];
    p[k] = it->base[k] + off;
  }
  it->rows_left--;
  for (int d = it->ndim - 1; d >= 0; d--) { /* odometer increment */
    if (++it->index[d] < it->size[d]) break;
    it->index[d] = 0;
  }
  return 1;
}
