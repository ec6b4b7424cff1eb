/* lua_plot_util.c - 'iddl.plot_core': the few system calls that
 * lua/iddl/plot.lua needs and plain Lua lacks (how big is the terminal, sleep
 * while waiting for gnuplot). Registered by luaopen_iddl_core.
 */
#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "lua_module.h"

/* plot_core.term_size(fd) -> cols, rows of the terminal on fd, or nil when
 * fd is not a terminal (or reports a zero size). */
static int f_term_size(lua_State *L) {
  lua_Integer fd = luaL_checkinteger(L, 1);
  struct winsize ws;
  if (fd < 0 || fd > 1 << 20 || ioctl((int)fd, TIOCGWINSZ, &ws) != 0 ||
      ws.ws_col == 0 || ws.ws_row == 0) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushinteger(L, ws.ws_col);
  lua_pushinteger(L, ws.ws_row);
  return 2;
}

/* plot_core.sleep(seconds): blocks the calling thread for `seconds` (a
 * number in [0, 3600]); resumes after signals until the time is up. */
static int f_sleep(lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  luaL_argcheck(L, s >= 0 && s <= 3600, 1, "seconds must be in [0, 3600]");
  struct timespec req = {(time_t)s, (long)((s - (lua_Number)(time_t)s) * 1e9)};
  struct timespec rem;
  while (nanosleep(&req, &rem) != 0 && errno == EINTR) req = rem;
  return 0;
}

int luaopen_iddl_plot_core(lua_State *L) {
  const luaL_Reg fns[] = {{"term_size", f_term_size},
                          {"sleep", f_sleep},
                          {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
