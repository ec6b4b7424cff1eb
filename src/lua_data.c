/* lua_data.c - the C module 'iddl.data_core' behind lua/iddl/data.lua:
 * IDX and CIFAR-10 files, index_select (also a tensor method), rows kept as
 * bytes, seeded permutations and the seeded batch augmentations of
 * augment.h.
 */
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "augment.h"
#include "byte_rows.h"
#include "cifar.h"
#include "idx.h"
#include "lua_module.h"
#include "lua_tensor.h"
#include "tensor_index.h"

/* data_core.idx_load(path) -> float tensor with the file's shape and raw
 * values; a bad file raises "path: byte N: ...". */
static int f_idx_load(lua_State *L) {
  iddl_err err;
  const char *path = luaL_checkstring(L, 1);
  iddl_tensor *t = iddl_lua_push_empty(L);
  if (iddl_idx_load(t, path, &err)) iddl_lua_raise(L, &err);
  return 1;
}

/* data_core.cifar_load({path, ...}) -> images (N, 3, 32, 32) with raw
 * pixels 0..255, labels (N) with the raw classes 0..9: the records of the
 * files in order. A bad file raises "path: ..." (see cifar.h). */
static int f_cifar_load(lua_State *L) {
  iddl_err err;
  luaL_checktype(L, 1, LUA_TTABLE);
  int n = (int)luaL_len(L, 1);
  /* (n) the paths; the strings stay alive in the table at 1. */
  const char **paths = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof *paths, 0);
  for (int i = 0; i < n; i++) {
    if (lua_geti(L, 1, i + 1) != LUA_TSTRING)
      return luaL_error(L, "cifar_load: entry %d of the file list is a %s, "
                        "not a path", i + 1, luaL_typename(L, -1));
    paths[i] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  iddl_tensor *images = iddl_lua_push_empty(L);
  iddl_tensor *labels = iddl_lua_push_empty(L);
  if (iddl_cifar_load(images, labels, n, paths, &err)) iddl_lua_raise(L, &err);
  return 2;
}

/* index_select(t, dim, indices [, out]) -> out, or a new tensor: the slices
 * of t along dim (1-based) at the 1-based positions in the 1-D tensor
 * indices. out must already have the result's shape (a loader passes its
 * batch buffer, or a narrow of it, so nothing is allocated per batch). */
static int f_index_select(lua_State *L) {
  iddl_err err;
  iddl_tensor *t = iddl_lua_check(L, 1);
  int dim = iddl_lua_checkdim(L, 2, t, 0);
  iddl_tensor *index = iddl_lua_check(L, 3);
  iddl_tensor *out;
  if (lua_isnoneornil(L, 4)) {
    int ndim;
    int64_t size[IDDL_MAX_DIMS];
    if (iddl_index_select_shape(t, dim, index, &ndim, size, &err))
      iddl_lua_raise(L, &err);
    out = iddl_lua_push_alloc(L, ndim, size);
  } else {
    out = iddl_lua_check(L, 4);
    lua_settop(L, 4);
  }
  if (iddl_index_select(out, t, dim, index, &err)) iddl_lua_raise(L, &err);
  return 1;
}

#define BYTE_ROWS_MT "iddl.ByteRows"

static int byte_rows_gc(lua_State *L) {
  iddl_byte_rows_free(luaL_checkudata(L, 1, BYTE_ROWS_MT));
  return 0;
}

/* byte_rows(t) -> rows of bytes (userdata) of t (rows, ...), or nil when a
 * value of t is not an integer in 0..255. */
static int f_byte_rows(lua_State *L) {
  iddl_err err;
  const iddl_tensor *t = iddl_lua_check(L, 1);
  iddl_byte_rows *r = lua_newuserdatauv(L, sizeof *r, 0);
  memset(r, 0, sizeof *r);
  luaL_setmetatable(L, BYTE_ROWS_MT);
  int rc = iddl_byte_rows_init(r, t, &err);
  if (rc < 0) iddl_lua_raise(L, &err);
  if (rc == 0) lua_pushnil(L);
  return 1;
}

/* gather_rows(rows, indices, out) -> out: the rows at the 1-based indices
 * (1-D) as floats, into out (contiguous, indices x row length elements). */
static int f_gather_rows(lua_State *L) {
  iddl_err err;
  const iddl_byte_rows *r = luaL_checkudata(L, 1, BYTE_ROWS_MT);
  if (iddl_byte_rows_gather(r, iddl_lua_check(L, 2), iddl_lua_check(L, 3), &err))
    iddl_lua_raise(L, &err);
  lua_settop(L, 3);
  return 1;
}

/* gather_rows_start(rows, indices, out): gather_rows on a thread of its
 * own, returning at once (bad arguments raise here, before it starts); the
 * rows keep a reference to out's storage until gather_rows_wait(rows),
 * which returns true once the gather has finished (nil if none was
 * started). */
static int f_gather_rows_start(lua_State *L) {
  iddl_err err;
  iddl_byte_rows *r = luaL_checkudata(L, 1, BYTE_ROWS_MT);
  if (iddl_byte_rows_gather_start(r, iddl_lua_check(L, 2), iddl_lua_check(L, 3), &err))
    iddl_lua_raise(L, &err);
  return 0;
}

static int f_gather_rows_wait(lua_State *L) {
  iddl_byte_rows *r = luaL_checkudata(L, 1, BYTE_ROWS_MT);
  if (iddl_byte_rows_gather_wait(r)) lua_pushboolean(L, 1);
  else lua_pushnil(L);
  return 1;
}

/* permutation(n, seed, stream [, out]) -> a 1-D tensor holding a permutation
 * of 1..n that depends only on (seed, stream): a private generator, so the
 * global stream of iddl.manual_seed is neither read nor advanced. out, when
 * given, must be a 1-D tensor of n elements and is filled in place. */
static int f_permutation(lua_State *L) {
  iddl_err err;
  lua_Integer n = luaL_checkinteger(L, 1);
  lua_Integer seed = luaL_checkinteger(L, 2);
  lua_Integer stream = luaL_checkinteger(L, 3);
  if (n < 0) return luaL_error(L, "permutation: n must be >= 0, got %d", (int)n);
  iddl_tensor *out;
  if (lua_isnoneornil(L, 4)) {
    out = iddl_lua_push_alloc(L, 1, (int64_t[]){n});
  } else {
    out = iddl_lua_check(L, 4);
    lua_settop(L, 4);
    if (out->ndim != 1 || out->size[0] != n) {
      char buf[128];
      return luaL_error(L, "permutation: out has shape %s, expected %d",
                        iddl_shape_str(out, buf, sizeof buf), (int)n);
    }
  }
  if (iddl_seeded_permutation(out, (uint64_t)seed, (uint64_t)stream, &err))
    iddl_lua_raise(L, &err);
  return 1;
}

/* The stream salts of the random transforms: crop and flip draw from
 * different streams of the same (seed, epoch, batch) key. */
enum { SALT_CROP = 1, SALT_FLIP = 2 };

/* Reads the (seed, epoch, batch) key at args first..first+2 into *r. */
static void check_key(lua_State *L, int first, iddl_rng *r, uint64_t salt) {
  lua_Integer seed = luaL_checkinteger(L, first);
  lua_Integer epoch = luaL_checkinteger(L, first + 1);
  lua_Integer batch = luaL_checkinteger(L, first + 2);
  iddl_augment_rng(r, (uint64_t)seed, (uint64_t)epoch, (uint64_t)batch, salt);
}

/* The float buffer of the optional record tensor at arg (shape `want` of
 * ndim dims, contiguous), or NULL when the arg is absent. */
static float *opt_record(lua_State *L, int arg, const char *what, int ndim,
                         const int64_t *want) {
  if (lua_isnoneornil(L, arg)) return NULL;
  iddl_tensor *t = iddl_lua_check(L, arg);
  int ok = t->ndim == ndim && iddl_is_contiguous(t);
  for (int d = 0; ok && d < ndim; d++) ok = t->size[d] == want[d];
  if (!ok) {
    char got[128], exp[128];
    luaL_error(L, "%s: the record tensor has shape %s, expected a contiguous "
               "%s", what, iddl_shape_str(t, got, sizeof got),
               iddl_sizes_str(ndim, want, exp, sizeof exp));
  }
  return iddl_data(t);
}

/* random_crop(x, padding, seed, epoch, batch [, offsets]) -> x: crops every
 * sample of the (B, C, H, W) batch x in place at a random offset of its
 * zero-padded self (augment.h), drawing from the key's own stream; the
 * offsets (B, 2) tensor, when given, receives the draws (0..2*padding). */
static int f_random_crop(lua_State *L) {
  iddl_err err;
  iddl_rng r;
  iddl_tensor *x = iddl_lua_check(L, 1);
  lua_Integer pad = luaL_checkinteger(L, 2);
  check_key(L, 3, &r, SALT_CROP);
  if (pad < 0 || pad > 1 << 20)
    return luaL_error(L, "random_crop: padding must be in 0..%d, got %d",
                      1 << 20, (int)pad);
  float *offsets = opt_record(L, 6, "random_crop", 2,
                              (int64_t[]){x->ndim ? x->size[0] : 0, 2});
  if (iddl_random_crop(x, (int)pad, &r, offsets, &err)) iddl_lua_raise(L, &err);
  lua_settop(L, 1);
  return 1;
}

/* random_hflip(x, p, seed, epoch, batch [, flipped]) -> x: mirrors each
 * sample of the (B, C, H, W) batch x in place with probability p, drawing
 * from the key's own stream; flipped (B), when given, receives 1 / 0. */
static int f_random_hflip(lua_State *L) {
  iddl_err err;
  iddl_rng r;
  iddl_tensor *x = iddl_lua_check(L, 1);
  double p = luaL_checknumber(L, 2);
  check_key(L, 3, &r, SALT_FLIP);
  float *flipped = opt_record(L, 6, "random_hflip", 1,
                              (int64_t[]){x->ndim ? x->size[0] : 0});
  if (iddl_random_hflip(x, p, &r, flipped, &err)) iddl_lua_raise(L, &err);
  lua_settop(L, 1);
  return 1;
}

/* Reads the list of numbers at arg (`what` names it) into v (n floats). */
static void check_floats(lua_State *L, int arg, const char *what, float *v,
                         int64_t n) {
  luaL_checktype(L, arg, LUA_TTABLE);
  if (luaL_len(L, arg) != n)
    luaL_error(L, "normalize_channels: %s has %d values for a batch of %d "
               "channels", what, (int)luaL_len(L, arg), (int)n);
  for (int64_t c = 0; c < n; c++) {
    lua_geti(L, arg, c + 1);
    int isnum;
    v[c] = (float)lua_tonumberx(L, -1, &isnum);
    if (!isnum)
      luaL_error(L, "normalize_channels: %s[%d] is a %s, not a number", what,
                 (int)c + 1, luaL_typename(L, -1));
    lua_pop(L, 1);
  }
}

/* normalize_channels(x, mean, std [, max=255]) -> x: x[b][c] = (x[b][c] /
 * max - mean[c]) / std[c] in float32, in place; mean and std are lists of
 * one number per channel of the (B, C, H, W) batch x. */
static int f_normalize_channels(lua_State *L) {
  iddl_err err;
  iddl_tensor *x = iddl_lua_check(L, 1);
  float max = (float)luaL_optnumber(L, 4, 255.0);
  int64_t C = x->ndim == 4 ? x->size[1] : 0;
  /* (C) each; userdata so that an error raised while reading frees them */
  float *mean = lua_newuserdatauv(L, (size_t)(2 * C + 1) * sizeof *mean, 0);
  float *std = mean + C;
  if (x->ndim == 4) {
    check_floats(L, 2, "mean", mean, C);
    check_floats(L, 3, "std", std, C);
  }
  if (iddl_normalize_channels(x, mean, std, max, &err)) iddl_lua_raise(L, &err);
  lua_settop(L, 1);
  return 1;
}

int luaopen_iddl_data_core(lua_State *L) {
  if (luaL_getmetatable(L, IDDL_TENSOR_MT) != LUA_TTABLE)
    return luaL_error(L, "iddl.data_core: open iddl.core first");
  lua_getfield(L, -1, "methods");
  lua_pushcfunction(L, f_index_select);
  lua_setfield(L, -2, "index_select");
  lua_pop(L, 2);
  if (luaL_newmetatable(L, BYTE_ROWS_MT)) {
    lua_pushcfunction(L, byte_rows_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  const luaL_Reg fns[] = {{"idx_load", f_idx_load},
                          {"byte_rows", f_byte_rows},
                          {"gather_rows", f_gather_rows},
                          {"gather_rows_start", f_gather_rows_start},
                          {"gather_rows_wait", f_gather_rows_wait},
                          {"cifar_load", f_cifar_load},
                          {"index_select", f_index_select},
                          {"permutation", f_permutation},
                          {"random_crop", f_random_crop},
                          {"random_hflip", f_random_hflip},
                          {"normalize_channels", f_normalize_channels},
                          {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
