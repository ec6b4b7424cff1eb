-- iddl.nn: layers, containers and losses in the Torch7 manner (see doc/nn.md).
--
--   local nn = iddl.nn
--   local mlp = nn.Sequential{nn.Linear(784, 49), nn.ReLU(), nn.Linear(49, 10)}
--   local crit = nn.CrossEntropyCriterion()
--   local loss = crit:forward(mlp:forward(x), y)
--   mlp:zero_grad()
--   mlp:backward(x, crit:backward(mlp.output, y))
--
-- Modules are plain Lua classes: nn.class('MyLayer', nn.Module) makes one
-- to subclass (define updateOutput, updateGradInput, accGradParameters).
local M = require 'iddl.nn.module'

local nn = {
  class = M.class,
  Module = M.Module,
  Linear = require 'iddl.nn.linear',
  Conv2d = require 'iddl.nn.conv',
  Dropout = require 'iddl.nn.dropout',
  MultiOutput = require 'iddl.nn.multi_output',
  init = require 'iddl.nn.weight_init',
  summary = require 'iddl.nn.summary',
}

for _, file in ipairs { 'activation', 'softmax', 'reshape', 'containers',
                        'criterion', 'batchnorm', 'pooling', 'sparse_linear', 'sparse_conv' } do
  for name, cls in pairs(require('iddl.nn.' .. file)) do
    if type(cls) == 'table' then nn[name] = cls end
  end
end

return nn
