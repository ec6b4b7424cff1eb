-- sparse_conv_gradcheck_spec.lua - finite-difference checks of the
-- channel-sparse convolutions' backward: d L / d input, d L / d weight
-- (packed) and d L / d bias with L = sum(output .* R) for a fixed random R.
-- Central differences in float32 with eps = 1e-2 (L is linear in each
-- argument, so the only error is rounding); agreement within
-- |analytic - numeric| <= 2e-3 + 1e-2 * |numeric|. Every element of the
-- small tensors is checked (up to MAX_CHECKED), on odd geometries.
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

-- A random (rows, cols) 0/1 mask with about half the entries set and at
-- least one per row.
local function random_mask(rows, cols)
  local m = iddl.rand(rows, cols):lt(0.5)
  for o = 1, rows do m[o][(o - 1) % cols + 1] = 1 end
  return m
end

describe('sparse conv gradient checks', function()
  before_each(function() iddl.manual_seed(7) end)

  it('3x3, padding 1, stride 1 and 2, batch 1 and 3, odd H/W', function()
    for _, stride in ipairs { 1, 2 } do
      for _, n in ipairs { 1, 3 } do
        gradcheck(nn.SparseConv2d(4, 3, 3, { mask = random_mask(3, 4), padding = 1,
                                             stride = stride, bias = true }),
                  iddl.randn(n, 4, 5, 3))
      end
    end
  end)

  it('1x1: pointwise (no im2col) and strided', function()
    gradcheck(nn.SparseConv2d(4, 3, 1, { mask = random_mask(3, 4), bias = true }),
              iddl.randn(1, 4, 3, 5))
    gradcheck(nn.SparseConv2d(4, 3, 1, { mask = random_mask(3, 4) }),
              iddl.randn(3, 4, 3, 5))
    gradcheck(nn.SparseConv2d(4, 3, 1, { mask = random_mask(3, 4), stride = 2 }),
              iddl.randn(3, 4, 5, 3))
  end)

  it('groups 2: BIBD and random masks, kernels 1 and 3', function()
    gradcheck(nn.BibdConv2d(8, 6, 3, { mask = 'paper', groups = 2, padding = 1,
                                       stride = 2 }), iddl.randn(3, 8, 5, 5))
    gradcheck(nn.RandomSparseConv2d(8, 6, 1, { groups = 2, seed = 3, bias = true }),
              iddl.randn(1, 8, 3, 3))
  end)

  it('one image (3-D input) and several images per product', function()
    gradcheck(nn.SparseConv2d(3, 4, 3, { mask = random_mask(4, 3), padding = 1 }),
              iddl.randn(3, 3, 3))
    gradcheck(nn.SparseConv2d(3, 4, 3, { mask = random_mask(4, 3), padding = 1,
                                         chunk = 2 }), iddl.randn(5, 3, 3, 3))
  end)
end)
