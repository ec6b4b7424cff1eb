-- nn/module.lua - the base class of every layer, and the class helper.
--
-- Protocol (Torch7's): m:forward(x) -> output (a buffer the module reuses:
-- clone it to keep it past the next call); m:backward(x, gradOutput) ->
-- gradInput, which is updateGradInput followed by accGradParameters, so
-- parameter gradients ACCUMULATE until m:zero_grad(). A subclass defines
-- updateOutput, updateGradInput and, if it has parameters,
-- accGradParameters; parameters live in the fields weight / bias with their
-- gradients in gradWeight / gradBias; other state to save (running
-- statistics) is listed by name in self.buffer_names (see buffers()).
local iddl = require 'iddl.core'

local M = {}

-- class(name, parent) -> cls: a plain metatable-based class. cls(...) makes
-- an instance and calls its __init(...); methods are looked up in cls, then
-- in parent. tostring(instance) calls instance:tostring().
function M.class(name, parent)
  local cls = { __name = name }
  cls.__index = cls
  cls.__tostring = function(self) return self:tostring() end
  setmetatable(cls, {
    __index = parent,
    __call = function(c, ...)
      local self = setmetatable({}, c)
      self:__init(...)
      return self
    end,
  })
  return cls
end

local Module = M.class('nn.Module')
M.Module = Module

function Module:__init()
  self.output = iddl.empty(0)
  self.gradInput = iddl.empty(0)
  self.training = true
end

-- The class name, e.g. 'nn.Linear'.
function Module:typename()
  return getmetatable(self).__name
end

function Module:updateOutput(input)
  error(self:typename() .. ': updateOutput is not implemented', 2)
end

function Module:updateGradInput(input, gradOutput)
  error(self:typename() .. ': updateGradInput is not implemented', 2)
end

-- Parameter gradients += scale * d output / d parameters . gradOutput.
function Module:accGradParameters(input, gradOutput, scale) end

function Module:forward(input)
  return self:updateOutput(input)
end

function Module:backward(input, gradOutput, scale)
  local gi
  if self.need_input_grad ~= false then
    gi = self:updateGradInput(input, gradOutput)
  end
  self:accGradParameters(input, gradOutput, scale or 1)
  return gi
end

-- m:input_grad(false): backward skips the gradient with respect to the
-- input (and returns nil), as PyTorch does for inputs that need no grad;
-- parameter gradients are still computed. A Sequential passes the flag to
-- the modules up to its first one with parameters; other containers
-- compute it anyway. Returns m.
function Module:input_grad(flag)
  self.need_input_grad = flag and true or false
  return self
end

local NO_CHILDREN = setmetatable({}, { __newindex = function()
  error('children(): the list of a module without children is read-only', 2)
end })

-- The child modules (containers keep them in self.modules); do not modify.
function Module:children()
  return self.modules or NO_CHILDREN
end

-- Two lists {weights...}, {gradients...}, in the same order every time:
-- weight then bias of each module, children depth-first in order.
function Module:parameters(params, grads)
  params, grads = params or {}, grads or {}
  if self.weight then
    params[#params + 1], grads[#grads + 1] = self.weight, self.gradWeight
  end
  if self.bias then
    params[#params + 1], grads[#grads + 1] = self.bias, self.gradBias
  end
  for _, m in ipairs(self:children()) do m:parameters(params, grads) end
  return params, grads
end

-- The state tensors that are not parameters (BatchNorm's running_mean and
-- running_var), in the same order every time: the fields named in the
-- module's list self.buffer_names, then children depth-first. Checkpoints
-- save and restore them (iddl.checkpoint).
function Module:buffers(list)
  list = list or {}
  for _, name in ipairs(self.buffer_names or {}) do
    if self[name] then list[#list + 1] = self[name] end
  end
  for _, m in ipairs(self:children()) do m:buffers(list) end
  return list
end

-- Zeroes the parameter gradients (recursively, allocating nothing).
function Module:zero_grad()
  if self.gradWeight then self.gradWeight:zero_() end
  if self.gradBias then self.gradBias:zero_() end
  for _, m in ipairs(self:children()) do m:zero_grad() end
  return self
end

-- Number of parameters (weights and biases, as PyTorch counts);
-- nparams{weights_only=true} counts the weight tensors only (the seed's
-- convention for its MLP tables).
function Module:nparams(opts)
  local weights_only = opts and opts.weights_only
  local n = 0
  if self.weight then n = n + self.weight:numel() end
  if self.bias and not weights_only then n = n + self.bias:numel() end
  for _, m in ipairs(self:children()) do n = n + m:nparams(opts) end
  return n
end

-- flops(shape) -> multiply-accumulates per sample, output shape. `shape` is
-- the shape of one sample (no batch dimension). The default suits layers
-- that keep the shape and do no multiply-accumulates (activations).
function Module:flops(shape)
  return 0, shape
end

function Module:train()
  self.training = true
  for _, m in ipairs(self:children()) do m:train() end
  return self
end

function Module:eval()
  self.training = false
  for _, m in ipairs(self:children()) do m:eval() end
  return self
end

-- One line naming the module and its configuration, e.g. nn.Linear(3 -> 4).
function Module:describe()
  return self:typename()
end

-- "1,234" for 1234.
function M.group_digits(n)
  local s = tostring(math.floor(n))
  local k
  repeat s, k = s:gsub('^(-?%d+)(%d%d%d)', '%1,%2') until k == 0
  return s
end

-- The description plus parameter shapes and count (multi-line for
-- containers).
function Module:tostring()
  if not self.weight then return self:describe() end
  local parts = { 'weight ' .. self.weight:shape_str() }
  if self.bias then parts[2] = 'bias ' .. self.bias:shape_str() end
  return string.format('%s [%s: %s params]', self:describe(),
                       table.concat(parts, ', '), M.group_digits(self:nparams()))
end

return M
