-- nn/criterion.lua - losses. Each criterion has
--   c:forward(input, target[, weights]) -> loss (a number)
--   c:backward(input, target[, weights]) -> gradInput (a reused buffer)
-- and the option reduction = 'mean' (default) | 'sum'. `weights` are
-- per-sample weights (N); 'mean' then divides by their sum (see doc/nn.md).
--
--   nn.ClassNLLCriterion([{weight = classes (C), reduction = ...}])
--       input (N, C) log-probabilities, target (N) 1-based class indices
--       stored in a float tensor; `weight` are PyTorch's class weights
--       (a tensor may also be passed directly: ClassNLLCriterion(w)).
--   nn.CrossEntropyCriterion([same options]): input (N, C) logits (a fused,
--       stable log-softmax + NLL), PyTorch's CrossEntropyLoss.
--   nn.MSECriterion([{reduction = ...}]): input and target of equal shape.
local iddl = require 'iddl.core'
local core = require 'iddl.nn_core'
local M = require 'iddl.nn.module'

local C = {}

local Criterion = M.class('nn.Criterion')
C.Criterion = Criterion

function Criterion:__init(opts)
  if iddl.is_tensor(opts) then opts = { weight = opts } end
  opts = opts or {}
  self.reduction = opts.reduction or 'mean'
  if self.reduction ~= 'mean' and self.reduction ~= 'sum' then
    error(string.format("%s: reduction must be 'mean' or 'sum', got %s",
                        self:typename(), tostring(self.reduction)), 3)
  end
  self.weight = opts.weight
  self.gradInput = iddl.empty(0)
  self.output = 0
end

function Criterion:typename() return getmetatable(self).__name end

-- Calls a kernel, prefixing an error with the criterion's name.
local function run(self, fn, ...)
  local ok, res = pcall(fn, ...)
  if not ok then error(self:typename() .. ': ' .. tostring(res), 0) end
  return res
end

function Criterion:describe()
  return string.format('%s(reduction=%s%s)', self:typename(), self.reduction,
                       self.weight and ', class weights' or '')
end
Criterion.tostring = Criterion.describe

-- A class-target criterion built on core.<kind>_forward / _backward.
local function class_criterion(name, kind)
  local cls = M.class('nn.' .. name, Criterion)
  local fwd, bwd = core[kind .. '_forward'], core[kind .. '_backward']
  function cls:forward(input, target, weights)
    self.output = run(self, fwd, input, target, self.weight, weights,
                      self.reduction)
    return self.output
  end
  function cls:backward(input, target, weights)
    return run(self, bwd, self.gradInput, input, target, self.weight, weights,
               self.reduction)
  end
  C[name] = cls
end

class_criterion('ClassNLLCriterion', 'nll')
class_criterion('CrossEntropyCriterion', 'cross_entropy')

local MSE = M.class('nn.MSECriterion', Criterion)
C.MSECriterion = MSE

function MSE:__init(opts)
  Criterion.__init(self, opts)
  if self.weight then error('nn.MSECriterion: class weights do not apply', 3) end
end

function MSE:forward(input, target, weights)
  self.output = run(self, core.mse_forward, input, target, weights,
                    self.reduction)
  return self.output
end

function MSE:backward(input, target, weights)
  return run(self, core.mse_backward, self.gradInput, input, target, weights,
             self.reduction)
end

return C
