-- nn/summary.lua - a per-layer table of a model: output shape, parameters
-- and multiply-accumulates, the way the seed's tables count them.
--
--   print(iddl.nn.summary(model, {3, 32, 32}))
--   local rows = iddl.nn.summary(model, {784}).rows  -- {depth, name, shape, params, flops}
--
-- The rows come from the model's own flops(shape) pass, so every container
-- (Sequential, Add, Concat, MultiOutput ...) routes shapes as it computes.
local M = require 'iddl.nn.module'

local Summary = {}
Summary.__index = Summary

local function shape_str(s)
  if type(s) ~= 'table' then return tostring(s) end
  if type(s[1]) == 'table' then                    -- a list of output shapes
    local parts = {}
    for i, t in ipairs(s) do parts[i] = shape_str(t) end
    return '{' .. table.concat(parts, ', ') .. '}'
  end
  return table.concat(s, 'x')
end

-- Every module of the tree with its depth, parents first.
local function walk(m, depth, out)
  out[#out + 1] = { m = m, depth = depth }
  for _, c in ipairs(m:children()) do walk(c, depth + 1, out) end
  return out
end

-- summary(model, shape) -> a Summary: .rows (one per module, in tree order:
-- depth, name, shape (output, per sample), params (own weights+biases for a
-- leaf, the total for a container), flops (MACs per sample)), .flops and
-- .params (totals). `shape` is one sample's shape (no batch dimension).
local function summary(model, shape)
  local nodes = walk(model, 0, {})
  local rows, index = {}, {}
  for i, n in ipairs(nodes) do
    index[n.m] = index[n.m] or i
    rows[i] = { depth = n.depth, name = n.m:describe(), params = n.m:nparams(),
                flops = 0, shape = '-' }
  end
  -- Wrap each module's flops once (instance fields shadow the class).
  local wrapped = {}
  for _, n in ipairs(nodes) do
    local m = n.m
    if not wrapped[m] then
      local class_flops = m.flops
      wrapped[m] = true
      m.flops = function(self, s)
        local f, out = class_flops(self, s)
        local row = rows[index[self]]
        row.flops, row.shape = row.flops + f, shape_str(out)
        return f, out
      end
    end
  end
  local ok, total, out = pcall(model.flops, model, shape)
  for m in pairs(wrapped) do m.flops = nil end
  if not ok then error(total, 2) end
  return setmetatable({ rows = rows, flops = total, params = model:nparams(),
                        input = shape_str(shape), output = shape_str(out) },
                      Summary)
end

-- The table as text: one line per module, indented by depth, with totals.
function Summary:__tostring()
  local lines, width = {}, 0
  for _, r in ipairs(self.rows) do
    r.label = string.rep('  ', r.depth) .. r.name
    width = math.max(width, #r.label)
  end
  local fmt = '%-' .. width .. 's  %-16s %12s %15s'
  lines[1] = string.format(fmt, 'layer (input ' .. self.input .. ')', 'output',
                           'params', 'MACs')
  for _, r in ipairs(self.rows) do
    lines[#lines + 1] = string.format(fmt, r.label, r.shape,
                                      M.group_digits(r.params),
                                      M.group_digits(r.flops))
  end
  lines[#lines + 1] = string.format(fmt, 'total', self.output,
                                    M.group_digits(self.params),
                                    M.group_digits(self.flops))
  lines[#lines + 1] = string.format('%.2f MFLOPs (multiply-accumulates) per sample',
                                    self.flops / 1e6)
  return table.concat(lines, '\n')
end

return summary
