-- models.mlp: the seed's multi-layer perceptrons for MNIST.
--
--   iddl.models.mlp{hidden = {16, 20}}              -- 784-16-20-10, ReLU
--   iddl.models.mlp{name = 'MLP-3-1'}                -- the seed's sizes by name
--
-- MLP-3-k has two hidden layers; the seed's sizes are below. Dense layers
-- use PyTorch's default initialisation.
local nn = require 'iddl.nn'

local M = {}

-- Hidden sizes of the seed's MLP-3-1 .. MLP-3-4.
M.hidden = {
  ['MLP-3-1'] = { 16, 20 }, ['MLP-3-2'] = { 25, 30 },
  ['MLP-3-3'] = { 36, 42 }, ['MLP-3-4'] = { 49, 56 },
}

-- Builds an nn.Sequential: Linear+ReLU per hidden size, then a Linear to
-- `classes` logits. opts: hidden (list) or name, input (784), classes (10).
function M.build(opts)
  opts = opts or {}
  local hidden = opts.hidden or M.hidden[opts.name or '']
  if not hidden then
    error(string.format("models.mlp: give hidden = {sizes} or a known name "
                        .. "(MLP-3-1..MLP-3-4), got %s", tostring(opts.name)), 2)
  end
  local layers, width = {}, opts.input or 784
  for _, h in ipairs(hidden) do
    layers[#layers + 1] = nn.Linear(width, h)
    layers[#layers + 1] = nn.ReLU()
    width = h
  end
  layers[#layers + 1] = nn.Linear(width, opts.classes or 10)
  return nn.Sequential(layers)
end

return M
