-- nn/pooling.lua - 2-D pooling on (N, C, H, W) or (C, H, W), as PyTorch's:
--
--   nn.MaxPool2d(k[, {stride=k, padding=0, dilation=1, ceil_mode=false}])
--   nn.AvgPool2d(k[, {stride=k, padding=0, ceil_mode=false,
--                     count_include_pad=true}])
--   nn.AdaptiveAvgPool2d(out)        out = n or {oh, ow}; 1 = global pooling
--
-- Sizes are a number or an {h, w} pair; padding may be at most half the
-- kernel. MaxPool2d keeps m.indices (the output's shape): the 1-based flat
-- position h * W + w + 1 of each maximum in its plane, where backward sends
-- the gradient. Pooling does no multiply-accumulates: flops(shape) returns
-- 0 and the output shape. Kernels: src/nn_pool.c, src/nn_pool_adaptive.c.
local iddl = require 'iddl.core'
local core = require 'iddl.bnpool_core'
local M = require 'iddl.nn.module'

local P = {}

-- A value for an error message ({3, 'a'} shows its elements).
local function show(v)
  if type(v) ~= 'table' then return tostring(v) end
  local parts = {}
  for i, x in ipairs(v) do parts[i] = tostring(x) end
  return '{' .. table.concat(parts, ', ') .. '}'
end

-- {h, w} from an integer or a pair of integers, all >= min; errors name
-- the module `name` and the setting `what`, at `level` as error() counts.
local function pair(v, what, min, name, level)
  local p = math.type(v) == 'integer' and { v, v } or v
  if type(p) ~= 'table' or #p ~= 2 or math.type(p[1]) ~= 'integer'
     or math.type(p[2]) ~= 'integer' or p[1] < min or p[2] < min then
    error(string.format('nn.%s: %s must be an integer >= %d or a pair {h, w} of them, got %s',
                        name, what, min, show(v)), level + 1)
  end
  return { p[1], p[2] }
end

-- "3" for {3, 3}, "3x2" otherwise.
local function pair_str(p)
  return p[1] == p[2] and tostring(p[1]) or p[1] .. 'x' .. p[2]
end

-- --- windowed pooling (max and average) --------------------------------------

local Pool = M.class('nn.Pool2d', M.Module) -- shared base of the two

-- Reads k and opts into kernel_size, stride, padding, dilation, ceil_mode
-- (and count_include_pad); `allowed` lists the options of the subclass.
-- Called from the subclass's __init, so the user's call is error level 4.
function Pool:__init(k, opts, allowed)
  M.Module.__init(self)
  local name = self:typename():gsub('^nn%.', '')
  opts = opts or {}
  for key in pairs(opts) do
    if not allowed[key] then
      error(string.format('nn.%s: unknown option %s', name, tostring(key)), 4)
    end
  end
  self.kernel_size = pair(k, 'kernel_size', 1, name, 4)
  self.stride = pair(opts.stride or k, 'stride', 1, name, 4)
  self.padding = pair(opts.padding or 0, 'padding', 0, name, 4)
  self.dilation = pair(opts.dilation or 1, 'dilation', 1, name, 4)
  for i = 1, 2 do
    if self.padding[i] > self.kernel_size[i] // 2 then
      error(string.format('nn.%s: padding %s must be at most half of kernel_size %s',
                          name, pair_str(self.padding), pair_str(self.kernel_size)), 4)
    end
  end
  self.ceil_mode = opts.ceil_mode == true
  self.count_include_pad = opts.count_include_pad ~= false
end

-- The output shape for a sample shape {C, H, W}; no multiply-accumulates.
function Pool:flops(shape)
  if #shape ~= 3 then
    error(string.format('%s: flops: sample shape {%s} is not {C, H, W}',
                        self:describe(), table.concat(shape, ', ')), 2)
  end
  local ok, oh, ow = pcall(core.pool2d_out_size, self, shape[2], shape[3])
  if not ok then error(self:describe() .. ': flops: ' .. oh, 2) end
  return 0, { shape[1], oh, ow }
end

-- The settings that differ from the defaults, as ", stride=2, ...".
function Pool:settings()
  local s = ''
  if pair_str(self.stride) ~= pair_str(self.kernel_size) then
    s = s .. ', stride=' .. pair_str(self.stride)
  end
  if pair_str(self.padding) ~= '0' then s = s .. ', padding=' .. pair_str(self.padding) end
  if pair_str(self.dilation) ~= '1' then s = s .. ', dilation=' .. pair_str(self.dilation) end
  if self.ceil_mode then s = s .. ', ceil_mode=true' end
  return s
end

-- e.g. nn.MaxPool2d(3, stride=2, padding=1): the non-default settings.
function Pool:describe()
  return string.format('%s(%s%s)', self:typename(), pair_str(self.kernel_size),
                       self:settings())
end

local MaxPool2d = M.class('nn.MaxPool2d', Pool)
P.MaxPool2d = MaxPool2d

-- MaxPool2d(k[, opts]): see the top of this file.
function MaxPool2d:__init(k, opts)
  Pool.__init(self, k, opts, { stride = true, padding = true, dilation = true,
                               ceil_mode = true })
  self.indices = iddl.empty(0) -- (output's shape) argmax positions
end

-- Window maxima; m.indices gets their positions.
function MaxPool2d:updateOutput(input)
  return core.maxpool2d_forward(self.output, self.indices, input, self)
end

-- Zeros, plus each gradOutput element at its window's maximum.
function MaxPool2d:updateGradInput(input, gradOutput)
  return core.maxpool2d_backward(self.gradInput, input, gradOutput,
                                 self.indices, self)
end

local AvgPool2d = M.class('nn.AvgPool2d', Pool)
P.AvgPool2d = AvgPool2d

-- AvgPool2d(k[, opts]): see the top of this file.
function AvgPool2d:__init(k, opts)
  Pool.__init(self, k, opts, { stride = true, padding = true, ceil_mode = true,
                               count_include_pad = true })
end

-- Window means (the divisor as count_include_pad says).
function AvgPool2d:updateOutput(input)
  return core.avgpool2d_forward(self.output, input, self)
end

-- Each gradOutput element / divisor, spread over its window.
function AvgPool2d:updateGradInput(input, gradOutput)
  return core.avgpool2d_backward(self.gradInput, input, gradOutput, self)
end

-- Pool's settings plus count_include_pad when it is false.
function AvgPool2d:settings()
  return Pool.settings(self)
         .. (self.count_include_pad and '' or ', count_include_pad=false')
end

-- --- adaptive average pooling -------------------------------------------------

local AdaptiveAvgPool2d = M.class('nn.AdaptiveAvgPool2d', M.Module)
P.AdaptiveAvgPool2d = AdaptiveAvgPool2d

-- AdaptiveAvgPool2d(out): out = n or {oh, ow}, at least 1.
function AdaptiveAvgPool2d:__init(out)
  M.Module.__init(self)
  self.output_size = pair(out, 'output_size', 1, 'AdaptiveAvgPool2d', 3)
end

-- Means of the output_size windows that tile each plane.
function AdaptiveAvgPool2d:updateOutput(input)
  local s = self.output_size
  return core.adaptive_avgpool2d_forward(self.output, input, s[1], s[2])
end

-- Each gradOutput element / window size, spread over its window.
function AdaptiveAvgPool2d:updateGradInput(input, gradOutput)
  local s = self.output_size
  return core.adaptive_avgpool2d_backward(self.gradInput, input, gradOutput,
                                          s[1], s[2])
end

-- No multiply-accumulates; {C, oh, ow} for a sample shape {C, H, W}.
function AdaptiveAvgPool2d:flops(shape)
  if #shape ~= 3 then
    error(string.format('%s: flops: sample shape {%s} is not {C, H, W}',
                        self:describe(), table.concat(shape, ', ')), 2)
  end
  return 0, { shape[1], self.output_size[1], self.output_size[2] }
end

-- e.g. nn.AdaptiveAvgPool2d(2x3).
function AdaptiveAvgPool2d:describe()
  return string.format('nn.AdaptiveAvgPool2d(%s)', pair_str(self.output_size))
end

return P
