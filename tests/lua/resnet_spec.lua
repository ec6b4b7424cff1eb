-- resnet_spec.lua - iddl.models.resnet: the seed's FLOPs table to the last
-- digit, shapes through the network, names, and bad options.
local iddl = iddl or require 'iddl'
local nn = iddl.nn

-- MACs per 3x32x32 image in millions, rounded as the seed prints them.
local function mflops(opts)
  local f = iddl.models.resnet(opts):flops{3, 32, 32}
  return string.format('%.2f', f / 1e6)
end

describe('models.resnet', function()
  before_each(function() iddl.manual_seed(1) end)

  it("reproduces the seed's dense FLOPs: 556.65 / 1161.45 / 1304.69", function()
    assert.are.equal('556.65', mflops{depth = 18})
    assert.are.equal('1161.45', mflops{depth = 34})
    assert.are.equal('1304.69', mflops{depth = 50})
  end)

  it("reproduces the seed's B-ResNet FLOPs with 'paper' masks: 54.71 / 99.70 / 205.03", function()
    assert.are.equal('54.71', mflops{depth = 18, sparsity = 'bibd'})
    assert.are.equal('99.70', mflops{depth = 34, sparsity = 'bibd'})
    assert.are.equal('205.03', mflops{depth = 50, sparsity = 'bibd'})
  end)

  it('gives R-ResNet the FLOPs of B-ResNet (same fan-in per output)', function()
    assert.are.equal('54.71', mflops{name = 'R-ResNet-18', seed = 3})
    assert.are.equal('205.03', mflops{name = 'R-ResNet-50', seed = 3})
  end)

  it('counts dense ResNet-18 parameters as PyTorch does (11,173,962)', function()
    assert.are.equal(11173962, iddl.models.resnet{depth = 18}:nparams())
  end)

  it('groups divide the block convolutions', function()
    local dense = iddl.models.resnet{depth = 18}:flops{3, 32, 32}
    local g4 = iddl.models.resnet{depth = 18, groups = 4}:flops{3, 32, 32}
    assert.is_true(g4 < dense / 2)
  end)

  it('maps a batch of 3x32x32 images to class scores and back', function()
    local m = iddl.models.resnet{depth = 18, sparsity = 'bibd'}
    local x = iddl.randn(2, 3, 32, 32)
    local y = m:forward(x)
    assert.are.same({2, 10}, y:size())
    local g = m:backward(x, iddl.ones(2, 10))
    assert.are.same({2, 3, 32, 32}, g:size())
  end)

  it('names models from their options and reads names', function()
    assert.are.equal('B-ResNet-34', iddl.models.resnet{depth = 34, sparsity = 'bibd'}.name)
    local m = iddl.models.resnet{name = 'R-ResNet-18'}
    assert.are.equal('R-ResNet-18', m.name)
  end)

  it('rejects unknown depths, sparsities and names', function()
    assert.has_error(function() iddl.models.resnet{depth = 20} end,
      'models.resnet: depth must be 18, 34, 50, 101 or 152, got 20')
    assert.has_error(function() iddl.models.resnet{sparsity = 'dense'} end,
      "models.resnet: sparsity must be 'none', 'bibd' or 'random', got dense")
    assert.has_error(function() iddl.models.resnet{name = 'VGG-16'} end)
  end)
end)
