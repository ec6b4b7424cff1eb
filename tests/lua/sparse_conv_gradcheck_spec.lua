-- sparse_conv_gradcheck_spec.lua - finite-difference checks of the
-- channel-sparse convolutions' backward: d L / d input, d L / d weight
-- (packed) and d L / d bias with L = sum(output .* R) for a fixed random R.
-- Central differences in float32 with eps = 1e-2 (L is linear in each
-- argument, so the only error is rounding); agreement within
-- |analytic - numeric| <= 2e-3 + 1e-2 * |numeric|. Every element of the
-- small tensors is checked (up to MAX_CHECKED), on odd geometries.
local iddl = iddl or require 'iddl'
local nn = iddl.nn

local H = dofile(debug.getinfo(1, 'S').source:match('^@(.*[/\\])') .. 'helpers.lua')

local MAX_CHECKED = 400 -- elements checked per tensor
local function gradcheck(m, x) H.gradcheck(m, x, { max = MAX_CHECKED }) end

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
