/* lua_tensor.h - shared helpers of the Lua glue around iddl_tensor.
 *
 * A Lua tensor is a full userdata holding an iddl_tensor by value (so views
 * are cheap) with metatable IDDL_TENSOR_MT. The userdata is always created
 * before any storage is taken, so an error in between leaks nothing: __gc
 * releases whatever the userdata holds.
 */
#ifndef IDDL_LUA_TENSOR_H
#define IDDL_LUA_TENSOR_H

#include <lauxlib.h>
#include <lua.h>

#include "rng.h"
#include "tensor.h"

#define IDDL_TENSOR_MT "iddl.Tensor"

/* The tensor at index idx, or a Lua argument error. */
iddl_tensor *iddl_lua_check(lua_State *L, int idx);
/* The tensor at index idx, or NULL if it is not one. */
iddl_tensor *iddl_lua_test(lua_State *L, int idx);
/* Pushes a new tensor userdata holding no storage yet. */
iddl_tensor *iddl_lua_push_empty(lua_State *L);
/* Pushes a new contiguous tensor of the given shape (uninitialised). */
iddl_tensor *iddl_lua_push_alloc(lua_State *L, int ndim, const int64_t *size);
/* Raises err's message as a Lua error. Never returns. */
int iddl_lua_raise(lua_State *L, const iddl_err *err);
/* Reads a 1-based (or negative, from the end) dimension of t at arg;
 * returns it 0-based. `extra` allows one past the last (unsqueeze). */
int iddl_lua_checkdim(lua_State *L, int arg, const iddl_tensor *t, int extra);
/* Reads sizes given either as numbers from arg `first` on, or as one table
 * at `first`; stops at the first non-number. Returns ndim. */
int iddl_lua_sizes(lua_State *L, int first, int64_t *size);
/* The source of an in-place update of dst: src itself (or NULL), or, when
 * src shares dst's storage through a different view (t:add_(t:t()),
 * overlapping narrows, t:add_(t[1])), a copy pushed on the stack, so that no
 * element is read after it has been overwritten. The identical view is safe
 * as is. */
const iddl_tensor *iddl_lua_unalias(lua_State *L, const iddl_tensor *dst,
                                    const iddl_tensor *src);
/* The generator of this Lua state (created on first use). */
iddl_rng *iddl_lua_rng(lua_State *L);

/* Registers the tensor metatable and methods; leaves nothing on the stack. */
void iddl_lua_open_tensor(lua_State *L);
/* Adds the math methods to the methods table on top of the stack. */
void iddl_lua_tensor_ops_methods(lua_State *L);
/* Adds the in-place random fills (uniform_, normal_) to the methods table. */
void iddl_lua_tensor_random_methods(lua_State *L);
/* Sets the operator metamethods (+ - * / ^ unary -) on the metatable on top. */
void iddl_lua_tensor_operators(lua_State *L);
/* Add module functions to the table on top: constructors and the generator
 * (lua_tensor_create.c); matmul, where, maximum, minimum (lua_tensor_ops.c). */
void iddl_lua_tensor_functions(lua_State *L);
void iddl_lua_tensor_ops_functions(lua_State *L);

#endif
