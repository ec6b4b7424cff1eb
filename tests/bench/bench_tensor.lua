-- bench_tensor.lua: tensor throughput of iddl, beside PyTorch (or NumPy) on
-- the same machine in the same run. Run with `make bench`.
--
-- Prints, per operation: iddl's time, its rate (GFLOP/s or GB/s), the peer's
-- time, and the ratio peer/iddl (> 1 means iddl is faster).
local iddl = iddl or require 'iddl'

local REPEAT_SECONDS = 0.5   -- each measurement repeats for at least this long

-- Best time per call of fn over repetitions lasting REPEAT_SECONDS.
local function best_time(fn)
  fn()
  local best, spent = math.huge, 0
  while spent < REPEAT_SECONDS do
    local t0 = iddl.now()
    fn()
    local dt = iddl.now() - t0
    best = math.min(best, dt)
    spent = spent + dt
  end
  return best
end

-- Each case: name, work per call (flop or bytes), unit, iddl function, and
-- the same operation as a Python statement on tensors a, b, c of the given
-- shapes (PyTorch, or NumPy when torch is missing).
local N, M = 2048, 4 * 1024 * 1024
local cases = {
  { name = 'sgemm 2048^3 (matmul)', work = 2 * N ^ 3, unit = 'GFLOP/s',
    shapes = { { N, N }, { N, N } }, py = 'mm(a, b)' },
  { name = 'matmul 128x784 @ 784x512', work = 2 * 128 * 784 * 512,
    unit = 'GFLOP/s', shapes = { { 128, 784 }, { 784, 512 } }, py = 'mm(a, b)' },
  { name = 'add 4M', work = 12 * M, unit = 'GB/s',
    shapes = { { M }, { M } }, py = 'a + b' },
  { name = 'mul scalar 4M', work = 8 * M, unit = 'GB/s',
    shapes = { { M } }, py = 'a * 2.0' },
  { name = 'add broadcast 2048x2048 + 2048', work = 8 * N * N, unit = 'GB/s',
    shapes = { { N, N }, { N } }, py = 'a + b' },
  { name = 'exp 4M', work = 8 * M, unit = 'GB/s',
    shapes = { { M } }, py = 'exp(a)' },
  { name = 'sum 4M', work = 4 * M, unit = 'GB/s',
    shapes = { { M } }, py = 'a.sum()' },
  { name = 'sum dim 2 of 2048x2048', work = 4 * N * N, unit = 'GB/s',
    shapes = { { N, N } }, py = 'a.sum(1)' },
  { name = 'transpose+contiguous 2048^2', work = 8 * N * N, unit = 'GB/s',
    shapes = { { N, N } }, py = 'contig(a.T)' },
}

local ops = {
  ['mm(a, b)'] = function(a, b) return iddl.matmul(a, b) end,
  ['a + b'] = function(a, b) return a + b end,
  ['a * 2.0'] = function(a) return a * 2.0 end,
  ['exp(a)'] = function(a) return a:exp() end,
  ['a.sum()'] = function(a) return a:sum() end,
  ['a.sum(1)'] = function(a) return a:sum(2) end,
  ['contig(a.T)'] = function(a) return a:t():clone() end,
}

-- Times every case in Python; returns name -> seconds, and the peer's name.
local function peer_times()
  local lines = {
    'import sys, time',
    'try:',
    '    import torch; torch.set_num_threads(' .. iddl.blas_info().threads .. ')',
    '    lib = "PyTorch " + torch.__version__',
    '    rand = lambda s: torch.rand(*s); mm = torch.matmul; exp = torch.exp',
    '    contig = lambda x: x.contiguous()',
    'except ImportError:',
    '    import numpy as np; lib = "NumPy " + np.__version__',
    '    rand = lambda s: np.random.rand(*s).astype(np.float32); mm = np.matmul; exp = np.exp',
    '    contig = lambda x: np.ascontiguousarray(x)',
    'def best(f):',
    '    f(); b = 1e9; spent = 0',
    '    while spent < ' .. REPEAT_SECONDS .. ':',
    '        t = time.perf_counter(); f(); d = time.perf_counter() - t',
    '        b = min(b, d); spent += d',
    '    return b',
    'print("peer", lib)',
  }
  for i, c in ipairs(cases) do
    local args = {}
    for k, s in ipairs(c.shapes) do
      args[k] = 'rand((' .. table.concat(s, ',') .. ',))'
    end
    lines[#lines + 1] = string.format('a, b = (%s, None, None)[:2]', table.concat(args, ', '))
    lines[#lines + 1] = string.format('print(%d, best(lambda: %s))', i, c.py)
  end
  local script = os.tmpname()
  local f = assert(io.open(script, 'w'))
  f:write(table.concat(lines, '\n'), '\n')
  f:close()
  local p = io.popen('/usr/bin/python3 ' .. script .. ' 2>/dev/null')
  local times, peer = {}, nil
  for line in p:lines() do
    local name = line:match('^peer (.*)')
    if name then peer = name end
    local i, t = line:match('^(%d+) (%S+)')
    if i then times[tonumber(i)] = tonumber(t) end
  end
  p:close()
  os.remove(script)
  return times, peer
end

local info = iddl.blas_info()
print(string.format('iddl %s, OpenBLAS core %s (chosen from cpuid: %s), %d threads',
                    iddl.version, info.core, info.preferred, info.threads))
local peer, peer_name = peer_times()
print(string.format('peer: %s', peer_name or 'none (install python3-torch)'))
print(string.format('%-34s %10s %12s %10s %8s', 'operation', 'iddl ms', 'rate',
                    'peer ms', 'peer/iddl'))
for i, c in ipairs(cases) do
  local args = {}
  for k, s in ipairs(c.shapes) do args[k] = iddl.rand(s) end
  local op = ops[c.py]
  local t = best_time(function() return op(args[1], args[2]) end)
  local rate = c.work / t / 1e9
  local p = peer[i]
  print(string.format('%-34s %10.3f %7.1f %-7s %10s %8s', c.name, t * 1e3, rate,
                      c.unit, p and string.format('%.3f', p * 1e3) or '-',
                      p and string.format('%.2f', p / t) or '-'))
end
