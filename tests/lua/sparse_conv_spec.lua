-- sparse_conv_spec.lua - nn.SparseConv2d / BibdConv2d / RandomSparseConv2d:
-- parity with a dense nn.Conv2d holding dense_weight() (forward, gradInput,
-- masked gradWeight, bias), storage and counts, masks, initialisation,
-- describe(), and errors on bad input.
local iddl = iddl or require 'iddl'
local H = dofile(debug.getinfo(1, 'S').source:match('^@(.*[/\\])') .. 'helpers.lua')
local nn = iddl.nn

-- A random (rows, cols) 0/1 mask with about `p` of the entries set.
local function random_mask(rows, cols, p)
  return iddl.rand(rows, cols):lt(p or 0.3)
end

-- The (cout, cin/groups, kh, kw) mask of m broadcast over its kernel.
local function kernel_mask(m)
  local kh, kw = m.kernel_size[1], m.kernel_size[2]
  return m.mask:view(m.out_channels, m.in_channels // m.groups, 1, 1)
           :expand(m.out_channels, m.in_channels // m.groups, kh, kw)
end

-- Checks m against the dense nn.Conv2d with its dense weight on input x.
local function parity(m, x, conv_opts)
  local d = nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, conv_opts)
  d.weight:copy_(m:dense_weight())
  if m.bias then d.bias:copy_(m.bias) end
  local y = m:forward(x)
  H.assert_close(y, d:forward(x), 1e-4, 1e-4, 'output')
  local g = iddl.randn(y:size())
  m:zero_grad()
  d:zero_grad()
  H.assert_close(m:backward(x, g), d:backward(x, g), 1e-4, 1e-4, 'gradInput')
  H.assert_close(m:dense_weight(m.gradWeight), d.gradWeight * kernel_mask(m),
                 1e-4, 1e-3, 'gradWeight')
  if m.bias then H.assert_close(m.gradBias, d.gradBias, 1e-4, 1e-3, 'gradBias') end
end

describe('nn.SparseConv2d', function()
  before_each(function() iddl.manual_seed(11) end)

  it('equals a dense Conv2d with its dense weight, groups 1, 2 and 4', function()
    for _, groups in ipairs { 1, 2, 4 } do
      for _, geo in ipairs { { k = 3, stride = 1, padding = 1 },
                             { k = 3, stride = 2, padding = 1 },
                             { k = 1, stride = 1, padding = 0 } } do
        local opts = { mask = random_mask(16, 16 // groups, 0.4), groups = groups,
                       stride = geo.stride, padding = geo.padding, bias = true }
        local m = nn.SparseConv2d(16, 16, geo.k, opts)
        local conv_opts = { groups = groups, stride = geo.stride, padding = geo.padding }
        parity(m, iddl.randn(5, 16, 9, 7), conv_opts)    -- several chunks, threads
        parity(m, iddl.randn(1, 16, 20, 20), conv_opts)  -- one long chunk
      end
    end
  end)

  it('handles 4x4 planes in chunks of many images (ResNet layer 4)', function()
    local m = nn.BibdConv2d(64, 32, 3, { mask = 'paper', padding = 1 })
    parity(m, iddl.randn(70, 64, 4, 4), { padding = 1, bias = false })
  end)

  it('reads 3x3 inputs in place (stride 1, padding 1): rows of 4 to 72 pixels, '
     .. 'vectors across rows, odd vector counts, row tiles, a shorter last tile', function()
    for _, case in ipairs { { 7, 16, 4, 4 }, { 3, 16, 8, 8 }, { 5, 8, 12, 12 },
                            { 3, 8, 16, 16 }, { 2, 32, 32, 32 },
                            { 1, 8, 34, 36 }, { 1, 8, 75, 72 } } do -- short last tiles
      local m = nn.SparseConv2d(case[2], 24, 3, { mask = random_mask(24, case[2], 0.3),
                                                  padding = 1, bias = true })
      parity(m, iddl.randn(case[1], case[2], case[3], case[4]), { padding = 1 })
    end
  end)

  it('gives dead outputs their bias and zero gradients', function()
    local mask = random_mask(4, 3, 0.6)
    mask[2]:zero_()
    local m = nn.SparseConv2d(3, 4, 3, { mask = mask, bias = true, padding = 1 })
    parity(m, iddl.randn(2, 3, 4, 4), { padding = 1 })
    local y = m:forward(iddl.randn(2, 3, 4, 4))
    H.assert_close(y:select(2, 2), iddl.full({ 2, 4, 4 }, m.bias[2]), 0, 0, 'dead output')
  end)

  it('handles an all-zero mask and an empty batch', function()
    local m = nn.SparseConv2d(3, 2, 3, { mask = iddl.zeros(2, 3), bias = true, padding = 1 })
    assert.are.equal(2, m:nparams())
    local x = iddl.randn(2, 3, 4, 4)
    local y = m:forward(x)
    H.assert_close(y:select(2, 1), iddl.full({ 2, 4, 4 }, m.bias[1]), 0, 0, 'bias only')
    H.assert_close(m:backward(x, iddl.randn(y:size())), iddl.zeros(2, 3, 4, 4), 0, 0)
    local b = nn.BibdConv2d(8, 8, 3, { mask = 'paper', padding = 1 })
    assert.are.same({ 0, 8, 5, 5 }, b:forward(iddl.randn(0, 8, 5, 5)):size())
    assert.are.same({ 0, 8, 5, 5 }, b:backward(iddl.randn(0, 8, 5, 5),
                                               iddl.randn(0, 8, 5, 5)):size())
  end)

  it('stores only the connected kernels and counts them', function()
    local mask = random_mask(8, 6, 0.5)
    local nnz = math.tointeger(mask:sum())
    local m = nn.SparseConv2d(6, 8, { 3, 2 }, { mask = mask })
    assert.are.same({ nnz, 3, 2 }, m.weight:size())
    assert.are.same({ nnz, 3, 2 }, m.gradWeight:size())
    assert.are.same({ 8, 6, 3, 2 }, m:dense_weight():size())
    assert.are.equal(nnz * 6, m:nparams())
    local mb = nn.SparseConv2d(6, 8, 3, { mask = mask, bias = true })
    assert.are.equal(nnz * 9 + 8, mb:nparams())
    -- flops: floor(dense MACs * density) = nnz*Ho*Wo*kh*kw
    local f, out = mb:flops { 6, 10, 10 }
    assert.are.same({ 8, 8, 8 }, out)
    assert.are.equal(nnz * 64 * 9, f)
    assert.are.equal(math.floor(8 * 64 * 6 * 9 * (nnz / 48) + 0.5), f)
  end)

  it('initialises as the seed: kaiming normal, fan_out, on the connected kernels', function()
    local m = nn.BibdConv2d(128, 128, 3, { mask = 'paper' })
    local std = math.sqrt(2 / (128 * 9))
    local w = m.weight
    assert.is_true(math.abs(w:mean()) < 0.1 * std)
    assert.is_true(math.abs(w:std() / std - 1) < 0.05)
    assert.are.equal(0, (m:dense_weight() * (1 - kernel_mask(m))):abs():sum())
  end)

  it('takes the masks of iddl.bibd.mask, restricted to cin/groups columns', function()
    local paper = iddl.bibd.mask(64, 64, 'paper')
    H.assert_close(nn.BibdConv2d(64, 64, 3, { mask = 'paper' }).mask, paper, 0, 0)
    H.assert_close(nn.BibdConv2d(64, 64, 3, { mask = 'paper', groups = 4 }).mask,
                   paper:narrow(2, 1, 16), 0, 0)
    H.assert_close(nn.BibdConv2d(16, 20, 3).mask, iddl.bibd.mask(16, 20), 0, 0)
    local r1 = nn.RandomSparseConv2d(64, 64, 3, { seed = 5 })
    local r2 = nn.RandomSparseConv2d(64, 64, 3, { seed = 5, like = 'paper' })
    H.assert_close(r1.mask, r2.mask, 0, 0)
    H.assert_close(r1.mask:sum(2), paper:sum(2), 0, 0, 'fan-in of paper')
  end)

  it('describes itself', function()
    assert.are.equal('nn.BibdConv2d(64 -> 64, 3x3, pad 1, paper, 512 of 4096 channel pairs (12.5%))',
                     nn.BibdConv2d(64, 64, 3, { mask = 'paper', padding = 1 }):describe())
    local m = nn.RandomSparseConv2d(64, 128, 1, { stride = 2, groups = 2, seed = 1 })
    assert.is_truthy(m:describe():match('^nn.RandomSparseConv2d%(64 %-> 128, 1x1, '
                                        .. 'stride 2, groups 2, like paper, seed 1, '))
  end)

  it('rejects bad masks, sizes, options and inputs', function()
    assert.has_error(function() nn.SparseConv2d(8, 4, 3, { mask = iddl.ones(4, 8), groups = 2 }) end,
      'nn.SparseConv2d: the mask must be 4x4 (out, in/groups), got shape 4x8')
    assert.has_error(function() nn.SparseConv2d(8, 4, 3) end,
      'nn.SparseConv2d: opts.mask must be a (4, 8) tensor, got nil')
    assert.has_error(function() nn.BibdConv2d(6, 4, 3, { groups = 4 }) end,
      'nn.BibdConv2d: in_channels 6 is not divisible by groups 4')
    assert.has_error(function() nn.BibdConv2d(8, 6, 3, { groups = 4 }) end,
      'nn.BibdConv2d: out_channels 6 is not divisible by groups 4')
    assert.has_error(function() nn.BibdConv2d(8, 8, 3, { mask = iddl.ones(8, 4) }) end,
      'nn.BibdConv2d: the mask must be 8x8 (out, in/groups), got shape 8x4')
    assert.has_error(function() nn.BibdConv2d(8, 8, 3, { stide = 2 }) end,
      'nn.BibdConv2d: unknown option stide')
    assert.has_error(function() nn.BibdConv2d(8, 8, 0) end,
      'nn.BibdConv2d: kernel size must be an integer >= 1 or a pair {h, w} of them, got 0')
    assert.has_error(function() nn.SparseConv2d(2, 2, 1, { mask = iddl.full({ 2, 2 }, 2) }) end)
    local m = nn.BibdConv2d(8, 8, 3, { mask = 'paper' })
    assert.has_error(function() m:forward(iddl.randn(2, 4, 5, 5)) end,
      'sparse conv: input of shape 2x4x5x5 does not fit 8 input channels (expected (N, 8, H, W) or (8, H, W))')
    assert.has_error(function() m:forward(iddl.randn(8, 5)) end,
      'sparse conv: input of shape 8x5 does not fit 8 input channels (expected (N, 8, H, W) or (8, H, W))')
    assert.has_error(function() m:forward(iddl.randn(1, 8, 2, 2)) end)
    local x = iddl.randn(1, 8, 5, 5)
    m:forward(x)
    assert.has_error(function() m:backward(x, iddl.randn(1, 8, 4, 4)) end,
      'sparse conv: gradOutput of shape 1x8x4x4 does not fit the output shape 1x8x3x3 (input of shape 1x8x5x5)')
    assert.has_error(function() m:set_dense_weight(iddl.ones(8, 8, 3, 3)) end)
    assert.has_error(function() m:flops { 4, 5, 5 } end)
  end)
end)
