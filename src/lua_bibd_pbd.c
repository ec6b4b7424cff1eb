/* lua_bibd_pbd.c - Lua glue of the pairwise balanced designs of
 * bibd_pbd.c: the userdata iddl.bibd.Pbd and the functions pbd_trivial,
 * pbd_td and pbd_from_blocks of 'iddl.bibd_core' (see lua_bibd.h). Points
 * are 1-based in Lua tables and messages.
 */
#include <lauxlib.h>

#include "bibd.h"
#include "lua_bibd.h"
#include "lua_tensor.h"

#define PBD_MT "iddl.bibd.Pbd"

/* Pushes a new, empty Pbd userdata (freed by __gc whatever happens). */
static iddl_pbd *push_pbd(lua_State *L) {
  iddl_pbd *p = lua_newuserdatauv(L, sizeof *p, 0);
  *p = (iddl_pbd){0};
  luaL_setmetatable(L, PBD_MT);
  return p;
}

static iddl_pbd *check_pbd(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, PBD_MT);
}

static int pbd_gc(lua_State *L) {
  iddl_pbd_free(check_pbd(L, 1));
  return 0;
}

/* pbd:info() -> v, b */
static int pbd_info(lua_State *L) {
  iddl_pbd *p = check_pbd(L, 1);
  lua_pushinteger(L, p->v);
  lua_pushinteger(L, p->b);
  return 2;
}

/* pbd:sizes() -> the ascending list of the block sizes that occur */
static int pbd_sizes(lua_State *L) {
  iddl_pbd *p = check_pbd(L, 1);
  /* seen: (v+1) whether a block of that size occurs */
  char *seen = lua_newuserdatauv(L, (size_t)p->v + 1, 0);
  for (int s = 0; s <= p->v; s++) seen[s] = 0;
  for (int64_t j = 0; j < p->b; j++) seen[p->off[j + 1] - p->off[j]] = 1;
  lua_newtable(L);
  int n = 0;
  for (int s = 0; s <= p->v; s++)
    if (seen[s]) {
      lua_pushinteger(L, s);
      lua_rawseti(L, -2, ++n);
    }
  return 1;
}

/* pbd:totable() -> list of blocks, each a list of 1-based points */
static int pbd_totable(lua_State *L) {
  iddl_pbd *p = check_pbd(L, 1);
  lua_createtable(L, (int)p->b, 0);
  for (int64_t j = 0; j < p->b; j++) {
    lua_createtable(L, (int)(p->off[j + 1] - p->off[j]), 0);
    for (int64_t a = p->off[j]; a < p->off[j + 1]; a++) {
      lua_pushinteger(L, p->pts[a] + 1);
      lua_rawseti(L, -2, a - p->off[j] + 1);
    }
    lua_rawseti(L, -2, j + 1);
  }
  return 1;
}

/* pbd:check() -> true | false, reason (every pair in exactly one block) */
static int pbd_check(lua_State *L) {
  iddl_pbd *p = check_pbd(L, 1);
  char why[256];
  iddl_err err;
  int rc = iddl_pbd_check(p, why, sizeof why, &err);
  if (rc < 0) iddl_lua_raise(L, &err);
  lua_pushboolean(L, rc);
  if (rc) return 1;
  lua_pushstring(L, why);
  return 2;
}

/* Reads the table at idx {[s] = Blocks, ...} into d[0..nd) (a buffer
 * pushed on the stack; sizes outside 2..v are ignored). */
static const iddl_blocks **read_designs(lua_State *L, int idx, int v, int *nd,
                                        const char *fn) {
  luaL_checktype(L, idx, LUA_TTABLE);
  *nd = v + 1;
  /* d: (v+1) the design for each block size, NULL when not given */
  const iddl_blocks **d = lua_newuserdatauv(L, sizeof(*d) * (size_t)(v + 1), 0);
  for (int s = 0; s <= v; s++) {
    d[s] = NULL;
    if (s < 2) continue;
    if (lua_geti(L, idx, s) != LUA_TNIL) {
      if (!luaL_testudata(L, -1, IDDL_BLOCKS_MT))
        luaL_error(L, "%s: the design for blocks of %d points is a %s, not Blocks", fn, s,
                   luaL_typename(L, -1));
      d[s] = lua_touserdata(L, -1);     /* kept alive by the table */
    }
    lua_pop(L, 1);
  }
  return d;
}

/* pbd:inflate({[s] = 2-((k-1)s+1, k, 1) design}) -> 2-((k-1)v+1, k, 1)
 * Blocks; pbd:fill({[s] = 2-(s, k, lambda) design}) -> 2-(v, k, lambda) */
static int inflate_or_fill(lua_State *L, int fill) {
  iddl_pbd *p = check_pbd(L, 1);
  int nd;
  const iddl_blocks **d = read_designs(L, 2, p->v, &nd, fill ? "fill" : "inflate");
  iddl_err err;
  iddl_blocks *out = iddl_lua_push_blocks(L);
  int rc = fill ? iddl_pbd_fill(out, p, d, nd, &err) : iddl_pbd_inflate(out, p, d, nd, &err);
  if (rc) iddl_lua_raise(L, &err);
  return 1;
}
static int pbd_inflate(lua_State *L) { return inflate_or_fill(L, 0); }
static int pbd_fill(lua_State *L) { return inflate_or_fill(L, 1); }

/* pbd_trivial(v) -> one block of all v >= 2 points */
static int f_pbd_trivial(lua_State *L) {
  lua_Integer v = luaL_checkinteger(L, 1);
  if (v < 2 || v > 1 << 24) luaL_error(L, "pbd_trivial: v must be in [2, %d], got %d",
                                       1 << 24, (int)v);
  iddl_pbd *p = push_pbd(L);
  int32_t *blk = lua_newuserdatauv(L, sizeof(int32_t) * (size_t)v, 0);  /* (v) */
  for (int x = 0; x < v; x++) blk[x] = x;
  iddl_err err;
  if (iddl_pbd_init(p, (int)v, &err) || iddl_pbd_add(p, blk, (int)v, &err))
    iddl_lua_raise(L, &err);
  lua_pop(L, 1);
  return 1;
}

/* pbd_td(n, t, u, e, full, last) -> the PBD of iddl_pbd_td (full and last:
 * Pbd or nil) */
static int f_pbd_td(lua_State *L) {
  lua_Integer a[4];
  const char *names[4] = {"n", "t", "u", "e"};
  for (int i = 0; i < 4; i++) {
    a[i] = luaL_checkinteger(L, i + 1);
    if (a[i] < 0 || a[i] > 1 << 24)
      luaL_error(L, "pbd_td: %s must be in [0, %d], got %d", names[i], 1 << 24, (int)a[i]);
  }
  const iddl_pbd *full = lua_isnoneornil(L, 5) ? NULL : check_pbd(L, 5);
  const iddl_pbd *last = lua_isnoneornil(L, 6) ? NULL : check_pbd(L, 6);
  iddl_err err;
  if (iddl_pbd_td(push_pbd(L), (int)a[0], (int)a[1], (int)a[2], (int)a[3], full, last, &err))
    iddl_lua_raise(L, &err);
  return 1;
}

/* pbd_from_blocks(blocks) -> the design's blocks as a PBD */
static int f_pbd_from_blocks(lua_State *L) {
  iddl_blocks *d = iddl_lua_check_blocks(L, 1);
  iddl_err err;
  if (iddl_pbd_from_blocks(push_pbd(L), d, &err)) iddl_lua_raise(L, &err);
  return 1;
}

/* td_max(t) -> the largest n for which iddl builds TD(n, t) (0 for t < 2) */
static int f_td_max(lua_State *L) {
  lua_pushinteger(L, iddl_td_max(luaL_checkinteger(L, 1)));
  return 1;
}

void iddl_lua_bibd_pbd_open(lua_State *L) {
  const luaL_Reg methods[] = {{"info", pbd_info},       {"sizes", pbd_sizes},
                              {"totable", pbd_totable}, {"check", pbd_check},
                              {"inflate", pbd_inflate}, {"fill", pbd_fill},
                              {NULL, NULL}};
  luaL_newmetatable(L, PBD_MT);
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, pbd_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  const luaL_Reg fns[] = {{"pbd_trivial", f_pbd_trivial},
                          {"pbd_td", f_pbd_td},
                          {"pbd_from_blocks", f_pbd_from_blocks},
                          {"td_max", f_td_max},
                          {NULL, NULL}};
  luaL_setfuncs(L, fns, 0);
}
