-- bench_data.lua: how long loading MNIST and assembling its batches take.
--   build/iddl tests/bench/bench_data.lua [mnist folder]
-- Prints the IDX load time of each split and, for batch 32 (the seed's MLP
-- setting: shuffled, flattened, pixels / 255), the time per epoch spent
-- assembling batches, best of 3 epochs, beside PyTorch's MLP-3-4 epoch
-- (2.96 s on these machines, DESIGN.md) for scale.
local iddl = iddl or require 'iddl'
local data = iddl.data

local dir = data.find_dir('mnist', arg[1])
local t0 = iddl.now()
local train = data.mnist(dir, 'train')
local t1 = iddl.now()
data.mnist(dir, 'test')
local t2 = iddl.now()
print(string.format('load train (60000x28x28): %.3f s, test: %.3f s', t1 - t0, t2 - t1))

for _, case in ipairs {
  { 'batch 32, flatten, scale(1/255)', { flatten = true, transform = data.transforms.scale(1 / 255) } },
  { 'batch 32, no transform', {} },
} do
  local opt = case[2]
  opt.dataset, opt.batch_size, opt.seed = train, 32, 1
  local loader = data.DataLoader(opt)
  local best = math.huge
  for _ = 1, 3 do
    local s = iddl.now()
    for _ in loader:batches() do end
    best = math.min(best, iddl.now() - s)
  end
  print(string.format('%-34s %d batches: %.4f s per epoch (%.1f us per batch, '
                      .. '%.1f%% of a 2.96 s epoch)', case[1], #loader, best,
                      best / #loader * 1e6, best / 2.96 * 100))
end
