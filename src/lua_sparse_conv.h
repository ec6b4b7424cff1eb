/* lua_sparse_conv.h - Lua glue of the channel-sparse convolution: the C
 * module 'iddl.sparse_conv_core' behind lua/iddl/nn/sparse_conv.lua. */
#ifndef IDDL_LUA_SPARSE_CONV_H
#define IDDL_LUA_SPARSE_CONV_H

#include <lua.h>

/* Opens 'iddl.sparse_conv_core' and pushes its table. */
__attribute__((visibility("default"))) int luaopen_iddl_sparse_conv_core(lua_State *L);

#endif
