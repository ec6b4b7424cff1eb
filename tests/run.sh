#!/bin/sh
# Runs every test suite against each build folder given (default: build):
#   C unit tests (cmocka), Lua specs (busted, run by the iddl executable
#   itself), REPL and command-line tests (pexpect through a pseudo-terminal),
#   and plain lua5.4 loading the C module (optimised build only).
# Each suite prints TAP ("ok N - ..." / "not ok N - ..."); the last line is
# "N passed, M failed". Exits 1 if any test or suite failed.
cd "$(dirname "$0")/.." || exit 1
[ $# -eq 0 ] && set -- build
out=$(mktemp)
trap 'rm -f "$out"' EXIT
passed=0 failed=0 broken=""

# suite NAME CMD...: runs CMD, shows its output, counts its TAP lines; a
# non-zero exit without a failing TAP line counts as one failed test.
suite() {
  name=$1; shift
  echo "# === $name"
  "$@" >"$out" 2>&1 </dev/null
  rc=$?
  cat "$out"
  p=$(grep -c '^ok ' "$out")
  f=$(grep -c '^not ok ' "$out")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; echo "not ok - $name ran no test"; fi
  [ "$f" -ne 0 ] && broken="$broken $name"
  passed=$((passed + p)); failed=$((failed + f))
}

# The first line of output of a plain lua5.4 that requires the C module.
plain_lua() {
  LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="$1/lib/?.so;;" lua5.4 -e '
    local iddl = require "iddl"
    local t = iddl.matmul(iddl.ones(2, 3), iddl.ones(3, 2))
    assert(t:sum() == 12, "matmul through plain lua5.4")
    print("ok 1 - plain lua5.4 requires iddl and multiplies matrices")'
}

for build in "$@"; do
  san=0
  case $build in *asan*) san=1 ;; esac
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  for t in "$build"/tests/test_*; do
    [ -x "$t" ] && CMOCKA_MESSAGE_OUTPUT=TAP suite "$build: $(basename "$t")" "$t"
  done
  export IDDL_BIN="$build/iddl"
  suite "$build: lua specs" "$build/iddl" /usr/bin/busted -o TAP tests/lua
  suite "$build: repl and command line" /usr/bin/python3 tests/repl/test_repl.py "$build/iddl"
  [ "$san" -eq 0 ] && suite "$build: plain lua5.4 module" plain_lua "$build"
done

[ -n "$broken" ] && echo "# failing suites:$broken"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
