-- bnpool_gradcheck_spec.lua - finite-difference checks of the backward of
-- BatchNorm1d/2d (training and eval mode, with and without affine
-- parameters) and of MaxPool2d, AvgPool2d and AdaptiveAvgPool2d: d L / d
-- input and d L / d parameters with L = sum(output .* R) for a fixed random
-- R, as tests/lua/nn_gradcheck_spec.lua does for the other modules. Central
-- differences in float32 with eps = 1e-2, agreement within |analytic -
-- numeric| <= 2e-3 + 1e-2 |numeric|. Max pooling gets inputs whose values
-- are at least 0.05 apart, so that no difference changes a window's argmax.
local iddl = iddl or require 'iddl'
local H = dofile(debug.getinfo(1, 'S').source:match('^@(.*[/\\])') .. 'helpers.lua')
local nn = iddl.nn

-- Checks module m on input x: gradInput and every parameter gradient, 60
-- elements per tensor spread over it.
local function gradcheck(m, x) H.gradcheck(m, x, { max = 60, spread = true }) end

-- A tensor of the given shape holding 0.05 * a random permutation of
-- 1..n: distinct values, 0.05 apart.
local function distinct(...)
  local t = iddl.empty(...)
  local n = t:numel()
  local vals = {}
  for i = 1, n do vals[i] = i end
  for i = n, 2, -1 do
    local j = iddl.randint(1, i + 1, 1)[1]
    vals[i], vals[math.tointeger(j)] = vals[math.tointeger(j)], vals[i]
  end
  local flat = t:view(-1)
  for i = 1, n do flat[i] = 0.05 * vals[i] - 0.025 * n end
  return t
end

-- Non-trivial affine parameters and running statistics.
local function randomise(bn)
  if bn.weight then
    bn.weight:copy_(iddl.rand(bn.num_features) + 0.5)
    bn.bias:copy_(iddl.randn(bn.num_features))
  end
  if bn.running_mean then
    bn.running_mean:copy_(iddl.randn(bn.num_features) * 0.3)
    bn.running_var:copy_(iddl.rand(bn.num_features) + 0.5)
  end
  return bn
end

describe('batch norm and pooling gradient checks', function()
  before_each(function() iddl.manual_seed(7) end)

  it('BatchNorm2d in training mode (gradient through the batch statistics)', function()
    gradcheck(randomise(nn.BatchNorm2d(3)), iddl.randn(4, 3, 3, 5) * 2 + 1)
    gradcheck(randomise(nn.BatchNorm2d(2, { affine = false })), iddl.randn(3, 2, 4, 4))
    gradcheck(randomise(nn.BatchNorm2d(2)), iddl.randn(1, 2, 3, 3)) -- batch 1
  end)

  it('BatchNorm2d in eval mode (running statistics)', function()
    gradcheck(randomise(nn.BatchNorm2d(3)):eval(), iddl.randn(2, 3, 3, 4))
    gradcheck(randomise(nn.BatchNorm2d(3, { affine = false })):eval(), iddl.randn(2, 3, 2, 2))
  end)

  it('BatchNorm2d without running statistics uses the batch in eval mode too', function()
    gradcheck(randomise(nn.BatchNorm2d(2, { track_running_stats = false })):eval(),
              iddl.randn(3, 2, 3, 3))
  end)

  it('BatchNorm1d on (N, C) and (N, C, L), training and eval', function()
    gradcheck(randomise(nn.BatchNorm1d(5)), iddl.randn(6, 5))
    gradcheck(randomise(nn.BatchNorm1d(3)), iddl.randn(4, 3, 6))
    gradcheck(randomise(nn.BatchNorm1d(5)):eval(), iddl.randn(6, 5))
    gradcheck(randomise(nn.BatchNorm1d(3)):eval(), iddl.randn(4, 3, 6))
  end)

  it('MaxPool2d: strides, padding, dilation, ceil_mode, 3-D input', function()
    gradcheck(nn.MaxPool2d(2), distinct(2, 3, 6, 5))
    gradcheck(nn.MaxPool2d(3, { stride = 2, padding = 1 }), distinct(2, 2, 7, 6))
    gradcheck(nn.MaxPool2d(2, { stride = 1, ceil_mode = true }), distinct(1, 2, 5, 5))
    gradcheck(nn.MaxPool2d(3, { stride = 2, ceil_mode = true }), distinct(2, 1, 6, 8))
    gradcheck(nn.MaxPool2d({ 2, 3 }, { stride = { 1, 2 }, padding = { 1, 1 },
                                      dilation = { 2, 1 } }), distinct(1, 2, 6, 7))
    gradcheck(nn.MaxPool2d(2, { stride = 1 }), distinct(3, 4, 4))
  end)

  it('AvgPool2d: padding counted or not, ceil_mode', function()
    gradcheck(nn.AvgPool2d(2), iddl.randn(2, 3, 6, 5))
    gradcheck(nn.AvgPool2d(3, { stride = 2, padding = 1 }), iddl.randn(2, 2, 7, 6))
    gradcheck(nn.AvgPool2d(3, { stride = 2, padding = 1, count_include_pad = false }),
              iddl.randn(2, 2, 7, 6))
    gradcheck(nn.AvgPool2d(2, { stride = 2, padding = 1, ceil_mode = true }),
              iddl.randn(1, 2, 5, 5))
    gradcheck(nn.AvgPool2d({ 3, 2 }, { stride = 1 }), iddl.randn(2, 4, 5))
  end)

  it('AdaptiveAvgPool2d: global, dividing and overlapping windows', function()
    gradcheck(nn.AdaptiveAvgPool2d(1), iddl.randn(2, 3, 5, 7))
    gradcheck(nn.AdaptiveAvgPool2d({ 2, 3 }), iddl.randn(2, 2, 4, 6))
    gradcheck(nn.AdaptiveAvgPool2d({ 3, 4 }), iddl.randn(1, 2, 5, 7))
    gradcheck(nn.AdaptiveAvgPool2d(4), iddl.randn(2, 3, 3))
  end)

  it('BN, pooling and a residual composed (a conv-free ResNet-style block)', function()
    local block = nn.Sequential{
      nn.Add{ nn.Sequential{ nn.BatchNorm2d(2), nn.Tanh(), nn.BatchNorm2d(2) } },
      nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 3) }
    for _, m in ipairs { block:get(1):get(1):get(1), block:get(1):get(1):get(3) } do
      randomise(m)
    end
    gradcheck(block, iddl.randn(3, 2, 4, 4) + 0.3)
  end)
end)
