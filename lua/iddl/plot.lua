-- iddl.plot: figures drawn by gnuplot, live while training and saved to files.
--
--   local fig = iddl.plot.figure{title = 'MLP on MNIST', xlabel = 'epoch',
--                                ylabel = 'test accuracy'}
--   fig:line('MLP-3-1', {1, 2, 3}, {0.91, 0.93, 0.94}) -- adds or replaces
--   fig:draw()                                       -- live terminal, if any
--   fig:save('out/mlp.png'); fig:save('out/mlp.pdf')
--   fig:close()
--
-- One gnuplot process per figure (lua/iddl/gnuplot.lua). Each series lives in
-- gnuplot as a datablock ($iddl_<n>) that is re-sent only when the series
-- changes, so a redraw or one more saved format costs a few short commands.
-- Live output: a window (qt/wxt/x11) where there is a display, text (the dumb
-- terminal) on a console, nothing otherwise (CI): see resolve_live.
local iddl_core = require 'iddl.core'
local plot_core = require 'iddl.plot_core'
local gp = require 'iddl.gnuplot'
local script = require 'iddl.plot_script'

local M = {}
local q, fmt, FORMATS = gp.quote, script.fmt, script.FORMATS

local OPTIONS = { title = true, xlabel = true, ylabel = true, logx = true,
                  logy = true, xrange = true, yrange = true, key = true,
                  grid = true, live = true, size = true, dumb_size = true,
                  output = true, gnuplot = true, timeout = true,
                  persist = true }
local WINDOW_TERMINALS = { 'qt', 'wxt', 'x11' }

-- iddl.plot.available([gnuplot]) -> true, description | false, reason:
-- whether figures can be made and saved (gnuplot found, with pngcairo).
function M.available(exe)
  local path, why = gp.find(exe)
  if not path then return false, why end
  local terms, why2 = gp.terminals(path)
  if not terms then return false, why2 end
  if not terms.pngcairo then
    return false, 'gnuplot at ' .. path .. ' has no pngcairo terminal'
  end
  return true, 'gnuplot at ' .. path
end

-- Which live output a figure uses: nil (none), 'dumb', or a window terminal.
local function resolve_live(live, opts, terms)
  if live == false then return nil end
  if live == 'dumb' then return 'dumb' end
  if type(live) == 'string' then
    for _, t in ipairs(WINDOW_TERMINALS) do
      if live == t then
        if not terms[t] then
          error("figure: live='" .. t .. "' but this gnuplot has no " .. t
                .. ' terminal (gnuplot-nox has none: install gnuplot-qt)', 3)
        end
        return t
      end
    end
    error("figure: live must be true, false, nil, 'dumb', 'qt', 'wxt' or 'x11', got '"
          .. live .. "'", 3)
  end
  if live ~= nil and live ~= true then
    error('figure: live must be true, false, nil or a terminal name, got '
          .. type(live), 3)
  end
  if os.getenv('DISPLAY') or os.getenv('WAYLAND_DISPLAY') then
    for _, t in ipairs(WINDOW_TERMINALS) do
      if terms[t] then return t end
    end
  end
  if live == true or opts.output or iddl_core.isatty(1) then return 'dumb' end
  return nil
end

local function check_pair(what, v)
  if v == nil then return end
  if type(v) ~= 'table' or type(v[1]) ~= 'number' or type(v[2]) ~= 'number' then
    error('figure: ' .. what .. ' must be a table of two numbers {a, b}', 3)
  end
end

local Figure = {}
Figure.__index = Figure

-- iddl.plot.figure(opts) -> a figure. opts (all optional): title, xlabel,
-- ylabel, logx, logy, xrange {lo, hi}, yrange {lo, hi}, key (gnuplot's
-- `set key` words, e.g. 'bottom right'), grid (default true), size {w, h}
-- in pixels (default {800, 600}), live (see resolve_live; 'dumb' forces a
-- text plot), output (file that text plots go to instead of stdout),
-- dumb_size {cols, rows}, persist (window stays after the script, default
-- true), gnuplot (the executable), timeout (seconds to wait for gnuplot,
-- default 60). Raises if gnuplot is missing or an option is unknown.
function M.figure(opts)
  opts = opts or {}
  if type(opts) ~= 'table' then error('figure: expected a table of options', 2) end
  for k in pairs(opts) do
    if not OPTIONS[k] then error("figure: unknown option '" .. tostring(k) .. "'", 2) end
  end
  check_pair('xrange', opts.xrange); check_pair('yrange', opts.yrange)
  check_pair('size', opts.size); check_pair('dumb_size', opts.dumb_size)
  local path, why = gp.find(opts.gnuplot)
  if not path then error(why, 2) end
  local terms, why2 = gp.terminals(path)
  if not terms then error(why2, 2) end
  local live = resolve_live(opts.live, opts, terms)
  local self = setmetatable({ opts = opts, live = live, terms = terms,
                              series = {}, by_name = {}, nblocks = 0 }, Figure)
  self.proc = gp.open(path)
  return self
end

-- A Lua list of numbers from a list or a 1-D tensor; `what` names it in errors.
local function as_list(v, what)
  if iddl_core.is_tensor(v) then
    if v:dim() ~= 1 then
      error(what .. ': expected a 1-D tensor, got ' .. v:dim() .. '-D', 4)
    end
    return v:totable()
  end
  if type(v) ~= 'table' then error(what .. ': expected a list or a 1-D tensor, got ' .. type(v), 4) end
  for i = 1, #v do
    if type(v[i]) ~= 'number' then
      error(what .. ': element ' .. i .. ' is a ' .. type(v[i]) .. ', not a number', 4)
    end
  end
  return v
end

function Figure:check_open(what)
  if self.closed then error(what .. ': the figure is closed', 3) end
end

-- Adds the series `name` of the given kind, or replaces the one of that name
-- (keeping its place in the legend).
function Figure:set_series(kind, name, xs, ys, labels)
  self:check_open(kind)
  if self.img then error(kind .. ': this figure already shows an image; make another figure', 3) end
  local s = self.by_name[name]
  if not s then
    self.nblocks = self.nblocks + 1
    s = { name = name, block = '$iddl_' .. self.nblocks }
    self.series[#self.series + 1] = s
    self.by_name[name] = s
  end
  s.kind, s.xs, s.ys, s.labels, s.dirty = kind, xs, ys, labels, true
  return self
end

-- Reads (name, xs, ys) or (name, ys) with xs = 1..#ys.
local function xy_args(kind, name, xs, ys)
  if type(name) ~= 'string' then error(kind .. ': the series name must be a string', 3) end
  if ys == nil then ys, xs = xs, nil end
  ys = as_list(ys, kind .. " '" .. name .. "' y")
  if xs == nil then
    xs = {}
    for i = 1, #ys do xs[i] = i end
  else
    xs = as_list(xs, kind .. " '" .. name .. "' x")
  end
  if #xs ~= #ys then
    error(string.format("%s '%s': %d x values but %d y values", kind, name, #xs, #ys), 3)
  end
  return xs, ys
end

-- fig:line(name, xs, ys) / fig:line(name, ys): a line series (with a marker
-- on each value while there are at most 50, so one epoch shows); returns fig.
function Figure:line(name, xs, ys)
  xs, ys = xy_args('line', name, xs, ys)
  return self:set_series('line', name, xs, ys)
end

-- fig:points(name, xs, ys) / fig:points(name, ys): a scatter series.
function Figure:points(name, xs, ys)
  xs, ys = xy_args('points', name, xs, ys)
  return self:set_series('points', name, xs, ys)
end

-- fig:bars(name, labels, values): one bar per label (bars of several series
-- stand side by side; the first series' labels name the x tics).
function Figure:bars(name, labels, values)
  if type(name) ~= 'string' then error('bars: the series name must be a string', 2) end
  values = as_list(values, "bars '" .. name .. "' values")
  if type(labels) ~= 'table' or #labels ~= #values then
    error(string.format("bars '%s': need one label per value (%d values)", name, #values), 2)
  end
  local xs = {}
  for i = 1, #values do xs[i] = i end
  return self:set_series('bars', name, xs, values, labels)
end

-- fig:image(m [, {title=, palette='gray'|'color', colorbox=true}]): shows the
-- 2-D tensor or nested list m as an image, row 1 at the top, black = the
-- largest value with the gray palette (0/1 masks: black = connected).
function Figure:image(m, iopts)
  self:check_open('image')
  if #self.series > 0 then error('image: this figure already has series; make another figure', 2) end
  iopts = iopts or {}
  local rows = iddl_core.is_tensor(m) and (m:dim() == 2 and m:totable()) or m
  if type(rows) ~= 'table' or type(rows[1]) ~= 'table' or #rows[1] == 0 then
    error('image: expected a 2-D tensor or a nested list of numbers', 2)
  end
  local lines, lo, hi = {}, math.huge, -math.huge
  for r = 1, #rows do
    if #rows[r] ~= #rows[1] then error('image: row ' .. r .. ' has ' .. #rows[r]
                                       .. ' values, row 1 has ' .. #rows[1], 2) end
    local cells = {}
    for c, v in ipairs(rows[r]) do
      if type(v) ~= 'number' then error(string.format('image: [%d][%d] is not a number', r, c), 2) end
      cells[c] = fmt(v)
      if v == v then lo, hi = math.min(lo, v), math.max(hi, v) end
    end
    lines[r] = table.concat(cells, ' ')
  end
  if lo > hi then lo, hi = 0, 1 end
  if lo == hi then lo, hi = lo - 0.5, hi + 0.5 end
  self.img = { rows = #rows, cols = #rows[1], text = table.concat(lines, '\n'),
                 lo = lo, hi = hi, opts = iopts, dirty = true }
  return self
end

-- Sends terminal + output + data + plot (+ `after`), waits, raises on a
-- gnuplot error naming `what`.
function Figure:run(what, terminal, output, after)
  local text = 'set terminal ' .. terminal .. '\n' .. output .. script.data(self)
               .. script.plot(self, terminal:match('^dumb') ~= nil) .. (after or '')
  self.proc:send(text)
  local errors, warnings = self.proc:sync(self.opts.timeout)
  script.mark_clean(self)
  self.warnings = warnings
  if errors then
    error(what .. ': gnuplot reported an error:\n' .. errors .. '\n-- script sent:\n' .. text, 0)
  end
end

function Figure:has_data()
  return self.img ~= nil or #self.series > 0
end

-- fig:draw(): (re)draws on the live output; a no-op without one or while the
-- figure is empty. Returns fig.
function Figure:draw()
  self:check_open('draw')
  if not self.live or not self:has_data() then return self end
  local o = self.opts
  local w, h = (o.size or {})[1] or 800, (o.size or {})[2] or 600
  if self.live == 'dumb' then
    local cols, rows = plot_core.term_size(1)
    cols = (o.dumb_size or {})[1] or cols or tonumber(os.getenv('COLUMNS')) or 80
    rows = (o.dumb_size or {})[2] or (rows and rows - 1) or tonumber(os.getenv('LINES')) or 25
    io.stdout:flush()
    local out = o.output and ('set output ' .. q(o.output) .. '\n') or 'set output\n'
    self:run('draw', string.format('dumb size %d,%d', cols, rows), out,
             o.output and 'set output\n' or nil)
  else
    self:run('draw', string.format('%s 0 size %d,%d noenhanced %s title %s', self.live, w, h,
                                   o.persist == false and '' or 'persist', q(o.title or 'iddl')),
             '')
  end
  return self
end

-- fig:save(path) -> path: writes the figure as PNG, SVG, EPS or PDF (from the
-- extension) through a temp file renamed into place, so readers never see a
-- half-written file. Raises on an unknown extension, an empty figure, an
-- unwritable path or a gnuplot error.
function Figure:save(path)
  self:check_open('save')
  if type(path) ~= 'string' then error('save: expected a file name', 2) end
  local ext = (path:match('%.(%w+)$') or ''):lower()
  local f = FORMATS[ext]
  if not f then
    error("save: unknown extension '" .. ext .. "' in '" .. path
          .. "' (use .png, .svg, .eps or .pdf)", 2)
  end
  if not self.terms[f.term] then error('save: this gnuplot has no ' .. f.term .. ' terminal', 2) end
  if not self:has_data() then error("save: the figure has no data to draw ('" .. path .. "')", 2) end
  local tmp = path .. '.tmp'
  local probe, why = io.open(tmp, 'wb')
  if not probe then error('save: cannot write ' .. path .. ': ' .. tostring(why), 2) end
  probe:close()
  local o = self.opts
  local w, h = (o.size or {})[1] or 800, (o.size or {})[2] or 600
  local ok, err = pcall(self.run, self, "save '" .. path .. "'", f.term .. ' ' .. f.opts(w, h),
                        'set output ' .. q(tmp) .. '\n', 'set output\n')
  local size, fh = 0, ok and io.open(tmp, 'rb')
  if fh then size = fh:seek('end') fh:close() end
  if not ok or size == 0 then
    os.remove(tmp)
    error(ok and ('save: gnuplot wrote nothing to ' .. path) or err, 2)
  end
  local renamed, why2 = os.rename(tmp, path)
  if not renamed then os.remove(tmp) error('save: ' .. tostring(why2), 2) end
  return path
end

-- fig:close(): ends the gnuplot process (a persistent window stays open).
-- Further calls on the figure raise; closing twice is allowed.
function Figure:close()
  if self.closed then return end
  self.closed = true
  self.proc:close()
end

Figure.__gc = Figure.close
Figure.__close = Figure.close

function Figure:__tostring()
  return string.format('iddl.plot.Figure(%s, %d series, live=%s%s)', self.opts.title or 'untitled',
                       #self.series, tostring(self.live or false), self.closed and ', closed' or '')
end

return M
