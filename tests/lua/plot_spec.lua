-- plot_spec.lua - iddl.plot: files in every format, text plots, series
-- replacement, quoting, images and the errors users meet. Needs gnuplot
-- (gnuplot-nox, installed by `make deps`).
local iddl = iddl or require 'iddl'

local here = debug.getinfo(1, 'S').source:match('^@(.*[/\\])') or './'
local H = dofile(here .. 'helpers.lua')
local err_has = H.assert_error_contains

local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -p '" .. dir .. "'"))

local function exists(path)
  local f = io.open(path, 'rb')
  if f then f:close() end
  return f ~= nil
end

-- A figure that draws text into `out` (read back with H.read_file).
local function text_figure(opts, out)
  opts.live, opts.output = 'dumb', out
  opts.dumb_size = opts.dumb_size or { 120, 30 }
  return iddl.plot.figure(opts)
end

local function count(s, sub)
  local n, from = 0, 1
  while true do
    local i = s:find(sub, from, true)
    if not i then return n end
    n, from = n + 1, i + #sub
  end
end

teardown(function() os.execute("rm -rf '" .. dir .. "'") end)

describe('iddl.plot', function()
  it('is available here', function()
    local ok, why = iddl.plot.available()
    assert.is_true(ok, why)
    local ok2, why2 = iddl.plot.available('/nonexistent/gnuplot')
    assert.is_false(ok2)
    assert.truthy(why2:find('gnuplot not found', 1, true))
  end)

  it('saves PNG, SVG, EPS and PDF with the right magic bytes, atomically', function()
    local fig = iddl.plot.figure { title = 'formats', xlabel = 'epoch', ylabel = 'acc', live = false }
    fig:line('MLP-3-1', { 1, 2, 3 }, { 0.9, 0.93, 0.95 })
    fig:points('B-MLP', iddl.tensor { 1, 2, 3 }, iddl.tensor { 0.8, 0.85, 0.88 })
    local magic = { png = '^\137PNG', pdf = '^%%PDF', eps = '^%%!PS', svg = '^%s*<[?s][xv][mg]' }
    for ext, pat in pairs(magic) do
      local path = dir .. '/fig.' .. ext
      assert.are.equal(path, fig:save(path))
      local bytes = H.read_file(path)
      assert.is_true(#bytes > 500, ext .. ' file too small: ' .. #bytes)
      assert.truthy(bytes:find(pat), ext .. ' magic: ' .. bytes:sub(1, 8))
      assert.is_false(exists(path .. '.tmp'))
    end
    assert.truthy(H.read_file(dir .. '/fig.svg'):find('<svg', 1, true))
    fig:close()
  end)

  it('draws text plots with the title, axis labels and legend', function()
    local out = dir .. '/text.txt'
    local fig = text_figure({ title = 'MLP on MNIST', xlabel = 'epoch', ylabel = 'test accuracy' }, out)
    fig:line('MLP-3-1', { 1, 2, 3, 4 }, { 0.9, 0.92, 0.93, 0.95 })
    fig:draw()
    local text = H.read_file(out)
    for _, want in ipairs { 'MLP on MNIST', 'epoch', 'test accuracy', 'MLP-3-1' } do
      assert.truthy(text:find(want, 1, true), want .. ' missing from:\n' .. text)
    end
    assert.truthy(text:find('0.95', 1, true), 'y tics missing:\n' .. text)
    fig:close()
  end)

  it('replaces a series of the same name', function()
    local out = dir .. '/replace.txt'
    local fig = text_figure({ title = 'replace' }, out)
    fig:line('series-alpha', { 1, 2 }, { 1, 2 })
    fig:draw()
    assert.truthy(H.read_file(out):find('series-alpha', 1, true))
    fig:line('series-alpha', { 1, 2, 3 }, { 100, 200, 300 })
    fig:line('series-beta', { 1, 2, 3 }, { 150, 150, 150 })
    fig:draw()
    local text = H.read_file(out)
    assert.are.equal(1, count(text, 'series-alpha'), text)
    assert.are.equal(1, count(text, 'series-beta'), text)
    assert.truthy(text:find('300', 1, true), 'replaced values not drawn:\n' .. text)
    assert.are.equal(2, #fig.series)
    fig:save(dir .. '/replace.png')
    fig:close()
  end)

  it('quotes titles with quotes, backslashes and backquotes', function()
    local out = dir .. '/quotes.txt'
    local title = [[it's "q" \ `echo INJECTED` @x]]
    local fig = text_figure({ title = title, xlabel = [[x "label"]] }, out)
    fig:line([[s'1 "two" \n]], { 1, 2 }, { 3, 4 })
    fig:draw()
    local text = H.read_file(out)
    assert.truthy(text:find(title, 1, true), 'title not verbatim:\n' .. text)
    assert.truthy(text:find([[s'1 "two" \n]], 1, true), text)
    assert.truthy(text:find([[x "label"]], 1, true), text)
    fig:save(dir .. '/quotes.svg')
    assert.truthy(H.read_file(dir .. '/quotes.svg'):find('`echo INJECTED`', 1, true))
    fig:close()
  end)

  it('shows a 4x5 0/1 mask as an image', function()
    local fig = iddl.plot.figure { live = false }
    local m = iddl.tensor { { 1, 0, 1, 0, 1 }, { 0, 1, 1, 0, 0 }, { 1, 1, 0, 0, 1 }, { 0, 0, 0, 1, 1 } }
    fig:image(m, { title = 'mask 4x5' })
    local bytes = H.read_file(fig:save(dir .. '/mask.png'))
    assert.truthy(bytes:find('^\137PNG'))
    err_has('already shows an image', function() fig:line('a', { 1 }, { 1 }) end)
    err_has('2-D tensor', function() fig:image(iddl.zeros(2, 2, 2)) end)
    fig:close()
  end)

  it('draws bars with labels', function()
    local out = dir .. '/bars.txt'
    local fig = text_figure({ title = 'params' }, out)
    fig:bars('MLP', { 'm3-1', 'm3-2' }, { 13064, 20650 })
    fig:bars('B-MLP', { 'm3-1', 'm3-2' }, { 728, 1150 })
    fig:draw()
    local text = H.read_file(out)
    assert.truthy(text:find('m3-2', 1, true), text)
    fig:save(dir .. '/bars.pdf')
    err_has('one label per value', function() fig:bars('x', { 'a' }, { 1, 2 }) end)
    fig:close()
  end)

  it('draws long lines from the extremes of runs of points', function()
    local fig = iddl.plot.figure { live = false }
    local ys = {}
    for i = 1, 10000 do ys[i] = math.sin(i / 100) end
    ys[3333], ys[7777] = -100, 100
    fig:line('long', ys)
    local data = require('iddl.plot_script').data(fig)
    local _, nlines = data:gsub('\n', '')
    assert.is_true(nlines <= 4002 and nlines >= 2000, 'lines: ' .. nlines)
    assert.truthy(data:find('\n3333 %-100\n'), 'minimum lost')
    assert.truthy(data:find('\n7777 100\n'), 'maximum lost')
    fig:points('scatter', ys)   -- points are never thinned
    local _, n2 = require('iddl.plot_script').data(fig):gsub('\n', '')
    assert.is_true(n2 > 10000)
    assert.truthy(H.read_file(fig:save(dir .. '/long.png')):find('^\137PNG'))
    fig:close()
  end)

  it('does not draw live without a terminal (live=false)', function()
    local fig = iddl.plot.figure { live = false }
    assert.is_nil(fig.live)
    fig:line('a', { 1, 2 }, { 1, 2 })
    assert.are.equal(fig, fig:draw())
    fig:close()
  end)

  it('reports what is wrong', function()
    err_has({ 'gnuplot not found', 'make deps', '/nonexistent/gnuplot' },
            function() iddl.plot.figure { gnuplot = '/nonexistent/gnuplot' } end)
    err_has("unknown option 'colour'", function() iddl.plot.figure { colour = 'red' } end)
    err_has("live must be", function() iddl.plot.figure { live = 'bogus' } end)
    local fig = iddl.plot.figure { live = false }
    err_has('no data', function() fig:save(dir .. '/empty.png') end)
    fig:line('a', { 1, 2, 3 }, { 1, 2, 3 })
    err_has({ "unknown extension 'jpg'", '.png, .svg, .eps or .pdf' },
            function() fig:save(dir .. '/x.jpg') end)
    err_has("3 x values but 2 y values", function() fig:line('b', { 1, 2, 3 }, { 1, 2 }) end)
    err_has("element 2 is a string", function() fig:line('b', { 1, 'x' }) end)
    err_has('cannot write', function() fig:save(dir .. '/no/such/dir/x.png') end)
    fig:close()
    err_has('closed', function() fig:draw() end)
    fig:close() -- twice is fine
  end)

  it('reports gnuplot errors and keeps working after them', function()
    local fig = iddl.plot.figure { live = false, key = 'nosuchkeyword' }
    fig:line('a', { 1, 2 }, { 1, 2 })
    err_has({ 'gnuplot reported an error', 'line' }, function() fig:save(dir .. '/bad.png') end)
    assert.is_false(exists(dir .. '/bad.png'))
    assert.is_false(exists(dir .. '/bad.png.tmp'))
    fig.opts.key = 'left top'
    fig:save(dir .. '/good.png')
    assert.is_true(exists(dir .. '/good.png'))
    local err_path = fig.proc.err_path
    -- gnuplot gone (killed): an error, not a SIGPIPE that ends the program
    assert(os.execute('kill ' .. fig.proc.pid))
    local t0 = iddl.now()
    while fig.proc:alive() and iddl.now() - t0 < 5 do end
    err_has('gnuplot', function() fig:save(dir .. '/after_kill.png') end)
    assert.is_false(exists(dir .. '/after_kill.png'))
    assert.is_true(exists(err_path))
    fig:close()
    assert.is_false(exists(err_path))
  end)
end)
