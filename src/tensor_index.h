/* tensor_index.h - gathering slices by index, and seeded index permutations.
 *
 * Indices live in float tensors holding 1-based positions, the form Lua code
 * and iddl.randperm use (exact for positions up to 2^24). Dimensions are
 * 0-based, as everywhere in the core; messages show them 1-based.
 */
#ifndef IDDL_TENSOR_INDEX_H
#define IDDL_TENSOR_INDEX_H

#include <stdint.h>

#include "tensor.h"

/* Writes the shape of index_select(t, dim, index) into ndim/size: t's shape
 * with size[dim] replaced by the number of indices. Fails if dim is out of
 * range or index is not 1-D. */
int iddl_index_select_shape(const iddl_tensor *t, int dim,
                            const iddl_tensor *index, int *ndim,
                            int64_t *size, iddl_err *err);

/* out[..., i, ...] = t[..., index[i] - 1, ...] along dimension dim. out is
 * allocated by the caller with iddl_index_select_shape's shape and must not
 * share storage with t or index. Every index is checked (an integer in
 * 1..t->size[dim]) before anything is written, so on failure out is
 * untouched; the message names the bad index and its position. Contiguous
 * operands take one memcpy per index. */
int iddl_index_select(iddl_tensor *out, const iddl_tensor *t, int dim,
                      const iddl_tensor *index, iddl_err *err);

/* Fills the 1-D tensor perm (n elements, n <= 2^24) with a permutation of
 * 1..n drawn (Fisher-Yates) from a private generator seeded from (seed,
 * stream): the same pair gives the same permutation, and no shared generator
 * state is read or changed. */
int iddl_seeded_permutation(iddl_tensor *perm, uint64_t seed, uint64_t stream,
                            iddl_err *err);

#endif
