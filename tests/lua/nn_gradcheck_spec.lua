-- nn_gradcheck_spec.lua - finite-difference checks of every module's and
-- criterion's backward: d L / d input and d L / d parameters, with
-- L = sum(output .* R) for a fixed random R (a criterion's L is its loss).
-- Central differences in float32 with eps = 1e-2; agreement within
-- |analytic - numeric| <= 2e-3 + 1e-2 * |numeric|. Inputs are kept at least
-- 0.2 away from 0 so that no difference straddles the kink of a ReLU.
local iddl = iddl or require 'iddl'
local nn = iddl.nn

local EPS, RTOL, ATOL = 1e-2, 1e-2, 2e-3
local MAX_CHECKED = 40 -- elements checked per tensor

-- sum(out .* r) for a tensor or a list of tensors, in double.
local function dot(out, r)
  if iddl.is_tensor(out) then return (out * r):sum() end
  local s = 0
  for i, o in ipairs(out) do if r[i] then s = s + (o * r[i]):sum() end end
  return s
end

-- A random tensor (or list) shaped like out.
local function like(out)
  if iddl.is_tensor(out) then return iddl.randn(out:size()) end
  local r = {}
  for i, o in ipairs(out) do r[i] = like(o) end
  return r
end

local function away_from_zero(t)
  return t + (t:sign() + t:eq(0)) * 0.2
end

-- Compares analytic (tensor) with the central differences of f() when the
-- elements of `target` are perturbed.
local function check_tensor(what, target, analytic, f)
  local flat, a = target:view(-1), analytic:contiguous():view(-1)
  local n = math.min(flat:numel(), MAX_CHECKED)
  for k = 1, n do
    local v = flat[k]
    flat[k] = v + EPS
    local lp = f()
    flat[k] = v - EPS
    local lm = f()
    flat[k] = v
    local num = (lp - lm) / (2 * EPS)
    if math.abs(a[k] - num) > ATOL + RTOL * math.abs(num) then
      error(string.format('%s element %d: analytic %.6g, numeric %.6g', what, k,
                          a[k], num), 2)
    end
  end
end

-- Checks a module on input x (seed: reseeds before every forward, for
-- Dropout; r: the gradOutput, default random).
local function gradcheck(m, x, opts)
  opts = opts or {}
  local function fwd()
    if opts.seed then iddl.manual_seed(opts.seed) end
    return m:forward(x)
  end
  local r = opts.r or like(fwd())
  local function L() return dot(fwd(), r) end
  fwd()
  m:zero_grad()
  local gi = m:backward(x, r)
  gi = iddl.is_tensor(gi) and gi:clone() or gi
  local params, grads = m:parameters()
  local saved = {}
  for i, g in ipairs(grads) do saved[i] = g:clone() end
  check_tensor('gradInput', x, gi, L)
  for i, p in ipairs(params) do check_tensor('parameter ' .. i, p, saved[i], L) end
end

local function crit_check(crit, x, t, w)
  crit:forward(x, t, w)
  local gi = crit:backward(x, t, w):clone()
  check_tensor('gradInput', x, gi, function() return crit:forward(x, t, w) end)
end

describe('nn gradient checks', function()
  before_each(function() iddl.manual_seed(42) end)

  it('Linear, with and without bias, 2-D and 3-D input', function()
    gradcheck(nn.Linear(5, 4), iddl.randn(3, 5))
    gradcheck(nn.Linear(5, 4, { bias = false }), iddl.randn(3, 5))
    gradcheck(nn.Linear(3, 2), iddl.randn(2, 4, 3))
  end)

  it('activations', function()
    for _, m in ipairs { nn.ReLU(), nn.LeakyReLU(0.1), nn.Tanh(), nn.Sigmoid(),
                         nn.Identity() } do
      gradcheck(m, away_from_zero(iddl.randn(4, 5)))
    end
  end)

  it('Softmax and LogSoftmax over the last dimension', function()
    gradcheck(nn.Softmax(), iddl.randn(3, 6))
    gradcheck(nn.LogSoftmax(), iddl.randn(2, 3, 4))
  end)

  it('Dropout in training mode (same mask for every evaluation)', function()
    gradcheck(nn.Dropout(0.3), iddl.randn(4, 6), { seed = 5 })
  end)

  it('Flatten and View', function()
    gradcheck(nn.Sequential{ nn.Flatten(), nn.Linear(12, 3) }, iddl.randn(2, 3, 4))
    gradcheck(nn.Sequential{ nn.View(3, 4), nn.Tanh(), nn.View(-1), nn.Linear(12, 2) },
              iddl.randn(2, 12))
  end)

  it('Sequential MLP', function()
    gradcheck(nn.Sequential{ nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 4),
                             nn.Sigmoid(), nn.Linear(4, 3) }, iddl.randn(4, 6))
  end)

  it('Concat and ConcatTable', function()
    gradcheck(nn.Concat(2, { nn.Linear(4, 3), nn.Linear(4, 2) }), iddl.randn(3, 4))
    gradcheck(nn.ConcatTable{ nn.Linear(4, 3), nn.Tanh() }, iddl.randn(3, 4))
  end)

  it('Add: residual and sum of branches', function()
    gradcheck(nn.Add{ nn.Linear(4, 4) }, iddl.randn(3, 4))
    gradcheck(nn.Add{ nn.Linear(4, 2), nn.Sequential{ nn.Linear(4, 2), nn.Tanh() } },
              iddl.randn(3, 4))
  end)

  it('MultiOutput: early exits, nested, with an output without gradient', function()
    local m = nn.MultiOutput{ nn.Sequential{ nn.Linear(5, 4), nn.Tanh() }, {
      nn.Linear(4, 2),
      nn.MultiOutput{ nn.Linear(4, 3), { nn.Linear(3, 2), nn.Sigmoid() } } } }
    local x = iddl.randn(3, 5)
    local out = m:forward(x)
    assert.are.equal(3, #out)
    gradcheck(m, x)
    gradcheck(m, x, { r = { iddl.randn(3, 2), nil, iddl.randn(3, 3) } })
  end)

  it('criteria, with class and per-sample weights', function()
    local x, t = iddl.randn(5, 4), iddl.tensor{ 1, 4, 2, 2, 3 }
    local cw, sw = iddl.rand(4) + 0.5, iddl.rand(5) * 2
    for _, name in ipairs { 'ClassNLLCriterion', 'CrossEntropyCriterion' } do
      for _, red in ipairs { 'mean', 'sum' } do
        crit_check(nn[name]{ reduction = red }, x, t)
        crit_check(nn[name]{ reduction = red, weight = cw }, x, t, sw)
      end
    end
    local y = iddl.randn(5, 4)
    crit_check(nn.MSECriterion(), x, y)
    crit_check(nn.MSECriterion{ reduction = 'sum' }, x, y, sw)
  end)
end)
