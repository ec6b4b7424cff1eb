-- checkpoint_spec.lua - iddl.checkpoint: bit-identical resume of training
-- (parameters, optimizer, scheduler, RNG), exact round trip of the user
-- table, shape checks, and clear errors on corrupt or truncated files.
local iddl = iddl or require 'iddl'

local here = debug.getinfo(1, 'S').source:match('^@(.*[/\\])') or './'
local H = dofile(here .. 'helpers.lua')

local DIR = os.tmpname()
os.remove(DIR)
assert(os.execute('mkdir -p ' .. DIR))
local function tmp(name) return DIR .. '/' .. name end
teardown(function() os.execute('rm -rf ' .. DIR) end)

-- A fake linear model y = x W^T + b with MSE gradients computed by hand;
-- `bn` adds a buffer (like a running mean) through model:buffers().
local function linear_model(n_in, n_out, bn)
  local W, b = iddl.randn(n_out, n_in), iddl.randn(n_out)
  local params, grads = { W, b }, { iddl.zeros_like(W), iddl.zeros_like(b) }
  local m = { running = iddl.zeros(n_out) }
  function m:parameters() return params, grads end
  if bn then function m:buffers() return { self.running } end end
  -- accumulates the gradient of mean((x W^T + b - y)^2) for a random batch
  function m:train_step(opt)
    local x, y = iddl.randn(8, n_in), iddl.randn(8, n_out)
    local diff = (iddl.matmul(x, W:t()) + b - y) * (2 / (8 * n_out))
    opt:zero_grad()
    grads[1]:add_(iddl.matmul(diff:t(), x))
    grads[2]:add_(diff:sum(1))
    self.running:mul_(0.9):add_(diff:sum(1), 0.1)
    opt:step()
  end
  return m
end

local function write_bytes(path, s)
  local f = assert(io.open(path, 'wb'))
  f:write(s)
  f:close()
end

local function new_run(seed)
  iddl.manual_seed(seed)
  local m = linear_model(5, 3, true)
  local opt = iddl.optim.SGD(m, { lr = 0.05, momentum = 0.9, weight_decay = 1e-3 })
  local sched = iddl.optim.StepLR(opt, { step_size = 2, gamma = 0.5 })
  return m, opt, sched
end

-- Steps epochs from+1 .. to, 3 batches each.
local function run(m, opt, sched, from, to)
  for _ = from + 1, to do
    for _ = 1, 3 do m:train_step(opt) end
    sched:step()
  end
end

describe('checkpoint resume', function()
  it('continuing from a checkpoint is bit-identical to not stopping', function()
    local m, opt, sched = new_run(11)
    run(m, opt, sched, 0, 3)
    iddl.checkpoint.save(tmp('run.ckpt'), { model = m, optimizer = opt, scheduler = sched,
                                            epoch = 3, rng = true, extra = { note = 'k=3' } })
    run(m, opt, sched, 3, 6)

    local m2, opt2, sched2 = new_run(99)    -- different init and RNG position
    local epoch, extra = iddl.checkpoint.load(tmp('run.ckpt'),
                                              { model = m2, optimizer = opt2, scheduler = sched2 })
    assert.are.equal(3, epoch)
    assert.are.equal('integer', math.type(epoch))
    assert.are.same({ note = 'k=3' }, extra)
    assert.are.equal(0.05 * 0.5, opt2.lr)      -- epoch 3's lr
    run(m2, opt2, sched2, 3, 6)
    local p1, p2 = m:parameters(), m2:parameters()
    for i = 1, 2 do
      assert.are.equal(0, (p1[i] - p2[i]):abs():max(), 'parameter ' .. i)
    end
    assert.are.equal(0, (m.running - m2.running):abs():max())
    assert.are.equal(opt.lr, opt2.lr)
    local ls = io.popen('ls -a ' .. DIR)
    assert.is_nil(ls:read('a'):find('.tmp.', 1, true), 'a temporary file was left behind')
    ls:close()
  end)

  it('rng = false on load leaves the generator alone', function()
    local m, opt = new_run(1)
    iddl.checkpoint.save(tmp('rng.ckpt'), { model = m, optimizer = opt, rng = true })
    iddl.manual_seed(5)
    local before = iddl.get_rng_state()
    iddl.checkpoint.load(tmp('rng.ckpt'), { model = m, rng = false })
    assert.are.equal(before, iddl.get_rng_state())
    iddl.checkpoint.load(tmp('rng.ckpt'), { model = m })
    assert.are_not.equal(before, iddl.get_rng_state())
  end)
end)

describe('checkpoint contents', function()
  it('round-trips the user table exactly', function()
    local big = math.maxinteger
    local extra = {
      i = 42, f = 0.1, third = 1 / 3, whole = 2.0, big = big, neg = -7,
      inf = math.huge, ninf = -math.huge, tiny = 5e-324,
      s = 'quote " backslash \\ newline \n nul \0 high \255', yes = true, no = false,
      list = { 1, 'two', { x = 3.5 } }, empty = {}, t = iddl.tensor { { 1, 2 }, { 3, 4 } },
    }
    iddl.checkpoint.save(tmp('extra.ckpt'), { epoch = 0, extra = extra })
    local _, back = iddl.checkpoint.load(tmp('extra.ckpt'))
    local t = back.t
    back.t, extra.t = nil, nil
    assert.are.same(extra, back)
    for _, k in ipairs { 'i', 'big', 'neg' } do assert.are.equal('integer', math.type(back[k])) end
    for _, k in ipairs { 'f', 'whole', 'inf' } do assert.are.equal('float', math.type(back[k])) end
    H.assert_close(t, iddl.tensor { { 1, 2 }, { 3, 4 } }, 0, 0)
    iddl.checkpoint.save(tmp('nan.ckpt'), { extra = { x = 0 / 0 } })
    local _, e = iddl.checkpoint.load(tmp('nan.ckpt'))
    assert.is_true(e.x ~= e.x)
  end)

  it('refuses values it cannot store, naming where they are', function()
    H.assert_error_contains({ 'checkpoint.extra.f', 'function' }, iddl.checkpoint.save,
                            tmp('bad.ckpt'), { extra = { f = print } })
    H.assert_error_contains({ 'checkpoint.extra', 'list' }, iddl.checkpoint.save,
                            tmp('bad.ckpt'), { extra = { [1] = 1, [3] = 3 } })
    assert.is_nil(io.open(tmp('bad.ckpt')))
  end)

  it('checks parameter counts and shapes before changing the model', function()
    iddl.manual_seed(3)
    local m = linear_model(5, 3)
    local opt = iddl.optim.SGD(m, { lr = 0.1, momentum = 0.9 })
    m:train_step(opt)
    iddl.checkpoint.save(tmp('shape.ckpt'), { model = m, optimizer = opt })
    local other = linear_model(4, 3)
    local before = other:parameters()[2]:clone()
    H.assert_error_contains({ 'shape.ckpt', 'parameter 1', 'file shape 3x5', 'model shape 3x4' },
                            iddl.checkpoint.load, tmp('shape.ckpt'), { model = other })
    assert.are.equal(0, (before - other:parameters()[2]):abs():max())
    local one = { parameters = function() return { iddl.zeros(3, 5) }, { iddl.zeros(3, 5) } end }
    H.assert_error_contains('the file has 2 parameters, the model 1', iddl.checkpoint.load,
                            tmp('shape.ckpt'), { model = one })
    H.assert_error_contains('holds no scheduler state', iddl.checkpoint.load, tmp('shape.ckpt'),
                            { scheduler = iddl.optim.StepLR(opt, { step_size = 1 }) })
  end)
end)

describe('corrupt checkpoint files', function()
  local path = tmp('good.ckpt')
  iddl.manual_seed(4)
  local m = linear_model(5, 3)
  iddl.checkpoint.save(path, { model = m, epoch = 1 })
  local good = H.read_file(path)
  local header_len = tonumber(good:match('^IDDLCKPT 1 (%d+)\n'))
  local data_start = #good:match('^[^\n]*\n') + header_len   -- 0-based

  it('a missing file', function()
    H.assert_error_contains({ 'nope.ckpt', 'cannot open' }, iddl.checkpoint.read, tmp('nope.ckpt'))
  end)

  it('a file that is not a checkpoint names byte 0', function()
    write_bytes(tmp('npy.ckpt'), '\147NUMPY whatever')
    H.assert_error_contains({ 'npy.ckpt', 'byte 0', 'not an iddl checkpoint' },
                            iddl.checkpoint.read, tmp('npy.ckpt'))
  end)

  it('a truncated file names the byte where it ends', function()
    write_bytes(tmp('cut.ckpt'), good:sub(1, #good - 10))
    H.assert_error_contains({ 'cut.ckpt', 'truncated at byte ' .. (#good - 10) },
                            iddl.checkpoint.read, tmp('cut.ckpt'))
    write_bytes(tmp('cut2.ckpt'), good:sub(1, 40))
    H.assert_error_contains({ 'cut2.ckpt', 'truncated at byte 40', 'header' },
                            iddl.checkpoint.read, tmp('cut2.ckpt'))
  end)

  it('a damaged header names the byte', function()
    local pos = good:find('"tensors"', 1, true)    -- 1-based
    write_bytes(tmp('hdr.ckpt'), good:sub(1, pos - 1) .. '#' .. good:sub(pos + 1))
    H.assert_error_contains({ 'hdr.ckpt', 'corrupt header at byte ' .. (pos - 1) },
                            iddl.checkpoint.read, tmp('hdr.ckpt'))
  end)

  it('damaged tensor data fails its checksum, naming the bytes', function()
    local k = data_start + 5                     -- 0-based byte in tensor 1
    local bad = good:sub(1, k) .. string.char((good:byte(k + 1) + 1) % 256) .. good:sub(k + 2)
    write_bytes(tmp('data.ckpt'), bad)
    H.assert_error_contains({ 'data.ckpt', 'corrupt tensor data in bytes ' .. data_start .. '..' },
                            iddl.checkpoint.read, tmp('data.ckpt'))
  end)

  it('trailing bytes are reported', function()
    write_bytes(tmp('long.ckpt'), good .. 'xyz')
    H.assert_error_contains({ 'long.ckpt', '3 unexpected bytes after byte ' .. #good },
                            iddl.checkpoint.read, tmp('long.ckpt'))
  end)

  it('a write into a missing folder fails cleanly', function()
    H.assert_error_contains({ 'no/such/dir/x.ckpt', 'cannot create' }, iddl.checkpoint.save,
                            tmp('no/such/dir/x.ckpt'), { model = m })
  end)
end)
