/* lua_bibd.h - Lua glue of the block designs: the C module 'iddl.bibd_core'
 * behind lua/iddl/bibd (constructions, development of difference families,
 * their searches, design checks, incidence matrices, pair statistics). */
#ifndef IDDL_LUA_BIBD_H
#define IDDL_LUA_BIBD_H

#include <lua.h>

/* Opens 'iddl.bibd_core' and pushes its table; needs the tensor metatable,
 * so luaopen_iddl_core registers it in package.loaded. */
__attribute__((visibility("default"))) int luaopen_iddl_bibd_core(lua_State *L);

#endif
