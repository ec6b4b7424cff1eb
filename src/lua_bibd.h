/* lua_bibd.h - Lua glue of the block designs: the C module 'iddl.bibd_core'
 * behind lua/iddl/bibd (constructions, development of difference families,
 * their searches, design checks, incidence matrices, pair statistics). */
#ifndef IDDL_LUA_BIBD_H
#define IDDL_LUA_BIBD_H

#include <lua.h>

#include "bibd.h"

/* Opens 'iddl.bibd_core' and pushes its table; needs the tensor metatable,
 * so luaopen_iddl_core registers it in package.loaded. */
__attribute__((visibility("default"))) int luaopen_iddl_bibd_core(lua_State *L);

/* The metatable of block sets. */
#define IDDL_BLOCKS_MT "iddl.bibd.Blocks"

/* Pushes a new, empty iddl.bibd.Blocks userdata (freed by __gc). */
iddl_blocks *iddl_lua_push_blocks(lua_State *L);
/* The Blocks userdata at idx, or raises. */
iddl_blocks *iddl_lua_check_blocks(lua_State *L, int idx);
/* Adds the pairwise balanced designs (lua_bibd_pbd.c) to the module table
 * on top of the stack: the Pbd userdata and pbd_trivial, pbd_td,
 * pbd_from_blocks, td_max. */
void iddl_lua_bibd_pbd_open(lua_State *L);

#endif
