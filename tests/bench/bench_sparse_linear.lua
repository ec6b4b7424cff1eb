-- bench_sparse_linear.lua: are the sparse layers' savings real? One
-- forward + backward (gradInput and gradWeight) of nn.BibdLinear ('paper'
-- mask) against a dense iddl nn.Linear of the same shape (no bias on
-- either), and against the seed's masked dense layer in PyTorch
-- (/usr/bin/python3, weight * mask then x @ W^T, gradient masked) in the
-- same run; then the sparse product alone at a channel-sparse convolution's
-- size (rows 128, cols 128, kk 9, P = 16*16*32) against sgemm of the dense
-- shape. Speedups should approach the density ratio (dense / sparse MACs).
--   build/iddl tests/bench/bench_sparse_linear.lua
local iddl = iddl or require 'iddl'
local nn = iddl.nn
local sc = require 'iddl.sparse_core'

local SECONDS = 0.5
local CONFIGS = { { 784, 49, 32 }, { 784, 49, 256 }, { 784, 512, 32 }, { 784, 512, 256 } }

-- Seconds per call of f: the best round of 20 ms or more, over rounds
-- lasting SECONDS in all (the least disturbed by the other processes of a
-- shared machine).
local function time(f)
  local per = 1
  while true do -- calls per round: a round lasts at least 20 ms
    local t0 = iddl.now()
    for _ = 1, per do f() end
    if iddl.now() - t0 > 0.02 then break end
    per = per * 2
  end
  local best, spent, rounds = math.huge, 0, 0
  while spent < SECONDS or rounds < 5 do
    local t = iddl.now()
    for _ = 1, per do f() end
    local dt = iddl.now() - t
    best, spent, rounds = math.min(best, dt / per), spent + dt, rounds + 1
  end
  return best
end

local function step_of(m, x, g)
  return function()
    m:forward(x)
    m:zero_grad()
    m:backward(x, g)
  end
end

-- PyTorch: the seed's masked layer for every config, one time per line.
local py = [[
import sys, time, torch
sys.path.insert(0, 'tests/bench')
from seed_torch import MaskedLinearFunction as Masked
torch.set_num_threads(%d); torch.manual_seed(0)
def best(f):
    per = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(per): f()
        if time.perf_counter() - t0 > 0.02: break
        per *= 2
    ts, spent = [], 0.0
    while spent < %g or len(ts) < 5:
        t = time.perf_counter()
        for _ in range(per): f()
        dt = time.perf_counter() - t; ts.append(dt / per); spent += dt
    return min(ts)
for i, o, b in %s:
    w = torch.randn(o, i, requires_grad=True)
    mask = (torch.rand(o, i) < 0.036).float()
    x = torch.rand(b, i, requires_grad=True); g = torch.randn(b, o)
    def step():
        w.grad = None; x.grad = None
        Masked.apply(x, w, mask).backward(g)
    print(best(step))
]]

local function torch_times()
  local cfg = {}
  for i, c in ipairs(CONFIGS) do cfg[i] = string.format('(%d, %d, %d)', c[1], c[2], c[3]) end
  local script = os.tmpname()
  local f = assert(io.open(script, 'w'))
  f:write(py:format(iddl.blas_info().threads, SECONDS, '[' .. table.concat(cfg, ', ') .. ']'))
  f:close()
  local p = io.popen('/usr/bin/python3 ' .. script .. ' 2>/dev/null')
  local out = {}
  for line in p:lines() do out[#out + 1] = tonumber(line) end
  p:close()
  os.remove(script)
  return out
end

iddl.manual_seed(0)
print(string.format('BibdLinear (paper mask) forward + backward, %d threads, kernels %s',
                    iddl.blas_info().threads, sc.isa()))
print(string.format('%-16s %9s %10s %10s %8s %8s %12s %8s', 'shape', 'density',
                    'dense us', 'sparse us', 'speedup', 'ratio', 'torch msk us',
                    'torch/sp'))
local tt = torch_times()
for i, c in ipairs(CONFIGS) do
  local inn, out, b = c[1], c[2], c[3]
  local sparse = nn.BibdLinear(inn, out, { mask = 'paper' })
  local dense = nn.Linear(inn, out, { bias = false })
  local x, g = iddl.rand(b, inn), iddl.randn(b, out)
  local ts, td = time(step_of(sparse, x, g)), time(step_of(dense, x, g))
  local density = sparse.pattern:nnz() / (inn * out)
  print(string.format('%4d->%-4d B=%-3d %8.2f%% %10.1f %10.1f %7.1fx %7.1fx %12s %8s',
                      inn, out, b, 100 * density, td * 1e6, ts * 1e6, td / ts, 1 / density,
                      tt[i] and string.format('%.1f', tt[i] * 1e6) or 'n/a',
                      tt[i] and string.format('%.1fx', tt[i] / ts) or 'n/a'))
end

-- The sparse product at a channel-sparse 3x3 convolution's size, with the
-- im2col matrix's rows P apart, then P + 16 apart (a padded buffer: rows a
-- power of two apart collide in the caches).
local rows, cols, kk, P = 128, 128, 9, 16 * 16 * 32
local p = sc.pattern(iddl.bibd.mask(cols, rows, 'paper'))
local w, x = iddl.randn(p:nnz(), kk), iddl.randn(cols * kk, P)
local xpad = iddl.randn(cols * kk, P + 16):narrow(2, 1, P)
local y, ypad = iddl.empty(0), iddl.empty(rows, P + 16):narrow(2, 1, P)
local wd = sc.unpack(p, w, iddl.empty(0)):view(rows, cols * kk)
local tsp = time(function() sc.spmm(p, kk, w, x, y) end)
local tpad = time(function() sc.spmm(p, kk, w, xpad, ypad) end)
local tdn = time(function() iddl.matmul(wd, x) end)
local useful, all = 2 * p:nnz() * kk * P, 2 * rows * cols * kk * P
print(string.format('\nspmm %dx%d mask (%d connections, %.2f%%), kk %d, P %d', rows, cols,
                    p:nnz(), 100 * p:nnz() / (rows * cols), kk, P))
print(string.format('sparse, rows P apart      %8.2f ms  %6.1f GFLOP/s useful', tsp * 1e3,
                    useful / tsp / 1e9))
print(string.format('sparse, rows P + 16 apart %8.2f ms  %6.1f GFLOP/s useful', tpad * 1e3,
                    useful / tpad / 1e9))
print(string.format('sgemm                     %8.2f ms  %6.1f GFLOP/s (dense shape)', tdn * 1e3,
                    all / tdn / 1e9))
print(string.format('speedup %.1fx (padded %.1fx), density ratio %.1fx', tdn / tsp, tdn / tpad,
                    all / useful))
