/* tensor_index.c - index_select (gather whole slices along one dimension)
 * and the seeded permutations a data loader shuffles with. */
#include <math.h>
#include <string.h>

#include "rng.h"
#include "tensor_index.h"

#define MAX_EXACT_INDEX (1 << 24) /* floats hold every integer up to this */

int iddl_index_select_shape(const iddl_tensor *t, int dim,
                            const iddl_tensor *index, int *ndim,
                            int64_t *size, iddl_err *err) {
  char buf[128];
  if (dim < 0 || dim >= t->ndim)
    return iddl_fail(err, "index_select: dimension %d out of range for a "
                     "tensor of shape %s", dim + 1,
                     iddl_shape_str(t, buf, sizeof buf));
  if (index->ndim != 1)
    return iddl_fail(err, "index_select: the indices must be a 1-D tensor, "
                     "got shape %s", iddl_shape_str(index, buf, sizeof buf));
  *ndim = t->ndim;
  memcpy(size, t->size, sizeof(int64_t) * (size_t)t->ndim);
  size[dim] = index->size[0];
  return 0;
}

/* Checks that every index is an integer in 1..t->size[dim]. */
static int check_indices(const iddl_tensor *t, int dim,
                         const iddl_tensor *index, iddl_err *err) {
  const float *ix = iddl_data(index);
  int64_t n = index->size[0], st = index->stride[0], rows = t->size[dim];
  for (int64_t i = 0; i < n; i++) {
    float v = ix[i * st];
    if (v >= 1 && v <= (float)rows && v == floorf(v)) continue;
    char buf[128];
    if (v == floorf(v) || !isfinite(v))
      return iddl_fail(err, "index_select: index %.9g (position %lld of the "
                       "indices) is out of range 1..%lld for dimension %d of "
                       "a tensor of shape %s", (double)v, (long long)i + 1,
                       (long long)rows, dim + 1,
                       iddl_shape_str(t, buf, sizeof buf));
    return iddl_fail(err, "index_select: index %.9g (position %lld of the "
                     "indices) is not an integer", (double)v,
                     (long long)i + 1);
  }
  return 0;
}

/* Both operands contiguous: one memcpy of `inner` floats per index and
 * outer position. */
static void select_contiguous(iddl_tensor *out, const iddl_tensor *t, int dim,
                              const iddl_tensor *index) {
  int64_t outer = 1, inner = 1, n = index->size[0], rows = t->size[dim];
  int64_t st = index->stride[0];
  for (int i = 0; i < dim; i++) outer *= t->size[i];
  for (int i = dim + 1; i < t->ndim; i++) inner *= t->size[i];
  const float *ix = iddl_data(index), *src = iddl_data(t);
  float *dst = iddl_data(out);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < n; i++) {
      int64_t row = (int64_t)ix[i * st] - 1;
      memcpy(dst + (o * n + i) * inner, src + (o * rows + row) * inner,
             sizeof(float) * (size_t)inner);
    }
}

int iddl_index_select(iddl_tensor *out, const iddl_tensor *t, int dim,
                      const iddl_tensor *index, iddl_err *err) {
  int ndim;
  int64_t size[IDDL_MAX_DIMS];
  char b1[128], b2[128];
  if (iddl_index_select_shape(t, dim, index, &ndim, size, err)) return -1;
  if (ndim != out->ndim ||
      memcmp(size, out->size, sizeof(int64_t) * (size_t)ndim))
    return iddl_fail(err, "index_select: out has shape %s, expected %s",
                     iddl_shape_str(out, b1, sizeof b1),
                     iddl_sizes_str(ndim, size, b2, sizeof b2));
  if (out->storage == t->storage || out->storage == index->storage)
    return iddl_fail(err, "index_select: out must not share storage with the "
                     "input or the indices");
  if (check_indices(t, dim, index, err)) return -1;
  if (iddl_is_contiguous(t) && iddl_is_contiguous(out)) {
    select_contiguous(out, t, dim, index);
    return 0;
  }
  const float *ix = iddl_data(index);
  for (int64_t i = 0; i < index->size[0]; i++) {
    iddl_tensor src = {0}, dst = {0};
    int rc = iddl_select(&src, t, dim, (int64_t)ix[i * index->stride[0]] - 1,
                         err);
    if (!rc) rc = iddl_select(&dst, out, dim, i, err);
    if (!rc) rc = iddl_copy(&dst, &src, err);
    iddl_tensor_release(&src);
    iddl_tensor_release(&dst);
    if (rc) return -1;
  }
  return 0;
}

int iddl_seeded_permutation(iddl_tensor *perm, uint64_t seed, uint64_t stream,
                            iddl_err *err) {
  char buf[128];
  if (perm->ndim != 1)
    return iddl_fail(err, "permutation: expected a 1-D tensor, got shape %s",
                     iddl_shape_str(perm, buf, sizeof buf));
  int64_t n = perm->size[0], st = perm->stride[0];
  if (n > MAX_EXACT_INDEX)
    return iddl_fail(err, "permutation: %lld elements, at most %d can be "
                     "indexed exactly by floats", (long long)n,
                     MAX_EXACT_INDEX);
  if (n > 1 && st == 0)
    return iddl_fail(err, "permutation: cannot fill an expanded tensor");
  iddl_rng r;
  iddl_rng_seed(&r, seed ^ (stream * 0x9E3779B97F4A7C15ull));
  float *p = iddl_data(perm);
  for (int64_t i = 0; i < n; i++) p[i * st] = (float)(i + 1);
  for (int64_t i = n - 1; i > 0; i--) {
    int64_t j = (int64_t)iddl_rng_below(&r, (uint64_t)i + 1);
    float tmp = p[i * st];
    p[i * st] = p[j * st];
    p[j * st] = tmp;
  }
  return 0;
}
