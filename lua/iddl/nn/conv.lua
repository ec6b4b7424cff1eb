-- nn/conv.lua - nn.Conv2d(cin, cout, k[, opts]): 2-D convolution, dense or
-- grouped (vertical partitioning), on the C kernels of src/nn_conv.c.
--
--   local conv = nn.Conv2d(64, 128, 3, { stride = 2, padding = 1, groups = 4 })
--   local y = conv:forward(x)        -- x (N, 64, H, W) -> y (N, 128, Ho, Wo)
--
-- weight (cout, cin/groups, kh, kw), bias (cout), as PyTorch, initialised
-- like PyTorch (nn.init.default_) from iddl's seeded generator. Input is
-- (N, cin, H, W) or one image (cin, H, W) (the output is then 3-D too).
local iddl = require 'iddl.core'
local core = require 'iddl.conv_core'
local M = require 'iddl.nn.module'
local init = require 'iddl.nn.weight_init'

local Conv2d = M.class('nn.Conv2d', M.Module)

-- The kernels' scratch (column matrices of a chunk of images), shared by
-- every Conv2d of this Lua state: it grows to the largest layer's need and
-- is reused, so a training step allocates nothing.
local scratch = iddl.empty(0)

local OPTIONS = { stride = true, padding = true, dilation = true, groups = true,
                  bias = true, threading = true, chunk = true, tile = true,
                  algorithm = true }

-- {h, w} from a number or a pair of integers >= min; `what` names it and
-- cls the class in the error (raised at `level`, as error's).
local function pair(cls, what, v, min, level)
  local t = type(v) == 'table' and v or { v, v }
  if #t ~= 2 or math.type(t[1]) ~= 'integer' or math.type(t[2]) ~= 'integer'
      or t[1] < min or t[2] < min then
    local shown = type(v) == 'table' and '{' .. table.concat(v, ', ') .. '}'
                  or tostring(v)
    error(string.format('%s: %s must be an integer >= %d or a pair {h, w} of '
                        .. 'them, got %s', cls, what, min, shown), level + 1)
  end
  return { t[1], t[2] }
end

-- Checks the arguments every convolution class shares and sets m's
-- in_channels, out_channels, groups, kernel_size, stride, padding and
-- dilation; options: the set of option names cls accepts. Errors name cls
-- and are raised 4 levels up (the caller of a constructor whose __init
-- calls this). Shared with the sparse convolutions.
function Conv2d.set_geometry(m, cls, cin, cout, k, opts, options)
  for name in pairs(opts) do
    if not options[name] then error(cls .. ': unknown option ' .. tostring(name), 4) end
  end
  for name, v in pairs { in_channels = cin, out_channels = cout } do
    if math.type(v) ~= 'integer' or v < 1 then
      error(string.format('%s: %s must be a positive integer, got %s', cls, name,
                          tostring(v)), 4)
    end
  end
  local groups = opts.groups or 1
  if math.type(groups) ~= 'integer' or groups < 1 then
    error(cls .. ': groups must be a positive integer, got ' .. tostring(groups), 4)
  end
  for name, v in pairs { in_channels = cin, out_channels = cout } do
    if v % groups ~= 0 then
      error(string.format('%s: %s %d is not divisible by groups %d', cls, name,
                          v, groups), 4)
    end
  end
  m.in_channels, m.out_channels, m.groups = cin, cout, groups
  m.kernel_size = pair(cls, 'kernel size', k, 1, 4)
  m.stride = pair(cls, 'stride', opts.stride or 1, 1, 4)
  m.padding = pair(cls, 'padding', opts.padding or 0, 0, 4)
  m.dilation = pair(cls, 'dilation', opts.dilation or 1, 1, 4)
end

-- opts: stride=1, padding=0, dilation=1 (numbers or {h, w}), groups=1,
-- bias=true; tuning: algorithm='auto'|'im2col'|'winograd',
-- threading='auto'|'batch'|'gemm', chunk=images per product, tile=output
-- rows per product of one image (0 = automatic), see doc/nn.md.
function Conv2d:__init(cin, cout, k, opts)
  M.Module.__init(self)
  opts = opts or {}
  Conv2d.set_geometry(self, 'nn.Conv2d', cin, cout, k, opts, OPTIONS)
  local groups = self.groups
  self.threading = opts.threading or 'auto'
  if self.threading ~= 'auto' and self.threading ~= 'batch'
      and self.threading ~= 'gemm' then
    error("nn.Conv2d: threading must be 'auto', 'batch' or 'gemm', got "
          .. tostring(self.threading), 3)
  end
  self.algorithm = opts.algorithm or 'auto'
  if self.algorithm ~= 'auto' and self.algorithm ~= 'im2col'
      and self.algorithm ~= 'winograd' then
    error("nn.Conv2d: algorithm must be 'auto', 'im2col' or 'winograd', got "
          .. tostring(self.algorithm), 3)
  end
  self.chunk, self.tile = opts.chunk or 0, opts.tile or 0
  for name, v in pairs { chunk = self.chunk, tile = self.tile } do
    if math.type(v) ~= 'integer' or v < 0 then
      error(string.format('nn.Conv2d: %s must be an integer >= 0, got %s', name,
                          tostring(v)), 3)
    end
  end
  local kh, kw = self.kernel_size[1], self.kernel_size[2]
  self.weight = iddl.empty(cout, cin // groups, kh, kw)
  self.gradWeight = iddl.zeros(cout, cin // groups, kh, kw)
  if opts.bias ~= false then
    self.bias = iddl.empty(cout)
    self.gradBias = iddl.zeros(cout)
  end
  self:reset()
end

-- Draws fresh parameters (PyTorch's default initialisation).
function Conv2d:reset()
  init.default_(self.weight, self.bias)
  return self
end

-- The geometry arguments of the conv_core kernels.
local function geom(self)
  local s, p, d = self.stride, self.padding, self.dilation
  return s[1], s[2], p[1], p[2], d[1], d[2], self.groups, self.threading,
         self.chunk, self.tile, self.algorithm
end

function Conv2d:updateOutput(input)
  return core.conv2d_forward(self.output, scratch, input, self.weight,
                             self.bias, geom(self))
end

function Conv2d:updateGradInput(input, gradOutput)
  return core.conv2d_backward(self.gradInput, nil, nil, scratch, input,
                              gradOutput, self.weight, 1, geom(self))
end

function Conv2d:accGradParameters(input, gradOutput, scale)
  core.conv2d_backward(nil, self.gradWeight, self.gradBias, scratch, input,
                       gradOutput, self.weight, scale or 1, geom(self))
end

-- Both gradients in one sweep over the batch (the gradOutput of each chunk
-- of images is regrouped once for both products).
function Conv2d:backward(input, gradOutput, scale)
  local gin = self.need_input_grad ~= false and self.gradInput or nil
  return core.conv2d_backward(gin, self.gradWeight, self.gradBias, scratch,
                              input, gradOutput, self.weight, scale or 1,
                              geom(self))
end

-- The output shape {cout, Ho, Wo} of a convolution module m (fields
-- in_channels, out_channels, kernel_size, stride, padding, dilation) for an
-- input shape {cin, H, W}; errors name m and are raised at `level` (as
-- error's). Shared with the sparse convolutions.
function Conv2d.out_shape(m, shape, level)
  if #shape ~= 3 or shape[1] ~= m.in_channels then
    error(string.format('%s: flops: input shape {%s} is not {%d, H, W}',
                        m:describe(), table.concat(shape, ', '),
                        m.in_channels), level + 1)
  end
  local out = { m.out_channels }
  for d = 1, 2 do
    local span = m.dilation[d] * (m.kernel_size[d] - 1) + 1
    local padded = shape[d + 1] + 2 * m.padding[d]
    if span > padded then
      error(string.format('%s: flops: kernel %dx%d is larger than the padded '
                          .. 'input of shape {%s}', m:describe(),
                          m.kernel_size[1], m.kernel_size[2],
                          table.concat(shape, ', ')), level + 1)
    end
    out[d + 1] = (padded - span) // m.stride[d] + 1
  end
  return out
end

-- flops({cin, H, W}) -> cout*Ho*Wo*(cin/groups*kh*kw) multiply-accumulates
-- (bias adds not counted), {cout, Ho, Wo}.
function Conv2d:flops(shape)
  local out = Conv2d.out_shape(self, shape, 2)
  local k = self.in_channels // self.groups * self.kernel_size[1]
            * self.kernel_size[2]
  return self.out_channels * out[2] * out[3] * k, out
end

-- "3" for {3, 3}, "3x1" for {3, 1}.
local function show(p)
  return p[1] == p[2] and tostring(p[1]) or p[1] .. 'x' .. p[2]
end

-- The geometry part of a convolution's describe(): channels, kernel and the
-- settings that differ from the defaults. Shared with the sparse
-- convolutions.
function Conv2d.geometry_parts(m)
  local parts = { string.format('%d -> %d', m.in_channels, m.out_channels),
                  m.kernel_size[1] .. 'x' .. m.kernel_size[2] }
  local function add(cond, s) if cond then parts[#parts + 1] = s end end
  add(m.stride[1] ~= 1 or m.stride[2] ~= 1, 'stride ' .. show(m.stride))
  add(m.padding[1] ~= 0 or m.padding[2] ~= 0, 'pad ' .. show(m.padding))
  add(m.dilation[1] ~= 1 or m.dilation[2] ~= 1, 'dilation ' .. show(m.dilation))
  add(m.groups ~= 1, 'groups ' .. m.groups)
  return parts
end

-- e.g. nn.Conv2d(64 -> 128, 3x3, stride 2, pad 1, groups 4, no bias); only
-- the settings that differ from the defaults are shown.
function Conv2d:describe()
  local parts = Conv2d.geometry_parts(self)
  if not self.bias then parts[#parts + 1] = 'no bias' end
  return 'nn.Conv2d(' .. table.concat(parts, ', ') .. ')'
end

return Conv2d
