-- bench_mlp_step.lua: one training step's forward + backward of the seed's
-- largest MLP (784-49-56-10, ReLU, cross-entropy) on a batch of 32, in iddl
-- and in PyTorch (/usr/bin/python3) in the same run. Prints microseconds per
-- batch and the projected MNIST epoch (1875 batches), plus the ratio
-- PyTorch / iddl (> 1 means iddl is faster). No optimizer step is included;
-- neither side computes the gradient of the images (model:input_grad(false)).
--   build/iddl tests/bench/bench_mlp_step.lua
local iddl = iddl or require 'iddl'
local nn = iddl.nn

local B, BATCHES, SECONDS = 32, 1875, 1.0

local function median(xs)
  table.sort(xs)
  return xs[(#xs + 1) // 2]
end

-- Median time of one step over rounds of `per` steps lasting SECONDS.
local function time_step(step)
  for _ = 1, 50 do step() end
  local times, spent, per = {}, 0, 100
  while spent < SECONDS do
    local t0 = iddl.now()
    for _ = 1, per do step() end
    local dt = iddl.now() - t0
    times[#times + 1] = dt / per
    spent = spent + dt
  end
  return median(times)
end

iddl.manual_seed(0)
local model = nn.Sequential{ nn.Linear(784, 49), nn.ReLU(), nn.Linear(49, 56),
                             nn.ReLU(), nn.Linear(56, 10) }
model:input_grad(false) -- as PyTorch: the images need no gradient
local crit = nn.CrossEntropyCriterion()
local x, y = iddl.rand(B, 784), iddl.randint(1, 11, B)
local function step()
  local out = model:forward(x)
  crit:forward(out, y)
  model:zero_grad()
  model:backward(x, crit:backward(out, y))
end

-- Garbage made per step (KiB): 0 means the hot path allocates nothing.
step()
collectgarbage('collect')
collectgarbage('stop')
local kb0 = collectgarbage('count')
for _ = 1, 1000 do step() end
local garbage = (collectgarbage('count') - kb0) / 1000
collectgarbage('restart')

local t = time_step(step)

local py = [[
import time, torch
torch.set_num_threads(%d); torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Linear(784, 49), torch.nn.ReLU(),
    torch.nn.Linear(49, 56), torch.nn.ReLU(), torch.nn.Linear(56, 10))
crit = torch.nn.CrossEntropyLoss()
x = torch.rand(%d, 784); y = torch.randint(0, 10, (%d,))
def step():
    m.zero_grad(); crit(m(x), y).backward()
for _ in range(50): step()
times, spent = [], 0.0
while spent < %g:
    t0 = time.perf_counter()
    for _ in range(100): step()
    dt = time.perf_counter() - t0; times.append(dt / 100); spent += dt
times.sort(); print(times[(len(times) - 1) // 2])
]]
local script = os.tmpname()
local f = assert(io.open(script, 'w'))
f:write(py:format(iddl.blas_info().threads, B, B, SECONDS))
f:close()
local p = io.popen('/usr/bin/python3 ' .. script .. ' 2>/dev/null')
local tp = tonumber(p:read('a'):match('%S+') or '')
p:close()
os.remove(script)

print(string.format('MLP 784-49-56-10, batch %d, forward + backward (no optimizer)', B))
print(string.format('iddl     %8.1f us/batch  (%.3f s per %d-batch epoch), %.3f KiB garbage/step',
                    t * 1e6, t * BATCHES, BATCHES, garbage))
if tp then
  print(string.format('PyTorch  %8.1f us/batch  (%.3f s per epoch)', tp * 1e6,
                      tp * BATCHES))
  print(string.format('PyTorch / iddl = %.2f', tp / t))
else
  print('PyTorch: not available')
end
