#!/usr/bin/python3
"""End-to-end tests of the iddl executable.

The REPL is driven through a pseudo-terminal (pexpect), the command line
through pipes (subprocess). Usage:

    /usr/bin/python3 tests/repl/test_repl.py [path/to/iddl]   # default build/iddl

Prints TAP ("ok N - name" / "not ok N - name", diagnostics as "# ..."), then
a last line "N passed, M failed"; exits 1 if any test failed. Every REPL
session is ended with Ctrl-D and must exit with status 0 (so a sanitizer
build that reports a leak fails the test that leaked).
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

import pexpect

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else 'build/iddl')
TMP = tempfile.mkdtemp(prefix='iddl-repl-test-')
HIST = os.path.join(TMP, 'history')
INPUTRC = os.path.join(TMP, 'inputrc')
with open(INPUTRC, 'w') as f:
    # No bracketed-paste escapes around each line, no bell characters.
    f.write('set enable-bracketed-paste off\nset bell-style none\n')
# TERM=dumb: Readline draws lines without cursor-movement escapes.
ENV = dict(os.environ, TERM='dumb', INPUTRC=INPUTRC, IDDL_HISTORY=HIST,
           HOME=TMP)
for var in ('LUA_INIT', 'LUA_INIT_5_4'):
    ENV.pop(var, None)
PROMPT = 'iddl> '
TIMEOUT = 5  # seconds for each expected output

TESTS = []


def test(name):
    def register(fn):
        TESTS.append((name, fn))
        return fn
    return register


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class Repl:
    """An iddl session on a pseudo-terminal, waiting at the prompt."""

    def __init__(self, args=()):
        self.p = pexpect.spawn(BIN, list(args), env=ENV, cwd=TMP,
                               encoding='utf-8', timeout=TIMEOUT,
                               dimensions=(24, 200))
        self.p.expect_exact(PROMPT)
        self.banner = self.p.before

    def run(self, line, *patterns):
        """Sends line, waits for each regex pattern in turn, then for the
        next prompt; returns everything printed after the last pattern."""
        self.p.send(line + '\r')
        for pat in patterns:
            self.p.expect(pat)
        self.p.expect_exact(PROMPT)
        return self.p.before

    def close(self):
        """Ctrl-D at the prompt; returns the exit status."""
        self.p.sendeof()
        self.p.expect(pexpect.EOF)
        self.p.close()
        return self.p.exitstatus

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.p.isalive():
            self.p.close(force=True)


def run(args, stdin='', timeout=TIMEOUT):
    """Runs iddl with args, stdin from a pipe; returns (rc, stdout, stderr)."""
    r = subprocess.run([BIN] + list(args), input=stdin, capture_output=True,
                       text=True, env=ENV, cwd=TMP, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, 'w') as f:
        f.write(text)
    return path


# --- the REPL, through a pseudo-terminal -------------------------------------

@test('banner and prompt')
def _():
    with Repl() as r:
        check(re.search(r'^iddl \S+ -- Lua 5\.4 -- OpenBLAS', r.banner, re.M),
              'banner: %r' % r.banner)
        check(r.close() == 0, 'exit status')


@test('1+1 prints 2')
def _():
    with Repl() as r:
        r.run('1+1', r'\r\n2\r\n')
        check(r.close() == 0, 'exit status')


@test('=1+2 prints 3; several results are tab-separated')
def _():
    with Repl() as r:
        r.run('=1+2', r'\r\n3\r\n')
        r.run('1, "a", nil', r'\r\n1\t"a"\tnil\r\n')
        check(r.close() == 0, 'exit status')


@test('continuation prompt for an unfinished chunk')
def _():
    with Repl() as r:
        r.p.send('for i=1,2 do\r')
        r.p.expect_exact('>> ')
        r.p.send('print(i * 10)\r')
        r.p.expect_exact('>> ')
        r.run('end', r'\r\n10\r\n20\r\n')
        check(r.close() == 0, 'exit status')


@test('tables pretty-print')
def _():
    with Repl() as r:
        r.run('t = {3, 1, b = 2, a = {"s"}}')
        r.run('t', re.escape('{3, 1, a = {"s"}, b = 2}'))
        r.run('t.self = t')
        r.run('t', re.escape('self = <cycle>'))
        check(r.close() == 0, 'exit status')


@test('tensors print through their __tostring')
def _():
    with Repl() as r:
        r.run('t = iddl.zeros(2, 3)')
        r.run('=tostring(t) == require("iddl.pretty").format(t)',
              r'\r\ntrue\r\n')
        out = r.run('t')
        check('traceback' not in out, 'printing a tensor failed: %r' % out)
        check(r.close() == 0, 'exit status')


@test('an error shows message and traceback, the session goes on')
def _():
    with Repl() as r:
        r.run("error('boom')", r'boom', r'stack traceback')
        r.run('2*21', r'\r\n42\r\n')
        check(r.close() == 0, 'exit status')


@test('Ctrl-C stops while true do end')
def _():
    with Repl() as r:
        r.p.send('while true do end\r')
        time.sleep(0.3)
        r.p.sendintr()
        r.p.expect('interrupted')
        r.p.expect_exact(PROMPT)
        r.run('1+1', r'\r\n2\r\n')
        check(r.close() == 0, 'exit status')


@test('Ctrl-C stops a loop that calls C functions')
def _():
    with Repl() as r:
        r.p.send('while true do local s = string.rep("x", 100) end\r')
        time.sleep(0.3)
        r.p.sendintr()
        r.p.expect('interrupted')
        r.p.expect_exact(PROMPT)
        r.run('3+3', r'\r\n6\r\n')
        check(r.close() == 0, 'exit status')


@test('Ctrl-C at the prompt keeps the session and drops the typed text')
def _():
    with Repl() as r:
        r.p.sendintr()
        r.p.expect_exact(PROMPT)
        r.p.send('abc')
        r.p.expect_exact('abc')
        r.p.sendintr()
        r.p.expect_exact(PROMPT)
        r.run('4+4', r'\r\n8\r\n')
        check(r.close() == 0, 'exit status')


@test('Ctrl-C at the continuation prompt drops the unfinished chunk')
def _():
    with Repl() as r:
        r.p.send('for i=1,2 do\r')
        r.p.expect_exact('>> ')
        r.p.sendintr()
        r.p.expect_exact(PROMPT)
        r.run('5+5', r'\r\n10\r\n')
        check(r.close() == 0, 'exit status')


@test('Ctrl-D in an unfinished chunk reports it, the session goes on')
def _():
    with Repl() as r:
        r.p.send('for i=1,2 do\r')
        r.p.expect_exact('>> ')
        r.p.sendeof()
        r.p.expect("'end' expected")
        r.p.expect_exact(PROMPT)
        r.run('6+6', r'\r\n12\r\n')
        check(r.close() == 0, 'exit status')


@test('history is written and recalled in a new session (up arrow)')
def _():
    if os.path.exists(HIST):
        os.unlink(HIST)
    with Repl() as r:
        r.run('histmark = 12345')
        with open(HIST) as f:  # written at once, not only at exit
            check('histmark = 12345' in f.read(), 'history file after a line')
        check(r.close() == 0, 'exit status')
    with Repl() as r:
        r.p.send('\x1b[A')
        r.p.expect_exact('histmark = 12345')
        r.p.send('\r')
        r.p.expect_exact(PROMPT)
        r.run('=histmark', r'\r\n12345\r\n')
        check(r.close() == 0, 'exit status')


@test('history file is capped at 1000 lines')
def _():
    with open(HIST, 'w') as f:
        f.write(''.join('x%d = %d\n' % (i, i) for i in range(1500)))
    with Repl() as r:
        r.run('last = 1')
        check(r.close() == 0, 'exit status')
    with open(HIST) as f:
        lines = f.read().splitlines()
    check(len(lines) <= 1000, '%d lines' % len(lines))
    check(lines[-1] == 'last = 1', 'last line %r' % lines[-1:])


@test('Tab completes string.fo to string.format')
def _():
    with Repl() as r:
        r.p.send('string.fo\t')
        r.p.expect_exact('string.format')
        r.run('', r'function: builtin')
        check(r.close() == 0, 'exit status')


@test('Tab completes fields of iddl and methods after :')
def _():
    with Repl() as r:
        r.p.send('f = iddl.zero\t')
        r.p.expect_exact('iddl.zeros')
        r.run('')
        r.run('=type(f)', r'\r\n"function"\r\n')
        r.run('t = iddl.zeros(2, 3)')
        r.p.send('n = t:siz\t')
        r.p.expect_exact('t:size')
        r.run('()')
        r.run('=n ~= nil', r'\r\ntrue\r\n')
        r.p.send('io.stdout:wr\t')
        r.p.expect_exact('io.stdout:write')
        r.run('("tab-ok\\n")', r'tab-ok')
        check(r.close() == 0, 'exit status')


@test('Ctrl-D at the empty prompt exits with status 0')
def _():
    with Repl() as r:
        check(r.close() == 0, 'exit status %r' % r.p.exitstatus)


# --- the command line, through pipes -----------------------------------------

@test("iddl -e 'print(1+1)'")
def _():
    rc, out, err = run(['-e', 'print(1+1)'])
    check(rc == 0 and out == '2\n', (rc, out, err))


@test('the global iddl is require "iddl"')
def _():
    rc, out, err = run(['-e', 'print(type(iddl), require("iddl") == iddl)'])
    check(rc == 0 and out == 'table\ttrue\n', (rc, out, err))


@test('script with arguments and the arg table')
def _():
    path = write('args.lua', 'print(select("#", ...), ...)\n'
                 'print(arg[0], arg[1], arg[2], #arg, arg[-1] ~= nil)\n')
    rc, out, err = run([path, 'a', 'b c'])
    check(rc == 0, (rc, err))
    check(out == '2\ta\tb c\n%s\ta\tb c\t2\ttrue\n' % path, out)


@test('iddl - reads the script from stdin')
def _():
    rc, out, err = run(['-', 'x', 'y'], stdin='print("stdin", ...)\n')
    check(rc == 0 and out == 'stdin\tx\ty\n', (rc, out, err))


@test('piped stdin without arguments runs as a script')
def _():
    rc, out, err = run([], stdin='print("piped", 6*7)\n')
    check(rc == 0 and out == 'piped\t42\n', (rc, out, err))


@test('-v prints the version line')
def _():
    rc, out, err = run(['-v'])
    check(rc == 0, (rc, err))
    check(re.match(r'^iddl \S+ \(Lua 5\.4\.\d+, OpenBLAS .*\)\n$', out), out)


@test('-h prints the usage')
def _():
    rc, out, err = run(['-h'])
    check(rc == 0 and out.startswith('usage: iddl'), (rc, out, err))
    check('-e stat' in out and '-i ' in out, out)


@test('an unknown option fails with the usage')
def _():
    rc, out, err = run(['-z'])
    check(rc == 1 and "unrecognized option '-z'" in err, (rc, err))


@test('a failing script exits 1 with "iddl: file:line:" and a traceback')
def _():
    path = write('err.lua', 'local x = 1\n\nerror("kaboom")\n')
    rc, out, err = run([path])
    check(rc == 1, 'rc %d' % rc)
    check(err.startswith('iddl: %s:3: kaboom\n' % path), err)
    check('stack traceback' in err, err)


@test('a syntax error in -e exits 1')
def _():
    rc, out, err = run(['-e', 'x = = 1'])
    check(rc == 1 and err.startswith('iddl: (command line):1:'), (rc, err))


@test('-l g=mod requires a module into a global')
def _():
    rc, out, err = run(['-l', 'p=iddl.pretty', '-e', 'print(p.format({1}))'])
    check(rc == 0 and out == '{1}\n', (rc, out, err))


@test('-i file runs the file, then the REPL reads stdin')
def _():
    path = write('init.lua', 'fromfile = 41\n')
    rc, out, err = run(['-i', path], stdin='fromfile + 1\nprint("done")\n')
    check(rc == 0, (rc, err))
    check(re.search(r'^iddl> 42$', out, re.M) and 'done' in out, out)


@test('Ctrl-C (SIGINT) stops a running script with exit status 1')
def _():
    p = subprocess.Popen([BIN, '-e', 'while true do end'], env=ENV, cwd=TMP,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=TIMEOUT)
    check(p.returncode == 1 and 'iddl: ' in err and 'interrupted!' in err,
          (p.returncode, err))


def main():
    if not os.access(BIN, os.X_OK):
        print('not ok 1 - %s is not an executable' % BIN)
        print('0 passed, 1 failed')
        return 1
    print('1..%d' % len(TESTS))
    passed = failed = 0
    for i, (name, fn) in enumerate(TESTS, 1):
        try:
            fn()
        except Exception as e:  # a failed check, a timeout, an early EOF
            failed += 1
            print('not ok %d - %s' % (i, name))
            if isinstance(e, AssertionError):
                detail = str(e).splitlines()
            else:  # where it failed, and what the program had printed
                own = [f for f in traceback.extract_tb(e.__traceback__)
                       if f.filename == __file__][1:]  # below main()
                detail = ['%s at %s' % (type(e).__name__, ', '.join(
                    'line %d: %s' % (f.lineno, f.line) for f in own))]
                detail += [l for l in str(e).splitlines()
                           if l.startswith(('before', 'searcher', '    0:'))]
            for line in detail[:20]:
                print('#   ' + line)
        else:
            passed += 1
            print('ok %d - %s' % (i, name))
        sys.stdout.flush()
    shutil.rmtree(TMP, ignore_errors=True)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
