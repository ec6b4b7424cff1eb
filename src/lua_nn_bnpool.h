/* lua_nn_bnpool.h - Lua glue of the batch norm and pooling kernels. */
#ifndef IDDL_LUA_NN_BNPOOL_H
#define IDDL_LUA_NN_BNPOOL_H

#include <lua.h>

/* Opens 'iddl.bnpool_core' (batchnorm_forward/backward, max, average and
 * adaptive average pooling, pool2d_out_size: the kernels behind
 * lua/iddl/nn/batchnorm.lua and pooling.lua) and pushes its table; needs
 * the tensor metatable, so luaopen_iddl_core registers it in
 * package.loaded. */
__attribute__((visibility("default"))) int luaopen_iddl_bnpool_core(lua_State *L);

#endif
