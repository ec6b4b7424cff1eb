-- nn/sparse_linear.lua - linear layers that store and compute only the
-- connections of a 0/1 mask (see doc/nn.md, "Sparse layers"):
--
--   nn.SparseLinear(mask[, {bias=false}])    mask (out, in), any 0/1 tensor
--   nn.BibdLinear(in, out[, opts])           mask from iddl.bibd.mask
--   nn.RandomSparseLinear(in, out[, opts])   same fan-in at random positions
--
-- y = x S^T (+ b), S the (out, in) matrix that is zero where the mask is.
-- weight / gradWeight are packed: 1-D (nnz), the connected entries in the
-- row-major order of the mask's ones; m:dense_weight() gives S itself.
-- Time and memory of forward and backward are proportional to nnz (the
-- dense mask is kept only as m.mask, for inspection and export).
local iddl = require 'iddl.core'
local sc = require 'iddl.sparse_core'
local M = require 'iddl.nn.module'
local init = require 'iddl.nn.weight_init'
local Linear = require 'iddl.nn.linear'
local bibd = require 'iddl.bibd'

local SparseLinear = M.class('nn.SparseLinear', M.Module)

-- Raises unless v is an integer >= 1; level is the caller's level.
local function check_size(cls, name, v, level)
  if math.type(v) ~= 'integer' or v < 1 then
    error(string.format('%s: %s must be an integer >= 1, got %s', cls, name,
                        tostring(v)), level + 1)
  end
end

-- SparseLinear(mask, opts): mask a 2-D (out, in) tensor of zeros and ones
-- (rows without any one are allowed: those outputs stay at their bias);
-- opts.bias (default false, as the seed's sparse layers).
function SparseLinear:__init(mask, opts)
  M.Module.__init(self)
  opts = opts or {}
  local cls = self:typename()
  if not iddl.is_tensor(mask) then
    error(string.format('%s: mask must be a tensor, got %s', cls, type(mask)), 3)
  end
  if mask:dim() ~= 2 then
    error(string.format('%s: mask must be 2-D (out, in), got shape %s', cls,
                        mask:shape_str()), 3)
  end
  local ok, pattern = pcall(sc.pattern, mask)
  if not ok then error(cls .. ': ' .. tostring(pattern), 3) end
  self.mask = mask:clone()
  self.pattern = pattern
  self.out_features, self.in_features = mask:size(1), mask:size(2)
  local nnz = pattern:nnz()
  self.weight = iddl.empty(nnz)
  self.gradWeight = iddl.zeros(nnz)
  if opts.bias then
    self.bias = iddl.empty(self.out_features)
    self.gradBias = iddl.zeros(self.out_features)
  end
  -- input, output, gradOutput, gradInput in batch tiles (T, n, 16)
  self._xt, self._yt = iddl.empty(0), iddl.empty(0)
  self._gt, self._gxt = iddl.empty(0), iddl.empty(0)
  self._wt = iddl.empty(0) -- the weights in by-input order, for gradInput
  self:reset()
end

-- Draws fresh parameters as the seed does: kaiming normal (fan_in mode,
-- std = sqrt(2 / in_features)) for the whole dense (out, in) weight, of
-- which only the connected entries are kept; so it consumes out * in
-- normals of iddl's generator, like the seed's masked dense layer. The bias
-- (when there is one) is PyTorch's default, U(-1/sqrt(in), 1/sqrt(in)).
function SparseLinear:reset()
  local dense = iddl.empty(self.out_features, self.in_features)
  init.kaiming_normal_(dense, { mode = 'fan_in' })
  sc.pack(self.pattern, dense, self.weight)
  if self.bias then
    local bound = 1 / math.sqrt(self.in_features)
    self.bias:uniform_(-bound, bound)
  end
  return self
end

function SparseLinear:updateOutput(input)
  self._input = input -- backward reuses the tiled copy made here
  return sc.linear_forward(self.pattern, self.output, self._xt, self._yt, input,
                           self.weight, self.bias)
end

-- One backward pass: gradInput if want_input, parameter gradients (scaled)
-- if want_params, sharing the tiled gradOutput. The tiled input
-- comes from the last forward when `input` is the tensor it was given
-- (unchanged since, as Torch7 modules assume), else it is made again.
function SparseLinear:_backward(input, gradOutput, scale, want_input, want_params)
  if want_params and not rawequal(input, self._input) then
    sc.linear_save_input(self.pattern, self._xt, input)
    self._input = input
  end
  local gi = want_input and self.gradInput or nil
  sc.linear_backward(self.pattern, gi, want_params and self.gradWeight or nil,
                     want_params and self.gradBias or nil, self._gxt, self._gt,
                     self._wt, input, gradOutput, self._xt, self.weight, scale)
  return gi
end

function SparseLinear:updateGradInput(input, gradOutput)
  return self:_backward(input, gradOutput, 1, true, false)
end

function SparseLinear:accGradParameters(input, gradOutput, scale)
  self:_backward(input, gradOutput, scale or 1, false, true)
end

-- Both passes at once (gradOutput is tiled once for the two).
function SparseLinear:backward(input, gradOutput, scale)
  return self:_backward(input, gradOutput, scale or 1,
                        self.need_input_grad ~= false, true)
end

-- The (out, in) dense equivalent: the weights at the connections, zeros
-- elsewhere (a new tensor).
function SparseLinear:dense_weight()
  return sc.unpack(self.pattern, self.weight, iddl.empty(0))
end

-- Loads the weights from a dense (out, in) tensor that is zero wherever the
-- mask is (an error otherwise, leaving the weights unchanged). Returns self.
function SparseLinear:set_dense_weight(w)
  local cls = self:typename()
  if not iddl.is_tensor(w) or w:dim() ~= 2 or w:size(1) ~= self.out_features
      or w:size(2) ~= self.in_features then
    error(string.format('%s: set_dense_weight: expected a %dx%d tensor, got %s',
                        cls, self.out_features, self.in_features,
                        iddl.is_tensor(w) and 'shape ' .. w:shape_str() or type(w)), 2)
  end
  local ok, err = pcall(sc.pack, self.pattern, w, self.weight, true)
  if not ok then error(cls .. ': set_dense_weight: ' .. tostring(err), 2) end
  return self
end

-- nnz multiply-accumulates per row (bias adds are not counted): for the
-- seed's masks this equals its floor(in * out * density).
function SparseLinear:flops(shape)
  local out, rows = Linear.out_shape(self, shape, 2)
  return rows * self.pattern:nnz(), out
end

-- The part of describe() after the sizes (the mask's origin); none here.
function SparseLinear:_origin() return nil end

-- e.g. nn.BibdLinear(784 -> 49, paper, 1372 of 38416 connections (3.6%)).
function SparseLinear:describe()
  local nnz, all = self.pattern:nnz(), self.in_features * self.out_features
  local pct = 100 * nnz / all
  local parts = { string.format('%d -> %d', self.in_features, self.out_features) }
  parts[#parts + 1] = self:_origin()
  parts[#parts + 1] = string.format('%d of %d connections (%s%%)', nnz, all,
    (pct > 0 and pct < 0.1) and string.format('%.2g', pct) or string.format('%.1f', pct))
  local dead = self.pattern:empty_rows()
  if dead > 0 then parts[#parts + 1] = dead .. ' dead output' .. (dead > 1 and 's' or '') end
  if self.bias then parts[#parts + 1] = 'bias' end
  return string.format('%s(%s)', self:typename(), table.concat(parts, ', '))
end

-- The mask iddl.bibd.mask(in, out, method, mopts) for class cls, checked to
-- be an (out, in) tensor (level: the caller's caller).
local function bibd_mask(cls, in_features, out_features, method, mopts)
  local mask, reason = bibd.mask(in_features, out_features, method, mopts)
  if not iddl.is_tensor(mask) then
    error(string.format('%s: iddl.bibd.mask gave no %s mask for %d -> %d%s', cls,
                        tostring(method), in_features, out_features,
                        reason and ': ' .. tostring(reason) or ''), 3)
  end
  return mask
end

-- Raises unless mask is (out, in).
local function check_shape(cls, mask, in_features, out_features)
  if mask:dim() ~= 2 or mask:size(1) ~= out_features or mask:size(2) ~= in_features then
    error(string.format('%s: the mask must be %dx%d (out, in), got shape %s', cls,
                        out_features, in_features, mask:shape_str()), 3)
  end
end

-- BibdLinear(in, out, opts): the mask is iddl.bibd.mask(in, out, opts.mask,
-- opts) (opts.mask a method name: 'paper' (the seed's), 'design', ...; nil
-- for iddl.bibd.mask's default), or opts.mask itself when it is an (out, in)
-- tensor. opts.bias as SparseLinear.
local BibdLinear = M.class('nn.BibdLinear', SparseLinear)

function BibdLinear:__init(in_features, out_features, opts)
  opts = opts or {}
  check_size('nn.BibdLinear', 'in_features', in_features, 2)
  check_size('nn.BibdLinear', 'out_features', out_features, 2)
  local mask = opts.mask
  if iddl.is_tensor(mask) then
    self.mask_method = 'custom'
  else
    self.mask_method = mask or 'default'
    mask = bibd_mask('nn.BibdLinear', in_features, out_features, mask, opts)
  end
  check_shape('nn.BibdLinear', mask, in_features, out_features)
  SparseLinear.__init(self, mask, opts)
end

function BibdLinear:_origin() return self.mask_method end

-- RandomSparseLinear(in, out, opts): each output keeps the fan-in of the
-- structured mask opts.like (default 'paper') at random inputs, drawn with
-- opts.seed (default: a seed drawn from iddl's generator); see
-- iddl.bibd.mask(in, out, 'random', opts). opts.bias as SparseLinear.
local RandomSparseLinear = M.class('nn.RandomSparseLinear', SparseLinear)

function RandomSparseLinear:__init(in_features, out_features, opts)
  opts = opts or {}
  check_size('nn.RandomSparseLinear', 'in_features', in_features, 2)
  check_size('nn.RandomSparseLinear', 'out_features', out_features, 2)
  self.like, self.seed = opts.like or 'paper', opts.seed
  local mask = bibd_mask('nn.RandomSparseLinear', in_features, out_features, 'random',
                         { like = self.like, seed = self.seed })
  check_shape('nn.RandomSparseLinear', mask, in_features, out_features)
  SparseLinear.__init(self, mask, opts)
end

function RandomSparseLinear:_origin()
  return 'like ' .. self.like .. (self.seed and ', seed ' .. self.seed or '')
end

return { SparseLinear = SparseLinear, BibdLinear = BibdLinear,
         RandomSparseLinear = RandomSparseLinear }
