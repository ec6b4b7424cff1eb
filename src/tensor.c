/* tensor.c - storage life cycle, shape queries and views of iddl_tensor. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor.h"

int iddl_fail(iddl_err *err, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return -1;
}

/* --- life cycle ---------------------------------------------------------- */

/* Allocates a storage of n floats with refcount 1, or NULL. */
static iddl_storage *storage_new(int64_t n) {
  iddl_storage *s = malloc(sizeof *s);
  if (!s) return NULL;
  size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(float);
  bytes = (bytes + 63) & ~(size_t)63; /* aligned_alloc wants a multiple */
  s->data = aligned_alloc(64, bytes);
  if (!s->data) {
    free(s);
    return NULL;
  }
  s->n = n;
  s->refcount = 1;
  return s;
}

/* Checks a shape and computes its element count into *numel. */
static int check_shape(int ndim, const int64_t *size, int64_t *numel,
                       iddl_err *err) {
  if (ndim < 0 || ndim > IDDL_MAX_DIMS)
    return iddl_fail(err, "tensors have at most %d dimensions, got %d",
                     IDDL_MAX_DIMS, ndim);
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) {
    if (size[i] < 0)
      return iddl_fail(err, "invalid size %lld for dimension %d",
                       (long long)size[i], i + 1);
    if (size[i] > 0 && n > (INT64_MAX / 8) / size[i])
      return iddl_fail(err, "tensor of shape %s is too large",
                       iddl_sizes_str(ndim, size, (char[128]){0}, 128));
    n *= size[i];
  }
  *numel = n;
  return 0;
}

/* Writes contiguous (row-major) strides for t's sizes. */
static void set_contiguous_strides(iddl_tensor *t) {
  int64_t st = 1;
  for (int i = t->ndim - 1; i >= 0; i--) {
    t->stride[i] = st;
    st *= t->size[i] > 0 ? t->size[i] : 1;
  }
}

int iddl_tensor_alloc(iddl_tensor *t, int ndim, const int64_t *size,
                      iddl_err *err) {
  int64_t n = 0;
  if (check_shape(ndim, size, &n, err)) return -1;
  iddl_storage *s = storage_new(n);
  if (!s) {
    char buf[128];
    return iddl_fail(err, "out of memory allocating a tensor of shape %s "
                     "(%.1f MiB)", iddl_sizes_str(ndim, size, buf, sizeof buf),
                     (double)n * 4 / 1048576.0);
  }
  memset(t, 0, sizeof *t);
  t->storage = s;
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++) t->size[i] = size[i];
  set_contiguous_strides(t);
  return 0;
}

int iddl_tensor_alloc_like(iddl_tensor *t, const iddl_tensor *like,
                           iddl_err *err) {
  return iddl_tensor_alloc(t, like->ndim, like->size, err);
}

void iddl_tensor_release(iddl_tensor *t) {
  if (t->storage && --t->storage->refcount == 0) {
    free(t->storage->data);
    free(t->storage);
  }
  memset(t, 0, sizeof *t);
}

void iddl_tensor_share(iddl_tensor *dst, const iddl_tensor *src) {
  *dst = *src;
  if (dst->storage) dst->storage->refcount++;
}

/* --- shape queries ------------------------------------------------------- */

int64_t iddl_numel(const iddl_tensor *t) {
  int64_t n = 1;
  for (int i = 0; i < t->ndim; i++) n *= t->size[i];
  return n;
}

int iddl_is_contiguous(const iddl_tensor *t) {
  int64_t st = 1;
  for (int i = t->ndim - 1; i >= 0; i--) {
    if (t->size[i] == 1) continue;
    if (t->size[i] == 0) return 1;
    if (t->stride[i] != st) return 0;
    st *= t->size[i];
  }
  return 1;
}

int iddl_same_shape(const iddl_tensor *a, const iddl_tensor *b) {
  if (a->ndim != b->ndim) return 0;
  for (int i = 0; i < a->ndim; i++)
    if (a->size[i] != b->size[i]) return 0;
  return 1;
}

float *iddl_data(const iddl_tensor *t) {
  return t->storage->data + t->offset;
}

char *iddl_sizes_str(int ndim, const int64_t *size, char *buf, size_t n) {
  if (ndim == 0) {
    snprintf(buf, n, "scalar");
    return buf;
  }
  size_t used = 0;
  buf[0] = 0;
  for (int i = 0; i < ndim && used < n; i++)
    used += snprintf(buf + used, n - used, i ? "x%lld" : "%lld",
                     (long long)size[i]);
  return buf;
}

char *iddl_shape_str(const iddl_tensor *t, char *buf, size_t n) {
  return iddl_sizes_str(t->ndim, t->size, buf, n);
}

/* --- views ----------------------------------------------------------------- */

static int check_dim(const iddl_tensor *t, int dim, const char *what,
                     iddl_err *err) {
  if (dim < 0 || dim >= t->ndim) {
    char buf[128];
    return iddl_fail(err, "%s: dimension %d out of range for a tensor of "
                     "shape %s", what, dim + 1, iddl_shape_str(t, buf, 128));
  }
  return 0;
}

/* Resolves a -1 entry of a requested view shape against numel. */
static int infer_size(const iddl_tensor *t, int ndim, const int64_t *in,
                      int64_t *out, iddl_err *err) {
  char a[128], b[128];
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < ndim; i++) {
    out[i] = in[i];
    if (in[i] == -1) {
      if (infer >= 0) return iddl_fail(err, "view: only one size may be -1");
      infer = i;
    } else if (in[i] < 0) {
      return iddl_fail(err, "view: invalid size %lld", (long long)in[i]);
    } else {
      known *= in[i];
    }
  }
  int64_t n = iddl_numel(t);
  if (infer >= 0 && known > 0 && n % known == 0) out[infer] = n / known;
  int64_t got = 1;
  for (int i = 0; i < ndim; i++) got *= out[i];
  if (got != n || (infer >= 0 && known == 0))
    return iddl_fail(err, "view: shape %s is invalid for a tensor of shape %s "
                     "(%lld elements)", iddl_sizes_str(ndim, in, a, 128),
                     iddl_shape_str(t, b, 128), (long long)n);
  return 0;
}

/* Strides for viewing t as `want` without a copy (PyTorch's computeStride):
 * t's dimensions are cut into chunks that are contiguous inside, and each
 * chunk must be covered exactly by a run of the requested sizes. */
static int view_strides(const iddl_tensor *t, int ndim, const int64_t *want,
                        int64_t *stride) {
  int64_t st = 1;
  if (t->ndim == 0 || iddl_numel(t) == 0) {
    for (int i = ndim - 1; i >= 0; i--) {
      stride[i] = st;
      st *= want[i] > 0 ? want[i] : 1;
    }
    return 0;
  }
  int vi = ndim - 1;
  int64_t base = t->stride[t->ndim - 1], tensor_numel = 1, view_numel = 1;
  for (int ti = t->ndim - 1; ti >= 0; ti--) {
    tensor_numel *= t->size[ti];
    if (ti == 0 || (t->size[ti - 1] != 1 &&
                    t->stride[ti - 1] != tensor_numel * base)) {
      while (vi >= 0 && (view_numel < tensor_numel || want[vi] == 1)) {
        stride[vi] = view_numel * base;
        view_numel *= want[vi];
        vi--;
      }
      if (view_numel != tensor_numel) return -1;
      if (ti > 0) {
        base = t->stride[ti - 1];
        tensor_numel = view_numel = 1;
      }
    }
  }
  return vi == -1 ? 0 : -1;
}

int iddl_view(iddl_tensor *out, const iddl_tensor *t, int ndim,
              const int64_t *size, iddl_err *err) {
  int64_t want[IDDL_MAX_DIMS], stride[IDDL_MAX_DIMS];
  if (ndim < 0 || ndim > IDDL_MAX_DIMS)
    return iddl_fail(err, "view: tensors have at most %d dimensions, got %d",
                     IDDL_MAX_DIMS, ndim);
  if (infer_size(t, ndim, size, want, err)) return -1;
  if (view_strides(t, ndim, want, stride)) {
    char a[128], b[128];
    return iddl_fail(err, "view: cannot view a non-contiguous tensor of "
                     "shape %s as %s without a copy (use reshape or "
                     ":contiguous())", iddl_shape_str(t, a, 128),
                     iddl_sizes_str(ndim, want, b, 128));
  }
  iddl_tensor_share(out, t);
  out->ndim = ndim;
  for (int i = 0; i < ndim; i++) {
    out->size[i] = want[i];
    out->stride[i] = stride[i];
  }
  return 0;
}

int iddl_narrow(iddl_tensor *out, const iddl_tensor *t, int dim,
                int64_t start, int64_t length, iddl_err *err) {
  if (check_dim(t, dim, "narrow", err)) return -1;
  if (start < 0 || length < 0 || start + length > t->size[dim])
    return iddl_fail(err, "narrow: elements %lld..%lld are out of range for "
                     "dimension %d of size %lld", (long long)start + 1,
                     (long long)(start + length), dim + 1,
                     (long long)t->size[dim]);
  iddl_tensor_share(out, t);
  out->offset += start * t->stride[dim];
  out->size[dim] = length;
  return 0;
}

int iddl_select(iddl_tensor *out, const iddl_tensor *t, int dim,
                int64_t index, iddl_err *err) {
  if (check_dim(t, dim, "select", err)) return -1;
  if (index < 0 || index >= t->size[dim])
    return iddl_fail(err, "index %lld is out of range for dimension %d of "
                     "size %lld", (long long)index + 1, dim + 1,
                     (long long)t->size[dim]);
  iddl_tensor_share(out, t);
  out->offset += index * t->stride[dim];
  for (int i = dim; i < t->ndim - 1; i++) {
    out->size[i] = t->size[i + 1];
    out->stride[i] = t->stride[i + 1];
  }
  out->ndim--;
  return 0;
}

int iddl_transpose(iddl_tensor *out, const iddl_tensor *t, int d1, int d2,
                   iddl_err *err) {
  if (check_dim(t, d1, "transpose", err) || check_dim(t, d2, "transpose", err))
    return -1;
  iddl_tensor_share(out, t);
  out->size[d1] = t->size[d2];
  out->stride[d1] = t->stride[d2];
  out->size[d2] = t->size[d1];
  out->stride[d2] = t->stride[d1];
  return 0;
}

int iddl_permute(iddl_tensor *out, const iddl_tensor *t, const int *perm,
                 iddl_err *err) {
  int seen[IDDL_MAX_DIMS] = {0};
  for (int i = 0; i < t->ndim; i++) {
    if (perm[i] < 0 || perm[i] >= t->ndim || seen[perm[i]]++)
      return iddl_fail(err, "permute: the dimensions must be a permutation "
                       "of 1..%d", t->ndim);
  }
  iddl_tensor_share(out, t);
  for (int i = 0; i < t->ndim; i++) {
    out->size[i] = t->size[perm[i]];
    out->stride[i] = t->stride[perm[i]];
  }
  return 0;
}

int iddl_expand(iddl_tensor *out, const iddl_tensor *t, int ndim,
                const int64_t *size, iddl_err *err) {
  char a[128], b[128];
  if (ndim < t->ndim || ndim > IDDL_MAX_DIMS)
    return iddl_fail(err, "expand: cannot expand shape %s to %s",
                     iddl_shape_str(t, a, 128), iddl_sizes_str(ndim, size, b, 128));
  iddl_tensor r;
  iddl_tensor_share(&r, t);
  int lead = ndim - t->ndim;
  for (int i = ndim - 1; i >= 0; i--) {
    int64_t have = i >= lead ? t->size[i - lead] : 1;
    int64_t st = i >= lead ? t->stride[i - lead] : 0;
    int64_t want = size[i] == -1 ? have : size[i];
    if (want < 0 || (have != want && have != 1)) {
      iddl_tensor_release(&r);
      return iddl_fail(err, "expand: cannot expand shape %s to %s (dimension "
                       "%d: %lld vs %lld)", iddl_shape_str(t, a, 128),
                       iddl_sizes_str(ndim, size, b, 128), i + 1,
                       (long long)have, (long long)want);
    }
    r.size[i] = want;
    r.stride[i] = (have == want) ? st : 0;
  }
  r.ndim = ndim;
  *out = r;
  return 0;
}

int iddl_unsqueeze(iddl_tensor *out, const iddl_tensor *t, int dim,
                   iddl_err *err) {
  if (dim < 0 || dim > t->ndim || t->ndim >= IDDL_MAX_DIMS)
    return iddl_fail(err, "unsqueeze: dimension %d out of range 1..%d",
                     dim + 1, t->ndim + 1);
  iddl_tensor_share(out, t);
  for (int i = t->ndim; i > dim; i--) {
    out->size[i] = t->size[i - 1];
    out->stride[i] = t->stride[i - 1];
  }
  out->size[dim] = 1;
  out->stride[dim] = dim < t->ndim ? t->size[dim] * t->stride[dim] : 1;
  out->ndim = t->ndim + 1;
  return 0;
}

int iddl_squeeze(iddl_tensor *out, const iddl_tensor *t, int dim,
                 iddl_err *err) {
  if (dim >= 0 && check_dim(t, dim, "squeeze", err)) return -1;
  iddl_tensor_share(out, t);
  int n = 0;
  for (int i = 0; i < t->ndim; i++) {
    int drop = t->size[i] == 1 && (dim < 0 || dim == i);
    if (drop) continue;
    out->size[n] = t->size[i];
    out->stride[n] = t->stride[i];
    n++;
  }
  out->ndim = n;
  return 0;
}

/* --- broadcasting ------------------------------------------------------- */

int iddl_broadcast_shape(const char *what, const iddl_tensor *a,
                         const iddl_tensor *b, int *ndim, int64_t *size,
                         iddl_err *err) {
  int n = a->ndim > b->ndim ? a->ndim : b->ndim;
  for (int i = 0; i < n; i++) {
    int ia = i - (n - a->ndim), ib = i - (n - b->ndim);
    int64_t sa = ia >= 0 ? a->size[ia] : 1, sb = ib >= 0 ? b->size[ib] : 1;
    if (sa != sb && sa != 1 && sb != 1) {
      char x[128], y[128];
      return iddl_fail(err, "%s: shapes %s and %s cannot be broadcast "
                       "(dimension %d of the result: %lld vs %lld)", what,
                       iddl_shape_str(a, x, 128), iddl_shape_str(b, y, 128),
                       i + 1, (long long)sa, (long long)sb);
    }
    size[i] = sa == 1 ? sb : sa;
  }
  *ndim = n;
  return 0;
}
