-- bench_augment.lua: the cost of the CIFAR-10 training transforms per batch.
--   build/iddl tests/bench/bench_augment.lua
-- Times each transform, and the seed's composition (random crop 32 pad 4,
-- horizontal flip, per-channel normalise), on batches of 128 x 3 x 32 x 32
-- pixels 0..255 (fresh pixels before each call: the copy is not counted),
-- best of 5 runs of 200 batches, beside PyTorch's ResNet-18 CIFAR training
-- step (2.38 s at batch 128 on these machines, DESIGN.md) for scale.
local iddl = iddl or require 'iddl'
local T = iddl.data.transforms
local st = iddl.data.stats.cifar10

local B, RUNS, BATCHES = 128, 5, 200
iddl.manual_seed(1)
local src = iddl.randint(0, 256, B, 3, 32, 32)
local x = src:clone()

for _, case in ipairs {
  { 'random_crop(32, 4)', T.random_crop(32, 4) },
  { 'random_hflip(0.5)', T.random_hflip(0.5) },
  { 'normalize_channels', T.normalize_channels(st.mean, st.std) },
  { 'cifar10_train (all three)', T.cifar10_train() },
} do
  local f, best = case[2], math.huge
  local key = { seed = 1, epoch = 1, batch = 0 }
  for run = 1, RUNS do
    key.epoch = run
    local total = 0
    for b = 1, BATCHES do
      x:copy_(src)
      key.batch = b
      local s = iddl.now()
      f(x, key)
      total = total + iddl.now() - s
    end
    best = math.min(best, total / BATCHES)
  end
  print(string.format('%-28s batch %d x 3 x 32 x 32: %7.1f us per batch '
                      .. '(%.4f%% of a 2.38 s training step)', case[1], B,
                      best * 1e6, best / 2.38 * 100))
end

-- A whole loader batch: shuffled gather of 128 samples of a 10000-image
-- dataset plus cifar10_train, best of 3 epochs.
local N = 10000
local ds = iddl.data.dataset { images = iddl.randint(0, 256, N, 3, 32, 32),
                               labels = iddl.ones(N) }
local loader = iddl.data.DataLoader { dataset = ds, batch_size = B, seed = 1,
                                      drop_last = true, transform = T.cifar10_train() }
local best = math.huge
for _ = 1, 3 do
  local s = iddl.now()
  for _ in loader:batches() do end
  best = math.min(best, (iddl.now() - s) / #loader)
end
print(string.format('%-28s batch %d x 3 x 32 x 32: %7.1f us per batch '
                    .. '(%.4f%% of a 2.38 s training step)', 'DataLoader + cifar10_train',
                    B, best * 1e6, best / 2.38 * 100))
