-- optimizer.lua - what SGD, Adam and AdamW share: reading the parameters
-- (a model or two lists), checking options, zero_grad, state_dict and
-- load_state_dict. A concrete optimizer is a class table with
--   NAME     'SGD', 'Adam', ...
--   DEFAULTS {option = default value (false for lr: required)}; every option
--            becomes a field of the optimizer (opt.lr, opt.momentum, ...),
--            which schedulers change
--   BUFFERS  names of the per-parameter state tensors (momentum_buffer, ...)
--   check(self) validates the options (called after construction and load)
--   step(self)
local core = require 'iddl.core'

local Optimizer = {}

local function shape_str(t)
  local s = t:size()
  if #s == 0 then return 'scalar' end
  return table.concat(s, 'x')
end
Optimizer.shape_str = shape_str

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  return table.concat(keys, ', ')
end

-- Checks two lists of tensors, pairwise of the same shape.
local function check_params(name, params, grads)
  if type(params) ~= 'table' or type(grads) ~= 'table' then
    error(name .. ': expected (model, opts) or (params, grads, opts)', 3)
  end
  if #params ~= #grads then
    error(string.format('%s: %d parameters but %d gradients', name, #params, #grads), 3)
  end
  for i, p in ipairs(params) do
    local g = grads[i]
    if not core.is_tensor(p) or not core.is_tensor(g) then
      error(string.format('%s: parameter %d or its gradient is not a tensor', name, i), 3)
    end
    if shape_str(p) ~= shape_str(g) then
      error(string.format('%s: parameter %d has shape %s but its gradient %s',
                          name, i, shape_str(p), shape_str(g)), 3)
    end
  end
end

-- Builds an optimizer of class `class` from (model, opts) or
-- (params, grads, opts); unknown option names are an error.
function Optimizer.new(class, a, b, c)
  local params, grads, opts
  if type(a) == 'table' and type(a.parameters) == 'function' then
    params, grads = a:parameters()
    opts = b
  else
    params, grads, opts = a, b, c
  end
  check_params(class.NAME, params, grads)
  opts = opts or {}
  local self = setmetatable({ params = params, grads = grads, state = {} }, class)
  for k, v in pairs(opts) do
    if class.DEFAULTS[k] == nil then
      error(string.format("%s: unknown option '%s' (known: %s)", class.NAME,
                          tostring(k), sorted_keys(class.DEFAULTS)), 2)
    end
    self[k] = v
  end
  for k, v in pairs(class.DEFAULTS) do
    if self[k] == nil then
      if type(v) == 'table' then v = table.move(v, 1, #v, 1, {}) end
      self[k] = v
    end
  end
  if self.lr == false then error(class.NAME .. ': option lr is required', 2) end
  for i = 1, #params do self.state[i] = {} end
  class.check(self)
  return self
end

-- Zeroes every gradient tensor.
function Optimizer:zero_grad()
  for _, g in ipairs(self.grads) do g:zero_() end
end

-- A snapshot of the optimizer: {kind=, hyper={option=value}, state={per
-- parameter: {step=?, <buffer>=tensor copy}}}. Tensors are copies.
function Optimizer:state_dict()
  local hyper, state = {}, {}
  for k in pairs(self.DEFAULTS) do
    local v = self[k]
    if type(v) == 'table' then v = table.move(v, 1, #v, 1, {}) end
    hyper[k] = v
  end
  for i, st in ipairs(self.state) do
    local copy = {}
    for k, v in pairs(st) do
      copy[k] = core.is_tensor(v) and v:clone() or v
    end
    state[i] = copy
  end
  return { kind = self.NAME, hyper = hyper, state = state }
end

-- Restores a state_dict of the same kind and parameter shapes. Everything is
-- checked before anything changes.
function Optimizer:load_state_dict(sd)
  local name = self.NAME .. '.load_state_dict'
  if type(sd) ~= 'table' or sd.kind ~= self.NAME then
    error(string.format('%s: expected the state of a %s, got %s', name, self.NAME,
                        type(sd) == 'table' and tostring(sd.kind) or type(sd)), 2)
  end
  if type(sd.state) ~= 'table' or #sd.state ~= #self.params then
    error(string.format('%s: the state has %s parameters, the optimizer %d', name,
                        type(sd.state) == 'table' and #sd.state or 'no', #self.params), 2)
  end
  local new_state = {}
  for i, st in ipairs(sd.state) do
    local p, copy = self.params[i], {}
    for k, v in pairs(st) do
      if core.is_tensor(v) then
        if shape_str(v) ~= shape_str(p) then
          error(string.format('%s: parameter %d: %s has shape %s, the parameter %s',
                              name, i, k, shape_str(v), shape_str(p)), 2)
        end
        v = v:clone()
      end
      copy[k] = v
    end
    new_state[i] = copy
  end
  local saved = {}
  for k in pairs(self.DEFAULTS) do
    saved[k] = self[k]
    if sd.hyper and sd.hyper[k] ~= nil then self[k] = sd.hyper[k] end
  end
  local ok, err = pcall(self.check, self)
  if not ok then
    for k, v in pairs(saved) do self[k] = v end
    error(name .. ': ' .. tostring(err), 2)
  end
  self.state = new_state
end

return Optimizer
