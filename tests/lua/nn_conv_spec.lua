-- nn_conv_spec.lua - nn.Conv2d: PyTorch parity (forward, gradInput,
-- gradWeight, gradBias from tests/golden/conv, written by
-- tests/gen_conv_golden.py) under every execution plan of the kernels, the
-- module API (shapes, describe, flops, init), and the errors.
local iddl = iddl or require 'iddl'
local H = dofile(debug.getinfo(1, 'S').source:match('^@(.*[/\\])') .. 'helpers.lua')
local nn = iddl.nn

local dir = H.dir_of() .. '../golden/conv/'
local cases = dofile(dir .. 'cases.lua')
local RTOL, ATOL = 1e-5, 2e-5

local function load(file) return iddl.npy.load(dir .. file) end

-- The plans the kernels can run: automatic, one image per product, several
-- images per product, tiles of output rows, on the batch-parallel and the
-- threaded-sgemm paths, with im2col and (where it fits) Winograd.
local PLANS = { { name = 'auto' } }
for _, algorithm in ipairs { 'im2col', 'winograd' } do
  for _, p in ipairs {
    { name = 'batch, 1 image per product', threading = 'batch', chunk = 1 },
    { name = 'batch, 3 images per product', threading = 'batch', chunk = 3 },
    { name = 'gemm, 1 image per product', threading = 'gemm', chunk = 1 },
    { name = 'gemm, 2 images per product', threading = 'gemm', chunk = 2 },
    { name = 'batch, tiles of 2 output rows', threading = 'batch', chunk = 1, tile = 2 },
    { name = 'gemm, tiles of 1 output row', threading = 'gemm', chunk = 1, tile = 1 },
  } do
    p.algorithm, p.name = algorithm, algorithm .. ', ' .. p.name
    PLANS[#PLANS + 1] = p
  end
end

-- Whether Winograd can run case c (3x3, stride 1, dilation 1, padding <= 2).
local function fits_winograd(c)
  local _, _, k, o = table.unpack(c.args)
  local function all(v, ok)
    if type(v) == 'table' then return ok(v[1]) and ok(v[2]) end
    return ok(v)
  end
  return all(k, function(x) return x == 3 end)
     and all(o.stride, function(x) return x == 1 end)
     and all(o.dilation, function(x) return x == 1 end)
     and all(o.padding, function(x) return x <= 2 end)
end

-- A Conv2d of golden case c with the plan's options and c's parameters.
local function golden_module(c, plan)
  local cin, cout, k, opts = table.unpack(c.args)
  local o = {}
  for key, v in pairs(opts) do o[key] = v end
  o.threading, o.chunk, o.tile = plan.threading, plan.chunk, plan.tile
  o.algorithm = plan.algorithm
  local m = nn.Conv2d(cin, cout, k, o)
  for pname, file in pairs(c.params) do m[pname]:copy_(load(file)) end
  return m
end

describe('nn.Conv2d golden (PyTorch parity)', function()
  it('has the cases', function()
    assert.is_true(#cases >= 16)
  end)

  for _, c in ipairs(cases) do
    for _, plan in ipairs(PLANS) do
      if plan.algorithm ~= 'winograd' or fits_winograd(c) then it(c.name .. ' (' .. plan.name .. '): output, gradInput, gradWeight, gradBias',
         function()
        local m = golden_module(c, plan)
        local x = load(c.input)
        H.assert_close(m:forward(x), load(c.output), RTOL, ATOL, 'output')
        m:zero_grad()
        local gi = m:backward(x, load(c.grad_output))
        H.assert_close(gi, load(c.grad_input), RTOL, ATOL, 'gradInput')
        local n = 0
        for gname, file in pairs(c.grads) do
          H.assert_close(m[gname], load(file), RTOL, ATOL, gname)
          n = n + 1
        end
        assert.are.equal(n, #m:parameters())
      end) end
    end

    it(c.name .. ': updateGradInput and accGradParameters separately, scaled',
       function()
      local m = golden_module(c, PLANS[1])
      local x, g = load(c.input), load(c.grad_output)
      m:forward(x)
      m:zero_grad()
      H.assert_close(m:updateGradInput(x, g), load(c.grad_input), RTOL, ATOL,
                     'gradInput')
      m:accGradParameters(x, g, 0.5)
      m:accGradParameters(x, g, 1.5) -- accumulates: 2x the gradient
      for gname, file in pairs(c.grads) do
        H.assert_close(m[gname], load(file) * 2, RTOL, 2 * ATOL, gname)
      end
    end)
  end
end)

describe('nn.Conv2d', function()
  before_each(function() iddl.manual_seed(7) end)

  it('has PyTorch shapes, parameter counts and describe()', function()
    local m = nn.Conv2d(64, 128, 3, { stride = 2, padding = 1, groups = 4, bias = false })
    assert.are.same({ 128, 16, 3, 3 }, m.weight:size())
    assert.are.same({ 128, 16, 3, 3 }, m.gradWeight:size())
    assert.is_nil(m.bias)
    assert.are.equal(128 * 16 * 9, m:nparams())
    assert.are.equal('nn.Conv2d(64 -> 128, 3x3, stride 2, pad 1, groups 4, no bias)',
                     m:describe())
    local r = nn.Conv2d(3, 8, { 3, 1 }, { stride = { 2, 1 }, padding = { 1, 0 },
                                          dilation = 2 })
    assert.are.same({ 8, 3, 3, 1 }, r.weight:size())
    assert.are.same({ 8 }, r.bias:size())
    assert.are.equal('nn.Conv2d(3 -> 8, 3x1, stride 2x1, pad 1x0, dilation 2)',
                     r:describe())
    assert.are.equal('nn.Conv2d(3 -> 8, 1x1)', nn.Conv2d(3, 8, 1):describe())
    assert.is_truthy(tostring(r):find('weight 8x3x3x1, bias 8: 80 params', 1, true))
  end)

  it('counts flops as cout*Ho*Wo*(cin/groups*kh*kw) and gives the output shape', function()
    local macs, out = nn.Conv2d(64, 128, 3, { stride = 2, padding = 1, groups = 4 })
                        :flops{ 64, 32, 32 }
    assert.are.equal(128 * 16 * 16 * (16 * 9), macs)
    assert.are.same({ 128, 16, 16 }, out)
    macs, out = nn.Conv2d(3, 64, 3, { padding = 1 }):flops{ 3, 32, 32 }
    assert.are.equal(64 * 32 * 32 * 27, macs)
    assert.are.same({ 64, 32, 32 }, out)
    macs, out = nn.Conv2d(2, 4, { 3, 1 }, { stride = { 2, 1 }, dilation = 2 })
                  :flops{ 2, 9, 7 }
    assert.are.same({ 4, 3, 7 }, out) -- (9 - 5) // 2 + 1, 7
    assert.are.equal(4 * 3 * 7 * 6, macs)
    local m = nn.Conv2d(3, 4, 3)
    H.assert_error_contains({ 'nn.Conv2d(3 -> 4, 3x3)', '{4, 8, 8}' }, m.flops, m,
                            { 4, 8, 8 })
    H.assert_error_contains('larger than the padded input', m.flops, m, { 3, 2, 8 })
  end)

  it('initialises like PyTorch: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), seeded', function()
    local m = nn.Conv2d(8, 16, 3, { groups = 2 })
    local bound = 1 / math.sqrt(4 * 9)
    assert.is_true(m.weight:abs():max() <= bound)
    assert.is_true(m.weight:abs():max() > 0.9 * bound)
    assert.is_true(m.bias:abs():max() <= bound)
    iddl.manual_seed(7)
    local again = nn.Conv2d(8, 16, 3, { groups = 2 })
    H.assert_close(again.weight, m.weight, 0, 0)
    H.assert_close(again.bias, m.bias, 0, 0)
  end)

  it('accepts one image (C, H, W) and non-contiguous input', function()
    local m = nn.Conv2d(3, 4, 3, { padding = 1, stride = 2 })
    local x = iddl.randn(2, 3, 9, 7)
    local y = m:forward(x):clone()
    local y1 = m:forward(x[2]:contiguous())
    assert.are.same({ 4, 5, 4 }, y1:size())
    H.assert_close(y1, y[2], 1e-6, 1e-6)
    local gi = m:backward(x[2], iddl.ones(4, 5, 4))
    assert.are.same({ 3, 9, 7 }, gi:size())
    local xt = iddl.randn(2, 3, 7, 9):transpose(3, 4) -- (2, 3, 9, 7) view
    H.assert_close(m:forward(xt), m:forward(xt:contiguous()):clone(), 1e-6, 1e-6)
  end)

  it('handles an empty batch', function()
    local m = nn.Conv2d(3, 4, 3)
    assert.are.same({ 0, 4, 3, 3 }, m:forward(iddl.zeros(0, 3, 5, 5)):size())
    assert.are.same({ 0, 3, 5, 5 },
                    m:backward(iddl.zeros(0, 3, 5, 5), iddl.zeros(0, 4, 3, 3)):size())
  end)

  it('input_grad(false) skips gradInput but still accumulates parameter gradients', function()
    local x, g = iddl.randn(3, 2, 6, 6), iddl.randn(3, 5, 6, 6)
    local a = nn.Conv2d(2, 5, 3, { padding = 1 })
    local b = nn.Conv2d(2, 5, 3, { padding = 1 }):input_grad(false)
    b.weight:copy_(a.weight); b.bias:copy_(a.bias)
    a:forward(x); b:forward(x)
    a:zero_grad(); b:zero_grad()
    a:backward(x, g)
    assert.is_nil(b:backward(x, g))
    H.assert_close(b.gradWeight, a.gradWeight, 0, 0)
    H.assert_close(b.gradBias, a.gradBias, 0, 0)
  end)

  it('grouped = the dense convolution with a block-diagonal weight', function()
    local x = iddl.randn(5, 8, 7, 7)
    local grouped = nn.Conv2d(8, 12, 3, { groups = 4, padding = 1 })
    local dense = nn.Conv2d(8, 12, 3, { padding = 1 })
    dense.weight:zero_()
    dense.bias:copy_(grouped.bias)
    for g = 0, 3 do
      dense.weight:narrow(1, g * 3 + 1, 3):narrow(2, g * 2 + 1, 2)
        :copy_(grouped.weight:narrow(1, g * 3 + 1, 3))
    end
    H.assert_close(grouped:forward(x), dense:forward(x), 1e-5, 1e-5)
    local g = iddl.randn(5, 12, 7, 7)
    H.assert_close(grouped:backward(x, g), dense:backward(x, g), 1e-5, 1e-5)
  end)

  it('a training step allocates nothing once the shapes are stable', function()
    local m = nn.Sequential{ nn.Conv2d(3, 8, 3, { padding = 1 }), nn.ReLU(),
                             nn.Conv2d(8, 8, 3, { stride = 2, groups = 2 }) }
    local x = iddl.randn(4, 3, 8, 8)
    local g = iddl.randn(4, 8, 3, 3)
    local function step() m:forward(x); m:zero_grad(); m:backward(x, g) end
    step()
    collectgarbage('collect')
    collectgarbage('stop')
    local before = collectgarbage('count')
    for _ = 1, 200 do step() end
    local grown = collectgarbage('count') - before
    collectgarbage('restart')
    assert.is_true(grown < 1, 'allocated ' .. grown .. ' KiB in 200 steps')
  end)

  describe('errors', function()
    it('channels not divisible by groups are named', function()
      H.assert_error_contains('in_channels 6 is not divisible by groups 4',
                              nn.Conv2d, 6, 8, 3, { groups = 4 })
      H.assert_error_contains('out_channels 6 is not divisible by groups 4',
                              nn.Conv2d, 8, 6, 3, { groups = 4 })
    end)

    it('bad sizes, strides, paddings, dilations and options', function()
      H.assert_error_contains('in_channels must be a positive integer', nn.Conv2d, 0, 4, 3)
      H.assert_error_contains('out_channels must be a positive integer', nn.Conv2d, 4, 2.5, 3)
      H.assert_error_contains('kernel size must be an integer >= 1', nn.Conv2d, 4, 4, 0)
      H.assert_error_contains('kernel size must be an integer >= 1', nn.Conv2d, 4, 4, { 3 })
      H.assert_error_contains({ 'stride must be an integer >= 1', 'got 0' },
                              nn.Conv2d, 4, 4, 3, { stride = 0 })
      H.assert_error_contains({ 'stride must be an integer >= 1', 'got {1, -1}' },
                              nn.Conv2d, 4, 4, 3, { stride = { 1, -1 } })
      H.assert_error_contains({ 'dilation must be an integer >= 1', 'got 0' },
                              nn.Conv2d, 4, 4, 3, { dilation = 0 })
      H.assert_error_contains({ 'padding must be an integer >= 0', 'got -1' },
                              nn.Conv2d, 4, 4, 3, { padding = -1 })
      H.assert_error_contains('groups must be a positive integer', nn.Conv2d, 4, 4, 3,
                              { groups = 0 })
      H.assert_error_contains('unknown option strides', nn.Conv2d, 4, 4, 3,
                              { strides = 2 })
      H.assert_error_contains("threading must be 'auto', 'batch' or 'gemm'",
                              nn.Conv2d, 4, 4, 3, { threading = 'fast' })
      H.assert_error_contains("algorithm must be 'auto', 'im2col' or 'winograd'",
                              nn.Conv2d, 4, 4, 3, { algorithm = 'fft' })
      local w = nn.Conv2d(4, 4, 3, { stride = 2, algorithm = 'winograd' })
      H.assert_error_contains({ 'Winograd needs a 3x3 kernel, stride 1',
                                'stride 2x2' }, w.forward, w, iddl.randn(1, 4, 6, 6))
    end)

    it('input of the wrong rank or channel count names both shapes', function()
      local m = nn.Conv2d(4, 6, 3, { groups = 2 })
      H.assert_error_contains({ 'input of shape 2x3x8x8', 'weight of shape 6x2x3x3',
                                'groups 2', '(N, 4, H, W)' },
                              m.forward, m, iddl.randn(2, 3, 8, 8))
      H.assert_error_contains({ 'input of shape 4x8', 'weight of shape 6x2x3x3' },
                              m.forward, m, iddl.randn(4, 8))
      H.assert_error_contains({ 'input of shape 1x2x4x8x8' }, m.forward, m,
                              iddl.randn(1, 2, 4, 8, 8))
    end)

    it('a kernel larger than the padded input names the shapes', function()
      local m = nn.Conv2d(2, 3, 5, { padding = 1 })
      H.assert_error_contains({ 'kernel 5x5', 'larger than the padded input 4x9',
                                'input of shape 1x2x2x7', 'weight of shape 3x2x5x5' },
                              m.forward, m, iddl.randn(1, 2, 2, 7))
      local d = nn.Conv2d(2, 3, 3, { dilation = 3 })
      H.assert_error_contains({ 'kernel 3x3 (7x7 dilated)', '6x6' },
                              d.forward, d, iddl.randn(1, 2, 6, 6))
    end)

    it('a gradOutput of the wrong shape names the shapes', function()
      local m = nn.Conv2d(2, 3, 3)
      local x = iddl.randn(2, 2, 6, 6)
      m:forward(x)
      H.assert_error_contains({ 'gradOutput of shape 2x3x6x6', 'output shape 2x3x4x4',
                                'input of shape 2x2x6x6' },
                              m.backward, m, x, iddl.randn(2, 3, 6, 6))
    end)
  end)
end)
