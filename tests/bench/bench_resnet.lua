-- bench_resnet.lua: ResNet-18 for CIFAR-10 in iddl against PyTorch
-- (/usr/bin/python3, same run, same thread count): dense, B-ResNet-18 with
-- the seed's 'paper' masks (PyTorch: the seed's dense convolution of weight
-- * mask, tests/bench/resnet_torch.py) and grouped (2/4/8/16). For each: a
-- training step (forward, cross-entropy, backward, SGD step) and an
-- inference pass (eval mode) at batch 128 on 3x32x32, 1 warm-up + REPS
-- timed (the mean); GFLOP/s = 2 * MACs * 3 per training step (2 * MACs for
-- inference), MACs as iddl's model:flops{3, 32, 32} counts them (the
-- seed's convention); peak memory = VmHWM of a fresh process per model and
-- framework. Ratios > 1 mean iddl is faster.
--   build/iddl tests/bench/bench_resnet.lua
-- (internally: build/iddl tests/bench/bench_resnet.lua --one MODEL)
local iddl = iddl or require 'iddl'
local nn = iddl.nn

local B, REPS = 128, 2
local MODELS = {
  { key = 'dense', name = 'ResNet-18', opts = { depth = 18 } },
  { key = 'bibd', name = 'B-ResNet-18 (paper)', opts = { depth = 18, sparsity = 'bibd', mask = 'paper' } },
  { key = 'groups2', name = 'ResNet-18 groups 2', opts = { depth = 18, groups = 2 } },
  { key = 'groups4', name = 'ResNet-18 groups 4', opts = { depth = 18, groups = 4 } },
  { key = 'groups8', name = 'ResNet-18 groups 8', opts = { depth = 18, groups = 8 } },
  { key = 'groups16', name = 'ResNet-18 groups 16', opts = { depth = 18, groups = 16 } },
}

-- VmHWM of this process in KiB.
local function peak_kib()
  local f = io.open('/proc/self/status')
  local s = f:read('a')
  f:close()
  return tonumber(s:match('VmHWM:%s*(%d+)'))
end

-- Mean seconds of REPS calls of f after one warm-up.
local function timed(f)
  f()
  local t0 = iddl.now()
  for _ = 1, REPS do f() end
  return (iddl.now() - t0) / REPS
end

-- Child mode: one model in this process; prints train infer peak.
if arg[1] == '--one' then
  local spec
  for _, m in ipairs(MODELS) do if m.key == arg[2] then spec = m end end
  iddl.manual_seed(1)
  local model = iddl.models.resnet(spec.opts)
  local x, y = iddl.randn(B, 3, 32, 32), iddl.randint(1, 11, B)
  local crit = nn.CrossEntropyCriterion()
  local opt = iddl.optim.SGD(model, { lr = 0.01, momentum = 0.5 })
  model:train()
  local t_train = timed(function()
    opt:zero_grad()
    local out = model:forward(x)
    crit:forward(out, y)
    model:backward(x, crit:backward(out, y))
    opt:step()
  end)
  model:eval()
  local t_infer = timed(function() model:forward(x) end)
  print(t_train, t_infer, peak_kib(), (model:flops { 3, 32, 32 }))
  return
end

local self_path = debug.getinfo(1, 'S').source:match('^@(.*)$')
local dir = self_path:match('^(.*[/\\])') or './'
local exe = arg[-1] or 'iddl'
local threads = iddl.blas_info().threads

-- The words of the last line a command prints.
local function run(cmd)
  local p = io.popen(cmd)
  local out = p:read('a')
  p:close()
  local last = out:match('([^\n]+)\n*$')
  assert(last, 'no output from: ' .. cmd)
  local t = {}
  for w in last:gmatch('%S+') do t[#t + 1] = tonumber(w) end
  assert(#t >= 3, 'unexpected output from ' .. cmd .. ': ' .. out)
  return t
end

print(string.format('ResNet-18 on 3x32x32, batch %d, %d threads; seconds per step '
                    .. '(mean of %d after 1 warm-up)', B, threads, REPS))
print(string.format('%-22s %8s %8s %6s %7s %7s | %8s %8s %6s | %8s %8s', 'model',
                    'iddl tr', 'torch tr', 'ratio', 'GF/s', 'torchGF', 'iddl inf',
                    'torch in', 'ratio', 'iddl MiB', 'torchMiB'))
local results = {}
for _, m in ipairs(MODELS) do
  local a = run(string.format('%s %s --one %s', exe, self_path, m.key))
  local t = run(string.format('/usr/bin/python3 %sresnet_torch.py %s %d %d', dir,
                              m.key, threads, REPS))
  local macs = a[4]
  results[m.key] = a
  print(string.format('%-22s %8.3f %8.3f %6.2f %7.1f %7.1f | %8.3f %8.3f %6.2f | %8.0f %8.0f',
                      m.name, a[1], t[1], t[1] / a[1], 6 * macs * B / a[1] / 1e9,
                      6 * macs * B / t[1] / 1e9, a[2], t[2], t[2] / a[2],
                      a[3] / 1024, t[3] / 1024))
  results[m.key].torch = t
end
local bd, bb = results.dense, results.bibd
print(string.format('B-ResNet-18 training step: %.2fx faster than the seed\'s masked '
                    .. 'PyTorch (target 5x), %.2fx faster than iddl dense ResNet-18 (target 3x)',
                    bb.torch[1] / bb[1], bd[1] / bb[1]))
