/* lua_nn.h - Lua glue of the nn kernels: the C module 'iddl.nn_core'.
 *
 * The Lua modules (lua/iddl/nn/ files) own their buffers (output, gradInput,
 * masks) as tensors and hand them to these functions, which resize them only
 * when the shape changes, so a training step allocates nothing once the
 * batch shape is stable. Inputs that are not contiguous are copied first.
 */
#ifndef IDDL_LUA_NN_H
#define IDDL_LUA_NN_H

#include <lauxlib.h>
#include <lua.h>

#include "tensor.h"

/* Opens 'iddl.nn_core': pushes its table of kernel functions. Also adds the
 * tensor methods resize_ and set_ (lua_tensor_resize.c). */
__attribute__((visibility("default"))) int luaopen_iddl_nn_core(lua_State *L);

/* Gives t the contiguous shape `size`. Keeps its storage when the shape is
 * already that, or when t is the only owner of a storage large enough;
 * otherwise t gets a new (uninitialised) storage and drops the old one. */
void iddl_lua_resize(lua_State *L, iddl_tensor *t, int ndim,
                     const int64_t *size);

/* The tensor argument idx if contiguous, else a contiguous copy of it pushed
 * on the stack (valid while that stack slot lives). */
const iddl_tensor *iddl_lua_contig(lua_State *L, int idx);

/* Adds the loss functions (lua_nn_loss.c) to the table on top. */
void iddl_lua_nn_loss_functions(lua_State *L);
/* Adds resize_ and set_ to the tensor methods table (lua_tensor_resize.c). */
void iddl_lua_tensor_resize_methods(lua_State *L);

#endif
