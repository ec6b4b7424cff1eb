-- nn/activation.lua - element-wise activations: nn.ReLU, nn.LeakyReLU
-- (negative_slope, default 0.01), nn.Tanh, nn.Sigmoid, and nn.Identity.
-- Any input shape; the output has the input's shape.
local core = require 'iddl.nn_core'
local M = require 'iddl.nn.module'

local A = {}

-- A parameter-free activation whose kernels are core.<kind>_forward and
-- core.<kind>_backward.
local function activation(name, kind)
  local cls = M.class('nn.' .. name, M.Module)
  local fwd, bwd = core[kind .. '_forward'], core[kind .. '_backward']
  function cls:updateOutput(input)
    return fwd(self.output, input, self.slope)
  end
  function cls:updateGradInput(input, gradOutput)
    return bwd(self.gradInput, input, self.output, gradOutput, self.slope)
  end
  A[name] = cls
  return cls
end

activation('ReLU', 'relu')
activation('Tanh', 'tanh')
activation('Sigmoid', 'sigmoid')

local LeakyReLU = activation('LeakyReLU', 'leaky_relu')
function LeakyReLU:__init(negative_slope)
  M.Module.__init(self)
  self.slope = negative_slope or 0.01
end
function LeakyReLU:describe()
  return string.format('nn.LeakyReLU(%g)', self.slope)
end

-- nn.Identity(): output = input, gradInput = gradOutput (no copies).
local Identity = M.class('nn.Identity', M.Module)
function Identity:updateOutput(input) return input end
function Identity:updateGradInput(input, gradOutput) return gradOutput end
A.Identity = Identity

return A
