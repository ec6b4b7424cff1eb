-- nn/softmax.lua - nn.Softmax() and nn.LogSoftmax() over the LAST dimension
-- (any number of leading dimensions), numerically stable.
local core = require 'iddl.nn_core'
local M = require 'iddl.nn.module'

local S = {}

for name, log in pairs { Softmax = false, LogSoftmax = true } do
  local cls = M.class('nn.' .. name, M.Module)
  function cls:updateOutput(input)
    return core.softmax_forward(self.output, input, log)
  end
  function cls:updateGradInput(input, gradOutput)
    return core.softmax_backward(self.gradInput, self.output, gradOutput, log)
  end
  S[name] = cls
end

return S
