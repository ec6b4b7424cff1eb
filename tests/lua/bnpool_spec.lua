-- bnpool_spec.lua - behaviour of BatchNorm1d/2d, MaxPool2d, AvgPool2d and
-- AdaptiveAvgPool2d beyond the PyTorch goldens: the statistics by hand
-- (also far from zero and over long planes), running statistics and
-- buffers through a checkpoint, train/eval, fused and split backward,
-- threads, flops and output shapes, NaN and ties in max pooling, and every
-- error message.
local iddl = iddl or require 'iddl'
local H = dofile(debug.getinfo(1, 'S').source:match('^@(.*[/\\])') .. 'helpers.lua')
local nn = iddl.nn

local DIR = os.tmpname()
os.remove(DIR)
assert(os.execute('mkdir -p ' .. DIR))
teardown(function() os.execute('rm -rf ' .. DIR) end)

-- Per-channel mean and biased variance of x (N, C, ...) in double, by hand.
local function channel_stats(x)
  local N, C = x:size(1), x:size(2)
  local v = x:contiguous():view(N, C, -1)
  local S = v:size(3)
  local flat = H.flatten(v)
  local mean, var = {}, {}
  for c = 1, C do
    local s, q = 0, 0
    for n = 1, N do for k = 1, S do s = s + flat[((n - 1) * C + c - 1) * S + k] end end
    mean[c] = s / (N * S)
    for n = 1, N do
      for k = 1, S do q = q + (flat[((n - 1) * C + c - 1) * S + k] - mean[c]) ^ 2 end
    end
    var[c] = q / (N * S)
  end
  return mean, var, N * S
end

-- (x - mean) / sqrt(var + eps) * w + b per channel, in double from the
-- given lists; a tensor of x's shape.
local function normalise(x, mean, var, eps, w, b)
  local N, C = x:size(1), x:size(2)
  local S = x:numel() // math.max(N * C, 1)
  local flat, out = H.flatten(x), {}
  for k = 1, #flat do
    local c = (k - 1) // S % C + 1
    out[k] = (flat[k] - mean[c]) / math.sqrt(var[c] + eps) * w[c] + b[c]
  end
  return iddl.tensor(out):view(x:size())
end

describe('BatchNorm', function()
  before_each(function() iddl.manual_seed(11) end)

  it('has PyTorch fields and starting values', function()
    local bn = nn.BatchNorm2d(4)
    H.assert_close(bn.weight, iddl.ones(4))
    H.assert_close(bn.bias, iddl.zeros(4))
    H.assert_close(bn.running_mean, iddl.zeros(4))
    H.assert_close(bn.running_var, iddl.ones(4))
    assert.are.same({ 4 }, bn.gradWeight:size())
    assert.are.equal(8, bn:nparams())
    assert.are.equal(2, #bn:parameters())
    assert.are.equal(2, #bn:buffers())
    local plain = nn.BatchNorm1d(3, { affine = false, track_running_stats = false })
    assert.is_nil(plain.weight)
    assert.is_nil(plain.running_mean)
    assert.are.equal(0, plain:nparams())
    assert.are.equal(0, #plain:buffers())
    assert.are.equal('nn.BatchNorm1d(3, affine=false, track_running_stats=false)',
                     plain:describe())
    assert.are.equal('nn.BatchNorm2d(4) [weight 4, bias 4: 8 params]', tostring(bn))
  end)

  it('training normalises with the batch statistics and updates the running ones', function()
    local bn = nn.BatchNorm2d(3, { momentum = 0.25 })
    bn.weight:copy_(iddl.tensor{ 1.5, -0.5, 2 })
    bn.bias:copy_(iddl.tensor{ 0.1, 0.2, -0.3 })
    local x = iddl.randn(5, 3, 4, 6) * 3 + 2
    local mean, var, n = channel_stats(x)
    H.assert_close(bn:forward(x), normalise(x, mean, var, 1e-5, { 1.5, -0.5, 2 },
                                            { 0.1, 0.2, -0.3 }), 1e-5, 1e-5)
    for c = 1, 3 do
      H.assert_close(bn.running_mean[c], 0.25 * mean[c], 1e-6, 1e-7)
      H.assert_close(bn.running_var[c], 0.75 + 0.25 * var[c] * n / (n - 1), 1e-6, 1e-7)
    end
  end)

  it('is exact far from zero and over planes longer than one summation block', function()
    local bn = nn.BatchNorm2d(2, { affine = false })
    local x = iddl.randn(3, 2, 50, 60) * 0.01 + 1000 -- 3000 values per plane
    local mean, var = channel_stats(x)
    local y = bn:forward(x)
    H.assert_close(y, normalise(x, mean, var, 1e-5, { 1, 1 }, { 0, 0 }), 1e-5, 1e-5)
    for c = 1, 2 do
      H.assert_close(bn.save_mean[c], mean[c], 1e-7, 0)
      H.assert_close(bn.save_invstd[c], 1 / math.sqrt(var[c] + 1e-5), 1e-6, 0)
    end
    local rows = iddl.randn(50, 3) * 0.01 + 1000 -- (N, C): the column layout
    mean, var = channel_stats(rows)
    H.assert_close(nn.BatchNorm1d(3):forward(rows),
                   normalise(rows, mean, var, 1e-5, { 1, 1, 1 }, { 0, 0, 0 }), 1e-5, 1e-5)
  end)

  it('eval mode uses the running statistics and changes nothing', function()
    local bn = nn.BatchNorm1d(3)
    bn.running_mean:copy_(iddl.tensor{ 1, -2, 0.5 })
    bn.running_var:copy_(iddl.tensor{ 4, 0.25, 1 })
    bn:eval()
    local x = iddl.randn(4, 3)
    H.assert_close(bn:forward(x), normalise(x, { 1, -2, 0.5 }, { 4, 0.25, 1 }, 1e-5,
                                            { 1, 1, 1 }, { 0, 0, 0 }), 1e-6, 1e-6)
    H.assert_close(bn.running_mean, iddl.tensor{ 1, -2, 0.5 })
    -- one value per channel is fine in eval mode
    local one = nn.BatchNorm2d(3):eval()
    H.assert_close(one:forward(iddl.ones(1, 3, 1, 1) * 2),
                   iddl.ones(1, 3, 1, 1) * (2 / math.sqrt(1 + 1e-5)), 1e-6, 0)
    bn:train()
    bn:forward(x)
    assert.is_true((bn.running_mean - iddl.tensor{ 1, -2, 0.5 }):abs():sum() > 0)
  end)

  it('without running statistics it uses the batch in eval mode as well', function()
    local bn = nn.BatchNorm2d(2, { track_running_stats = false }):eval()
    local x = iddl.randn(3, 2, 3, 3)
    local mean, var = channel_stats(x)
    H.assert_close(bn:forward(x), normalise(x, mean, var, 1e-5, { 1, 1 }, { 0, 0 }),
                   1e-5, 1e-5)
  end)

  it('fused backward equals updateGradInput + accGradParameters; input_grad(false)', function()
    local bn = nn.BatchNorm2d(3)
    bn.weight:copy_(iddl.rand(3) + 0.5)
    local x, g = iddl.randn(4, 3, 5, 5), iddl.randn(4, 3, 5, 5)
    bn:forward(x)
    bn:zero_grad()
    local gi = bn:backward(x, g, 0.5):clone()
    local gw, gb = bn.gradWeight:clone(), bn.gradBias:clone()
    bn:zero_grad()
    H.assert_close(bn:updateGradInput(x, g), gi)
    bn:accGradParameters(x, g, 0.5)
    H.assert_close(bn.gradWeight, gw)
    H.assert_close(bn.gradBias, gb)
    bn:input_grad(false)
    bn:zero_grad()
    assert.is_nil(bn:backward(x, g, 0.5))
    H.assert_close(bn.gradWeight, gw)
    bn:backward(x, g, 0.5) -- parameter gradients accumulate
    H.assert_close(bn.gradBias, gb * 2, 1e-6, 1e-6)
  end)

  it('relu = true equals BatchNorm then ReLU, forward and backward, train and eval', function()
    for _, case in ipairs { { nn.BatchNorm2d, { 4, 3, 5, 5 } }, { nn.BatchNorm2d, { 2, 5, 8, 9 } },
                            { nn.BatchNorm1d, { 6, 7 } }, { nn.BatchNorm1d, { 3, 4, 20 } } } do
      local C = case[2][2]
      local fused, bn, relu = case[1](C, { relu = true }), case[1](C), nn.ReLU()
      local w, b = iddl.randn(C), iddl.randn(C)
      for _, m in ipairs { fused, bn } do
        m.weight:copy_(w)
        m.bias:copy_(b)
      end
      for _, training in ipairs { true, false } do
        for _, m in ipairs { fused, bn } do
          if training then m:train() else m:eval() end
          m:zero_grad()
        end
        local x, g = iddl.randn(table.unpack(case[2])), iddl.randn(table.unpack(case[2]))
        local y = relu:forward(bn:forward(x))
        H.assert_close(fused:forward(x), y, 1e-6, 1e-6)
        local gi = bn:backward(x, relu:backward(bn.output, g), 0.5)
        H.assert_close(fused:backward(x, g, 0.5), gi, 1e-5, 1e-5)
        H.assert_close(fused.gradWeight, bn.gradWeight, 1e-5, 1e-5)
        H.assert_close(fused.gradBias, bn.gradBias, 1e-5, 1e-5)
        H.assert_close(fused.running_mean, bn.running_mean, 1e-6, 1e-6)
      end
    end
    assert.are.equal('nn.BatchNorm2d(4, relu=true)', nn.BatchNorm2d(4, { relu = true }):describe())
  end)

  it('gives the same result on one thread and on all of them', function()
    local threads = iddl.blas_info().threads
    local x, g = iddl.randn(16, 24, 20, 20), iddl.randn(16, 24, 20, 20)
    local x1, g1 = iddl.randn(64, 300), iddl.randn(64, 300)
    local function run()
      iddl.manual_seed(1)
      local bn2, bn1 = nn.BatchNorm2d(24), nn.BatchNorm1d(300)
      local out = { bn2:forward(x):clone(), bn2:backward(x, g):clone(), bn2.gradWeight:clone(),
                    bn2.running_var:clone(), bn1:forward(x1):clone(), bn1:backward(x1, g1):clone() }
      local mp = nn.MaxPool2d(3, { stride = 2, padding = 1 })
      out[#out + 1] = mp:forward(x):clone()
      out[#out + 1] = mp:backward(x, mp.output):clone()
      local ap = nn.AvgPool2d(2)
      out[#out + 1] = ap:forward(x):clone()
      out[#out + 1] = ap:backward(x, ap.output):clone()
      return out
    end
    iddl.set_num_threads(1)
    local one = run()
    iddl.set_num_threads(math.max(threads, 2))
    local all = run()
    iddl.set_num_threads(threads)
    for i = 1, #one do H.assert_close(all[i], one[i], 0, 0, 'result ' .. i) end
  end)

  it('an empty batch gives an empty output and leaves the running statistics', function()
    local bn = nn.BatchNorm2d(3)
    assert.are.same({ 0, 3, 4, 4 }, bn:forward(iddl.zeros(0, 3, 4, 4)):size())
    H.assert_close(bn.running_var, iddl.ones(3))
  end)

  it('errors: one value per channel in training, rank, channels, options', function()
    H.assert_error_contains({ 'Expected more than 1 value per channel when training',
                              '1x3x1x1' }, function()
      nn.BatchNorm2d(3):forward(iddl.randn(1, 3, 1, 1))
    end)
    H.assert_error_contains({ 'Expected more than 1 value per channel', '1x4' }, function()
      nn.BatchNorm1d(4):forward(iddl.randn(1, 4))
    end)
    H.assert_error_contains({ 'nn.BatchNorm2d(3)', '4-D (N, C, H, W)', '2x3x4' }, function()
      nn.BatchNorm2d(3):forward(iddl.randn(2, 3, 4))
    end)
    H.assert_error_contains({ 'nn.BatchNorm1d(3)', '(N, C, L)', '2x3x4x4' }, function()
      nn.BatchNorm1d(3):forward(iddl.randn(2, 3, 4, 4))
    end)
    H.assert_error_contains({ 'input of shape 2x3x4x4 has 3 channels', 'expected 4',
                              'of shape 4' }, function()
      nn.BatchNorm2d(4):forward(iddl.randn(2, 3, 4, 4))
    end)
    local bn = nn.BatchNorm2d(3)
    H.assert_error_contains('nn.BatchNorm2d(3): backward needs a forward first', bn.backward,
                            bn, iddl.randn(2, 3, 4, 4), iddl.randn(2, 3, 4, 4))
    bn:forward(iddl.randn(2, 3, 4, 4))
    H.assert_error_contains({ 'gradOutput of shape 2x3x4x5', 'input of shape 2x3x4x4' },
                            bn.backward, bn, iddl.randn(2, 3, 4, 4), iddl.randn(2, 3, 4, 5))
    H.assert_error_contains('num_features must be a positive integer', nn.BatchNorm2d, 0)
    H.assert_error_contains('unknown option moment', nn.BatchNorm2d, 3, { moment = 0.1 })
    H.assert_error_contains('option affine must be a boolean', nn.BatchNorm2d, 3,
                            { affine = 1 })
    H.assert_error_contains('momentum in [0, 1]', nn.BatchNorm1d, 3, { momentum = 2 })
  end)

  it('flops: 2 per output element, shape kept; a wrong sample shape is an error', function()
    local f, s = nn.BatchNorm2d(16):flops{ 16, 8, 8 }
    assert.are.equal(2 * 16 * 64, f)
    assert.are.same({ 16, 8, 8 }, s)
    f, s = nn.BatchNorm1d(10):flops{ 10 }
    assert.are.equal(20, f)
    assert.are.same({ 10 }, s)
    H.assert_error_contains('{8, 8, 8}', function() nn.BatchNorm2d(16):flops{ 8, 8, 8 } end)
    H.assert_error_contains('{16, 8}', function() nn.BatchNorm2d(16):flops{ 16, 8 } end)
  end)
end)

describe('buffers and checkpoints', function()
  it('buffers() lists running statistics in module order, recursively', function()
    local a, b = nn.BatchNorm2d(2), nn.BatchNorm1d(3)
    local m = nn.Sequential{ a, nn.Flatten(), nn.Sequential{ nn.Linear(8, 3), b } }
    local bufs = m:buffers()
    assert.are.equal(4, #bufs)
    assert.are.equal(a.running_mean, bufs[1])
    assert.are.equal(a.running_var, bufs[2])
    assert.are.equal(b.running_mean, bufs[3])
    assert.are.equal(b.running_var, bufs[4])
    assert.are.equal(0, #nn.Linear(2, 2):buffers())
  end)

  it('running statistics persist through checkpoint save and load', function()
    local function model()
      return nn.Sequential{ nn.BatchNorm2d(2), nn.MaxPool2d(2), nn.Flatten(),
                            nn.Linear(8, 3), nn.BatchNorm1d(3) }
    end
    iddl.manual_seed(5)
    local m = model()
    local opt = iddl.optim.SGD(m, { lr = 0.1 })
    for _ = 1, 3 do
      local x = iddl.randn(6, 2, 4, 4) * 2 + 1
      m:zero_grad()
      m:backward(x, iddl.randn(m:forward(x):size()))
      opt:step()
    end
    local path = DIR .. '/bn.ckpt'
    iddl.checkpoint.save(path, { model = m, epoch = 3 })
    assert.are.equal(4, #iddl.checkpoint.read(path).buffers)
    iddl.manual_seed(99)
    local m2 = model()
    iddl.checkpoint.load(path, { model = m2 })
    for i, t in ipairs(m:buffers()) do H.assert_close(m2:buffers()[i], t, 0, 0) end
    local x = iddl.randn(2, 2, 4, 4)
    H.assert_close(m2:eval():forward(x), m:eval():forward(x), 0, 0)
    -- a model whose buffers do not match is refused before anything changes
    local other = nn.Sequential{ nn.BatchNorm2d(3), nn.MaxPool2d(2), nn.Flatten(),
                                 nn.Linear(8, 3), nn.BatchNorm1d(3) }
    H.assert_error_contains('parameter 1: file shape 2, model shape 3',
                            iddl.checkpoint.load, path, { model = other })
    local no_bufs = nn.Sequential{ nn.BatchNorm2d(2, { track_running_stats = false }),
                                   nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3),
                                   nn.BatchNorm1d(3) }
    H.assert_error_contains('the file has 4 buffers, the model 2', iddl.checkpoint.load,
                            path, { model = no_bufs })
  end)
end)

-- Max or average pooling of planes (P, H, W) by PyTorch's loops, in plain
-- Lua: output and gradient of the input for gradOutput g (flat lists).
local function reference_pool(kind, x, g, P, Hh, Ww, c)
  local kh, kw = c.kernel_size[1], c.kernel_size[2]
  local sh, sw = c.stride[1], c.stride[2]
  local ph, pw = c.padding[1], c.padding[2]
  local dh, dw = c.dilation[1], c.dilation[2]
  local function out_dim(n, k, p, s, d)
    local num = n + 2 * p - d * (k - 1) - 1 + (c.ceil_mode and s - 1 or 0)
    local o = num // s + 1
    if c.ceil_mode and (o - 1) * s >= n + p then o = o - 1 end
    return o
  end
  local OH, OW = out_dim(Hh, kh, ph, sh, dh), out_dim(Ww, kw, pw, sw, dw)
  local y, gi = {}, {}
  for i = 1, P * Hh * Ww do gi[i] = 0 end
  for pl = 0, P - 1 do
    for oh = 0, OH - 1 do
      for ow = 0, OW - 1 do
        local o = (pl * OH + oh) * OW + ow + 1
        local h0, w0 = oh * sh - ph, ow * sw - pw
        if kind == 'max' then
          local best, at = -math.huge, nil
          for i = 0, kh - 1 do
            for j = 0, kw - 1 do
              local ih, iw = h0 + i * dh, w0 + j * dw
              if ih >= 0 and ih < Hh and iw >= 0 and iw < Ww then
                local k = (pl * Hh + ih) * Ww + iw + 1
                at = at or k
                if x[k] > best then best, at = x[k], k end
              end
            end
          end
          y[o] = best
          if at then gi[at] = gi[at] + g[o] end
        else
          local he, we = math.min(h0 + kh, Hh + ph), math.min(w0 + kw, Ww + pw)
          local pool = (he - h0) * (we - w0)
          local hs, ws = math.max(h0, 0), math.max(w0, 0)
          he, we = math.min(he, Hh), math.min(we, Ww)
          local div = c.count_include_pad and pool or (he - hs) * (we - ws)
          local sum = 0
          for ih = hs, he - 1 do
            for iw = ws, we - 1 do sum = sum + x[(pl * Hh + ih) * Ww + iw + 1] end
          end
          y[o] = sum / div
          for ih = hs, he - 1 do
            for iw = ws, we - 1 do
              local k = (pl * Hh + ih) * Ww + iw + 1
              gi[k] = gi[k] + g[o] / div
            end
          end
        end
      end
    end
  end
  return iddl.tensor(y):view(1, P, OH, OW), iddl.tensor(gi):view(1, P, Hh, Ww)
end

describe('pooling', function()
  before_each(function() iddl.manual_seed(12) end)

  it('matches a plain-Lua reference on 120 random configurations, wide rows included', function()
    for case = 1, 120 do
      local function r(a, b) return math.tointeger(iddl.randint(a, b + 1, 1)[1]) end
      local kh, kw = r(1, 4), r(1, 4)
      local opts = { stride = { r(1, 3), r(1, 3) }, padding = { r(0, kh // 2), r(0, kw // 2) },
                     ceil_mode = r(0, 1) == 1 }
      local kind = case % 2 == 0 and 'max' or 'avg'
      if kind == 'max' then
        opts.dilation = { r(1, 2), r(1, 2) }
      else
        opts.count_include_pad = r(0, 1) == 1
      end
      local m = (kind == 'max' and nn.MaxPool2d or nn.AvgPool2d)({ kh, kw }, opts)
      local P, Hh, Ww = r(1, 3), r(1, 12), r(1, 45)
      local x = iddl.randn(1, P, Hh, Ww)
      local ok, y = pcall(m.forward, m, x)
      if ok then
        local g = iddl.randn(y:size())
        local ry, rgi = reference_pool(kind, H.flatten(x), H.flatten(g), P, Hh, Ww, m)
        local what = string.format('case %d %s %dx%d', case, m:describe(), Hh, Ww)
        H.assert_close(y, ry, 1e-6, 1e-6, what .. ' output')
        H.assert_close(m:backward(x, g), rgi, 1e-5, 1e-6, what .. ' gradInput')
      else -- only a kernel larger than the padded input may fail
        assert.is_truthy(tostring(y):find('too small', 1, true), tostring(y))
      end
    end
  end)

  it('MaxPool2d picks window maxima and routes the gradient to them', function()
    local x = iddl.tensor{ { { { 1, 5, 2, 0 }, { 3, 4, 8, 7 }, { 6, 0, 1, 2 }, { 9, 1, 3, 4 } } } }
    local mp = nn.MaxPool2d(2)
    H.assert_close(mp:forward(x), iddl.tensor{ { { { 5, 8 }, { 9, 4 } } } })
    H.assert_close(mp.indices, iddl.tensor{ { { { 2, 7 }, { 13, 16 } } } })
    H.assert_close(mp:backward(x, iddl.tensor{ { { { 1, 2 }, { 3, 4 } } } }),
                   iddl.tensor{ { { { 0, 1, 0, 0 }, { 0, 0, 2, 0 }, { 0, 0, 0, 0 },
                                    { 3, 0, 0, 4 } } } })
  end)

  it('MaxPool2d: NaN wins, ties go to the first position, overlapping windows add up', function()
    local x = iddl.zeros(1, 1, 3, 3)
    x[1][1][2][2] = 0 / 0
    local mp = nn.MaxPool2d(2, { stride = 1 })
    local y = mp:forward(x)
    for i = 1, 2 do for j = 1, 2 do assert.is_true(y[1][1][i][j] ~= y[1][1][i][j]) end end
    H.assert_close(mp:backward(x, iddl.ones(1, 1, 2, 2)),
                   iddl.tensor{ { { { 0, 0, 0 }, { 0, 4, 0 }, { 0, 0, 0 } } } })
    local ties = nn.MaxPool2d(2, { stride = 1 })
    ties:forward(iddl.ones(1, 1, 3, 3))
    H.assert_close(ties.indices, iddl.tensor{ { { { 1, 2 }, { 4, 5 } } } })
  end)

  it('AvgPool2d divisors with and without padded positions', function()
    local x = iddl.ones(1, 1, 3, 3)
    local with = nn.AvgPool2d(3, { stride = 1, padding = 1 }):forward(x)
    H.assert_close(with[1][1], iddl.tensor{ { 4, 6, 4 }, { 6, 9, 6 }, { 4, 6, 4 } } / 9)
    local without = nn.AvgPool2d(3, { stride = 1, padding = 1, count_include_pad = false })
    H.assert_close(without:forward(x), iddl.ones(1, 1, 3, 3))
  end)

  it('AdaptiveAvgPool2d(1) is the mean of each plane, also over long planes', function()
    local x = iddl.randn(2, 3, 70, 70) + 5
    local y = nn.AdaptiveAvgPool2d(1):forward(x)
    assert.are.same({ 2, 3, 1, 1 }, y:size())
    H.assert_close(y:view(2, 3), x:view(2, 3, -1):mean(3), 1e-6, 1e-6)
  end)

  it('flops are 0 and the shapes chain like the outputs', function()
    local cases = {
      { nn.MaxPool2d(3, { stride = 2, padding = 1 }), { 3, 5, 7 } },
      { nn.MaxPool2d(2, { stride = 2, padding = 1, ceil_mode = true }), { 2, 5, 5 } },
      { nn.MaxPool2d(3, { dilation = 2, stride = 1 }), { 2, 8, 8 } },
      { nn.AvgPool2d({ 3, 2 }, { stride = { 2, 1 }, ceil_mode = true }), { 4, 8, 7 } },
      { nn.AdaptiveAvgPool2d({ 2, 3 }), { 5, 8, 8 } },
      { nn.AdaptiveAvgPool2d(1), { 5, 3, 3 } },
    }
    for _, c in ipairs(cases) do
      local m, shape = c[1], c[2]
      local f, out = m:flops(shape)
      assert.are.equal(0, f)
      local y = m:forward(iddl.randn(2, table.unpack(shape)))
      assert.are.same({ 2, table.unpack(out) }, y:size())
    end
    local net = nn.Sequential{ nn.BatchNorm2d(3), nn.MaxPool2d(2), nn.AvgPool2d(2),
                               nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 10) }
    local f, out = net:flops{ 3, 8, 8 }
    assert.are.equal(2 * 3 * 64 + 30, f)
    assert.are.same({ 10 }, out)
  end)

  it('accepts (C, H, W) input', function()
    local x = iddl.randn(3, 6, 6)
    assert.are.same({ 3, 3, 3 }, nn.MaxPool2d(2):forward(x):size())
    assert.are.same({ 3, 3, 3 }, nn.AvgPool2d(2):forward(x):size())
    assert.are.same({ 3, 2, 2 }, nn.AdaptiveAvgPool2d(2):forward(x):size())
  end)

  it('describes itself', function()
    assert.are.equal('nn.MaxPool2d(3, stride=2, padding=1)',
                     nn.MaxPool2d(3, { stride = 2, padding = 1 }):describe())
    assert.are.equal('nn.MaxPool2d(2x3, dilation=2, ceil_mode=true)',
                     nn.MaxPool2d({ 2, 3 }, { dilation = 2, ceil_mode = true }):describe())
    assert.are.equal('nn.AvgPool2d(2, count_include_pad=false)',
                     nn.AvgPool2d(2, { count_include_pad = false }):describe())
    assert.are.equal('nn.AdaptiveAvgPool2d(2x3)', nn.AdaptiveAvgPool2d{ 2, 3 }:describe())
  end)

  it('errors: rank, kernel larger than the padded input, padding, options, gradOutput', function()
    H.assert_error_contains({ 'MaxPool2d', '(N, C, H, W)', 'shape 5x5' }, function()
      nn.MaxPool2d(2):forward(iddl.randn(5, 5))
    end)
    H.assert_error_contains({ 'AvgPool2d', 'shape 1x0x5x5' }, function()
      nn.AvgPool2d(2):forward(iddl.randn(1, 0, 5, 5))
    end)
    H.assert_error_contains({ 'AdaptiveAvgPool2d', 'shape 2x3x4x4x4' }, function()
      nn.AdaptiveAvgPool2d(1):forward(iddl.randn(2, 3, 4, 4, 4))
    end)
    H.assert_error_contains({ 'MaxPool2d', 'shape 1x1x5x5', 'output size 0x0', 'too small' },
                            function() nn.MaxPool2d(6):forward(iddl.randn(1, 1, 5, 5)) end)
    H.assert_error_contains({ 'AvgPool2d', 'shape 1x1x2x9', 'too small' },
                            function() nn.AvgPool2d(3):forward(iddl.randn(1, 1, 2, 9)) end)
    H.assert_error_contains({ 'too small' }, function() nn.MaxPool2d(6):flops{ 1, 5, 5 } end)
    H.assert_error_contains('padding 2 must be at most half of kernel_size 3',
                            nn.MaxPool2d, 3, { padding = 2 })
    H.assert_error_contains('padding 0x2 must be at most half of kernel_size 3x2',
                            nn.AvgPool2d, { 3, 2 }, { padding = { 0, 2 } })
    H.assert_error_contains('kernel_size must be an integer >= 1', nn.MaxPool2d, 0)
    H.assert_error_contains('sizes must be below 2^31', function()
      nn.MaxPool2d(1 << 40):forward(iddl.randn(1, 1, 4, 4))
    end)
    H.assert_error_contains('padded planes over 2^24 elements', function()
      nn.MaxPool2d(3, { padding = 1 }):forward(iddl.zeros(1, 1, 1, 5600000)) -- 3 x 5600002
    end)
    H.assert_error_contains('is too large', function()
      nn.AdaptiveAvgPool2d(1 << 40):forward(iddl.randn(1, 1, 4, 4))
    end)
    H.assert_error_contains({ 'indices of shape', 'call forward first' }, function()
      nn.MaxPool2d(2):backward(iddl.randn(1, 1, 4, 4), iddl.randn(1, 1, 2, 2))
    end)
    H.assert_error_contains('stride must be an integer >= 1 or a pair {h, w} of them, got {1, 2, 3}',
                            nn.MaxPool2d, 2, { stride = { 1, 2, 3 } })
    H.assert_error_contains('unknown option dilation', nn.AvgPool2d, 2, { dilation = 2 })
    H.assert_error_contains('output_size must be an integer >= 1', nn.AdaptiveAvgPool2d, 0)
    local mp, x = nn.MaxPool2d(2), iddl.randn(2, 3, 6, 6)
    mp:forward(x)
    H.assert_error_contains({ 'gradOutput of shape 2x3x3x4', 'input of shape 2x3x6x6',
                              'expected 2x3x3x3' }, mp.backward, mp, x, iddl.randn(2, 3, 3, 4))
    local ap = nn.AdaptiveAvgPool2d(2)
    ap:forward(x)
    H.assert_error_contains({ 'gradOutput of shape 2x3x3x3', 'expected 2x3x2x2' },
                            ap.backward, ap, x, iddl.randn(2, 3, 3, 3))
  end)
end)
