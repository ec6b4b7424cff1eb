-- models.mlp: the seed's multi-layer perceptrons for MNIST.
--
--   iddl.models.mlp{hidden = {16, 20}}              -- 784-16-20-10, ReLU
--   iddl.models.mlp{name = 'MLP-3-1'}                -- the seed's sizes by name
--   iddl.models.mlp{name = 'B-MLP-3-4'}              -- BIBD-sparse hidden layers
--   iddl.models.mlp{name = 'R-MLP-3-4', seed = 7}    -- random-sparse ones
--   iddl.models.mlp{hidden = {49, 56}, sparsity = 'bibd', mask = 'design'}
--
-- MLP-3-k has two hidden layers; the seed's sizes are below. Dense layers
-- use PyTorch's default initialisation. As in the seed, sparse models make
-- every hidden layer sparse (nn.BibdLinear / nn.RandomSparseLinear: no bias,
-- kaiming-normal init) and keep the output layer a dense nn.Linear with bias.
local nn = require 'iddl.nn'

local M = {}

-- Hidden sizes of the seed's MLP-3-1 .. MLP-3-4.
M.hidden = {
  ['MLP-3-1'] = { 16, 20 }, ['MLP-3-2'] = { 25, 30 },
  ['MLP-3-3'] = { 36, 42 }, ['MLP-3-4'] = { 49, 56 },
}

local SPARSITY = { none = true, bibd = true, random = true }
local PREFIX = { ['B-'] = 'bibd', ['R-'] = 'random' }

-- Hidden layer k (i -> o) for the given sparsity.
local function hidden_layer(opts, sparsity, i, o, k)
  if sparsity == 'none' then return nn.Linear(i, o) end
  local mask = opts.mask or 'paper'
  if sparsity == 'bibd' then return nn.BibdLinear(i, o, { mask = mask }) end
  return nn.RandomSparseLinear(i, o, { like = mask, seed = opts.seed and opts.seed + k - 1 })
end

-- Builds an nn.Sequential: a hidden layer + ReLU per hidden size, then an
-- nn.Linear to `classes` logits. opts: hidden (list) or name ('MLP-3-k',
-- 'B-MLP-3-k', 'R-MLP-3-k'; the prefix sets sparsity), input (784), classes
-- (10), sparsity ('none' | 'bibd' | 'random', default 'none'), mask (the
-- BIBD masks, and the structure the random masks copy: 'paper' (default,
-- the seed's) or another iddl.bibd.mask method), seed (random masks: hidden
-- layer k uses seed + k - 1; default drawn from iddl's generator).
function M.build(opts)
  opts = opts or {}
  local name = opts.name or ''
  local prefix, base = name:match('^([BR]%-)(MLP%-.*)$')
  local hidden = opts.hidden or M.hidden[base or name]
  if not hidden then
    error(string.format("models.mlp: give hidden = {sizes} or a known name "
                        .. "([B-|R-]MLP-3-1..MLP-3-4), got %s", tostring(opts.name)), 2)
  end
  local sparsity = opts.sparsity or PREFIX[prefix] or 'none'
  if not SPARSITY[sparsity] then
    error(string.format("models.mlp: sparsity must be 'none', 'bibd' or 'random', got %s",
                        tostring(sparsity)), 2)
  end
  if prefix and sparsity ~= PREFIX[prefix] then
    error(string.format("models.mlp: name %s asks for sparsity '%s', opts.sparsity is '%s'",
                        name, PREFIX[prefix], sparsity), 2)
  end
  local layers, width = {}, opts.input or 784
  for k, h in ipairs(hidden) do
    layers[#layers + 1] = hidden_layer(opts, sparsity, width, h, k)
    layers[#layers + 1] = nn.ReLU()
    width = h
  end
  layers[#layers + 1] = nn.Linear(width, opts.classes or 10)
  return nn.Sequential(layers)
end

return M
