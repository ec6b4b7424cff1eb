-- data_spec.lua - iddl.data: IDX files, index_select, the DataLoader
-- (batches, shuffling, buffers, transforms, subsets), MNIST-format datasets
-- on small files written here, and the real MNIST when data/mnist has it.
local iddl = iddl or require 'iddl'

local here = debug.getinfo(1, 'S').source:match('^@(.*[/\\])') or './'
local H = dofile(here .. 'helpers.lua')
local close, err_has = H.assert_close, H.assert_error_contains
local data = iddl.data

-- A fresh temporary folder (removed at the end of the file's run).
local tmp = os.tmpname()
os.remove(tmp)
assert(os.execute('mkdir -p ' .. tmp))
teardown(function() os.execute('rm -rf ' .. tmp) end)

-- Writes an IDX ubyte file: sizes (list), values (flat list of 0..255);
-- `extra` raw bytes are appended; gz=true compresses it (gzip -n).
local function write_idx(path, sizes, values, extra, gz)
  local parts = { string.pack('>BBBB', 0, 0, 8, #sizes) }
  for _, s in ipairs(sizes) do parts[#parts + 1] = string.pack('>I4', s) end
  for _, v in ipairs(values) do parts[#parts + 1] = string.char(v) end
  parts[#parts + 1] = extra or ''
  local f = assert(io.open(path, 'wb'))
  f:write(table.concat(parts))
  f:close()
  if gz then assert(os.execute('gzip -nf ' .. path)) end
end

-- An MNIST-format split in dir: n images of 28x28 (pixel of image i is
-- i - 1 everywhere) and labels (i - 1) % 10.
local function write_split(dir, prefix, n, gz)
  local px, lab = {}, {}
  for i = 1, n do
    for _ = 1, 28 * 28 do px[#px + 1] = i - 1 end
    lab[i] = (i - 1) % 10
  end
  write_idx(dir .. '/' .. prefix .. '-images-idx3-ubyte', { n, 28, 28 }, px, nil, gz)
  write_idx(dir .. '/' .. prefix .. '-labels-idx1-ubyte', { n }, lab, nil, gz)
end

-- A dataset of n samples whose image i (2x3) is filled with i and whose
-- label is i, so a batch tells which samples it holds.
local function numbered(n)
  local images = iddl.arange(1, n + 1):view(n, 1, 1):expand(n, 2, 3):contiguous()
  return data.dataset { images = images, labels = iddl.arange(1, n + 1), name = 'numbered' }
end

-- The labels of one epoch, in the order the loader gave them.
local function epoch_labels(loader, epoch)
  local seen = {}
  for x, y in loader:batches(epoch) do
    for i = 1, y:size(1) do
      assert.are.equal(y[i], x[{ i, 1, 1 }]) -- inputs and labels stay paired
      seen[#seen + 1] = y[i]
    end
  end
  return seen
end

describe('idx_load', function()
  it('reads ubyte files, plain and gzip, with their shape and raw values', function()
    write_idx(tmp .. '/a', { 2, 3 }, { 0, 1, 2, 253, 254, 255 })
    write_idx(tmp .. '/b', { 2, 3 }, { 0, 1, 2, 253, 254, 255 }, nil, true)
    for _, p in ipairs { tmp .. '/a', tmp .. '/b.gz' } do
      local t = data.idx_load(p)
      assert.are.same({ 2, 3 }, t:size())
      assert.are.same({ { 0, 1, 2 }, { 253, 254, 255 } }, t:totable())
    end
  end)

  it('names the file and the byte of a problem', function()
    write_idx(tmp .. '/short', { 4, 5 }, { 1, 2, 3 })
    err_has({ tmp .. '/short: byte 12: truncated: expected 20 bytes of data, got 3' },
            data.idx_load, tmp .. '/short')
    write_idx(tmp .. '/long', { 2 }, { 1, 2 }, 'xy')
    err_has({ tmp .. '/long: byte 10: 2 unexpected bytes after the data' },
            data.idx_load, tmp .. '/long')
    err_has({ tmp .. '/none: cannot open' }, data.idx_load, tmp .. '/none')
  end)
end)

describe('index_select', function()
  local t = iddl.tensor { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } }

  it('gathers rows or columns at 1-based indices', function()
    assert.are.same({ { 7, 8, 9 }, { 1, 2, 3 }, { 7, 8, 9 } },
                    iddl.index_select(t, 1, iddl.tensor { 3, 1, 3 }):totable())
    assert.are.same({ { 2, 1 }, { 5, 4 }, { 8, 7 } },
                    t:index_select(2, iddl.tensor { 2, 1 }):totable())
    assert.are.same({ { 3, 9 } }, t:t():index_select(1, iddl.tensor { 3 })
                    :index_select(2, iddl.tensor { 1, 3 }):totable())
    assert.are.same({ 0, 3 }, t:index_select(1, iddl.tensor {}):size())
  end)

  it('writes into out when given and returns it', function()
    local out = iddl.zeros(2, 3)
    local r = t:index_select(1, iddl.tensor { 2, 2 }, out)
    assert.is_true(rawequal(r, out))
    assert.are.same({ { 4, 5, 6 }, { 4, 5, 6 } }, out:totable())
  end)

  it('names a bad index, a wrong out shape and a bad dimension', function()
    err_has({ 'index 4 (position 2 of the indices) is out of range 1..3',
              'shape 3x3' }, iddl.index_select, t, 1, iddl.tensor { 1, 4 })
    err_has('index 0.5 (position 1 of the indices) is not an integer',
            t.index_select, t, 2, iddl.tensor { 0.5 })
    err_has('out has shape 3x3, expected 2x3', t.index_select, t, 1,
            iddl.tensor { 1, 2 }, iddl.zeros(3, 3))
    err_has('dimension 3 out of range', t.index_select, t, 3, iddl.tensor { 1 })
    err_has('must be a 1-D tensor', t.index_select, t, 1, iddl.ones(1, 1))
  end)
end)

describe('byte rows', function()
  local dc = require 'iddl.data_core'

  it('keep a tensor of bytes and gather its rows as floats', function()
    local t = iddl.tensor { { 0, 1, 2 }, { 255, 7, 9 }, { 3, 4, 5 } }
    local r = dc.byte_rows(t)
    local idx = iddl.tensor { 3, 1, 3, 2 }
    close(dc.gather_rows(r, idx, iddl.empty(4, 3)), data.index_select(t, 1, idx), 0, 0)
    close(dc.gather_rows(r, idx, iddl.empty(2, 2, 3)):view(4, 3),
          data.index_select(t, 1, idx), 0, 0)
  end)

  it('gather in the background between start and wait', function()
    local t = iddl.arange(0, 200):view(20, 10)
    local r = dc.byte_rows(t)
    assert.is_nil(dc.gather_rows_wait(r)) -- nothing started
    local idx, out = iddl.tensor { 20, 1, 7 }, iddl.empty(3, 10)
    dc.gather_rows_start(r, idx, out)
    idx:fill_(2) -- the indices were copied at the start
    assert.is_true(dc.gather_rows_wait(r))
    close(out, data.index_select(t, 1, iddl.tensor { 20, 1, 7 }), 0, 0)
    err_has('index 21 (position 1 of the indices) is not a row in 1..20',
            dc.gather_rows_start, r, iddl.tensor { 21 }, iddl.empty(1, 10))
    assert.is_nil(dc.gather_rows_wait(r))
    dc.gather_rows_start(r, iddl.tensor { 3, 4 }, iddl.empty(2, 10))
    r, out = nil, nil -- collected with its gather running: the output stays alive
    collectgarbage()
    collectgarbage()
  end)

  it('are not made when a value is not a byte', function()
    for _, v in ipairs { 0.5, -1, 256, 0 / 0, 1 / 0 } do
      assert.is_nil(dc.byte_rows(iddl.tensor { { 1, 2 }, { 3, v } }))
    end
  end)

  it('name a bad index or a wrong out', function()
    local r = dc.byte_rows(iddl.tensor { { 1, 2 }, { 3, 4 } })
    err_has('index 3 (position 2 of the indices) is not a row in 1..2',
            dc.gather_rows, r, iddl.tensor { 1, 3 }, iddl.empty(2, 2))
    err_has('index 1.5 (position 1 of the indices) is not a row in 1..2',
            dc.gather_rows, r, iddl.tensor { 1.5 }, iddl.empty(1, 2))
    err_has('out of shape 2x3 must be contiguous with 2 x 2 elements',
            dc.gather_rows, r, iddl.tensor { 1, 2 }, iddl.empty(2, 3))
    err_has('indices must be 1-D', dc.gather_rows, r, iddl.ones(1, 1), iddl.empty(1, 2))
  end)
end)

describe('DataLoader', function()
  local ds = numbered(10)

  it('has ceil(n / batch) batches, floor with drop_last', function()
    assert.are.equal(4, #data.DataLoader { dataset = ds, batch_size = 3 })
    assert.are.equal(3, #data.DataLoader { dataset = ds, batch_size = 3, drop_last = true })
    assert.are.equal(2, #data.DataLoader { dataset = ds, batch_size = 5, drop_last = true })
    local sizes = {}
    for x, y in data.DataLoader { dataset = ds, batch_size = 4 }:batches() do
      sizes[#sizes + 1] = x:size(1)
      assert.are.equal(x:size(1), y:size(1))
    end
    assert.are.same({ 4, 4, 2 }, sizes)
  end)

  it('gives every sample exactly once per epoch, shuffled', function()
    local loader = data.DataLoader { dataset = ds, batch_size = 3, seed = 11 }
    for epoch = 1, 3 do
      local seen = epoch_labels(loader)
      assert.are.equal(epoch, loader.epoch)
      local sorted = { table.unpack(seen) }
      table.sort(sorted)
      assert.are.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, sorted)
    end
    local plain = data.DataLoader { dataset = ds, batch_size = 3, shuffle = false }
    assert.are.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, epoch_labels(plain))
  end)

  it('repeats its epochs for a seed, differs across epochs and seeds', function()
    local a = data.DataLoader { dataset = numbered(50), batch_size = 7, seed = 3 }
    local b = data.DataLoader { dataset = numbered(50), batch_size = 7, seed = 3 }
    local a1, a2 = epoch_labels(a), epoch_labels(a)
    assert.are.same(a1, epoch_labels(b))
    assert.are.same(a2, epoch_labels(b))
    assert.are_not.same(a1, a2)
    assert.are.same(a1, epoch_labels(a, 1)) -- replaying epoch 1
    local c = data.DataLoader { dataset = numbered(50), batch_size = 7, seed = 4 }
    assert.are_not.same(a1, epoch_labels(c))
  end)

  it('leaves the global generator alone', function()
    local loader = data.DataLoader { dataset = ds, batch_size = 3 }
    iddl.manual_seed(5)
    local want = iddl.randn(4)
    iddl.manual_seed(5)
    epoch_labels(loader)
    close(iddl.randn(4), want, 0, 0)
  end)

  it('reuses its buffers for every full batch: x in turns of two for bytes', function()
    local float_ds = data.dataset { images = ds.images + 0.5, labels = ds.labels }
    for _, case in ipairs { { ds, 2 }, { float_ds, 1 } } do
      local loader = data.DataLoader { dataset = case[1], batch_size = 2 }
      local xs, ys = {}, {}
      for x, y in loader:batches() do
        xs[#xs + 1], ys[#ys + 1] = x, y
      end
      for i = 2, 5 do
        assert.are.equal(i % case[2] == 1 % case[2], rawequal(xs[1], xs[i]))
        assert.is_true(rawequal(ys[1], ys[i]))
      end
      for x in loader:batches() do
        assert.is_true(rawequal(x, xs[1]) or rawequal(x, xs[2]))
      end
    end
    local xs = {}
    for x in data.DataLoader { dataset = ds, batch_size = 3 }:batches() do xs[#xs + 1] = x end
    assert.are.same({ 1, 2, 3 }, xs[4]:size()) -- the partial batch: a view
  end)

  it('finishes a background gather left by an epoch cut short', function()
    local loader = data.DataLoader { dataset = ds, batch_size = 3, seed = 4 }
    local full = epoch_labels(loader, 2)
    for _ in loader:batches(1) do break end -- leaves batch 2 being gathered
    assert.are.same(full, epoch_labels(loader, 2))
  end)

  it('flattens and applies transforms in place', function()
    local T = data.transforms
    local loader = data.DataLoader { dataset = ds, batch_size = 4, shuffle = false,
                                     flatten = true, transform = T.scale(0.5) }
    local x = loader:batches()()
    assert.are.same({ 4, 6 }, x:size())
    close(x[2], iddl.full({ 6 }, 1.0))
    close(ds.images[2], iddl.full({ 2, 3 }, 2.0)) -- the dataset is untouched
    loader.transform = T.compose { T.normalize(1, 2), T.scale(10) }
    x = loader:batches()()
    close(x[{ {}, 1 }], iddl.tensor { 0, 5, 10, 15 })
  end)

  it('draws from a subset: the first n or a list', function()
    local first = data.DataLoader { dataset = ds, batch_size = 2, subset = 5 }
    assert.are.equal(3, #first)
    local seen = epoch_labels(first)
    table.sort(seen)
    assert.are.same({ 1, 2, 3, 4, 5 }, seen)
    local list = data.DataLoader { dataset = ds, batch_size = 2, subset = { 9, 2, 4 } }
    seen = epoch_labels(list)
    table.sort(seen)
    assert.are.same({ 2, 4, 9 }, seen)
    err_has('subset=11 is not a count in 0..10', data.DataLoader,
            { dataset = ds, subset = 11 })
    err_has('index 12 (position 2 of the indices) is out of range 1..10',
            data.DataLoader, { dataset = ds, subset = { 1, 12 } })
  end)

  it('gathers byte-valued inputs from a byte copy, others from the floats', function()
    local bytes = data.DataLoader { dataset = ds, batch_size = 3, seed = 2 }
    assert.is_not_nil(bytes.bytes)
    assert.is_nil(data.DataLoader { dataset = numbered(300) }.bytes)
    for _, f in ipairs { function(x) return x * 0.5 end, function(x) return x - 1.5 end } do
      local floats = data.DataLoader {
        dataset = data.dataset { images = f(ds.images), labels = ds.labels },
        batch_size = 3, seed = 2 }
      assert.is_nil(floats.bytes)
      local want = {}
      for x, y in bytes:batches(1) do want[#want + 1] = { f(x), y:clone() } end
      local i = 0
      for x, y in floats:batches(1) do
        i = i + 1
        close(x, want[i][1], 0, 0)
        close(y, want[i][2], 0, 0)
      end
      assert.are.equal(#want, i)
    end
  end)

  it('refuses labels that do not match the images', function()
    err_has('labels of shape 3 for images of shape 10x2x3', data.DataLoader,
            { dataset = { images = ds.images, labels = iddl.ones(3) } })
  end)
end)

describe('MNIST-format datasets', function()
  it('loads a split from a folder, plain or gzip, labels 1-based', function()
    local dir = tmp .. '/mnist'
    os.execute('mkdir -p ' .. dir)
    write_split(dir, 'train', 12, false)
    write_split(dir, 't10k', 3, true)
    local train, test = data.mnist(dir, 'train'), data.fashion_mnist(dir, 'test')
    assert.are.same({ 12, 28, 28 }, train.images:size())
    assert.are.equal(12, #train)
    assert.are.same({ 3, 28, 28 }, test.images:size())
    assert.are.same({ 1, 2, 3 }, test.labels:totable())
    assert.are.equal(10, train.labels[10])
    assert.are.equal(1, train.labels[11])
    assert.are.equal(11, train.images[{ 12, 5, 7 }])
    assert.are.equal('mnist-train', train.name)
    assert.are.equal('fashion-mnist-test', test.name)
  end)

  it('says what it looked for and how to get the data', function()
    err_has({ 'mnist: cannot find the test split', 't10k-images-idx3-ubyte[.gz]',
              'make data', tmp .. '/empty' }, data.mnist, tmp .. '/empty', 'test')
    err_has("split must be 'train' or 'test', got valid", data.mnist, tmp, 'valid')
    local dir = tmp .. '/badlabels'
    os.execute('mkdir -p ' .. dir)
    write_split(dir, 'train', 2, false)
    write_idx(dir .. '/train-labels-idx1-ubyte', { 2 }, { 3, 10 })
    err_has('holds labels 3..10, expected 0..9', data.mnist, dir)
  end)

  it('finds data folders: explicit first, nil and the places tried', function()
    assert.are.equal('/x', data.find_dir('mnist', { dir = '/x' }))
    assert.are.equal('/y', data.find_dir('mnist', '/y'))
    local d, tried = data.find_dir('no-such-dataset')
    assert.is_nil(d)
    local relative = false
    for _, p in ipairs(tried) do relative = relative or p == 'data/no-such-dataset' end
    assert.is_true(relative)
    local fashion = select(2, data.find_dir('fashion-mnist', {}))
    if fashion then -- absent locally: the Debian package's folder is tried last
      assert.are.equal('/usr/share/datasets/fashion-mnist', fashion[#fashion])
    end
  end)
end)

local real = data.find_dir('mnist')
local has_real = real and io.open(real .. '/train-images-idx3-ubyte')
if has_real then has_real:close() end

describe('the real MNIST', function()
  if not has_real then
    pending('data/mnist is absent: run `make data` to test on the real MNIST')
    return
  end
  it('has 60000 / 10000 images of 28x28, labels 1..10, pixels 0..255', function()
    local train, test = data.mnist(real, 'train'), data.mnist(real, 'test')
    assert.are.same({ 60000, 28, 28 }, train.images:size())
    assert.are.same({ 10000 }, test.labels:size())
    assert.are.same({ 10000, 28, 28 }, test.images:size())
    assert.are.equal(1, train.labels:min())
    assert.are.equal(10, train.labels:max())
    assert.are.equal(0, train.images:min())
    assert.are.equal(255, train.images:max())
    assert.are.equal(6, train.labels[1]) -- the first training digit is a 5
    local loader = data.DataLoader { dataset = train, batch_size = 32, flatten = true }
    assert.are.equal(1875, #loader)
  end)
end)
