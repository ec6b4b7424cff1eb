/* tensor.h - float32 N-d tensors: reference-counted storage, strided views.
 *
 * The numeric core of iddl. It never includes lua.h: every function reports
 * failure through an iddl_err and a non-zero return, never by exiting.
 * Dimensions are 0-based here; the Lua glue converts from Lua's 1-based ones.
 *
 * Ownership: an iddl_tensor is a small value (shape + strides + offset) that
 * holds one reference to its storage. iddl_tensor_release() drops it. Views
 * (iddl_view, iddl_narrow, ...) write a new tensor that takes its own
 * reference to the same storage, so source and view are released separately.
 */
#ifndef IDDL_TENSOR_H
#define IDDL_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#define IDDL_MAX_DIMS 8

/* A failure description filled by any core function that returns non-zero. */
typedef struct iddl_err {
  char msg[512];
} iddl_err;

/* Formats a message into err (printf-style) and returns -1, so callers can
 * write `return iddl_fail(err, "...", ...)`. err may be NULL. */
int iddl_fail(iddl_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

typedef struct iddl_storage {
  float *data;      /* (n) 64-byte aligned; owned */
  int64_t n;        /* number of floats */
  int refcount;
} iddl_storage;

typedef struct iddl_tensor {
  iddl_storage *storage;  /* NULL only for a tensor that was never set */
  int64_t offset;         /* in elements, into storage->data */
  int ndim;               /* 0 .. IDDL_MAX_DIMS; 0 is a scalar of 1 element */
  int64_t size[IDDL_MAX_DIMS];
  int64_t stride[IDDL_MAX_DIMS]; /* in elements; 0 for expanded dims */
} iddl_tensor;

/* --- life cycle ---------------------------------------------------------- */

/* Allocates uninitialised contiguous storage for the given shape into *t
 * (which must not hold a storage). Fails on a negative size, too many
 * dimensions, size overflow or an allocation failure; *t is untouched then. */
int iddl_tensor_alloc(iddl_tensor *t, int ndim, const int64_t *size,
                      iddl_err *err);

/* Like iddl_tensor_alloc, with the shape of `like`. */
int iddl_tensor_alloc_like(iddl_tensor *t, const iddl_tensor *like,
                           iddl_err *err);

/* Drops t's reference to its storage (freeing it at zero) and clears t.
 * Safe on a cleared tensor. */
void iddl_tensor_release(iddl_tensor *t);

/* Makes *dst another reference to src (same view). */
void iddl_tensor_share(iddl_tensor *dst, const iddl_tensor *src);

/* --- shape queries ------------------------------------------------------- */

int64_t iddl_numel(const iddl_tensor *t);
int iddl_is_contiguous(const iddl_tensor *t);
int iddl_same_shape(const iddl_tensor *a, const iddl_tensor *b);
/* Pointer to the first element of the view. */
float *iddl_data(const iddl_tensor *t);

/* Writes the shape as "2x3x4" ("scalar" for ndim 0) into buf; returns buf. */
char *iddl_shape_str(const iddl_tensor *t, char *buf, size_t n);
char *iddl_sizes_str(int ndim, const int64_t *size, char *buf, size_t n);

/* --- views (no copy; *out gets a new reference) -------------------------- */

/* Reshape to `size` (one entry may be -1: inferred). Fails if numel differs
 * or if t's strides cannot express the new shape without a copy. */
int iddl_view(iddl_tensor *out, const iddl_tensor *t, int ndim,
              const int64_t *size, iddl_err *err);
/* Elements start .. start+length-1 of dimension dim. */
int iddl_narrow(iddl_tensor *out, const iddl_tensor *t, int dim,
                int64_t start, int64_t length, iddl_err *err);
/* Index `index` of dimension dim; the result has one dimension fewer. */
int iddl_select(iddl_tensor *out, const iddl_tensor *t, int dim,
                int64_t index, iddl_err *err);
int iddl_transpose(iddl_tensor *out, const iddl_tensor *t, int d1, int d2,
                   iddl_err *err);
/* perm[i] is the source dimension of result dimension i. */
int iddl_permute(iddl_tensor *out, const iddl_tensor *t, const int *perm,
                 iddl_err *err);
/* Broadcast t to `size` (ndim >= t->ndim; size 1 dims expand, -1 keeps). */
int iddl_expand(iddl_tensor *out, const iddl_tensor *t, int ndim,
                const int64_t *size, iddl_err *err);
/* Inserts a size-1 dimension before position dim (0..ndim). */
int iddl_unsqueeze(iddl_tensor *out, const iddl_tensor *t, int dim,
                   iddl_err *err);
/* Removes dimension dim if it has size 1, or every size-1 dim if dim < 0. */
int iddl_squeeze(iddl_tensor *out, const iddl_tensor *t, int dim,
                 iddl_err *err);

/* --- copies ------------------------------------------------------------ */

/* Copies src into dst; src is broadcast to dst's shape. dst may be any view
 * (it must not overlap src except when identical). */
int iddl_copy(iddl_tensor *dst, const iddl_tensor *src, iddl_err *err);
/* *out = a new contiguous tensor with t's values. */
int iddl_clone(iddl_tensor *out, const iddl_tensor *t, iddl_err *err);
/* *out = t itself (shared) if contiguous, else a contiguous clone. */
int iddl_contiguous(iddl_tensor *out, const iddl_tensor *t, iddl_err *err);

/* Computes the broadcast shape of a and b (NumPy rules) into size/ndim.
 * `what` names the operation in the error message, which shows both shapes. */
int iddl_broadcast_shape(const char *what, const iddl_tensor *a,
                         const iddl_tensor *b, int *ndim, int64_t *size,
                         iddl_err *err);

#endif
