/* lua_module.h - the Lua face of the iddl core. */
#ifndef IDDL_LUA_MODULE_H
#define IDDL_LUA_MODULE_H

#include <lua.h>

/* Opens the C module 'iddl.core' (tensors, RNG, npy, BLAS info, clock):
 * pushes its table. Exported so plain lua5.4 can `require 'iddl.core'` from
 * core.so, and so the iddl executable can preload it. */
__attribute__((visibility("default"))) int luaopen_iddl_core(lua_State *L);

/* Opens 'iddl.plot_core' (terminal size, sleep: helpers of lua/iddl/plot.lua)
 * and pushes its table; luaopen_iddl_core registers it in package.loaded. */
int luaopen_iddl_plot_core(lua_State *L);

/* Opens 'iddl.data_core' (IDX files, index_select, seeded permutations:
 * helpers of lua/iddl/data.lua) and pushes its table; needs the tensor
 * metatable, so luaopen_iddl_core registers it in package.loaded. */
__attribute__((visibility("default"))) int luaopen_iddl_data_core(lua_State *L);

/* Opens 'iddl.optim_core' (fused SGD/Adam kernels and checkpoint file I/O,
 * behind lua/iddl/optim and lua/iddl/checkpoint.lua) and pushes its table. */
__attribute__((visibility("default"))) int luaopen_iddl_optim_core(lua_State *L);

/* Opens 'iddl.nn_core' (layer and loss kernels of lua/iddl/nn, tensor
 * resize_/set_) and pushes its table; needs the tensor metatable, so
 * luaopen_iddl_core registers it in package.loaded. */
__attribute__((visibility("default"))) int luaopen_iddl_nn_core(lua_State *L);

/* Opens 'iddl.conv_core' (convolution kernels of lua/iddl/nn/conv.lua). */
__attribute__((visibility("default"))) int luaopen_iddl_conv_core(lua_State *L);

#endif
