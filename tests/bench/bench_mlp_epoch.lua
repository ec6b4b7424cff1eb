-- bench_mlp_epoch.lua: one MNIST training epoch of MLP-3-4 (batch 32, SGD
-- lr 0.01 momentum 0.5), iddl against PyTorch in the same run (the seed's
-- way: torch DataLoader). Needs `make data`. Run by `make bench`.
local iddl = iddl or require 'iddl'

local dir = iddl.data.find_dir('mnist')
local loader = iddl.data.DataLoader {
  dataset = iddl.data.mnist(dir, 'train'), batch_size = 32, shuffle = true,
  seed = 1, flatten = true, transform = iddl.data.transforms.scale(1 / 255),
}
local test = iddl.data.DataLoader {
  dataset = iddl.data.mnist(dir, 'test'), batch_size = 1000, flatten = true,
  transform = iddl.data.transforms.scale(1 / 255),
}

-- Best of three epochs: each is a fresh model, like the peer's.
local best = math.huge
for _ = 1, 3 do
  iddl.manual_seed(1)
  local model = iddl.models.mlp { name = 'MLP-3-4' }
  local r = iddl.train.fit {
    model = model, criterion = iddl.nn.CrossEntropyCriterion(),
    optimizer = iddl.optim.SGD(model, { lr = 0.01, momentum = 0.5 }),
    train = loader, test = test, epochs = 1, progress = false, log = function() end,
  }
  best = math.min(best, r.epochs[1].time_s)
end

local threads = iddl.blas_info().threads
local p = io.popen(string.format('/usr/bin/python3 tests/bench/mlp_epoch_torch.py %s %d 2>/dev/null',
                                 dir, threads))
local peer = tonumber(p:read('a'))
p:close()
print(string.format('MLP-3-4 MNIST epoch (batch 32, %d threads): iddl %.3f s, PyTorch %s, ratio %s',
                    threads, best, peer and string.format('%.3f s', peer) or 'n/a',
                    peer and string.format('%.1fx', peer / best) or 'n/a'))
