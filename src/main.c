/* main.c - the iddl executable: lua.c's command line around the iddl module.
 *
 *   iddl                    REPL on a terminal, else run stdin as a script
 *   iddl script.lua a b     arg[0] = script, arg[-1] = program, ... = a b
 *   iddl -e code | -l mod | -l g=mod | -i | -v | -E | -W | -h | -- | -
 *
 * Before any of that, the global `iddl` is set to require 'iddl', with the
 * C module preloaded as 'iddl.core' and iddl's Lua folder first on
 * package.path. Errors go to stderr as "iddl: message" plus a traceback;
 * the exit status is 1 after any error. Nothing here calls exit().
 */
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "lua_module.h"
#include "repl.h"

/* The state whose code a Ctrl-C interrupts: written by iddl_docall before
 * each call, read by the SIGINT handler (a signal handler can reach nothing
 * else). The only mutable global of this file. */
static lua_State *volatile g_running;

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
  if (lua_getglobal(L, "iddl") != LUA_TTABLE) {         /* 4 */
    lua_settop(L, 3);
    return 3;
  }
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
  lua_Integer threads;
  int has_threads;
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
  threads = lua_tointegerx(L, top + 3, &has_threads);
  if (core || has_threads) {
    luaL_addstring(&b, banner ? " -- OpenBLAS" : ", OpenBLAS");
    if (core) {
      luaL_addchar(&b, ' ');
      luaL_addstring(&b, core);
    }
    if (has_threads) {
      lua_pushfstring(L, ", %I thread%s", threads, threads == 1 ? "" : "s");
      luaL_addvalue(&b);
    }
  }
  if (!banner) luaL_addchar(&b, ')');
  luaL_pushresult(&b);
  lua_replace(L, top + 1);
  lua_settop(L, top + 1);
}

/* --- the command line (lua.c's) ---------------------------------------- */

/* Bits returned by collectargs. */
enum { HAS_ERROR = 1, HAS_I = 2, HAS_V = 4, HAS_E = 8, HAS_NOENV = 16,
       HAS_H = 32 };

static const char usage_text[] =
    "usage: " IDDL_PROGNAME " [options] [script [args]]\n"
    "Available options are:\n"
    "  -e stat   execute string 'stat'\n"
    "  -i        enter interactive mode after executing 'script'\n"
    "  -l mod    require library 'mod' into global 'mod'\n"
    "  -l g=mod  require library 'mod' into global 'g'\n"
    "  -v        show version information\n"
    "  -E        ignore environment variables\n"
    "  -W        turn warnings on\n"
    "  -h        show this help\n"
    "  --        stop handling options\n"
    "  -         stop handling options and execute stdin\n"
    "Without a script: the REPL on a terminal, else stdin as a script.\n"
    "REPL history: $IDDL_HISTORY, default ~/.iddl_history.\n";

/* Complains about argv[bad] (an unknown option or one missing its
 * argument) and prints the usage, on stderr. */
static void print_usage_error(const char *badoption) {
  fprintf(stderr, "%s: ", IDDL_PROGNAME);
  if (badoption == NULL)
    fprintf(stderr, "bad arguments\n");
  else if (badoption[1] == 'e' || badoption[1] == 'l')
    fprintf(stderr, "'%s' needs argument\n", badoption);
  else
    fprintf(stderr, "unrecognized option '%s'\n", badoption);
  fputs(usage_text, stderr);
}

/* Scans the options (lua.c's collectargs, plus -h). Returns HAS_* bits;
 * *first is the index of the script, 0 if none, or of the bad option when
 * HAS_ERROR is returned. */
static int collectargs(char **argv, int *first) {
  int args = 0, i;
  *first = 0;
  if (argv[0] == NULL) return 0;
  for (i = 1; argv[i] != NULL; i++) {
    *first = i;
    if (argv[i][0] != '-') return args; /* the script */
    switch (argv[i][1]) {
      case '-': /* "--" */
        if (argv[i][2] != '\0') return HAS_ERROR;
        *first = argv[i + 1] != NULL ? i + 1 : 0;
        return args;
      case '\0': /* "-": stdin */
        return args;
      case 'E': case 'W': case 'i': case 'v': case 'h':
        if (argv[i][2] != '\0') return HAS_ERROR;
        args |= argv[i][1] == 'E' ? HAS_NOENV : argv[i][1] == 'i' ? HAS_I
              : argv[i][1] == 'v' ? HAS_V : argv[i][1] == 'h' ? HAS_H : 0;
        break;
      case 'e':
        args |= HAS_E; /* FALLTHROUGH */
      case 'l': /* both need an argument */
        if (argv[i][2] == '\0') {
          i++;
          if (argv[i] == NULL || argv[i][0] == '-') return HAS_ERROR;
        }
        break;
      default:
        return HAS_ERROR;
    }
  }
  *first = 0;
  return args;
}

/* Global `arg`: arg[0] is the script, arg[-1].. what came before, arg[1]..
 * what follows (lua.c's createargtable). */
static void createargtable(lua_State *L, char **argv, int argc, int script) {
  int i, narg = argc - (script + 1);
  lua_createtable(L, narg > 0 ? narg : 0, script + 1);
  for (i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - script);
  }
  lua_setglobal(L, "arg");
}

/* Runs the function on top of the stack (or the load error) and reports. */
static int dochunk(lua_State *L, int status) {
  if (status == LUA_OK) status = iddl_docall(L, 0, 0);
  return iddl_report(L, status, IDDL_PROGNAME);
}

/* -l mod or -l g=mod: g = require(mod). */
static int dolibrary(lua_State *L, const char *spec) {
  const char *eq = strchr(spec, '=');
  int status;
  lua_getglobal(L, "require");
  lua_pushstring(L, eq != NULL ? eq + 1 : spec);
  status = iddl_docall(L, 1, 1);
  if (status == LUA_OK) {
    const char *name = lua_pushlstring(
        L, spec, eq != NULL ? (size_t)(eq - spec) : strlen(spec));
    lua_pushvalue(L, -2);
    lua_setglobal(L, name);
    lua_pop(L, 2); /* name and module */
  }
  return iddl_report(L, status, IDDL_PROGNAME);
}

/* Runs -e, -l and -W in command-line order, argv[1 .. n-1]. Returns 0 at
 * the first failure (already reported), else 1. */
static int runargs(lua_State *L, char **argv, int n) {
  int i;
  for (i = 1; i < n; i++) {
    int option = argv[i][1], status;
    const char *extra;
    if (option == 'W') lua_warning(L, "@on", 0);
    if (option != 'e' && option != 'l') continue;
    extra = argv[i][2] != '\0' ? argv[i] + 2 : argv[++i];
    if (option == 'e')
      status = dochunk(L, luaL_loadbuffer(L, extra, strlen(extra),
                                          "=(command line)"));
    else
      status = dolibrary(L, extra);
    if (status != LUA_OK) return 0;
  }
  return 1;
}

/* Runs the script argv[0] ("-" is stdin unless after "--") with the
 * positive entries of `arg` as its `...`. */
static int handle_script(lua_State *L, char **argv) {
  const char *fname = argv[0];
  int status, i, n;
  if (strcmp(fname, "-") == 0 && strcmp(argv[-1], "--") != 0) fname = NULL;
  status = luaL_loadfile(L, fname);
  if (status == LUA_OK) {
    if (lua_getglobal(L, "arg") != LUA_TTABLE)
      return luaL_error(L, "'arg' is not a table");
    n = (int)luaL_len(L, -1);
    luaL_checkstack(L, n + 3, "too many arguments to script");
    for (i = 1; i <= n; i++) lua_rawgeti(L, -i, i);
    lua_remove(L, -i);
    status = iddl_docall(L, n, LUA_MULTRET);
  }
  return iddl_report(L, status, IDDL_PROGNAME);
}

/* Writes into out (PATH_MAX bytes) the folder holding iddl/init.lua,
 * relative to the executable's real path: <exedir>/../lua in the build tree,
 * else <exedir>/../share/lua/5.4 once installed. Returns 0, or -1 if
 * neither exists. */
static int find_luadir(char *out) {
  static const char *const rel[] = {"/../lua", "/../share/lua/5.4"};
  char exe[PATH_MAX], dir[PATH_MAX], probe[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  char *slash;
  size_t i;
  if (len <= 0) return -1;
  exe[len] = '\0';
  if ((slash = strrchr(exe, '/')) == NULL) return -1;
  *slash = '\0';
  for (i = 0; i < sizeof rel / sizeof rel[0]; i++) {
    int a = snprintf(dir, sizeof dir, "%s%s", exe, rel[i]);
    int b = snprintf(probe, sizeof probe, "%s/iddl/init.lua", dir);
    if (a < 0 || (size_t)a >= sizeof dir || b < 0 || (size_t)b >= sizeof probe)
      continue;
    if (access(probe, R_OK) == 0 && realpath(dir, out) != NULL) return 0;
  }
  return -1;
}

/* Preloads 'iddl.core', puts iddl's Lua folder first on package.path and
 * sets the global iddl = require 'iddl'. Reports and returns the status. */
static int load_iddl(lua_State *L) {
  char dir[PATH_MAX];
  int status;
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_iddl_core);
  lua_setfield(L, -2, "iddl.core");
  lua_pop(L, 1);
  if (find_luadir(dir) == 0) {
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", dir, dir,
                    lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 2);
  }
  lua_getglobal(L, "require");
  lua_pushliteral(L, "iddl");
  status = iddl_docall(L, 1, 1);
  if (status == LUA_OK) lua_setglobal(L, "iddl");
  return iddl_report(L, status, IDDL_PROGNAME);
}

/* Everything, in protected mode (lua.c's pmain). Arguments: argc, argv.
 * Returns true when nothing failed. */
static int pmain(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  int script, args = collectargs(argv, &script);
  int optlim = script > 0 ? script : argc;
  luaL_checkversion(L);
  if (args & HAS_ERROR) {
    print_usage_error(argv[script]);
    return 0;
  }
  if (args & HAS_H) {
    fputs(usage_text, stdout);
    lua_pushboolean(L, 1);
    return 1;
  }
  if (args & HAS_NOENV) { /* libraries ignore LUA_PATH etc. */
    lua_pushboolean(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
  }
  luaL_openlibs(L);
  createargtable(L, argv, argc, script);
  lua_gc(L, LUA_GCRESTART);
  lua_gc(L, LUA_GCGEN, 0, 0);
  if (load_iddl(L) != LUA_OK) return 0;
  if (args & HAS_V) {
    iddl_push_version(L, 0);
    printf("%s\n", lua_tostring(L, -1));
    fflush(stdout);
    lua_pop(L, 1);
  }
  if (!runargs(L, argv, optlim)) return 0;
  if (script > 0 && handle_script(L, argv + script) != LUA_OK) return 0;
  if (args & HAS_I) {
    iddl_repl(L);
  } else if (script == 0 && !(args & (HAS_E | HAS_V))) {
    if (isatty(STDIN_FILENO))
      iddl_repl(L);
    else if (dochunk(L, luaL_loadfile(L, NULL)) != LUA_OK)
      return 0;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* Keeps freed tensor buffers in the process for reuse. Tensors are freed
 * by Lua's collector in batches, and glibc would otherwise hand every large
 * buffer back to the kernel (munmap) and fault fresh zeroed pages in for the
 * next one: that costs more than the arithmetic on it (4M-element add:
 * 3.2 ms instead of 1.2 ms). The executable's choice, not the library's. */
static void tune_malloc(void) {
  mallopt(M_MMAP_THRESHOLD, 256 << 20);  /* buffers up to 256 MiB from the heap */
  mallopt(M_TRIM_THRESHOLD, 1 << 30);    /* give back only above 1 GiB free */
}

int main(int argc, char **argv) {
  int status, result;
  tune_malloc();
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    fprintf(stderr, "%s: cannot create state: not enough memory\n",
            IDDL_PROGNAME);
    return EXIT_FAILURE;
  }
  lua_gc(L, LUA_GCSTOP); /* no collection while setting up */
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  status = lua_pcall(L, 2, 1, 0);
  result = lua_toboolean(L, -1);
  iddl_report(L, status, IDDL_PROGNAME);
  lua_close(L);
  return (result && status == LUA_OK) ? EXIT_SUCCESS : EXIT_FAILURE;
}
