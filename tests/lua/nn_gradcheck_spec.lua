-- nn_gradcheck_spec.lua - finite-difference checks of every module's and
-- criterion's backward: d L / d input and d L / d parameters, with
-- L = sum(output .* R) for a fixed random R (a criterion's L is its loss).
-- Central differences in float32 with eps = 1e-2; agreement within
-- |analytic - numeric| <= 2e-3 + 1e-2 * |numeric|. Inputs are kept at least
-- 0.2 away from 0 so that no difference straddles the kink of a ReLU.
local iddl = iddl or require 'iddl'
local H = dofile(debug.getinfo(1, 'S').source:match('^@(.*[/\\])') .. 'helpers.lua')
local nn = iddl.nn
local gradcheck = H.gradcheck -- 40 elements per tensor

local function away_from_zero(t)
  return t + (t:sign() + t:eq(0)) * 0.2
end

local function crit_check(crit, x, t, w)
  crit:forward(x, t, w)
  local gi = crit:backward(x, t, w):clone()
  H.check_grad('gradInput', x, gi, function() return crit:forward(x, t, w) end)
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
