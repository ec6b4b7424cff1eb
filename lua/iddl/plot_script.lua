-- iddl.plot_script: the gnuplot commands that draw an iddl.plot figure (the
-- figure's series and image, its options) and the file formats. Strings go
-- through iddl.gnuplot.quote; data through datablocks ($iddl_<n>), defined
-- again only when a series changed.
local q = require('iddl.gnuplot').quote

local S = {}

-- A number as gnuplot reads it (non-finite values become NaN: no point).
function S.fmt(x)
  if x ~= x or x == math.huge or x == -math.huge then return 'NaN' end
  return string.format('%.10g', x)
end

-- File formats: extension -> gnuplot terminal and its options for w x h pixels.
-- Cairo's vector terminals take inches: 160 pixels to the inch keeps the
-- fonts' proportions of the PNG.
S.FORMATS = {
  png = { term = 'pngcairo', opts = function(w, h)
    return string.format("size %d,%d noenhanced font 'sans,10'", w, h) end },
  svg = { term = 'svg', opts = function(w, h)
    return string.format("size %d,%d noenhanced font 'sans,10' background '#ffffff'", w, h) end },
  eps = { term = 'epscairo', opts = function(w, h)
    return string.format("size %.3fin,%.3fin noenhanced font 'sans,10'", w / 160, h / 160) end },
  pdf = { term = 'pdfcairo', opts = function(w, h)
    return string.format("size %.3fin,%.3fin noenhanced font 'sans,10'", w / 160, h / 160) end },
}

local fmt = S.fmt

-- Lines longer than this many points are drawn from the lowest and highest
-- value of each of MAX_LINE/2 runs of consecutive points: the same picture at
-- plotting resolution, and gnuplot's cairo terminals slow down sharply on
-- long jagged lines (100k points: 30 s per PNG).
local MAX_LINE = 4000

local function xy_block(s)
  local xs, ys, n, out = s.xs, s.ys, #s.xs, {}
  if s.kind ~= 'line' or n <= MAX_LINE then
    for i = 1, n do out[i] = fmt(xs[i]) .. ' ' .. fmt(ys[i]) end
    return out
  end
  local runs = MAX_LINE // 2
  for r = 0, runs - 1 do
    local a, b = r * n // runs + 1, (r + 1) * n // runs
    local lo, hi = a, a
    for i = a + 1, b do
      if ys[i] < ys[lo] then lo = i end
      if ys[i] > ys[hi] then hi = i end
    end
    local first, second = math.min(lo, hi), math.max(lo, hi)
    out[#out + 1] = fmt(xs[first]) .. ' ' .. fmt(ys[first])
    if second ~= first then out[#out + 1] = fmt(xs[second]) .. ' ' .. fmt(ys[second]) end
  end
  return out
end

-- The commands that define every changed datablock of figure `self`.
function S.data(self)
  local parts = {}
  local function block(name, body)
    parts[#parts + 1] = name .. ' << EOD\n' .. body .. (body == '' and '' or '\n') .. 'EOD\n'
  end
  if self.img and self.img.dirty then block('$iddl_image', self.img.text) end
  for _, s in ipairs(self.series) do
    if s.dirty then block(s.block, table.concat(xy_block(s), '\n')) end
  end
  return table.concat(parts)
end

-- Marks every datablock as sent.
function S.mark_clean(self)
  if self.img then self.img.dirty = false end
  for _, s in ipairs(self.series) do s.dirty = false end
end

local function range(cmd, r)
  return r and string.format('set %s [%s:%s]\n', cmd, fmt(r[1]), fmt(r[2])) or ''
end

-- The settings and the plot command of figure `self` (after `reset`); `text` for the dumb
-- terminal (no grid dots; the y label on a line of its own under the title,
-- as the dumb terminal cannot write vertically).
function S.plot(self, text)
  local o, img = self.opts, self.img
  local title = img and img.opts.title or o.title
  local s = { 'reset\n' }
  local function add(x) s[#s + 1] = x end
  if title then add('set title ' .. q(title) .. (text and ' offset 0,1' or '') .. '\n') end
  if o.xlabel then add('set xlabel ' .. q(o.xlabel) .. '\n') end
  if o.ylabel and text then   -- the dumb terminal cannot show a y label
    add('set tmargin 4\nset label 1 ' .. q(o.ylabel) .. ' at graph 0, graph 1 left offset -4,1 front\n')
  elseif o.ylabel then add('set ylabel ' .. q(o.ylabel) .. '\n') end
  if img then
    local ratio = math.max(img.rows / img.cols, img.cols / img.rows) <= 4 and -1 or 0
    add(string.format('set size ratio %d\nset xrange [0.5:%d.5]\nset yrange [%d.5:0.5]\n',
                      ratio, img.cols, img.rows))
    if img.cols <= 30 then add('set xtics 1\n') end
    if img.rows <= 30 then add('set ytics 1\n') end
    add(string.format('set cbrange [%s:%s]\n', fmt(img.lo), fmt(img.hi)))
    add(img.opts.palette == 'color' and 'set palette rgbformulae 33,13,10\n'
        or 'set palette gray negative\n')
    if img.opts.colorbox == false then add('unset colorbox\n') end
    add('plot $iddl_image matrix using ($1+1):($2+1):3 with image notitle\n')
    return table.concat(s)
  end
  if o.grid ~= false and not text then add('set grid\n') end
  local nbars, bar_i, items = 0, 0, {}
  for _, se in ipairs(self.series) do if se.kind == 'bars' then nbars = nbars + 1 end end
  -- room around the data (bars stand on the x axis; log axes need none)
  add(nbars > 0 and 'set offsets 0, 0, graph 0.04, 0\n'
      or o.logy and 'set offsets graph 0.02, graph 0.02\n'
      or 'set offsets graph 0.02, graph 0.02, graph 0.04, graph 0.04\n')
  if o.logx then add('set logscale x\n') end
  if o.logy then add('set logscale y\n') end
  add(range('xrange', o.xrange)); add(range('yrange', o.yrange))
  add('set key ' .. (tostring(o.key or 'outside right top'):gsub('[^%w ,.%-]', '')) .. '\n')
  for _, se in ipairs(self.series) do
    local how
    if se.kind == 'line' then
      how = #se.xs > 50 and 'using 1:2 with lines lw 2' or 'using 1:2 with linespoints lw 2 pt 7 ps 0.6'
    elseif se.kind == 'points' then how = 'using 1:2 with points pt 7 ps 1'
    else
      bar_i = bar_i + 1
      local w = 0.8 / nbars
      how = string.format('using ($1%+.4f):2:(%.4f) with boxes fill solid 0.7', (bar_i - (nbars + 1) / 2) * w, w)
      if bar_i == 1 then
        local tics = {}
        for i, l in ipairs(se.labels) do tics[i] = q(l) .. ' ' .. i end
        add('set xtics (' .. table.concat(tics, ', ') .. ')\n')
        if not o.yrange then add('set yrange [0:*]\n') end
        if not o.xrange then add(string.format('set xrange [0.4:%d.6]\n', #se.xs)) end
      end
    end
    items[#items + 1] = se.block .. ' ' .. how .. ' title ' .. q(se.name)
  end
  add('plot ' .. table.concat(items, ', \\\n  ') .. '\n')
  return table.concat(s)
end

return S
