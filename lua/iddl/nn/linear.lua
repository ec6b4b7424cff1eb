-- nn/linear.lua - nn.Linear(in, out[, {bias=true}]): y = x W^T + b.
-- weight (out, in), bias (out), as PyTorch; input (..., in) -> (..., out).
-- Initialised like PyTorch (nn.init.default_) from iddl's seeded generator.
local iddl = require 'iddl.core'
local core = require 'iddl.nn_core'
local M = require 'iddl.nn.module'
local init = require 'iddl.nn.weight_init'

local Linear = M.class('nn.Linear', M.Module)

function Linear:__init(in_features, out_features, opts)
  M.Module.__init(self)
  for name, v in pairs { in_features = in_features, out_features = out_features } do
    if math.type(v) ~= 'integer' or v < 0 then
      error(string.format('nn.Linear: %s must be a non-negative integer, got %s',
                          name, tostring(v)), 3)
    end
  end
  self.in_features, self.out_features = in_features, out_features
  self.weight = iddl.empty(out_features, in_features)
  self.gradWeight = iddl.zeros(out_features, in_features)
  if not opts or opts.bias ~= false then
    self.bias = iddl.empty(out_features)
    self.gradBias = iddl.zeros(out_features)
  end
  self:reset()
end

-- Draws fresh parameters (PyTorch's default initialisation).
function Linear:reset()
  init.default_(self.weight, self.bias)
  return self
end

function Linear:updateOutput(input)
  return core.linear_forward(self.output, input, self.weight, self.bias)
end

function Linear:updateGradInput(input, gradOutput)
  return core.linear_backward_input(self.gradInput, input, gradOutput,
                                    self.weight)
end

function Linear:accGradParameters(input, gradOutput, scale)
  core.linear_backward_params(self.gradWeight, self.gradBias, input,
                              gradOutput, scale or 1)
end

-- The output shape of a linear module m (fields in_features,
-- out_features) for an input shape {..., in}, and the number of rows;
-- errors name m and are raised at `level` (as error's). Shared with the
-- sparse linear layers.
function Linear.out_shape(m, shape, level)
  if shape[#shape] ~= m.in_features then
    error(string.format('%s: flops: input shape {%s} does not end in %d',
                        m:describe(), table.concat(shape, ', '),
                        m.in_features), level + 1)
  end
  local out, rows = {}, 1
  for i = 1, #shape - 1 do out[i], rows = shape[i], rows * shape[i] end
  out[#shape] = m.out_features
  return out, rows
end

-- in * out multiply-accumulates per row (bias adds are not counted).
function Linear:flops(shape)
  local out, rows = Linear.out_shape(self, shape, 2)
  return rows * self.in_features * self.out_features, out
end

function Linear:describe()
  return string.format('nn.Linear(%d -> %d%s)', self.in_features,
                       self.out_features, self.bias and '' or ', no bias')
end

return Linear
