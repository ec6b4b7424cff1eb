-- nn/sparse_conv.lua - channel-sparse 2-D convolutions that store and
-- compute only the connected kernels (see doc/nn.md, "Sparse convolutions"):
--
--   nn.SparseConv2d(cin, cout, k, {mask = m, ...})  m (cout, cin/groups) 0/1
--   nn.BibdConv2d(cin, cout, k[, opts])             mask from iddl.bibd.mask
--   nn.RandomSparseConv2d(cin, cout, k[, opts])     same fan-in, random inputs
--
-- Output channel o sees input channel group(o)*cin/groups + j, with its
-- whole kh x kw kernel, iff mask[o][j] = 1 (the seed's masked convolution).
-- weight / gradWeight are packed (nnz, kh, kw): the connected kernels in the
-- row-major order of the mask's ones; m:dense_weight() gives the (cout,
-- cin/groups, kh, kw) equivalent. Options as nn.Conv2d: stride, padding,
-- dilation (numbers or {h, w}), groups, bias (default false, as the seed's
-- sparse layers); chunk = images per product (0 = automatic).
local iddl = require 'iddl.core'
local sc = require 'iddl.sparse_core'
local core = require 'iddl.sparse_conv_core'
local M = require 'iddl.nn.module'
local init = require 'iddl.nn.weight_init'
local Conv2d = require 'iddl.nn.conv'
local bibd = require 'iddl.bibd'

local SparseConv2d = M.class('nn.SparseConv2d', M.Module)

-- The kernels' scratch (column matrices of chunks of images), shared by
-- every sparse convolution of this Lua state: it grows to the largest
-- layer's need and is reused, so a training step allocates nothing.
local scratch = iddl.empty(0)

local OPTIONS = { stride = true, padding = true, dilation = true, groups = true,
                  bias = true, chunk = true, mask = true, like = true, seed = true }

-- The (cout, cin) mask over all input channels: output o's group block of
-- columns holds its row of the (cout, cin/groups) mask, zeros elsewhere.
local function global_mask(mask, cin, cout, groups)
  if groups == 1 then return mask end
  local full = iddl.zeros(cout, cin)
  local og, cg = cout // groups, cin // groups
  for g = 0, groups - 1 do
    full:narrow(1, g * og + 1, og):narrow(2, g * cg + 1, cg)
        :copy_(mask:narrow(1, g * og + 1, og))
  end
  return full
end

-- SparseConv2d(cin, cout, k, opts): opts.mask a (cout, cin/groups) tensor of
-- zeros and ones (output channels without any one are allowed: they stay
-- at their bias); the other options as the file header says.
function SparseConv2d:__init(cin, cout, k, opts)
  M.Module.__init(self)
  opts = opts or {}
  local cls = self:typename()
  Conv2d.set_geometry(self, cls, cin, cout, k, opts, OPTIONS)
  local groups = self.groups
  local mask = self._mask or opts.mask
  if not iddl.is_tensor(mask) then
    error(string.format('%s: opts.mask must be a (%d, %d) tensor, got %s', cls,
                        cout, cin // groups, type(mask)), 3)
  end
  if mask:dim() ~= 2 or mask:size(1) ~= cout or mask:size(2) ~= cin // groups then
    error(string.format('%s: the mask must be %dx%d (out, in/groups), got shape %s',
                        cls, cout, cin // groups, mask:shape_str()), 3)
  end
  self.chunk = opts.chunk or 0
  if math.type(self.chunk) ~= 'integer' or self.chunk < 0 then
    error(cls .. ': chunk must be an integer >= 0, got ' .. tostring(self.chunk), 3)
  end
  local ok, err = pcall(function()
    self.mask = mask:contiguous():clone()
    self.local_pattern = sc.pattern(self.mask)   -- (cout, cin/groups): packing
    self.pattern = groups == 1 and self.local_pattern   -- (cout, cin): kernels
                   or sc.pattern(global_mask(self.mask, cin, cout, groups))
  end)
  if not ok then error(cls .. ': ' .. tostring(err), 3) end
  local nnz, kh, kw = self.pattern:nnz(), self.kernel_size[1], self.kernel_size[2]
  self.weight = iddl.empty(nnz, kh, kw)
  self.gradWeight = iddl.zeros(nnz, kh, kw)
  if opts.bias then
    self.bias = iddl.empty(cout)
    self.gradBias = iddl.zeros(cout)
  end
  self:reset()
end

-- Draws fresh parameters as the seed's BibdConv2d: kaiming normal (mode
-- fan_out, std = sqrt(2 / (cout*kh*kw))) for the whole dense (cout,
-- cin/groups, kh, kw) weight, of which the connected kernels are kept (so
-- it consumes as many normals of iddl's generator as the dense weight).
-- The bias (when there is one) is PyTorch's default, U(-1/sqrt(fan_in),
-- 1/sqrt(fan_in)) with fan_in = cin/groups*kh*kw.
function SparseConv2d:reset()
  local kh, kw = self.kernel_size[1], self.kernel_size[2]
  local dense = iddl.empty(self.out_channels, self.in_channels // self.groups, kh, kw)
  init.kaiming_normal_(dense, { mode = 'fan_out', nonlinearity = 'relu' })
  self:set_dense_weight(dense, true)
  if self.bias then
    local bound = 1 / math.sqrt(self.in_channels // self.groups * kh * kw)
    self.bias:uniform_(-bound, bound)
  end
  return self
end

-- The geometry arguments of the sparse_conv_core kernels.
local function geom(self)
  local k, s, p, d = self.kernel_size, self.stride, self.padding, self.dilation
  return k[1], k[2], s[1], s[2], p[1], p[2], d[1], d[2], self.chunk
end

-- output (N, cout, Ho, Wo) (or (cout, Ho, Wo) for one image) of input
-- (N, cin, H, W) (or (cin, H, W)); an error names a wrong shape.
function SparseConv2d:updateOutput(input)
  return core.forward(self.pattern, self.output, scratch, input, self.weight,
                      self.bias, geom(self))
end

-- gradInput (input's shape) for gradOutput (the output's shape).
function SparseConv2d:updateGradInput(input, gradOutput)
  return core.backward(self.pattern, self.gradInput, nil, nil, scratch, input,
                       gradOutput, self.weight, 1, geom(self))
end

-- Adds scale (default 1) * the gradients of the packed weight (and bias)
-- to gradWeight (and gradBias).
function SparseConv2d:accGradParameters(input, gradOutput, scale)
  core.backward(self.pattern, nil, self.gradWeight, self.gradBias, scratch,
                input, gradOutput, self.weight, scale or 1, geom(self))
end

-- Both gradients in one sweep over the batch (gradOutput is regrouped once).
function SparseConv2d:backward(input, gradOutput, scale)
  local gin = self.need_input_grad ~= false and self.gradInput or nil
  return core.backward(self.pattern, gin, self.gradWeight, self.gradBias,
                       scratch, input, gradOutput, self.weight, scale or 1,
                       geom(self))
end

-- The (cout, cin/groups, kh, kw) dense equivalent of the packed weight
-- (or of `packed`, e.g. m.gradWeight): the connected kernels, zeros
-- elsewhere (a new tensor).
function SparseConv2d:dense_weight(packed)
  local kh, kw = self.kernel_size[1], self.kernel_size[2]
  return sc.unpack(self.local_pattern, packed or self.weight, iddl.empty(0))
           :view(self.out_channels, self.in_channels // self.groups, kh, kw)
end

-- Loads the weights from a dense (cout, cin/groups, kh, kw) tensor; unless
-- `lenient`, it must be zero at every unconnected kernel (an error
-- otherwise, leaving the weights unchanged). Returns self.
function SparseConv2d:set_dense_weight(w, lenient)
  local cls = self:typename()
  local o, c = self.out_channels, self.in_channels // self.groups
  local kh, kw = self.kernel_size[1], self.kernel_size[2]
  if not iddl.is_tensor(w) or w:dim() ~= 4 or w:size(1) ~= o or w:size(2) ~= c
      or w:size(3) ~= kh or w:size(4) ~= kw then
    error(string.format('%s: set_dense_weight: expected a %dx%dx%dx%d tensor, got %s',
                        cls, o, c, kh, kw,
                        iddl.is_tensor(w) and 'shape ' .. w:shape_str() or type(w)), 2)
  end
  local ok, packed = pcall(sc.pack, self.local_pattern, w, iddl.empty(0), not lenient)
  if not ok then error(cls .. ': set_dense_weight: ' .. tostring(packed), 2) end
  self.weight:copy_(packed:view(self.weight:size()))
  return self
end

-- flops({cin, H, W}) -> floor(dense MACs * density), {cout, Ho, Wo}: dense
-- MACs = cout*Ho*Wo*(cin/groups)*kh*kw and density = nnz / (cout *
-- cin/groups), which is exactly nnz*Ho*Wo*kh*kw (computed so, in integers).
function SparseConv2d:flops(shape)
  local out = Conv2d.out_shape(self, shape, 2)
  local kk = self.kernel_size[1] * self.kernel_size[2]
  return self.pattern:nnz() * out[2] * out[3] * kk, out
end

-- The part of describe() after the geometry (the mask's origin); none here.
function SparseConv2d:_origin() return nil end

-- e.g. nn.BibdConv2d(64 -> 64, 3x3, pad 1, paper, 512 of 4096 channel
-- pairs (12.5%)); only settings that differ from the defaults are shown.
function SparseConv2d:describe()
  local parts = Conv2d.geometry_parts(self)
  local origin = self:_origin()
  if origin ~= nil then parts[#parts + 1] = origin end
  local nnz = self.pattern:nnz()
  local all = self.out_channels * (self.in_channels // self.groups)
  local pct = 100 * nnz / all
  parts[#parts + 1] = string.format('%d of %d channel pairs (%s%%)', nnz, all,
    (pct > 0 and pct < 0.1) and string.format('%.2g', pct) or string.format('%.1f', pct))
  if self.bias ~= nil then parts[#parts + 1] = 'bias' end
  return string.format('%s(%s)', self:typename(), table.concat(parts, ', '))
end

-- iddl.bibd.mask(cin, cout, method, mopts) restricted to its first
-- cin/groups columns, as the seed does (level: the user's call).
local function bibd_mask(cls, cin, cout, groups, method, mopts)
  local ok, mask, reason = pcall(bibd.mask, cin, cout, method, mopts)
  if not ok or not iddl.is_tensor(mask) then
    error(string.format('%s: iddl.bibd.mask gave no %s mask for %d -> %d: %s', cls,
                        tostring(method), cin, cout, tostring(ok and reason or mask)), 4)
  end
  if groups > 1 then mask = mask:narrow(2, 1, cin // groups):contiguous() end
  return mask
end

-- BibdConv2d(cin, cout, k, opts): the mask is iddl.bibd.mask(cin, cout,
-- opts.mask) (a method name: 'paper' (the seed's), 'design', ...; nil for
-- iddl.bibd.mask's default) restricted to the first cin/groups columns, or
-- opts.mask itself when it is a (cout, cin/groups) tensor. Other options as
-- SparseConv2d.
local BibdConv2d = M.class('nn.BibdConv2d', SparseConv2d)

function BibdConv2d:__init(cin, cout, k, opts)
  opts = opts or {}
  Conv2d.set_geometry(self, 'nn.BibdConv2d', cin, cout, k, opts, OPTIONS)
  local groups = self.groups
  if iddl.is_tensor(opts.mask) then
    self.mask_method = 'custom'
  else
    self.mask_method = opts.mask or 'default'
    self._mask = bibd_mask('nn.BibdConv2d', cin, cout, groups, opts.mask, opts)
  end
  SparseConv2d.__init(self, cin, cout, k, opts)
  self._mask = nil
end

-- 'paper', 'design', 'default' or 'custom', for describe().
function BibdConv2d:_origin() return self.mask_method end

-- RandomSparseConv2d(cin, cout, k, opts): each output channel keeps the
-- fan-in of the structured mask opts.like ('paper' (default) or 'design')
-- at random input channels drawn with opts.seed (default: a seed drawn from
-- iddl's generator); see iddl.bibd.mask(cin, cout, 'random', opts). Other
-- options as SparseConv2d.
local RandomSparseConv2d = M.class('nn.RandomSparseConv2d', SparseConv2d)

function RandomSparseConv2d:__init(cin, cout, k, opts)
  opts = opts or {}
  Conv2d.set_geometry(self, 'nn.RandomSparseConv2d', cin, cout, k, opts, OPTIONS)
  local groups = self.groups
  self.like, self.seed = opts.like or 'paper', opts.seed
  self._mask = bibd_mask('nn.RandomSparseConv2d', cin, cout, groups, 'random',
                         { like = self.like, seed = self.seed })
  SparseConv2d.__init(self, cin, cout, k, opts)
  self._mask = nil
end

-- 'like paper, seed 3', for describe().
function RandomSparseConv2d:_origin()
  return 'like ' .. self.like .. (self.seed and ', seed ' .. self.seed or '')
end

return { SparseConv2d = SparseConv2d, BibdConv2d = BibdConv2d,
         RandomSparseConv2d = RandomSparseConv2d }
