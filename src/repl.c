/* repl.c - the read-eval-print loop (lua.c's doREPL), on GNU Readline.
 *
 * The loop is lua.c's: a line is first tried as `return <line>`, then as a
 * statement; a syntax error ending at <eof> means "incomplete", so another
 * line is read with the continuation prompt. Chunks run through iddl_docall
 * (main.c), so Ctrl-C while code runs stops it with "interrupted!"; Ctrl-C
 * at the prompt drops the line (and any unfinished chunk) and shows a fresh
 * prompt. Results are shown through require('iddl.pretty').format.
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
 *   g_sigint   - set by the prompt's SIGINT handler, cleared by the REPL.
 *   g_complete - the state the Tab completer reads; set only inside
 *                iddl_repl. */
static volatile sig_atomic_t g_sigint;
static lua_State *g_complete;

/* --- reading lines ------------------------------------------------------ */

typedef struct repl {
  int tty;             /* stdin is a terminal: Readline, history, Tab */
  char histfile[4096]; /* "" when history is not kept in a file */
} repl;

/* SIGINT at the prompt: only records it. */
static void prompt_sigint(int sig) {
  (void)sig;
  g_sigint = 1;
}

/* Readline polls this while it waits for keys (rl_event_hook): after a
 * Ctrl-C, ends readline() (rl_done: the next key read is a newline); the
 * caller then drops the line. Nested reads that would not end on that
 * newline are left first: a completion listing's "(y or n)" / "--More--"
 * gets 'n', a history search gets C-g. */
static int poll_interrupt(void) {
  if (!g_sigint) return 0;
  if (RL_ISSTATE(RL_STATE_COMPLETING))
    rl_stuff_char('n');
  else if (RL_ISSTATE(RL_STATE_ISEARCH | RL_STATE_NSEARCH))
    rl_stuff_char('G' & 0x1f);
  else
    rl_done = 1;
  return 0;
}

/* Reads one line (without its newline) into *line, malloc'd, after showing
 * prompt. Returns 1 for a line, 0 at end of input, -1 when Ctrl-C dropped
 * it (*line is NULL for 0 and -1). */
static int read_line(repl *r, const char *prompt, char **line) {
  size_t cap = 0;
  ssize_t n;
  g_sigint = 0;
  *line = NULL;
  if (r->tty) {
    *line = readline(prompt);
  } else {
    fputs(prompt, stdout);
    fflush(stdout);
    n = getline(line, &cap, stdin);
    if (n < 0) { /* end of input, or read interrupted by Ctrl-C */
      free(*line);
      *line = NULL;
      clearerr(stdin);
    } else if (n > 0 && (*line)[n - 1] == '\n') {
      (*line)[n - 1] = '\0';
    }
  }
  if (g_sigint) {
    g_sigint = 0;
    free(*line);
    *line = NULL;
    if (!r->tty) fputc('\n', stdout);
    return -1;
  }
  return *line != NULL;
}

/* Adds a non-empty line to the history (unless it repeats the last entry)
 * and appends it to the history file at once, so a killed session keeps it.
 * Multi-line chunks are kept line by line, as the history file stores. */
static void save_line(repl *r, const char *line) {
  HIST_ENTRY *last;
  if (!r->tty || line[0] == '\0') return;
  last = history_length > 0 ? history_get(history_base + history_length - 1)
                            : NULL;
  if (last != NULL && strcmp(last->line, line) == 0) return;
  add_history(line);
  if (r->histfile[0]) append_history(1, r->histfile);
}

/* Reads a line and pushes it ("=expr" on a first line becomes
 * "return expr"). Returns read_line's result; pushes only on 1. */
static int pushline(lua_State *L, repl *r, int firstline) {
  char *line;
  int st = read_line(r, firstline ? PROMPT1 : PROMPT2, &line);
  if (st != 1) return st;
  save_line(r, line);
  if (firstline && line[0] == '=')
    lua_pushfstring(L, "return %s", line + 1);
  else
    lua_pushstring(L, line);
  free(line);
  return 1;
}

/* A syntax error at <eof> means the chunk is unfinished (pops the error). */
static int incomplete(lua_State *L, int status) {
  if (status == LUA_ERRSYNTAX) {
    size_t lmsg, mlen = sizeof(EOFMARK) - 1;
    const char *msg = lua_tolstring(L, -1, &lmsg);
    if (lmsg >= mlen && strcmp(msg + lmsg - mlen, EOFMARK) == 0) {
      lua_pop(L, 1);
      return 1;
    }
  }
  return 0;
}

/* Tries to compile "return <line>;" (the line is on top; kept on failure). */
static int addreturn(lua_State *L) {
  const char *retline = lua_pushfstring(L, "return %s;", lua_tostring(L, -1));
  int status = luaL_loadbuffer(L, retline, strlen(retline), "=stdin");
  if (status == LUA_OK)
    lua_remove(L, -2);
  else
    lua_pop(L, 2);
  return status;
}

/* Compiles the chunk at index 1, reading continuation lines while it is
 * incomplete. Returns the load status (function or message pushed), or -2
 * if Ctrl-C dropped the chunk. End of input reports the syntax error. */
static int multiline(lua_State *L, repl *r) {
  for (;;) {
    size_t len;
    const char *chunk = lua_tolstring(L, 1, &len);
    int status = luaL_loadbuffer(L, chunk, len, "=stdin");
    if (!incomplete(L, status)) return status;
    status = pushline(L, r, 0);
    if (status == 0) return luaL_loadbuffer(L, chunk, len, "=stdin");
    if (status < 0) return -2;
    lua_pushliteral(L, "\n");
    lua_insert(L, -2);
    lua_concat(L, 3);
  }
}

/* Reads and compiles one chunk, leaving the function (or the error message)
 * alone on the stack. Returns a load status, -1 at end of input, -2 when
 * Ctrl-C dropped the input. */
static int loadline(lua_State *L, repl *r) {
  int status;
  lua_settop(L, 0);
  status = pushline(L, r, 1);
  if (status != 1) return status == 0 ? -1 : -2;
  if ((status = addreturn(L)) != LUA_OK) status = multiline(L, r);
  if (status == -2) {
    lua_settop(L, 0);
    return -2;
  }
  lua_remove(L, 1);
  return status;
}

/* --- printing results --------------------------------------------------- */

/* Protected: writes its arguments to stdout, tab-separated, each through
 * require('iddl.pretty').format (tostring if that module is missing). */
static int print_values(lua_State *L) {
  int i, n = lua_gettop(L), fmt = 0;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "iddl.pretty");
  if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_istable(L, -1) &&
      lua_getfield(L, -1, "format") == LUA_TFUNCTION)
    fmt = lua_gettop(L);
  for (i = 1; i <= n; i++) {
    size_t len;
    const char *s;
    if (fmt) {
      lua_pushvalue(L, fmt);
      lua_pushvalue(L, i);
      lua_call(L, 1, 1);
      s = luaL_tolstring(L, -1, &len);
    } else {
      s = luaL_tolstring(L, i, &len);
    }
    fwrite(s, 1, len, stdout);
    fputc(i < n ? '\t' : '\n', stdout);
    lua_settop(L, fmt ? fmt : n);
  }
  fflush(stdout);
  return 0;
}

/* Prints and pops the values on the stack (nothing for none). */
static void print_results(lua_State *L) {
  int n = lua_gettop(L);
  if (n == 0) return;
  if (!lua_checkstack(L, LUA_MINSTACK)) {
    fputs("too many results to print\n", stderr);
    lua_settop(L, 0);
    return;
  }
  lua_pushcfunction(L, print_values);
  lua_insert(L, 1);
  iddl_report(L, iddl_docall(L, n, 0), NULL);
}

/* --- Tab completion ----------------------------------------------------- */

static const char *const keywords[] = {
    "and", "break", "do", "else", "elseif", "end", "false", "for",
    "function", "goto", "if", "in", "local", "nil", "not", "or", "repeat",
    "return", "then", "true", "until", "while", NULL};

static int is_name(const char *s, size_t n) {
  size_t i;
  if (n == 0 || (s[0] >= '0' && s[0] <= '9')) return 0;
  for (i = 0; i < n; i++)
    if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') ||
          (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
      return 0;
  return 1;
}

/* Adds prefix..key to the set at index `set` for each identifier key of the
 * table at t that starts with part; only callable values when methods.
 * Names starting with "__" only when part starts with '_'. Raw access. */
static void add_table(lua_State *L, int t, int set, const char *prefix,
                      const char *part, int methods) {
  size_t plen = strlen(part), klen;
  t = lua_absindex(L, t);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    if (lua_type(L, -2) == LUA_TSTRING) {
      const char *k = lua_tolstring(L, -2, &klen);
      int ok = klen >= plen && memcmp(k, part, plen) == 0 &&
               is_name(k, klen) && (part[0] == '_' || strncmp(k, "__", 2));
      if (ok && methods && !lua_isfunction(L, -1)) {
        ok = luaL_getmetafield(L, -1, "__call") != LUA_TNIL;
        if (ok) lua_pop(L, 1);
      }
      if (ok) {
        lua_pushfstring(L, "%s%s", prefix, k);
        lua_pushboolean(L, 1);
        lua_rawset(L, set);
      }
    }
    lua_pop(L, 1);
  }
}

/* add_table on the value at obj if it is a table, then on its metatable's
 * __index table (recursively); when __index is a function, on the
 * metatable itself and on its `methods` table (where iddl's tensors keep
 * theirs). */
static void add_names(lua_State *L, int obj, int set, const char *prefix,
                      const char *part, int methods, int depth) {
  obj = lua_absindex(L, obj);
  if (lua_istable(L, obj)) add_table(L, obj, set, prefix, part, methods);
  if (depth < 8 && lua_getmetatable(L, obj)) {
    int tt;
    lua_pushliteral(L, "__index");
    tt = lua_rawget(L, -2);
    if (tt == LUA_TTABLE)
      add_names(L, -1, set, prefix, part, methods, depth + 1);
    else if (tt != LUA_TNIL) {
      add_table(L, -2, set, prefix, part, methods);
      lua_pushliteral(L, "methods");
      if (lua_rawget(L, -3) == LUA_TTABLE)
        add_table(L, -1, set, prefix, part, methods);
      lua_pop(L, 1);
    }
    lua_pop(L, 2);
  }
}

/* Protected: returns a set of the completions of the word (light userdata
 * 1): globals and keywords, or the fields of the dotted path before its
 * last '.' (methods after ':'). Walking the path may run __index. */
static int collect(lua_State *L) {
  const char *text = (const char *)lua_touserdata(L, 1);
  const char *dot = strrchr(text, '.'), *colon = strrchr(text, ':');
  const char *sep = dot > colon ? dot : colon, *p = text;
  int i;
  lua_newtable(L); /* 2: the set */
  lua_pushglobaltable(L);
  if (sep == NULL) {
    add_names(L, 3, 2, "", text, 0, 0);
    for (i = 0; keywords[i]; i++)
      if (strncmp(keywords[i], text, strlen(text)) == 0) {
        lua_pushboolean(L, 1);
        lua_setfield(L, 2, keywords[i]);
      }
    lua_settop(L, 2);
    return 1;
  }
  while (p < sep) { /* 3: the value reached so far */
    const char *e = p + strcspn(p, ".:");
    if (!is_name(p, (size_t)(e - p)) || (e != sep && *e == ':')) {
      lua_settop(L, 2);
      return 1;
    }
    lua_pushlstring(L, p, (size_t)(e - p));
    lua_gettable(L, 3);
    lua_replace(L, 3);
    p = e + 1;
  }
  lua_pushlstring(L, text, (size_t)(sep - text) + 1);
  add_names(L, 3, 2, lua_tostring(L, -1), sep + 1, *sep == ':', 0);
  lua_settop(L, 2);
  return 1;
}

/* Turns the set at index set into Readline's match array: [0] the longest
 * common prefix, then the matches, NULL-terminated (malloc'd; Readline
 * frees it). NULL for no match or no memory. */
static char **to_matches(lua_State *L, int set) {
  size_t n = 0, i = 0, j, lcp;
  char **m;
  lua_pushnil(L);
  while (lua_next(L, set)) {
    n++;
    lua_pop(L, 1);
  }
  if (n == 0 || (m = calloc(n + 2, sizeof *m)) == NULL) return NULL;
  lua_pushnil(L);
  while (lua_next(L, set)) {
    lua_pop(L, 1);
    if ((m[++i] = strdup(lua_tostring(L, -1))) == NULL) goto fail;
  }
  lcp = strlen(m[1]);
  for (i = 2; i <= n; i++) {
    for (j = 0; j < lcp && m[i][j] == m[1][j]; j++) {}
    lcp = j;
  }
  if (n == 1) {
    m[0] = m[1];
    m[1] = NULL;
  } else if ((m[0] = strndup(m[1], lcp)) == NULL) {
    goto fail;
  }
  return m;
fail:
  for (i = 0; i <= n; i++) free(m[i]);
  free(m);
  return NULL;
}

/* Aborts completion code that runs too long (a looping __index). */
static void budget_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  luaL_error(L, "completion took too long");
}

/* Readline's attempted-completion function: Lua names only, no filenames,
 * nothing appended after a match. */
static char **complete(const char *text, int start, int end) {
  lua_State *L = g_complete;
  lua_Hook hook;
  int top, mask, count;
  char **matches = NULL;
  (void)start;
  (void)end;
  rl_attempted_completion_over = 1;
  rl_completion_append_character = '\0';
  if (L == NULL || !lua_checkstack(L, 10)) return NULL;
  top = lua_gettop(L);
  hook = lua_gethook(L);
  mask = lua_gethookmask(L);
  count = lua_gethookcount(L);
  lua_pushcfunction(L, collect);
  lua_pushlightuserdata(L, (void *)text);
  lua_sethook(L, budget_hook, LUA_MASKCOUNT, COMPLETE_BUDGET);
  if (lua_pcall(L, 1, 1, 0) == LUA_OK) matches = to_matches(L, top + 1);
  lua_sethook(L, hook, mask, count);
  lua_settop(L, top);
  return matches;
}

/* --- the loop ----------------------------------------------------------- */

/* Sets up Readline and loads the history: $IDDL_HISTORY (empty: no file),
 * else ~/.iddl_history. */
static void open_readline(repl *r) {
  const char *env = getenv("IDDL_HISTORY"), *home = getenv("HOME");
  int n = 0;
  rl_readline_name = "iddl";
  rl_attempted_completion_function = complete;
  rl_basic_word_break_characters = WORD_BREAKS;
  rl_completer_word_break_characters = WORD_BREAKS;
  rl_event_hook = poll_interrupt;
  using_history();
  stifle_history(HISTORY_MAX);
  if (env != NULL)
    n = snprintf(r->histfile, sizeof r->histfile, "%s", env);
  else if (home != NULL && home[0] != '\0')
    n = snprintf(r->histfile, sizeof r->histfile, "%s/.iddl_history", home);
  if (n < 0 || (size_t)n >= sizeof r->histfile) r->histfile[0] = '\0';
  if (r->histfile[0] && read_history(r->histfile) == ENOENT)
    write_history(r->histfile); /* create it: append_history needs it */
}

static void close_readline(repl *r) {
  if (r->histfile[0]) history_truncate_file(r->histfile, HISTORY_MAX);
  clear_history();
  rl_event_hook = NULL;
  rl_attempted_completion_function = NULL;
}

void iddl_repl(lua_State *L) {
  repl r;
  struct sigaction sa, old;
  int status;
  r.tty = isatty(STDIN_FILENO);
  r.histfile[0] = '\0';
  if (r.tty) open_readline(&r);
  g_complete = L;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = prompt_sigint; /* no SA_RESTART: getline returns */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old);
  iddl_push_version(L, 1);
  printf("%s\n", lua_tostring(L, -1));
  fflush(stdout);
  lua_pop(L, 1);
  while ((status = loadline(L, &r)) != -1) {
    if (status == -2) continue; /* Ctrl-C at the prompt */
    if (status == LUA_OK) status = iddl_docall(L, 0, LUA_MULTRET);
    if (status == LUA_OK)
      print_results(L);
    else
      iddl_report(L, status, NULL);
  }
  lua_settop(L, 0);
  fputc('\n', stdout);
  fflush(stdout);
  sigaction(SIGINT, &old, NULL);
  g_complete = NULL;
  if (r.tty) close_readline(&r);
}
