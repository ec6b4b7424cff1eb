-- cifar_spec.lua - iddl.data.cifar10 on CIFAR-format files written here
-- (random labels and pixels from a fixed seed), the seeded augmentation
-- transforms alone and in a DataLoader, Fashion-MNIST at 32x32, and the
-- real CIFAR-10 / Fashion-MNIST when data/ has them.
local iddl = iddl or require 'iddl'

local here = debug.getinfo(1, 'S').source:match('^@(.*[/\\])') or './'
local H = dofile(here .. 'helpers.lua')
local close, err_has = H.assert_close, H.assert_error_contains
local data = iddl.data
local T = data.transforms
local dc = require 'iddl.data_core'

local tmp = os.tmpname()
os.remove(tmp)
assert(os.execute('mkdir -p ' .. tmp))
teardown(function() os.execute('rm -rf ' .. tmp) end)

-- Writes a CIFAR-10 binary batch of n random records (labels 0..9, pixels
-- 0..255, drawn from math.random after math.randomseed(seed)); returns the
-- records as {label =, pixels = {3072 values}}.
local function write_batch(path, n, seed)
  math.randomseed(seed)
  local recs, bytes = {}, {}
  for k = 1, n do
    local px = {}
    for i = 1, 3072 do px[i] = math.random(0, 255) end
    recs[k] = { label = math.random(0, 9), pixels = px }
    bytes[#bytes + 1] = string.char(recs[k].label)
    for i = 1, 3072, 1024 do
      bytes[#bytes + 1] = string.char(table.unpack(px, i, i + 1023))
    end
  end
  local f = assert(io.open(path, 'wb'))
  f:write(table.concat(bytes))
  f:close()
  return recs
end

-- The fixture: data_batch_1..5 with 20, 13, 20, 7 and 1 records and a test
-- batch of 10, in dir/cifar-10-batches-bin (the archive's layout).
local fixture = tmp .. '/cifar10'
local bin = fixture .. '/cifar-10-batches-bin'
assert(os.execute('mkdir -p ' .. bin))
local train_recs, test_recs = {}, nil
for b, n in ipairs { 20, 13, 20, 7, 1 } do
  for _, r in ipairs(write_batch(bin .. '/data_batch_' .. b .. '.bin', n, b)) do
    train_recs[#train_recs + 1] = r
  end
end
test_recs = write_batch(bin .. '/test_batch.bin', 10, 99)

-- The records as a dataset's tensors: images (N, 3, 32, 32), labels (N).
local function expected(recs)
  local px, lab = {}, {}
  for k, r in ipairs(recs) do
    table.move(r.pixels, 1, 3072, #px + 1, px)
    lab[k] = r.label + 1
  end
  return iddl.tensor(px):view(#recs, 3, 32, 32), iddl.tensor(lab)
end

-- Copies the fixture's file `name` into a fresh folder, with `bytes`
-- replacing its content; returns the folder.
local function variant(tag, name, bytes)
  local dir = tmp .. '/' .. tag
  assert(os.execute(string.format('mkdir -p %s && cp %s/*.bin %s', dir, bin, dir)))
  local f = assert(io.open(dir .. '/' .. name, 'wb'))
  f:write(bytes)
  f:close()
  return dir
end

local function read_all(path)
  local f = assert(io.open(path, 'rb'))
  local s = f:read('a')
  f:close()
  return s
end

describe('cifar10', function()
  it('reads every value back exactly, labels 1-based, batches in order', function()
    local train = data.cifar10(fixture, 'train')
    local images, labels = expected(train_recs)
    assert.are.same({ 61, 3, 32, 32 }, train.images:size())
    close(train.images, images, 0, 0)
    close(train.labels, labels, 0, 0)
    assert.are.equal(61, #train)
    assert.are.equal('cifar10-train', train.name)
    assert.are.same(data.CIFAR10_CLASSES, train.classes)
    assert.are.equal('truck', train.classes[10])
    -- record 1 of data_batch_4 follows the 20 + 13 + 20 before it
    close(train.images[54], images[54], 0, 0)
    assert.are.equal(train_recs[54].pixels[1024 + 5], train.images[{ 54, 2, 1, 5 }])
    local test = data.cifar10(bin, 'test') -- the .bin folder itself works too
    local ti, tl = expected(test_recs)
    close(test.images, ti, 0, 0)
    close(test.labels, tl, 0, 0)
    assert.are.equal('cifar10-test', test.name)
  end)

  it('names the file and its size when a batch is truncated', function()
    local whole = read_all(bin .. '/data_batch_3.bin')
    local dir = variant('short', 'data_batch_3.bin', whole:sub(1, #whole - 100))
    err_has({ dir .. '/data_batch_3.bin: size 61360 bytes is not a multiple '
              .. 'of the 3073-byte record', '19 records and 2973 bytes more' },
            data.cifar10, dir, 'train')
  end)

  it('names the file, the record and the byte of a bad label', function()
    local whole = read_all(bin .. '/data_batch_2.bin')
    local at = 4 * 3073 -- record 5
    local dir = variant('label', 'data_batch_2.bin',
                        whole:sub(1, at) .. string.char(10) .. whole:sub(at + 2))
    err_has({ dir .. '/data_batch_2.bin: byte 12292: record 5 of 13 has label '
              .. '10, expected 0..9' }, data.cifar10, dir, 'train')
  end)

  it('says which file is missing and where to put the real files', function()
    local dir = variant('missing', 'test_batch.bin', '')
    os.remove(dir .. '/data_batch_5.bin')
    err_has({ 'cifar10: cannot find the train split: data_batch_5.bin is missing',
              dir, 'cifar-10-binary.tar.gz', 'data/cifar10', 'make data' },
            data.cifar10, dir, 'train')
    err_has({ dir .. '/test_batch.bin: empty (0 bytes)' }, data.cifar10, dir, 'test')
    err_has("split must be 'train' or 'test', got valid", data.cifar10, dir, 'valid')
    err_has('entry 2 of the file list is a number', dc.cifar_load, { 'a', 5 })
  end)
end)

-- A (B, C, H, W) batch of random integer pixels 0..255.
local function pixels(B, C, Hh, W, seed)
  iddl.manual_seed(seed)
  return iddl.randint(0, 256, { B, C, Hh, W })
end

local KEY = { seed = 3, epoch = 2, batch = 5 }

describe('random_crop', function()
  it('shifts each sample by its drawn offsets, zeros in the padding', function()
    local x = pixels(64, 3, 32, 32, 1)
    local old, off = x:clone(), iddl.zeros(64, 2)
    dc.random_crop(x, 4, KEY.seed, KEY.epoch, KEY.batch, off)
    local seen = {}
    for b = 1, 64 do
      local i, j = off[{ b, 1 }], off[{ b, 2 }]
      seen[i * 9 + j] = true
      assert.is_true(i >= 0 and i <= 8 and j >= 0 and j <= 8)
      -- the reference: pad by 4 and take the 32x32 window at (i, j)
      local padded = iddl.zeros(3, 40, 40)
      padded:narrow(2, 5, 32):narrow(3, 5, 32):copy_(old[b])
      close(x[b], padded:narrow(2, i + 1, 32):narrow(3, j + 1, 32), 0, 0,
            'sample ' .. b)
    end
    local n = 0
    for _ in pairs(seen) do n = n + 1 end
    assert.is_true(n > 30) -- 64 draws of 81 offsets
  end)

  it('is the transform, keyed: same key same crop, other keys differ', function()
    local x = pixels(16, 3, 32, 32, 2)
    local a, b = x:clone(), x:clone()
    T.random_crop(32, 4)(a, KEY)
    dc.random_crop(b, 4, KEY.seed, KEY.epoch, KEY.batch)
    close(a, b, 0, 0)
    for _, k in ipairs { { seed = 4, epoch = 2, batch = 5 }, { seed = 3, epoch = 3, batch = 5 },
                         { seed = 3, epoch = 2, batch = 6 } } do
      local c = x:clone()
      T.random_crop(32, 4)(c, k)
      assert.is_true((c - a):abs():max() > 0)
    end
  end)

  it('refuses a missing key and a crop of another size', function()
    err_has('random_crop: needs the key {seed =, epoch =, batch =}',
            T.random_crop(32, 4), iddl.zeros(2, 3, 32, 32))
    err_has({ 'crop size 32x32 differs', 'shape 2x3x28x28' }, T.random_crop(32, 4),
            iddl.zeros(2, 3, 28, 28), KEY)
    err_has('expected a batch of images (B, C, H, W), got shape 2x3072',
            T.random_crop(32, 4), iddl.zeros(2, 3072), KEY)
    err_has('the record tensor has shape 3x2, expected a contiguous 2x2',
            dc.random_crop, iddl.zeros(2, 1, 4, 4), 1, 1, 1, 1, iddl.zeros(3, 2))
  end)
end)

describe('random_hflip', function()
  it('mirrors exactly the samples it drew, about half of them', function()
    local x = pixels(200, 3, 4, 5, 3)
    local old, flipped = x:clone(), iddl.zeros(200)
    dc.random_hflip(x, 0.5, KEY.seed, KEY.epoch, KEY.batch, flipped)
    local n = 0
    for b = 1, 200 do
      local want = old[b]
      if flipped[b] == 1 then
        n = n + 1
        want = old[b]:index_select(3, iddl.tensor { 5, 4, 3, 2, 1 })
      else
        assert.are.equal(0, flipped[b])
      end
      close(x[b], want, 0, 0, 'sample ' .. b)
    end
    assert.is_true(n > 65 and n < 135) -- 100 +- 4.9 sigma
    local y = old:clone()
    T.random_hflip()(y, KEY)
    close(y, x, 0, 0) -- the transform draws the same from the same key
    T.random_hflip(0)(y, KEY)
    close(y, x, 0, 0)
  end)
end)

-- x rounded to float32, as C stores it.
local function f32(x) return (string.unpack('f', string.pack('f', x))) end

describe('normalize_channels', function()
  it('is (x / 255 - mean) / std in float32, exactly, per channel', function()
    local x = pixels(4, 3, 8, 8, 4)
    local ref = x:clone()
    local st = data.stats.cifar10
    T.normalize_channels(st.mean, st.std)(x)
    local flat, want = H.flatten(ref), {}
    for k, v in ipairs(flat) do
      local c = (k - 1) // 64 % 3 + 1
      want[k] = f32(f32(f32(v / 255) - f32(st.mean[c])) / f32(st.std[c]))
    end
    close(x, iddl.tensor(want):view(4, 3, 8, 8), 0, 0)
  end)

  it('matches PyTorch (ToTensor + Normalize) bit for bit on every pixel value', function()
    local dir = here .. '../golden/augment/'
    local px = iddl.npy.load(dir .. 'pixels.npy')
    local st = data.stats
    close(T.cifar10_test()(px:clone()), iddl.npy.load(dir .. 'cifar10.npy'), 0, 0)
    close(T.normalize_channels(st.fashion_mnist32.mean, st.fashion_mnist32.std)(
      px:narrow(2, 1, 1):contiguous()), iddl.npy.load(dir .. 'fashion_mnist32.npy'), 0, 0)
  end)

  it('names a wrong number of constants and a zero std', function()
    err_has('mean has 2 values for a batch of 3 channels',
            T.normalize_channels({ 1, 2 }, { 1, 2, 3 }), iddl.zeros(1, 3, 2, 2))
    err_has('std of channel 1 is 0', T.normalize_channels({ 1 }, { 0 }),
            iddl.zeros(1, 1, 2, 2))
  end)
end)

-- A dataset of n random 3x32x32 images with labels 1..n.
local function random_images(n)
  return data.dataset { images = pixels(n, 3, 32, 32, 5), labels = iddl.arange(1, n + 1) }
end

-- Every (x, y) of one epoch, cloned.
local function epoch(loader, k)
  local out = {}
  for x, y in loader:batches(k) do out[#out + 1] = { x:clone(), y:clone() } end
  return out
end

-- Whether tensors a and b (of the same shape) hold the same values.
local function equal(a, b) return (a - b):abs():max() == 0 end

local function same_epoch(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if not equal(a[i][1], b[i][1]) or not equal(a[i][2], b[i][2]) then return false end
  end
  return true
end

describe('augmentation in a DataLoader', function()
  local ds = random_images(40)

  it('replays an epoch for the same seed; epochs and seeds differ', function()
    local function loader(seed)
      return data.DataLoader { dataset = ds, batch_size = 16, seed = seed,
                               transform = T.cifar10_train() }
    end
    local a, b = loader(7), loader(7)
    local a1, a2 = epoch(a), epoch(a)
    assert.is_true(same_epoch(a1, epoch(b)))
    assert.is_true(same_epoch(a2, epoch(b)))
    assert.is_true(same_epoch(a1, epoch(a, 1)))
    assert.is_false(same_epoch(a1, a2))
    assert.is_false(same_epoch(a1, epoch(loader(8), 1)))
  end)

  it('augments only: the same samples, unshuffled order kept, crop differs per epoch', function()
    local plain = data.DataLoader { dataset = ds, batch_size = 40, shuffle = false,
                                    transform = T.cifar10_train(), seed = 1 }
    local e1, e2 = epoch(plain), epoch(plain)
    close(e1[1][2], ds.labels, 0, 0)
    assert.is_false(equal(e1[1][1], e2[1][1]))
    local test = data.DataLoader { dataset = ds, batch_size = 40, shuffle = false,
                                   transform = T.cifar10_test() }
    local st = data.stats.cifar10
    close(epoch(test)[1][1], T.normalize_channels(st.mean, st.std)(ds.images:clone()), 0, 0)
  end)

  it('leaves the global generator alone', function()
    local loader = data.DataLoader { dataset = ds, batch_size = 16, seed = 2,
                                     transform = T.cifar10_train() }
    iddl.manual_seed(5)
    local want = iddl.randn(4)
    iddl.manual_seed(5)
    epoch(loader)
    close(iddl.randn(4), want, 0, 0)
  end)
end)

-- Writes an IDX ubyte file of the given sizes and values.
local function write_idx(path, sizes, values)
  local parts = { string.pack('>BBBB', 0, 0, 8, #sizes) }
  for _, s in ipairs(sizes) do parts[#parts + 1] = string.pack('>I4', s) end
  parts[#parts + 1] = string.char(table.unpack(values))
  local f = assert(io.open(path, 'wb'))
  f:write(table.concat(parts))
  f:close()
end

describe('fashion_mnist32', function()
  it('zero-pads the 28x28 images by 2 on every side to (N, 1, 32, 32)', function()
    local dir = tmp .. '/fashion'
    assert(os.execute('mkdir -p ' .. dir))
    math.randomseed(6)
    local px = {}
    for i = 1, 3 * 784 do px[i] = math.random(1, 255) end
    write_idx(dir .. '/t10k-images-idx3-ubyte', { 3, 28, 28 }, px)
    write_idx(dir .. '/t10k-labels-idx1-ubyte', { 3 }, { 4, 0, 9 })
    local ds = data.fashion_mnist32(dir, 'test')
    assert.are.same({ 3, 1, 32, 32 }, ds.images:size())
    assert.are.equal('fashion-mnist32-test', ds.name)
    assert.are.same({ 5, 1, 10 }, ds.labels:totable())
    local inner = ds.images:narrow(3, 3, 28):narrow(4, 3, 28)
    close(inner, iddl.tensor(px):view(3, 1, 28, 28), 0, 0)
    -- every pixel of the source is nonzero, so the sum shows the border is 0
    assert.are.equal(inner:sum(), ds.images:sum())
    assert.are.equal(0, ds.images:narrow(3, 1, 2):abs():max())
    assert.are.equal(0, ds.images:narrow(4, 31, 2):abs():max())
    err_has('zero_pad: expected images (N, H, W) or (N, C, H, W), got shape 3',
            data.zero_pad, iddl.zeros(3), 1)
  end)
end)

local fashion = data.find_dir('fashion-mnist')
local has_fashion = fashion and (io.open(fashion .. '/train-images-idx3-ubyte.gz')
                                 or io.open(fashion .. '/train-images-idx3-ubyte'))
if has_fashion then has_fashion:close() end

describe('the real Fashion-MNIST at 32x32', function()
  if not has_fashion then
    pending('data/fashion-mnist is absent: run `make data` to check its constants')
    return
  end
  it('has the documented mean and std (of pixel / 255, padded)', function()
    local train = data.fashion_mnist32(fashion, 'train')
    assert.are.same({ 60000, 1, 32, 32 }, train.images:size())
    local x = train.images:view(-1):div(255)
    local st = data.stats.fashion_mnist32
    close(x:mean(), st.mean[1], 0, 5e-5)
    close(x:std(), st.std[1], 0, 5e-5)
  end)
end)

local cifar = data.find_dir('cifar10')
local has_cifar = cifar and io.open(cifar .. '/cifar-10-batches-bin/test_batch.bin')
if has_cifar then has_cifar:close() end

describe('the real CIFAR-10', function()
  if not has_cifar then
    pending('data/cifar10 is absent (no internet here): put the official files '
            .. 'there to test on them')
    return
  end
  it('has 50000 / 10000 images, 1000 per class in the test split', function()
    local train, test = data.cifar10(cifar, 'train'), data.cifar10(cifar, 'test')
    assert.are.same({ 50000, 3, 32, 32 }, train.images:size())
    assert.are.same({ 10000, 3, 32, 32 }, test.images:size())
    for c = 1, 10 do
      assert.are.equal(1000, test.labels:eq(c):sum())
    end
    -- data_batch_1 starts with a frog, two trucks, a deer, an automobile
    assert.are.same({ 7, 10, 10, 5, 2 }, train.labels:narrow(1, 1, 5):totable())
    assert.are.equal('frog', train.classes[train.labels[1]])
    local x = train.images:div(255)
    for c, m in ipairs(data.stats.cifar10.mean) do
      close(x:select(2, c):mean(), m, 0, 5e-4)
    end
  end)
end)
