-- nn/reshape.lua - shape changes that copy nothing when the input allows
-- a view (the output then shares the input's storage).
--   nn.Flatten([start_dim = 2[, end_dim = -1]]): merges dimensions
--     start_dim..end_dim (1-based, negative from the end), as torch's
--     nn.Flatten; the default keeps the batch dimension: (B, C, H, W) ->
--     (B, C*H*W).
--   nn.View(sizes...): reshapes each sample: (B, ...) -> (B, sizes...); one
--     size may be -1 (inferred). The first dimension is always the batch.
local M = require 'iddl.nn.module'

local R = {}

-- Reshape modules keep the output / gradInput tensors as views: set_ makes
-- them views of the input / gradOutput without allocating.
local function backward_view(self, input, gradOutput)
  return self.gradInput:set_(gradOutput, input)
end

local Flatten = M.class('nn.Flatten', M.Module)
R.Flatten = Flatten

function Flatten:__init(start_dim, end_dim)
  M.Module.__init(self)
  self.start_dim, self.end_dim = start_dim or 2, end_dim or -1
  self.sizes = {} -- reused for every forward
end

-- The 1-based dimension range flattened for an n-D input.
function Flatten:range(n)
  local s, e = self.start_dim, self.end_dim
  if s < 0 then s = s + n + 1 end
  if e < 0 then e = e + n + 1 end
  if s < 1 or e > n or s > e then
    error(string.format('%s: cannot flatten dimensions %d..%d of a %d-D input',
                        self:describe(), self.start_dim, self.end_dim, n), 3)
  end
  return s, e
end

function Flatten:updateOutput(input)
  local n, sizes = input:dim(), self.sizes
  local s, e = self:range(n)
  for k = #sizes, 1, -1 do sizes[k] = nil end
  local merged = 1
  for d = 1, n do
    if d < s or d > e then
      sizes[#sizes + 1] = input:size(d)
    else
      merged = merged * input:size(d)
      if d == e then sizes[#sizes + 1] = merged end
    end
  end
  return self.output:set_(input, sizes)
end

Flatten.updateGradInput = backward_view

-- `shape` has no batch dimension: dims shift by one.
function Flatten:flops(shape)
  local s, e = self:range(#shape + 1)
  local out, merged = {}, 1
  for d = 2, #shape + 1 do
    if d < s or d > e then
      out[#out + 1] = shape[d - 1]
    else
      merged = merged * shape[d - 1]
      if d == e then out[#out + 1] = merged end
    end
  end
  return 0, out
end

function Flatten:describe()
  return string.format('nn.Flatten(%d, %d)', self.start_dim, self.end_dim)
end

local View = M.class('nn.View', M.Module)
R.View = View

function View:__init(...)
  M.Module.__init(self)
  local sizes = { ... }
  if #sizes == 1 and type(sizes[1]) == 'table' then sizes = sizes[1] end
  self.shape = {}
  for i, v in ipairs(sizes) do self.shape[i] = v end
  self.sizes = { 0, table.unpack(self.shape) } -- slot 1: the batch size
end

function View:updateOutput(input)
  self.sizes[1] = input:dim() > 0 and input:size(1) or 1
  return self.output:set_(input, self.sizes)
end

View.updateGradInput = backward_view

function View:flops(shape)
  local n = 1
  for _, s in ipairs(shape) do n = n * s end
  local out, known, free = {}, 1, nil
  for i, s in ipairs(self.shape) do
    out[i] = s
    if s == -1 then free = i else known = known * s end
  end
  if free then out[free] = n // known end
  return 0, out
end

function View:describe()
  return 'nn.View(' .. table.concat(self.shape, ', ') .. ')'
end

return R
