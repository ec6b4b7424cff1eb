-- bench_mlp_experiment.lua: the seed's whole twelve-model MLP experiment
-- (MLP / B-MLP / R-MLP x 3-1..3-4, 10 epochs each on MNIST), wall time of
-- `iddl scripts/mlp.lua` beside the seed's code in PyTorch
-- (tests/bench/mlp_experiment_torch.py) in the same run.
-- Run by `make bench-experiment` (several minutes); EPOCHS=n shortens it.
local iddl = iddl or require 'iddl'

local epochs = tonumber(os.getenv('EPOCHS') or '10')
local dir = iddl.data.find_dir('mnist')
local exe = arg[-1] or 'build/iddl'
local out = os.tmpname()
os.remove(out)

local t0 = iddl.now()
local ok = os.execute(string.format(
  '%s scripts/mlp.lua --mask paper --epochs %d --no-plot --out %s >/dev/null',
  exe, epochs, out))
local mine = iddl.now() - t0
os.execute('rm -rf ' .. out)
assert(ok, 'scripts/mlp.lua failed')
print(string.format('iddl scripts/mlp.lua, 12 models x %d epochs: %.1f s', epochs, mine))

local threads = iddl.blas_info().threads
local p = io.popen(string.format(
  '/usr/bin/python3 tests/bench/mlp_experiment_torch.py %s %d %d 2>/dev/null',
  dir, threads, epochs))
local lines = {}
for l in p:lines() do lines[#lines + 1] = l end
p:close()
local peer = tonumber(lines[#lines] or '')
print(string.format('PyTorch (the seed\'s code), same experiment: %s; iddl is %s faster',
                    peer and string.format('%.1f s', peer) or 'n/a',
                    peer and string.format('%.1fx', peer / mine) or 'n/a'))
