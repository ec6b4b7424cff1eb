-- bench_conv.lua: nn.Conv2d against PyTorch (/usr/bin/python3, same run,
-- same thread count) on the convolutions of ResNet-18 for CIFAR-10 at batch
-- 128, dense and with groups 2/4/8/16. For each layer: forward, and forward
-- + backward (gradInput, gradWeight; no bias, as in ResNet), the best of
-- REPS runs, GFLOP/s = 2 * multiply-accumulates / time (x3 for forward +
-- backward), the share of the machine's sgemm peak (a 2048^3 iddl.matmul,
-- measured here) and the ratio PyTorch / iddl (> 1: iddl is faster). The
-- last lines add the layers up as ResNet-18 has them (stem once, then 4, 3,
-- 3, 3 of the 3x3 same-size convolutions, one downsampling 3x3 and one 1x1
-- shortcut per stage) for a whole training step's convolutions.
--   build/iddl tests/bench/bench_conv.lua
local iddl = iddl or require 'iddl'
local nn = iddl.nn

local B, REPS = 128, 3
local GROUPS = { 1, 2, 4, 8, 16 }

-- name, cin, cout, input size, kernel, stride, padding, uses in ResNet-18
local LAYERS = {
  { 'stem', 3, 64, 32, 3, 1, 1, 1 },
  { 'l1', 64, 64, 32, 3, 1, 1, 4 },
  { 'l2-down', 64, 128, 32, 3, 2, 1, 1 },
  { 'l2-short', 64, 128, 32, 1, 2, 0, 1 },
  { 'l2', 128, 128, 16, 3, 1, 1, 3 },
  { 'l3-down', 128, 256, 16, 3, 2, 1, 1 },
  { 'l3-short', 128, 256, 16, 1, 2, 0, 1 },
  { 'l3', 256, 256, 8, 3, 1, 1, 3 },
  { 'l4-down', 256, 512, 8, 3, 2, 1, 1 },
  { 'l4-short', 256, 512, 8, 1, 2, 0, 1 },
  { 'l4', 512, 512, 4, 3, 1, 1, 3 },
}

-- The configurations: every layer dense, every layer but the stem grouped.
local configs = {}
for _, g in ipairs(GROUPS) do
  for _, l in ipairs(LAYERS) do
    if g == 1 or l[1] ~= 'stem' then
      configs[#configs + 1] = { name = l[1], cin = l[2], cout = l[3], hw = l[4],
                                k = l[5], stride = l[6], pad = l[7], uses = l[8],
                                groups = g }
    end
  end
end

local function best_of(n, f)
  f()
  local best = math.huge
  for _ = 1, n do
    local t0 = iddl.now()
    f()
    best = math.min(best, iddl.now() - t0)
  end
  return best
end

-- sgemm peak of this machine: (2048 x 2048) @ (2048 x 2048).
local a, b = iddl.randn(2048, 2048), iddl.randn(2048, 2048)
local peak = 2 * 2048 ^ 3 / best_of(3, function() iddl.matmul(a, b) end) / 1e9
a, b = nil, nil

-- PyTorch runs in one python process that takes each configuration from a
-- FIFO just after iddl has measured it, so that both see the same load on
-- this shared machine; it answers "forward_s fwd+bwd_s" per configuration.
local py = [[
import sys, time, torch
torch.set_num_threads(%d); torch.manual_seed(0)
def best_of(n, f):
    f(); best = 1e9
    for _ in range(n):
        t0 = time.perf_counter(); f(); best = min(best, time.perf_counter() - t0)
    return best
print('ready', flush=True)
for line in open(sys.argv[1]):
    cin, cout, hw, k, s, p, g = map(int, line.split())
    m = torch.nn.Conv2d(cin, cout, k, stride=s, padding=p, groups=g, bias=False)
    x = torch.randn(%d, cin, hw, hw, requires_grad=True)
    gy = torch.randn_like(m(x))
    def fwd():
        with torch.no_grad(): m(x)
    def fb():
        m.zero_grad(); x.grad = None; m(x).backward(gy)
    print(best_of(%d, fwd), best_of(%d, fb), flush=True)
]]
local torch_in, torch_out, fifo, script
if os.execute('/usr/bin/python3 -c "import torch" 2>/dev/null') then
  script, fifo = os.tmpname(), os.tmpname()
  os.remove(fifo)
  assert(os.execute('mkfifo ' .. fifo))
  local f = assert(io.open(script, 'w'))
  f:write(py:format(iddl.blas_info().threads, B, REPS, REPS))
  f:close()
  torch_out = io.popen('/usr/bin/python3 ' .. script .. ' ' .. fifo)
  torch_in = assert(io.open(fifo, 'w'))
  assert(torch_out:read('l') == 'ready')
end

iddl.manual_seed(0)
for _, c in ipairs(configs) do
  local m = nn.Conv2d(c.cin, c.cout, c.k, { stride = c.stride, padding = c.pad,
                                            groups = c.groups, bias = false })
  local x = iddl.randn(B, c.cin, c.hw, c.hw)
  local y = m:forward(x)
  local gy = iddl.randn(y:size())
  c.macs = m:flops{ c.cin, c.hw, c.hw } * B
  c.fwd = best_of(REPS, function() m:forward(x) end)
  c.fb = best_of(REPS, function()
    m:forward(x)
    m:zero_grad()
    m:backward(x, gy)
  end)
  m, x, y, gy = nil, nil, nil, nil
  collectgarbage()
  if torch_in then
    torch_in:write(string.format('%d %d %d %d %d %d %d\n', c.cin, c.cout, c.hw,
                                 c.k, c.stride, c.pad, c.groups))
    torch_in:flush()
    local tf, tb = (torch_out:read('l') or ''):match('(%S+)%s+(%S+)')
    c.tfwd, c.tfb = tonumber(tf), tonumber(tb)
  end
end
if torch_in then
  torch_in:close()
  torch_out:close()
  os.remove(script)
  os.remove(fifo)
end

local function ratio(t, mine) return t and string.format('%5.2f', t / mine) or '  n/a' end
local function ms(t) return t and string.format('%7.1f', t * 1e3) or '    n/a' end

print(string.format('Conv2d, batch %d, %d threads, best of %d; sgemm peak %.0f GFLOP/s '
                    .. '(2048^3 matmul); ratio = PyTorch / iddl', B,
                    iddl.blas_info().threads, REPS, peak))
print('layer     g  shape                    | forward: iddl ms  GF/s  %peak  torch ms ratio'
      .. ' | fwd+bwd: iddl ms  GF/s  %peak  torch ms ratio')
for _, c in ipairs(configs) do
  local gf, gb = 2 * c.macs / c.fwd / 1e9, 6 * c.macs / c.fb / 1e9
  print(string.format('%-9s %-2d %-24s | %s %5.0f %5.0f%% %s %s | %s %5.0f %5.0f%% %s %s',
                      c.name, c.groups,
                      string.format('%d->%d %dx%d k%d s%d', c.cin, c.cout, c.hw, c.hw,
                                    c.k, c.stride),
                      ms(c.fwd), gf, 100 * gf / peak, ms(c.tfwd), ratio(c.tfwd, c.fwd),
                      ms(c.fb), gb, 100 * gb / peak, ms(c.tfb), ratio(c.tfb, c.fb)))
end

-- ResNet-18's convolutions in one training step (forward + backward), the
-- stem dense in every variant.
print('ResNet-18 convolutions, one training step (forward + backward):')
for _, g in ipairs(GROUPS) do
  local mine, theirs, macs = 0, 0, 0
  for _, c in ipairs(configs) do
    if c.groups == g or (c.name == 'stem' and c.groups == 1) then
      mine = mine + c.uses * c.fb
      theirs = theirs + c.uses * (c.tfb or 0 / 0)
      macs = macs + c.uses * c.macs
    end
  end
  print(string.format('  groups %-2d  iddl %6.3f s (%4.0f GFLOP/s)  PyTorch %6.3f s  ratio %s',
                      g, mine, 6 * macs / mine / 1e9, theirs, ratio(theirs, mine)))
end
