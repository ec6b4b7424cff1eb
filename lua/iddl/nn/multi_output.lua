-- nn/multi_output.lua - nn.MultiOutput{trunk, {b1, b2, ...}}: early exits.
-- h = trunk(x); the output is the list {b1(h), b2(h), ...}. A branch whose
-- output is a list (a nested MultiOutput) has its outputs spliced in, so
-- exits at several depths give one flat list:
--   nn.MultiOutput{stage1, {exit1, nn.MultiOutput{stage2, {exit2, head}}}}
--   -> {exit1_out, exit2_out, head_out}
-- backward(x, grads) takes the matching list of gradients; a nil entry means
-- "no loss on this output" (its branch is skipped). To return the trunk's
-- own output too, add nn.Identity() as a branch.
local iddl = require 'iddl.core'
local C = require 'iddl.nn.containers'
local M = require 'iddl.nn.module'

local MultiOutput = M.class('nn.MultiOutput', C.Container)

-- nn.MultiOutput{trunk, {branch, ...}}: modules[1] is the trunk, the rest
-- are the branches.
function MultiOutput:__init(spec)
  local trunk, branches = spec[1], spec[2]
  if type(branches) ~= 'table' or getmetatable(branches) then
    error('nn.MultiOutput: expected {trunk, {branch1, branch2, ...}}', 3)
  end
  C.Container.__init(self, { trunk, table.unpack(branches) })
  self.output, self.counts, self.grads = {}, {}, {}
  self.trunk_grad = iddl.empty(0)
end

function MultiOutput:flow()
  return 'input -> (1) -> ' .. C.labels(self, 2, #self.modules, ' | ') .. ' -> {outputs}'
end

function MultiOutput:updateOutput(input)
  local mods, out = self.modules, self.output
  local h = C.call(self, 1, mods[1], 'forward', input)
  local n = 0
  for i = 2, #mods do
    local o = C.call(self, i, mods[i], 'forward', h)
    if iddl.is_tensor(o) then
      n = n + 1
      out[n] = o
      self.counts[i] = 0 -- a single tensor
    else
      for _, t in ipairs(o) do n = n + 1; out[n] = t end
      self.counts[i] = #o
    end
  end
  for k = #out, n + 1, -1 do out[k] = nil end
  return out
end

function MultiOutput:backward(input, gradOutput, scale)
  local mods, pos, count = self.modules, 1, 0
  local g = self.trunk_grad
  local h = mods[1].output
  for i = 2, #mods do
    local c, go = self.counts[i], nil
    if c == 0 then
      go = gradOutput[pos]
      pos = pos + 1
    else
      local sub = self.grads[i] or {}
      self.grads[i] = sub
      local any = false
      for k = 1, c do
        sub[k] = gradOutput[pos + k - 1]
        any = any or sub[k] ~= nil
      end
      pos = pos + c
      go = any and sub or nil
    end
    if go ~= nil then
      local gi = C.call(self, i, mods[i], 'backward', h, go, scale)
      if count == 0 then g:resize_(gi):copy_(gi) else g:add_(gi) end
      count = count + 1
    end
  end
  if count == 0 then g:resize_(h):zero_() end
  self.gradInput = C.call(self, 1, mods[1], 'backward', input, g, scale)
  return self.gradInput
end

function MultiOutput:flops(shape)
  local total, h = C.call(self, 1, self.modules[1], 'flops', shape)
  local shapes = {}
  for i = 2, #self.modules do
    local f, s = C.call(self, i, self.modules[i], 'flops', h)
    total = total + f
    shapes[#shapes + 1] = s
  end
  return total, shapes
end

return MultiOutput
