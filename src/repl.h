/* repl.h - the iddl executable's two halves and what they share.
 *
 * main.c runs Lua code the way lua.c does (iddl_docall, iddl_report,
 * iddl_push_version) for the command line; repl.c is the interactive
 * prompt (iddl_repl), which runs each chunk through iddl_docall. Nothing
 * here exits the process: errors come back as return values.
 *
 * Process-wide state is limited to what POSIX signals and GNU Readline
 * (whose callbacks take no user pointer) force, documented where it is
 * defined: the lua_State a Ctrl-C must stop (main.c), a "Ctrl-C seen at the
 * prompt" flag and the lua_State the Tab completer reads (repl.c).
 */
#ifndef IDDL_REPL_H
#define IDDL_REPL_H

#include <lua.h>

/* Name put in front of error messages outside the REPL ("iddl: ..."). */
#define IDDL_PROGNAME "iddl"

/* --- main.c ------------------------------------------------------------- */

/* Calls the function below `narg` arguments on L's stack, like lua_pcall
 * with a message handler that appends a traceback. While it runs, SIGINT
 * (Ctrl-C) makes the Lua code fail with "interrupted!" at the next Lua
 * instruction or call (a second Ctrl-C before that kills the process, as in
 * lua.c, for code stuck in C). The previous SIGINT disposition is restored
 * afterwards. Returns the lua_pcall status; on error the message (with
 * traceback) is on the stack, else `nres` results. */
int iddl_docall(lua_State *L, int narg, int nres);

/* If status is not LUA_OK, writes the message on top of L's stack to stderr,
 * prefixed by "progname: " when progname is not NULL, and pops it. Returns
 * status unchanged. */
int iddl_report(lua_State *L, int status, const char *progname);

/* Pushes a one-line description of this iddl built from the global `iddl`
 * (`iddl.version`: a string or a function returning one; `iddl.blas_info()`:
 * a table {core = string, threads = integer}). banner == 0 gives the `-v`
 * form "iddl 0.1.0 (Lua 5.4.4, OpenBLAS Haswell, 2 threads)", banner != 0
 * the REPL banner "iddl 0.1.0 -- Lua 5.4 -- OpenBLAS Haswell, 2 threads".
 * Missing or failing pieces are left out; never raises a Lua error other
 * than out-of-memory. */
void iddl_push_version(lua_State *L, int banner);

/* --- repl.c ------------------------------------------------------------- */

/* Runs the read-eval-print loop on stdin until end of input (Ctrl-D):
 * GNU Readline with history and Tab completion when stdin is a terminal,
 * plain line reading otherwise. Prints the banner first. Errors in user code
 * are reported and the loop goes on. Leaves L's stack empty. Must be called
 * from inside a protected call (like lua.c's pmain). */
void iddl_repl(lua_State *L);

#endif
