-- nn_conv_gradcheck_spec.lua - finite-difference checks of nn.Conv2d's
-- backward: d L / d input, d L / d weight and d L / d bias with
-- L = sum(output .* R) for a fixed random R, as tests/lua/nn_gradcheck_spec.lua
-- does for the other modules. Central differences in float32 with eps = 1e-2
-- (L is linear in each argument, so the only error is rounding); agreement
-- within |analytic - numeric| <= 2e-3 + 1e-2 * |numeric|. Every element of
-- the small tensors is checked (up to MAX_CHECKED), on odd geometries.
local iddl = iddl or require 'iddl'
local nn = iddl.nn

local EPS, RTOL, ATOL = 1e-2, 1e-2, 2e-3
local MAX_CHECKED = 400 -- elements checked per tensor

-- Compares analytic with the central differences of f() when the elements
-- of `target` are perturbed.
local function check_tensor(what, target, analytic, f)
  local flat, a = target:view(-1), analytic:contiguous():view(-1)
  local n = math.min(flat:numel(), MAX_CHECKED)
  for k = 1, n do
    local v = flat[k]
    flat[k] = v + EPS
    local lp = f()
    flat[k] = v - EPS
    local lm = f()
    flat[k] = v
    local num = (lp - lm) / (2 * EPS)
    if math.abs(a[k] - num) > ATOL + RTOL * math.abs(num) then
      error(string.format('%s element %d: analytic %.6g, numeric %.6g', what, k,
                          a[k], num), 2)
    end
  end
end

-- Checks gradInput and every parameter gradient of m at input x.
local function gradcheck(m, x)
  local r = iddl.randn(m:forward(x):size())
  local function L() return (m:forward(x) * r):sum() end
  m:zero_grad()
  local gi = m:backward(x, r):clone()
  local params, grads = m:parameters()
  local saved = {}
  for i, g in ipairs(grads) do saved[i] = g:clone() end
  check_tensor('gradInput', x, gi, L)
  for i, p in ipairs(params) do check_tensor('parameter ' .. i, p, saved[i], L) end
end

describe('nn.Conv2d gradient checks', function()
  before_each(function() iddl.manual_seed(42) end)

  it('3x3, padding 1, stride 1 and 2, batch 2', function()
    gradcheck(nn.Conv2d(2, 3, 3, { padding = 1 }), iddl.randn(2, 2, 5, 4))
    gradcheck(nn.Conv2d(2, 3, 3, { padding = 1, stride = 2 }), iddl.randn(2, 2, 5, 4))
  end)

  it('5x5 with padding 2, no bias', function()
    gradcheck(nn.Conv2d(1, 2, 5, { padding = 2, bias = false }), iddl.randn(1, 1, 5, 6))
  end)

  it('1x1: pointwise and strided', function()
    gradcheck(nn.Conv2d(3, 2, 1), iddl.randn(2, 3, 3, 3))
    gradcheck(nn.Conv2d(3, 2, 1, { stride = 2 }), iddl.randn(2, 3, 5, 3))
  end)

  it('groups 2 and 4', function()
    gradcheck(nn.Conv2d(4, 2, 3, { groups = 2, padding = 1 }), iddl.randn(2, 4, 4, 3))
    gradcheck(nn.Conv2d(4, 4, 1, { groups = 4 }), iddl.randn(2, 4, 3, 3))
  end)

  it('non-square kernel, stride and padding; dilation 2', function()
    gradcheck(nn.Conv2d(2, 2, { 3, 1 }, { stride = { 2, 1 }, padding = { 1, 0 } }),
              iddl.randn(2, 2, 5, 3))
    gradcheck(nn.Conv2d(2, 2, 3, { dilation = 2, padding = 1 }), iddl.randn(1, 2, 6, 5))
  end)

  it('small images batched several per product, on both threading paths', function()
    for _, threading in ipairs { 'batch', 'gemm' } do
      gradcheck(nn.Conv2d(2, 4, 3, { padding = 1, groups = 2, threading = threading,
                                     chunk = 2 }), iddl.randn(5, 2, 2, 2))
    end
  end)

  it('large images in tiles of output rows (col2im accumulates across tiles)', function()
    gradcheck(nn.Conv2d(2, 3, 3, { padding = 1, chunk = 1, tile = 2 }), iddl.randn(2, 2, 5, 4))
    gradcheck(nn.Conv2d(2, 2, 3, { stride = 2, padding = 2, chunk = 1, tile = 1 }),
              iddl.randn(1, 2, 5, 5))
  end)

  it('Winograd: tile rows of one image and chunks of images, paddings 0-2', function()
    for pad = 0, 2 do
      gradcheck(nn.Conv2d(2, 3, 3, { padding = pad, algorithm = 'winograd', chunk = 1 }),
                iddl.randn(2, 2, 5, 6))
      gradcheck(nn.Conv2d(4, 2, 3, { padding = pad, groups = 2, algorithm = 'winograd',
                                     chunk = 2 }), iddl.randn(3, 4, 3, 4))
    end
  end)

  it('one unbatched image (C, H, W)', function()
    gradcheck(nn.Conv2d(2, 3, 3, { padding = 1 }), iddl.randn(2, 4, 3))
  end)
end)
