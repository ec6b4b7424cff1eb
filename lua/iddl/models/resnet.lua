-- models.resnet: the seed's CIFAR ResNets and their sparse and grouped
-- variants.
--
--   iddl.models.resnet{depth = 18}                       -- ResNet-18
--   iddl.models.resnet{depth = 50, sparsity = 'bibd'}    -- B-ResNet-50
--   iddl.models.resnet{name = 'R-ResNet-34', seed = 1}   -- R-ResNet-34
--   iddl.models.resnet{depth = 18, groups = 4}           -- vertical partitioning
--
-- The CIFAR variant of the seed: a 3x3 stem convolution (64 channels, no
-- max-pool), four stages of BasicBlocks (18, 34) or Bottlenecks (50, 101,
-- 152) at 64/128/256/512 planes, strides 1/2/2/2, a 1x1 convolution +
-- BatchNorm shortcut where the shape changes, average pooling over 4x4 and
-- a linear classifier. With sparsity 'bibd' or 'random' every convolution
-- inside a block is channel-sparse (the stem, the shortcuts and the
-- classifier stay dense, as in the seed); `groups` splits the same block
-- convolutions into groups (the seed's grouped ResNet). Each BatchNorm
-- followed by a ReLU is one nn.BatchNorm2d(c, {relu = true}) (the same
-- function, one pass over the activations).
local nn = require 'iddl.nn'

local M = {}

-- Blocks per stage and the block type of each depth.
M.depths = {
  [18] = { 'basic', { 2, 2, 2, 2 } }, [34] = { 'basic', { 3, 4, 6, 3 } },
  [50] = { 'bottleneck', { 3, 4, 6, 3 } }, [101] = { 'bottleneck', { 3, 4, 23, 3 } },
  [152] = { 'bottleneck', { 3, 8, 36, 3 } },
}
local expansion = { basic = 1, bottleneck = 4 }
local prefix = { none = '', bibd = 'B-', random = 'R-' }

-- Reads 'B-ResNet-50' into opts.sparsity and opts.depth.
local function parse_name(opts)
  local p, d = opts.name:match('^([BR]?%-?)ResNet%-(%d+)$')
  if not p then
    error(string.format("models.resnet: unknown name '%s' (expected ResNet-18, "
                        .. "B-ResNet-34, R-ResNet-50 ...)", opts.name), 3)
  end
  opts.depth = opts.depth or tonumber(d)
  opts.sparsity = opts.sparsity or ({ [''] = 'none', ['B-'] = 'bibd', ['R-'] = 'random' })[p]
end

-- A block convolution: dense, grouped, BIBD or random-sparse per opts.
local function block_conv(opts, cin, cout, k, stride)
  local conv_opts = { stride = stride, padding = (k - 1) // 2,
                      groups = opts.groups, bias = false }
  if opts.sparsity == 'bibd' then
    conv_opts.mask = opts.mask
    return nn.BibdConv2d(cin, cout, k, conv_opts)
  elseif opts.sparsity == 'random' then
    conv_opts.like, conv_opts.seed = opts.mask, opts.seed
    return nn.RandomSparseConv2d(cin, cout, k, conv_opts)
  end
  return nn.Conv2d(cin, cout, k, conv_opts)
end

-- BatchNorm2d followed by ReLU, fused into one module (one pass over the
-- activations instead of three).
local function bn_relu(c) return nn.BatchNorm2d(c, { relu = true }) end

-- The residual branch of a block taking cin channels to planes*expansion.
local function branch(opts, kind, cin, planes, stride)
  if kind == 'basic' then
    return nn.Sequential{
      block_conv(opts, cin, planes, 3, stride), bn_relu(planes),
      block_conv(opts, planes, planes, 3, 1), nn.BatchNorm2d(planes) }
  end
  return nn.Sequential{
    block_conv(opts, cin, planes, 1, 1), bn_relu(planes),
    block_conv(opts, planes, planes, 3, stride), bn_relu(planes),
    block_conv(opts, planes, 4 * planes, 1, 1), nn.BatchNorm2d(4 * planes) }
end

-- relu(branch(x) + shortcut(x)); the shortcut is the identity unless the
-- stride or the channel count changes.
local function block(opts, kind, cin, planes, stride)
  local cout = planes * expansion[kind]
  local add
  if stride ~= 1 or cin ~= cout then
    add = nn.Add{ branch(opts, kind, cin, planes, stride),
                  nn.Sequential{ nn.Conv2d(cin, cout, 1, { stride = stride, bias = false }),
                                 nn.BatchNorm2d(cout) } }
  else
    add = nn.Add{ branch(opts, kind, cin, planes, stride) }
  end
  return nn.Sequential{ add, nn.ReLU() }, cout
end

-- Builds the network (an nn.Sequential; the model's name is in .name).
-- opts: depth (18|34|50|101|152) or name, sparsity ('none'|'bibd'|
-- 'random'), mask ('paper'|'design', the masks of the sparse convolutions;
-- default 'paper', the seed's), seed (random masks), groups (1), classes
-- (10), in_channels (3).
function M.build(opts)
  opts = opts or {}
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  if o.name then parse_name(o) end
  o.depth, o.sparsity = o.depth or 18, o.sparsity or 'none'
  o.groups, o.mask = o.groups or 1, o.mask or 'paper'
  local spec = M.depths[o.depth]
  if not spec then
    error(string.format('models.resnet: depth must be 18, 34, 50, 101 or 152, got %s',
                        tostring(o.depth)), 2)
  end
  if not prefix[o.sparsity] then
    error(string.format("models.resnet: sparsity must be 'none', 'bibd' or 'random', got %s",
                        tostring(o.sparsity)), 2)
  end
  local kind, counts = spec[1], spec[2]
  local net = nn.Sequential{
    nn.Conv2d(o.in_channels or 3, 64, 3, { padding = 1, bias = false }),
    bn_relu(64) }
  local cin = 64
  for stage, planes in ipairs { 64, 128, 256, 512 } do
    for i = 1, counts[stage] do
      local b
      b, cin = block(o, kind, cin, planes, (i == 1 and stage > 1) and 2 or 1)
      net:add(b)
    end
  end
  net:add(nn.AvgPool2d(4))
  net:add(nn.Flatten())
  net:add(nn.Linear(cin, o.classes or 10))
  net.name = o.name or string.format('%sResNet-%d', prefix[o.sparsity], o.depth)
  if o.groups > 1 then net.name = net.name .. string.format(' (groups %d)', o.groups) end
  return net
end

return M
