-- iddl.gnuplot: one gnuplot process behind a pipe, for lua/iddl/plot.lua.
--
--   local gp = require 'iddl.gnuplot'
--   local exe = gp.find('gnuplot')          -- path, or nil + reason
--   local terms = gp.terminals(exe)         -- set of terminal names
--   local p = gp.open(exe)                  -- starts gnuplot
--   p:send("plot sin(x)\n")
--   local errors, warnings = p:sync()       -- waits until gnuplot has read it all
--   p:close()
--
-- gnuplot reads commands from the pipe (io.popen 'w'); its stdout is ours
-- (text plots land in our console); its stderr goes to a temp file. sync()
-- sends `print 'IDDL-SYNC-<n>'` (print writes to stderr) and waits until that
-- line appears in the file: everything printed before it belongs to the
-- commands sent so far, so errors are reported by the call that caused them.
local now = require('iddl.core').now   -- also registers iddl.plot_core
local sleep = require('iddl.plot_core').sleep

local M = {}

-- A gnuplot string literal for s: single quotes (no backquote command
-- substitution, no backslash escapes), ' doubled; control characters
-- (newlines included, which would end the command) become spaces.
function M.quote(s)
  s = tostring(s):gsub('[%c]', ' ')
  return "'" .. s:gsub("'", "''") .. "'"
end

-- A /bin/sh literal for s.
local function sh_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function readable(path)
  local f = io.open(path, 'rb')
  if f then f:close() return true end
  return false
end

-- The path of the gnuplot executable `exe` (a name looked up in PATH, or a
-- path containing '/'), or nil and the reason.
function M.find(exe)
  exe = exe or 'gnuplot'
  local missing = 'gnuplot not found: install gnuplot-nox (make deps)'
  if exe:find('/', 1, true) then
    if readable(exe) then return exe end
    return nil, missing .. " (no file '" .. exe .. "')"
  end
  for dir in (os.getenv('PATH') or '/usr/bin:/bin'):gmatch('[^:]+') do
    local p = dir .. '/' .. exe
    if readable(p) then return p end
  end
  return nil, missing .. " ('" .. exe .. "' is not in PATH)"
end

local terminal_cache = {}

-- The set of terminal names ({pngcairo=true, dumb=true, ...}) that gnuplot
-- at `path` offers, from `gnuplot -e 'set terminal'`; cached per path.
-- Returns nil and a reason if gnuplot cannot be run.
function M.terminals(path)
  if terminal_cache[path] then return terminal_cache[path] end
  local h = io.popen(sh_quote(path) .. " -e 'set terminal' 2>&1 </dev/null")
  local text = h and h:read('a') or ''
  if h then h:close() end
  local set, seen = {}, false
  for name in text:gmatch('\n%s*([%w_]+) +[^\n]*') do
    set[name], seen = true, true
  end
  if not seen then
    return nil, "cannot list gnuplot's terminals ('" .. path
           .. " -e \"set terminal\"' printed: " .. text:sub(1, 200) .. ')'
  end
  terminal_cache[path] = set
  return set
end

local Proc = {}
Proc.__index = Proc

-- Starts gnuplot at `path` (from M.find). Returns a process object; raises
-- if the pipe or the temp file cannot be made.
function M.open(path)
  local err_path = os.tmpname()
  local cmd = 'exec 2>' .. sh_quote(err_path)
              .. '; echo "IDDL-PID $$" >&2; exec ' .. sh_quote(path)
  local fh, why = io.popen(cmd, 'w')
  if not fh then
    os.remove(err_path)
    error('cannot start gnuplot (' .. path .. '): ' .. tostring(why), 0)
  end
  fh:setvbuf('full')
  return setmetatable({ fh = fh, path = path, err_path = err_path,
                        offset = 0, seq = 0, pid = nil, dead = false }, Proc)
end

-- Whether the gnuplot process still runs (true while its pid is unknown).
function Proc:alive()
  if self.dead then return false end
  if not self.pid then return true end
  local f = io.open('/proc/' .. self.pid .. '/stat', 'r')
  if not f then return false end
  local stat = f:read('l') or ''
  f:close()
  local state = stat:match('%) (%a)')
  return state ~= nil and state ~= 'Z' and state ~= 'X'
end

-- gnuplot's stderr after the last answer sync() consumed (the pid line, once
-- seen, is consumed too).
function Proc:read_stderr()
  local f = io.open(self.err_path, 'rb')
  if not f then return '' end
  f:seek('set', self.offset)
  local text = f:read('a') or ''
  f:close()
  if not self.pid then
    local pid, rest = text:match('^IDDL%-PID (%d+)\n(.*)$')
    if not pid then return '' end   -- the shell has not written it yet
    self.pid = pid
    self.offset = self.offset + (#text - #rest)
    text = rest
  end
  return text
end

-- Writes `script` (gnuplot commands, each ending in a newline) to gnuplot.
-- Raises if gnuplot is no longer running.
function Proc:send(script)
  if self.closed then error('gnuplot pipe is closed', 0) end
  if not self:alive() then
    error('gnuplot (' .. self.path .. ') is no longer running', 0)
  end
  local ok, why = self.fh:write(script)
  if not ok then error('cannot write to gnuplot: ' .. tostring(why), 0) end
end

-- Splits gnuplot's messages into errors (gnuplot says `line N: ...`, with
-- the failing command echoed above) and warnings (everything else).
local function classify(text)
  if text:find('line %d+:') then return text, nil end
  if text:find('%S') then return nil, text end
  return nil, nil
end

-- Waits (up to `timeout` seconds, default 60) until gnuplot has executed
-- everything sent so far. Returns errors, warnings (strings or nil). Raises
-- if gnuplot exits or does not answer in time.
function Proc:sync(timeout)
  self.seq = self.seq + 1
  local marker = 'IDDL-SYNC-' .. self.seq
  self:send("print '" .. marker .. "'\n")
  self.fh:flush()
  local t0, pause = now(), 0.0005
  while true do
    local got = self:read_stderr()
    local s, e = got:find(marker .. '\n', 1, true)
    if s then
      self.offset = self.offset + e
      return classify(got:sub(1, s - 1))
    end
    if not self:alive() then
      self.dead = true
      error('gnuplot (' .. self.path .. ') exited: ' .. self:read_stderr(), 0)
    end
    if now() - t0 > (timeout or 60) then
      error(string.format('gnuplot did not answer in %g s', timeout or 60), 0)
    end
    sleep(pause)
    pause = math.min(pause * 2, 0.02)
  end
end

-- Ends gnuplot (closing its pipe; it exits at end of input) and removes the
-- temp file. Safe to call twice.
function Proc:close()
  if self.closed then return end
  self.closed = true
  pcall(self.fh.close, self.fh)
  os.remove(self.err_path)
end

return M
