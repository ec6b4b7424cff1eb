-- nn/containers.lua - modules made of modules. Errors raised by a child are
-- re-raised naming it: "Sequential: module 2 (nn.Linear(784 -> 49)): ...".
--
--   nn.Sequential{m1, m2, ...}   x -> m1 -> m2 -> ... (also :add(m))
--   nn.Concat(dim, {m1, m2})     every child on x, outputs concatenated
--                                along dim (1-based, batch included;
--                                default 2, the feature dimension)
--   nn.ConcatTable{m1, m2}       every child on x: output {m1(x), m2(x)}
--   nn.Add{f}                    residual: f(x) + x
--   nn.Add{f, g, ...}            f(x) + g(x) + ... (nn.Identity() for x)
--   nn.MultiOutput{trunk, {b1, b2}}  early exits (nn/multi_output.lua)
local iddl = require 'iddl.core'
local core = require 'iddl.nn_core'
local M = require 'iddl.nn.module'

local C = {}

local Container = M.class('nn.Container', M.Module)
C.Container = Container

function Container:__init(modules)
  M.Module.__init(self)
  self.modules = {}
  for _, m in ipairs(modules or {}) do self:add(m) end
end

function Container:add(m)
  if type(m) ~= 'table' or type(m.forward) ~= 'function' then
    error(string.format('%s: add: expected a module, got %s', self:typename(),
                        type(m)), 2)
  end
  self.modules[#self.modules + 1] = m
  return self
end

function Container:get(i) return self.modules[i] end
function Container:size() return #self.modules end

-- Passes the results of a pcall on, or re-raises its error with child i
-- named.
local function checked(self, i, m, ok, ...)
  if not ok then
    local res = ...
    if type(res) == 'string' then
      -- positions inside iddl.nn itself tell the user nothing
      res = res:gsub('^[^:\n]*iddl/nn/[%w_]+%.lua:%d+: ', '')
      res = string.format('%s: module %d (%s): %s',
                          self:typename():gsub('^nn%.', ''), i, m:describe(), res)
    end
    error(res, 0)
  end
  return ...
end

-- Calls child i's method, re-raising an error with the child named.
local function call(self, i, m, method, ...)
  return checked(self, i, m, pcall(m[method], m, ...))
end
C.call = call

-- Lines of a child's tostring, indented under its label.
local function child_lines(label, m)
  local s = tostring(m):gsub('\n', '\n  ' .. (' '):rep(#label))
  return '  ' .. label .. s
end

-- The labels (1), (2), ... of children first..last joined by sep.
local function labels(self, first, last, sep)
  local t = {}
  for i = first, last do t[#t + 1] = '(' .. i .. ')' end
  return table.concat(t, sep)
end

C.labels = labels

-- How data flows through the children (the bracketed line of tostring).
function Container:flow()
  return 'input -> ' .. labels(self, 1, #self.modules, ' -> ') .. ' -> output'
end

function Container:tostring()
  local lines = {}
  for i, m in ipairs(self.modules) do
    lines[i] = child_lines('(' .. i .. '): ', m)
  end
  return string.format('%s [%s params] {\n  [%s]\n%s\n}', self:describe(),
                       M.group_digits(self:nparams()), self:flow(),
                       table.concat(lines, '\n'))
end

-- --- Sequential ------------------------------------------------------------

local Sequential = M.class('nn.Sequential', Container)
C.Sequential = Sequential

-- self.inputs[i] is the input child i saw in the last forward (a child
-- may return its input itself, e.g. Dropout in eval mode).
function Sequential:updateOutput(input)
  local x, inputs = input, self.inputs
  if not inputs then inputs = {}; self.inputs = inputs end
  for i, m in ipairs(self.modules) do
    inputs[i] = x
    x = call(self, i, m, 'forward', x)
  end
  self.output = x
  return x
end

function Sequential:backward(input, gradOutput, scale)
  local mods, inputs, g = self.modules, self.inputs, gradOutput
  for i = #mods, 1, -1 do
    g = call(self, i, mods[i], 'backward', i == 1 and input or inputs[i], g,
             scale)
    if g == nil then break end -- see input_grad
  end
  self.gradInput = g
  return g
end

-- input_grad(false) reaches the modules up to the first one that has
-- parameters: none of them needs its input gradient then (backward stops
-- where a gradient is nil).
function Sequential:input_grad(flag)
  M.Module.input_grad(self, flag)
  for _, m in ipairs(self.modules) do
    m:input_grad(flag)
    if m:nparams() > 0 then break end
  end
  return self
end

function Sequential:flops(shape)
  local total = 0
  for i, m in ipairs(self.modules) do
    local f
    f, shape = call(self, i, m, 'flops', shape)
    total = total + f
  end
  return total, shape
end

-- --- Concat ----------------------------------------------------------------

local Concat = M.class('nn.Concat', Container)
C.Concat = Concat

function Concat:flow()
  return string.format('input -> %s -> concatenated along dimension %d',
                       labels(self, 1, #self.modules, ' | '), self.dim)
end

function Concat:__init(dim, modules)
  if type(dim) == 'table' then dim, modules = 2, dim end
  Container.__init(self, modules)
  self.dim = dim or 2
  self.sizes, self.views = {}, {} -- reused buffers
end

function Concat:updateOutput(input)
  local outs, total, dim = {}, 0, self.dim
  for i, m in ipairs(self.modules) do
    outs[i] = call(self, i, m, 'forward', input)
    if outs[i]:dim() < dim then
      error(string.format('Concat: module %d (%s): output of shape %s has no '
                          .. 'dimension %d', i, m:describe(),
                          outs[i]:shape_str(), dim), 0)
    end
    total = total + outs[i]:size(dim)
  end
  local sizes = self.sizes
  for k = #sizes, 1, -1 do sizes[k] = nil end
  for d = 1, outs[1]:dim() do sizes[d] = outs[1]:size(d) end
  sizes[dim] = total
  self.output:resize_(sizes)
  local offset = 1
  for i, o in ipairs(outs) do
    local v = self.views[i] or iddl.empty(0)
    self.views[i] = v
    core.narrow_into(v, self.output, dim, offset, o:size(dim))
    local ok, err = pcall(v.copy_, v, o)
    if not ok then
      error(string.format('Concat: module %d (%s): output of shape %s does not '
                          .. 'fit the others (%s): %s', i,
                          self.modules[i]:describe(), o:shape_str(),
                          outs[1]:shape_str(), err), 0)
    end
    offset = offset + o:size(dim)
  end
  return self.output
end

function Concat:backward(input, gradOutput, scale)
  local offset = 1
  for i, m in ipairs(self.modules) do
    local len = m.output:size(self.dim)
    local v = self.views[i]
    core.narrow_into(v, gradOutput, self.dim, offset, len)
    local g = call(self, i, m, 'backward', input, v, scale)
    if i == 1 then self.gradInput:resize_(g):copy_(g) else self.gradInput:add_(g) end
    offset = offset + len
  end
  return self.gradInput
end

function Concat:flops(shape)
  local total, out = 0, nil
  local d = self.dim - 1 -- per-sample shapes have no batch dimension
  for i, m in ipairs(self.modules) do
    local f, s = call(self, i, m, 'flops', shape)
    total = total + f
    if not out then
      out = { table.unpack(s) }
    else
      out[d] = out[d] + s[d]
    end
  end
  return total, out
end

function Concat:describe()
  return string.format('nn.Concat(%d)', self.dim)
end

-- --- ConcatTable -----------------------------------------------------------

local ConcatTable = M.class('nn.ConcatTable', Container)
C.ConcatTable = ConcatTable

function ConcatTable:flow()
  return 'input -> ' .. labels(self, 1, #self.modules, ' | ') .. ' -> {outputs}'
end

function ConcatTable:__init(modules)
  Container.__init(self, modules)
  self.output = {}
end

function ConcatTable:updateOutput(input)
  for i, m in ipairs(self.modules) do
    self.output[i] = call(self, i, m, 'forward', input)
  end
  for i = #self.output, #self.modules + 1, -1 do self.output[i] = nil end
  return self.output
end

-- Adds g to self.gradInput (the first one found is copied). Returns the
-- updated count.
local function accumulate(self, g, count)
  if count == 0 then self.gradInput:resize_(g):copy_(g) else self.gradInput:add_(g) end
  return count + 1
end

-- gradOutput: a list aligned with the outputs; nil entries are skipped.
function ConcatTable:backward(input, gradOutput, scale)
  local count = 0
  for i, m in ipairs(self.modules) do
    if gradOutput[i] ~= nil then
      count = accumulate(self, call(self, i, m, 'backward', input, gradOutput[i],
                                    scale), count)
    end
  end
  if count == 0 then self.gradInput:resize_(input):zero_() end
  return self.gradInput
end

function ConcatTable:flops(shape)
  local total, shapes = 0, {}
  for i, m in ipairs(self.modules) do
    local f
    f, shapes[i] = call(self, i, m, 'flops', shape)
    total = total + f
  end
  return total, shapes
end

-- --- Add -------------------------------------------------------------------

local Add = M.class('nn.Add', Container)
C.Add = Add

function Add:flow()
  local sum = labels(self, 1, #self.modules, ' + ')
  return 'input -> ' .. sum .. (#self.modules == 1 and ' + input' or '') .. ' -> output'
end

function Add:updateOutput(input)
  local mods = self.modules
  for i, m in ipairs(mods) do
    local o = call(self, i, m, 'forward', input)
    if i == 1 then
      self.output:resize_(o):copy_(o)
    else
      local ok, err = pcall(self.output.add_, self.output, o)
      if not ok then
        error(string.format('Add: module %d (%s): %s', i, m:describe(), err), 0)
      end
    end
  end
  if #mods == 1 then -- residual: the identity shortcut
    local ok, err = pcall(self.output.add_, self.output, input)
    if not ok then
      error(string.format('Add: the residual f(x) + x: %s', err), 0)
    end
  end
  return self.output
end

function Add:backward(input, gradOutput, scale)
  local count = 0
  for i, m in ipairs(self.modules) do
    count = accumulate(self, call(self, i, m, 'backward', input, gradOutput,
                                  scale), count)
  end
  if #self.modules == 1 then self.gradInput:add_(gradOutput) end
  return self.gradInput
end

function Add:flops(shape)
  local total, out = 0, shape
  for i, m in ipairs(self.modules) do
    local f, s = call(self, i, m, 'flops', shape)
    total, out = total + f, i == 1 and s or out
  end
  return total, out
end

function Add:describe()
  return #self.modules == 1 and 'nn.Add (residual)' or 'nn.Add'
end

return C
