/* repl.c - lua.c's docall/report and its read-eval-print loop, on Readline.
 *
 * The loop is lua.c's: a line is first tried as `return <line>`, then as a
 * statement; a syntax error ending at <eof> means "incomplete", so another
 * line is read with the continuation prompt. Results are shown through
 * require('iddl.pretty').format. Ctrl-C while code runs arms a Lua hook
 * that raises "interrupted!" (lua.c's laction/lstop); Ctrl-C at the prompt
 * drops the line (and any unfinished chunk) and shows a fresh prompt.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/readline.h>
#include <readline/history.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "repl.h"

#define PROMPT1 "iddl> "
#define PROMPT2 ">> "
#define HISTORY_MAX 1000
#define EOFMARK "<eof>"
#define COMPLETE_BUDGET 1000000 /* VM instructions one Tab press may run */
/* Word breaks for completion: not '.' or ':', so `iddl.nn.Li` is one word. */
#define WORD_BREAKS " \t\n\"'`=<>~+-*/%^#&|;,(){}[]"

/* Process-wide state, forced by signals and by Readline's callbacks (which
 * take no user pointer):
 *   g_running  - the state whose code Ctrl-C interrupts; written by
 *                iddl_docall before each call, read by the SIGINT handler.
 *   g_sigint   - set by the prompt's SIGINT handler, cleared by the REPL.
 *   g_complete - the state the Tab completer reads; set only inside
 *                iddl_repl. */
static lua_State *volatile g_running;
static volatile sig_atomic_t g_sigint;
static lua_State *g_complete;

/* --- running code (lua.c's docall) -------------------------------------- */

static void set_sigint(void (*handler)(int), struct sigaction *old) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, old); /* no SA_RESTART: blocking reads return */
}

/* Hook armed by laction: stops the running code with an error. */
static void lstop(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted!");
}

/* SIGINT while Lua runs: only arms a hook (the one async-signal-safe thing
 * the Lua API offers); a second Ctrl-C gets the default action. */
static void laction(int sig) {
  (void)sig;
  set_sigint(SIG_DFL, NULL);
  lua_sethook(g_running, lstop,
              LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
}

/* Message handler: the error as a string plus a traceback. */
static int msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)",
                          luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

int iddl_docall(lua_State *L, int narg, int nres) {
  struct sigaction old;
  int status, base = lua_gettop(L) - narg;
  lua_pushcfunction(L, msghandler);
  lua_insert(L, base);
  g_running = L;
  set_sigint(laction, &old);
  status = lua_pcall(L, narg, nres, base);
  sigaction(SIGINT, &old, NULL);
  if (lua_gethook(L) == lstop) /* Ctrl-C came after the code finished */
    lua_sethook(L, NULL, 0, 0);
  lua_remove(L, base);
  return status;
}

int iddl_report(lua_State *L, int status, const char *progname) {
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    if (progname != NULL) fprintf(stderr, "%s: ", progname);
    fprintf(stderr, "%s\n", msg ? msg : "(error object is not a string)");
    fflush(stderr);
    lua_pop(L, 1);
  }
  return status;
}

/* --- version line ------------------------------------------------------- */

/* Protected: returns iddl.version (called if a function), and the core and
 * threads fields of iddl.blas_info(); nil for anything missing or failing. */
static int version_parts(lua_State *L) {
  lua_settop(L, 0);
  lua_pushnil(L);
  lua_pushnil(L);
  lua_pushnil(L);                                        /* 1-3: results */
  if (lua_getglobal(L, "iddl") != LUA_TTABLE) return 3;  /* 4 */
  lua_getfield(L, 4, "version");                         /* 5 */
  if (!lua_isfunction(L, 5) || lua_pcall(L, 0, 1, 0) == LUA_OK)
    lua_copy(L, 5, 1);
  lua_settop(L, 4);
  lua_getfield(L, 4, "blas_info");                       /* 5 */
  if (lua_pcall(L, 0, 1, 0) == LUA_OK && lua_istable(L, 5)) {
    lua_getfield(L, 5, "core");
    lua_replace(L, 2);
    lua_getfield(L, 5, "threads");
    lua_replace(L, 3);
  }
  lua_settop(L, 3);
  return 3;
}

void iddl_push_version(lua_State *L, int banner) {
  int top = lua_gettop(L);
  const char *version = NULL, *core = NULL;
  luaL_Buffer b;
  lua_pushcfunction(L, version_parts);
  if (lua_pcall(L, 0, 3, 0) != LUA_OK) {
    lua_pop(L, 1);
    lua_pushnil(L);
    lua_pushnil(L);
    lua_pushnil(L);
  }
  if (lua_type(L, top + 1) == LUA_TSTRING || lua_type(L, top + 1) == LUA_TNUMBER)
    version = lua_tostring(L, top + 1);
  if (lua_type(L, top + 2) == LUA_TSTRING) core = lua_tostring(L, top + 2);
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "iddl");
  if (version) {
    luaL_addchar(&b, ' ');
    luaL_addstring(&b, version);
  }
  luaL_addstring(&b, banner ? " -- " LUA_VERSION : " (" LUA_RELEASE);
  if (core || lua_isnumber(L, top + 3)) {
    luaL_addstring(&b, banner ? " -- OpenBLAS" : ", OpenBLAS");
    if (core) {
      luaL_addchar(&b, ' ');
      luaL_addstring(&b, core);
    }
    if (lua_isnumber(L, top + 3)) {
      lua_Number n = lua_tonumber(L, top + 3);
      lua_pushfstring(L, ", %I thread%s", (lua_Integer)n, n == 1 ? "" : "s");
      luaL_addvalue(&b);
    }
  }
  if (!banner) luaL_addchar(&b, ')');
  luaL_pushresult(&b);
  lua_replace(L, top + 1);
  lua_settop(L, top + 1);
}
