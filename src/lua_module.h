/* lua_module.h - the Lua face of the iddl core. */
#ifndef IDDL_LUA_MODULE_H
#define IDDL_LUA_MODULE_H

#include <lua.h>

/* Opens the C module 'iddl.core' (tensors, RNG, npy, BLAS info, clock):
 * pushes its table. Exported so plain lua5.4 can `require 'iddl.core'` from
 * core.so, and so the iddl executable can preload it. */
__attribute__((visibility("default"))) int luaopen_iddl_core(lua_State *L);

#endif
