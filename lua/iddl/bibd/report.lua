-- bibd/report.lua - the structure of a 0/1 mask (fan-in, fan-out, how
-- evenly pairs of inputs share outputs) and a picture of it.
local core = require 'iddl.core'
local bcore = require 'iddl.bibd_core'

local R = {}

local Report = {}
Report.__index = Report
Report.__name = 'iddl.bibd.Report'

-- min and max of a 1-D tensor as integers
local function range(t)
  return { min = math.floor(t:min() + 0.5), max = math.floor(t:max() + 0.5) }
end

-- report(mask) -> {v, b, density, fan_in = {min, max}, fan_out = {min, max},
-- pair = {min, max, histogram}, is_bibd, k, r, lambda}. mask is a (b, v) 0/1
-- tensor (row = output/block, column = input/point). fan_in: ones per row;
-- fan_out: ones per column; pair: over all pairs of columns, how many rows
-- both are in, histogram[c] = number of pairs sharing exactly c rows (only
-- the c that occur). k, r, lambda are set when fan-in, fan-out and pair
-- counts are constant; is_bibd when all three are, with k >= 2, lambda >= 1.
-- tostring(report) prints a summary.
function R.report(mask)
  if not core.is_tensor(mask) or mask:dim() ~= 2 then
    error('iddl.bibd.report: expected a (b, v) 0/1 tensor, got '
          .. (core.is_tensor(mask) and 'shape ' .. mask:shape_str() or type(mask)), 2)
  end
  local b, v = mask:size(1), mask:size(2)
  local hist = bcore.pair_hist(mask)            -- raises on entries not 0/1
  local rep = setmetatable({ v = v, b = b, density = mask:sum() / (b * v),
                             fan_in = range(mask:sum(2):view(b)),
                             fan_out = range(mask:sum(1):view(v)),
                             pair = { histogram = {} } }, Report)
  for c = 0, #hist - 1 do
    local n = hist[c + 1]
    if n > 0 then
      rep.pair.histogram[c] = n
      rep.pair.min = rep.pair.min or c
      rep.pair.max = c
    end
  end
  if rep.fan_in.min == rep.fan_in.max then rep.k = rep.fan_in.min end
  if rep.fan_out.min == rep.fan_out.max then rep.r = rep.fan_out.min end
  if v >= 2 and rep.pair.min == rep.pair.max then rep.lambda = rep.pair.min end
  rep.is_bibd = rep.k ~= nil and rep.r ~= nil and rep.lambda ~= nil and rep.k >= 2
                and rep.lambda >= 1
  return rep
end

function Report:__tostring()
  local h = {}
  for c = self.pair.min or 0, self.pair.max or -1 do
    if self.pair.histogram[c] then h[#h + 1] = c .. ':' .. self.pair.histogram[c] end
  end
  return string.format('%d x %d mask, density %.4f, fan-in %d..%d, fan-out %d..%d, '
                       .. 'input pairs sharing c outputs {%s}%s', self.b, self.v, self.density,
                       self.fan_in.min, self.fan_in.max, self.fan_out.min, self.fan_out.max,
                       table.concat(h, ' '),
                       self.is_bibd and string.format(': a 2-(%d,%d,%d) design', self.v,
                                                      self.k, self.lambda) or '')
end

local PLOT_OPTS = { file = true, title = true, live = true, size = true, gnuplot = true }

-- plot(mask_or_design [, opts]) -> the figure, or opts.file once saved.
-- Draws the (b, v) incidence (a mask tensor, or design:incidence()) with
-- iddl.plot's image: row 1 on top, black = connected. opts: file (save to
-- it, .png/.svg/.eps/.pdf, and close the figure), title, live (see
-- iddl.plot.figure; default false when file is given), size, gnuplot.
function R.plot(x, opts)
  opts = opts or {}
  for k in pairs(opts) do
    if not PLOT_OPTS[k] then error("iddl.bibd.plot: unknown option '" .. tostring(k) .. "'", 2) end
  end
  local m, title = x, opts.title
  if getmetatable(x) == require('iddl.bibd.design') then
    m = x:incidence()
    title = title or string.format('2-(%d,%d,%d): %s', x.v, x.k, x.lambda, x.construction)
  elseif not core.is_tensor(x) or x:dim() ~= 2 then
    error('iddl.bibd.plot: expected a design or a (b, v) 0/1 tensor', 2)
  end
  title = title or string.format('%d x %d mask', m:size(1), m:size(2))
  local live = opts.live
  if live == nil and opts.file then live = false end
  local fig = require('iddl.plot').figure{ title = title, live = live, size = opts.size,
                                           gnuplot = opts.gnuplot, grid = false }
  fig:image(m, { title = title })
  if not opts.file then return fig:draw() end
  local ok, err = pcall(fig.save, fig, opts.file)
  fig:close()
  if not ok then error(err, 2) end
  return opts.file
end

return R
