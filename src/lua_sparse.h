/* lua_sparse.h - Lua glue of the sparse products: the C module
 * 'iddl.sparse_core' behind lua/iddl/nn/sparse_linear.lua (and the
 * channel-sparse convolutions).
 *
 * A sparse pattern is a userdata (metatable "iddl.SparsePattern") that owns
 * an iddl_sparse_pattern built from a 0/1 mask; the kernels take it first,
 * then their result buffers (resized here only when the shape changes), then
 * the inputs, then scalars. Shape errors name every shape involved.
 */
#ifndef IDDL_LUA_SPARSE_H
#define IDDL_LUA_SPARSE_H

#include <lua.h>

/* Opens 'iddl.sparse_core' and pushes its table; needs the tensor metatable,
 * so luaopen_iddl_core registers it in package.loaded. */
__attribute__((visibility("default"))) int luaopen_iddl_sparse_core(lua_State *L);

#endif
