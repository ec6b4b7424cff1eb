-- bench_bnpool.lua: forward + backward (gradient of the input included) of
-- BatchNorm2d in training mode and of the pooling layers on ResNet-sized
-- activations, in iddl and in PyTorch (/usr/bin/python3) in the same run,
-- both on the same number of threads. Prints milliseconds per step and the
-- ratio PyTorch / iddl (> 1 means iddl is faster).
--   build/iddl tests/bench/bench_bnpool.lua
local iddl = iddl or require 'iddl'
local nn = iddl.nn

local SECONDS = 1.0

-- name, iddl module, PyTorch module (Python expression), input shape
local CASES = {
  { 'BatchNorm2d(64) train', nn.BatchNorm2d(64), 'nn.BatchNorm2d(64)', { 128, 64, 32, 32 } },
  { 'BatchNorm2d(512) train', nn.BatchNorm2d(512), 'nn.BatchNorm2d(512)', { 128, 512, 4, 4 } },
  { 'MaxPool2d(2)', nn.MaxPool2d(2), 'nn.MaxPool2d(2)', { 128, 64, 32, 32 } },
  { 'MaxPool2d(3, s2, p1)', nn.MaxPool2d(3, { stride = 2, padding = 1 }),
    'nn.MaxPool2d(3, 2, 1)', { 128, 64, 32, 32 } },
  { 'AvgPool2d(2)', nn.AvgPool2d(2), 'nn.AvgPool2d(2)', { 128, 64, 32, 32 } },
  { 'AvgPool2d(4)', nn.AvgPool2d(4), 'nn.AvgPool2d(4)', { 128, 512, 4, 4 } },
  { 'AdaptiveAvgPool2d(1)', nn.AdaptiveAvgPool2d(1), 'nn.AdaptiveAvgPool2d(1)',
    { 128, 512, 4, 4 } },
}

local function median(xs)
  table.sort(xs)
  return xs[(#xs + 1) // 2]
end

-- Median seconds per call of step() over rounds lasting SECONDS in all.
local function time_step(step)
  for _ = 1, 3 do step() end
  local times, spent = {}, 0
  while spent < SECONDS or #times < 5 do
    local t0 = iddl.now()
    step()
    local dt = iddl.now() - t0
    times[#times + 1] = dt
    spent = spent + dt
  end
  return median(times)
end

iddl.manual_seed(0)
local ours = {}
for i, c in ipairs(CASES) do
  local m, x = c[2], iddl.randn(c[4])
  local g = iddl.randn(m:forward(x):size())
  ours[i] = time_step(function()
    m:forward(x)
    m:backward(x, g)
  end)
end

local lines = {}
for i, c in ipairs(CASES) do
  lines[i] = string.format('(%s, (%s,))', c[3], table.concat(c[4], ', '))
end
local py = [[
import time, torch
from torch import nn
torch.set_num_threads(%d); torch.manual_seed(0)
def median_step(step):
    for _ in range(3): step()
    times, spent = [], 0.0
    while spent < %g or len(times) < 5:
        t0 = time.perf_counter(); step(); dt = time.perf_counter() - t0
        times.append(dt); spent += dt
    times.sort(); return times[(len(times) - 1) // 2]
for m, shape in [%s]:
    x = torch.randn(*shape, requires_grad=True)
    g = torch.randn(*m(x).shape)
    def step():
        x.grad = None
        m(x).backward(g)
    print(median_step(step))
]]
local script = os.tmpname()
local f = assert(io.open(script, 'w'))
f:write(py:format(iddl.blas_info().threads, SECONDS, table.concat(lines, ', ')))
f:close()
local p = io.popen('/usr/bin/python3 ' .. script .. ' 2>/dev/null')
local theirs = {}
for l in p:lines() do theirs[#theirs + 1] = tonumber(l) end
p:close()
os.remove(script)

print(string.format('forward + backward, %d threads; ms per step', iddl.blas_info().threads))
print(string.format('%-24s %-18s %9s %9s %8s', 'layer', 'input', 'iddl', 'PyTorch', 'ratio'))
for i, c in ipairs(CASES) do
  local tp = theirs[i]
  print(string.format('%-24s %-18s %9.3f %9s %8s', c[1], table.concat(c[4], 'x'),
                      ours[i] * 1e3, tp and string.format('%.3f', tp * 1e3) or 'n/a',
                      tp and string.format('%.2f', tp / ours[i]) or 'n/a'))
end
if #theirs < #CASES then print('PyTorch: not available') end
