-- nn/dropout.lua - nn.Dropout(p = 0.5): inverted dropout. In training mode
-- each element is zeroed with probability p (drawn from iddl's seeded
-- generator) and the survivors are scaled by 1 / (1 - p); m.mask keeps the
-- factors of the last forward. In eval mode (m:eval()) forward returns the
-- input itself and backward the gradOutput itself.
local iddl = require 'iddl.core'
local core = require 'iddl.nn_core'
local M = require 'iddl.nn.module'

local Dropout = M.class('nn.Dropout', M.Module)

function Dropout:__init(p)
  M.Module.__init(self)
  p = p or 0.5
  if type(p) ~= 'number' or p < 0 or p > 1 then
    error('nn.Dropout: p must be a probability in [0, 1], got ' .. tostring(p), 3)
  end
  self.p = p
  self.mask = iddl.empty(0)
end

function Dropout:updateOutput(input)
  if not self.training or self.p == 0 then return input end
  return core.dropout_forward(self.output, self.mask, input, self.p)
end

function Dropout:updateGradInput(input, gradOutput)
  if not self.training or self.p == 0 then return gradOutput end
  return core.dropout_backward(self.gradInput, gradOutput, self.mask)
end

function Dropout:describe()
  return string.format('nn.Dropout(%g)', self.p)
end

return Dropout
