/* lua_tensor_resize.c - buffers that are reused: resize_, set_ (view into).
 *
 *   t:resize_(2, 3) / t:resize_{2, 3} / t:resize_(other)
 *       contiguous shape (other's shape), storage reused when t alone owns
 *       one that is big enough; the values are unspecified afterwards
 *   t:set_(src [, sizes... | like])
 *       t becomes a view of src (reshaped to sizes, one -1 allowed, or to
 *       like's shape), or a copy of it when src's strides forbid a view
 */
#include <string.h>

#include "lua_nn.h"
#include "lua_tensor.h"

void iddl_lua_resize(lua_State *L, iddl_tensor *t, int ndim,
                     const int64_t *size) {
  if (t->storage && t->ndim == ndim && iddl_is_contiguous(t) &&
      !memcmp(t->size, size, sizeof(int64_t) * (size_t)ndim))
    return;
  int64_t n = 1;
  int fits = 1; /* the element count is representable: else alloc reports */
  for (int i = 0; i < ndim; i++)
    if (__builtin_mul_overflow(n, size[i] > 0 ? size[i] : 0, &n)) fits = 0;
  iddl_err err;
  if (fits && t->storage && t->storage->refcount == 1 && t->storage->n >= n &&
      ndim <= IDDL_MAX_DIMS) {
    iddl_tensor view, whole = *t;
    whole.offset = 0;
    whole.ndim = 1;
    whole.size[0] = t->storage->n;
    whole.stride[0] = 1;
    iddl_tensor head; /* the first n elements, then the new shape */
    if (iddl_narrow(&head, &whole, 0, 0, n, &err) == 0) {
      int rc = iddl_view(&view, &head, ndim, size, &err);
      iddl_tensor_release(&head);
      if (rc == 0) {
        iddl_tensor_release(t); /* drops one of the two references */
        *t = view;
        return;
      }
    }
    iddl_lua_raise(L, &err);
  }
  iddl_tensor fresh;
  if (iddl_tensor_alloc(&fresh, ndim, size, &err)) iddl_lua_raise(L, &err);
  iddl_tensor_release(t);
  *t = fresh;
  int64_t kib = n / 256; /* pace the collector as iddl_lua_push_alloc does */
  if (kib > 0) lua_gc(L, LUA_GCSTEP, (int)(kib < INT32_MAX ? kib : INT32_MAX));
}

const iddl_tensor *iddl_lua_contig(lua_State *L, int idx) {
  iddl_tensor *t = iddl_lua_check(L, idx);
  if (iddl_is_contiguous(t)) return t;
  iddl_err err;
  iddl_tensor *c = iddl_lua_push_empty(L);
  if (iddl_clone(c, t, &err)) iddl_lua_raise(L, &err);
  return c;
}

static int t_resize_(lua_State *L) {
  iddl_tensor *t = iddl_lua_check(L, 1);
  int64_t size[IDDL_MAX_DIMS];
  iddl_tensor *like = iddl_lua_test(L, 2);
  int n = like ? like->ndim : iddl_lua_sizes(L, 2, size);
  if (like) memcpy(size, like->size, sizeof size);
  for (int i = 0; i < n; i++)
    if (size[i] < 0)
      return luaL_error(L, "resize_: invalid size %d for dimension %d",
                        (int)size[i], i + 1);
  iddl_lua_resize(L, t, n, size);
  lua_settop(L, 1);
  return 1;
}

static int t_set_(lua_State *L) {
  iddl_tensor *dst = iddl_lua_check(L, 1), *src = iddl_lua_check(L, 2);
  int64_t size[IDDL_MAX_DIMS];
  int n = src->ndim;
  memcpy(size, src->size, sizeof size);
  iddl_tensor *like = iddl_lua_test(L, 3);
  if (like) {
    n = like->ndim;
    memcpy(size, like->size, sizeof size);
  } else if (!lua_isnoneornil(L, 3)) {
    n = iddl_lua_sizes(L, 3, size);
  }
  iddl_err err;
  iddl_tensor view;
  if (iddl_view(&view, src, n, size, &err) == 0) { /* view holds its own ref */
    iddl_tensor_release(dst);
    *dst = view;
  } else { /* strides forbid a view: copy into dst's own storage */
    if (dst == src) iddl_lua_raise(L, &err);
    if (iddl_view(&view, iddl_lua_contig(L, 2), n, size, &err))
      iddl_lua_raise(L, &err);
    iddl_lua_resize(L, dst, view.ndim, view.size);
    int rc = iddl_copy(dst, &view, &err);
    iddl_tensor_release(&view);
    if (rc) iddl_lua_raise(L, &err);
  }
  lua_settop(L, 1);
  return 1;
}

void iddl_lua_tensor_resize_methods(lua_State *L) {
  luaL_getmetatable(L, IDDL_TENSOR_MT);
  lua_getfield(L, -1, "methods");
  const luaL_Reg fns[] = {{"resize_", t_resize_}, {"set_", t_set_},
                          {NULL, NULL}};
  luaL_setfuncs(L, fns, 0);
  lua_pop(L, 2);
}
